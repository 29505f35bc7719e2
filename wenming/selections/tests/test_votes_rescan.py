"""The worker's periodic re-scan of the public vote's patterns (``vote_flags_rescan``): a pattern over its limit that
no vote flagged is flagged, in the same review group a vote's own check would use; idempotent; never again once
decided; only calls in their vote."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wenming.selections.models import CallStatus, FlagReason, FlagState, Vote, VoteFlag, VoteState
from wenming.selections.services import votes as svc
from wenming.selections.tasks import scan_vote_flags
from wenming.selections.vote_selectors import flag_groups

from .conftest import voter

pytestmark = pytest.mark.usefixtures("public_setup")
DEVICE = "d" * 22


def phone(i: int) -> str:
    return f"13{i:03d}456789"


def cast(nominee, number, *, network="198.51.100.7", device=DEVICE, now=None):
    return svc.vote_cast(call_id=nominee.call_id, nomination_id=nominee.pk, voter=voter(number, now=now),
                         network=network, device=device, user_agent="Mozilla/5.0", now=now)


def test_a_burst_no_vote_flagged_is_flagged_by_the_rescan_once(nominees, settings):
    # Five votes of one network, each below the limit when cast (as votes racing past each other's count are).
    for i in range(5):
        cast(nominees[i % 2], phone(i), device=f"dev{i:02d}" + "x" * 16)
    assert not VoteFlag.objects.exists()
    settings.WENMING_VOTE_BURST_NETWORK_COUNT = 3
    assert scan_vote_flags.call() == 5
    assert set(Vote.objects.values_list("state", flat=True)) == {VoteState.FLAGGED}
    (group,) = flag_groups(call=nominees[0].call)
    assert group.reason == FlagReason.BURST_NETWORK and group.votes == 5
    # Idempotent: nothing new; and a later vote's own check joins the same group (same subject).
    assert svc.vote_flags_rescan() == 0
    cast(nominees[0], phone(9), device="z" * 22)
    (group,) = flag_groups(call=nominees[0].call)
    assert group.votes == 6


def test_the_rescan_uses_each_votes_own_window(nominees, settings):
    settings.WENMING_VOTE_BURST_NETWORK_COUNT = 100
    start = timezone.now() - dt.timedelta(hours=3)
    # Four votes 11 minutes apart (no 10-minute window holds three), then three within two minutes.
    for i in range(4):
        cast(nominees[0], phone(i), device=f"dev{i:02d}" + "x" * 16, now=start + dt.timedelta(minutes=11 * i))
    late = start + dt.timedelta(hours=1)
    burst = [cast(nominees[0], phone(10 + i), device=f"dew{i:02d}" + "x" * 16,
                  now=late + dt.timedelta(minutes=i)).vote.pk for i in range(3)]
    settings.WENMING_VOTE_BURST_NETWORK_COUNT = 2
    assert svc.vote_flags_rescan() == 3
    assert set(VoteFlag.objects.values_list("vote_id", flat=True)) == set(burst)


def test_rings_are_rescanned_per_nominee(nominees, settings):
    for i in range(3):  # one block of 100 numbers for one nominee
        cast(nominees[0], f"139123456{i:02d}", network=f"203.0.{i}.7", device=f"b{i}" + "x" * 20)
    cast(nominees[1], "13912345699", network="203.0.9.7", device="c" * 22)  # same block, another nominee
    settings.WENMING_VOTE_RING_BLOCK_COUNT = 2
    assert svc.vote_flags_rescan() == 3
    flags = VoteFlag.objects.filter(reason=FlagReason.RING_BLOCK)
    assert flags.count() == 3 and len({f.subject for f in flags}) == 1
    assert Vote.objects.get(nomination=nominees[1]).state == VoteState.COUNTED


def test_a_decided_group_is_not_raised_again_and_other_calls_are_left_alone(nominees, settings, people):
    for i in range(4):
        cast(nominees[0], phone(i), device=f"dev{i:02d}" + "x" * 16)
    settings.WENMING_VOTE_BURST_NETWORK_COUNT = 2
    svc.vote_flags_rescan()
    (group,) = flag_groups(call=nominees[0].call)
    svc.vote_group_decide(call_id=nominees[0].call_id, reason=group.reason, subject=group.subject,
                          decision=FlagState.CLEARED, note="同一单位集体投票，已核实", actor=people["zhiban"],
                          expected_last=group.last_flag)
    assert svc.vote_flags_rescan() == 0
    assert set(Vote.objects.values_list("state", flat=True)) == {VoteState.COUNTED}
    # A call past its vote is not scanned (its ranking is frozen).
    settings.WENMING_VOTE_BURST_DEVICE_COUNT = 1
    nominees[0].call.__class__.objects.filter(pk=nominees[0].call_id).update(status=CallStatus.NOTICE)
    assert svc.vote_flags_rescan() == 0 and not VoteFlag.objects.filter(reason=FlagReason.BURST_DEVICE).exists()


def test_windows_over():
    t0 = timezone.now()
    times = [t0 + dt.timedelta(minutes=m) for m in (0, 1, 2, 30, 31, 50)]
    window = dt.timedelta(minutes=10)
    assert svc._windows_over(times, window, 2) == [(times[2] - window, times[2])]
    assert svc._windows_over(times, window, 1) == [(times[1] - window, times[2]), (times[4] - window, times[4])]
    assert svc._windows_over(times, window, 3) == []
