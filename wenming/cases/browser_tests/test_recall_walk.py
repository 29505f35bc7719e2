"""In the browser: the shift leader re-dispatches (改派) a case from the page; the unit that lost it reads why in its
notifications; the new unit signs; a red-card notice (红牌督办单) reaches that unit and waits on the open-notice list."""

from __future__ import annotations

import pytest

from wenming.cases.browser_tests.test_case_walk import UNIT_CODE, _grid_routed_to, act, login, logout
from wenming.cases.models import Case, CaseState, EscalationLevel, SupervisionNotice
from wenming.cases.services import workflow as wf
from wenming.org.models import Person, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def walk(browser, base: str, case_id: int, power_id: int) -> dict:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20000)
    url = f"{base}/cases/{case_id}/"
    result: dict = {}
    login(page, base, "zhiban")
    page.goto(url)
    act(page, "redispatch", unit=str(power_id), note="属供电设施，改派供电公司", expect="dispatched")
    result["timeline"] = page.inner_text("#timeline")
    logout(page, base)
    login(page, base, "chengguan")
    page.goto(f"{base}/notifications/")
    result["lost_unit_told"] = page.inner_text("body")
    logout(page, base)
    login(page, base, "gongdian")
    page.goto(url)
    act(page, "sign", expect="handling")
    logout(page, base)
    login(page, base, "zhiban")
    page.goto(url)
    form = page.locator("#act-notice")
    form.locator("[name='notice-level']").select_option(str(int(EscalationLevel.RED)))
    form.locator("[name='notice-demand']").fill("今日17时前恢复供电设施安全")
    act(page, "notice", expect="handling")
    with page.expect_navigation():
        page.click("#nav-notices")
    result["notice_list"] = page.inner_text("#notice-list")
    logout(page, base)
    login(page, base, "gongdian")
    page.goto(f"{base}/notifications/")
    result["new_unit_told"] = page.inner_text("body")
    context.close()
    return result


def test_redispatch_and_a_red_notice_on_the_case_page(browser_thread, live_server, committed_city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    people = {p.username: p for p in Person.objects.filter(is_staff=True)}
    unit = Unit.objects.select_related("area").get(code=UNIT_CODE)
    grid = _grid_routed_to(unit, "SJ0401")
    case = wf.case_intake(channel="hotline", description="路口变电箱门敞开", lng=grid.lng, lat=grid.lat,
                          category="SJ0401", actor=people["shouli"])
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=unit)
    power = people["gongdian"].unit

    result = browser_thread.run(walk, live_server.url, case.pk, power.pk)

    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.HANDLING and case.unit_id == power.pk
    assert f"{unit.name} → {power.name}" in result["timeline"]
    # Each unit reads its message (the number leads the subject in every language).
    assert case.number in result["lost_unit_told"] and "督办单" in result["new_unit_told"]
    assert SupervisionNotice.objects.get(case=case).level == EscalationLevel.RED
    assert case.number in result["notice_list"] and "红牌" in result["notice_list"]
