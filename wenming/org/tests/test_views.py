"""The org pages, NetBox-style: each page as anonymous, out of scope, in scope; lists show exactly the scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wenming.common.tests.test_access import LOGINS, TAOCHENG, expected_ids, first_street, person
from wenming.org.models import Area, Site, Unit

pytestmark = pytest.mark.django_db

LISTS = {"org:area_list": Area, "org:unit_list": Unit, "org:site_list": Site}
DETAILS = {"org:area_detail": Area, "org:unit_detail": Unit, "org:site_detail": Site}


def page_ids(response) -> set[int]:
    return set(response.context["page"].paginator.object_list.values_list("id", flat=True))


# -- anonymous ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "/org/areas/", "/org/areas/131102/", "/org/units/", "/org/units/CGJ-131102/", "/org/sites/", "/org/sites/S000001/",
])
def test_anonymous_is_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


# -- detail pages: in scope 200, out of scope exactly like missing ------------------------------------------------


@pytest.mark.parametrize("username", LOGINS)
def test_detail_pages_in_scope_out_of_scope_and_missing(client, username):
    client.force_login(person(username))
    for name, model in DETAILS.items():
        visible = expected_ids(username, model)
        inside = model.objects.filter(id__in=visible).order_by("code").first()
        outside = model.objects.exclude(id__in=visible).order_by("code").first()
        if inside:
            assert client.get(reverse(name, args=[inside.code])).status_code == 200, (name, inside.code)
        missing = client.get(reverse(name, args=["NO-SUCH-CODE"]))
        assert missing.status_code == 404
        if outside:
            response = client.get(reverse(name, args=[outside.code]))
            assert response.status_code == 404, (name, outside.code)
            # Nothing on the answer tells an out-of-scope row from a missing one.
            assert response.content.replace(outside.code.encode(), b"") == missing.content.replace(b"NO-SUCH-CODE", b"")


def test_a_person_without_a_role_finds_nothing(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    for name in LISTS:
        response = client.get(reverse(name))
        assert response.status_code == 200 and not page_ids(response)
    for name, model in DETAILS.items():
        assert client.get(reverse(name, args=[model.objects.order_by("code").first().code])).status_code == 404
    assert client.get(reverse("routing:check")).status_code == 403


# -- lists: exactly the scope ------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", LOGINS)
def test_lists_show_exactly_the_scope(client, username):
    client.force_login(person(username))
    for name, model in LISTS.items():
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert page_ids(response) == expected_ids(username, model), (username, name)


def test_lists_do_not_show_names_out_of_scope(client):
    client.force_login(person("chengguan"))
    units = client.get(reverse("org:unit_list"), {"per_page": 100}).content.decode()
    assert "桃城区城市管理综合行政执法局" in units
    assert "衡水市教育局" not in units and "国网衡水供电公司" not in units and "冀州区城市管理综合行政执法局" not in units
    sites = client.get(reverse("org:site_list"), {"per_page": 100}).content.decode()
    outside = Site.objects.exclude(area__path__startswith=TAOCHENG).order_by("code").first()
    inside = Site.objects.filter(guarantor_unit__code="CGJ-131102").order_by("code").first()
    assert inside.code in sites and outside.code not in sites
    areas = client.get(reverse("org:area_list"), {"level": "county"}).content.decode()
    assert "桃城区" in areas and "冀州区" not in areas


def test_area_page_links_only_to_what_is_in_scope(client):
    client.force_login(person("taocheng"))
    page = client.get(reverse("org:area_detail", args=["131102"])).content.decode()
    assert "衡水市" in page  # the chain is shown for orientation…
    assert reverse("org:area_detail", args=["131100"]) not in page  # …but the city is not a link
    street = first_street()
    assert reverse("org:area_detail", args=[street.code]) in page
    assert '?area=131102"' in page


def test_unit_page_shows_its_people_and_sites(client):
    client.force_login(person("chengguan_lead"))
    response = client.get(reverse("org:unit_detail", args=["CGJ-131102"]))
    page = response.content.decode()
    assert "城管处置员 孙杰" in page
    sites = Site.objects.filter(guarantor_unit__code="CGJ-131102")
    assert response.context["site_count"] == sites.count() > 0
    assert all(s.code in page for s in sites)
    assert reverse("org:unit_detail", args=["CGJ"]) not in page  # the city bureau is outside its scope


# -- filters, pagination and query counts -------------------------------------------------------------------------


def test_filters(client):
    client.force_login(person("zhiban"))
    response = client.get(reverse("org:area_list"), {"level": "street", "q": "131102"})
    assert page_ids(response) == set(Area.objects.filter(level="street", code__startswith="131102").values_list("id", flat=True))
    response = client.get(reverse("org:unit_list"), {"kind": "utility"})
    assert page_ids(response) == set(Unit.objects.filter(kind="utility").values_list("id", flat=True))
    market = Site.objects.filter(site_type__code__isnull=False).order_by("code").first().site_type
    response = client.get(reverse("org:site_list"), {"site_type": market.pk, "area": "131102"})
    assert page_ids(response) == set(
        Site.objects.filter(site_type=market, area__path__startswith=TAOCHENG).values_list("id", flat=True))
    response = client.get(reverse("org:site_list"), {"unit": "CGJ-131102"})
    assert page_ids(response) == set(Site.objects.filter(guarantor_unit__code="CGJ-131102").values_list("id", flat=True))
    response = client.get(reverse("org:site_list"), {"area": "NO-SUCH"})
    assert not page_ids(response)
    # A bad filter value is reported on the form, not a crash.
    response = client.get(reverse("org:area_list"), {"level": "planet"})
    assert response.status_code == 200 and response.context["form"].errors


def test_a_filter_never_widens_the_scope(client):
    client.force_login(person("taocheng"))
    response = client.get(reverse("org:site_list"), {"area": "131103"})
    assert not page_ids(response)


def test_pagination_keeps_the_filters(client):
    client.force_login(person("zhiban"))
    grids = Area.objects.filter(level="grid").order_by("path")
    first = client.get(reverse("org:area_list"), {"level": "grid", "per_page": 20})
    assert [a.id for a in first.context["page"]] == list(grids.values_list("id", flat=True)[:20])
    page = first.content.decode()
    assert "?level=grid&amp;per_page=20&amp;page=2" in page
    second = client.get(reverse("org:area_list"), {"level": "grid", "per_page": 20, "page": 2})
    assert [a.id for a in second.context["page"]] == list(grids.values_list("id", flat=True)[20:40])
    last = client.get(reverse("org:area_list"), {"level": "grid", "per_page": 20, "page": 9999})
    assert last.context["page"].number == last.context["page"].paginator.num_pages
    assert client.get(reverse("org:area_list"), {"per_page": 7}).context["form"].errors  # only the offered sizes


@pytest.mark.parametrize("name", list(LISTS))
@pytest.mark.parametrize("username", ["zhiban", "chengguan", "taocheng"])
def test_list_queries_do_not_grow_with_the_page(client, django_assert_max_num_queries, name, username):
    client.force_login(person(username))
    counts = []
    for size in (20, 100):
        with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(10):
            assert client.get(reverse(name), {"per_page": size}).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_detail_queries_are_bounded(client, django_assert_max_num_queries):
    client.force_login(person("zhiban"))
    for url in (reverse("org:area_detail", args=["131102"]), reverse("org:unit_detail", args=["CGJ-131102"]),
                reverse("org:site_detail", args=[Site.objects.order_by("code").first().code])):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200
