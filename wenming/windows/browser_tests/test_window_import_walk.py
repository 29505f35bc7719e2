"""On a phone: a unit's handler imports her unit's windows from a file (a bad file first: refused, row and column
named; then the right one); the dispatcher links a hotline complaint to the window from the case page's panel."""

from __future__ import annotations

import pytest

from wenming.cases.browser_tests.conftest import EXTRA_SHOTS
from wenming.cases.browser_tests.test_case_walk import login
from wenming.cases.models import Category
from wenming.inspections.browser_tests.test_inspection_walk import _watch
from wenming.org.models import Person, Site
from wenming.public.services.hotline import hotline_take_in
from wenming.windows.models import ServiceWindow, WindowComplaint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = EXTRA_SHOTS / "windows"
HEADER = "窗口编码,点位编码,单位编码,窗口名称,窗口号\n"


def _phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    return context, page


def import_walk(browser, base: str, tmp: str, site_code: str) -> dict:
    context, page = _phone(browser)
    login(page, base, "gongdian")
    page.goto(f"{base}/windows/import/")
    bad = f"{tmp}/bad.csv"
    good = f"{tmp}/good.csv"
    with open(bad, "w", encoding="utf-8") as out:
        out.write(HEADER + f"GD-W01,{site_code},POWER,供电业务窗口,A01\nGD-W02,NO-SITE,POWER,=1+1,A02\n")
    with open(good, "w", encoding="utf-8") as out:
        out.write(HEADER + f"GD-W01,{site_code},POWER,供电业务窗口,A01\nGD-W02,{site_code},POWER,供电缴费窗口,A02\n")
    page.set_input_files("#id_file", bad)
    with page.expect_navigation():
        page.click("#windows-import-form button[type=submit]")
    seen = {"errors": page.inner_text("#import-errors")}
    page.screenshot(path=str(SHOTS / "window-import-refused.png"), full_page=True)
    page.set_input_files("#id_file", good)
    with page.expect_navigation():
        page.click("#windows-import-form button[type=submit]")
    seen["result"] = page.inner_text("#import-result")
    page.screenshot(path=str(SHOTS / "window-import-done.png"), full_page=True)
    seen["problems"] = [p for p in page.problems if not p.startswith("400 ")]  # the refusal answers 400
    context.close()
    return seen


def link_walk(browser, base: str, case_id: int) -> dict:
    context, page = _phone(browser)
    login(page, base, "paiqian")
    page.goto(f"{base}/cases/{case_id}/")
    page.wait_for_selector("#window-link-form")
    page.screenshot(path=str(SHOTS / "window-link-panel.png"), full_page=True)
    page.select_option("#window-link-form select[name=window]", index=0)
    with page.expect_navigation():
        page.click("#window-link-form button[type=submit]")
    seen = {"linked": page.inner_text("#window-link")}
    page.locator("#panel-window-link").screenshot(path=str(SHOTS / "window-linked.png"))
    seen["problems"] = page.problems
    context.close()
    return seen


def test_a_unit_imports_its_windows_and_a_hotline_complaint_is_linked(browser_thread, live_server, committed_city,
                                                                       public_setup, tmp_path):
    hall = Site.objects.filter(site_type__code="hall", lng__isnull=False).order_by("code").first()
    walked = browser_thread.run(import_walk, live_server.url, str(tmp_path), hall.code)
    assert walked["problems"] == []
    assert "3" in walked["errors"] and "点位编码" in walked["errors"] and "公式" in walked["errors"]
    assert set(ServiceWindow.objects.filter(code__startswith="GD-W").values_list("code", flat=True)) == {
        "GD-W01", "GD-W02"}
    case = hotline_take_in(actor=Person.objects.get(username="shouli"), description="来电投诉供电窗口态度差",
                           category=Category.objects.get(code="SJ0901"), urgency="normal", point=(hall.lng, hall.lat),
                           site=hall)
    linked = browser_thread.run(link_walk, live_server.url, case.pk)
    assert linked["problems"] == []
    link = WindowComplaint.objects.get(case=case)
    assert link.window.code.startswith("GD-W") and link.linked_by.username == "paiqian"
    assert "供电" in linked["linked"]
