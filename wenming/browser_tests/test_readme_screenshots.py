"""The README's three 1920×1080 pictures: the battle map, the heat map and the big screen, as the shift leader
sees them in a demo city with a few weeks of cases, a campaign and a published ranking.

``WENMING_SCREENSHOTS=docs`` writes them into docs/screenshots/ (what the README shows); otherwise var/.
Each picture is taken once its charts have drawn their last frame (``charts_settled``), with no script error and
nothing fetched from outside the app.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from wenming.browser_tests.conftest import SHOTS, charts_settled, demo_account, login
from wenming.common.roles import Role
from wenming.demo.campaign import campaign_demo_build
from wenming.demo.cases import demo_cases_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CASES = 90  # six weeks of cases, enough for the charts to read (each takes ~0.13 s to walk)


@pytest.fixture
def demo_city(committed_city, settings, tmp_path):
    """The session's small city with what `make demo` adds: the campaign's task forces, six weeks of cases,
    the daily counts the dashboards read and a published week of rankings."""
    settings.MEDIA_ROOT = tmp_path / "media"
    campaign_demo_build()
    demo_cases_build(count=CASES, exposures=0)
    leader = demo_account(Role.SHIFT_LEADER)
    call_command("scores", "--weeks", "1", "--months", "0", "--publish", "--as", leader.username, stdout=StringIO())
    return leader


def test_battle_map_heat_map_and_big_screen_at_1920x1080(screen_page, live_server, demo_city):
    page = screen_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, live_server, demo_city.username)

    # 挂图作战: the sites and open cases on the map, the tasks' timeline below.
    page.goto(live_server.url + reverse("campaign:map"))
    page.wait_for_selector("#map-filters[data-loaded='1']")
    page.wait_for_selector("#battle-map path.leaflet-interactive")
    charts_settled(page, "#gantt")
    page.screenshot(path=str(SHOTS / "battle-map.png"))

    # The dashboard's heat map panel: cases per grid on the map.
    page.goto(live_server.url + reverse("scoring:dashboard"))
    page.wait_for_selector("[data-panel=heatmap] canvas, [data-panel=heatmap] svg")
    charts_settled(page, "[data-panel=heatmap] [_echarts_instance_]")
    heatmap = page.locator("[data-panel=heatmap]")
    heatmap.scroll_into_view_if_needed()
    heatmap.screenshot(path=str(SHOTS / "heat-map.png"))

    # The big screen: every panel on one 1920×1080 screen.
    page.goto(live_server.url + reverse("scoring:screen"))
    panels = page.locator("[data-panel] .chart").count()
    assert panels >= 6
    charts_settled(page, "[data-panel] [_echarts_instance_]", count=panels)
    page.screenshot(path=str(SHOTS / "big-screen.png"))

    assert page.js_errors == [] and page.console_errors == [], (page.js_errors, page.console_errors)
    assert page.external_requests == [], page.external_requests
    assert {"battle-map.png", "heat-map.png", "big-screen.png"} <= {p.name for p in SHOTS.iterdir()}
