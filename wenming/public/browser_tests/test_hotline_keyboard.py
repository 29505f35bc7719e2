"""An operator takes a hotline call by keyboard alone: the caller's number is focused first, Tab walks the
fields, a category is typed as its code, a site as its code, and Enter takes the call in and dispatches it; when the
same caller rings again, their case shows beside the form."""

from __future__ import annotations

import pytest

from wenming.cases.browser_tests.conftest import EXTRA_SHOTS
from wenming.cases.browser_tests.test_case_walk import login
from wenming.cases.models import Case, CaseState
from wenming.cases.services.routing import case_route
from wenming.org.models import Area, Unit
from wenming.org.tests.factories import SiteFactory, point

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def take_call(browser, base: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    login(page, base, "zhiban")
    page.goto(f"{base}/cases/hotline/")
    first = page.evaluate("() => document.activeElement.name")
    page.keyboard.type("13811112222")
    page.keyboard.press("Tab")
    page.keyboard.type("赵先生")
    page.keyboard.press("Tab")
    page.keyboard.type("SJ0401")
    page.keyboard.press("Tab")
    page.keyboard.type("人民路农贸")
    page.wait_for_function("() => document.querySelectorAll('#site-list option').length > 0")
    options = page.eval_on_selector_all("#site-list option", "os => os.map(o => o.value)")
    page.fill("input[name=site]", options[0])
    page.focus("input[name=site]")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past the address: the site's is used
    page.keyboard.type("市场门口流动摊贩占道经营")
    description_focused = page.evaluate("() => document.activeElement.name")
    page.select_option("select[name=then]", "dispatch")
    page.focus("input[name=description]")
    EXTRA_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(EXTRA_SHOTS / "hotline-intake.png"), full_page=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    message = page.inner_text("ul.messages")
    again = page.evaluate("() => document.activeElement.name")
    # The same caller rings again: their case shows beside the form as the number is typed.
    hidden_before = page.get_attribute("#caller-history", "hidden") is not None
    page.keyboard.type("13811112222")
    page.wait_for_selector("#caller-history li")
    history = page.inner_text("#caller-history")
    context.close()
    return {"first": first, "options": options, "description": description_focused, "message": message,
            "again": again, "problems": problems, "hidden_before": hidden_before, "history": history}


def test_a_hotline_call_by_keyboard_is_dispatched(browser_thread, live_server, committed_city):
    unit = Unit.objects.get(code="CGJ-131102")
    grid = next(g for g in Area.objects.filter(level="grid", code__startswith="131102").order_by("code")
                if case_route(lng=g.lng, lat=g.lat, category="SJ0401").unit_name == unit.name)
    SiteFactory(name="人民路农贸市场", code="TSHOT01", area=grid, address="人民路18号", geometry=point(grid.lng, grid.lat))

    result = browser_thread.run(take_call, live_server.url)
    assert result["problems"] == []
    assert result["first"] == "reporter_phone" and result["description"] == "description"
    assert result["options"] == ["TSHOT01 人民路农贸市场"]
    case = Case.objects.get(channel="hotline", description="市场门口流动摊贩占道经营")
    assert case.state == CaseState.DISPATCHED and case.unit == unit and case.site.code == "TSHOT01"
    assert case.reporter_phone == "13811112222" and case.reporter_name == "赵先生"
    assert case.tracking_code in result["message"]
    assert result["again"] == "reporter_phone"  # ready for the next call
    assert result["hidden_before"] and case.number in result["history"] and "市场门口流动摊贩占道经营" in result["history"]
