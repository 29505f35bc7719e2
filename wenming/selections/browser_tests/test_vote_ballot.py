"""On a phone-sized screen (390×844) a citizen opens the public votes, verifies the phone with an SMS code, votes
for a nominee on the ballot and sees the count; a second try the same day is answered "voted today"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from wenming.cases.browser_tests.conftest import SHOTS
from wenming.conftest import photo_bytes
from wenming.org.models import Area, AreaLevel, Unit
from wenming.public.tests import sms
from wenming.selections.models import (
    Call,
    CallStatus,
    Nomination,
    NominationPhoto,
    NominationStatus,
    NominatorKind,
    SelectionKind,
    Vote,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "13912345678"
PHONE_SIZE = {"width": 390, "height": 844}
@pytest.fixture
def ballot_setup(settings, tmp_path, committed_city):
    """Uploads in a temporary folder, SMS kept in memory, the counts uncached."""
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WENMING_SMS_BACKEND = "wenming.public.tests.sms.RecordingSMSBackend"
    settings.WENMING_VOTE_TALLY_SECONDS = 0
    sms.OUTBOX.clear()
    cache.clear()
    yield
    cache.clear()


def voting_call() -> Call:
    now = timezone.now()
    kind, _created = SelectionKind.objects.get_or_create(code="zmld", defaults={"name": "最美楼道", "subject": "site"})
    call = Call.objects.create(kind=kind, title="2026年度“最美楼道”评选", organiser=Unit.objects.order_by("pk").first(),
                               status=CallStatus.VOTING, nominations_open=now - dt.timedelta(days=30),
                               nominations_close=now - dt.timedelta(days=10), vote_opens=now - dt.timedelta(days=1),
                               vote_closes=now + dt.timedelta(days=6))
    communities = Area.objects.filter(level=AreaLevel.COMMUNITY).order_by("code")
    for i, name in enumerate(["阳光小区3号楼2单元", "和平里社区7号楼1单元", "滏阳花园12号楼3单元"]):
        nomination = Nomination.objects.create(
            call=call, number=i + 1, name=name, area=communities[i * 5], nominator_kind=NominatorKind.COMMUNITY,
            statement="楼道无杂物、无小广告，居民自发种植绿植，定期开展邻里议事，老人上下楼有扶手。",
            status=NominationStatus.SHORTLISTED)
        NominationPhoto.objects.create(nomination=nomination, file=ContentFile(
            photo_bytes(size=(640, 420), pattern=i + 3, color=(60 + 50 * i, 120, 160)), name=f"s{i}.png"))
    return call


def vote_on_a_phone(browser, base: str) -> dict:
    context = browser.new_context(viewport=PHONE_SIZE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(f"{base}/")
    with page.expect_navigation():
        page.click("#nav-votes")
    with page.expect_navigation():
        page.click("#vote-calls a")
    page.wait_for_function("() => Array.from(document.querySelectorAll('.nominee img'))"
                           ".every(i => i.complete && i.naturalWidth > 0)")
    page.fill("input[name=phone]", PHONE)
    page.click("#send-code")
    page.wait_for_function("() => document.getElementById('code-status').textContent.length > 0")
    page.fill("input[name=code]", sms.last_code(PHONE))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "vote-ballot-phone.png"), full_page=True)
    with page.expect_navigation():
        page.click("#verify")
    buttons = page.locator(".vote-button").count()
    with page.expect_navigation():
        page.click("#nominee-2 .vote-button")
    result = {
        "buttons": buttons, "after_buttons": page.locator(".vote-button").count(),
        "voted": page.inner_text("#voted-today"), "messages": page.inner_text("ul.messages"),
        "count": page.get_attribute("#nominee-2 .vote-count", "data-counted"),
        "count_text": page.inner_text("#nominee-2 .vote-count"), "text": page.inner_text("main"),
        "width": page.evaluate("() => document.documentElement.scrollWidth"), "problems": problems,
    }
    page.screenshot(path=str(SHOTS / "vote-voted-phone.png"), full_page=True)
    context.close()
    return result


def test_a_citizen_votes_on_a_phone(browser_thread, live_server, ballot_setup):
    call = voting_call()
    result = browser_thread.run(vote_on_a_phone, live_server.url)
    assert result["problems"] == []
    assert result["width"] <= PHONE_SIZE["width"]  # nothing wider than the phone
    assert result["buttons"] == 3 and result["after_buttons"] == 0
    vote = Vote.objects.get()
    assert vote.call_id == call.pk and vote.nomination.number == 2 and vote.state == "counted"
    assert result["count"] == "1" and "002" in result["voted"] and "002" in result["messages"]
    assert PHONE not in result["text"] and "139****5678" not in result["text"]
    # the page speaks Chinese: no English msgid of the ballot left
    assert "1 票" in result["count_text"] and "今天已投票" in result["voted"]
    assert not re.search(r"\b(vote|votes|Vote|verified|today)\b", result["text"])


def review_page(browser, base: str, call_id: int) -> dict:
    from wenming.cases.browser_tests.test_case_walk import login  # noqa: PLC0415 (the walks' login, shared)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    login(page, base, "zhiban")
    page.goto(f"{base}/selections/votes/{call_id}/")
    page.fill("#group-1 textarea[name=note]", "同一单位集体投票，已电话核实")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "vote-review.png"), full_page=True)
    with page.expect_navigation():
        page.click("#group-1 button[value=cleared]")
    result = {"messages": page.inner_text("ul.messages"), "groups": page.locator(".flag-group").count(),
              "text": page.inner_text("main")}
    context.close()
    return result


def test_a_reviewer_clears_a_burst(browser_thread, live_server, ballot_setup, settings):
    from wenming.selections.services.votes import vote_cast  # noqa: PLC0415
    from wenming.selections.tests.conftest import voter  # noqa: PLC0415

    settings.WENMING_VOTE_BURST_NETWORK_COUNT = 2
    call = voting_call()
    nominee = call.nominations.get(number=1)
    for i in range(4):
        vote_cast(call_id=call.pk, nomination_id=nominee.pk, voter=voter(f"13{i:03d}456789"), network="172.16.8.20",
                  device=f"device-{i:02d}-abcdefghijkl")
    result = browser_thread.run(review_page, live_server.url, call.pk)
    assert result["groups"] == 0 and "4" in result["messages"]
    assert Vote.objects.filter(state="counted").count() == 4
    assert "核查通过" in result["messages"] and not re.search(r"\b(votes|Counted|Decision)\b", result["text"])
