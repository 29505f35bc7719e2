"""Reads of the ledger (台账) and the 回头看 rounds. Entries, history and round items always come through
``restrict`` (a unit sees those of the criteria it leads or shares); periods and rounds are office reference data.

The readiness page reads ``ledger_status_by_criterion`` and ``ledger_current_period``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from wenming.campaign.models import Task
from wenming.campaign.selectors import tasks_with_status
from wenming.common.access import restrict
from wenming.evaluation.models import (
    AssessmentPeriod,
    Clause,
    Criterion,
    Domain,
    Edition,
    LedgerEntry,
    LedgerEvent,
    LedgerEvidence,
    LedgerStatus,
    ReviewItem,
    ReviewRound,
)

NOT_ASSESSED = "none"


def periods(edition: Edition) -> QuerySet:
    return AssessmentPeriod.objects.filter(edition=edition).order_by("-starts_on", "name")


def ledger_current_period(*, edition: Edition, today: dt.date | None = None) -> AssessmentPeriod | None:
    """The edition's period the city assesses now: the latest one that has started by today, else the earliest."""
    today = today or timezone.localdate()
    qs = AssessmentPeriod.objects.filter(edition=edition)
    return (qs.filter(starts_on__lte=today).order_by("-starts_on", "-pk").first()
            or qs.order_by("starts_on", "pk").first())


def ledger_status_by_criterion(*, criterion_ids: Iterable[int], period_id: int | None = None) -> dict[int, dict]:
    """Per criterion, its entry of the given period, else of the latest period it has an entry in:
    ``{"status": code, "status_label": str, "assessed_at": datetime, "period": name, "period_id": id,
    "self_assessed": bool}``; criteria without one are left out. One query, whatever the number of criteria.
    The caller has scoped the criteria (this reads no user)."""
    ids = list(criterion_ids)
    if not ids:
        return {}
    rows = LedgerEntry.objects.filter(criterion_id__in=ids)
    if period_id is not None:
        rows = rows.filter(period_id=period_id)
    found: dict[int, dict] = {}
    labels = dict(LedgerStatus.choices)
    for criterion_id, status, at, name, pid, self_assessed in (
            rows.order_by("criterion_id", "-period__starts_on", "-period_id")
            .values_list("criterion_id", "status", "assessed_at", "period__name", "period_id", "self_assessed")):
        if criterion_id not in found:
            found[criterion_id] = {"status": status, "status_label": str(labels.get(status, status)),
                                   "assessed_at": at, "period": name, "period_id": pid,
                                   "self_assessed": self_assessed}
    return found


@dataclass
class LedgerFilters:
    domain: int | None = None
    status: str = ""  # a LedgerStatus value, or NOT_ASSESSED
    q: str = ""


def ledger_rows(user, *, period: AssessmentPeriod, filters: LedgerFilters | None = None,
                for_export: bool = False) -> list[Criterion]:
    """The criteria of the period's edition this person sees, each with ``entry`` (its entry of the period or
    None), its evidence, linked tasks; ordered as the edition. A fixed number of queries."""
    filters = filters or LedgerFilters()
    qs = restrict(Criterion.objects.filter(edition_id=period.edition_id), user)
    if filters.domain:
        qs = qs.filter(domain_id=filters.domain)
    if filters.q:
        qs = qs.filter(Q(code__icontains=filters.q) | Q(text__icontains=filters.q))
    if filters.status == NOT_ASSESSED:
        qs = qs.exclude(ledger_entries__period=period)
    elif filters.status:
        qs = qs.filter(ledger_entries__period=period, ledger_entries__status=filters.status)
    prefetch = [Prefetch("ledger_entries", to_attr="period_entries",
                         queryset=LedgerEntry.objects.filter(period=period).select_related("assessed_by")
                         .prefetch_related(Prefetch("evidence", queryset=LedgerEvidence.objects.order_by("pk")))),
                Prefetch("tasks", queryset=Task.objects.order_by("due_on", "code"))]
    if for_export:
        prefetch += [Prefetch("clauses", queryset=Clause.objects.order_by("number")), "responsible_units"]
    rows = list(qs.select_related("domain", "indicator", "lead_unit").prefetch_related(*prefetch)
                .order_by("domain__kind", "domain__sort", "domain__code", "kind", "sort", "code"))
    for c in rows:
        c.entry = c.period_entries[0] if c.period_entries else None
    return rows


def status_counts(rows: list[Criterion]) -> dict[str, int]:
    counts = dict.fromkeys([*LedgerStatus.values, NOT_ASSESSED], 0)
    for c in rows:
        counts[c.entry.status if c.entry else NOT_ASSESSED] += 1
    return counts


def criterion_ledger_history(user, criterion: Criterion) -> dict:
    """A criterion's assessments across periods and rounds (newest first), its entries by period, and the
    回头看 items it had with their measures."""
    events = list(restrict(LedgerEvent.objects.filter(criterion=criterion), user)
                  .select_related("period", "review_round", "actor").order_by("-at", "-id")[:200])
    entries = list(restrict(LedgerEntry.objects.filter(criterion=criterion), user)
                   .select_related("period", "assessed_by").annotate(evidence_count=Count("evidence"))
                   .order_by("-period__starts_on"))
    items = list(restrict(ReviewItem.objects.filter(criterion=criterion), user)
                 .select_related("review_round", "review_round__period", "task").order_by("-review_round__created_at"))
    tasks = tasks_with_status(Task.objects.filter(pk__in=[i.task_id for i in items if i.task_id]))
    by_pk = {t.pk: t for t in tasks}
    for item in items:
        item.measure = by_pk.get(item.task_id)
    return {"events": events, "entries": entries, "rounds": items}


def rounds(user) -> QuerySet:
    return (restrict(ReviewRound.objects.all(), user).select_related("edition", "period", "domain", "campaign")
            .annotate(item_count=Count("items", distinct=True),
                      task_count=Count("items", filter=Q(items__task__isnull=False), distinct=True))
            .order_by("-created_at", "-id"))


@dataclass
class RoundDomain:
    domain: Domain
    items: list


def round_items_by_domain(user, review_round: ReviewRound) -> list[RoundDomain]:
    """A round's items this person sees, grouped by domain in the edition's order, each with its criterion's
    entry of the round's period and its measure's status. A fixed number of queries."""
    items = list(restrict(ReviewItem.objects.filter(review_round=review_round), user)
                 .select_related("criterion", "criterion__domain", "criterion__lead_unit", "task", "recorded_by")
                 .order_by("criterion__domain__kind", "criterion__domain__sort", "criterion__domain__code",
                           "criterion__kind", "criterion__sort", "criterion__code"))
    tasks = {t.pk: t for t in tasks_with_status(Task.objects.filter(pk__in=[i.task_id for i in items if i.task_id]))}
    groups: dict[int, RoundDomain] = {}
    for item in items:
        item.measure = tasks.get(item.task_id)
        domain = item.criterion.domain
        groups.setdefault(domain.pk, RoundDomain(domain=domain, items=[])).items.append(item)
    return list(groups.values())


def round_counts(groups: list[RoundDomain]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for group in groups:
        for item in group.items:
            counts[item.status or NOT_ASSESSED] += 1
            counts["measures"] += bool(item.task_id)
            counts["all"] += 1
    return dict(counts)
