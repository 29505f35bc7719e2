"""A citizen at the counter scans the window's QR code on a phone: reads the commitments, rates the window 非常满意
after verifying the phone by SMS, and is refused a second rating the same day; the staff list shows the rating."""

from __future__ import annotations

import pytest

from wenming.cases.browser_tests.conftest import EXTRA_SHOTS
from wenming.cases.browser_tests.test_case_walk import login
from wenming.inspections.browser_tests.test_inspection_walk import _watch
from wenming.org.models import Person, Site, Unit
from wenming.public.tests import sms
from wenming.windows.models import WindowRating
from wenming.windows.services.records import commitment_publish, window_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = EXTRA_SHOTS / "windows"
PHONE = "13800138123"


def rating_walk(browser, base: str, code: str) -> dict:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{base}/windows/w/{code}/")
    page.screenshot(path=str(SHOTS / "window-qr-page.png"), full_page=True)
    page.check("#rating-form input[name=level][value='5']")
    page.fill("#rating-form input[name=phone]", PHONE)
    page.click("#rating-form .send-code")
    page.wait_for_function("() => document.querySelector('#rating-form .code-status').textContent.length > 0")
    page.fill("#rating-form input[name=code]", sms.last_code(PHONE))
    with page.expect_navigation():
        page.click("#rate-submit")
    seen = {"thanks": page.inner_text("ul.messages")}
    page.screenshot(path=str(SHOTS / "window-rated.png"), full_page=True)
    page.check("#rating-form input[name=level][value='4']")
    with page.expect_navigation():
        page.click("#rate-submit")  # the phone is verified in this browser for the day: no code asked again
    seen["again"] = page.inner_text("#rating-form")
    page.screenshot(path=str(SHOTS / "window-rated-twice.png"), full_page=True)
    seen["problems"] = [p for p in page.problems if not p.startswith("400 ")]  # the refusal answers 400
    context.close()
    return seen


def staff_walk(browser, base: str, window_id: int) -> dict:
    """The unit's handler on a phone: the window list with its figures, the window's page, the bad ratings."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    login(page, base, "gongdian")
    page.click("#nav-windows")
    page.wait_for_selector("#window-table")
    seen = {"rows": page.locator("#window-table tbody tr[data-window]").count()}
    page.screenshot(path=str(SHOTS / "window-list.png"), full_page=True)
    page.goto(f"{base}/windows/{window_id}/")
    seen["ratings"] = page.locator("#rating-list li[data-level]").count()
    page.screenshot(path=str(SHOTS / "window-detail.png"), full_page=True)
    seen["problems"] = page.problems
    context.close()
    return seen


def test_a_citizen_rates_a_window_by_its_code(browser_thread, live_server, committed_city, public_setup):
    hall = Site.objects.filter(site_type__code="hall").order_by("code").first()
    window = window_create(site=hall, unit=Unit.objects.get(code="POWER"), name="供电业务窗口", number="A01")
    commitment_publish(window_id=window.pk, actor=Person.objects.get(username="admin"),
                       publicity="办理低压居民新装、更名过户。", promise="一次告知、限时办结。")
    walked = browser_thread.run(rating_walk, live_server.url, window.code)
    assert walked["problems"] == []
    assert WindowRating.objects.filter(window=window, level=5).count() == 1
    assert WindowRating.objects.count() == 1  # the second rating the same day was refused
    assert walked["thanks"] and walked["again"]
    staff = browser_thread.run(staff_walk, live_server.url, window.pk)
    assert staff == {"rows": 1, "ratings": 1, "problems": []}
