"""A case of street stalls reported outside a school gives the negative-list item it is linked to a 预警 at once
(the case's post_save receiver, after commit); the commander on duty (zhiban) sees it on the risk board (counts,
map, list) and on its record (the signal with the school and the distance) and supervises it (督办); the owner
unit's handler acknowledges it on a phone. Screenshots of each page under var/screenshots/evaluation/ (and
/tmp/shots-wt-risk/ when that folder exists)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wenming.evaluation.browser_tests.conftest import browser_thread  # noqa: F401
from wenming.evaluation.browser_tests.test_framework_walk import SHOTS, _page, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EXTRA = Path("/tmp/shots-wt-risk")


def _shot(page, name: str, **kw) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"risk-{name}.png"), **kw)
    if EXTRA.is_dir():
        page.screenshot(path=str(EXTRA / f"risk-{name}.png"), **kw)


def commander(browser, base: str, record_id: int) -> dict:
    problems: list[str] = []
    result: dict = {}
    context, page = _page(browser, base, problems)
    login(page, base, "zhiban")
    page.goto(f"{base}/evaluation/risks/")
    page.wait_for_function("() => document.querySelector('#risk-map').dataset.signals !== undefined")
    page.wait_for_function("() => document.querySelector('#risk-chart').dataset.drawn === '1'")
    result["warning"] = page.inner_text("#risk-totals [data-count=warning]")
    result["row_level"] = page.get_attribute(f"#risk-records tr[data-record='{record_id}']", "data-level")
    result["signals_on_map"] = int(page.get_attribute("#risk-map", "data-signals"))
    _shot(page, "board", full_page=True)
    with page.expect_navigation():
        page.click(f"#risk-records tr[data-record='{record_id}'] a")
    result["title_level"] = page.get_attribute("#risk-title", "data-level")
    result["signals"] = page.inner_text("#risk-signals")
    result["cases"] = page.locator("#risk-cases a").count()
    result["actions"] = page.locator("#risk-actions form").evaluate_all("fs => fs.map(f => f.dataset.action)")
    page.fill("#id_supervise-note", "学校周边立即清理，今天报告")
    with page.expect_navigation():
        page.click("#risk-actions form[data-action=supervise] button[type=submit]")
    result["supervised"] = page.inner_text("#risk-supervised")
    result["timeline"] = page.locator("#risk-timeline li").evaluate_all("ls => ls.map(l => l.dataset.action)")
    _shot(page, "record", full_page=True)
    result["problems"] = problems
    context.close()
    return result


def unit_on_phone(browser, base: str, record_id: int) -> dict:
    problems: list[str] = []
    result: dict = {}
    context, page = _page(browser, base, problems, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                          is_mobile=True, has_touch=True)
    login(page, base, "chengguan")
    page.goto(f"{base}/evaluation/risks/")
    result["rows"] = page.locator("#risk-records tr[data-record]").evaluate_all("rs => rs.map(r => r.dataset.record)")
    result["overflow"] = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth + 1")
    _shot(page, "board-phone", full_page=True)
    page.goto(f"{base}/evaluation/risks/{record_id}/")
    result["actions"] = page.locator("#risk-actions form").evaluate_all("fs => fs.map(f => f.dataset.action)")
    with page.expect_navigation():
        page.click("#risk-actions form[data-action=acknowledge] button[type=submit]")
    result["state"] = page.get_attribute("#risk-title", "data-state")
    result["overflow_record"] = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth + 1")
    _shot(page, "record-phone", full_page=True)
    result["problems"] = problems
    context.close()
    return result


def test_a_case_near_a_school_gives_a_warning_the_commander_sees(browser_thread, live_server,  # noqa: F811
                                                                 committed_city):
    from wenming.cases.services import workflow as wf
    from wenming.common.models import Notification
    from wenming.demo.evaluation import evaluation_demo_build
    from wenming.demo.evaluation_risk import evaluation_risk_demo_build
    from wenming.evaluation.models import Criterion, RiskLevel, RiskRecord, RiskSignal
    from wenming.evaluation.services.responsibility import Responsibility, criterion_responsibility_set
    from wenming.org.models import Area, Person, Site, Unit

    evaluation_demo_build()
    evaluation_risk_demo_build()
    office = Person.objects.get(username="ceping")
    n32 = Criterion.objects.get(edition__code="DEMO-2026", code="N32")  # 测评期间大面积环境脏乱被曝光
    branch = Unit.objects.get(code="CGJ-131102")
    criterion_responsibility_set(criterion_id=n32.pk, actor=office, expected_version=n32.version,
                                 value=Responsibility(lead_unit_id=branch.pk, fields=frozenset({"lead_unit_id"})))
    RiskRecord.objects.filter(criterion=n32).update(owner_unit=branch)
    county = Area.objects.get(code="131102")
    school = Site.objects.filter(site_type__code="school", area__path__startswith=county.path).order_by("code")[0]
    case = wf.case_intake(channel="hotline", description="学校门口流动摊贩占道经营", lng=school.lng + 0.0004,
                          lat=school.lat, category="SJ0401", actor=Person.objects.get(username="shouli"))
    signal = RiskSignal.objects.get(case=case, criterion=n32)  # made at once, after the intake's commit
    assert signal.level == RiskLevel.WARNING and signal.site_id == school.pk and signal.distance_m < 100
    record = signal.record

    seen = browser_thread.run(commander, live_server.url, record.pk)
    assert seen["row_level"] == "warning" and int(seen["warning"]) >= 1 and seen["signals_on_map"] >= 1
    assert seen["title_level"] == "warning"
    assert school.name in seen["signals"] and seen["cases"] == 1
    assert "supervise" in seen["actions"] and "acknowledge" not in seen["actions"]
    assert seen["supervised"].startswith("1") and seen["timeline"][-1] == "supervised"
    assert seen["problems"] == []
    told = Notification.objects.filter(key__startswith=f"risk:{record.pk}:", recipient__username="chengguan")
    assert told.exists()

    phone = browser_thread.run(unit_on_phone, live_server.url, record.pk)
    assert str(record.pk) in phone["rows"] and phone["actions"][0] == "acknowledge"
    assert phone["state"] == "responding" and not phone["overflow_record"]
    assert phone["problems"] == []
