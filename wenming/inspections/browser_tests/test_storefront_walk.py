"""On a phone (390×844), the street office's 郑主任 (jiedao) finds a shop by the phone's position, records a check
with one duty not complied with (photo, position from the phone) and lands on the numbered notice (告知书)."""

from __future__ import annotations

import pytest

from wenming.cases.browser_tests.conftest import EXTRA_SHOTS
from wenming.cases.browser_tests.test_case_walk import login
from wenming.conftest import photo_bytes
from wenming.inspections.browser_tests.test_inspection_walk import PHONE, _watch
from wenming.inspections.models import StorefrontNotice
from wenming.org.models import Person, StorefrontDuty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = EXTRA_SHOTS / "inspections"


def checker_walk(browser, base: str, shop_code: str, place: tuple[float, float]) -> dict:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True,
                                  device_scale_factor=2, geolocation={"longitude": place[0], "latitude": place[1]},
                                  permissions=["geolocation"])
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, base, "jiedao")
    page.goto(f"{base}/inspections/storefronts/find/")
    page.wait_for_function("() => !document.getElementById('find-near').disabled")
    with page.expect_navigation():
        page.click("#find-near")
    seen = {"first": page.get_attribute("#found li[data-shop]", "data-shop")}
    page.screenshot(path=str(SHOTS / "storefront-find-phone.png"), full_page=True)
    with page.expect_navigation():
        page.click(f"#found li[data-shop='{shop_code}'] a")
    for duty in ("sanitation", "greening", "facilities", "civility"):
        page.check(f"input[name={duty}_result][value=ok]")
    page.check("input[name=order_result][value=bad]")
    page.fill("input[name=order_note]", "店外摆放货架")
    page.set_input_files("input[name=order_photo]", files=[{"name": "shop.png", "mimeType": "image/png",
                                                              "buffer": photo_bytes(size=(640, 480), pattern=4)}])
    page.wait_for_function("() => document.querySelector('#check-form input[name=lat]').value !== ''")
    seen["width"] = page.evaluate("() => document.documentElement.scrollWidth")
    page.screenshot(path=str(SHOTS / "storefront-check-phone.png"), full_page=True)
    with page.expect_navigation():
        page.click("#record")
    seen["number"] = page.get_attribute("#notice", "data-number")
    seen["text"] = page.inner_text("#notice")
    page.screenshot(path=str(SHOTS / "storefront-notice-phone.png"), full_page=True)
    seen["problems"] = page.problems
    context.close()
    return seen


def test_a_street_office_checks_a_shop_on_a_phone_and_gets_the_notice(browser_thread, live_server, committed_city,
                                                                     settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    jiedao = Person.objects.get(username="jiedao")
    shop = StorefrontDuty.objects.filter(supervising_unit=jiedao.unit).order_by("code").first()
    walked = browser_thread.run(checker_walk, live_server.url, shop.code, (shop.lng, shop.lat))
    assert walked["problems"] == [] and walked["width"] <= PHONE["width"]
    assert walked["first"] == shop.code
    notice = StorefrontNotice.objects.get(shop=shop)
    assert walked["number"] == notice.number and notice.duties == ["order"]
    assert "店外摆放货架" in walked["text"] and shop.supervising_unit.name in walked["text"]
    item = notice.source_check.items.get(duty="order")
    assert item.photo and notice.source_check.lat is not None
