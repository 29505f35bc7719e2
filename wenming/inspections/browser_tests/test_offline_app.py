"""The inspector's offline app in Chromium with the network switched off and on again mid-round.

The inspector (anfang) opens /inspections/app/ on a phone, downloads the day, and the network goes off; two items
fail, each with a photo (a generated JPEG, shrunk on the page's canvas) and the position; the app is reloaded
offline (the shell comes from the service worker's cache: its server-made ``data-rendered`` nonce is the cached
one) and still holds both results; the network comes back, the ``online`` event syncs them; the unit's handler
reads the case without the inspector's name or the firm, and the planners' follow-up lists both findings.

How the network is cut: ``context.set_offline(True)`` (Chromium's network emulation). It reaches the service
worker too — checked, not assumed: the reloaded shell must carry the nonce of the copy the worker cached (a
fetch that got through would bring a fresh one), and a fetch from the page must fail.

A second walk breaks a sync off: the answer to the first POST is thrown away after the server stored the batch
(``route.fetch()`` then ``route.abort()``: the phone sees a network error); the next sync sends the same client
ids and the server answers "duplicate": each finding is stored once, with one case.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from wenming.cases.services import workflow as wf
from wenming.conftest import photo_bytes
from wenming.inspections.models import Result, Round
from wenming.org.models import Person, Unit

from .test_inspection_walk import PHONE, SHOTS, UNIT_CODE, _watch, office_pages, unit_reads

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
JPEG = photo_bytes(size=(2400, 1800), fmt="JPEG", pattern=5)
# The nonce of the shell in the worker's cache (the copy an offline reload must show).
CACHED_NONCE = """async () => {
  for (const key of await caches.keys()) {
    const hit = await (await caches.open(key)).match("/inspections/app/", {ignoreVary: true});
    if (hit) return (/data-rendered="([0-9a-f]+)"/.exec(await hit.text()) || [])[1] || null;
  }
  return null;
}"""
FETCH_FROM_PAGE = """async (url) => {
  try { await fetch(url, {cache: "no-store"}); return "reached"; } catch (e) { return "cut"; }
}"""


def _open_app(browser, base: str, site: tuple[float, float]):
    from wenming.cases.browser_tests.test_case_walk import login

    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True,
                                  device_scale_factor=2, geolocation={"longitude": site[0], "latitude": site[1]},
                                  permissions=["geolocation"])
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    login(page, base, "anfang")
    page.goto(f"{base}/inspections/app/")
    # The worker installed (the shell and its assets cached) and controls the page.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.click("#app-download")
    page.wait_for_selector("#app-sites li[data-assignment]")
    return context, page


def _fail_item(page, code: str, note: str) -> None:
    item = page.locator(f"#app-items li[data-item='{code}']")
    item.locator("button[data-outcome=fail]").click()
    item.locator("input[type=file]").set_input_files(files=[{"name": "site.jpg", "mimeType": "image/jpeg",
                                                              "buffer": JPEG}])
    item.locator("img.thumb:not([hidden])").wait_for()
    item.locator(".gps[data-state=found]").wait_for()
    item.locator("textarea").fill(note)
    item.locator(".save").click()
    page.locator(f"#app-items li[data-item='{code}'][data-status=pending]").wait_for()


def offline_walk(browser, base: str, assignment_id: int, site: tuple[float, float]) -> dict:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page = _open_app(browser, base, site)
    seen: dict = {"day": page.inner_text("#app-day")}
    page.screenshot(path=str(SHOTS / "app-downloaded-phone.png"), full_page=True)

    context.set_offline(True)
    page.wait_for_selector("#app-status[data-state=offline]")
    seen["page_fetch_offline"] = page.evaluate(FETCH_FROM_PAGE, f"{base}/api/v1/inspections/assignments/")
    page.click(f"#app-sites li[data-assignment='{assignment_id}'] button")
    page.wait_for_selector("#app-items li[data-item]")
    codes = page.eval_on_selector_all("#app-items li[data-item]", "els => els.map(e => e.dataset.item)")[:2]
    _fail_item(page, codes[0], "门前堆放杂物")
    _fail_item(page, codes[1], "垃圾桶满溢")
    seen["codes"] = codes
    seen["pending_before_reload"] = page.inner_text("#pending-count")
    seen["width"] = page.evaluate("() => document.documentElement.scrollWidth")
    page.screenshot(path=str(SHOTS / "app-offline-recorded-phone.png"), full_page=True)

    cached_nonce = page.evaluate(CACHED_NONCE)
    page.reload()  # offline: only the worker can answer
    page.wait_for_selector("#app-sites li[data-assignment]")
    seen["reloaded_nonce_is_cached"] = bool(cached_nonce) and (
        page.get_attribute("#inspector-app", "data-rendered") == cached_nonce)
    seen["pending_after_reload"] = page.inner_text("#pending-count")
    seen["status_after_reload"] = page.get_attribute("#app-status", "data-state")

    context.set_offline(False)  # the "online" event syncs
    page.wait_for_selector("#pending-count[data-count='0']")
    seen["message"] = page.inner_text("#app-message")
    page.click(f"#app-sites li[data-assignment='{assignment_id}'] button")
    page.wait_for_selector("#app-items li[data-item]")
    seen["states"] = [page.inner_text(f"#app-items li[data-item='{c}'][data-status=synced] .state") for c in codes]
    page.screenshot(path=str(SHOTS / "app-synced-phone.png"), full_page=True)
    fresh = page.evaluate("() => fetch('/inspections/app/').then(r => r.status)")
    seen["online_again"] = fresh
    seen["problems"] = page.problems
    context.close()
    return seen


def broken_sync_walk(browser, base: str, assignment_id: int, site: tuple[float, float]) -> dict:
    context, page = _open_app(browser, base, site)
    context.set_offline(True)  # record both before any sync starts
    page.click(f"#app-sites li[data-assignment='{assignment_id}'] button")
    page.wait_for_selector("#app-items li[data-item]")
    codes = page.eval_on_selector_all("#app-items li[data-item]", "els => els.map(e => e.dataset.item)")[:2]
    _fail_item(page, codes[0], "占道经营")
    _fail_item(page, codes[1], "乱贴小广告")
    posts = {"n": 0}

    def lose_first_answer(route):
        posts["n"] += 1
        if posts["n"] == 1:
            route.fetch()  # the server stores the batch …
            route.abort("connectionreset")  # … and the phone never hears back
        else:
            route.continue_()

    page.route("**/api/v1/inspections/results/", lose_first_answer)
    page.problems.clear()
    context.set_offline(False)
    page.wait_for_function("""() => document.getElementById("app-message").textContent
                               === document.getElementById("inspector-app").dataset.tSyncOffline""")
    seen = {"after_break": page.inner_text("#pending-count"), "codes": codes}
    page.click("#app-sync")
    page.wait_for_selector("#pending-count[data-count='0']")
    seen["message"] = page.inner_text("#app-message")
    seen["posts"] = posts["n"]
    seen["states"] = [page.inner_text(f"#app-items li[data-item='{c}'] .state") for c in codes]
    # The connection reset shows as a failed request, not an error answer.
    seen["problems"] = page.problems
    context.close()
    return seen


def _setup(settings, tmp_path):
    from wenming.demo.inspections import ROUND_CODE, inspections_demo_build

    settings.MEDIA_ROOT = tmp_path / "media"
    inspections_demo_build(record=False)
    round_ = Round.objects.get(code=ROUND_CODE)
    assignment = (round_.assignments.filter(day=timezone.localdate(), district__code="131102")
                  .select_related("site").order_by("site__code").first())
    return round_, assignment


def test_offline_round_synced_once_when_the_network_returns(browser_thread, live_server, committed_city, settings,
                                                           tmp_path):
    round_, assignment = _setup(settings, tmp_path)
    people = {p.username: p for p in Person.objects.filter(is_staff=True)}
    walked = browser_thread.run(offline_walk, live_server.url, assignment.pk,
                                (assignment.site.lng, assignment.site.lat))
    assert walked["problems"] == [], walked["problems"]
    assert walked["page_fetch_offline"] == "cut" and walked["reloaded_nonce_is_cached"]
    assert walked["pending_before_reload"] == walked["pending_after_reload"] == "2"
    assert walked["status_after_reload"] == "offline" and walked["width"] <= PHONE["width"]
    results = list(Result.objects.filter(assignment=assignment).select_related("case").order_by("item__sort"))
    assert sorted(r.item.code for r in results) == sorted(walked["codes"])
    for result in results:
        assert result.outcome == "fail" and result.case.channel == "inspection" and result.case.evidence.count() == 1
        assert result.lng == pytest.approx(assignment.site.lng, abs=1e-5)
        assert any(result.case.number in state for state in walked["states"])
        photo = result.case.evidence.first()
        assert photo.file.size < 1_000_000  # shrunk on the phone: 2400×1800 became at most 1600 px wide

    office = browser_thread.run(office_pages, live_server.url, round_.pk)
    assert office["problems"] == [] and office["findings"] == 2
    # The round report lists both findings (by item and case number), and names no inspector.
    for result in results:
        assert result.item.code in office["report"] and result.case.number in office["report"]
    assert str(people["anfang"]) not in office["report"] and "anfang" not in office["report"]

    case = results[0].case
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=Unit.objects.get(code=UNIT_CODE))
    unit = browser_thread.run(unit_reads, live_server.url, case.pk, round_.pk)
    assert unit["problems"] == [] and case.number in unit["text"]
    for secret in (str(people["anfang"]), "A01", "anfang", round_.firm_name, round_.code, round_.name):
        assert secret not in unit["text"], secret


def test_a_sync_broken_off_and_repeated_stores_each_finding_once(browser_thread, live_server, committed_city,
                                                                 settings, tmp_path):
    _round, assignment = _setup(settings, tmp_path)
    walked = browser_thread.run(broken_sync_walk, live_server.url, assignment.pk,
                                (assignment.site.lng, assignment.site.lat))
    assert walked["after_break"] == "2" and walked["posts"] == 2  # the lost answer left both pending
    results = Result.objects.filter(assignment=assignment)
    assert results.count() == 2 and {r.item.code for r in results} == set(walked["codes"])
    assert len({r.case_id for r in results}) == 2
    for r in results.select_related("case"):
        assert any(r.case.number in state for state in walked["states"])
    assert "2" in walked["message"]  # "2 already stored" (duplicate), none new
