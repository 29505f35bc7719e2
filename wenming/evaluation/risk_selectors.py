"""Reads of the risk watch: the board (counts by domain and item, the map's signals), a record's page, the meeting
pack's section, and the readiness page's per-criterion counts. Rows through ``restrict`` (the one access path)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q
from django.utils import timezone

from wenming.cases.models import Case
from wenming.common.access import restrict
from wenming.evaluation.models import (
    LEVEL_KEYS,
    OPEN_RISK_STATES,
    Criterion,
    Domain,
    Edition,
    RiskLevel,
    RiskRecord,
    RiskSignal,
    RiskState,
)
from wenming.org.models import Site

L = RiskLevel
EMPTY = {"watch": 0, "warning": 0, "triggered": 0, "overdue": 0}


def risk_open_by_criterion(*, criterion_ids: Iterable[int], now: dt.datetime | None = None) -> dict[int, dict]:
    """Per criterion, its open records by level and how many are past their response deadline unanswered:
    ``{"watch": n, "warning": n, "triggered": n, "overdue": n}`` (zeros for a criterion without one). One query.
    The caller has the criteria from the person's scope (a record follows its criterion's scope)."""
    ids = list(dict.fromkeys(int(i) for i in criterion_ids))
    now = now or timezone.now()
    result = {pk: dict(EMPTY) for pk in ids}
    if not ids:
        return result
    overdue = Q(responded_at__isnull=True, response_due__lt=now)
    rows = (RiskRecord.objects.filter(criterion_id__in=ids, state__in=OPEN_RISK_STATES)
            .values("criterion_id", "level")
            .annotate(n=Count("id"), late=Count("id", filter=overdue)))
    for row in rows:
        counts = result[row["criterion_id"]]
        counts[LEVEL_KEYS[L(row["level"])]] += row["n"]
        counts["overdue"] += row["late"]
    return result


@dataclass
class BoardFilters:
    domain: int | None = None
    level: int | None = None
    state: str = "open"  # open (open and responding), closed, all
    overdue: bool = False
    q: str = ""


@dataclass
class ItemRow:
    criterion: Criterion
    counts: dict
    oldest: dt.datetime | None = None


@dataclass
class DomainRow:
    domain: Domain
    counts: dict = field(default_factory=lambda: dict(EMPTY))
    items: list[ItemRow] = field(default_factory=list)


def records(user, filters: BoardFilters, *, now: dt.datetime | None = None, edition: Edition | None = None):
    now = now or timezone.now()
    rows = restrict(RiskRecord.objects.all(), user).select_related("criterion", "criterion__domain", "owner_unit")
    if edition is not None:
        rows = rows.filter(criterion__edition=edition)
    if filters.state == "open":
        rows = rows.filter(state__in=OPEN_RISK_STATES)
    elif filters.state == "closed":
        rows = rows.filter(state=RiskState.CLOSED)
    if filters.domain:
        rows = rows.filter(criterion__domain_id=filters.domain)
    if filters.level:
        rows = rows.filter(level=filters.level)
    if filters.overdue:
        rows = rows.filter(state__in=OPEN_RISK_STATES, responded_at__isnull=True, response_due__lt=now)
    if filters.q:
        rows = rows.filter(Q(criterion__code__icontains=filters.q) | Q(criterion__text__icontains=filters.q))
    return rows.order_by("-level", "opened_at", "id")


def board(user, filters: BoardFilters, *, edition: Edition | None, now: dt.datetime | None = None) -> dict:
    """The board: totals by level, per domain and item the open counts and the oldest open record, the records
    listed (filtered), the signals and evaluation sites for the map. A fixed number of queries."""
    now = now or timezone.now()
    listed = list(records(user, filters, now=now, edition=edition)[:300])
    open_rows = records(user, BoardFilters(state="open"), now=now, edition=edition)
    per_criterion = (open_rows.order_by().values("criterion_id", "level")
                     .annotate(n=Count("id", distinct=True), oldest=Min("opened_at"),
                               late=Count("id", distinct=True,
                                          filter=Q(responded_at__isnull=True, response_due__lt=now))))
    stats: dict[int, dict] = {}
    oldest: dict[int, dt.datetime] = {}
    for row in per_criterion:
        counts = stats.setdefault(row["criterion_id"], dict(EMPTY))
        counts[LEVEL_KEYS[L(row["level"])]] += row["n"]
        counts["overdue"] += row["late"]
        if row["oldest"] and (row["criterion_id"] not in oldest or row["oldest"] < oldest[row["criterion_id"]]):
            oldest[row["criterion_id"]] = row["oldest"]
    criteria = Criterion.objects.filter(pk__in=list(stats)).select_related("domain").order_by(
        "domain__kind", "domain__sort", "domain__code", "sort", "code")
    domains: dict[int, DomainRow] = {}
    for criterion in criteria:
        row = domains.setdefault(criterion.domain_id, DomainRow(domain=criterion.domain))
        counts = stats[criterion.pk]
        row.items.append(ItemRow(criterion=criterion, counts=counts, oldest=oldest.get(criterion.pk)))
        for key, value in counts.items():
            row.counts[key] += value
    totals = dict(EMPTY)
    for row in domains.values():
        for key, value in row.counts.items():
            totals[key] += value
    oldest_open = open_rows.order_by("opened_at", "id").first()
    return {"records": listed, "domains": list(domains.values()), "totals": totals, "oldest": oldest_open,
            "map": map_points(user, filters, edition=edition, now=now)}


def map_points(user, filters: BoardFilters, *, edition: Edition | None, now: dt.datetime) -> dict:
    """The signals of the listed records (with a place) and the evaluation sites they were near, for WenmingMap."""
    record_ids = records(user, filters, now=now, edition=edition).values("pk")
    signals = (restrict(RiskSignal.objects.filter(record_id__in=record_ids, lng__isnull=False), user)
               .select_related("criterion").order_by("-at")[:500])
    points, site_ids = [], set()
    for s in signals:
        points.append({"lng": s.lng, "lat": s.lat, "level": LEVEL_KEYS[L(s.level)], "record": s.record_id,
                       "code": s.criterion.code, "kind": str(s.get_kind_display()),
                       "distance": round(s.distance_m) if s.distance_m is not None else None})
        if s.site_id:
            site_ids.add(s.site_id)
    sites = [{"lng": site.lng, "lat": site.lat, "name": site.name, "type": site.site_type.name}
             for site in Site.objects.filter(pk__in=site_ids).select_related("site_type").only(
                 "lng", "lat", "name", "site_type__name")]
    return {"signals": points, "sites": sites}


def visible_case_ids(user, signals) -> set[int]:
    """The ids of the signals' cases this person may open (their words are shown to them only)."""
    ids = {s.case_id for s in signals if s.case_id}
    return set(restrict(Case.objects.filter(pk__in=ids), user).values_list("pk", flat=True)) if ids else set()


def record_detail(user, record: RiskRecord) -> dict:
    """A record's signals, timeline, evidence and linked cases (those the viewer may open)."""
    signals = list(restrict(record.signals.select_related("site", "case", "reported_by"), user).order_by("-at"))
    visible = visible_case_ids(user, signals)
    cases = [{"id": s.case_id, "number": s.case.number, "visible": s.case_id in visible}
             for s in {s.case_id: s for s in signals if s.case_id}.values()]
    for s in signals:
        # A case's words (which may name its reporter) only for those who may open the case.
        s.shown_note = s.note if not s.case_id or s.case_id in visible else ""
    events = list(record.events.select_related("actor").order_by("seq"))
    return {"signals": signals, "events": events, "cases": cases,
            "evidence": list(record.evidence.order_by("id"))}


def week_section(*, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None) -> dict:
    """The meeting pack's risk section (city-wide, as the pack is): open records by level, new this week,
    reached 触发 this week, overdue."""
    now = now or timezone.now()
    open_rows = RiskRecord.objects.filter(state__in=OPEN_RISK_STATES)
    by_level = dict(EMPTY)
    for row in open_rows.values("level").annotate(n=Count("id")):
        by_level[LEVEL_KEYS[L(row["level"])]] = row["n"]
    return {
        "open": by_level,
        "open_total": sum(v for k, v in by_level.items() if k != "overdue"),
        "new": RiskRecord.objects.filter(opened_at__gte=start, opened_at__lt=end).count(),
        "triggered": RiskRecord.objects.filter(triggered_at__gte=start, triggered_at__lt=end).count(),
        "overdue": open_rows.filter(responded_at__isnull=True, response_due__lt=now).count(),
        "top": list(open_rows.select_related("criterion", "owner_unit").order_by("-level", "opened_at")[:10]),
    }
