"""Every map in a real browser reads at a glance: the outlines drawn with labels, a legend, markers that open their
case or site, and the heat map on the map, drilled into by a click down to a grid, whose click opens the workbench.
Screenshots of the battle map and the heat map at 1920×1080 go to var/screenshots (docs/ with
WENMING_SCREENSHOTS=docs, for the README)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from wenming.browser_tests.conftest import SHOTS, login
from wenming.cases.services import workflow as wf
from wenming.org.models import Area, Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDE = {"width": 1920, "height": 1080}


@pytest.fixture
def open_cases(committed_city):
    """Open cases in the first grids of each district, one of them in 桃城区's first grid."""
    shouli = Person.objects.get(username="shouli")
    made = []
    for county in Area.objects.filter(level="county").order_by("code")[:4]:
        for grid in Area.objects.filter(level="grid", path__startswith=county.path).order_by("code")[:3]:
            made.append(wf.case_intake(channel="hotline", description="占道经营", lng=grid.lng, lat=grid.lat,
                                       category="SJ0401", actor=shouli))
    return made


def _drawn(page, selector: str) -> dict:
    """What a Leaflet map shows: outlines drawn, labels placed, legend rows, markers and clusters."""
    page.wait_for_selector(f"{selector}[data-outlines-drawn]")
    page.wait_for_selector(f"{selector} .map-legend")
    return {
        "outlines": int(page.get_attribute(selector, "data-outlines-drawn")),
        "labels": page.locator(f"{selector} .area-label").count(),
        "legend_rows": page.locator(f"{selector} .map-legend-row").count(),
        "markers": page.locator(f"{selector} path.leaflet-interactive").count(),
        "clusters": page.locator(f"{selector} .map-cluster").count(),
    }


def _labels_in_a_district(page, selector: str) -> int:
    """Labels once the map shows one district (the whole city may be too small on screen for any)."""
    county = Area.objects.filter(level="county").order_by("code").first()
    page.evaluate("""([s, b]) => document.querySelector(s).wenmingMap.fitBounds(b)""",
                  [selector, [[county.min_lat, county.min_lng], [county.max_lat, county.max_lng]]])
    page.wait_for_timeout(300)
    return page.locator(f"{selector} .area-label").count()


def _open_the_marker_in_the_middle(page, selector: str) -> None:
    """Zoom close to one marker, so that no cluster is left around it, and click it (it is then in the middle)."""
    page.evaluate("""(s) => { const el = document.querySelector(s), m = el.wenmingMap;
        let one = null; m.eachLayer(l => { if (!one && l instanceof L.CircleMarker && l.options.interactive !== false) one = l; });
        if (!one) { m.eachLayer(l => { if (!one && l instanceof L.Marker && l.getElement && l.getElement() &&
                                           l.getElement().classList.contains('map-cluster')) one = l; }); }
        m.setView(one.getLatLng(), 18, { animate: false }); }""", selector)
    page.wait_for_timeout(300)
    box = page.locator(selector).bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_battle_map_draws_outlines_labels_legend_and_a_marker_opens_its_page(page, live_server, open_cases):
    login(page, live_server, "zhiban")
    page.set_viewport_size(WIDE)
    page.goto(live_server.url + reverse("campaign:map"))
    page.wait_for_selector("#map-filters[data-loaded='1']")
    seen = _drawn(page, "#battle-map")
    assert seen["outlines"] >= Area.objects.filter(level__in=("county", "street")).count()
    assert seen["legend_rows"] >= 3 + 2  # open, overdue, site types…, and the lines
    assert seen["markers"] + seen["clusters"] >= 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "maps-battle-map.png"))
    assert _labels_in_a_district(page, "#battle-map") >= 1
    _open_the_marker_in_the_middle(page, "#battle-map")
    assert re.search(r"/(cases/\d+|org/sites/[^/]+)/$", page.url), page.url
    assert page.js_errors == [] and page.external_requests == []


def test_workbench_map_clusters_and_a_case_marker_opens_the_case(page, live_server, open_cases):
    login(page, live_server, "zhiban")
    page.goto(live_server.url + reverse("cases:workbench") + "?queue=all&view=map")
    page.wait_for_selector("#case-map[data-loaded]")
    seen = _drawn(page, "#case-map")
    assert seen["outlines"] >= 1 and seen["legend_rows"] >= 2
    located = int(page.get_attribute("#case-map", "data-loaded"))
    in_clusters = sum(int(t) for t in page.locator("#case-map .map-cluster-count").all_inner_texts())
    assert seen["markers"] + in_clusters == located >= len(open_cases)
    assert _labels_in_a_district(page, "#case-map") >= 1
    _open_the_marker_in_the_middle(page, "#case-map")
    assert re.search(r"/cases/\d+/$", page.url), page.url
    assert page.js_errors == []


def test_area_map_loads_the_grids_of_the_visible_box_when_zoomed_in(page, live_server):
    login(page, live_server, "zhiban")
    street = Area.objects.filter(level="street").order_by("code").first()
    page.goto(live_server.url + reverse("org:area_detail", args=[street.code]))
    seen = _drawn(page, "#map")
    assert seen["outlines"] >= 1 and seen["labels"] >= 1
    grid = Area.objects.filter(level="grid", path__startswith=street.path).order_by("code").first()
    page.evaluate("([lat, lng]) => document.getElementById('map').wenmingMap.setView([lat, lng], 18)", [grid.lat, grid.lng])
    page.wait_for_selector("#map[data-grids]")
    total = Area.objects.filter(level="grid").count()
    assert 1 <= int(page.get_attribute("#map", "data-grids")) < total  # the box's grids, never the city's
    page.wait_for_selector("#map .area-label-grid", state="attached")
    assert page.js_errors == []


def test_citizen_map_names_districts_and_streets(phone_page, live_server):
    page = phone_page
    page.goto(live_server.url + reverse("public:report"))
    page.wait_for_selector("#pick-map[data-outlines-drawn]", state="attached")
    assert int(page.get_attribute("#pick-map", "data-outlines-drawn")) >= 1
    assert page.locator("#pick-map .map-legend").count() == 1
    assert page.js_errors == [] and page.external_requests == []


def _click_region(page, code: str) -> None:
    """Click the heat map's region with this code, where ECharts drew it."""
    area = Area.objects.get(code=code)
    x, y = page.evaluate("""([lng, lat]) => { const el = document.querySelector('[data-panel=heatmap] .chart');
        const c = echarts.getInstanceByDom(el), r = el.getBoundingClientRect();
        const p = c.convertToPixel({ geoIndex: 0 }, [lng, lat]); return [r.left + p[0], r.top + p[1]]; }""",
                         [area.lng, area.lat])
    page.mouse.click(x, y)


def _drill(page, code: str, selector: str) -> None:
    """Click a region until the heat map shows ``selector``: the map may still be animating into place (on a loaded
    machine, longer than a first click waits), so the position is read again before each try."""
    for _ in range(5):
        _click_region(page, code)
        try:
            page.wait_for_selector(selector, timeout=3000)
            return
        except PlaywrightTimeout:
            continue
    page.wait_for_selector(selector)


def test_heat_map_is_a_map_drilled_into_down_to_a_grid_that_opens_the_workbench(page, live_server, open_cases):
    login(page, live_server, "zhiban")
    page.set_viewport_size(WIDE)
    page.goto(live_server.url + reverse("scoring:dashboard"))
    chart = "[data-panel=heatmap] .chart"
    page.wait_for_selector(f"{chart}[data-level=street]")
    assert page.get_attribute(chart, "data-view") == Area.objects.get(parent__isnull=True).code
    assert page.locator(f"{chart} canvas").count() >= 1
    page.locator("[data-panel=heatmap]").scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "maps-heatmap.png"))
    grid = Area.objects.get(pk=open_cases[0].grid_id)
    street, county = grid.path.strip("/").split("/")[2], grid.path.strip("/").split("/")[1]
    _drill(page, street, f"{chart}[data-view='{county}']")  # the city's view: a street's click opens its district
    _drill(page, street, f"{chart}[data-level=grid][data-view='{street}']")  # the district's view: the street
    assert page.locator("[data-panel=heatmap] .heatmap-crumbs button").count() >= 2  # back to the city, the district
    page.screenshot(path=str(SHOTS / "maps-heatmap-street.png"))
    with page.expect_navigation():
        _click_region(page, grid.code)
    assert page.url.endswith(f"?queue=all&area={grid.code}")
    ids = page.locator("#case-list tbody tr").evaluate_all("els => els.map(e => e.dataset.case)")
    assert open_cases[0].number in ids
    page.go_back()
    page.wait_for_selector(f"{chart}[data-level]")
    assert page.js_errors == [] and page.external_requests == []
