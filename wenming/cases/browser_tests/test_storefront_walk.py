"""In the browser: an administrator checks, then imports a storefront register (门前五包) on a phone-sized screen;
a broken file is refused with its rows named; the dispatcher's routing check then sends a shop-front problem in
front of the imported shop to its supervising unit, saying why in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from wenming.cases.browser_tests.test_case_walk import login, logout
from wenming.org.models import Area, StorefrontDuty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots-wt-store")
OFFICE = "GOV-131102001"


def register(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    book.active.title = "门前五包"
    for row in [["编码", "店名", "地址", "经度", "纬度", "监管单位编码", "五包责任"], *rows]:
        book.active.append(row)
    book.save(path)
    return path


def walk(browser, base: str, good: str, broken: str, lng: float, lat: float) -> dict:
    SHOTS.mkdir(parents=True, exist_ok=True)
    result: dict = {}
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    login(page, base, "admin")
    page.goto(f"{base}/org/sites/")
    with page.expect_navigation():
        page.click("#registers-import-link")
    form = page.locator("#register-import-form")
    form.locator("[name=kind]").select_option("storefronts")
    form.locator("[name=file]").set_input_files(broken)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    result["refused"] = page.inner_text("#import-errors")
    page.screenshot(path=str(SHOTS / "import-refused-phone.png"), full_page=True)
    form = page.locator("#register-import-form")
    form.locator("[name=kind]").select_option("storefronts")
    form.locator("[name=file]").set_input_files(good)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()  # "check only" is ticked by default
    result["checked"] = page.inner_text("#import-report")
    form = page.locator("#register-import-form")
    form.locator("[name=kind]").select_option("storefronts")
    form.locator("[name=file]").set_input_files(good)
    form.locator("[name=dry_run]").uncheck()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    result["imported"] = page.inner_text("#import-report")
    result["recent"] = page.inner_text("#recent-register-imports")
    page.screenshot(path=str(SHOTS / "import-done-phone.png"), full_page=True)
    result["overflow"] = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth + 1")
    logout(page, base)
    context.close()

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20000)
    login(page, base, "paiqian")
    page.goto(f"{base}/org/route/?lat={lat}&lng={lng}&crs=wgs84&category=SJ0402")
    page.wait_for_selector("#decision")
    result["decision"] = page.inner_text("#decision")
    page.screenshot(path=str(SHOTS / "route-storefront.png"), full_page=True)
    context.close()
    return result


def test_an_administrator_imports_shops_and_routing_follows(browser_thread, live_server, committed_city, tmp_path):
    grid = Area.objects.get(code="13110200100205")
    lng, lat = grid.lng, grid.lat
    good = register(tmp_path / "门前五包.xlsx", [["MQW001", "老王水果店", "中华大街1号", lng, lat, OFFICE, "全部"]])
    broken = register(tmp_path / "broken.xlsx", [["MQW002", "城外店", "", 120.0, 30.0, "NO-SUCH", "包吃饭"]])
    result = browser_thread.run(walk, live_server.url, str(good), str(broken), lng, lat)
    assert "未导入任何数据" in result["refused"] and "工作表“门前五包”第2行（编码 MQW002）" in result["refused"]
    assert "超出本市范围" in result["refused"] and "NO-SUCH" in result["refused"]
    assert "仅检查" in result["checked"] and "MQW001" in result["checked"]
    assert "导入完成" in result["imported"] and "门前五包.xlsx" in result["recent"]
    assert StorefrontDuty.objects.filter(code="MQW001").count() == 1
    assert not StorefrontDuty.objects.filter(code="MQW002").exists()
    assert not result["overflow"], "the import page is wider than a phone"
    assert "门前五包（老王水果店）" in result["decision"] and "MQW001" in result["decision"]
