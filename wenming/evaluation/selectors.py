"""Reads of the framework: the edition tree, a criterion's linked work, "my criteria", the comparison of two
editions. Criteria always come through ``restrict`` (a unit sees the criteria it leads or shares)."""

from __future__ import annotations

import datetime as dt
import difflib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from wenming.campaign.selectors import tasks_with_status
from wenming.cases.models import Case, Category
from wenming.cases.models.case import OPEN_STATES
from wenming.cases.selectors import overdue_q
from wenming.common.access import restrict, scope_for
from wenming.evaluation.models import Clause, Criterion, CriterionKind, Domain, Edition, Indicator, Method
from wenming.org.models import Site


def editions(user) -> QuerySet:
    return restrict(Edition.objects.all(), user).annotate(
        criteria_count=Count("criteria", filter=Q(criteria__kind=CriterionKind.CONTENT), distinct=True),
        negative_count=Count("criteria", filter=Q(criteria__kind=CriterionKind.NEGATIVE), distinct=True),
        opinion_count=Count("criteria", filter=Q(criteria__kind=CriterionKind.OPINION), distinct=True),
    ).order_by("-year", "code")  # a grouped query ignores Meta.ordering


def current_edition(user) -> Edition | None:
    """The edition marked current, else the newest one."""
    qs = restrict(Edition.objects.all(), user)
    return qs.filter(is_current=True).first() or qs.order_by("-year", "-created_at").first()


def criteria(user, edition: Edition) -> QuerySet:
    return restrict(Criterion.objects.filter(edition=edition), user)


@dataclass
class TreeFilters:
    q: str = ""
    kind: str = ""
    method: str = ""
    unit: int | None = None
    unassigned: bool = False

    @property
    def active(self) -> bool:
        return bool(self.q or self.kind or self.method or self.unit or self.unassigned)


def edition_tree(user, edition: Edition, filters: TreeFilters) -> list[Domain]:
    """The edition's domains (projects first, then the fields of the lists), each with its indicators and the
    criteria this person sees that match the filters; domains and indicators left empty by them are left out.
    A fixed number of queries whatever the edition's size."""
    qs = criteria(user, edition)
    if filters.q:
        words = Q(code__icontains=filters.q) | Q(text__icontains=filters.q) | Q(clauses__text__icontains=filters.q)
        qs = qs.filter(pk__in=Criterion.objects.filter(words).values("pk"))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.method:
        # Methods are stored as a JSON list of their values; a quoted value matches one whole element.
        qs = qs.filter(pk__in=Clause.objects.filter(methods__icontains=f'"{filters.method}"').values("criterion_id"))
    if filters.unit:
        qs = qs.filter(Q(lead_unit_id=filters.unit) | Q(responsible_units=filters.unit)).distinct()
    if filters.unassigned:
        qs = qs.filter(lead_unit__isnull=True)
    rows = list(qs.order_by("kind", "sort", "code").select_related("lead_unit").prefetch_related(
        Prefetch("clauses", queryset=Clause.objects.order_by("number")),
        "responsible_units"))
    by_indicator: dict[int, list[Criterion]] = defaultdict(list)
    by_domain: dict[int, list[Criterion]] = defaultdict(list)
    for c in rows:
        (by_indicator[c.indicator_id] if c.indicator_id else by_domain[c.domain_id]).append(c)
    indicators: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in Indicator.objects.filter(edition=edition).order_by("sort", "code"):
        indicator.rows = by_indicator.get(indicator.pk, [])
        if indicator.rows:
            indicators[indicator.domain_id].append(indicator)
    tree = []
    for domain in Domain.objects.filter(edition=edition).order_by("-kind", "sort", "code"):
        domain.indicator_rows = indicators.get(domain.pk, [])
        domain.rows = by_domain.get(domain.pk, [])
        domain.count = len(domain.rows) + sum(len(i.rows) for i in domain.indicator_rows)
        domain.negative = [c for c in domain.rows if c.kind == CriterionKind.NEGATIVE]
        domain.opinion = [c for c in domain.rows if c.kind == CriterionKind.OPINION]
        if domain.count:
            tree.append(domain)
    return tree


# -- the work linked to criteria ------------------------------------------------------------------------------------

def case_counts_by_category(category_ids, now: dt.datetime) -> dict[int, dict]:
    """Open and overdue cases per category, city-wide: figures, not the cases (those open through the workbench,
    in each person's scope)."""
    rows = (Case.objects.filter(category_id__in=list(category_ids), state__in=OPEN_STATES).order_by()
            .values_list("category_id").annotate(open=Count("id"), late=Count("id", filter=overdue_q(now)))
            .values_list("category_id", "open", "late"))
    return {category_id: {"open": open_, "late": late} for category_id, open_, late in rows}


def criteria_with_work(rows: list[Criterion], now: dt.datetime) -> list[Criterion]:
    """Each criterion's open and overdue cases summed over its linked categories (one query for all)."""
    categories = {c.pk: [x.pk for x in c.categories.all()] for c in rows}
    counts = case_counts_by_category({pk for ids in categories.values() for pk in ids}, now)
    for c in rows:
        c.open_cases = sum(counts.get(pk, {}).get("open", 0) for pk in categories[c.pk])
        c.late_cases = sum(counts.get(pk, {}).get("late", 0) for pk in categories[c.pk])
    return rows


@dataclass
class Work:
    categories: list[Category] = field(default_factory=list)
    open_cases: int = 0
    late_cases: int = 0
    tasks: list = field(default_factory=list)
    site_types: list = field(default_factory=list)


def criterion_work(criterion: Criterion, now: dt.datetime) -> Work:
    work = Work(categories=list(criterion.categories.order_by("code")))
    counts = case_counts_by_category([c.pk for c in work.categories], now)
    for category in work.categories:
        category.open_cases = counts.get(category.pk, {}).get("open", 0)
        category.late_cases = counts.get(category.pk, {}).get("late", 0)
        work.open_cases += category.open_cases
        work.late_cases += category.late_cases
    work.tasks = tasks_with_status(criterion.tasks.all())
    sites = dict(Site.objects.filter(site_type__in=criterion.site_types.all(), is_active=True).order_by()
                 .values_list("site_type_id").annotate(n=Count("id")).values_list("site_type_id", "n"))
    work.site_types = list(criterion.site_types.order_by("sort", "code"))
    for site_type in work.site_types:
        site_type.site_count = sites.get(site_type.pk, 0)
    return work


def my_criteria(user, edition: Edition, now: dt.datetime) -> list[Criterion]:
    """The criteria in this person's scope, each marked as led by their unit, shared, or in their area."""
    unit_paths = scope_for(user).unit_paths
    rows = list(criteria(user, edition).select_related("lead_unit", "domain", "indicator", "task_force")
                .prefetch_related("responsible_units", "categories", "tasks").order_by("kind", "sort", "code"))
    for c in rows:
        if c.lead_unit and c.lead_unit.path.startswith(unit_paths or ("\0",)):
            c.part = "lead"
        elif any(u.path.startswith(unit_paths or ("\0",)) for u in c.responsible_units.all()):
            c.part = "shared"
        else:
            c.part = "area"
    return criteria_with_work(rows, now)


# -- comparing two editions --------------------------------------------------------------------------------------

ADDED, REMOVED, REWORDED, METHODS = "added", "removed", "reworded", "methods"


@dataclass
class Change:
    change: str  # ADDED, REMOVED, REWORDED, METHODS
    level: str  # "criterion" or "clause"
    code: str
    kind: str  # the criterion's kind
    old: str = ""
    new: str = ""
    old_methods: list[str] = field(default_factory=list)
    new_methods: list[str] = field(default_factory=list)
    diff: list[tuple[str, str]] = field(default_factory=list)  # ("equal" | "delete" | "insert", text)

    @property
    def old_labels(self) -> list[str]:
        return _labels(self.old_methods)

    @property
    def new_labels(self) -> list[str]:
        return _labels(self.new_methods)

    @property
    def labels(self) -> list[str]:
        return _labels(self.new_methods or self.old_methods)


def _labels(methods: list[str]) -> list[str]:
    return [str(Method(m).label) for m in methods if m in Method.values]


@dataclass
class Comparison:
    old: Edition
    new: Edition
    changes: list[Change]
    unchanged: int

    @property
    def counts(self) -> dict[str, int]:
        found = dict.fromkeys((ADDED, REMOVED, REWORDED, METHODS), 0)
        for c in self.changes:
            found[c.change] += 1
        return found


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Character by character (Chinese has no spaces to split words at): the runs kept, deleted and inserted."""
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("equal", old[i1:i2]))
            continue
        if op in ("delete", "replace"):
            out.append(("delete", old[i1:i2]))
        if op in ("insert", "replace"):
            out.append(("insert", new[j1:j2]))
    return out


def _framework(edition: Edition) -> tuple[dict[str, Criterion], dict[str, Clause]]:
    rows = {c.code: c for c in Criterion.objects.filter(edition=edition).only("code", "text", "kind", "sort")}
    clauses = {f"{cl.criterion.code}-{cl.number}": cl for cl in
               Clause.objects.filter(criterion__edition=edition).select_related("criterion").only(
                   "number", "text", "methods", "criterion__code", "criterion__kind")}
    return rows, clauses


def editions_compare(old: Edition, new: Edition) -> Comparison:
    """What changed from ``old`` to ``new``: criteria and clauses matched by code (a clause's code is its
    criterion's and its number, "P5.1.1-2"); same code and another text is reworded."""
    old_rows, old_clauses = _framework(old)
    new_rows, new_clauses = _framework(new)
    changes: list[Change] = []
    unchanged = 0
    for level, before, after in (("criterion", old_rows, new_rows), ("clause", old_clauses, new_clauses)):
        for code in sorted(before.keys() | after.keys(), key=_code_key):
            a, b = before.get(code), after.get(code)
            kind = (b or a).kind if level == "criterion" else (b or a).criterion.kind
            if a is None:
                changes.append(Change(ADDED, level, code, kind, new=b.text, new_methods=_methods(b)))
            elif b is None:
                changes.append(Change(REMOVED, level, code, kind, old=a.text, old_methods=_methods(a)))
            elif a.text != b.text:
                changes.append(Change(REWORDED, level, code, kind, old=a.text, new=b.text, old_methods=_methods(a),
                                      new_methods=_methods(b), diff=text_diff(a.text, b.text)))
            elif _methods(a) != _methods(b):
                changes.append(Change(METHODS, level, code, kind, old=a.text, new=b.text, old_methods=_methods(a),
                                      new_methods=_methods(b)))
            else:
                unchanged += 1
    changes.sort(key=lambda c: (_code_key(c.code), c.level != "criterion"))
    return Comparison(old=old, new=new, changes=changes, unchanged=unchanged)


def _methods(row) -> list[str]:
    return list(getattr(row, "methods", []) or [])


def _code_key(code: str) -> tuple:
    """P5.1.10 after P5.1.9: the numeric parts compared as numbers."""
    parts = []
    for piece in code.replace("-", ".").split("."):
        parts.append((0, int(piece), "") if piece.isdigit() else (1, 0, piece))
    return tuple(parts)

