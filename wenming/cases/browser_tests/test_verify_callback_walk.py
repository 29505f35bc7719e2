"""In the browser, as each person meets it:

- the verifier (on a phone) reads the warnings about a rectification photo with no EXIF right beside the verify
  buttons, and the photo they name is marked;
- the dispatcher finds a unit among 100+ by typing part of its name or code, keyboard only, in the single and
  the batch dispatch; Enter in the search box never dispatches;
- the hotline operator logs an unanswered callback, then records the citizen's rating on the next call.
"""

from __future__ import annotations

import pytest

from wenming.cases.browser_tests.conftest import EXTRA_SHOTS
from wenming.cases.browser_tests.test_case_walk import UNIT_CODE, _grid_routed_to, act, login, tiny_png
from wenming.cases.models import Case, CaseState, FollowUp
from wenming.cases.services import workflow as wf
from wenming.org.models import Person, Unit, UnitKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _context(browser, viewport):
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.js_errors = []
    page.on("pageerror", lambda e: page.js_errors.append(str(e)))
    return context, page


def _case(people, *, state: str, photo: bytes | None = None) -> Case:
    unit = Unit.objects.select_related("area").get(code=UNIT_CODE)
    grid = _grid_routed_to(unit, "SJ0401")
    case = wf.case_intake(channel="hotline", description="人民路口流动摊贩占道经营", lng=grid.lng, lat=grid.lat,
                          category="SJ0401", reporter_name="王女士", reporter_phone="13812345678",
                          actor=people["shouli"])
    steps = [
        (CaseState.REGISTERED, lambda: wf.case_register(case_id=case.pk, actor=people["shouli"])),
        (CaseState.DISPATCHED, lambda: wf.case_dispatch(case_id=case.pk, actor=people["paiqian"])),
        (CaseState.HANDLING, lambda: wf.case_sign(case_id=case.pk, actor=people["chengguan"])),
        (CaseState.SUBMITTED, lambda: wf.case_submit(case_id=case.pk, actor=people["chengguan"], note="已清理",
                                                     photos=[wf.Upload("after.png", photo or tiny_png((40, 160, 80)))])),
        (CaseState.VERIFIED, lambda: wf.case_verify(case_id=case.pk, actor=people["anfang"], passed=True)),
        (CaseState.CLOSED, lambda: wf.case_close(case_id=case.pk, actor=people["zhiban"])),
    ]
    for reached, step in steps:
        step()
        if reached == state:
            break
    return Case.objects.get(pk=case.pk)


# -- verify warnings beside the buttons ------------------------------------------------------------------------

def _verify_walk(browser, base: str, case_id: int, after_id: int) -> dict:
    context, page = _context(browser, PHONE)
    login(page, base, "anfang")
    page.goto(f"{base}/cases/{case_id}/")
    form = page.locator("#act-verify")
    warnings = form.locator("#verify-warnings")
    result = {
        "codes": warnings.locator("li").evaluate_all("els => els.map(e => e.dataset.code)"),
        "text": warnings.inner_text(),
        # Right beside the buttons: the block is the buttons' previous sibling, inside the verify form.
        "next_to_buttons": warnings.evaluate("e => e.nextElementSibling.classList.contains('buttons')"),
        "marked": page.locator(f"#photos-after a.evidence.warned[data-evidence='{after_id}'] .warn-badge").inner_text(),
        # On the phone the warnings and both buttons are on screen together once the form is scrolled to.
        "gap": warnings.evaluate("e => e.nextElementSibling.getBoundingClientRect().top - e.getBoundingClientRect().bottom"),
        "old_card": page.locator(".card.warn").count(),
    }
    form.scroll_into_view_if_needed()
    EXTRA_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(EXTRA_SHOTS / "verify-warnings-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(EXTRA_SHOTS / "verify-warnings.png"), full_page=True)
    # Passing anyway is still the verifier's call.
    act(page, "verify", button=("passed", "yes"), note="现场复核已整改", expect="verified")
    result["js_errors"] = page.js_errors
    context.close()
    return result


def test_a_photo_without_exif_is_flagged_beside_the_verify_buttons(browser_thread, live_server, committed_city,
                                                                   settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    people = {p.username: p for p in Person.objects.filter(is_staff=True)}
    case = _case(people, state=CaseState.SUBMITTED)  # a PNG written by hand: no EXIF at all
    after = case.evidence.get(kind="after")

    result = browser_thread.run(_verify_walk, live_server.url, case.pk, after.pk)

    assert result["codes"] == ["no_exif"]
    assert str(after.pk) in result["text"] and "EXIF" in result["text"] and "核查前请注意" in result["text"]
    assert result["next_to_buttons"] and 0 <= result["gap"] < 40
    assert result["marked"] == f"⚠ {after.pk}"
    assert result["old_card"] == 0  # no second list far from the buttons
    assert result["js_errors"] == []
    assert Case.objects.get(pk=case.pk).state == CaseState.VERIFIED


# -- unit search in dispatch -----------------------------------------------------------------------------------

def _dispatch_walk(browser, base: str, case_id: int) -> dict:
    context, page = _context(browser, DESKTOP)
    login(page, base, "paiqian")
    page.goto(f"{base}/cases/{case_id}/")
    form = page.locator("#act-dispatch")
    select = form.locator("select[name='dispatch-unit']")
    search = form.locator("input.unit-search")
    result = {
        "options": select.locator("option").count(),
        "first_group": select.locator("optgroup").first.get_attribute("label"),
        "routed_selected": select.input_value(),
    }
    # Keyboard only: the label's words focus the search box; type, Down to the list, Tab to the button, Enter.
    form.locator("label", has=search).locator("xpath=text()[1]").count()  # the label wraps the box
    search.focus()
    page.keyboard.type("冀州 市场监督")
    result["count_text"] = form.locator(".unit-count").inner_text()
    result["filtered"] = select.locator("option").all_inner_texts()
    page.keyboard.press("Enter")  # into the list, never a post
    result["focused_after_enter"] = page.evaluate("document.activeElement.name")
    result["still_here"] = page.url
    page.keyboard.press("Escape")
    search.focus()
    page.keyboard.press("Escape")  # clears the search: every unit back, the choice kept
    result["after_escape"] = select.locator("option").count()
    result["kept"] = select.input_value()
    search.fill("")
    page.keyboard.type("JJZD-1311")
    result["by_code"] = select.locator("option").all_inner_texts()
    page.keyboard.press("Control+A")
    page.keyboard.type("没有这个单位")
    result["none_text"] = form.locator(".unit-count").inner_text()
    page.keyboard.press("Control+A")
    page.keyboard.type("冀州区市场监督")
    page.keyboard.press("ArrowDown")
    page.screenshot(path=str(EXTRA_SHOTS / "dispatch-unit-search.png"), full_page=True)
    # From the list: Tab through the note to the button, Enter.
    while page.evaluate("document.activeElement.tagName") != "BUTTON":
        page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    result["state"] = page.get_attribute("#case-head", "data-state")
    # The batch dispatch: everything waiting, to one unit found by its code.
    page.goto(f"{base}/cases/?queue=to_dispatch")
    batch = page.locator("#batch")
    batch.locator("input.unit-search").fill("GOV-131102001")
    result["batch_filtered"] = batch.locator("select[name=unit] option").all_inner_texts()
    page.check("#select-all")
    page.screenshot(path=str(EXTRA_SHOTS / "batch-dispatch-unit.png"), full_page=True)
    with page.expect_navigation():
        page.click("#batch-dispatch")
    result["batch_message"] = page.inner_text("ul.messages")
    result["js_errors"] = page.js_errors
    context.close()
    return result


def test_a_unit_is_found_among_a_hundred_by_part_of_its_name_or_code(browser_thread, live_server, committed_city,
                                                                     settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    people = {p.username: p for p in Person.objects.filter(is_staff=True)}
    # A city of over a hundred units: the demo's, plus property companies up to 110.
    for i in range(max(0, 110 - Unit.objects.filter(is_active=True).count())):
        Unit.objects.create(code=f"WY-T{i:02d}", name=f"衡水第{i + 1}物业服务有限公司", kind=UnitKind.ENTERPRISE)
    case = _case(people, state=CaseState.REGISTERED)
    waiting = [_case(people, state=CaseState.REGISTERED) for _ in range(2)]
    target = Unit.objects.get(code="SCJG-131103")
    street = Unit.objects.get(code="GOV-131102001")

    result = browser_thread.run(_dispatch_walk, live_server.url, case.pk)

    assert result["options"] >= 111  # every active unit and the blank
    assert result["first_group"] == "分拨建议"
    assert result["routed_selected"] == str(Unit.objects.get(code=UNIT_CODE).pk)
    assert result["filtered"] == ["— 请选择单位 —", f"{target.name} · {target.code}"]
    assert result["count_text"] == "匹配 1 个单位"
    assert result["focused_after_enter"] == "dispatch-unit" and result["still_here"].endswith(f"/cases/{case.pk}/")
    assert result["after_escape"] == result["options"] and result["kept"] == str(target.pk)
    assert len(result["by_code"]) > 3 and all("JJZD-1311" in t for t in result["by_code"][1:])
    assert result["none_text"] == "没有匹配的单位。"
    assert result["state"] == CaseState.DISPATCHED
    assert Case.objects.get(pk=case.pk).unit_id == target.pk
    assert result["batch_filtered"] == ["各案件的分拨建议单位", f"{street.name} · {street.code}"]
    assert {Case.objects.get(pk=c.pk).unit_id for c in waiting} == {street.pk}
    assert "2" in result["batch_message"]
    assert result["js_errors"] == []


# -- 电话回访 ------------------------------------------------------------------------------------------------------

def _callback_walk(browser, base: str, case_id: int) -> dict:
    context, page = _context(browser, DESKTOP)
    login(page, base, "shouli")
    page.goto(f"{base}/cases/{case_id}/")
    form = page.locator("#act-callback")
    result = {"phone": form.locator(".callback-phone").inner_text()}
    form.locator("[name='callback-note']").fill("无人接听")
    act(page, "callback", button=("reached", "no"), expect="closed")
    result["after_first"] = page.inner_text("#callbacks")
    form = page.locator("#act-callback")
    form.locator("input[name='callback-rating'][value='basically_satisfied']").check()
    form.locator("input[name='callback-fixed'][value='no']").check()
    form.locator("[name='callback-note']").fill("晚上摊贩又回来了")
    page.screenshot(path=str(EXTRA_SHOTS / "callback-form.png"), full_page=True)
    act(page, "callback", button=("reached", "yes"), expect="closed")
    result["after_second"] = page.inner_text("#callbacks")
    result["form_left"] = page.locator("#act-callback").count()
    page.screenshot(path=str(EXTRA_SHOTS / "callback-done.png"), full_page=True)
    result["js_errors"] = page.js_errors
    context.close()
    return result


def test_the_hotline_logs_a_missed_call_then_records_the_rating(browser_thread, live_server, committed_city,
                                                                settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    people = {p.username: p for p in Person.objects.filter(is_staff=True)}
    case = _case(people, state=CaseState.CLOSED)

    result = browser_thread.run(_callback_walk, live_server.url, case.pk)

    assert "13812345678" in result["phone"] and "王女士" in result["phone"]
    assert "未联系上（第 1 次，共 3 次）" in result["after_first"] and "无人接听" in result["after_first"]
    assert "基本满意" in result["after_second"] and "未解决" in result["after_second"]
    assert result["form_left"] == 0
    follow_up = FollowUp.objects.get(case=case)
    assert (follow_up.channel, follow_up.rating, follow_up.fixed) == ("hotline", "basically_satisfied", False)
    assert result["js_errors"] == []


# -- the closing SMS's link, opened on the citizen's phone ---------------------------------------------------------

def _open_sms_link(browser, link: str) -> dict:
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    answer = page.goto(link)
    form = page.locator("#rating-form")
    result = {"status": answer.status, "form": form.count(),
              "in_view": form.evaluate("e => e.getBoundingClientRect().top < window.innerHeight")}
    page.screenshot(path=str(EXTRA_SHOTS / "sms-rating-link-phone.png"))
    context.close()
    return result


def test_the_closing_sms_link_opens_the_rating_form_on_a_phone(browser_thread, live_server, committed_city,
                                                                settings, tmp_path):
    from wenming.common.models import Notification

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WENMING_PUBLIC_URL = live_server.url
    people = {p.username: p for p in Person.objects.filter(is_staff=True)}
    case = _case(people, state=CaseState.CLOSED)
    text = Notification.objects.get(key__startswith=f"closed:{case.pk}:", channel="sms").subject
    link = text[text.index(live_server.url):]

    result = browser_thread.run(_open_sms_link, link)

    assert result == {"status": 200, "form": 1, "in_view": True}
