"""A unit reports progress in the browser, the task turns 滞后 (behind plan), the battle map draws it, and
the weekly meeting's Word document, downloaded by the command centre, lists it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from docx import Document

from wenming.campaign.browser_tests.conftest import browser_thread  # noqa: F401
from wenming.campaign.models import ProgressReport, Task
from wenming.campaign.services.tasks import task_status
from wenming.cases.browser_tests.conftest import EXTRA_SHOTS
from wenming.demo.campaign import campaign_demo_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "wenming2026"


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert page.url == f"{base}/", f"{username} could not log in"


def _page(browser, base: str, problems: list[str]):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.on("request", lambda r: None if r.url.startswith((base, "data:")) else problems.append(f"external {r.url}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: problems.append(f"page error {e}"))
    page.on("console", lambda m: problems.append(f"console {m.text}")
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    return context, page


def report(browser, base: str, task_id: int, photo: str) -> dict:
    """城管 handler (a cooperating unit) reports progress on the task's first day, with a photo."""
    problems: list[str] = []
    context, page = _page(browser, base, problems)
    result: dict = {}
    login(page, base, "chengguan")
    page.goto(f"{base}/campaign/tasks/{task_id}/")
    result["status_before"] = page.get_attribute("#task-status", "class")
    page.fill("#id_value", "5")
    page.fill("#id_narrative", "新建公共信息发布栏5处")
    page.set_input_files("#id_files", photo)
    with page.expect_navigation():
        page.click("#progress-form button[type=submit]")
    result["status_after"] = page.get_attribute("#task-status", "class")
    result["reports"] = page.locator("#reports tbody tr").count()
    result["problems"] = problems
    context.close()
    return result


def later(browser, base: str, task_id: int, week: str) -> dict:
    """Twenty days on, nothing more reported: the task page shows 滞后; the meeting pack lists it."""
    problems: list[str] = []
    context, page = _page(browser, base, problems)
    result: dict = {}
    login(page, base, "chengguan")
    page.goto(f"{base}/campaign/tasks/{task_id}/")
    result["status_later"] = page.get_attribute("#task-status", "class")
    page.click("form.logout button[type=submit]")

    # 值班长 (command centre): prepares the week's meeting and downloads the Word document.
    login(page, base, "zhiban")
    # The battle map (the whole city's sites for the command centre): the map and the timeline draw.
    page.goto(f"{base}/campaign/map/")
    page.wait_for_selector("#map-filters[data-loaded='1']")
    page.wait_for_selector("#gantt canvas")
    # Single markers are paths; markers that would overlap merge into clusters showing how many (outlines.js).
    result["map_markers"] = page.locator("#battle-map path.leaflet-interactive").count() + sum(
        int(t) for t in page.locator("#battle-map .map-cluster-count").all_inner_texts())
    EXTRA_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(EXTRA_SHOTS / "campaign-battle-map.png"), full_page=True)
    page.goto(f"{base}/campaign/meetings/")
    page.fill("#meeting-prepare input[name=week_start]", week)
    with page.expect_navigation():
        page.click("#meeting-prepare button[type=submit]")
    result["problem_rows"] = page.inner_text("#problem-tasks")
    with page.expect_download() as info:
        page.click("#download-docx")
    result["docx"] = info.value.path().read_bytes()
    page.screenshot(path=str(EXTRA_SHOTS / "campaign-meeting.png"), full_page=True)
    result["problems"] = problems
    context.close()
    return result


def test_unit_reports_progress_task_lags_and_meeting_doc_lists_it(browser_thread, live_server, committed_city,  # noqa: F811
                                                                  settings, tmp_path):
    from wenming.conftest import photo_bytes

    settings.MEDIA_ROOT = tmp_path / "media"
    campaign_demo_build()
    today = timezone.localdate()
    task = Task.objects.get(code="R05-1")  # reported by units (R06-2 is measured from its list)
    # A forty-day plan starting today: nothing is expected yet.
    Task.objects.filter(pk=task.pk).update(starts_on=today, due_on=today + dt.timedelta(days=40))
    photo = tmp_path / "board.png"
    photo.write_bytes(photo_bytes())

    first = browser_thread.run(report, live_server.url, task.pk, str(photo))
    task.refresh_from_db()
    assert "st-not_started" in first["status_before"] and "st-on_track" in first["status_after"]
    assert task.current_value == 5 and first["reports"] == 1
    report_row = ProgressReport.objects.get(task=task)
    assert report_row.reported_by.username == "chengguan" and report_row.evidence.count() == 1

    # Twenty days pass (the plan is moved back, the clock stays): half the target is expected now.
    Task.objects.filter(pk=task.pk).update(starts_on=today - dt.timedelta(days=20), due_on=today + dt.timedelta(days=20))
    task.refresh_from_db()
    assert task_status(task) == "behind"
    second = browser_thread.run(later, live_server.url, task.pk, today.isoformat())

    assert "st-behind" in second["status_later"]
    assert second["map_markers"] > 0
    assert "R05-1" in second["problem_rows"]
    doc = Document(io.BytesIO(second["docx"]))
    row = next(r for t in doc.tables for r in t.rows if r.cells[0].text == "R05-1")
    assert row.cells[4].text in {"5", "5.0"}  # the value the unit reported
    assert first["problems"] == [] and second["problems"] == []
