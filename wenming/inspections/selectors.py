"""Reads for the inspections pages and API, all through ``restrict``: a planned round is its planners' only; an
inspector reads only the assignments given to them. Inspectors are named to the command centre and
administrators only (as on the case page); to anyone else, the evaluation office included, by number."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import Case
from wenming.common.access import restrict, scope_for
from wenming.common.roles import COMMAND_OR_ADMIN, Role
from wenming.evaluation.field_results import FieldResult
from wenming.inspections.models import (
    Assignment,
    AssignmentKind,
    Result,
    Round,
    RoundEvent,
    Scheme,
    SchemeItem,
)
from wenming.inspections.models.schemes import FAILING, Outcome
from wenming.org.models import Person, Site


def names_inspectors(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or scope_for(user).roles & COMMAND_OR_ADMIN)


def inspector_label(person_id: int, name: str, viewer) -> str:
    """An inspector as this viewer may know them: by name for the command centre, administrators and themselves;
    by number for everyone else."""
    if person_id == viewer.pk or names_inspectors(viewer):
        return name
    return _("Inspector no. %(number)d") % {"number": person_id}


def inspectors_choices(viewer) -> list[tuple[int, str]]:
    people = Person.objects.filter(roles__role=Role.INSPECTOR, is_active=True).distinct().order_by("pk")
    return [(p.pk, inspector_label(p.pk, str(p), viewer)) for p in people]


def rounds(user):
    return restrict(Round.objects.all(), user).annotate(
        sites=Count("assignments", filter=Q(assignments__kind=AssignmentKind.INSPECT), distinct=True))


def schemes(user):
    return restrict(Scheme.objects.select_related("site_type"), user).annotate(item_count=Count("items"))


def scheme_items(scheme: Scheme):
    return scheme.items.select_related("category", "clause__criterion").order_by("sort", "code")


def my_assignments(user, day: dt.date):
    """The inspector's own assignments of a day, with their sites and checklists (of the scheme version the round
    was planned with) and what is recorded already."""
    items = Prefetch("scheme__items", queryset=SchemeItem.objects.select_related("category").order_by("sort", "code"))
    return (restrict(Assignment.objects.filter(assignee=user, day=day), user)
            .select_related("round", "site", "site__site_type", "scheme", "finding__item", "finding__case")
            .prefetch_related(items, Prefetch("results", queryset=Result.objects.select_related("item", "case")))
            .order_by("site__code"))


def assignment_mine(user, pk: int) -> Assignment | None:
    return my_assignments_all(user).filter(pk=pk).first()


def my_assignments_all(user):
    items = Prefetch("scheme__items", queryset=SchemeItem.objects.select_related("category").order_by("sort", "code"))
    return (restrict(Assignment.objects.filter(assignee=user), user)
            .select_related("round", "site", "site__site_type", "scheme", "finding__item", "finding__case")
            .prefetch_related(items, Prefetch("results", queryset=Result.objects.select_related("item", "case"))))


def workload(round_: Round, viewer) -> list[dict]:
    """Sites per inspector per day (the planners' view of the assignments)."""
    rows = (round_.assignments.values("assignee_id", "assignee__display_name", "assignee__username", "day", "kind")
            .annotate(n=Count("pk"), done=Count("results__assignment", distinct=True)).order_by("day", "assignee_id"))
    return [{**r, "label": inspector_label(r["assignee_id"], r["assignee__display_name"] or r["assignee__username"],
                                           viewer)} for r in rows]


def conflicts(round_: Round):
    return RoundEvent.objects.filter(round=round_, action="conflict").order_by("-pk")[:200]


def events(round_: Round):
    return RoundEvent.objects.filter(round=round_).order_by("-pk")[:50]


def sites_explained(entries: list, viewer) -> list[dict]:
    """The (round, site) entries behind an index's inspection score (scoring's evidence: round id, site id, score,
    finding result ids), read for the explanation page: the round, the site, its score and its findings by item,
    with the finding's case number where the viewer may open the case. Released rounds only; no inspector."""
    round_ids = {e[0] for e in entries}
    rounds_by_id = {r.pk: r for r in Round.objects.filter(pk__in=round_ids, released_at__isnull=False)
                    .only("id", "code", "name", "released_at")}
    site_ids = {e[1] for e in entries}
    sites_by_id = {s.pk: s for s in Site.objects.filter(pk__in=site_ids).only("id", "code", "name")}
    result_ids = {r for e in entries for r in e[3]}
    results = {r.pk: r for r in Result.objects.filter(pk__in=result_ids).select_related("item")
               .only("id", "outcome", "case_id", "observed_at", "item__code", "item__text")}
    visible = {c.pk: c.number for c in restrict(Case.objects.filter(
        pk__in={r.case_id for r in results.values() if r.case_id}), viewer).only("id", "reported_at")}
    out = []
    for round_id, site_id, score, finding_ids in entries:
        round_ = rounds_by_id.get(round_id)
        if round_ is None:
            continue
        site = sites_by_id.get(site_id)
        findings = []
        for pk in finding_ids:
            result = results.get(pk)
            if result is not None:
                findings.append({"code": result.item.code, "text": result.item.text,
                                 "outcome": result.get_outcome_display(), "severe": result.outcome == "severe",
                                 "observed": result.observed_at, "case_id": result.case_id if result.case_id in visible
                                 else None, "case_number": visible.get(result.case_id, "")})
        out.append({"round": round_, "site": site, "score": score, "findings": findings})
    return out


def findings_citable(*, ids: list[int], unit) -> set[int]:
    """Of these result ids, the findings an accountability record about ``unit`` may cite: failed items of a
    released round (an unannounced round stays unannounced) whose case the unit (or a unit under it) held, or at
    a site it guarantees."""
    if not ids:
        return set()
    about_unit = (Q(case__unit__path__startswith=unit.path)
                  | Q(assignment__site__guarantor_unit__path__startswith=unit.path))
    return set(Result.objects.filter(about_unit, pk__in=ids, outcome__in=FAILING, round__released_at__isnull=False)
               .values_list("pk", flat=True))


def findings_cited(results, viewer) -> list[dict]:
    """Findings as an accountability record shows them: round, site, item, result, when, and the case number where
    the viewer may open the case. Never the inspector."""
    rows = list(results.select_related("round", "assignment__site", "item").order_by("round__code", "pk"))
    visible = {c.pk: c.number for c in restrict(Case.objects.filter(
        pk__in={r.case_id for r in rows if r.case_id}), viewer).only("id", "reported_at")}
    return [{"id": r.pk, "round": f"{r.round.code} {r.round.name}", "site": r.assignment.site.name,
             "item": f"{r.item.code} {r.item.text}", "outcome": r.get_outcome_display(), "observed": r.observed_at,
             "case_id": r.case_id if r.case_id in visible else None, "case_number": visible.get(r.case_id, "")}
            for r in rows]


def field_results_by_criterion(*, criterion_ids: list[int], starts_on: dt.date, ends_on: dt.date) -> dict:
    """The ledger's 实地考察 feed (registered in apps.py): per criterion, the first-visit results of the rounds whose
    findings were released in the period, on the checklist items citing the criterion's clauses. One query."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(starts_on, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(ends_on + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    rows = (Result.objects.filter(item__clause__criterion_id__in=criterion_ids, assignment__kind=AssignmentKind.INSPECT,
                                  round__released_at__gte=start, round__released_at__lt=end)
            .values_list("item__clause__criterion_id", "outcome", "item__weight", "assignment__site_id", "round_id",
                         "round__code", "round__name"))
    out: dict[int, FieldResult] = {}
    for criterion_id, outcome, weight, site_id, round_id, code, name in rows.iterator():
        result = out.setdefault(criterion_id, FieldResult())
        result.sites.add(site_id)
        result.rounds[round_id] = f"{code} {name}"
        if outcome == Outcome.NOT_APPLICABLE:
            continue
        result.items += 1
        result.applicable_weight += weight
        if outcome == Outcome.PASS:
            result.passed_weight += weight
        else:
            result.findings += 1
            result.severe += outcome == Outcome.SEVERE
    return out
