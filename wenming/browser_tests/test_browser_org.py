"""The org pages in a real browser: the routing check on the map, scope in the pages, nothing from outside."""

import pytest
from django.db.models import Q

from wenming.browser_tests.conftest import SHOTS, login
from wenming.org.models import Area, Site, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def taocheng_grid() -> Area:
    return Area.objects.filter(level="grid", path__startswith="/131100/131102/").order_by("code").first()


def test_dispatcher_checks_routing_on_the_map(page, live_server):
    grid = taocheng_grid()
    chain = list(grid.ancestors().values_list("name", flat=True))
    login(page, live_server, "paiqian")
    page.click("nav >> text=派遣测试")
    page.wait_for_url(f"{live_server.url}/org/route/")
    # Without tiles the map still shows the districts, so one can see where to click.
    page.wait_for_selector("#map .leaflet-overlay-pane path")
    assert page.locator("#map .area-label").count() >= 1

    # Click on the map: the coordinates land in the form (inside the city) and a marker appears.
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    city = Area.objects.get(level="city")
    lat, lng = float(page.input_value("#id_lat")), float(page.input_value("#id_lng"))
    assert city.min_lat <= lat <= city.max_lat and city.min_lng <= lng <= city.max_lng
    assert page.input_value("#id_crs") == "wgs84"
    assert page.locator("#map .leaflet-interactive").count() == 1  # the picked point

    # Now the centre of a known grid of 桃城区, and illegal parking (SJ0404).
    page.fill("#id_lat", str(grid.lat))
    page.fill("#id_lng", str(grid.lng))
    page.select_option("#id_category", "SJ0404")
    page.click("#route-form button[type=submit]")
    page.wait_for_selector("#decision")
    decision = page.locator("#decision")
    assert decision.locator("h2").inner_text() == "桃城区交警大队"
    assert page.locator("#area-chain").inner_text() == " › ".join(chain)
    assert decision.locator(".reason").inner_text().strip()
    nearby = page.locator("#nearby tbody tr")
    if nearby.count():
        assert nearby.first.locator("td.num").inner_text().isdigit()  # distance in metres
    # The grid and the point are drawn and the map is fitted to them.
    assert page.locator("#map .leaflet-interactive").count() >= 2
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "route.png"), full_page=True)
    assert page.js_errors == []
    assert page.external_requests == [] and page.requests


def test_routing_check_on_a_phone(phone_page, live_server):
    page = phone_page
    grid = taocheng_grid()
    login(page, live_server, "paiqian")
    page.goto(f"{live_server.url}/org/route/?lat={grid.lat}&lng={grid.lng}&crs=wgs84&category=SJ0404")
    page.wait_for_selector("#decision")
    assert page.locator("#decision h2").inner_text() == "桃城区交警大队"
    # One column, no sideways scrolling; the map keeps a usable height.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    map_box, form_box = page.locator("#map").bounding_box(), page.locator("#route-form").bounding_box()
    assert map_box["height"] >= 250 and map_box["width"] >= 300 and map_box["y"] > form_box["y"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "route-phone.png"), full_page=True)
    assert page.js_errors == [] and page.external_requests == []


def test_unit_handler_sees_only_its_own_sites(page, live_server):
    cgj = Unit.objects.get(code="CGJ-131102")
    # What it guarantees (包保) or runs (运营).
    mine = Q(guarantor_unit=cgj) | Q(operator_unit=cgj)
    own = set(Site.objects.filter(mine).values_list("code", flat=True))
    assert len(own) <= 100  # one page
    outside = Site.objects.exclude(mine).order_by("code").first()
    login(page, live_server, "chengguan")

    page.goto(f"{live_server.url}/org/sites/?per_page=100")
    shown = set(page.locator("#site-list tbody tr td:first-child a").all_inner_texts())
    assert shown == own
    response = page.goto(f"{live_server.url}/org/sites/{outside.code}/")
    assert response.status == 404
    missing = page.goto(f"{live_server.url}/org/sites/NO-SUCH-SITE/")
    assert missing.status == 404

    # Its district's map is its to see, with the sites it is responsible for.
    page.goto(f"{live_server.url}/org/areas/131102/")
    page.wait_for_selector("#map .leaflet-interactive")  # the district's boundary is drawn
    assert page.locator("h1").inner_text().startswith("桃城区")
    assert page.locator("#children tbody tr").count() == Area.objects.filter(parent__code="131102").count()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "area.png"), full_page=True)
    assert page.js_errors == []
    assert page.external_requests == []
