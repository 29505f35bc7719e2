"""The public vote's pages: the ballot on a phone, the SMS check, the vote and its repeat, the refusals (403, 429),
and the reviewers' pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wenming.public.tests import sms
from wenming.selections.models import FlagState, Vote, VoteEvent, VoteFlag
from wenming.selections.vote_views import DEVICE_COOKIE

pytestmark = pytest.mark.usefixtures("public_setup")

PHONE = "13800138000"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    settings.WENMING_VOTE_TALLY_SECONDS = 0  # the counts as they are, not as cached a few seconds ago


def verified(client, call, phone=PHONE):
    client.get(reverse("selections:vote_ballot", args=[call.pk]))
    assert client.post(reverse("public:code"), {"phone": phone}).status_code == 200
    response = client.post(reverse("selections:vote_verify", args=[call.pk]), {"phone": phone,
                                                                              "code": sms.last_code(phone)})
    assert response.status_code == 302, response.content.decode()
    return client


def test_the_ballot_lists_the_nominees_and_sets_the_device_cookie(client, call, nominees):
    response = client.get(reverse("selections:vote_ballot", args=[call.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and DEVICE_COOKIE in response.cookies
    assert all(n.name in page for n in nominees) and "幸福小区4号楼" not in page  # held back: not on the ballot
    assert 'id="voter-form"' in page and "vote-button" not in page
    assert call.title in client.get(reverse("selections:vote_calls")).content.decode()


def test_a_call_not_in_its_vote_has_no_ballot(client, call):
    call.status = "reviewing"
    call.save()
    assert client.get(reverse("selections:vote_ballot", args=[call.pk])).status_code == 404


def test_verify_vote_and_repeat(client, call, nominees):
    verified(client, call)
    page = client.get(reverse("selections:vote_ballot", args=[call.pk])).content.decode()
    assert "138****8000" in page and "vote-button" in page and PHONE not in page
    url = reverse("selections:vote_cast", args=[call.pk])
    first = client.post(url, {"nomination": nominees[1].pk}, **JSON)
    assert first.status_code == 201 and first.json()["accepted"]
    again = client.post(url, {"nomination": nominees[0].pk}, **JSON)
    assert again.status_code == 200 and not again.json()["accepted"]
    assert "already" in again.json()["message"] and "002" in again.json()["message"]
    assert Vote.objects.count() == 1
    page = client.get(reverse("selections:vote_ballot", args=[call.pk])).content.decode()
    assert 'id="voted-today"' in page and "vote-button" not in page and "1 votes" in page


def test_a_plain_form_post_is_redirected_with_the_answer(client, call, nominees):
    verified(client, call)
    response = client.post(reverse("selections:vote_cast", args=[call.pk]), {"nomination": nominees[0].pk},
                           follow=True)
    assert response.redirect_chain[0][1] == 302 and "is recorded" in response.content.decode()


def test_a_wrong_code_does_not_verify(client, call):
    client.post(reverse("public:code"), {"phone": PHONE})
    response = client.post(reverse("selections:vote_verify", args=[call.pk]), {"phone": PHONE, "code": "000000"
                           if sms.last_code(PHONE) != "000000" else "111111"})
    assert response.status_code == 400 and "wrong" in response.content.decode()
    assert "selections_voter" not in client.session


def test_voting_without_a_verified_phone_is_refused(client, call, nominees):
    client.get(reverse("selections:vote_ballot", args=[call.pk]))
    response = client.post(reverse("selections:vote_cast", args=[call.pk]), {"nomination": nominees[0].pk}, **JSON)
    assert response.status_code == 403 and not Vote.objects.exists()


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999999999999999999", "1.5"])
def test_a_hostile_nominee_is_refused(client, call, value):
    verified(client, call)
    response = client.post(reverse("selections:vote_cast", args=[call.pk]), {"nomination": value}, **JSON)
    assert response.status_code == 400 and not Vote.objects.exists()


def test_past_the_network_limit_the_answer_is_429(client, call, nominees, settings):
    settings.WENMING_PUBLIC_LIMITS = {"vote_network": (1, 3600)}
    verified(client, call)
    url = reverse("selections:vote_cast", args=[call.pk])
    assert client.post(url, {"nomination": nominees[0].pk}, **JSON).status_code == 201
    refused = client.post(url, {"nomination": nominees[0].pk}, **JSON)
    assert refused.status_code == 429 and refused["Retry-After"] and "network" in refused.json()["message"]
    page = client.post(url, {"nomination": nominees[0].pk})
    assert page.status_code == 429 and "network" in page.content.decode()


def test_the_vote_needs_the_csrf_token(call, nominees):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("selections:vote_cast", args=[call.pk]), {"nomination": nominees[0].pk}).status_code == 403


def test_flagged_votes_show_apart_and_a_reviewer_decides(client, call, nominees, settings, people):
    settings.WENMING_VOTE_BURST_NETWORK_COUNT = 1
    for phone in ["13800138000", "13911112222"]:
        c = verified(client.__class__(HTTP_ACCEPT_LANGUAGE="en"), call, phone)
        c.post(reverse("selections:vote_cast", args=[call.pk]), {"nomination": nominees[0].pk}, **JSON)
    page = client.get(reverse("selections:vote_ballot", args=[call.pk])).content.decode()
    assert "0 votes (another 2 awaiting review)" in page
    client.force_login(people["zhiban"])
    review = client.get(reverse("selections:vote_review", args=[call.pk]))
    assert review.status_code == 200 and "Burst from one network" in review.content.decode()
    flag = VoteFlag.objects.order_by("-pk").first()
    response = client.post(reverse("selections:vote_decide", args=[call.pk]), {
        "reason": flag.reason, "subject": flag.subject, "expected_last": flag.pk, "decision": FlagState.CLEARED,
        "note": "单位集体投票"}, follow=True)
    assert "2 votes" in response.content.decode() and VoteEvent.objects.count() == 1
    assert client.get(reverse("selections:vote_review_calls")).status_code == 200


def test_a_decision_without_a_note_changes_nothing(client, call, people):
    client.force_login(people["zhiban"])
    response = client.post(reverse("selections:vote_decide", args=[call.pk]), {
        "reason": "burst_network", "subject": "x", "expected_last": 1, "decision": "voided", "note": ""}, follow=True)
    assert "Note" in response.content.decode() and not VoteEvent.objects.exists()


@pytest.mark.parametrize("username", ["chengguan", "jiedao", "anfang"])
def test_the_review_is_the_command_centres(client, call, people, username):
    client.force_login(people[username])
    assert client.get(reverse("selections:vote_review", args=[call.pk])).status_code == 404
    assert client.get(reverse("selections:vote_review_calls")).status_code == 404
    assert client.post(reverse("selections:vote_decide", args=[call.pk]), {}).status_code == 404
