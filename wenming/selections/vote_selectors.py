"""Reads of the public vote: the tally (what the ranking takes), the ballot's rows, the review page's groups."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Min, Q
from django.urls import reverse
from django.utils import timezone

from wenming.org.models import Area
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

# The public ballot's counts may lag this many seconds (a popular vote is read far more often than it changes).
BALLOT_TALLY_SECONDS = 5
EXCERPT = 80


@dataclass(frozen=True)
class VoteTally:
    counted: int = 0  # counted votes (never flagged, or cleared by a reviewer)
    flagged: int = 0  # set apart, waiting for review; voided votes are in neither

    @property
    def total(self) -> int:
        return self.counted + self.flagged


def vote_tally(*, call: Call) -> dict[int, VoteTally]:
    """Nomination id → its counted and flagged votes, for every nomination with a vote. The ranking reads
    ``{pk: t.counted for pk, t in vote_tally(call=call).items()}``."""
    votes = Vote.objects.filter(call=call)
    if call.vote_closes is not None:
        # Only the votes cast before the vote closed: the ranking frozen at the notice counts these alone.
        votes = votes.filter(at__lt=call.vote_closes)
    rows = (votes.values("nomination_id")
            .annotate(counted=Count("pk", filter=Q(state=VoteState.COUNTED)),
                      flagged=Count("pk", filter=Q(state=VoteState.FLAGGED))))
    return {r["nomination_id"]: VoteTally(counted=r["counted"], flagged=r["flagged"]) for r in rows}


def vote_counts(*, call: Call) -> dict[int, int]:
    """Nomination id → counted votes: the ``votes`` mapping the ranking takes."""
    return {pk: t.counted for pk, t in vote_tally(call=call).items()}


def ballot_tally(*, call: Call) -> dict[int, VoteTally]:
    """The tally the public ballot shows, cached a few seconds."""
    seconds = int(getattr(settings, "WENMING_VOTE_TALLY_SECONDS", BALLOT_TALLY_SECONDS))
    if seconds <= 0:
        return vote_tally(call=call)
    key = f"wenming:vote-tally:{call.pk}"
    tally = cache.get(key)
    if tally is None:
        tally = vote_tally(call=call)
        cache.set(key, tally, seconds)
    return tally


def ballot_calls() -> list[Call]:
    """The calls whose ballot the public sees: in their vote, and those after it (notice, published)."""
    return list(Call.objects.filter(status=CallStatus.VOTING, vote_opens__isnull=False).select_related("kind")
                .order_by("vote_closes", "pk"))


def ballot_call(pk: int) -> Call | None:
    return (Call.objects.select_related("kind")
            .filter(pk=pk, status__in=[CallStatus.VOTING, CallStatus.NOTICE, CallStatus.PUBLISHED],
                    vote_opens__isnull=False).first())


@dataclass(frozen=True)
class BallotRow:
    nomination: Nomination
    district: str
    excerpt: str
    photo_url: str
    tally: VoteTally


def ballot_rows(*, call: Call) -> list[BallotRow]:
    """The nominees on the ballot in number order, with district, a statement excerpt, the first photo and votes."""
    nominations = list(Nomination.objects.filter(call=call, status=NominationStatus.SHORTLISTED)
                       .select_related("area").prefetch_related("photos").order_by("number"))
    codes = {n.area.path.strip("/").split("/")[1] for n in nominations if n.area.path.count("/") > 2}
    districts = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    tally = ballot_tally(call=call)
    rows = []
    for n in nominations:
        parts = n.area.path.strip("/").split("/")
        statement = " ".join(n.statement.split())
        photos = list(n.photos.all())
        rows.append(BallotRow(nomination=n, district=districts.get(parts[1], n.area.name) if len(parts) > 1 else
                              n.area.name, excerpt=statement[:EXCERPT] + ("…" if len(statement) > EXCERPT else ""),
                              photo_url=reverse("selections:vote_photo", args=[call.pk, photos[0].pk]) if photos else "", tally=tally.get(n.pk, VoteTally())))
    return rows


@dataclass(frozen=True)
class FlagGroup:
    reason: str
    reason_label: str
    subject: str
    votes: int
    first: object
    last: object
    last_flag: int
    nominations: list[tuple[int, str, int]]  # (number, name, votes of the group)


def flag_groups(*, call: Call) -> list[FlagGroup]:
    """The open flags of a call, one entry per group (reason and subject), largest first: two queries, the groups
    and their votes per nominee."""
    rows = list(VoteFlag.objects.filter(call=call, state=FlagState.OPEN).values("reason", "subject")
                .annotate(votes=Count("pk"), first=Min("vote__at"), last=Max("vote__at"), last_flag=Max("pk"))
                .order_by("-votes", "reason", "subject")[:200])
    labels = dict(FlagReason.choices)
    per_group: dict[tuple[str, str], list[tuple[int, str, int]]] = {}
    if rows:
        keys = Q(*[Q(reason=r["reason"], subject=r["subject"]) for r in rows], _connector=Q.OR)
        per_nominee = (VoteFlag.objects.filter(keys, call=call, state=FlagState.OPEN)
                       .values("reason", "subject", "vote__nomination__number", "vote__nomination__name")
                       .annotate(n=Count("pk")).order_by("reason", "subject", "-n", "vote__nomination__number"))
        for p in per_nominee:
            per_group.setdefault((p["reason"], p["subject"]), []).append(
                (p["vote__nomination__number"], p["vote__nomination__name"], p["n"]))
    return [FlagGroup(
        reason=r["reason"], reason_label=str(labels.get(r["reason"], r["reason"])), subject=r["subject"],
        votes=r["votes"], first=r["first"], last=r["last"], last_flag=r["last_flag"],
        nominations=per_group.get((r["reason"], r["subject"]), []),
    ) for r in rows]


def vote_events(*, call: Call, limit: int = 50) -> list[VoteEvent]:
    return list(VoteEvent.objects.filter(call=call).select_related("actor").order_by("-at", "-pk")[:limit])


def _summary_figures() -> dict:
    return {"counted": Count("pk", filter=Q(state=VoteState.COUNTED)),
            "flagged": Count("pk", filter=Q(state=VoteState.FLAGGED)),
            "void": Count("pk", filter=Q(state=VoteState.VOID)),
            "today": Count("pk", filter=Q(day=timezone.localdate()))}


def vote_summary(*, call: Call) -> dict[str, int]:
    """Counted, flagged and void votes of a call, and its open groups (the review page's head)."""
    return Vote.objects.filter(call=call).aggregate(**_summary_figures())


def vote_summaries(*, calls: list[Call]) -> dict[int, dict[str, int]]:
    """``vote_summary`` of several calls in one grouped query (a call without votes gets zeros)."""
    empty = {"counted": 0, "flagged": 0, "void": 0, "today": 0}
    rows = (Vote.objects.filter(call__in=[c.pk for c in calls]).values("call")
            .annotate(**_summary_figures()).order_by("call"))
    found = {r.pop("call"): r for r in rows}
    return {c.pk: found.get(c.pk, dict(empty)) for c in calls}
