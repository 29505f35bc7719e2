"""The routing check page (cases): the decision, its reason and what the person may see of the area chain and
nearby sites; only for those who may read the routing rules."""

import pytest
from django.urls import reverse

from wenming.cases.services.routing import case_route
from wenming.common.tests.test_access import TAOCHENG, person
from wenming.org.models import Area

pytestmark = pytest.mark.django_db


def taocheng_grid() -> Area:
    return Area.objects.filter(level="grid", path__startswith=TAOCHENG).order_by("code").first()


@pytest.mark.parametrize("url", ["/org/route/", "/org/route/?lat=37.6&lng=115.5&category=SJ0404"])
def test_anonymous_is_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_site_pages_link_to_the_check_only_for_those_who_may_open_it(client):
    from wenming.org.models import Site

    site = Site.objects.exclude(lat=None).order_by("code").first()
    for username, shown in [("paiqian", True), ("anfang", False)]:
        client.force_login(person(username))
        page = client.get(reverse("org:site_detail", args=[site.code]))
        if page.status_code == 200:
            assert (reverse("routing:check") + "?lat=" in page.content.decode()) is shown, username


def route(client, grid, category="SJ0404", **extra):
    return client.get(reverse("routing:check"), {"lat": grid.lat, "lng": grid.lng, "crs": "wgs84", "category": category, **extra})


def test_route_shows_the_decision_its_reason_the_area_chain_and_nearby_sites(client):
    client.force_login(person("paiqian"))
    grid = taocheng_grid()
    response = route(client, grid)
    assert response.status_code == 200
    page = response.content.decode()
    check = response.context["check"]
    assert check.decision.unit_name == "桃城区交警大队"
    assert check.decision.reason and check.decision.reason in page
    # The badge reads the rule's label; its key is only a data attribute, never text or a tooltip.
    assert f'data-rule="{check.decision.rule}">{check.decision.rule_label}<' in page
    assert f'title="{check.decision.rule}"' not in page
    assert [link.code for link in check.chain] == [a.code for a in grid.ancestors()]
    for link in check.chain:
        assert link.visible and reverse("org:area_detail", args=[link.code]) in page
    assert reverse("org:unit_detail", args=["JJZD-131102"]) in page
    decision = case_route(lng=grid.lng, lat=grid.lat, category="SJ0404")
    assert check.nearby_sites == decision.nearby_sites and decision.nearby_sites
    for site in decision.nearby_sites:
        assert site["name"] in page and reverse("org:site_detail", args=[site["code"]]) in page
    assert 'name="viewport" content="width=device-width' in page  # laid out for phones
    assert response.context["features_json"] and response.context["outlines_json"]


def test_route_shows_only_nearby_sites_in_scope(client):
    grid = Area.objects.filter(level="grid").exclude(path__startswith=TAOCHENG).order_by("code").first()
    decision = case_route(lng=grid.lng, lat=grid.lat, category="SJ0404")
    assert decision.nearby_sites
    client.force_login(person("taocheng"))
    response = route(client, grid)
    assert response.status_code == 200
    check = response.context["check"]
    assert check.nearby_sites == [] and check.site is None
    assert all(not link.visible for link in check.chain)
    page = response.content.decode()
    for site in decision.nearby_sites:
        assert site["code"] not in page
    assert all(f["properties"]["kind"] == "point" for f in check.features["features"])


def test_route_form_errors_and_coordinates_alone(client):
    client.force_login(person("paiqian"))
    response = client.get(reverse("routing:check"), {"lat": "north", "lng": 115.6, "category": "SJ0404"})
    assert response.status_code == 200 and "lat" in response.context["form"].errors and response.context["check"] is None
    response = client.get(reverse("routing:check"), {"lat": 37.7, "lng": 115.6, "category": "NOPE"})
    assert "category" in response.context["form"].errors
    # From a site's page: coordinates fill the form, nothing is routed and nothing is complained about.
    response = client.get(reverse("routing:check"), {"lat": 37.7, "lng": 115.6, "crs": "wgs84"})
    assert not response.context["form"].errors and response.context["check"] is None
    assert 'value="37.7"' in response.content.decode()
    # A point outside the city goes to the command centre's triage.
    response = client.get(reverse("routing:check"), {"lat": 10, "lng": 10, "crs": "wgs84", "category": "SJ0404"})
    assert response.context["check"].decision.rule == "triage" and response.context["check"].chain == []


def test_route_is_for_those_who_may_read_the_routing_rules(client):
    client.force_login(person("anfang"))
    assert client.get(reverse("routing:check")).status_code == 403
    assert reverse("routing:check") not in client.get(reverse("home")).content.decode().split("<main>")[1]
    client.force_login(person("chengguan"))
    assert route(client, taocheng_grid()).status_code == 200


def test_route_queries_are_bounded(client, django_assert_max_num_queries):
    client.force_login(person("paiqian"))
    route(client, taocheng_grid())  # warm the routing caches
    with django_assert_max_num_queries(14):
        assert route(client, taocheng_grid()).status_code == 200


def test_the_nav_offers_the_routing_check_only_to_those_who_may_open_it(client):
    from wenming.org.models import Person

    for username, shown in [("paiqian", True), ("anfang", False)]:
        client.force_login(Person.objects.get(username=username))
        page = client.get(reverse("cases:workbench")).content.decode()
        assert (reverse("routing:check") in page) is shown, username
        assert client.get(reverse("routing:check")).status_code == (200 if shown else 403)
        assert (reverse("scoring:dashboard") in page) is shown, username  # inspectors have no scores either
        assert client.get(reverse("scoring:dashboard")).status_code == (200 if shown else 404)
