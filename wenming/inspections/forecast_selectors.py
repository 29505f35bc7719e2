"""The inspections' part of the mock evaluation (evaluation/services/forecast.py): pass rates of the items linked to
测评标准 clauses, per site type, from released rounds; registered with the forecast in ``InspectionsConfig.ready``
(evaluation cannot import this app: this app imports evaluation).

Only first visits count (a re-inspection checks one finding again, it is not a sample), and only released rounds
(a planned round is unannounced; its figures are its planners' until it is released)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from wenming.evaluation.field_results import FieldSource, FieldStratum, RoundSpan
from wenming.inspections.models import AssignmentKind, Outcome, Result, Round, RoundState, SchemeItem
from wenming.inspections.selectors import field_results_by_criterion


def forecast_rounds(*, as_of: dt.datetime) -> list[RoundSpan]:
    """The rounds released by as_of, oldest first."""
    return [RoundSpan(id=pk, code=code, starts_on=s, ends_on=e) for pk, code, s, e in
            Round.objects.filter(state=RoundState.RELEASED, released_at__lte=as_of)
            .order_by("starts_on", "pk").values_list("pk", "code", "starts_on", "ends_on")]


def forecast_strata(*, clause_ids: list[int], as_of: dt.datetime, round_id: int | None = None) -> list[FieldStratum]:
    """Per clause × site type, the results of the latest round released by as_of that checked it (or of round_id
    alone): Σ weight of 符合, Σ weight of applicable results, and the sample size — the most sites at which one of the
    clause's items of that site type applied (each item is recorded once per site visited). One grouped query on
    the results by round and item; the items' clauses, site types and weights are read beside it."""
    items = {pk: (clause, site_type, float(weight)) for pk, clause, site_type, weight in
             SchemeItem.objects.filter(clause_id__in=clause_ids)
             .values_list("pk", "clause_id", "scheme__site_type__name", "weight")}
    rounds = Round.objects.filter(pk=round_id) if round_id is not None else Round.objects.filter(
        state=RoundState.RELEASED, released_at__lte=as_of)
    known = {pk: (code, starts_on) for pk, code, starts_on in rounds.values_list("pk", "code", "starts_on")}
    if not items or not known:
        return []
    grouped = (Result.objects.filter(round_id__in=list(known), item_id__in=list(items),
                                     assignment__kind=AssignmentKind.INSPECT)
               .order_by().values_list("round_id", "item_id")
               .annotate(passed=Count("id", filter=Q(outcome=Outcome.PASS)),
                         applicable=Count("id", filter=~Q(outcome=Outcome.NOT_APPLICABLE))))
    sums: dict[tuple[int, int, str], list[float]] = {}
    for round_pk, item_pk, passed, applicable in grouped:
        clause, site_type, weight = items[item_pk]
        row = sums.setdefault((round_pk, clause, site_type), [0.0, 0.0, 0])
        row[0] += weight * passed
        row[1] += weight * applicable
        row[2] = max(row[2], applicable)
    latest: dict[tuple[int, str], int] = {}
    for round_pk, clause, site_type in sums:
        key = (clause, site_type)
        if key not in latest or (known[round_pk][1], round_pk) > (known[latest[key]][1], latest[key]):
            latest[key] = round_pk
    return [FieldStratum(clause_id=clause, site_type=site_type, round_code=known[round_pk][0],
                         passed=sums[(round_pk, clause, site_type)][0], applicable=sums[(round_pk, clause, site_type)][1],
                         sites=int(sums[(round_pk, clause, site_type)][2]))
            for (clause, site_type), round_pk in sorted(latest.items())]


# What inspections give the evaluation app (registered in apps.py): the forecast's strata and rounds, the ledger's
# per-criterion results.
SOURCE = FieldSource(strata=forecast_strata, rounds=forecast_rounds, by_criterion=field_results_by_criterion)
