"""The evaluation office loads the demo edition in the browser (a dry run, then for real), assigns a criterion to
城管 桃城分局, and the unit's handler finds it under "my criteria"; screenshots of each page (desktop, and the
unit's list on a phone)."""

from __future__ import annotations

import pytest

from wenming.cases.browser_tests.conftest import EXTRA_SHOTS
from wenming.evaluation.browser_tests.conftest import browser_thread  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "wenming2026"
SHOTS = EXTRA_SHOTS / "evaluation"


def login(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert page.url == f"{base}/", f"{username} could not log in"


def _page(browser, base: str, problems: list[str], **options):
    context = browser.new_context(locale="zh-CN", accept_downloads=True,
                                  **(options or {"viewport": {"width": 1280, "height": 900}}))
    page = context.new_page()
    page.set_default_timeout(30000)
    page.on("request", lambda r: None if r.url.startswith((base, "data:")) else problems.append(f"external {r.url}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: problems.append(f"page error {e}"))
    return context, page


def office(browser, base: str, lead_unit_id: int, tmp: str, broken: str) -> dict:
    problems: list[str] = []
    context, page = _page(browser, base, problems)
    result: dict = {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, base, "ceping")
    page.click("#nav-evaluation")
    page.click("#link-import")
    with page.expect_download() as info:
        page.click("#demo-workbook")
    workbook = f"{tmp}/demo.xlsx"
    info.value.save_as(workbook)
    # A workbook with a broken row: refused whole, the row named by sheet, row and column.
    page.set_input_files("#id_file", broken)
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    result["errors"] = page.inner_text("#import-errors")
    page.screenshot(path=str(SHOTS / "import-errors.png"), full_page=True)
    # A dry run first (the box is ticked by default): nothing is written, the page says what would be.
    page.set_input_files("#id_file", workbook)
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    result["dry_run"] = page.get_attribute("#import-result", "data-dry-run")
    result["dry_created"] = int(page.get_attribute("#import-result", "data-created"))
    page.screenshot(path=str(SHOTS / "import-dry-run.png"), full_page=True)
    # Then for real.
    page.uncheck("#id_dry_run")
    page.set_input_files("#id_file", workbook)
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    result["imported"] = page.get_attribute("#import-result", "data-dry-run")
    page.goto(f"{base}/evaluation/")
    result["editions"] = page.inner_text("#editions")
    result["demo_flags"] = page.locator("#editions .demo-flag").count()
    page.screenshot(path=str(SHOTS / "editions.png"), full_page=True)
    # The newest edition is the one "my criteria" reads until the office marks one current: mark it anyway.
    with page.expect_navigation():
        page.click("#editions tr[data-code='DEMO-2026'] button[type=submit]")
    result["current"] = page.locator("#editions tr[data-code='DEMO-2026'] .current-flag").count()
    page.click("#editions tr[data-code='DEMO-2026'] a >> nth=0")
    page.wait_for_selector("#tree")
    page.screenshot(path=str(SHOTS / "edition-tree.png"))
    page.fill("#id_q", "背街小巷")
    with page.expect_navigation():
        page.click("#tree-filters button[type=submit]")
    result["found"] = page.locator(".criterion-row").evaluate_all("rows => rows.map(r => r.dataset.code)")
    with page.expect_navigation():
        page.click(".criterion-row[data-code='P5.1.2'] a")
    page.click("#edit-responsibility")
    page.select_option("#id_lead_unit", str(lead_unit_id))
    page.fill("#id_leader_name", "马骏")
    page.fill("#id_leader_post", "副市长")
    page.fill("#id_radius_m", "100")
    page.fill("#id_note", "背街小巷由桃城分局牵头")
    page.screenshot(path=str(SHOTS / "responsibility-form.png"), full_page=True)
    with page.expect_navigation():
        page.click("#responsibility-form button[type=submit]")
    result["lead_after"] = page.inner_text("#lead-unit")
    result["history"] = page.inner_text("#history")
    page.screenshot(path=str(SHOTS / "criterion.png"), full_page=True)
    page.goto(f"{base}/evaluation/compare/?old=DEMO-2023&new=DEMO-2026")
    result["compare"] = page.locator("#compare-counts [data-count]").evaluate_all(
        "spans => Object.fromEntries(spans.map(s => [s.dataset.count, Number(s.textContent)]))")
    page.screenshot(path=str(SHOTS / "compare.png"), full_page=True)
    result["problems"] = problems
    context.close()
    return result


def unit(browser, base: str) -> dict:
    problems: list[str] = []
    result: dict = {}
    for name, options in (("desktop", {}), ("phone", {"viewport": {"width": 390, "height": 844},
                                                       "device_scale_factor": 2, "is_mobile": True, "has_touch": True})):
        context, page = _page(browser, base, problems, **options)
        login(page, base, "chengguan")
        page.goto(f"{base}/evaluation/mine/")
        result[f"mine_{name}"] = page.locator("#led tr[data-code]").evaluate_all("rows => rows.map(r => r.dataset.code)")
        page.screenshot(path=str(SHOTS / f"my-criteria-{name}.png"), full_page=True)
        if name == "desktop":
            page.click("#led a >> nth=0")
            result["criterion"] = page.inner_text("main")
            result["can_edit"] = page.locator("#edit-responsibility").count()
        context.close()
    result["problems"] = problems
    return result


def test_the_office_loads_an_edition_and_assigns_a_criterion_the_unit_sees_it(
        browser_thread, live_server, committed_city, tmp_path):  # noqa: F811
    from wenming.demo.evaluation import _load, office_account
    from wenming.evaluation.data.demo_edition import demo_edition_sheets
    from wenming.evaluation.models import Criterion, CriterionEvent, Edition
    from wenming.evaluation.services.workbook import workbook_bytes
    from wenming.org.models import Unit

    ceping = office_account()
    sheets = demo_edition_sheets(2026)
    sheets["contents"][2]["indicator"] = "P9.9"
    sheets["clauses"][0]["methods"] = "听取汇报、飞行检查"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(workbook_bytes(sheets))
    _load(demo_edition_sheets(2023), actor=ceping)  # an older edition, to compare with
    branch = Unit.objects.get(code="CGJ-131102")

    seen = browser_thread.run(office, live_server.url, branch.pk, str(tmp_path), str(broken))
    # Named by sheet, row (and code), column and value, in either language of the interface.
    first, second = seen["errors"].splitlines()[1:3]
    assert all(part in first for part in ("测评内容", "4", "P1.2.1", "指标编码", "P9.9")), first
    assert all(part in second for part in ("测评标准", "2", "P1.1.1", "测评方法", "飞行检查")), second
    assert seen["dry_run"] == "1" and seen["dry_created"] > 100
    assert seen["imported"] == "0"
    assert "（非官方文本）2026" in seen["editions"] and seen["demo_flags"] == 2
    assert seen["current"] == 1 and Edition.objects.get(is_current=True).code == "DEMO-2026"
    assert seen["found"] == ["P5.1.2", "E29"]  # the content, and the opinion item on back streets
    assert seen["lead_after"] == branch.name
    assert "背街小巷由桃城分局牵头" in seen["history"] and "马骏" in seen["history"]
    assert seen["compare"] == {"added": 6, "removed": 2, "reworded": 4, "methods": 0}
    criterion = Criterion.objects.get(edition__code="DEMO-2026", code="P5.1.2")
    assert criterion.lead_unit == branch and criterion.radius_m == 100
    assert CriterionEvent.objects.filter(criterion=criterion, actor=ceping).count() == 1
    assert Edition.objects.get(code="DEMO-2026").imported_by == ceping

    mine = browser_thread.run(unit, live_server.url)
    for name in ("desktop", "phone"):
        assert mine[f"mine_{name}"] == ["P5.1.2"], name
    assert "马骏" in mine["criterion"] and mine["can_edit"] == 0
    # The broken workbook's refusal answers 400 (the form with its errors); nothing else failed.
    refused = [p for p in seen["problems"] if p.startswith("400 ") and p.endswith("/evaluation/import/")]
    assert len(refused) == 1 and [p for p in seen["problems"] if p not in refused] == [] and mine["problems"] == []
