import pytest

from wenming.browser_tests.conftest import SHOTS, login
from wenming.org.models import Area, Site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dispatcher_checks_routing_by_clicking_the_map(page, live_server):
    grid = Area.objects.filter(level="grid", code__startswith="131102").order_by("code").first()
    login(page, live_server, "paiqian")
    page.goto(f"{live_server.url}/org/route/?lat={grid.lat}&lng={grid.lng}&crs=wgs84&category=SJ0404")
    page.wait_for_selector("#decision")
    # Now pick a point on the map instead: the marker moves and the form's coordinates follow the click.
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    lat = float(page.input_value("#id_lat"))
    assert abs(lat - grid.lat) < 0.01
    page.fill("#id_lat", str(grid.lat))
    page.fill("#id_lng", str(grid.lng))
    page.select_option("#id_category", "SJ0404")
    page.click("#route-form button[type=submit]")
    decision = page.locator("#decision").inner_text()
    assert "桃城区交警大队" in decision and "桃城区" in decision and grid.name in decision
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "route.png"), full_page=True)
    assert page.external_requests == []


def test_unit_sees_only_its_sites_and_out_of_scope_is_not_found(page, live_server):
    login(page, live_server, "gongdian")
    page.goto(f"{live_server.url}/org/sites/")
    assert "没有符合条件的记录" in page.content()
    outside = Site.objects.order_by("code").first()
    response = page.goto(f"{live_server.url}/org/sites/{outside.code}/")
    assert response.status == 404
    login(page, live_server, "taocheng")
    area = Area.objects.get(code="131102")
    page.goto(f"{live_server.url}/org/areas/{area.code}/")
    page.wait_for_selector(".leaflet-interactive")  # the district's boundary is drawn
    page.screenshot(path=str(SHOTS / "area.png"), full_page=True)
    assert page.external_requests == []
