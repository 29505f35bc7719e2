"""The ranking of a call's nominees and the proposed winners within each district's quota.

final = expert average (0–100) × expert_weight% + (votes / most votes × 100) × (100 − expert_weight)%.
The expert average counts only the experts who declared no conflict on that nominee. With no votes at all (a call
run without a public vote) the vote share is left out and the expert average alone decides.

The public vote lives in its own module (``votes``); its tally reaches the ranking through ``vote_tally_register``
so this module reads no vote model.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count

from wenming.selections.models import Call, CallQuota, Nomination, NominationStatus

N = NominationStatus
# Who stands in the ranking: the qualified, those on the ballot, and (frozen) those already ranked.
RANKED = (N.QUALIFIED, N.SHORTLISTED, N.IN_NOTICE, N.NOT_SELECTED, N.WINNER, N.REVOKED)
CENT = Decimal("0.01")

_TALLY: list[Callable[[Call], Mapping[int, int]]] = []


def vote_tally_register(tally: Callable[[Call], Mapping[int, int]]) -> None:
    """The public vote's counted votes per nomination id (the vote module registers ``vote_tally``)."""
    _TALLY[:] = [tally]


def call_votes(call: Call) -> Mapping[int, int]:
    return _TALLY[0](call) if _TALLY else {}


@dataclass
class RankedNominee:
    nomination: Nomination
    expert_average: Decimal | None
    experts: int
    votes: int
    final: Decimal | None
    rank: int | None = None
    proposed: bool = False


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def expert_averages(call: Call) -> dict[int, tuple[Decimal | None, int]]:
    """Per nomination: the average of its experts' scores and how many scored. Only experts who declared no conflict
    on the nominee have a score (``review.score_submit`` refuses the others), so a conflicted expert never counts."""
    rows = (Nomination.objects.filter(call=call).order_by().values("pk")
            .annotate(avg=Avg("scores__total"), n=Count("scores")))
    return {r["pk"]: (_q(Decimal(r["avg"])) if r["avg"] is not None else None, r["n"]) for r in rows}


def call_ranking(*, call: Call, votes: Mapping[int, int]) -> list[RankedNominee]:
    """Every ranked nominee of the call, best first, with the proposed winners marked within each district's quota.
    A nominee no expert scored is listed last and never proposed."""
    nominations = list(Nomination.objects.filter(call=call, status__in=RANKED)
                       .select_related("district", "area").defer("district__geometry", "area__geometry")
                       .order_by("number"))
    averages = expert_averages(call)
    counted = {pk: max(int(v), 0) for pk, v in votes.items()}
    most = max((counted.get(n.pk, 0) for n in nominations), default=0)
    weight = Decimal(call.expert_weight)
    rows = []
    for n in nominations:
        average, experts = averages.get(n.pk, (None, 0))
        got = counted.get(n.pk, 0)
        final = None
        if average is not None:
            if most:
                share = Decimal(got) * 100 / Decimal(most)
                final = _q(average * weight / 100 + share * (100 - weight) / 100)
            else:
                final = average
        rows.append(RankedNominee(n, average, experts, got, final))
    rows.sort(key=lambda r: (r.final is None, -(r.final or 0), -r.votes, r.nomination.number))
    quotas = dict(CallQuota.objects.filter(call=call).values_list("area_id", "quota"))
    taken: dict[int | None, int] = defaultdict(int)
    for rank, row in enumerate(rows, start=1):
        row.rank = rank if row.final is not None else None
        district = row.nomination.district_id
        if row.final is not None and taken[district] < quotas.get(district, 0):
            row.proposed = True
            taken[district] += 1
    return rows
