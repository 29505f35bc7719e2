"""The mock evaluation (模拟测评): what the city would score if the evaluation came now, per 测评项目 and overall,
weighted like the loaded edition, with an uncertainty band, the criteria that lose the most points and the
negative-list items at risk; and its backtest against the inspection rounds of the history (docs/forecast.md).

Each clause of a 测评内容 takes its number from the evidence of its methods (测评方法):

- 实地考察 — the pass rate of the inspection items linked to the clause, per site type from the latest released round
  that checked it (``FieldStratum``), with a Wilson band from the number of sites;
- 材料审核 — the share of the criterion's online materials approved;
- 问卷调查 / 网络调查 — citizen satisfaction (回访 ratings of the last 90 days: of the criterion's case categories
  where they have ratings, else of the city), with a Wilson band;
- 听取汇报 / 整体观察 — the ledger's status of the criterion (达标 1, 部分达标 ½, 未达标 0); the ledger also stands in
  for a clause whose methods have no evidence of their own (labelled so).

A clause with neither is *unknown*: it scores 0 in the forecast and its band reaches its full
points, so it is shown, never counted as full marks.

Pure reads. The inspections app sits beside this one and imports it, so its pass rates come in through
``field_results.field_source_register`` (called from ``InspectionsConfig.ready``), never by an import from here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import FollowUp
from wenming.cases.models.followup import SATISFIED_RATINGS
from wenming.evaluation.field_results import FieldStratum, field_source
from wenming.evaluation.models import (
    Criterion,
    CriterionKind,
    DomainKind,
    Edition,
    LedgerEntry,
    LedgerStatus,
    MaterialRequirement,
    MaterialState,
    MaterialSubmission,
    Method,
)
from wenming.evaluation.risk_selectors import risk_open_by_criterion

Z = 1.96  # two-sided 95 %
SATISFACTION_DAYS = 90
BACKTEST_SECONDS = 3600
LEDGER_FRACTION = {LedgerStatus.MET: 1.0, LedgerStatus.PARTLY: 0.5, LedgerStatus.NOT_MET: 0.0,
                   LedgerStatus.NOT_APPLICABLE: 1.0}
SURVEY_METHODS = {Method.QUESTIONNAIRE, Method.ONLINE}
LEDGER_METHODS = {Method.REPORT, Method.OBSERVATION}


# -- the field evidence, provided by the inspections app ---------------------------------------------------------



# -- the numbers --------------------------------------------------------------------------------------------------

def wilson(successes: float, n: float, z: float = Z) -> tuple[float, float]:
    """The Wilson score interval of a proportion (successes of n); (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Estimate:
    value: float  # the proportion of the points expected (0..1)
    low: float
    high: float
    source: str  # which evidence gave it, in words


def field_estimate(strata: list[FieldStratum]) -> Estimate | None:
    """Pass proportion over the site types, weighted by their item weights; band: each stratum's Wilson interval
    (n = its sites) combined as a stratified estimate, p ± √Σ (W_s/W)² · d_s², d_s the distance to that side."""
    strata = [s for s in strata if s.applicable > 0 and s.sites > 0]
    if not strata:
        return None
    total = sum(s.applicable for s in strata)
    p = sum(s.passed for s in strata) / total
    down = up = 0.0
    for s in strata:
        share = s.applicable / total
        rate = s.passed / s.applicable
        low, high = wilson(rate * s.sites, s.sites)
        down += (share * (rate - low)) ** 2
        up += (share * (high - rate)) ** 2
    words = "; ".join(f"{s.site_type} {s.passed / s.applicable:.0%} ({s.round_code}, {s.sites})" for s in strata)
    return Estimate(p, max(0.0, p - math.sqrt(down)), min(1.0, p + math.sqrt(up)),
                    _("Field inspection pass rate: %(strata)s") % {"strata": words})


# -- what the forecast returns ---------------------------------------------------------------------------------------

@dataclass
class ClauseRow:
    number: int
    methods: list[str]
    points: float
    estimate: Estimate | None  # None: unknown

    @property
    def expected(self) -> float:
        return self.points * self.estimate.value if self.estimate else 0.0


@dataclass
class CriterionRow:
    id: int
    code: str
    text: str
    domain_code: str
    points: float  # in the overall score's points (the domain's weight shared out)
    expected: float
    low: float
    high: float
    unknown_points: float
    clauses: list[ClauseRow] = field(default_factory=list)

    @property
    def lost(self) -> float:
        return self.points - self.expected

    @property
    def evidence(self) -> list[str]:
        return [f"{c.number}. {c.estimate.source}" if c.estimate else f"{c.number}. {_('No evidence (unknown)')}"
                for c in self.clauses]


@dataclass
class DomainRow:
    code: str
    name: str
    points: float
    expected: float = 0.0
    low: float = 0.0
    high: float = 0.0
    unknown_points: float = 0.0
    criteria: list[CriterionRow] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return 100 * self.expected / self.points if self.points else None


@dataclass
class RiskRow:
    id: int
    code: str
    text: str
    field: str
    counts: dict


@dataclass
class Forecast:
    edition: Edition
    as_of: dt.datetime
    points: float
    expected: float
    low: float
    high: float
    unknown_points: float
    domains: list[DomainRow]
    losers: list[CriterionRow]
    risks: list[RiskRow]

    def domain(self, code: str) -> DomainRow | None:
        return next((d for d in self.domains if d.code == code), None)


# -- the evidence readers (one grouped query each) ----------------------------------------------------------------

def _materials(criterion_ids: list[int], as_of: dt.datetime, now: bool) -> dict[int, tuple[int, int]]:
    """criterion → (approved, required) at as_of: the requirements' state now, or, in the past, each requirement's
    latest submission then (approved only if its review was done by then)."""
    required: dict[int, int] = defaultdict(int)
    for cid, n in (MaterialRequirement.objects.filter(criterion_id__in=criterion_ids, created_at__lte=as_of)
                   .order_by().values_list("criterion_id").annotate(n=Count("id"))):
        required[cid] = n
    approved: dict[int, int] = defaultdict(int)
    if now:
        for cid, n in (MaterialRequirement.objects.filter(criterion_id__in=criterion_ids, state=MaterialState.APPROVED)
                       .order_by().values_list("criterion_id").annotate(n=Count("id"))):
            approved[cid] = n
    else:
        seen: set[int] = set()
        for req, cid, state, reviewed in (
                MaterialSubmission.objects.filter(requirement__criterion_id__in=criterion_ids, submitted_at__lte=as_of)
                .order_by("requirement_id", "-revision")
                .values_list("requirement_id", "requirement__criterion_id", "state", "reviewed_at")):
            if req in seen:
                continue
            seen.add(req)
            if state == MaterialState.APPROVED and reviewed and reviewed <= as_of:
                approved[cid] += 1
    return {cid: (approved[cid], n) for cid, n in required.items() if n}


def _ledger(criterion_ids: list[int], as_of: dt.datetime) -> dict[int, str]:
    """criterion → the status of its latest period's entry assessed by as_of."""
    found: dict[int, str] = {}
    for cid, status in (LedgerEntry.objects.filter(criterion_id__in=criterion_ids, assessed_at__lte=as_of)
                        .order_by("criterion_id", "-period__starts_on", "-period_id")
                        .values_list("criterion_id", "status")):
        found.setdefault(cid, status)
    return found


def _satisfaction(as_of: dt.datetime) -> dict[int | None, tuple[int, int]]:
    """case category → (satisfied, ratings) of the 回访 ratings in the 90 days before as_of; None → the city."""
    since = as_of - dt.timedelta(days=SATISFACTION_DAYS)
    rows = (FollowUp.objects.filter(created_at__gt=since, created_at__lte=as_of).order_by()
            .values_list("case__category_id")
            .annotate(n=Count("id"), ok=Count("id", filter=Q(rating__in=list(SATISFIED_RATINGS)))))
    out: dict[int | None, tuple[int, int]] = {}
    city_ok = city_n = 0
    for category_id, n, ok in rows:
        out[category_id] = (ok, n)
        city_ok += ok
        city_n += n
    out[None] = (city_ok, city_n)
    return out


# -- the forecast -------------------------------------------------------------------------------------------------

def _shares(criteria: list[Criterion]) -> dict[int, float]:
    """Each criterion's points in the overall score: its own points if the edition gives them, else an equal share
    of its domain's weight (the demo edition weighs projects only); scaled so a domain adds up to its weight."""
    by_domain: dict[int, list[Criterion]] = defaultdict(list)
    for c in criteria:
        by_domain[c.domain_id].append(c)
    shares: dict[int, float] = {}
    for group in by_domain.values():
        weight = group[0].domain.weight
        own = [float(c.points) if c.points is not None else None for c in group]
        if all(p is not None for p in own) and sum(own):
            scale = float(weight) / sum(own) if weight is not None else 1.0
            shares.update({c.pk: p * scale for c, p in zip(group, own, strict=True)})
        else:
            each = float(weight) / len(group) if weight is not None else 1.0
            shares.update({c.pk: each for c in group})
    return shares


def _estimate(methods: list[str], *, criterion: Criterion, clause_id: int, field_strata: dict,
              materials: dict, ledger: dict, satisfaction: dict) -> Estimate | None:
    """The clause's expected proportion: the mean of what its methods' evidence says (methods with none left out);
    the band the mean of theirs (as if they erred together, the cautious way)."""
    found: list[Estimate] = []
    wanted = set(methods) or LEDGER_METHODS  # a clause without methods is judged by the ledger
    if Method.FIELD in wanted and (strata := field_strata.get(clause_id)):
        estimate = field_estimate(strata)
        if estimate:
            found.append(estimate)
    if Method.MATERIALS in wanted and criterion.pk in materials:
        ok, n = materials[criterion.pk]
        found.append(Estimate(ok / n, ok / n, ok / n,
                              _("Materials approved: %(ok)d of %(n)d") % {"ok": ok, "n": n}))
    if wanted & SURVEY_METHODS:
        ok = n = 0
        for category_id in criterion.category_ids:
            c_ok, c_n = satisfaction.get(category_id, (0, 0))
            ok, n = ok + c_ok, n + c_n
        whose = _("its case categories")
        if not n:
            (ok, n), whose = satisfaction[None], _("the city")
        if n:
            low, high = wilson(ok, n)
            found.append(Estimate(ok / n, low, high, _("Satisfaction of %(whose)s: %(ok)d of %(n)d ratings")
                                  % {"whose": whose, "ok": ok, "n": n}))
    # The ledger is the office's assessment of the whole criterion: the evidence of 听取汇报 and 整体观察, and what
    # stands in for a method with nothing of its own (no inspection item linked, no material required), said so.
    if criterion.pk in ledger and (wanted & LEDGER_METHODS or not found):
        status = ledger[criterion.pk]
        value = LEDGER_FRACTION.get(status, 0.0)
        words = _("Ledger: %(status)s") if wanted & LEDGER_METHODS else _("Ledger, for want of other evidence: %(status)s")
        found.append(Estimate(value, value, value, words % {"status": LedgerStatus(status).label}))
    if not found:
        return None
    k = len(found)
    return Estimate(sum(e.value for e in found) / k, sum(e.low for e in found) / k, sum(e.high for e in found) / k,
                    "; ".join(e.source for e in found))


def _current(edition: Edition | None) -> Edition | None:
    return edition or Edition.objects.filter(is_current=True).first()


def forecast_compute(*, edition: Edition | None = None, as_of: dt.datetime | None = None,
                     round_id: int | None = None, losers: int = 10) -> Forecast | None:
    """The forecast of the edition (the current one by default) from the evidence known at ``as_of`` (now by
    default). ``round_id`` takes the field evidence from that round alone (the backtest's "measured" result).
    None when there is no edition."""
    edition = _current(edition)
    if edition is None:
        return None
    now = as_of is None
    as_of = as_of or timezone.now()
    criteria = list(Criterion.objects.filter(edition=edition, kind=CriterionKind.CONTENT,
                                             domain__kind=DomainKind.PROJECT)
                    .select_related("domain").prefetch_related("clauses", "categories")
                    .order_by("domain__sort", "domain__code", "sort", "code"))
    for c in criteria:
        c.category_ids = [cat.pk for cat in c.categories.all()]
    ids = [c.pk for c in criteria]
    clause_ids = [cl.pk for c in criteria for cl in c.clauses.all()]
    field_strata: dict[int, list[FieldStratum]] = defaultdict(list)
    if field_source() is not None and clause_ids:
        for s in field_source().strata(clause_ids=clause_ids, as_of=as_of, round_id=round_id):
            field_strata[s.clause_id].append(s)
    evidence = {"field_strata": field_strata, "materials": _materials(ids, as_of, now), "ledger": _ledger(ids, as_of),
                "satisfaction": _satisfaction(as_of)}
    shares = _shares(criteria)
    domains: dict[int, DomainRow] = {}
    rows: list[CriterionRow] = []
    for c in criteria:
        d = domains.setdefault(c.domain_id, DomainRow(code=c.domain.code, name=c.domain.name, points=0.0))
        points = shares[c.pk]
        clauses = list(c.clauses.all()) or [None]
        own = [float(cl.points) if cl is not None and cl.points is not None else None for cl in clauses]
        weights = own if all(p is not None for p in own) and sum(own) else [1.0] * len(clauses)
        row = CriterionRow(id=c.pk, code=c.code, text=c.text, domain_code=d.code, points=points, expected=0.0,
                           low=0.0, high=0.0, unknown_points=0.0)
        for cl, w in zip(clauses, weights, strict=True):
            methods = list(cl.methods) if cl is not None else []
            estimate = _estimate(methods, criterion=c, clause_id=cl.pk if cl is not None else 0, **evidence)
            clause = ClauseRow(number=cl.number if cl is not None else 0, methods=methods,
                               points=points * w / sum(weights), estimate=estimate)
            row.clauses.append(clause)
            if estimate:
                row.expected += clause.points * estimate.value
                row.low += clause.points * estimate.low
                row.high += clause.points * estimate.high
            else:
                row.high += clause.points
                row.unknown_points += clause.points
        rows.append(row)
        d.criteria.append(row)
        d.points += points
        d.expected += row.expected
        d.low += row.low
        d.high += row.high
        d.unknown_points += row.unknown_points
    ordered = list(domains.values())
    negative = list(Criterion.objects.filter(edition=edition, kind=CriterionKind.NEGATIVE)
                    .select_related("domain").order_by("domain__sort", "sort", "code"))
    open_risks = risk_open_by_criterion(criterion_ids=[n.pk for n in negative], now=as_of)
    risks = [RiskRow(id=n.pk, code=n.code, text=n.text, field=n.domain.name, counts=open_risks[n.pk])
             for n in negative if any(v for k, v in open_risks[n.pk].items() if k != "overdue")]
    risks.sort(key=lambda r: (-r.counts["triggered"], -r.counts["warning"], -r.counts["watch"], r.code))
    return Forecast(
        edition=edition, as_of=as_of, points=sum(d.points for d in ordered), expected=sum(d.expected for d in ordered),
        low=sum(d.low for d in ordered), high=sum(d.high for d in ordered),
        unknown_points=sum(d.unknown_points for d in ordered), domains=ordered,
        losers=sorted((r for r in rows if r.lost > 1e-9), key=lambda r: (-r.lost, r.code))[:losers], risks=risks)


# -- the backtest -------------------------------------------------------------------------------------------------

@dataclass
class BacktestRow:
    round_code: str
    as_of: dt.datetime
    forecast: float
    measured: float
    domains: dict[str, tuple[float, float]]  # domain code → (forecast, measured)

    @property
    def error(self) -> float:
        return abs(self.forecast - self.measured)


@dataclass
class Backtest:
    rows: list[BacktestRow]
    mae: float | None  # overall, in points
    domain_mae: dict[str, float]  # per domain code


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def forecast_backtest(*, edition: Edition | None = None, as_of: dt.datetime | None = None) -> Backtest:
    """For every released round k after the first: the forecast made at the start of its first day (from rounds
    1…k−1 and the ledger, materials and ratings then) against round k's measured result (the same scoring over round
    k's own results, with the ledger, materials and ratings as of the end of its last day)."""
    edition = _current(edition)
    rows: list[BacktestRow] = []
    if edition is not None and field_source() is not None:
        spans = field_source().rounds(as_of=as_of or timezone.now())
        # It reads only the past: kept for an hour per edition, day and history of released rounds (two forecasts
        # per round cost seconds over a year of rounds; the page would pay them on every visit).
        key = (f"forecast-backtest:{edition.pk}:{edition.created_at.isoformat()}:"
               f"{as_of.isoformat() if as_of else timezone.localdate()}:"
               f"{','.join(f'{s.id}/{s.starts_on}' for s in spans)}")
        if (kept := cache.get(key)) is not None:
            return kept
        for span in spans[1:]:
            start = _day_start(span.starts_on)
            before = forecast_compute(edition=edition, as_of=start, losers=0)
            after = forecast_compute(edition=edition, as_of=_day_start(span.ends_on + dt.timedelta(days=1)),
                                     round_id=span.id, losers=0)
            rows.append(BacktestRow(
                round_code=span.code, as_of=start, forecast=before.expected, measured=after.expected,
                domains={d.code: (d.expected, after.domain(d.code).expected) for d in before.domains}))
    domain_mae: dict[str, float] = {}
    for row in rows:
        for code, (f, m) in row.domains.items():
            domain_mae[code] = domain_mae.get(code, 0.0) + abs(f - m) / len(rows)
    result = Backtest(rows=rows, mae=sum(r.error for r in rows) / len(rows) if rows else None, domain_mae=domain_mae)
    if edition is not None and field_source() is not None:
        cache.set(key, result, BACKTEST_SECONDS)
    return result


def as_decimal(x: float) -> Decimal:
    """Half-up to two decimals, for the API and the pages."""
    return Decimal(str(x)).quantize(Decimal("0.01"))


# -- the weekly meeting pack -----------------------------------------------------------------------------------------

@dataclass
class WeekLine:
    code: str  # a domain's code, or "" for the overall score
    name: str
    points: float
    now: float
    low: float
    high: float
    before: float

    @property
    def delta(self) -> float:
        return self.now - self.before


def forecast_week(*, week_start: dt.date, now: dt.datetime | None = None) -> list[WeekLine]:
    """The forecast at the end of a meeting's week (or now, if sooner) and its change since a week before that, the
    overall line first. The earlier one is recomputed as of then, not stored: every source is dated (results by
    the round's release, ledger entries by their assessment, materials by their submission and review, ratings by
    their time), so the forecast of a week ago is read again from the same evidence (docs/forecast.md says what
    it cannot see again). Empty when there is no current edition."""
    now = now or timezone.now()
    end = min(now, _day_start(week_start + dt.timedelta(days=7)))
    current = forecast_compute(as_of=end, losers=0)
    if current is None:
        return []
    before = forecast_compute(edition=current.edition, as_of=end - dt.timedelta(days=7), losers=0)
    lines = [WeekLine(code="", name=_("Overall"), points=current.points, now=current.expected, low=current.low,
                      high=current.high, before=before.expected)]
    for d in current.domains:
        old = before.domain(d.code)
        lines.append(WeekLine(code=d.code, name=d.name, points=d.points, now=d.expected, low=d.low, high=d.high,
                              before=old.expected if old else 0.0))
    return lines
