"""A unit's rank changes in the next week's snapshot while the published week stays exactly as it was.

Two units each get one case a week, walked through the real workflow services at controlled times: in the
first week the urban-management branch (城管 桃城分局) is on time and the power utility late, in the second
the other way round. The shift leader computes and publishes both weeks in the browser; the first week's
page still shows its published ranking (and no correction) afterwards. The dashboard then draws its charts
without a script or CSP error. Before that, the shift leader puts a case on the exposure board in the
browser (covering a face with a drawn box); when the case closes it leaves the board for the
rectification showcase.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from wenming.cases.browser_tests import test_exposure_walk as exposure
from wenming.cases.browser_tests.conftest import SHOTS
from wenming.cases.services import workflow as wf
from wenming.org.models import Unit
from wenming.scoring.models import IndexVersion, ScoreSnapshot
from wenming.scoring.tests.scenario import PNG, Walk, at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "wenming2026"


def one_case(w: Walk, unit: Unit, handler: str, day: int, *, late: bool) -> None:
    case = w.intake(at(day, 8, 30))
    w.step(at(day, 8, 45), wf.case_register, case, "shouli")
    w.step(at(day, 9, 0), wf.case_dispatch, case, "paiqian", unit=unit)
    w.step(at(day, 9, 5), wf.case_sign, case, handler)
    done = at(day + 1, 16, 0) if late else at(day, 10, 0)  # due 15:30 the same day
    w.step(done, wf.case_submit, case, handler, note="已整改", photos=[wf.Upload("after.png", PNG)])
    w.verify(done.replace(minute=20), case)
    w.close(done.replace(minute=40), case)


def exposure_case(w: Walk):
    """An open case with a photo of the problem, reported now (outside the two weeks ranked below)."""
    image = io.BytesIO()
    Image.new("RGB", (400, 300), (250, 250, 250)).save(image, format="JPEG")
    return wf.case_intake(channel="citizen", description="路口流动摊贩占道经营", lng=w.grid.lng, lat=w.grid.lat,
                          category="SJ0401", actor=w.p["shouli"], photos=[wf.Upload("before.jpg", image.getvalue())])


def close_exposed(w: Walk, case) -> None:
    people = w.p
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=w.unit)
    wf.case_sign(case_id=case.pk, actor=people["chengguan"])
    wf.case_submit(case_id=case.pk, actor=people["chengguan"], note="已清理", photos=[wf.Upload("after.png", PNG)])
    wf.case_verify(case_id=case.pk, actor=people["anfang"], passed=True)
    wf.case_close(case_id=case.pk, actor=people["zhiban"])


def walk(browser, base: str, keys: dict) -> dict:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    # Script errors and CSP refusals show in the console; failed loads are checked by their responses (the
    # browser's own /favicon.ico request is no problem).
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    result: dict = {"problems": problems}
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "zhiban")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")

    def rank(key: str) -> str:
        return page.inner_text(f"#ranking tr[data-key='{key}'] td.rank").strip()

    def compute_and_publish(day: str) -> str:
        page.goto(f"{base}/scoring/snapshots/")
        page.select_option("select[name=subject]", "unit")
        page.select_option("select[name=period]", "week")
        page.fill("input[name=day]", day)
        with page.expect_navigation():
            page.click("form.inline button[type=submit]")
        url = page.url
        with page.expect_navigation():
            page.click("#publish")
        return url

    first = compute_and_publish("2026-03-04")
    result["first"] = (rank(keys["cg"]), rank(keys["power"]), page.inner_text("#snapshot-status"))
    page.screenshot(path=str(SHOTS / "scoring-snapshot.png"), full_page=True)
    second = compute_and_publish("2026-03-11")
    result["second"] = (rank(keys["cg"]), rank(keys["power"]))
    page.goto(first)
    result["first_again"] = (rank(keys["cg"]), rank(keys["power"]), page.locator("#correction").count())
    with page.expect_navigation():
        page.click("form[action$='/act/recompute/'] button")
    result["first_recomputed"] = (rank(keys["cg"]), page.locator("#correction").count())
    page.click(f"#ranking tr[data-key='{keys['cg']}'] a")
    page.wait_for_load_state()
    result["explain"] = page.inner_text("#indicator-handled_on_time_rate")
    page.goto(f"{base}/scoring/")
    page.wait_for_function("() => document.querySelectorAll('[data-panel] canvas').length >= 6")
    result["canvases"] = page.locator("[data-panel] canvas").count()
    result["ranking_panel"] = page.inner_text("[data-panel=rankings]")
    page.screenshot(path=str(SHOTS / "scoring-dashboard.png"), full_page=True)
    page.goto(f"{base}/")  # the shift leader's home page: queues with counts and four of the panels
    page.wait_for_function("() => document.querySelectorAll('[data-panel] canvas').length >= 4")
    result["home"] = (page.locator("#home-queues [data-queue]").count(), page.locator("[data-panel] canvas").count())
    page.screenshot(path=str(SHOTS / "home-command.png"), full_page=True)
    page.goto(f"{base}/scoring/screen/")
    page.wait_for_function("() => document.querySelectorAll('[data-panel] canvas').length >= 6")
    result["screen_overdue"] = page.inner_text("[data-figure=overdue]")
    page.screenshot(path=str(SHOTS / "scoring-screen.png"))
    result["second_url"] = second
    context.close()
    return result


def test_rank_changes_in_the_next_snapshot_and_the_published_one_stays(browser_thread, live_server, committed_city,
                                                                        settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    SHOTS.mkdir(parents=True, exist_ok=True)
    # One case a week is enough to rank here: this city's version ranks from one case.
    IndexVersion.objects.create(subject="unit", name="test: 按期处置率 only", weights={"handled_on_time_rate": 100},
                                effective_from=at(1, 0).date(), min_volume=1)
    w = Walk()
    power = Unit.objects.get(code="POWER")
    one_case(w, w.unit, "chengguan", 2, late=False)
    one_case(w, power, "gongdian", 3, late=True)
    one_case(w, w.unit, "chengguan", 9, late=True)
    one_case(w, power, "gongdian", 10, late=False)
    keys = {"cg": str(w.unit.pk), "power": str(power.pk)}

    # The exposure board: published in the browser while the case is open, then the case closes.
    exposed = exposure_case(w)
    shown = browser_thread.run(exposure.publish, live_server.url, exposed.pk)
    assert shown["problems"] == [] and shown["state"] == "published" and (shown["on_board"], shown["on_showcase"]) == (1, 0)
    close_exposed(w, exposed)
    moved = browser_thread.run(exposure.look, live_server.url)
    assert (moved["on_board"], moved["on_showcase"]) == (0, 1) and "fixed" in moved["fixed"]

    result = browser_thread.run(walk, live_server.url, keys)

    assert result["first"][:2] == ("1", "2")
    assert result["second"] == ("2", "1")  # the next week: the ranks swap
    assert result["first_again"] == ("1", "2", 0)  # the published week is as it was
    assert result["first_recomputed"] == ("1", 0)  # recomputing it finds nothing to correct
    first = ScoreSnapshot.objects.get(subject="unit", start=at(2, 0).date())
    assert first.is_published and first.figures["rows"][keys["cg"]]["rank"] == 1
    assert "1 / 1" in result["explain"]
    assert result["canvases"] >= 6 and w.unit.name in result["ranking_panel"]
    assert result["home"][0] >= 8 and result["home"][1] >= 3
    assert result["screen_overdue"].isdigit()
    assert result["problems"] == []
