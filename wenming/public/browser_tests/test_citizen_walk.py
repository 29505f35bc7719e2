"""On a phone-sized screen a citizen reports a problem with a photo, the phone's position and an SMS-verified
number, gets a tracking code, follows the report by that code; staff close the case; the citizen rates it."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from wenming.cases.browser_tests.conftest import SHOTS
from wenming.cases.models import Case, CaseState, FollowUp
from wenming.cases.services import workflow as wf
from wenming.cases.services.routing import case_route
from wenming.cases.services.workflow import Upload
from wenming.conftest import photo_bytes
from wenming.org.models import Area, Person, Unit
from wenming.public.tests import sms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "13912345678"
PHONE_SIZE = {"width": 390, "height": 844}


def report(browser, base: str, lng: float, lat: float) -> dict:
    context = browser.new_context(viewport=PHONE_SIZE, locale="zh-CN", is_mobile=True, has_touch=True,
                                  geolocation={"longitude": lng, "latitude": lat}, permissions=["geolocation"])
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    # A refused script, style or image (content security policy) is a problem; the missing favicon is not.
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(f"{base}/")  # anonymous: the login page, whose menu offers the citizen page
    with page.expect_navigation():
        page.click("#nav-report")
    page.set_input_files("input[name=photos]", files=[{"name": "stall.png", "mimeType": "image/png",
                                                         "buffer": photo_bytes(size=(640, 480), pattern=8)}])
    page.wait_for_function("() => { const i = document.querySelector('#photo-preview img'); return i && i.complete && i.naturalWidth > 0; }")
    page.click("#use-location")
    page.wait_for_function("() => document.querySelector('input[name=lat]').value !== ''")
    page.check("input[name=category][value=stalls]")
    page.fill("textarea[name=description]", "人行道被流动摊贩占满，行人只能走机动车道")
    page.fill("input[name=phone]", PHONE)
    page.click("#send-code")
    page.wait_for_function("() => document.getElementById('code-status').textContent.length > 0")
    code = sms.last_code(PHONE)
    page.fill("input[name=code]", code)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "citizen-report-phone.png"), full_page=True)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    with page.expect_navigation():
        page.click("#submit-report")
    tracking = page.inner_text("#tracking-code").strip()
    # Later, from the tracking page.
    page.goto(f"{base}/citizen/track/")
    page.fill("input[name=code]", tracking.lower())
    with page.expect_navigation():
        page.press("input[name=code]", "Enter")
    result = {"tracking": tracking, "state": page.get_attribute("#status", "data-state"), "width": width,
              "lat": None, "problems": problems, "url": page.url}
    page.screenshot(path=str(SHOTS / "citizen-status-phone.png"), full_page=True)
    context.close()
    return result


def rate(browser, base: str, tracking: str) -> dict:
    context = browser.new_context(viewport=PHONE_SIZE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{base}/citizen/track/{tracking}/")
    steps = page.eval_on_selector_all("#timeline li", "items => items.map(i => i.dataset.action)")
    photos = page.locator(".after-photos img").count()
    # The after-photos load lazily, as a citizen scrolls to them: scroll, then give them time to arrive.
    page.locator(".after-photos img").last.scroll_into_view_if_needed()
    try:
        page.wait_for_function("() => Array.from(document.querySelectorAll('.after-photos img'))"
                               ".every(i => i.complete && i.naturalWidth > 0)", timeout=10_000)
        loaded = True
    except PlaywrightTimeout:
        loaded = False
    text = page.inner_text("#status")
    page.check("input[name=fixed][value=yes]")
    page.check("input[name=rating][value=satisfied]")
    page.fill("textarea[name=comment]", "处理很快，谢谢")
    with page.expect_navigation():
        page.click("#send-rating")
    given = page.locator("#rating-given").count()
    still_form = page.locator("#rating-form").count()
    page.screenshot(path=str(SHOTS / "citizen-rated-phone.png"), full_page=True)
    context.close()
    return {"steps": steps, "photos": photos, "loaded": loaded, "text": text, "given": given,
            "still_form": still_form, "problems": problems}


def test_a_citizen_reports_follows_and_rates_on_a_phone(browser_thread, live_server, committed_city):
    sms.OUTBOX.clear()
    unit = Unit.objects.get(code="CGJ-131102")
    grid = next(g for g in Area.objects.filter(level="grid", code__startswith="131102").order_by("code")
                if case_route(lng=g.lng, lat=g.lat, category="SJ0401").unit_name == unit.name)

    first = browser_thread.run(report, live_server.url, grid.lng, grid.lat)
    assert first["problems"] == []
    assert first["width"] <= PHONE_SIZE["width"]  # nothing wider than the phone
    case = Case.objects.get(tracking_code=first["tracking"])
    assert first["state"] == "reported" and first["url"].endswith(f"/citizen/track/{case.tracking_code}/")
    assert case.channel == "citizen" and case.reporter_phone == PHONE and case.public_report.phone_verified
    assert abs(case.lng - grid.lng) < 1e-6 and abs(case.lat - grid.lat) < 1e-6 and case.category.code == "SJ0401"
    assert case.evidence.count() == 1

    people = {p.username: p for p in Person.objects.filter(is_staff=True)}
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"])
    wf.case_sign(case_id=case.pk, actor=people["chengguan"])
    wf.case_submit(case_id=case.pk, actor=people["chengguan"], note="已清理",
                   photos=[Upload("after.png", photo_bytes(pattern=4))])
    wf.case_verify(case_id=case.pk, actor=people["anfang"], passed=True)
    wf.case_close(case_id=case.pk, actor=people["zhiban"])

    second = browser_thread.run(rate, live_server.url, case.tracking_code)
    assert second["problems"] == []
    assert second["steps"] == ["report", "register", "dispatch", "sign", "submit", "verify_passed", "close"]
    assert second["photos"] == 1 and second["loaded"]
    assert unit.name in second["text"] and PHONE not in second["text"]
    for username in ["chengguan", "anfang", "zhiban", "shouli", "paiqian"]:
        assert people[username].get_full_name() not in second["text"] or not people[username].get_full_name()
    assert second["given"] == 1 and second["still_form"] == 0
    follow_up = FollowUp.objects.get(case=case)
    assert (follow_up.rating, follow_up.fixed, follow_up.comment) == ("satisfied", True, "处理很快，谢谢")
    assert Case.objects.get(pk=case.pk).state == CaseState.CLOSED
