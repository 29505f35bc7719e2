"""On a phone, the inspector (anfang) opens the day's sites of the demo round, records a failed item with a photo
(the position from the phone); the finding becomes a 暗访 case, which the command centre dispatches to 城管 桃城分局,
whose handler reads it without learning who found it, for which firm, in which round. The planners' pages
(round, follow-up, plan) are shot on the way."""

from __future__ import annotations

import zipfile

import pytest
from django.utils import timezone

from wenming.cases.browser_tests.conftest import EXTRA_SHOTS
from wenming.cases.browser_tests.test_case_walk import login, logout
from wenming.cases.services import workflow as wf
from wenming.conftest import photo_bytes
from wenming.inspections.models import Result, Round
from wenming.org.models import Person, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
SHOTS = EXTRA_SHOTS / "inspections"
UNIT_CODE = "CGJ-131102"


def _watch(page):
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("console", lambda msg: page.problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("response", lambda r: page.problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)


def inspector_walk(browser, base: str, assignment_id: int, site: tuple[float, float]) -> dict:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True,
                                  device_scale_factor=2, geolocation={"longitude": site[0], "latitude": site[1]},
                                  permissions=["geolocation"])
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, base, "anfang")
    page.goto(f"{base}/inspections/mine/")
    page.screenshot(path=str(SHOTS / "my-day-phone.png"), full_page=True)
    seen = {"listed": page.locator("#my-assignments li[data-assignment]").count()}
    with page.expect_navigation():
        page.click(f"li[data-assignment='{assignment_id}'] a")
    item = page.locator("select[name=item] option").first.get_attribute("value")
    page.select_option("select[name=item]", item)
    page.check("input[name=outcome][value=fail]")
    page.set_input_files("input[name=photo]", files=[{"name": "site.png", "mimeType": "image/png",
                                                        "buffer": photo_bytes(size=(640, 480), pattern=6)}])
    page.fill("textarea[name=note]", "门前堆放杂物")
    page.wait_for_function("() => document.querySelector('input[name=lat]').value !== ''")
    seen["width"] = page.evaluate("() => document.documentElement.scrollWidth")
    page.screenshot(path=str(SHOTS / "record-phone.png"), full_page=True)
    with page.expect_navigation():
        page.click("#record")
    seen["item"] = item
    seen["outcome"] = page.get_attribute(f"#items li[data-item='{item}']", "data-outcome")
    seen["message"] = page.inner_text("ul.messages") if page.locator("ul.messages").count() else ""
    page.screenshot(path=str(SHOTS / "recorded-phone.png"), full_page=True)
    seen["problems"] = page.problems
    context.close()
    return seen


def office_pages(browser, base: str, round_id: int) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    _watch(page)
    seen = {}
    login(page, base, "zhiban")
    page.click("#nav-rounds")
    page.goto(f"{base}/inspections/rounds/{round_id}/")
    seen["strata"] = page.locator("#strata tbody tr").count()
    page.screenshot(path=str(SHOTS / "round-planner.png"), full_page=True)
    # The round report (Word) as the planner downloads it from the round page: its text, every part of the file.
    with page.expect_download() as download:
        page.click("#link-round-report")
    with zipfile.ZipFile(download.value.path()) as docx:
        seen["report"] = " ".join(docx.read(n).decode("utf-8", "replace") for n in docx.namelist()
                                  if n.endswith(".xml"))
    page.click("#link-followup")
    seen["findings"] = page.locator("#findings tbody tr[data-item]").count()
    page.screenshot(path=str(SHOTS / "followup.png"), full_page=True)
    page.goto(f"{base}/inspections/plan/")
    page.screenshot(path=str(SHOTS / "plan.png"), full_page=True)
    page.goto(f"{base}/inspections/schemes/")
    page.screenshot(path=str(SHOTS / "schemes.png"), full_page=True)
    logout(page, base)
    seen["problems"] = page.problems
    context.close()
    return seen


def unit_reads(browser, base: str, case_id: int, round_id: int) -> dict:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    _watch(page)
    login(page, base, "chengguan")
    page.goto(f"{base}/cases/{case_id}/")
    text = page.inner_text("main")
    page.screenshot(path=str(SHOTS / "unit-case-phone.png"), full_page=True)
    status = page.goto(f"{base}/inspections/rounds/{round_id}/").status
    page.problems = [p for p in page.problems if "/inspections/rounds/" not in p]  # the 404 is the point
    page.goto(f"{base}/")
    logout(page, base)
    seen = {"text": text, "round_status": status, "problems": page.problems}
    context.close()
    return seen


def test_an_inspector_records_a_failed_item_on_a_phone_and_the_unit_never_learns_who(
        browser_thread, live_server, committed_city, settings, tmp_path):
    from wenming.demo.inspections import ROUND_CODE, inspections_demo_build

    settings.MEDIA_ROOT = tmp_path / "media"
    inspections_demo_build(record=False)
    people = {p.username: p for p in Person.objects.filter(is_staff=True)}
    round_ = Round.objects.get(code=ROUND_CODE)
    assignment = (round_.assignments.filter(day=timezone.localdate(), district__code="131102")
                  .select_related("site").order_by("site__code").first())

    walked = browser_thread.run(inspector_walk, live_server.url, assignment.pk,
                                (assignment.site.lng, assignment.site.lat))
    assert walked["problems"] == [] and walked["listed"] >= 1 and walked["width"] <= PHONE["width"]
    assert walked["outcome"] == "fail"
    result = Result.objects.select_related("case").get(assignment=assignment, item__code=walked["item"])
    case = result.case
    assert case.channel == "inspection" and case.evidence.count() == 1 and case.number in walked["message"]
    assert result.lng is not None and result.recorded_by == people["anfang"]

    office = browser_thread.run(office_pages, live_server.url, round_.pk)
    assert office["problems"] == [] and office["strata"] == len(round_.method["strata"]) and office["findings"] == 1

    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=Unit.objects.get(code=UNIT_CODE))
    unit = browser_thread.run(unit_reads, live_server.url, case.pk, round_.pk)
    assert unit["problems"] == [] and case.number in unit["text"] and "门前堆放杂物" in unit["text"]
    for secret in (str(people["anfang"]), "A01", "anfang", round_.firm_name, round_.code, round_.name):
        assert secret not in unit["text"], secret
    assert unit["round_status"] == 404  # unannounced: the round is not released
