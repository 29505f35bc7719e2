"""Readiness at a glance (迎检准备): for each domain and criterion of an edition, its ledger status, its open risks,
the completeness of its online materials, and the campaign tasks and cases linked to it.

Each part is read by its own selector in one or two grouped queries for all the criteria at once, so the page
costs the same number of queries for ten criteria as for a full edition with years of ledger periods and a
hundred thousand materials. Criteria come through ``restrict``: a unit sees the readiness of its own criteria.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.campaign.models import Task, TaskStatus
from wenming.campaign.services.tasks import task_status
from wenming.cases.models import Category
from wenming.evaluation.ledger_selectors import ledger_current_period, ledger_status_by_criterion
from wenming.evaluation.material_selectors import materials_completeness_by_criterion
from wenming.evaluation.models import Criterion, Domain, Edition
from wenming.evaluation.models.ledger import LedgerStatus
from wenming.evaluation.risk_selectors import risk_open_by_criterion
from wenming.evaluation.selectors import case_counts_by_category, criteria

RISK_KEYS = ("triggered", "warning", "watch", "overdue")
MATERIAL_KEYS = ("required", "approved", "submitted", "returned", "missing")
UNASSESSED = "unassessed"
STATUS_ORDER = [*LedgerStatus.values, UNASSESSED]


def status_headers() -> list[tuple[str, str]]:
    return [*LedgerStatus.choices, (UNASSESSED, _("Not assessed"))]


@dataclass
class Figures:
    """What a criterion, a domain or the whole edition adds up to."""

    criteria: int = 0
    ledger: Counter = field(default_factory=Counter)  # status code (or UNASSESSED) → criteria
    risks: Counter = field(default_factory=Counter)  # RISK_KEYS → open records
    materials: Counter = field(default_factory=Counter)  # MATERIAL_KEYS → requirements
    tasks: Counter = field(default_factory=Counter)  # task status → tasks; "total"
    cases: Counter = field(default_factory=Counter)  # "open", "late"

    def add(self, other: Figures) -> None:
        self.criteria += other.criteria
        for mine, theirs in ((self.ledger, other.ledger), (self.risks, other.risks), (self.materials, other.materials),
                             (self.tasks, other.tasks), (self.cases, other.cases)):
            mine.update(theirs)

    @property
    def ledger_counts(self) -> list[int]:
        """The criteria by ledger status, in ``STATUS_ORDER`` (the page's columns)."""
        return [self.ledger[code] for code in STATUS_ORDER]

    @property
    def assessed(self) -> int:
        return self.criteria - self.ledger[UNASSESSED]

    @property
    def met_rate(self) -> float | None:
        """达标率: met among the criteria assessed and applicable (None before any is)."""
        applicable = self.assessed - self.ledger[LedgerStatus.NOT_APPLICABLE]
        return round(100 * self.ledger[LedgerStatus.MET] / applicable, 1) if applicable else None

    @property
    def materials_rate(self) -> float | None:
        """Online materials approved among those required (None when none is required)."""
        required = self.materials["required"]
        return round(100 * self.materials["approved"] / required, 1) if required else None

    @property
    def open_risks(self) -> int:
        return self.risks["triggered"] + self.risks["warning"] + self.risks["watch"]

    @property
    def tasks_late(self) -> int:
        return self.tasks[TaskStatus.BEHIND] + self.tasks[TaskStatus.OVERDUE]

    @property
    def attention(self) -> bool:
        """Worth a look first: triggered risk, a criterion not met, materials returned or missing, late work."""
        return bool(self.risks["triggered"] or self.ledger[LedgerStatus.NOT_MET] or self.materials["returned"]
                    or self.materials["missing"] or self.tasks[TaskStatus.OVERDUE] or self.cases["late"])


@dataclass
class CriterionRow:
    criterion: Criterion
    figures: Figures
    ledger: dict | None  # the latest entry's status, label, when and period, or None


@dataclass
class DomainRow:
    domain: Domain
    figures: Figures = field(default_factory=Figures)
    rows: list[CriterionRow] = field(default_factory=list)


@dataclass
class Readiness:
    edition: Edition
    period: object | None  # the ledger period read (the current one), or None before any exists
    total: Figures
    domains: list[DomainRow]


def _task_statuses(criterion_ids: list[int], today: dt.date) -> dict[int, Counter]:
    """Each criterion's linked campaign tasks counted by status (two queries for all)."""
    links = list(Criterion.tasks.through.objects.filter(criterion_id__in=criterion_ids)
                 .values_list("criterion_id", "task_id"))
    tasks = Task.objects.filter(pk__in={t for _, t in links}).prefetch_related("milestones")
    status = {t.pk: task_status(t, now=today, milestones=list(t.milestones.all())) for t in tasks}
    out: dict[int, Counter] = defaultdict(Counter)
    for criterion_id, task_id in links:
        out[criterion_id][status[task_id]] += 1
        out[criterion_id]["total"] += 1
    return out


def _case_counts(rows: list[Criterion], now: dt.datetime) -> dict[int, Counter]:
    """Open and overdue cases in each criterion's linked categories (one query for all the categories)."""
    categories = {c.pk: [x.pk for x in c.categories.all()] for c in rows}
    counts = case_counts_by_category({pk for ids in categories.values() for pk in ids}, now)
    out: dict[int, Counter] = {}
    for pk, ids in categories.items():
        out[pk] = Counter(open=sum(counts.get(i, {}).get("open", 0) for i in ids),
                          late=sum(counts.get(i, {}).get("late", 0) for i in ids))
    return out


def readiness(user, edition: Edition, *, now: dt.datetime, domain: Domain | None = None,
              kind: str = "") -> Readiness:
    """The edition's readiness in this person's scope, by domain (each domain's criteria when ``domain`` is
    given, else the domains' figures only — the criteria are read either way, to add them up)."""
    qs = criteria(user, edition).select_related("lead_unit", "indicator").prefetch_related(
        Prefetch("categories", queryset=Category.objects.only("pk")))
    if domain is not None:
        qs = qs.filter(domain=domain)
    if kind:
        qs = qs.filter(kind=kind)
    rows = list(qs.order_by("kind", "sort", "code"))
    ids = [c.pk for c in rows]
    period = ledger_current_period(edition=edition)
    ledger = ledger_status_by_criterion(criterion_ids=ids, period_id=period.pk if period else None)
    risks = risk_open_by_criterion(criterion_ids=ids)
    materials = materials_completeness_by_criterion(criterion_ids=ids)
    tasks = _task_statuses(ids, timezone.localdate(now))  # the city's day, not UTC's
    cases = _case_counts(rows, now)
    domains = {d.pk: DomainRow(domain=d) for d in Domain.objects.filter(edition=edition).order_by("-kind", "sort",
                                                                                                  "code")}
    total = Figures()
    for c in rows:
        entry = ledger.get(c.pk)
        figures = Figures(criteria=1, tasks=tasks.get(c.pk, Counter()), cases=cases.get(c.pk, Counter()))
        figures.ledger[entry["status"] if entry else UNASSESSED] += 1
        figures.risks.update({k: v for k, v in risks.get(c.pk, {}).items() if k in RISK_KEYS})
        figures.materials.update({k: v for k, v in materials.get(c.pk, {}).items() if k in MATERIAL_KEYS})
        row = domains[c.domain_id]
        row.figures.add(figures)
        if domain is not None:
            row.rows.append(CriterionRow(criterion=c, figures=figures, ledger=entry))
        total.add(figures)
    return Readiness(edition=edition, period=period, total=total,
                     domains=[d for d in domains.values() if d.figures.criteria])


def readiness_headline(user, edition: Edition | None, *, now: dt.datetime) -> Figures | None:
    """The whole edition's figures for a home page tile (None without an edition)."""
    if edition is None:
        return None
    return readiness(user, edition, now=now).total

