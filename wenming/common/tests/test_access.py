"""For each role, exactly its scope: in restrict(), in the pages and in the admin (NetBox-style tries)."""

import pytest
from django.db.models import Q
from django.urls import reverse

from wenming.cases.models import Category, Facility
from wenming.common.access import restrict, scope_for
from wenming.org.models import (
    Area,
    Person,
    ResponsibilityGrid,
    RoadSegment,
    RoleAssignment,
    Site,
    SiteType,
    StorefrontDuty,
    Unit,
)

pytestmark = pytest.mark.django_db
CITY, TAOCHENG = "/131100/", "/131100/131102/"


def person(username):
    return Person.objects.get(username=username)


def ids(qs):
    return set(qs.values_list("id", flat=True))


def expected_areas(username):
    p = person(username)
    if username in {"admin", "shouli", "zhiban", "paiqian", "anfang"}:
        return ids(Area.objects.all())
    paths = [r.area.path for r in p.roles.filter(area__isnull=False)]
    paths += [r.unit.area.path for r in p.roles.filter(unit__area__isnull=False)]
    return {a.pk for a in Area.objects.only("path") if any(a.path.startswith(x) for x in paths)}


ROLES = ["admin", "shouli", "zhiban", "paiqian", "chengguan", "chengguan_lead", "gongdian", "jiedao", "taocheng", "wangge", "anfang"]


@pytest.mark.parametrize("username", ROLES)
def test_areas_in_scope(username):
    assert ids(restrict(Area.objects.all(), person(username))) == expected_areas(username)


def test_city_wide_roles_see_everything_and_anonymous_nothing(django_user_model):
    for username in ("admin", "shouli", "zhiban", "paiqian"):
        scope = scope_for(person(username))
        assert scope.everything
        assert ids(restrict(Unit.objects.all(), person(username))) == ids(Unit.objects.all())
    from django.contrib.auth.models import AnonymousUser

    assert not restrict(Area.objects.all(), AnonymousUser()).exists()
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert not restrict(Site.objects.all(), nobody).exists()
    assert not restrict(Category.objects.all(), nobody).exists()  # reference data needs a role too


def test_area_leader_sees_the_district_only():
    p = person("taocheng")
    assert ids(restrict(Site.objects.all(), p)) == ids(Site.objects.filter(area__path__startswith=TAOCHENG))
    assert ids(restrict(RoadSegment.objects.all(), p)) == ids(RoadSegment.objects.filter(area__path__startswith=TAOCHENG))
    assert ids(restrict(Unit.objects.all(), p)) == ids(Unit.objects.filter(area__path__startswith=TAOCHENG))
    assert ids(restrict(Facility.objects.all(), p)) == ids(Facility.objects.filter(area__path__startswith=TAOCHENG))
    assert ids(restrict(ResponsibilityGrid.objects.all(), p)) == ids(
        ResponsibilityGrid.objects.filter(community__path__startswith=TAOCHENG))
    other_site = Site.objects.exclude(area__path__startswith=TAOCHENG).first()
    assert other_site and not restrict(Site.objects.filter(pk=other_site.pk), p).exists()


def test_unit_handler_sees_its_unit_its_sites_and_facilities_and_its_jurisdiction():
    p = person("chengguan")
    unit = Unit.objects.get(code="CGJ-131102")
    assert ids(restrict(Unit.objects.all(), p)) == ids(
        Unit.objects.filter(Q(path__startswith=unit.path) | Q(area__path__startswith=TAOCHENG)))
    assert ids(restrict(Site.objects.all(), p)) == ids(
        Site.objects.filter(Q(guarantor_unit=unit) | Q(area__path__startswith=TAOCHENG)))
    assert ids(restrict(Facility.objects.all(), p)) == ids(
        Facility.objects.filter(Q(owner_unit=unit) | Q(maintainer_unit=unit) | Q(area__path__startswith=TAOCHENG)))


def test_power_company_sees_only_what_it_owns():
    p = person("gongdian")
    power = Unit.objects.get(code="POWER")
    assert ids(restrict(Unit.objects.all(), p)) == {power.id}
    assert ids(restrict(Facility.objects.all(), p)) == ids(Facility.objects.filter(owner_unit=power))
    assert not restrict(Area.objects.all(), p).exists()
    assert ids(restrict(Person.objects.all(), p)) == ids(Person.objects.filter(unit=power))


def test_street_office_and_grid_worker():
    jiedao = person("jiedao")
    street = jiedao.roles.get().unit.area
    assert ids(restrict(StorefrontDuty.objects.all(), jiedao)) == ids(
        StorefrontDuty.objects.filter(Q(area__path__startswith=street.path) | Q(supervising_unit__area=street)))
    wangge = person("wangge")
    community = wangge.roles.get().area
    assert ids(restrict(Area.objects.all(), wangge)) == ids(Area.objects.filter(path__startswith=community.path))
    assert not restrict(Person.objects.all(), wangge).exists()  # grid workers do not browse the staff list


def test_inspector_sees_places_but_not_people_or_rules():
    p = person("anfang")
    assert restrict(Site.objects.all(), p).count() == Site.objects.count()
    assert not restrict(Person.objects.all(), p).exists()
    assert not restrict(RoleAssignment.objects.all(), p).exists()
    from wenming.cases.models import RoutingRule

    assert not restrict(RoutingRule.objects.all(), p).exists()


def test_reference_data_is_visible_to_every_role():
    for username in ROLES:
        assert restrict(SiteType.objects.all(), person(username)).count() == SiteType.objects.count()
        assert restrict(Category.objects.all(), person(username)).count() == Category.objects.count()


# -- pages ------------------------------------------------------------------------------------------------------

PAGES = ["org:area_list", "org:unit_list", "org:site_list", "org:route"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_detail_pages_in_scope_out_of_scope_and_missing(client):
    client.force_login(person("taocheng"))
    inside = Site.objects.filter(area__path__startswith=TAOCHENG).first()
    outside = Site.objects.exclude(area__path__startswith=TAOCHENG).first()
    assert client.get(reverse("org:site_detail", args=[inside.code])).status_code == 200
    assert client.get(reverse("org:site_detail", args=[outside.code])).status_code == 404
    assert client.get(reverse("org:site_detail", args=["NO-SUCH-SITE"])).status_code == 404
    area_out = Area.objects.exclude(path__startswith=TAOCHENG).filter(level="county").first()
    assert client.get(reverse("org:area_detail", args=[area_out.code])).status_code == 404
    assert client.get(reverse("org:area_detail", args=["131102"])).status_code == 200
    unit_out = Unit.objects.get(code="POWER")
    assert client.get(reverse("org:unit_detail", args=[unit_out.code])).status_code == 404


def test_lists_show_only_scope(client):
    client.force_login(person("gongdian"))
    page = client.get(reverse("org:unit_list")).content.decode()
    assert "国网衡水供电公司" in page and "衡水市教育局" not in page
    page = client.get(reverse("org:site_list")).content.decode()
    assert Site.objects.first().name not in page


@pytest.mark.parametrize("name", ["org:area_list", "org:site_list", "org:unit_list"])
def test_list_queries_do_not_grow_with_the_page(client, django_assert_max_num_queries, name):
    client.force_login(person("zhiban"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse(name)).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse(name), {"page": 2}).status_code == 200


# -- admin ------------------------------------------------------------------------------------------------------

ADMIN_MODELS = ["org/area", "org/responsibilitygrid", "org/unit", "org/person", "org/roleassignment", "org/sitetype",
                "org/site", "org/roadsegment", "org/roadchief", "org/storefrontduty", "cases/category", "cases/timelimit",
                "cases/routingrule", "cases/facility", "campaign/campaign", "campaign/action", "common/calendarday",
                "common/auditevent"]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_admin_changelists_open_for_the_administrator(client, model):
    client.force_login(person("admin"))
    assert client.get(f"/admin/{model}/").status_code == 200


def test_admin_is_in_chinese_and_scoped(client):
    client.force_login(person("taocheng"))
    index = client.get("/admin/").content.decode()
    assert "配置管理" in index and "区域" in index
    page = client.get("/admin/org/site/").content.decode()
    inside = Site.objects.filter(area__path__startswith=TAOCHENG).order_by("code").first()
    outside = Site.objects.exclude(area__path__startswith=TAOCHENG).order_by("code").first()
    assert inside.code in page and outside.code not in page
    # Out of scope in the admin behaves like a missing object.
    response = client.get(f"/admin/org/site/{outside.pk}/change/")
    missing = client.get("/admin/org/site/999999999/change/")
    assert response.status_code == missing.status_code == 302
    # Non-administrators only look.
    assert client.get("/admin/org/site/add/").status_code == 403
    assert client.post(f"/admin/org/site/{inside.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Site.objects.filter(pk=inside.pk).exists()


def test_a_person_without_roles_cannot_use_the_admin(client, django_user_model):
    django_user_model.objects.create_user("nobody", password="pw-123456!")
    response = client.post("/admin/login/", {"username": "nobody", "password": "pw-123456!", "next": "/admin/"})
    assert response.status_code == 200 and "没有任何角色" in response.content.decode()
