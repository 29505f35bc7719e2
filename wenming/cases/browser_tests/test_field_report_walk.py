"""On a phone, field staff report from the field (issue 14): the grid worker logs in with the demo password, opens the
report from her home page, takes a photo, searches the kinds of problem, sets the place from the phone's position
(her grids outlined on the map above the button) and sends it; it leads 我的上报. She reports again from beyond
her grid and still follows it. The inspector does the same from the menu; the unit that handles the inspector's
case reads the case page without learning who reported it."""

from __future__ import annotations

import pytest

from wenming.cases.browser_tests.conftest import EXTRA_SHOTS
from wenming.cases.browser_tests.test_case_walk import login, logout
from wenming.cases.models import Case, Channel
from wenming.cases.services import workflow as wf
from wenming.cases.services.routing import case_route
from wenming.conftest import photo_bytes
from wenming.org.models import Area, Person, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
UNIT_CODE = "CGJ-131102"


def _phone(browser, lng: float, lat: float):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True,
                                  device_scale_factor=2, geolocation={"longitude": lng, "latitude": lat},
                                  permissions=["geolocation"])
    page = context.new_page()
    page.set_default_timeout(20000)
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.on("console", lambda msg: page.problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    return context, page


def _report(page, base: str, *, search: str, code: str, text: str, shot: str = "") -> dict:
    """Fill the report page already open and send it; what the page showed on the way."""
    page.set_input_files("input[name=photos]", files=[{"name": "site.png", "mimeType": "image/png",
                                                         "buffer": photo_bytes(size=(640, 480), pattern=6)}])
    page.wait_for_function("() => { const i = document.querySelector('#photo-preview img');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    page.fill("#category-search", search)
    shown = page.locator("#category-list label.choice:visible").count()
    page.check(f"#category-list input[value={code}]")
    chosen = page.inner_text("#category-chosen")
    page.fill("textarea[name=description]", text)
    page.click("#use-location")
    page.wait_for_function("() => document.querySelector('input[name=lat]').value !== ''")
    seen = {
        "shown": shown, "total": page.locator("#category-list label.choice").count(), "chosen": chosen,
        "outlines": page.locator("#pick-map .leaflet-overlay-pane path").count(),
        "pin": page.locator("#pick-map .leaflet-marker-pane .leaflet-marker-icon:not(.area-label)").count(),
        "map_above_button": page.evaluate(
            "() => document.getElementById('pick-map').getBoundingClientRect().bottom"
            " <= document.getElementById('submit-report').getBoundingClientRect().top"),
        "width": page.evaluate("() => document.documentElement.scrollWidth"),
        # Errors of an earlier post left on fields since put right.
        "errors_left": page.locator("fieldset .errorlist:visible").count(),
    }
    if shot:
        page.screenshot(path=str(EXTRA_SHOTS / shot), full_page=True)
    with page.expect_navigation():
        page.click("#submit-report")
    seen["url"] = page.url
    seen["new"] = page.get_attribute("#my-reports li.new", "data-case")
    seen["listed"] = page.eval_on_selector_all("#my-reports li[data-case]", "items => items.map(i => i.dataset.case)")
    return seen


def grid_worker_walk(browser, base: str, own: tuple, far: tuple) -> dict:
    context, page = _phone(browser, *own)
    result: dict = {}
    login(page, base, "wangge")
    result["home_buttons"] = page.locator("#home-field a").count()
    page.screenshot(path=str(EXTRA_SHOTS / "field-home-phone.png"), full_page=True)
    with page.expect_navigation():
        page.click("#home-report")
    # Sent empty: each field says what it wants, in Chinese.
    with page.expect_navigation():
        page.click("#submit-report")
    result["errors"] = page.inner_text("#field-form")
    page.screenshot(path=str(EXTRA_SHOTS / "field-report-errors-phone.png"), full_page=True)
    result["first"] = _report(page, base, search="摆摊", code="SJ0401", text="人行道被流动摊贩占满",
                              shot="field-report-phone.png")
    page.screenshot(path=str(EXTRA_SHOTS / "field-mine-phone.png"), full_page=True)
    # Beyond her grid: the phone is elsewhere now.
    context.set_geolocation({"longitude": far[0], "latitude": far[1]})
    page.goto(f"{base}/cases/field/new/")
    result["second"] = _report(page, base, search="垃圾", code="SJ0101", text="路口垃圾无人清运")
    result["problems"] = page.problems
    context.close()
    return result


def inspector_walk(browser, base: str, far: tuple) -> dict:
    context, page = _phone(browser, *far)
    login(page, base, "anfang")
    with page.expect_navigation():
        page.click("#nav-field-report")
    result = _report(page, base, search="井盖", code="BJ0101", text="暗访发现自来水井盖缺失",
                     shot="field-report-inspector-phone.png")
    result["problems"] = page.problems
    context.close()
    return result


def unit_reads(browser, base: str, case_id: int) -> str:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    login(page, base, "chengguan")
    page.goto(f"{base}/cases/{case_id}/")
    text = page.inner_text("main")
    logout(page, base)
    context.close()
    return text


def test_grid_worker_and_inspector_report_from_a_phone(browser_thread, live_server, committed_city, settings,
                                                         tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    EXTRA_SHOTS.mkdir(parents=True, exist_ok=True)
    people = {p.username: p for p in Person.objects.filter(is_staff=True)}
    community = people["wangge"].roles.get().area
    own = Area.objects.filter(level="grid", path__startswith=community.path).order_by("code").first()
    unit = Unit.objects.get(code=UNIT_CODE)
    far = next(g for g in Area.objects.filter(level="grid", code__startswith="131102")
               .exclude(path__startswith=community.path).order_by("code")
               if case_route(lng=g.lng, lat=g.lat, category="BJ0101").unit_id is not None)

    walked = browser_thread.run(grid_worker_walk, live_server.url, (own.lng, own.lat), (far.lng, far.lat))

    assert walked["problems"] == [] and walked["home_buttons"] == 2
    for field in ("照片", "位置", "问题类型", "问题描述"):
        assert field in walked["errors"], field
    first, second = walked["first"], walked["second"]
    assert 0 < first["shown"] < first["total"] and "摆摊" in first["chosen"]
    assert first["outlines"] >= 1 and first["pin"] == 1 and first["map_above_button"]
    assert first["width"] <= PHONE["width"] and first["errors_left"] == 0
    near = Case.objects.get(pk=first["new"])
    assert (near.channel, near.reported_by, near.category.code) == (Channel.GRID, people["wangge"], "SJ0401")
    assert near.area_path.startswith(community.path) and near.evidence.count() == 1
    beyond = Case.objects.get(pk=second["new"])
    assert not beyond.area_path.startswith(community.path) and beyond.category.code == "SJ0101"
    assert second["listed"][:2] == [str(beyond.pk), str(near.pk)]

    seen = browser_thread.run(inspector_walk, live_server.url, (far.lng, far.lat))
    assert seen["problems"] == [] and seen["listed"] == [seen["new"]]
    case = Case.objects.get(pk=seen["new"])
    assert case.channel == Channel.INSPECTION and case.reported_by == people["anfang"]
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=unit)

    page = browser_thread.run(unit_reads, live_server.url, case.pk)
    assert case.number in page and "暗访发现自来水井盖缺失" in page
    assert str(people["anfang"]) not in page and "A01" not in page
