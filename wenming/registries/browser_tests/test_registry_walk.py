"""The commander on duty (zhiban) reads the e-bike plate rate: the trend chart drawn with its title and unit, the
gap list, a drill-down from the city to a county and a street; then the intake operator checks a plate from a case
about an unplated e-bike and reads only its status."""

from __future__ import annotations

import pytest

from wenming.cases.browser_tests.conftest import EXTRA_SHOTS
from wenming.cases.browser_tests.test_case_walk import login
from wenming.cases.services import workflow as wf
from wenming.demo.registries import registries_demo_build
from wenming.inspections.browser_tests.test_inspection_walk import _watch
from wenming.org.models import Area, AreaLevel, Person
from wenming.registries.models import RegistryCheck, RegistryRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = EXTRA_SHOTS / "registries"
CHART = """() => { const el = document.getElementById('registry-trend-chart'); const c = echarts.getInstanceByDom(el);
  const o = c.getOption(); return {title: o.title[0].text, unit: o.yAxis[0].name, points: o.series[0].data.length}; }"""


def rate_walk(browser, base: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, base, "zhiban")
    page.goto(f"{base}/registries/ebike/")
    page.wait_for_function("() => window.echarts && echarts.getInstanceByDom(document.getElementById('registry-trend-chart'))")
    seen = {"chart": page.evaluate(CHART), "gaps": page.locator("#gap-list li").count(),
            "records_link": page.locator("#nav-records").count()}
    page.screenshot(path=str(SHOTS / "registry-city.png"), full_page=True)
    with page.expect_navigation():
        page.click("#rate-table tbody tr a >> nth=0")
    seen["county_rows"] = page.locator("#rate-table tbody tr[data-area]").count()
    with page.expect_navigation():
        page.click("#rate-table tbody tr a >> nth=0")
    seen["street_rows"] = page.locator("#rate-table tbody tr[data-area]").count()
    seen["trail"] = page.locator("#area-trail a").count()
    seen["problems"] = page.problems
    context.close()
    return seen


def check_walk(browser, base: str, case_id: int, number: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    login(page, base, "shouli")
    page.goto(f"{base}/cases/{case_id}/")
    page.fill("#registry-check-form input[name=number]", number.lower())
    with page.expect_navigation():
        page.click("#registry-check-form button[type=submit]")
    seen = {"panel": page.inner_text("#panel-registry-check"), "problems": page.problems}
    page.screenshot(path=str(SHOTS / "registry-check.png"), full_page=True)
    context.close()
    return seen


def test_the_rates_drill_down_and_a_case_checks_a_plate(browser_thread, live_server, committed_city, settings,
                                                        tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    assert registries_demo_build(communities=30, per_community=12) == 6
    walked = browser_thread.run(rate_walk, live_server.url)
    assert walked["problems"] == []
    assert walked["chart"]["points"] == 3 and walked["chart"]["unit"] == "%" and walked["chart"]["title"]
    assert walked["gaps"] > 0 and walked["records_link"] == 0  # the commander reads figures, not records
    assert walked["county_rows"] > 0 and walked["street_rows"] > 0 and walked["trail"] == 3  # 全市 › county › street

    grid = Area.objects.filter(level=AreaLevel.GRID).order_by("code").first()
    case = wf.case_intake(channel="hotline", description="电动车没挂牌", lng=grid.lng, lat=grid.lat,
                          category="SJ0407", actor=Person.objects.get(username="shouli"))
    record = RegistryRecord.objects.filter(registry__kind="ebike", active=True).order_by("number").first()
    checked = browser_thread.run(check_walk, live_server.url, case.pk, record.number)
    assert checked["problems"] == []
    check = RegistryCheck.objects.get(case=case)
    assert check.number == record.number and check.result == record.status
    assert record.area.name not in checked["panel"]
