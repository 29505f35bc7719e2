"""One case walks the whole workflow in the browser, each step done by the role that owns it:

intake → register → dispatch → return → re-dispatch → sign → extension → submit → failed verification →
rework → submit → verify → close, then the case page's timeline lists every step in order.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib

import pytest
from django.utils import timezone

from wenming.cases.browser_tests.conftest import EXTRA_SHOTS, SHOTS
from wenming.cases.models import Case, CaseState
from wenming.cases.services import workflow as wf
from wenming.cases.services.routing import case_route
from wenming.org.models import Area, Person, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "wenming2026"
UNIT_CODE = "CGJ-131102"
EXPECTED = [
    ("report", "shouli"), ("register", "shouli"), ("dispatch", "paiqian"), ("return_request", "chengguan"),
    ("return_approved", "zhiban"), ("dispatch", "paiqian"), ("sign", "chengguan"), ("extension_request", "chengguan"),
    ("request_granted", "zhiban"), ("submit", "chengguan"), ("rework", "anfang"), ("submit", "chengguan"),
    ("verify_passed", "anfang"), ("close", "zhiban"),
]


def tiny_png(rgb: tuple[int, int, int], size: int = 8) -> bytes:
    """A valid PNG of one colour, written by hand (signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * size
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * size)) + chunk(b"IEND", b""))


def _grid_routed_to(unit: Unit, category: str) -> Area:
    for grid in Area.objects.filter(level="grid", code__startswith=unit.area.code).order_by("code"):
        if case_route(lng=grid.lng, lat=grid.lat, category=category).unit_id == unit.pk:
            return grid
    raise AssertionError(f"no grid routes {category} to {unit.code}")


def _background_cases(people: dict, grid: Area) -> None:
    """A few other cases, so the workbench screenshot shows more than the one walked."""
    made = []
    for text, category in [("人行道违规停放共享单车", "SJ0401"), ("小区门口垃圾堆积未清运", "SJ0101"),
                           ("沿街商户跨门经营", "SJ0401"), ("夜市摊点占用盲道", "SJ0401")]:
        made.append(wf.case_intake(channel="citizen", description=text, lng=grid.lng, lat=grid.lat, category=category,
                                   reporter_phone="13900002222", actor=people["shouli"]))
    wf.case_register(case_id=made[1].pk, actor=people["shouli"])
    for case in made[2:]:
        wf.case_register(case_id=case.pk, actor=people["shouli"])
        wf.case_dispatch(case_id=case.pk, actor=people["paiqian"])
        wf.case_sign(case_id=case.pk, actor=people["chengguan"])
    Case.objects.filter(pk=made[3].pk).update(handle_due=timezone.now() - dt.timedelta(hours=5))


# -- steps, run in the browser thread ----------------------------------------------------------------------------

def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert page.url == f"{base}/", f"{username} could not log in"


def logout(page, base: str) -> None:
    with page.expect_navigation():
        page.click("form.logout button[type=submit]")
    assert page.url.startswith(f"{base}/login/")


def act(page, key: str, *, button: tuple[str, str] | None = None, expect: str, **fields) -> None:
    """Fill one action form on the case page, press its button, and check the case moved to ``expect``."""
    form = page.locator(f"#act-{key}")
    for name, value in fields.items():
        field = form.locator(f"[name='{key}-{name}']")
        kind = field.evaluate("e => e.tagName === 'SELECT' ? 'select' : (e.type || '')")
        if kind == "select":
            field.select_option(value)
        elif kind == "file":
            field.set_input_files(value)
        else:
            field.fill(value)
    target = form.locator(f"button[name='{key}-{button[0]}'][value='{button[1]}']" if button else "button[type=submit]")
    with page.expect_navigation():
        target.click()
    errors = page.locator("ul.messages li.error, form.action ul.errorlist li")
    assert errors.count() == 0, errors.all_inner_texts()
    assert page.get_attribute("#case-head", "data-state") == expect, f"{key} left the case {page.get_attribute('#case-head', 'data-state')}"


def walk(browser, base: str, grid: Area, unit: Unit, photos: list[str]) -> dict:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20000)
    problems: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((base, "data:")) else problems.append(f"external {r.url}"))
    # Failed loads are checked by their responses (the browser's own /favicon.ico request is no problem).
    page.on("console", lambda m: problems.append(f"console {m.text}")
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: problems.append(f"page error {e}"))
    result: dict = {}

    def as_(username: str) -> None:
        logout(page, base)
        login(page, base, username)
        page.goto(result["url"])

    # 受理员: intake, the point picked on the map, then registration.
    login(page, base, "shouli")
    page.goto(f"{base}/cases/new/")
    page.wait_for_selector("#map.leaflet-container")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.input_value("#id_lat") and page.input_value("#id_lng"), "a click on the map fills the coordinates"
    assert page.input_value("#id_crs") == "wgs84"
    page.select_option("#id_channel", "hotline")
    page.select_option("#id_category", "SJ0401")
    page.fill("#id_description", "人民路口流动摊贩占道经营，影响通行")
    page.fill("#id_address", "人民路与中华大街交叉口")
    page.fill("#id_lat", f"{grid.lat:.7f}")
    page.fill("#id_lng", f"{grid.lng:.7f}")
    page.fill("#id_reporter_name", "张先生")
    page.fill("#id_reporter_phone", "13811112222")
    page.set_input_files("#id_photos", photos[0])
    EXTRA_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(EXTRA_SHOTS / "case-new.png"), full_page=True)
    with page.expect_navigation():
        page.click("#route-form button[type=submit]")
    match = re.search(r"/cases/(\d+)/$", page.url)
    assert match, page.url
    result["id"], result["url"] = int(match.group(1)), page.url
    assert unit.name in page.inner_text("#routing"), "the routing decision is shown after intake"
    assert page.locator("#photos-before img").count() == 1
    act(page, "register", expect="registered")

    # 派遣员: dispatch to the routed unit (the form's default).
    as_("paiqian")
    assert page.input_value("#act-dispatch select[name=dispatch-unit]") == str(unit.pk)
    act(page, "dispatch", expect="dispatched")
    # 城管: not ours — ask to return it.
    as_("chengguan")
    # A unit never learns who reported: no name, no phone, masked or not.
    reporter = page.inner_text("#case-reporter")
    assert "市民" in reporter and "2222" not in reporter and "138" not in reporter
    act(page, "request_return", note="该路段由市场监管负责，申请退回", expect="return_requested")
    # 值班长: approve the return.
    as_("zhiban")
    act(page, "decide_return", button=("approve", "yes"), note="同意退回，重新派遣", expect="registered")
    # 派遣员: re-dispatch.
    as_("paiqian")
    act(page, "dispatch", note="经核实属城管职责", expect="dispatched")
    # 城管: sign, then ask for two more working days.
    as_("chengguan")
    act(page, "sign", expect="handling")
    # What the unit handler sees on a phone: the case and its three forms.
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(EXTRA_SHOTS / "case-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    act(page, "request_extension", amount="2", time_unit="working_days", note="需协调清运车辆", expect="handling")
    assert page.locator("#pending-request").count() == 1
    # 值班长: grant it.
    as_("zhiban")
    act(page, "decide_request", button=("approve", "yes"), note="同意延期两个工作日", expect="handling")
    # 城管: report it done with an after-photo.
    as_("chengguan")
    act(page, "submit", note="已劝离摊贩并清理路面", photos=photos[1], expect="submitted")
    # 暗访员: not rectified — rework.
    as_("anfang")
    act(page, "verify", button=("passed", "no"), note="复查时仍有摊贩", expect="handling")
    # 城管: again.
    as_("chengguan")
    assert "第三方暗访员" not in page.inner_text("#timeline"), "units never see who the inspector is"
    act(page, "submit", note="已设置隔离栏并安排专人值守", photos=photos[2], expect="submitted")
    # 暗访员: passed.
    as_("anfang")
    act(page, "verify", button=("passed", "yes"), note="复查已整改到位", expect="verified")
    # 值班长: close.
    as_("zhiban")
    act(page, "close", note="整改完成，结案", expect="closed")

    items = page.locator("#timeline li")
    result["actions"] = items.evaluate_all("els => els.map(e => e.dataset.action)")
    result["actors"] = page.locator("#timeline li .who").all_inner_texts()
    result["after_photos"] = page.locator("#photos-after img").count()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "case.png"), full_page=True)
    page.goto(f"{base}/cases/?queue=all")
    page.wait_for_selector("#case-list")
    result["workbench"] = page.locator("#case-list tbody tr").evaluate_all("els => els.map(e => e.dataset.case)")
    page.screenshot(path=str(SHOTS / "workbench.png"), full_page=True)
    # The same list on the map: every located case a point, loaded by the page's own script.
    page.click("#view-switch a[data-view=map]")
    page.wait_for_selector("#case-map[data-loaded]")
    result["map_points"] = int(page.get_attribute("#case-map", "data-loaded"))
    # Markers that would overlap are merged into clusters showing how many they hold (outlines.js).
    result["map_markers"] = page.locator("#case-map path.leaflet-interactive").count() + sum(
        int(t) for t in page.locator("#case-map .map-cluster-count").all_inner_texts())
    page.screenshot(path=str(SHOTS / "case-walk-workbench-map.png"), full_page=True)
    # 派遣员: batch dispatch of everything waiting, selected with one checkbox.
    as_("paiqian")
    page.goto(f"{base}/cases/?queue=to_dispatch")
    waiting = page.locator("input[name=case]").count()
    page.check("#select-all")
    assert page.locator("input[name=case]:checked").count() == waiting > 0
    with page.expect_navigation():
        page.click("#batch-dispatch")
    result["batch_message"] = page.inner_text("ul.messages")
    result["still_waiting"] = page.locator("input[name=case]").count()
    # The unit handler's workbench on a phone: one card per case.
    as_("chengguan")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/cases/?queue=handling")
    page.screenshot(path=str(EXTRA_SHOTS / "workbench-phone.png"), full_page=True)
    result["problems"] = problems
    context.close()
    return result


def test_one_case_walks_from_intake_to_close(browser_thread, live_server, committed_city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    people = {p.username: p for p in Person.objects.filter(is_staff=True)}
    unit = Unit.objects.select_related("area").get(code=UNIT_CODE)
    grid = _grid_routed_to(unit, "SJ0401")
    _background_cases(people, grid)
    photos = []
    for i, rgb in enumerate([(200, 60, 40), (40, 160, 80), (40, 90, 200)]):
        path = tmp_path / f"photo{i}.png"
        path.write_bytes(tiny_png(rgb))
        photos.append(str(path))

    result = browser_thread.run(walk, live_server.url, grid, unit, photos)

    case = Case.objects.get(pk=result["id"])
    assert case.state == CaseState.CLOSED and case.unit_id == unit.pk
    assert result["actions"] == [action for action, _who in EXPECTED]
    assert result["actors"] == [str(people[who]) for _action, who in EXPECTED]
    events = list(case.events.order_by("seq").select_related("actor"))
    assert [(e.action, e.actor.username) for e in events] == EXPECTED
    assert case.evidence.filter(kind="after").count() == 2 == result["after_photos"]
    assert case.return_count == 1 and case.rework_count == 1 and case.extension_count == 1
    assert case.number in result["workbench"]
    assert result["map_points"] == result["map_markers"] == len(result["workbench"])  # every case here is located
    assert result["still_waiting"] == 0 and re.search(r"\d", result["batch_message"])
    assert not Case.objects.filter(state=CaseState.REGISTERED).exists()
    assert result["problems"] == []
