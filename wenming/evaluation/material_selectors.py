"""Reads of the online materials: the completeness board (查漏补缺) by unit, domain and criterion, its drill-down
lists, and the counts the readiness page reads. Requirements always come through ``restrict`` (a unit sees those it
leads or shares); every read is a fixed number of queries whatever the edition's size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from wenming.common.access import restrict, scope_for
from wenming.evaluation.models import Edition, MaterialRequirement, MaterialState

S = MaterialState
# The board's columns: "submitted" counts first uploads and new versions alike, both waiting for review.
COLUMNS = ("required", "missing", "submitted", "returned", "approved")


def _counts(today: dt.date | None = None) -> dict:
    counts = {
        "required": Count("id"),
        "missing": Count("id", filter=Q(state=S.MISSING)),
        "submitted": Count("id", filter=Q(state__in=[S.SUBMITTED, S.RESUBMITTED])),
        "returned": Count("id", filter=Q(state=S.RETURNED)),
        "approved": Count("id", filter=Q(state=S.APPROVED)),
    }
    if today is not None:
        counts["overdue"] = Count("id", filter=Q(state__in=[S.MISSING, S.RETURNED], due_on__lt=today))
    return counts


def materials_completeness_by_criterion(*, criterion_ids: Iterable[int]) -> dict[int, dict]:
    """Per criterion: how many materials it requires and how many of them are approved, waiting for review
    (submitted or resubmitted), returned or still missing, by each requirement's latest submission. One query;
    criteria without requirements are left out. The caller has the criteria from the person's scope."""
    ids = list(criterion_ids)
    if not ids:
        return {}
    rows = (MaterialRequirement.objects.filter(criterion_id__in=ids).order_by().values("criterion_id")
            .annotate(**_counts()))
    return {row.pop("criterion_id"): row for row in rows}


def scoped_requirements(user, edition: Edition) -> QuerySet:
    """The edition's requirements in the person's scope, as a queryset that groups cleanly (no DISTINCT)."""
    base = MaterialRequirement.objects.filter(edition=edition)
    restricted = restrict(base, user)
    if restricted.query.distinct:
        return base.filter(pk__in=restricted.values("pk"))
    return restricted


@dataclass
class Board:
    edition: Edition
    totals: dict = field(default_factory=dict)
    by_unit: list[dict] = field(default_factory=list)
    by_domain: list[dict] = field(default_factory=list)
    by_criterion: list[dict] = field(default_factory=list)

    @property
    def percent_approved(self) -> int:
        required = self.totals.get("required") or 0
        return round(100 * (self.totals.get("approved") or 0) / required) if required else 0


def materials_board(user, edition: Edition, today: dt.date) -> Board:
    """The completeness board: totals, and counts by lead unit, by domain and by criterion (four queries)."""
    rows = scoped_requirements(user, edition).order_by()
    board = Board(edition=edition)
    board.totals = rows.aggregate(**_counts(today))
    board.by_unit = list(rows.values("lead_unit_id", "lead_unit__name").annotate(**_counts(today))
                         .order_by("-missing", "lead_unit__name"))
    board.by_domain = list(rows.values("criterion__domain_id", "criterion__domain__code", "criterion__domain__name")
                           .annotate(**_counts(today)).order_by("criterion__domain__code"))
    board.by_criterion = list(rows.values("criterion_id", "criterion__code", "criterion__text", "criterion__sort",
                                          "criterion__domain__code")
                              .annotate(**_counts(today)).order_by("criterion__domain__code", "criterion__sort",
                                                                   "criterion__code"))
    return board


@dataclass
class DrillFilters:
    state: str = ""  # a MaterialState, "submitted" (both waiting states) or "overdue"
    unit: int | None = None
    domain: int | None = None
    criterion: int | None = None
    q: str = ""


def materials_drill(user, edition: Edition, filters: DrillFilters, today: dt.date) -> QuerySet:
    """The requirements behind a number of the board, in the person's scope."""
    rows = scoped_requirements(user, edition)
    if filters.state == S.SUBMITTED:
        rows = rows.filter(state__in=[S.SUBMITTED, S.RESUBMITTED])
    elif filters.state == "overdue":
        rows = rows.filter(state__in=[S.MISSING, S.RETURNED], due_on__lt=today)
    elif filters.state:
        rows = rows.filter(state=filters.state)
    if filters.unit:
        rows = rows.filter(lead_unit_id=filters.unit)
    if filters.domain:
        rows = rows.filter(criterion__domain_id=filters.domain)
    if filters.criterion:
        rows = rows.filter(criterion_id=filters.criterion)
    if filters.q:
        rows = rows.filter(Q(title__icontains=filters.q) | Q(criterion__code__icontains=filters.q))
    return (rows.select_related("criterion", "criterion__domain", "lead_unit", "latest")
            .order_by("due_on", "criterion__code", "sort", "pk"))


def is_unit_only(user) -> bool:
    """A unit's own view (no area, not the office): the board says "your unit's materials"."""
    scope = scope_for(user)
    return bool(scope.unit_paths) and not scope.area_paths and not scope.everything
