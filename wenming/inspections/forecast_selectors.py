"""The inspections' part of the mock evaluation (evaluation/services/forecast.py): pass rates of the items linked to
测评标准 clauses, per site type, from released rounds; registered with the forecast in ``InspectionsConfig.ready``
(evaluation cannot import this app: this app imports evaluation).

Only first visits count (a re-inspection checks one finding again, it is not a sample), and only released rounds
(a planned round is unannounced; its figures are its planners' until it is released)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum

from wenming.evaluation.services.forecast import FieldSource, FieldStratum, RoundSpan
from wenming.inspections.models import AssignmentKind, Outcome, Result, Round, RoundState


def forecast_rounds(*, as_of: dt.datetime) -> list[RoundSpan]:
    """The rounds released by as_of, oldest first."""
    return [RoundSpan(id=pk, code=code, starts_on=s, ends_on=e) for pk, code, s, e in
            Round.objects.filter(state=RoundState.RELEASED, released_at__lte=as_of)
            .order_by("starts_on", "pk").values_list("pk", "code", "starts_on", "ends_on")]


def forecast_strata(*, clause_ids: list[int], as_of: dt.datetime, round_id: int | None = None) -> list[FieldStratum]:
    """Per clause × site type, the results of the latest round released by as_of that checked it (or of round_id
    alone): Σ weight of 符合, Σ weight of applicable results, and the number of sites. One grouped query."""
    rows = Result.objects.filter(item__clause_id__in=clause_ids, assignment__kind=AssignmentKind.INSPECT)
    if round_id is not None:
        rows = rows.filter(round_id=round_id)
    else:
        rows = rows.filter(round__state=RoundState.RELEASED, round__released_at__lte=as_of)
    applicable = ~Q(outcome=Outcome.NOT_APPLICABLE)
    grouped = (rows.order_by()
               .values("item__clause_id", "assignment__site__site_type__name", "round__code", "round__starts_on",
                       "round_id")
               .annotate(passed=Sum("item__weight", filter=Q(outcome=Outcome.PASS), default=0),
                         applicable=Sum("item__weight", filter=applicable, default=0),
                         sites=Count("assignment_id", filter=applicable, distinct=True)))
    latest: dict[tuple[int, str], dict] = {}
    for row in grouped:
        key = (row["item__clause_id"], row["assignment__site__site_type__name"])
        mine = (row["round__starts_on"], row["round_id"])
        if key not in latest or mine > (latest[key]["round__starts_on"], latest[key]["round_id"]):
            latest[key] = row
    return [FieldStratum(clause_id=clause, site_type=site_type, round_code=row["round__code"],
                         passed=float(row["passed"]), applicable=float(row["applicable"]), sites=row["sites"])
            for (clause, site_type), row in sorted(latest.items())]


SOURCE = FieldSource(strata=forecast_strata, rounds=forecast_rounds)
