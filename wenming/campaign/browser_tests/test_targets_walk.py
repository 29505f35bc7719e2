"""The target lists in the browser: a task force's leader opens the battle map and sees the scoped list (R01-2's
compounds near markets, schools…) and, for a per-township task, the gap list; a unit's handler submits evidence
for a compound on its phone; the leader accepts it and the compound's row and marker turn green."""

from __future__ import annotations

import pytest

from wenming.campaign.browser_tests.conftest import browser_thread  # noqa: F401
from wenming.campaign.browser_tests.test_progress_walk import _page, login
from wenming.campaign.models import TargetLine, TargetLineStatus, Task
from wenming.cases.browser_tests.conftest import EXTRA_SHOTS
from wenming.demo.campaign import campaign_demo_build
from wenming.org.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
GREEN = "#2e7d32"  # target_map.js COLOURS.ok


def leader_sees_the_lists(browser, base: str, task_id: int, gap_task_id: int, line_id: int) -> dict:
    problems: list[str] = []
    context, page = _page(browser, base, problems)
    result: dict = {}
    login(page, base, "zbr01")
    page.goto(f"{base}/campaign/map/?task={task_id}")
    page.wait_for_selector("#map-filters[data-loaded='1']")
    result["lines_on_map"] = int(page.get_attribute("#battle-map", "data-target-lines"))
    result["panel_visible"] = page.is_visible("#target-panel")
    result["panel_counts"] = page.inner_text("#target-panel-counts")
    page.goto(f"{base}/campaign/tasks/{task_id}/")
    result["row_before"] = page.get_attribute(f"#target-lines tr[data-line='{line_id}']", "data-colour")
    result["rows"] = page.locator("#target-lines tbody tr[data-line]").count()
    page.click("form.logout button[type=submit]")
    # The leader of the youth-palace task force: the townships that lack palaces, the largest gap first.
    login(page, base, "zbi01")
    page.goto(f"{base}/campaign/map/?task={gap_task_id}")
    page.wait_for_selector("#map-filters[data-loaded='1']")
    page.wait_for_selector("#target-panel-gaps li")
    result["gaps"] = page.locator("#target-panel-gaps li").count()
    result["first_gap"] = page.inner_text("#target-panel-gaps li >> nth=0")
    EXTRA_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(EXTRA_SHOTS / "campaign-target-gaps.png"), full_page=True)
    # The task page's coverage map: the townships filled red (none has three palaces yet), with the gap list.
    page.goto(f"{base}/campaign/tasks/{gap_task_id}/")
    page.wait_for_selector("#coverage-map[data-areas-filled]")
    result["areas_filled"] = int(page.get_attribute("#coverage-map", "data-areas-filled"))
    result["page_gaps"] = page.locator("#gap-list li a").count()
    page.screenshot(path=str(EXTRA_SHOTS / "campaign-target-coverage.png"), full_page=True)
    result["problems"] = problems
    context.close()
    return result


def handler_submits(browser, base: str, line_id: int, photo: str) -> dict:
    problems: list[str] = []
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.on("pageerror", lambda e: problems.append(f"page error {e}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    result: dict = {}
    login(page, base, "chengguan")
    page.goto(f"{base}/campaign/targets/lines/{line_id}/")
    page.fill("#line-submit-form textarea[name=note]", "楼道堆物已清理，外立面已粉刷")
    page.set_input_files("#line-submit-form input[type=file]", photo)
    with page.expect_navigation():
        page.click("#line-submit-form button[type=submit]")
    result["colour"] = page.get_attribute("#line-status .line-st", "data-colour")
    result["evidence"] = page.locator("#line-evidence li a").count()
    # The page fits the phone: nothing wider than the screen.
    result["scroll_width"] = page.evaluate("document.documentElement.scrollWidth")
    EXTRA_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(EXTRA_SHOTS / "campaign-target-line-phone.png"), full_page=True)
    result["problems"] = problems
    context.close()
    return result


def leader_accepts(browser, base: str, task_id: int, line_id: int, point: list[float]) -> dict:
    problems: list[str] = []
    context, page = _page(browser, base, problems)
    result: dict = {}
    login(page, base, "zbr01")
    page.goto(f"{base}/campaign/targets/lines/{line_id}/")
    page.check("#line-review-form input[name=decision][value=accept]")
    with page.expect_navigation():
        page.click("#line-review-form button[type=submit]")
    result["colour"] = page.get_attribute("#line-status .line-st", "data-colour")
    page.goto(f"{base}/campaign/tasks/{task_id}/?status=accepted")
    result["row_after"] = page.get_attribute(f"#target-lines tr[data-line='{line_id}']", "data-colour")
    page.goto(f"{base}/campaign/map/?task={task_id}")
    page.wait_for_selector("#map-filters[data-loaded='1']")
    # Zoomed in on the compound, its marker stands alone (not in a cluster), filled green.
    page.evaluate("([lat, lng]) => document.getElementById('battle-map').wenmingMap.setView([lat, lng], 18)", point)
    page.wait_for_timeout(500)
    result["green_markers"] = page.locator(f"#battle-map path.leaflet-interactive[fill='{GREEN}']").count()
    page.screenshot(path=str(EXTRA_SHOTS / "campaign-target-map-green.png"), full_page=True)
    result["problems"] = problems
    context.close()
    return result


def _line_point(line_id: int) -> list[float]:
    site = TargetLine.objects.select_related("site").get(pk=line_id).site
    return [site.lat, site.lng]


def test_leader_sees_the_lists_handler_submits_leader_accepts(browser_thread, live_server, committed_city,  # noqa: F811
                                                               settings, tmp_path):
    from wenming.conftest import photo_bytes

    settings.MEDIA_ROOT = tmp_path / "media"
    campaign_demo_build()
    task = Task.objects.get(code="R01-2")
    gap_task = Task.objects.get(code="I01-3")
    line = TargetLine.objects.filter(task=task, in_scope=True, site__lat__isnull=False).order_by("id").first()
    assert line is not None, "the demo city has compounds near its markets, schools and stations"
    # The compound's 包保 unit is 城管 桃城分局 (chengguan's unit), so its handler works the line.
    chengguan = Person.objects.get(username="chengguan")
    TargetLine.objects.filter(pk=line.pk).update(owner_unit=chengguan.roles.filter(unit__isnull=False).first().unit)
    photo = tmp_path / "compound.png"
    photo.write_bytes(photo_bytes(size=(320, 240)))
    point = _line_point(line.pk)

    seen = browser_thread.run(leader_sees_the_lists, live_server.url, task.pk, gap_task.pk, line.pk)
    assert seen["lines_on_map"] == TargetLine.objects.filter(task=task).count() and seen["panel_visible"]
    assert seen["row_before"] == "todo" and seen["rows"] > 0
    # The gap list opens with the township that lacks the most palaces (the demo has 2 to 4 in each township).
    worst = gap_task.lines.filter(in_scope=True, gap__gt=0).order_by("-gap", "area_path").first()
    assert seen["gaps"] > 0 and f"{worst.count} / 3" in seen["first_gap"] and str(worst.gap) in seen["first_gap"]
    # Every township is filled on the coverage map (green or red); the gap list holds those short of three.
    assert seen["areas_filled"] == gap_task.lines.count()
    assert seen["page_gaps"] == gap_task.lines.filter(in_scope=True, gap__gt=0).count() > 0

    submitted = browser_thread.run(handler_submits, live_server.url, line.pk, str(photo))
    line.refresh_from_db()
    assert submitted["colour"] == "submitted" and line.status == TargetLineStatus.SUBMITTED
    assert submitted["evidence"] == 1 and submitted["scroll_width"] <= 390

    accepted = browser_thread.run(leader_accepts, live_server.url, task.pk, line.pk, point)
    line.refresh_from_db()
    assert line.status == TargetLineStatus.ACCEPTED and line.reviewed_by.username == "zbr01"
    assert accepted["colour"] == "ok" and accepted["row_after"] == "ok"
    assert accepted["green_markers"] >= 1, point
    assert seen["problems"] == [] and submitted["problems"] == [] and accepted["problems"] == []
