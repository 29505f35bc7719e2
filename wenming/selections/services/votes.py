"""The public vote (评选公众投票): voter tokens, casting a vote, flagging patterns, reviewing flagged groups.

One vote per verified phone per call per day (not per nomination: a phone picks one nominee a day, as the city's
paper ballots did; documented in docs/selections-vote.md). The phone is verified once by SMS code
(``public.services.verification``); the session then holds a signed voter token until the end of that day, so the
day's vote takes one SMS. Nothing that names a person is stored: the phone, its number block, the network, its /24
and the device are keyed hashes.

Fraud handling is in three layers:

- refusal: the unique constraint (call, phone, day) — a repeated request, however fast and however many at once,
  finds the row and gets the same answer; the rate limits per network and per device (429);
- flags (review, not refusal), decided at each vote in the same transaction from one indexed count: a burst
  from one network or one device, many phones of one network /24 or of one block of 100 numbers for one nominee.
  A flag sets the whole group apart (the earlier votes of the group in the window too), and is never re-raised
  for the same reason once a reviewer decided it;
- review: a reviewer clears (counts) or voids a group with a note (``vote_group_decide``, a ``VoteEvent``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.common.access import locked_in_scope, restrict, scope_for
from wenming.common.errors import IllegalTransition, NotAllowed, WorkflowError
from wenming.common.input import strip_controls
from wenming.common.roles import VOTE_REVIEWERS
from wenming.common.services.limits import keyed_hash, limit_hit, limits_declare
from wenming.selections.models import (
    Call,
    CallStatus,
    FlagReason,
    FlagState,
    Nomination,
    NominationStatus,
    Vote,
    VoteEvent,
    VoteFlag,
    VoteState,
)

limits_declare({
    # Vote requests (repeats included) from one network: a school's or a company's NAT votes too, so generous.
    "vote_network": (120, 3600),
    # Vote requests from one device (its cookie): a family may share a phone, a bot sharing a cookie may not.
    "vote_device": (20, 3600),
})

log = logging.getLogger(__name__)
TOKEN_SALT = "wenming.selections.voter"
DEVICE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
NOTE_MAX = 500


class VoteError(WorkflowError):
    """A vote that cannot be taken, with the reason for the citizen."""


class StaleVotes(IllegalTransition):
    code = "stale"


@dataclass(frozen=True)
class Thresholds:
    """When a pattern is flagged: more than ``*_count`` votes within ``*_minutes`` (settings ``WENMING_VOTE_*``)."""

    burst_network_count: int = 20
    burst_device_count: int = 5
    burst_minutes: int = 10
    ring_network_count: int = 10
    ring_minutes: int = 60
    ring_block_count: int = 3  # phones of one block of 100 numbers for one nominee in one day


def thresholds() -> Thresholds:
    return Thresholds(**{name: int(getattr(settings, f"WENMING_VOTE_{name.upper()}", default))
                         for name, default in Thresholds().__dict__.items()})


# -- voter tokens ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Voter:
    """A phone verified by SMS today, as the vote needs it: hashes only, and the masked number to show."""

    phone_hash: str
    block_hash: str
    masked: str
    day: dt.date


def _phone_hashes(phone: str) -> tuple[str, str]:
    return keyed_hash(f"vote-phone:{phone}", size=32), keyed_hash(f"vote-block:{phone[:9]}", size=16)


def voter_token_issue(*, phone: str, now: dt.datetime | None = None) -> str:
    """A signed token for a phone just verified (``phone_code_check``'s answer), valid until the end of today."""
    phone_hash, block_hash = _phone_hashes(phone)
    day = timezone.localdate(now or timezone.now())
    return signing.dumps({"p": phone_hash, "b": block_hash, "m": f"{phone[:3]}****{phone[-4:]}", "d": day.isoformat()},
                         salt=TOKEN_SALT, compress=False)


def voter_token_read(token: str | None, *, now: dt.datetime | None = None) -> Voter | None:
    """The voter of a token, or None when it is missing, forged or from an earlier day."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=dt.timedelta(days=1))
        voter = Voter(phone_hash=data["p"], block_hash=data["b"], masked=data["m"], day=dt.date.fromisoformat(data["d"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return voter if voter.day == timezone.localdate(now or timezone.now()) else None


# -- casting ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VoteAnswer:
    vote: Vote
    created: bool  # False: the phone had voted today already; this request changed nothing
    number: int
    name: str

    @property
    def message(self) -> str:
        if self.created:
            return _("Your vote for No. %(number)03d %(name)s is recorded. Thank you; you may vote again tomorrow.") % {
                "number": self.number, "name": self.name}
        return _("This phone has voted today already, for No. %(number)03d %(name)s. You may vote again tomorrow.") % {
            "number": self.number, "name": self.name}


def vote_open(call: Call, now: dt.datetime) -> bool:
    """Whether the call takes votes now: in its public vote, between its opening and closing times."""
    return (call.status == CallStatus.VOTING and call.vote_opens is not None and call.vote_closes is not None
            and call.vote_opens <= now < call.vote_closes)


def network_prefix(network: str) -> str:
    """The /24 of an IPv4 address (client_ip already gives an IPv6 subscriber as its /64)."""
    try:
        return str(ipaddress.ip_network(f"{network}/24", strict=False)) if "/" not in network else network
    except ValueError:
        return network


def vote_cast(*, call_id: int, nomination_id: int, voter: Voter, network: str, device: str, user_agent: str = "",
              now: dt.datetime | None = None) -> VoteAnswer:
    """Take one vote of a verified phone for a nominee on the call's ballot, or answer that it voted today already.

    Refused (``VoteError``) when the call is not taking votes or the nominee is not on its ballot, or the device
    cookie is missing; ``RateLimited`` past the limits per network and device. Never two rows for one phone a day.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    if voter.day != day:
        raise VoteError(_("Phone: your verification was for another day; verify your phone again."))
    if not DEVICE.match(device or ""):
        raise VoteError(_("Open the ballot page again before voting (this browser must accept cookies)."))
    # One transaction for the counters, the vote and its flags: a third of the round trips of a transaction each
    # (the counters commit with the vote). Every request counts against the limits, a repeat or a refused one
    # too: only the vote's insert is undone (its savepoint), and a refusal is raised after the commit. A request
    # past a limit undoes its own count, which stays at the limit, so the next one is refused as well. Network
    # before device: every vote locks its counters in the same order.
    refusal, repeated = None, False
    with transaction.atomic():
        limit_hit(what="vote_network", who=network)
        limit_hit(what="vote_device", who=device)
        nomination = (Nomination.objects.select_related("call")
                      .only("pk", "number", "name", "status", "call__status", "call__vote_opens", "call__vote_closes")
                      .filter(pk=nomination_id, call_id=call_id).first())
        if nomination is None or not vote_open(nomination.call, now):
            refusal = _("This call is not taking votes now.")
        elif nomination.status != NominationStatus.SHORTLISTED:
            refusal = _("Nominee: this entry is not on the ballot.")
        else:
            vote = Vote(call_id=call_id, nomination_id=nomination.pk, day=day, phone_hash=voter.phone_hash,
                        block_hash=voter.block_hash, network_hash=keyed_hash(f"vote-net:{network}", size=16),
                        prefix_hash=keyed_hash(f"vote-net24:{network_prefix(network)}", size=16),
                        device_hash=keyed_hash(f"vote-device:{device}", size=16),
                        agent_hash=keyed_hash(f"vote-agent:{user_agent[:512]}", size=16) if user_agent else "",
                        at=now)
            try:
                with transaction.atomic():
                    vote.save(force_insert=True)
                    _still_voting(call_id, now)
                    _flags_raise(vote, now=now)
            except IntegrityError:
                repeated = True
            except _VoteClosed:
                refusal = _("This call is not taking votes now.")
    if refusal:
        raise VoteError(refusal)
    if repeated:
        # The phone voted today (this request repeated, or another one won the race): answer with that vote.
        earlier = (Vote.objects.select_related("nomination").only("pk", "state", "nomination__number", "nomination__name")
                   .filter(call_id=call_id, phone_hash=voter.phone_hash, day=day).first())
        if earlier is None:
            raise VoteError(_("This call is not taking votes now."))
        return VoteAnswer(vote=earlier, created=False, number=earlier.nomination.number, name=earlier.nomination.name)
    return VoteAnswer(vote=vote, created=True, number=nomination.number, name=nomination.name)


class _VoteClosed(Exception):
    """The call left its vote between the first read and the vote's insert: undo the insert (its savepoint)."""


def _still_voting(call_id: int, now: dt.datetime) -> None:
    """After the vote's row is inserted: wait for a notice step holding the call, then read the call again.

    The race: the notice step (``call_step``) locks the call row FOR UPDATE (``locked_in_scope``) before it
    tallies and freezes the ranking. A vote that read the call as voting, then committed after that tally, would
    be counted in no ranking. The vote's row has a foreign key to the call, and checking a foreign key takes a
    KEY SHARE lock on the referenced row, which waits for a FOR UPDATE holder and makes a FOR UPDATE wait for it
    (KEY SHARE locks do not wait for each other: votes stay concurrent). But Django creates its PostgreSQL foreign
    keys DEFERRABLE INITIALLY DEFERRED, so that check (and its lock) would only come at COMMIT, after any re-read.
    ``connection.check_constraints()`` (SET CONSTRAINTS ALL IMMEDIATE, then back to DEFERRED) runs the pending
    checks now, taking the lock here. Then either this vote holds the call first (the notice waits for its commit
    and tallies it), or the notice holds it first (the check waits for the notice's commit, and this statement,
    a new snapshot under READ COMMITTED, sees the call no longer voting: the vote is undone and refused).
    SQLite writes one transaction at a time (the vote's limit counters took the write lock), so it has no such race;
    its ``check_constraints`` would scan whole tables, so it is left out there.
    """
    if connection.vendor == "postgresql":
        connection.check_constraints()
    call = Call.objects.only("status", "vote_opens", "vote_closes").get(pk=call_id)
    if not vote_open(call, now):
        raise _VoteClosed


def _groups(vote: Vote, now: dt.datetime, t: Thresholds) -> dict[str, tuple[Q, str, int]]:
    """Each pattern the vote belongs to: the rows of its group in the window, the group's name and its limit."""
    burst = now - dt.timedelta(minutes=t.burst_minutes)
    ring = now - dt.timedelta(minutes=t.ring_minutes)
    nominee = vote.nomination_id
    return {
        FlagReason.BURST_NETWORK: (Q(network_hash=vote.network_hash, at__gte=burst), vote.network_hash,
                                   t.burst_network_count),
        FlagReason.BURST_DEVICE: (Q(device_hash=vote.device_hash, at__gte=burst), vote.device_hash,
                                  t.burst_device_count),
        FlagReason.RING_NETWORK: (Q(nomination_id=nominee, prefix_hash=vote.prefix_hash, at__gte=ring),
                                  f"{vote.prefix_hash}:{nominee}", t.ring_network_count),
        FlagReason.RING_BLOCK: (Q(nomination_id=nominee, block_hash=vote.block_hash, day=vote.day),
                                f"{vote.block_hash}:{nominee}", t.ring_block_count),
    }


def _flags_raise(vote: Vote, *, now: dt.datetime) -> None:
    """Flag the vote's groups that went over their limit: one indexed count for all four patterns, and only for a
    group over its limit, its votes not yet flagged for that reason (so a late or racing vote is caught up)."""
    groups = _groups(vote, now, thresholds())
    counts = Vote.objects.filter(call_id=vote.call_id).filter(
        Q(*[q for q, _subject, _limit in groups.values()], _connector=Q.OR),
    ).aggregate(**{reason: Count("pk", filter=q) for reason, (q, _subject, _limit) in groups.items()})
    over = [reason for reason, (_q, _subject, limit) in groups.items() if counts[reason] > limit]
    if len(over) > 1:
        # Several groups at once: lock all their votes in one pk-ordered statement first, so two votes flagging
        # overlapping groups take their row locks in one order (each group's own lock below then holds already).
        list(Vote.objects.filter(Q(*[groups[reason][0] for reason in over], _connector=Q.OR), call_id=vote.call_id)
             .order_by("pk").select_for_update(of=("self",)).values_list("pk", flat=True))
    for reason in over:
        q, subject, _limit = groups[reason]
        _group_flag(vote.call_id, reason, subject, q, now)
    if over:
        vote.refresh_from_db(fields=["state"])


def _group_flag(call_id: int, reason: str, subject: str, q: Q, now: dt.datetime) -> int:
    """Flag the votes of one group (``q``) not yet flagged for ``reason``; how many were flagged."""
    # Locked in pk order (as a review decision locks them): a group cleared meanwhile cannot count a vote this
    # flags, nor this flag a vote the decision is counting.
    members = list(Vote.objects.filter(q, call_id=call_id).exclude(flags__reason=reason)
                   .order_by("pk").select_for_update(of=("self",)).values_list("pk", flat=True))
    if not members:
        return 0
    VoteFlag.objects.bulk_create([VoteFlag(vote_id=pk, call_id=call_id, reason=reason, subject=subject, at=now)
                                  for pk in members], ignore_conflicts=True)
    Vote.objects.filter(pk__in=members, state=VoteState.COUNTED).update(state=VoteState.FLAGGED)
    return len(members)


# -- the periodic re-scan -----------------------------------------------------------------------------------------

# Each pattern as the re-scan groups it: the fields naming a group, its window (None: the day) and its limit.
_RESCAN = {
    FlagReason.BURST_NETWORK: (("network_hash",), "burst_minutes", "burst_network_count"),
    FlagReason.BURST_DEVICE: (("device_hash",), "burst_minutes", "burst_device_count"),
    FlagReason.RING_NETWORK: (("prefix_hash", "nomination_id"), "ring_minutes", "ring_network_count"),
    FlagReason.RING_BLOCK: (("block_hash", "nomination_id", "day"), None, "ring_block_count"),
}


def _subject(reason: str, key: tuple) -> str:
    """The group's name as ``_groups`` writes it (so a re-scan's flags join the same review group)."""
    if reason in (FlagReason.BURST_NETWORK, FlagReason.BURST_DEVICE):
        return key[0]
    return f"{key[0]}:{key[1]}"


def _windows_over(times: list[dt.datetime], window: dt.timedelta, limit: int) -> list[tuple]:
    """The spans of a group's vote times (sorted) in which some window ending at a vote held more than ``limit``
    votes, overlapping windows merged (one flagging query per span)."""
    spans: list[list] = []
    start = 0
    for end, at in enumerate(times):
        while times[start] < at - window:
            start += 1
        if end - start + 1 > limit:
            if spans and at - window <= spans[-1][1]:
                spans[-1][1] = at
            else:
                spans.append([at - window, at])
    return [tuple(span) for span in spans]


def _rescan_flag(call_id: int, reason: str, subject: str, q: Q, now: dt.datetime) -> int:
    """Flag one group's span found over its limit, in a transaction of its own (only its votes locked at a time,
    in pk order, as a vote's own check and a review decision lock them: no lock held across groups)."""
    with transaction.atomic():
        # FOR NO KEY UPDATE: votes (their foreign key check's KEY SHARE) go on meanwhile; a review decision and the
        # notice step (FOR UPDATE) wait, and once the notice froze the ranking nothing is flagged any more.
        call = Call.objects.select_for_update(of=("self",), no_key=True).filter(pk=call_id).only("status").first()
        if call is None or call.status != CallStatus.VOTING:
            return 0
        return _group_flag(call_id, reason, subject, q, now)


def _call_rescan(call_id: int, t: Thresholds, now: dt.datetime) -> int:
    """One call's votes looked at again, pattern by pattern, as each vote's own check would have seen them at its
    time (the window ending at that vote). Returns how many votes were newly flagged."""
    flagged = 0
    votes = Vote.objects.filter(call_id=call_id)
    for reason, (fields, minutes, limit_name) in _RESCAN.items():
        limit = getattr(t, limit_name)
        # Only a group with more votes than its limit in all can be over it in some window: one grouped count.
        candidates = (votes.order_by().values(*fields).annotate(n=Count("pk")).filter(n__gt=limit)
                      .values_list(*fields))
        for key in candidates:
            group = Q(**dict(zip(fields, key, strict=True)))
            if minutes is None:  # the whole day is the window
                flagged += _rescan_flag(call_id, reason, _subject(reason, key), group, now)
                continue
            window = dt.timedelta(minutes=getattr(t, minutes))
            times = list(votes.filter(group).order_by("at", "pk").values_list("at", flat=True))
            for begin, end in _windows_over(times, window, limit):
                flagged += _rescan_flag(call_id, reason, _subject(reason, key),
                                        group & Q(at__gte=begin, at__lte=end), now)
    return flagged


def vote_flags_rescan(*, now: dt.datetime | None = None) -> int:
    """The worker's periodic re-scan of the calls in their public vote: a pattern that went over its limit without
    being flagged (votes racing past each other's count, a threshold lowered, a burst seen late) is flagged now,
    even without a new vote. Idempotent: a vote already flagged for a reason (decided or not) is not flagged again
    for it; a call that left its vote meanwhile is left alone. Returns how many votes were newly flagged."""
    now = now or timezone.now()
    t = thresholds()
    flagged = 0
    for call_id in Call.objects.filter(status=CallStatus.VOTING).order_by("pk").values_list("pk", flat=True):
        n = _call_rescan(call_id, t, now)
        if n:
            log.info("vote flags re-scan: call %s, %d votes newly flagged", call_id, n)
        flagged += n
    return flagged


# -- review -----------------------------------------------------------------------------------------------------

DECISIONS = {FlagState.CLEARED: gettext_lazy("Clear: count these votes"),
             FlagState.VOIDED: gettext_lazy("Void these votes")}


def vote_group_decide(*, call_id: int, reason: str, subject: str, decision: str, note: str, actor,
                      expected_last: int, now: dt.datetime | None = None) -> VoteEvent:
    """Clear (count) or void the open flags of one group, with a note; ``expected_last`` is the group's newest flag
    the reviewer saw: a vote flagged since refuses the decision (look again). Appends a ``VoteEvent``."""
    if not (getattr(actor, "is_superuser", False) or scope_for(actor).roles & VOTE_REVIEWERS):
        raise NotAllowed(_("Only the vote's reviewers may decide flagged votes."))
    if decision not in DECISIONS:
        raise WorkflowError(_("Decision: choose to clear or to void the votes."))
    if reason not in FlagReason.values:
        raise WorkflowError(_("Reason: unknown kind of flag."))
    note = strip_controls(note or "").strip()
    if not note:
        raise WorkflowError(_("Note: say why (it is kept with the decision)."))
    if len(note) > NOTE_MAX:
        raise WorkflowError(_("Note: at most %(n)d characters.") % {"n": NOTE_MAX})
    now = now or timezone.now()
    with transaction.atomic():
        # The call first, locked as its lifecycle step locks it: no decision once the notice froze the ranking.
        try:
            call = locked_in_scope(Call.objects.all(), actor, call_id)
        except Call.DoesNotExist:
            raise IllegalTransition(_("This call has no public vote to review.")) from None
        if call.status != CallStatus.VOTING:
            raise IllegalTransition(_("The public vote of this call is over: its flagged votes can no longer be "
                                      "decided."))
        flags = list(restrict(VoteFlag.objects.filter(call_id=call_id, reason=reason, subject=subject,
                                                      state=FlagState.OPEN), actor)
                     .select_for_update().order_by("pk").values_list("pk", "vote_id"))
        if not flags:
            raise IllegalTransition(_("Nothing is waiting for review in this group: it was decided already."))
        if flags[-1][0] != expected_last:
            raise StaleVotes(_("More votes joined this group since you opened the page: look at it again."))
        flag_ids, vote_ids = [f for f, _v in flags], [v for _f, v in flags]
        # The member votes locked in pk order (as a vote flagging them locks them) before their state changes.
        list(Vote.objects.filter(pk__in=vote_ids).order_by("pk").select_for_update().values_list("pk", flat=True))
        VoteFlag.objects.filter(pk__in=flag_ids).update(state=decision, decided_at=now)
        if decision == FlagState.VOIDED:
            Vote.objects.filter(pk__in=vote_ids).update(state=VoteState.VOID)
        else:
            # Counted again unless another group still holds the vote, or voided it.
            (Vote.objects.filter(pk__in=vote_ids, state=VoteState.FLAGGED)
             .exclude(pk__in=VoteFlag.objects.filter(vote_id__in=vote_ids, state=FlagState.OPEN).values("vote_id"))
             .update(state=VoteState.COUNTED))
        return VoteEvent.objects.create(call_id=call_id, action=decision, reason=reason, subject=subject,
                                        votes=len(flags), note=note, actor=actor)
