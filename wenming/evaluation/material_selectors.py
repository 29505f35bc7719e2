"""Reads of the online materials: the completeness board (查漏补缺) by unit, domain and criterion, its drill-down
lists, and the counts the readiness page reads. Requirements always come through ``restrict`` (a unit sees those it
leads or shares); every read is a fixed number of queries whatever the edition's size."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet

from wenming.common.access import can, restrict, rule_for, scope_for
from wenming.evaluation.models import Criterion, Domain, Edition, MaterialRequirement, MaterialState
from wenming.org.models import Unit

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


def _candidates(user, base: QuerySet) -> QuerySet:
    """``base`` narrowed, before ``restrict`` decides, to the requirements led or shared by a unit the person's
    scope could reach (one small query for those units' ids). Narrowing only: a superset of the scope, so
    ``restrict`` keeps the last word; it lets the database start from the unit indexes instead of joining every
    requirement of the edition to its units' paths."""
    scope = scope_for(user)
    if scope.everything or scope.roles & rule_for(MaterialRequirement).sees_all or not can(user, MaterialRequirement):
        return base
    reach = [Q(path__startswith=path) for path in scope.unit_paths]
    reach += [Q(area__path__startswith=path) for path in scope.area_paths]
    if not reach:
        return base.none()
    unit_ids = list(Unit.objects.filter(reduce(or_, reach)).values_list("pk", flat=True))
    through = MaterialRequirement.responsible_units.through
    return base.filter(Q(lead_unit_id__in=unit_ids) | Q(
        pk__in=through.objects.filter(unit_id__in=unit_ids).values("materialrequirement_id")))


def scoped_requirements(user, edition: Edition) -> QuerySet:
    """The edition's requirements in the person's scope, as a queryset that groups cleanly (no DISTINCT)."""
    base = MaterialRequirement.objects.filter(edition=edition)
    restricted = restrict(_candidates(user, base), user)
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
    """The completeness board: totals, and counts by lead unit, by domain and by criterion.

    Two grouped queries over the requirements' own columns, each read from an index alone: by lead unit and state,
    by criterion and state (at most a row per unit or criterion and state, whatever the number of materials);
    domains and totals are summed from the criteria's rows here. Then the names of the criteria, domains and units
    that appear: five queries in all."""
    scoped = scoped_requirements(user, edition).order_by()
    late = Count("id", filter=Q(due_on__lt=today, state__in=[S.MISSING, S.RETURNED]))
    by_unit_rows = list(scoped.values_list("lead_unit_id", "state").annotate(n=Count("id"), late=late))
    board = Board(edition=edition, totals=_zero())
    if not by_unit_rows:
        return board
    by_criterion_rows = list(scoped.values_list("criterion_id", "state").annotate(n=Count("id"), late=late))
    criteria = {c["id"]: c for c in Criterion.objects.filter(edition=edition).values("id", "code", "text", "sort",
                                                                                     "domain_id")}
    domains = {d["id"]: d for d in Domain.objects.filter(edition=edition).values("id", "code", "name")}
    unit_ids = {unit_id for unit_id, *_rest in by_unit_rows if unit_id}
    units = dict(Unit.objects.filter(pk__in=unit_ids).values_list("id", "name")) if unit_ids else {}
    by_unit: dict = {}
    for unit_id, state, n, overdue in by_unit_rows:
        _add(by_unit.setdefault(unit_id, {**_zero(), "lead_unit_id": unit_id, "lead_unit__name": units.get(unit_id)}),
             state, n, overdue)
    by_domain: dict = {}
    by_criterion: dict = {}
    for criterion_id, state, n, overdue in by_criterion_rows:
        criterion = criteria[criterion_id]
        domain = domains[criterion["domain_id"]]
        _add(board.totals, state, n, overdue)
        _add(by_domain.setdefault(domain["id"], {**_zero(), "criterion__domain_id": domain["id"],
                                                 "criterion__domain__code": domain["code"],
                                                 "criterion__domain__name": domain["name"]}), state, n, overdue)
        _add(by_criterion.setdefault(criterion_id, {**_zero(), "criterion_id": criterion_id,
                                                    "criterion__code": criterion["code"],
                                                    "criterion__text": criterion["text"],
                                                    "criterion__sort": criterion["sort"],
                                                    "criterion__domain__code": domain["code"]}), state, n, overdue)
    board.by_unit = sorted(by_unit.values(), key=lambda r: (-r["missing"], r["lead_unit__name"] or ""))
    board.by_domain = sorted(by_domain.values(), key=lambda r: r["criterion__domain__code"])
    board.by_criterion = sorted(by_criterion.values(), key=lambda r: (
        r["criterion__domain__code"], r["criterion__sort"], r["criterion__code"]))
    return board


def _add(row: dict, state: str, n: int, overdue: int) -> None:
    row["required"] += n
    row[_COLUMN[state]] += n
    row["overdue"] += overdue


_COLUMN = {S.MISSING: "missing", S.SUBMITTED: "submitted", S.RESUBMITTED: "submitted", S.RETURNED: "returned",
           S.APPROVED: "approved"}


def _zero() -> dict:
    return {"required": 0, "missing": 0, "submitted": 0, "returned": 0, "approved": 0, "overdue": 0}


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
    # Ordered by the requirement's own columns: an index on (edition, state, due_on) walks them in order.
    return rows.select_related("criterion", "lead_unit", "latest").order_by("due_on", "pk")


def is_unit_only(user) -> bool:
    """A unit's own view (no area, not the office): the board says "your unit's materials"."""
    scope = scope_for(user)
    return bool(scope.unit_paths) and not scope.area_paths and not scope.everything
