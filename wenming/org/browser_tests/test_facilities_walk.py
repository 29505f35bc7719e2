"""In the browser: the command centre opens the facility registers (设施台账) from the navigation, picks parking
lots, sees the counts per district with their spaces and the markers on the map, drills into a district and
downloads the workbook; the page holds on a phone's width."""

from __future__ import annotations

from pathlib import Path

import pytest

from wenming.cases.browser_tests.test_case_walk import login
from wenming.org.models import Site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-wt-facilities")


def walk(browser, base: str) -> dict:
    SHOTS.mkdir(parents=True, exist_ok=True)
    result: dict = {}
    # English: the Chinese of these pages arrives with the merge of the pending translations.
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, base, "zhiban")
    with page.expect_navigation():
        page.click("#nav-facilities")
    result["title"] = page.inner_text("h1")
    page.select_option("#facility-form select[name=type]", "parking_lot")
    with page.expect_navigation():
        page.click("#facility-form button[type=submit]")
    page.wait_for_selector("#facility-map[data-markers]")
    result["markers"] = int(page.get_attribute("#facility-map", "data-markers"))
    page.wait_for_selector("#facility-map .map-legend")
    result["summary"] = page.inner_text("#facility-summary")
    result["capacity"] = int(page.get_attribute("#facility-summary", "data-capacity"))
    result["counts"] = page.inner_text("#facility-counts")
    page.screenshot(path=str(SHOTS / "facilities-parking.png"), full_page=True)
    with page.expect_navigation():
        page.click("#facility-counts a >> nth=0")
    result["chain"] = page.inner_text("#facility-chain")
    with page.expect_download() as download:
        page.click("#facility-export")
    result["download"] = download.value.suggested_filename
    page.set_viewport_size({"width": 390, "height": 844})
    result["overflow"] = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth + 1")
    page.screenshot(path=str(SHOTS / "facilities-phone.png"), full_page=True)
    result["errors"] = errors
    context.close()
    return result


def test_the_command_centre_reads_the_parking_register(browser_thread, live_server, committed_city):
    lots = Site.objects.filter(site_type__code="parking_lot", is_active=True)
    result = browser_thread.run(walk, live_server.url)
    assert result["title"] == "Facility registers"
    assert result["markers"] == lots.count() > 0
    assert result["capacity"] == sum(s.capacity for s in lots) and "Parking spaces" in result["summary"]
    assert "桃城区" in result["counts"] and "Areas with none" in result["summary"]
    assert "Whole city" in result["chain"]
    assert result["download"].endswith(".xlsx") and "停车场" in result["download"]
    assert not result["errors"], result["errors"]
    assert not result["overflow"], "the register page is wider than a phone"
