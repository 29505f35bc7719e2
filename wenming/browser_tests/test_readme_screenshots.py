"""The README's three 1920×1080 pictures: the battle map, the heat map and the big screen, as the shift leader
sees them in a demo city with a few weeks of cases, a campaign and a published ranking.

``WENMING_SCREENSHOTS=docs`` writes them into docs/screenshots/ (what the README shows); otherwise var/.
Each picture is taken once its charts have drawn their last frame (``charts_settled``), with no script error and
nothing fetched from outside the app.
"""

from __future__ import annotations

import importlib
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from wenming.browser_tests.conftest import SHOTS, charts_settled, demo_account, login
from wenming.common.roles import Role
from wenming.demo.campaign import campaign_demo_build
from wenming.demo.cases import demo_cases_build
from wenming.demo.city import HENGSHUI, demo_city_build
from wenming.org.spatial import reset_index

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REAL_GRIDS = 400  # enough for every township of the real city to hold grids; builds in a few seconds
CASES = 90  # six weeks of cases, enough for the charts to read (each takes ~0.13 s to walk)


@pytest.fixture
def demo_city(committed_city, settings, tmp_path):
    """The demo city `make demo` builds, on Hengshui's real outlines (smaller: REAL_GRIDS grids), with the campaign
    in progress today, six weeks of cases, the daily counts the dashboards read and a published week of rankings.
    The session's lattice city is flushed first; the live-server test flushes this one after it, and the next
    transactional test builds the lattice again (committed_city)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("flush", "--no-input", verbosity=0)
    importlib.import_module("wenming.scoring.migrations.0002_default_index_versions").add(django_apps, None)
    demo_city_build(grids=REAL_GRIDS, seed=1, layout=HENGSHUI)
    reset_index()
    campaign_demo_build(today=timezone.localdate())
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

    # The workbench's list of every case on the map, over the real outlines.
    page.goto(live_server.url + reverse("cases:workbench") + "?queue=all&view=map")
    page.wait_for_selector("#case-map[data-loaded]")
    page.wait_for_selector("#case-map[data-outlines-drawn]")
    page.screenshot(path=str(SHOTS / "workbench-map.png"))

    assert page.js_errors == [] and page.console_errors == [], (page.js_errors, page.console_errors)
    assert page.external_requests == [], page.external_requests
    assert {"battle-map.png", "heat-map.png", "big-screen.png", "workbench-map.png"} <= {p.name for p in SHOTS.iterdir()}
