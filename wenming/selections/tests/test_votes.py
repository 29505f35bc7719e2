"""The public vote's services: one vote per phone per day (and the same answer to a repeat), the ballot's window,
the flags (burst, rings) and their review, the tally."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wenming.common.errors import IllegalTransition, NotAllowed, WorkflowError
from wenming.common.services.limits import RateLimited
from wenming.selections.models import CallStatus, FlagReason, FlagState, Vote, VoteEvent, VoteFlag, VoteState
from wenming.selections.services import votes as svc
from wenming.selections.vote_selectors import VoteTally, flag_groups, vote_counts, vote_tally

from .conftest import voter, voting_call

pytestmark = pytest.mark.usefixtures("public_setup")

DEVICE = "d" * 22


def phone(i: int) -> str:
    """A mobile number of its own block of 100 (so that only the pattern a test makes is flagged)."""
    return f"13{i:03d}456789"


def cast(nominee, phone="13800138000", *, network="198.51.100.7", device=DEVICE, now=None):
    return svc.vote_cast(call_id=nominee.call_id, nomination_id=nominee.pk, voter=voter(phone, now=now),
                         network=network, device=device, user_agent="Mozilla/5.0", now=now)


def test_a_vote_is_one_row_with_hashes_only(nominees):
    answer = cast(nominees[0])
    assert answer.created and answer.vote.state == VoteState.COUNTED
    row = Vote.objects.get()
    assert row.nomination_id == nominees[0].pk and row.day == timezone.localdate()
    stored = " ".join(str(v) for v in Vote.objects.values().get().values())
    assert "13800138000" not in stored and "198.51.100" not in stored and DEVICE not in stored


def test_a_second_vote_from_one_phone_the_same_day_is_refused_with_the_same_answer(nominees):
    first = cast(nominees[0])
    again = cast(nominees[0])
    other = cast(nominees[1], device="e" * 22, network="203.0.113.9")
    assert not again.created and not other.created
    assert again.vote.pk == other.vote.pk == first.vote.pk
    assert "already" in other.message and f"{nominees[0].number:03d}" in other.message
    assert Vote.objects.count() == 1


def test_the_next_day_the_phone_votes_again(nominees):
    today = timezone.now()
    cast(nominees[0], now=today)
    assert cast(nominees[1], now=today + dt.timedelta(days=1)).created
    assert Vote.objects.count() == 2


def test_a_token_of_yesterday_is_not_a_voter():
    token = svc.voter_token_issue(phone="13800138000", now=timezone.now() - dt.timedelta(days=1))
    assert svc.voter_token_read(token) is None
    assert svc.voter_token_read(token[:-2] + "xx") is None
    assert svc.voter_token_read("") is None


@pytest.mark.parametrize("change", ["status", "before", "after", "held_back", "other_call"])
def test_only_the_ballot_of_an_open_call_takes_votes(db, public_setup, change):
    now = timezone.now()
    kwargs = {"status": {"status": CallStatus.REVIEWING}, "before": {"opens": now + dt.timedelta(hours=1)},
              "after": {"opens": now - dt.timedelta(days=2), "closes": now - dt.timedelta(seconds=1)}}.get(change, {})
    c = voting_call(**kwargs)
    nominee = c.nominations.order_by("number").last() if change == "held_back" else c.nominations.get(number=1)
    call_id = voting_call().pk if change == "other_call" else c.pk
    with pytest.raises(svc.VoteError):
        svc.vote_cast(call_id=call_id, nomination_id=nominee.pk, voter=voter(), network="198.51.100.7", device=DEVICE)
    assert not Vote.objects.exists()


def test_a_vote_without_the_device_cookie_is_refused(nominees):
    with pytest.raises(svc.VoteError):
        cast(nominees[0], device="")
    with pytest.raises(svc.VoteError):
        cast(nominees[0], device="<script>" * 3)


def test_the_network_and_device_rate_limits_refuse(nominees, settings):
    settings.WENMING_PUBLIC_LIMITS = {"vote_network": (3, 3600), "vote_device": (100, 3600)}
    for i in range(3):
        cast(nominees[0], phone=phone(i), device=f"{i}" * 20)
    with pytest.raises(RateLimited):
        cast(nominees[0], phone="13900009999", device="z" * 20)
    settings.WENMING_PUBLIC_LIMITS = {"vote_network": (100, 3600), "vote_device": (2, 3600)}
    cast(nominees[0], phone="13700000001", network="203.0.113.1", device="q" * 20)
    cast(nominees[0], phone="13700000002", network="203.0.113.2", device="q" * 20)
    with pytest.raises(RateLimited):
        cast(nominees[0], phone="13700000003", network="203.0.113.3", device="q" * 20)
    assert Vote.objects.count() == 5


def test_a_burst_from_one_network_is_flagged_whole_and_counted_apart(nominees, settings):
    settings.WENMING_VOTE_BURST_NETWORK_COUNT = 3
    answers = [cast(nominees[i % 2], phone=phone(i), device=f"dev{i:02d}" + "x" * 16) for i in range(5)]
    assert all(a.created for a in answers)
    assert set(Vote.objects.values_list("state", flat=True)) == {VoteState.FLAGGED}
    assert VoteFlag.objects.filter(reason=FlagReason.BURST_NETWORK).count() == 5
    # Another network, at the same time: counted.
    cast(nominees[0], phone="13500000000", network="203.0.113.50", device="y" * 22)
    tally = vote_tally(call=nominees[0].call)
    assert tally[nominees[0].pk] == VoteTally(counted=1, flagged=3)
    assert tally[nominees[1].pk] == VoteTally(counted=0, flagged=2)
    assert vote_counts(call=nominees[0].call) == {nominees[0].pk: 1, nominees[1].pk: 0}


def test_a_burst_outside_the_window_is_not_one(nominees, settings):
    settings.WENMING_VOTE_BURST_NETWORK_COUNT = 2
    start = timezone.now() - dt.timedelta(hours=3)
    for i in range(4):
        cast(nominees[0], phone=phone(i), device=f"dev{i:02d}" + "x" * 16, now=start + dt.timedelta(minutes=11 * i))
    assert not VoteFlag.objects.exists()


def test_one_device_many_phones_is_a_burst(nominees, settings):
    settings.WENMING_VOTE_BURST_DEVICE_COUNT = 2
    for i in range(3):
        cast(nominees[2], phone=phone(i), network=f"203.0.{i}.1")
    assert VoteFlag.objects.filter(reason=FlagReason.BURST_DEVICE).count() == 3


def test_a_ring_of_one_network_24_for_one_nominee(nominees, settings):
    settings.WENMING_VOTE_RING_NETWORK_COUNT = 2
    for i in range(3):
        cast(nominees[0], phone=phone(i), network=f"192.0.2.{10 + i}", device=f"r{i}" + "x" * 20)
    cast(nominees[1], phone="13822229999", network="192.0.2.99", device="s" * 22)  # another nominee: not in the ring
    flags = VoteFlag.objects.filter(reason=FlagReason.RING_NETWORK)
    assert flags.count() == 3 and len({f.subject for f in flags}) == 1
    assert Vote.objects.get(nomination=nominees[1]).state == VoteState.COUNTED


def test_phones_of_one_number_block_voting_together(nominees, settings):
    settings.WENMING_VOTE_RING_BLOCK_COUNT = 2
    for i in range(3):  # 139123456 00…02: one block of 100 numbers, from three networks and devices
        cast(nominees[0], phone=f"139123456{i:02d}", network=f"203.0.{i}.7", device=f"b{i}" + "x" * 20)
    cast(nominees[0], phone="13912345700", network="203.0.9.7", device="c" * 22)  # the next block
    assert VoteFlag.objects.filter(reason=FlagReason.RING_BLOCK).count() == 3


def _burst(nominees, settings, n=4):
    settings.WENMING_VOTE_BURST_NETWORK_COUNT = 2
    for i in range(n):
        cast(nominees[0], phone=phone(i), device=f"dev{i:02d}" + "x" * 16)
    (group,) = flag_groups(call=nominees[0].call)
    return group


def test_a_reviewer_clears_a_group_and_its_votes_count(nominees, settings, people):
    group = _burst(nominees, settings)
    assert group.votes == 4 and group.nominations == [(1, nominees[0].name, 4)]
    event = svc.vote_group_decide(call_id=nominees[0].call_id, reason=group.reason, subject=group.subject,
                                  decision=FlagState.CLEARED, note="同一单位集体投票，已核实", actor=people["zhiban"],
                                  expected_last=group.last_flag)
    assert event.votes == 4 and VoteEvent.objects.count() == 1
    assert vote_tally(call=nominees[0].call)[nominees[0].pk] == VoteTally(counted=4, flagged=0)
    assert not flag_groups(call=nominees[0].call)
    # A cleared vote is not flagged again for the same reason; a new vote of the network is.
    cast(nominees[0], phone="13600009999", device="n" * 22)
    assert VoteFlag.objects.filter(state=FlagState.OPEN).count() == 1
    with pytest.raises(IllegalTransition):
        svc.vote_group_decide(call_id=nominees[0].call_id, reason=group.reason, subject=group.subject,
                              decision=FlagState.CLEARED, note="x", actor=people["zhiban"],
                              expected_last=group.last_flag)


def test_a_reviewer_voids_a_group(nominees, settings, people):
    group = _burst(nominees, settings)
    svc.vote_group_decide(call_id=nominees[0].call_id, reason=group.reason, subject=group.subject,
                          decision=FlagState.VOIDED, note="刷票", actor=people["admin"], expected_last=group.last_flag)
    assert set(Vote.objects.values_list("state", flat=True)) == {VoteState.VOID}
    assert vote_tally(call=nominees[0].call)[nominees[0].pk] == VoteTally(counted=0, flagged=0)


def test_a_stale_or_unnoted_or_unauthorised_decision_changes_nothing(nominees, settings, people):
    group = _burst(nominees, settings)
    kwargs = {"call_id": nominees[0].call_id, "reason": group.reason, "subject": group.subject,
              "decision": FlagState.VOIDED}
    with pytest.raises(svc.StaleVotes):
        svc.vote_group_decide(**kwargs, note="刷票", actor=people["zhiban"], expected_last=group.last_flag - 1)
    with pytest.raises(WorkflowError):
        svc.vote_group_decide(**kwargs, note=" \x00 ", actor=people["zhiban"], expected_last=group.last_flag)
    with pytest.raises(NotAllowed):
        svc.vote_group_decide(**kwargs, note="刷票", actor=people["chengguan"], expected_last=group.last_flag)
    with pytest.raises(WorkflowError):
        svc.vote_group_decide(**{**kwargs, "decision": "open"}, note="x", actor=people["zhiban"],
                              expected_last=group.last_flag)
    assert not VoteEvent.objects.exists() and VoteFlag.objects.filter(state=FlagState.OPEN).count() == 4


def test_a_vote_in_two_groups_counts_only_when_both_are_cleared(nominees, settings, people):
    settings.WENMING_VOTE_BURST_NETWORK_COUNT = 1
    settings.WENMING_VOTE_BURST_DEVICE_COUNT = 1
    for i in range(2):
        cast(nominees[0], phone=phone(i))
    groups = {g.reason: g for g in flag_groups(call=nominees[0].call)}
    assert set(groups) == {FlagReason.BURST_NETWORK, FlagReason.BURST_DEVICE}
    g = groups[FlagReason.BURST_NETWORK]
    svc.vote_group_decide(call_id=nominees[0].call_id, reason=g.reason, subject=g.subject, decision=FlagState.CLEARED,
                          note="ok", actor=people["zhiban"], expected_last=g.last_flag)
    assert set(Vote.objects.values_list("state", flat=True)) == {VoteState.FLAGGED}
    g = groups[FlagReason.BURST_DEVICE]
    svc.vote_group_decide(call_id=nominees[0].call_id, reason=g.reason, subject=g.subject, decision=FlagState.CLEARED,
                          note="ok", actor=people["zhiban"], expected_last=g.last_flag)
    assert set(Vote.objects.values_list("state", flat=True)) == {VoteState.COUNTED}


def test_network_prefix():
    assert svc.network_prefix("198.51.100.7") == "198.51.100.0/24"
    assert svc.network_prefix("2001:db8::/64") == "2001:db8::/64"
    assert svc.network_prefix("") == ""


def test_repeats_and_refused_requests_count_against_the_limits(nominees, settings):
    settings.WENMING_PUBLIC_LIMITS = {"vote_network": (3, 3600), "vote_device": (100, 3600)}
    cast(nominees[0])
    cast(nominees[0])  # a repeat: no row, but a request
    with pytest.raises(svc.VoteError):
        svc.vote_cast(call_id=nominees[0].call_id, nomination_id=10**12, voter=voter(), network="198.51.100.7",
                      device=DEVICE)
    with pytest.raises(RateLimited):
        cast(nominees[1], phone=phone(5))
    assert Vote.objects.count() == 1


# -- review findings: the notice waits for the review, decisions only during the vote, the frozen count ---------

def test_the_notice_is_refused_while_flagged_votes_await_review(nominees, settings, people):
    from wenming.selections.services.calls import call_step
    from wenming.selections.services.errors import SelectionError

    group = _burst(nominees, settings)
    call = nominees[0].call
    call.refresh_from_db()
    with pytest.raises(SelectionError, match="review the flagged votes first"):
        call_step(call_id=call.pk, actor=people["zhiban"], action_key="notice", expected_version=call.version)
    call.refresh_from_db()
    assert call.status == CallStatus.VOTING
    svc.vote_group_decide(call_id=call.pk, reason=group.reason, subject=group.subject, decision=FlagState.CLEARED,
                          note="已核实", actor=people["zhiban"], expected_last=group.last_flag)
    with pytest.raises(WorkflowError) as refused:  # now past the flags (the experts have not scored here)
        call_step(call_id=call.pk, actor=people["zhiban"], action_key="notice", expected_version=call.version)
    assert "flagged" not in str(refused.value)


def test_no_group_decision_once_the_vote_is_over(nominees, settings, people):
    group = _burst(nominees, settings)
    type(nominees[0].call).objects.filter(pk=nominees[0].call_id).update(status=CallStatus.NOTICE)
    with pytest.raises(IllegalTransition):
        svc.vote_group_decide(call_id=nominees[0].call_id, reason=group.reason, subject=group.subject,
                              decision=FlagState.CLEARED, note="已核实", actor=people["zhiban"],
                              expected_last=group.last_flag)
    assert VoteFlag.objects.filter(state=FlagState.OPEN).count() == 4 and not VoteEvent.objects.exists()
    assert set(Vote.objects.values_list("state", flat=True)) == {VoteState.FLAGGED}


def test_the_tally_counts_only_votes_cast_before_the_vote_closed(nominees):
    now = timezone.now()
    cast(nominees[0], phone=phone(1), now=now - dt.timedelta(minutes=5))
    cast(nominees[0], phone=phone(2), device="e" * 22, network="203.0.113.9", now=now)
    call = nominees[0].call
    call.vote_closes = now  # the notice froze the count at this moment
    assert vote_counts(call=call) == {nominees[0].pk: 1}


def test_flag_groups_list_each_groups_nominees(nominees, settings):
    settings.WENMING_VOTE_BURST_NETWORK_COUNT = 1
    settings.WENMING_VOTE_BURST_DEVICE_COUNT = 100
    cast(nominees[0], phone=phone(1), device="a" * 22)
    cast(nominees[1], phone=phone(2), device="b" * 22)
    cast(nominees[1], phone=phone(3), device="c" * 22, network="203.0.113.9")
    cast(nominees[1], phone=phone(4), device="f" * 22, network="203.0.113.9")
    groups = flag_groups(call=nominees[0].call)
    assert sorted(g.nominations for g in groups) == sorted([
        [(1, nominees[0].name, 1), (2, nominees[1].name, 1)], [(2, nominees[1].name, 2)]])
