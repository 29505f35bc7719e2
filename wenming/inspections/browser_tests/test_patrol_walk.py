"""On a phone, a road chief (a person named by the register, no role) opens 我的路段, starts a patrol, checks in at
one end of the road and then at the other (the phone's position moved between), and the patrol is done; a
check-in from a street away is refused with the distance."""

from __future__ import annotations

import pytest

from wenming.cases.browser_tests.conftest import EXTRA_SHOTS
from wenming.cases.browser_tests.test_case_walk import login
from wenming.inspections.models import Patrol, PatrolRule, PatrolState
from wenming.inspections.services import patrols as svc
from wenming.org.models import Person, RoadChief, RoadSegment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
SHOTS = EXTRA_SHOTS / "inspections"


def chief_walk(browser, base: str, chief_id: int, ends: list[tuple[float, float]], far: tuple[float, float]) -> dict:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True,
                                  geolocation={"longitude": ends[0][0], "latitude": ends[0][1]},
                                  permissions=["geolocation"])
    page = context.new_page()
    page.set_default_timeout(20000)
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, base, "luzhang_b")
    page.goto(f"{base}/inspections/roads/")
    seen = {"roads": page.locator("#my-roads li[data-chief]").count(),
            "map": page.locator("#patrol-map.wm-map").count()}
    page.screenshot(path=str(SHOTS / "my-roads-phone.png"), full_page=True)
    with page.expect_navigation():
        page.click(f"li[data-chief='{chief_id}'] .start-patrol")
    context.set_geolocation({"longitude": far[0], "latitude": far[1]})
    with page.expect_navigation():
        page.click("#checkin")
    seen["refused"] = page.inner_text("ul.messages") if page.locator("ul.messages").count() else ""
    for lng, lat in ends:
        context.set_geolocation({"longitude": lng, "latitude": lat})
        with page.expect_navigation():
            page.click("#checkin")
    seen["state"] = page.get_attribute("#patrol", "data-state")
    seen["width"] = page.evaluate("() => document.documentElement.scrollWidth")
    page.screenshot(path=str(SHOTS / "patrol-done-phone.png"), full_page=True)
    seen["problems"] = problems
    context.close()
    return seen


def test_a_road_chief_patrols_a_road_on_a_phone(browser_thread, live_server, committed_city):
    for level, period in ((1, "month"), (2, "week"), (3, "day"), (4, "day")):  # a flushed database lost the seed
        PatrolRule.objects.get_or_create(level=level, defaults={"period": period, "times": 1})
    segment = RoadSegment.objects.filter(code__startswith="RD131102", code__endswith="M").order_by("code").first()
    chief = RoadChief.objects.get(segment=segment, level=RoadChief.Level.STREET)
    chief.person = Person.objects.create_user(username="luzhang_b", password="wenming2026", display_name="路长 乙")
    chief.save(update_fields=["person"])
    road = svc.segment_line(segment)
    ends = [road.point(0.05 * road.length_m), road.point(0.95 * road.length_m)]
    far = road.point(0.5 * road.length_m, off_m=150)

    seen = browser_thread.run(chief_walk, live_server.url, chief.pk, ends, far)
    assert seen["problems"] == [] and seen["roads"] == 1 and seen["map"] == 1 and seen["width"] <= PHONE["width"]
    assert "150" in seen["refused"]
    assert seen["state"] == PatrolState.DONE
    patrol = Patrol.objects.get(chief=chief)
    assert patrol.points == 2 and patrol.events.filter(action="refused").count() == 1
