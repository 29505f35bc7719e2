"""The evaluation office opens a 回头看 round over the street-scene domain, records each result on the domain's bulk
form, closes the round and finds the measures (campaign tasks) it created, with their owners and deadlines; the
unit that leads the criterion not met sees its ledger on a phone. Screenshots of each page."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from wenming.evaluation.browser_tests.conftest import browser_thread  # noqa: F401
from wenming.evaluation.browser_tests.test_framework_walk import _page, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("WENMING_LEDGER_SHOTS", "/tmp/shots-wt-ledger"))


def office(browser, base: str, period: str, campaign: str) -> dict:
    problems: list[str] = []
    context, page = _page(browser, base, problems)
    result: dict = {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, base, "ceping")
    page.goto(f"{base}/evaluation/")
    page.click("#link-rounds")
    page.fill("#id_name", "四季度全面回头看（街容街貌）")
    page.select_option("#id_period", label=period)
    page.select_option("#id_domain", index=0)
    options = page.locator("#id_domain option").evaluate_all("os => os.map(o => [o.value, o.textContent])")
    page.select_option("#id_domain", next(v for v, text in options if text.startswith("P5 ")))
    page.select_option("#id_campaign", label=campaign)
    page.fill("#id_measure_due_on", (dt.date.today() + dt.timedelta(days=30)).isoformat())
    page.screenshot(path=str(SHOTS / "round-open.png"), full_page=True)
    with page.expect_navigation():
        page.click("#round-open-form button[type=submit]")
    form = page.locator("form.round-form[data-domain='P5']")
    rows = form.locator("tr[data-code]")
    result["codes"] = rows.evaluate_all("rs => rs.map(r => r.dataset.code)")
    for code in result["codes"]:
        status = "not_met" if code == "P5.1.2" else "met"
        form.locator(f"tr[data-code='{code}'] select").select_option(status)
    form.locator("tr[data-code='P5.1.2'] input[type=text]").fill("背街小巷路面破损、井盖缺失")
    page.screenshot(path=str(SHOTS / "round-record.png"), full_page=True)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    result["missing"] = page.inner_text("#round-missing")
    with page.expect_navigation():
        page.click("#round-close")
    page.wait_for_function("() => document.querySelector('#round-state') !== null")
    result["state"] = page.inner_text("#round-state")
    result["measures"] = page.inner_text("#round-measures")
    result["measure_cell"] = page.inner_text("tr[data-code='P5.1.2'] td.measure")
    result["other_cell"] = page.inner_text("tr[data-code='P5.1.1'] td.measure")
    page.screenshot(path=str(SHOTS / "round-closed.png"), full_page=True)
    with page.expect_navigation():
        page.click("tr[data-code='P5.1.2'] td.measure a")
    result["task_page"] = page.inner_text("main")
    page.screenshot(path=str(SHOTS / "measure-task.png"), full_page=True)
    page.goto(f"{base}/evaluation/ledger/")
    page.screenshot(path=str(SHOTS / "ledger-office.png"), full_page=True)
    result["problems"] = problems
    context.close()
    return result


def unit(browser, base: str) -> dict:
    problems: list[str] = []
    context, page = _page(browser, base, problems, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                          is_mobile=True, has_touch=True)
    login(page, base, "chengguan")
    page.goto(f"{base}/evaluation/ledger/")
    result = {"codes": page.locator("#ledger tr[data-code]").evaluate_all("rs => rs.map(r => r.dataset.code)")}
    page.screenshot(path=str(SHOTS / "ledger-unit-phone.png"), full_page=True)
    page.click("#ledger tr[data-code='P5.1.2'] a")
    page.wait_for_selector("#ledger-history")
    result["entry"] = page.inner_text("main")
    page.screenshot(path=str(SHOTS / "ledger-entry-unit-phone.png"), full_page=True)
    result["problems"] = problems
    context.close()
    return result


def test_the_office_runs_a_round_and_sees_the_measures_it_created(browser_thread, live_server, committed_city):  # noqa: F811
    from wenming.campaign.models import Campaign, Task
    from wenming.demo.campaign import campaign_demo_build
    from wenming.demo.evaluation import evaluation_demo_build, office_account
    from wenming.evaluation.models import Criterion
    from wenming.evaluation.services.ledger import period_create
    from wenming.evaluation.services.responsibility import Responsibility, criterion_responsibility_set
    from wenming.org.models import Unit

    if not Campaign.objects.exists():
        campaign_demo_build()
    evaluation_demo_build()
    ceping = office_account()
    criterion = Criterion.objects.get(edition__code="DEMO-2026", code="P5.1.2")
    branch = Unit.objects.get(code="CGJ-131102")
    criterion_responsibility_set(criterion_id=criterion.pk, actor=ceping, expected_version=criterion.version,
                                 value=Responsibility(lead_unit_id=branch.pk, fields=frozenset({"lead_unit_id",
                                                                                                "responsible_unit_ids"})))
    today = dt.date.today()
    period = period_create(edition_id=criterion.edition_id, actor=ceping, name=f"{today.year}年度",
                           starts_on=dt.date(today.year, 1, 1), ends_on=dt.date(today.year, 12, 31))
    campaign = Campaign.objects.order_by("-starts_on").first()

    seen = browser_thread.run(office, live_server.url, period.name, str(campaign))
    assert "P5.1.2" in seen["codes"] and len(seen["codes"]) >= 3
    assert seen["missing"] == "0" and seen["measures"] == "1"
    assert "P5.1.2" in seen["measure_cell"] and branch.name in seen["measure_cell"]
    assert seen["other_cell"].strip() == "—"
    assert "P5.1.2" in seen["task_page"]
    task = Task.objects.get(criteria=criterion, code__startswith="HTK")
    assert task.lead_unit == branch and task.due_on == today + dt.timedelta(days=30) and task.campaign == campaign
    assert seen["problems"] == []

    mine = browser_thread.run(unit, live_server.url)
    assert "P5.1.2" in mine["codes"] and all(c.startswith("P5.1.") for c in mine["codes"])
    assert task.code in mine["entry"] and mine["problems"] == []
