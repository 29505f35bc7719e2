"""On a phone, the area leader of 桃城区 opens a volunteer organisation from the volunteer service page, creates a team,
puts a member in it and opens the team page; a citizen opens the organisation's public page from the calendar and
sees its teams and activities, nobody's name."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wenming.cases.browser_tests.test_case_walk import login
from wenming.org.models import Area
from wenming.volunteers.models import Activity, HostKind, Membership, Organisation, Project, Team, Theme
from wenming.volunteers.services.registration import volunteer_register

from .test_volunteer_walk import PHONE, SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context(browser):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    return context, page, problems


def organisation_walk(browser, base: str, organisation_id: int, membership_id: int) -> dict:
    context, page, problems = _context(browser)
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, base, "taocheng")
    page.goto(f"{base}/volunteers/manage/")
    with page.expect_navigation():
        page.click(f"#organisation-table tr[data-organisation='{organisation_id}'] a")
    page.fill("#team-form input[name=name]", "人民路交通劝导队")
    with page.expect_navigation():
        page.click("#team-form button[type=submit]")
    page.select_option(f"#member-table tr[data-membership='{membership_id}'] select", label="人民路交通劝导队")
    with page.expect_navigation():
        page.click(f"#member-table tr[data-membership='{membership_id}'] button")
    seen = {"teams": page.inner_text("#team-table"), "width": page.evaluate("() => document.body.scrollWidth")}
    page.screenshot(path=str(SHOTS / "organisation-phone.png"), full_page=True)
    with page.expect_navigation():
        page.click("#team-table a")
    seen["members"] = page.inner_text("#member-table")
    page.screenshot(path=str(SHOTS / "team-phone.png"), full_page=True)
    context.close()
    context, page, public_problems = _context(browser)
    page.goto(f"{base}/volunteers/")
    with page.expect_navigation():
        page.click(f"#activity-list a[href='/volunteers/organisations/{organisation_id}/']")
    seen["public"] = page.inner_text("main")
    seen["public_width"] = page.evaluate("() => document.documentElement.scrollWidth")
    page.screenshot(path=str(SHOTS / "organisation-public-phone.png"), full_page=True)
    context.close()
    seen["problems"] = problems + public_problems
    return seen


def test_an_organiser_builds_a_team_and_the_public_sees_the_organisation(browser_thread, live_server,
                                                                        committed_city):
    county = Area.objects.get(code="131102")
    org = Organisation.objects.create(name="桃城区新时代文明实践中心志愿服务队", host_kind=HostKind.PRACTICE_CENTRE,
                                      area=county, area_path=county.path, requires_real_name=False)
    project = Project.objects.create(organisation=org, name="文明交通劝导", theme=Theme.TRAFFIC)
    starts = timezone.now() + dt.timedelta(days=2)
    Activity.objects.create(project=project, organisation=org, theme=project.theme, title="人民路口文明劝导",
                            place="人民路与育才街路口", lng=county.lng, lat=county.lat, area=county,
                            area_path=county.path, starts_at=starts, ends_at=starts + dt.timedelta(hours=2), slots=10)
    volunteer = volunteer_register(phone="13955557777", name="钱志愿", birth_date=dt.date(1990, 2, 1),
                                   organisation_id=org.pk)
    membership = Membership.objects.get(volunteer=volunteer)
    seen = browser_thread.run(organisation_walk, live_server.url, org.pk, membership.pk)
    assert seen["problems"] == []
    assert Membership.objects.get(pk=membership.pk).team == Team.objects.get(name="人民路交通劝导队")
    assert "人民路交通劝导队" in seen["teams"] and "钱志愿" in seen["members"] and "3955557777" not in seen["members"]
    assert "人民路交通劝导队" in seen["public"] and "人民路口文明劝导" in seen["public"]
    assert "钱志愿" not in seen["public"] and "7777" not in seen["public"]
    assert seen["public_width"] <= PHONE["width"]
