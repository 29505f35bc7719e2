"""The selection walk on phones and desks: a community (wangge, a grid worker of her community) nominates a 最美楼道
with a photo, the organiser (zhiban) closes nominations and runs the qualification check (it passes), two experts
declare no conflict and score, the organiser confirms the winner (公示) and publishes it, and the winner shows on the
public 晾晒 page.

The public vote sits between scoring and publication: ``BETWEEN_SCORING_AND_PUBLICATION`` is the list of steps run
there (the vote helper appends its "citizens vote on a phone" step, opening the vote first). With no step there the
call runs without a vote and the ranking is the expert score alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from wenming.cases.browser_tests.conftest import EXTRA_SHOTS
from wenming.cases.browser_tests.test_case_walk import PASSWORD, login, logout
from wenming.common.access import restrict
from wenming.common.roles import Role
from wenming.conftest import photo_bytes
from wenming.inspections.browser_tests.test_inspection_walk import _watch
from wenming.org.models import Person, RoleAssignment, Site, Unit
from wenming.public.tests import sms
from wenming.selections.models import (
    Call,
    CallStatus,
    Nomination,
    NominationStatus,
    SelectionKind,
    Vote,
    VoteState,
)
from wenming.selections.services import calls as call_services
from wenming.selections.services.kinds import STANDARD_KINDS
from wenming.selections.services.ranking import call_votes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = EXTRA_SHOTS / "selections"
PHONE = {"width": 390, "height": 844}
EXPERTS = ("zhuanjia_a", "zhuanjia_b")
# Steps run after the experts scored and before the organiser confirms the winners: (browser, base, call_id) → dict.
BETWEEN_SCORING_AND_PUBLICATION: list[Callable] = []


def _phone_page(browser):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    return context, page


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def nominate_step(browser, base: str, call_id: int, site_id: int, photo: str) -> dict:
    """wangge, on her phone, nominates a stairwell of her community with a photo."""
    context, page = _phone_page(browser)
    SHOTS.mkdir(parents=True, exist_ok=True)
    login(page, base, "wangge")
    page.goto(f"{base}/selections/{call_id}/")
    _submit(page, "#nominate")
    page.select_option("select[name=site]", str(site_id))
    page.fill("input[name=name]", "幸福里小区3号楼2单元楼道")
    page.fill("textarea[name=statement]", "楼道干净整洁，无堆物，邻里自发打扫，张贴文明公约。")
    page.set_input_files("input[name=photos]", photo)
    page.screenshot(path=str(SHOTS / "nominate-phone.png"), full_page=True)
    _submit(page, "#nomination-submit")
    seen = {"status": page.get_attribute("#nomination-status", "data-status"), "photos": page.locator(".photos img")
            .count(), "problems": page.problems}
    page.screenshot(path=str(SHOTS / "nominated-phone.png"), full_page=True)
    context.close()
    return seen


def qualify_step(browser, base: str, call_id: int, nomination_id: int) -> dict:
    """zhiban closes nominations and runs the qualification check on the entry."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    login(page, base, "zhiban")
    page.goto(f"{base}/selections/{call_id}/")
    _submit(page, "#step-close")
    page.goto(f"{base}/selections/nominations/{nomination_id}/")
    _submit(page, "#run-qualification")
    seen = {"passed": page.locator("#passed").count(), "status": page.get_attribute("#nomination-status",
                                                                                     "data-status"),
            "problems": page.problems}
    page.screenshot(path=str(SHOTS / "qualified.png"), full_page=True)
    context.close()
    return seen


def score_step(browser, base: str, nomination_id: int, username: str, points: tuple[int, int]) -> dict:
    """An expert, on a phone: finds the entry in 我的评审, declares no conflict, scores; the score then locks."""
    context, page = _phone_page(browser)
    login(page, base, username)
    page.goto(f"{base}/selections/review/")
    _submit(page, f"a[href='/selections/nominations/{nomination_id}/']")
    page.check("#declare-form input[value=no]")
    _submit(page, "#declare-submit")
    inputs = page.locator("#score-form input[type=number]")
    for i, value in enumerate(points):
        inputs.nth(i).fill(str(value))
    page.screenshot(path=str(SHOTS / f"score-{username}-phone.png"), full_page=True)
    _submit(page, "#score-submit")
    seen = {"locked": page.locator("#my-score").count(), "problems": page.problems}
    logout(page, base)
    context.close()
    return seen


def notice_step(browser, base: str, call_id: int) -> dict:
    """zhiban reads the ranking and confirms the proposed winner: the public notice (公示) starts."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    login(page, base, "zhiban")
    page.goto(f"{base}/selections/{call_id}/")
    seen = {"proposed": page.locator("#ranking tr.proposed").count()}
    page.screenshot(path=str(SHOTS / "ranking.png"), full_page=True)
    _submit(page, "#step-notice")
    seen.update(status=page.get_attribute("#call-status", "data-status"), problems=page.problems)
    context.close()
    return seen


def publish_step(browser, base: str, call_id: int) -> dict:
    """After the notice: zhiban publishes; a citizen on a phone reads the 晾晒 page and the winner's page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    login(page, base, "zhiban")
    page.goto(f"{base}/selections/{call_id}/")
    _submit(page, "#step-publish")
    seen = {"status": page.get_attribute("#call-status", "data-status"), "problems": page.problems}
    context.close()
    context, page = _phone_page(browser)
    page.goto(f"{base}/")
    page.goto(f"{base}/results/")
    seen["winners"] = page.locator(f".result-call[data-call='{call_id}'] article.entry").count()
    # The board's photos load lazily: bring this call's into view, then wait for them to decode.
    photos = page.locator(f".result-call[data-call='{call_id}'] img")
    for index in range(photos.count()):
        photos.nth(index).scroll_into_view_if_needed()
    try:
        page.wait_for_function("(id) => { const imgs = [...document.querySelectorAll("
                               "`.result-call[data-call='${id}'] img`)];"
                               " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); }",
                               arg=call_id, timeout=10000)
        seen["photo_loaded"] = True
    except PlaywrightTimeout:
        seen["photo_loaded"] = False
    page.screenshot(path=str(SHOTS / "results-phone.png"), full_page=True)
    _submit(page, f".result-call[data-call='{call_id}'] article.entry h3 a")
    seen["winner_page"] = page.inner_text("h1")
    page.screenshot(path=str(SHOTS / "winner-phone.png"), full_page=True)
    seen["problems"] += page.problems
    context.close()
    return seen


VOTER_PHONE = "13912345678"


def _open_vote(browser, base: str, call_id: int) -> dict:
    """zhiban opens the public vote from the call page: the qualified nominee goes on the ballot."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20000)
    _watch(page)
    login(page, base, "zhiban")
    page.goto(f"{base}/selections/{call_id}/")
    _submit(page, "#step-open_vote")
    seen = {"status": page.get_attribute("#call-status", "data-status"), "problems": page.problems}
    context.close()
    return seen


def _citizen_votes(browser, base: str, call_id: int) -> dict:
    """A citizen on a phone opens the ballot, gets an SMS code, verifies, votes and sees the count."""
    context, page = _phone_page(browser)
    page.goto(f"{base}/selections/vote/{call_id}/")
    page.fill("input[name=phone]", VOTER_PHONE)
    page.click("#send-code")
    page.wait_for_function("() => document.getElementById('code-status').textContent.length > 0")
    page.fill("input[name=code]", sms.last_code(VOTER_PHONE))
    _submit(page, "#verify")
    _submit(page, ".nominee .vote-button")
    seen = {"voted": page.locator("#voted-today").count(),
            "count": page.get_attribute(".nominee .vote-count", "data-counted"),
            "width": page.evaluate("() => document.documentElement.scrollWidth")}
    page.screenshot(path=str(SHOTS / "vote-phone.png"), full_page=True)
    seen["problems"] = page.problems
    context.close()
    return seen


def public_vote_step(browser_thread, base: str, call_id: int) -> dict:
    """The public vote (wt-vote): the organiser opens it, a citizen votes on a phone (390×844) with an SMS-verified
    number and sees the count; the counted vote reaches the ranking."""
    opened = browser_thread.run(_open_vote, base, call_id)
    assert opened["status"] == CallStatus.VOTING, opened
    sms.OUTBOX.clear()
    with override_settings(WENMING_SMS_BACKEND="wenming.public.tests.sms.RecordingSMSBackend",
                           WENMING_VOTE_TALLY_SECONDS=0):
        voted = browser_thread.run(_citizen_votes, base, call_id)
    assert voted["voted"] == 1 and voted["count"] == "1" and voted["width"] <= PHONE["width"], voted
    assert Vote.objects.filter(call_id=call_id, state=VoteState.COUNTED).count() == 1
    assert call_votes(Call.objects.get(pk=call_id)) == {Nomination.objects.get(call_id=call_id).pk: 1}
    return {"problems": opened["problems"] + voted["problems"]}


BETWEEN_SCORING_AND_PUBLICATION.append(public_vote_step)


def test_a_community_nominates_a_stairwell_and_it_is_published(browser_thread, live_server, committed_city,
                                                               settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    for code, name, subject, integrity in STANDARD_KINDS:
        SelectionKind.objects.get_or_create(code=code, defaults={"name": name, "subject": subject,
                                                                 "integrity": integrity})
    zhiban, wangge = Person.objects.get(username="zhiban"), Person.objects.get(username="wangge")
    for username in EXPERTS:
        expert = Person.objects.create_user(username=username, password=PASSWORD, is_staff=True)
        RoleAssignment.objects.create(person=expert, role=Role.UNIT_HANDLER, unit=Unit.objects.get(code="WMB"))
    from wenming.org.models import Area, AreaLevel  # noqa: PLC0415
    from wenming.selections.tests.conftest import call_values  # noqa: PLC0415 (the tests' call, shared)

    call = call_services.call_create(actor=zhiban, values=call_values(
        SelectionKind.objects.get(code="zmld"), list(Area.objects.filter(level=AreaLevel.COUNTY))))
    for username in EXPERTS:
        call_services.panel_member_add(call_id=call.pk, actor=zhiban, username=username)
    call = call_services.call_step(call_id=call.pk, actor=zhiban, action_key="open", expected_version=call.version)
    site = restrict(Site.objects.filter(area__isnull=False), wangge).order_by("code").first()
    photo = tmp_path / "louda.png"
    photo.write_bytes(photo_bytes(size=(640, 480), pattern=6))

    nominated = browser_thread.run(nominate_step, live_server.url, call.pk, site.pk, str(photo))
    assert nominated == {"status": NominationStatus.SUBMITTED, "photos": 1, "problems": []}
    nomination = Nomination.objects.get(call=call)
    assert nomination.nominator_kind == "community" and nomination.site == site

    qualified = browser_thread.run(qualify_step, live_server.url, call.pk, nomination.pk)
    assert qualified == {"passed": 1, "status": NominationStatus.QUALIFIED, "problems": []}

    for username, points in zip(EXPERTS, [(55, 35), (50, 30)], strict=True):
        scored = browser_thread.run(score_step, live_server.url, nomination.pk, username, points)
        assert scored == {"locked": 1, "problems": []}

    for vote_step in BETWEEN_SCORING_AND_PUBLICATION:  # the public vote (wt-vote)
        assert vote_step(browser_thread, live_server.url, call.pk).get("problems", []) == []

    noticed = browser_thread.run(notice_step, live_server.url, call.pk)
    assert noticed == {"proposed": 1, "status": CallStatus.NOTICE, "problems": []}
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.IN_NOTICE and nomination.expert_average == 85
    assert nomination.votes == 1  # the citizen's counted vote reached the ranking (the public vote step)
    # The notice runs its working days; the walk does not wait a week.
    Call.objects.filter(pk=call.pk).update(notice_ends_on=timezone.localdate() - dt.timedelta(days=1))

    published = browser_thread.run(publish_step, live_server.url, call.pk)
    assert published["problems"] == [] and published["status"] == CallStatus.PUBLISHED
    assert published["winners"] == 1 and published["photo_loaded"] and published["winner_page"] == nomination.name
