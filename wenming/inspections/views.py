"""Pages of the inspections app: schemes (view, import), rounds (plan, the round page with its sampling method,
scores and rankings, release), the follow-up of a round's findings (督办单 in one action, re-inspections), and the
inspector's phone pages (my day, one site's checklist).

Thin: rows through ``restrict``/``get_or_404`` (a planned round is 404 to all but its planners), one service per
POST. Inspectors are named to the command centre and administrators only (``selectors.inspector_label``)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wenming.cases.models import Case
from wenming.cases.services import workflow as wf
from wenming.common.access import can, get_or_404, restrict
from wenming.common.errors import WorkflowError
from wenming.common.roles import Role
from wenming.common.tabular_import import ImportFailed
from wenming.inspections import selectors
from wenming.inspections.app_views import conflict_settling
from wenming.inspections.forms import (
    NoticesForm,
    ReinspectForm,
    ResultForm,
    RoundPlanForm,
    SchemeImportForm,
    VersionForm,
)
from wenming.inspections.models import Outcome, Round, Scheme
from wenming.inspections.models.schemes import FAILING
from wenming.inspections.services import results as res
from wenming.inspections.services import rounds as rs
from wenming.inspections.services.actions import actions_for, can_plan
from wenming.inspections.services.schemes import scheme_import
from wenming.inspections.services.scoring import round_scores
from wenming.org.models import Person


def _planner(request) -> None:
    if not can_plan(request.user):
        raise Http404


def _inspector(request) -> None:
    if not request.user.roles.filter(role=Role.INSPECTOR).exists():
        raise Http404


# -- schemes ------------------------------------------------------------------------------------------------------

@require_safe
@login_required
def scheme_list(request):
    _planner(request)
    return render(request, "inspections/scheme_list.html", {"schemes": selectors.schemes(request.user)})


@require_safe
@login_required
def scheme_detail(request, pk: int):
    _planner(request)
    scheme = get_or_404(Scheme.objects.select_related("site_type"), request.user, pk=pk)
    return render(request, "inspections/scheme_detail.html", {"scheme": scheme,
                                                              "items": selectors.scheme_items(scheme)})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def scheme_import_page(request):
    _planner(request)
    form = SchemeImportForm(request.POST or None, request.FILES or None)
    context, status = {"form": form}, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower()
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / f"scheme{suffix if suffix in {'.xlsx', '.csv'} else '.bin'}"
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                try:
                    done = scheme_import(path=path, actor=request.user, dry_run=form.cleaned_data["dry_run"])
                except ImportFailed as exc:
                    context["errors"] = exc.report.error_lines()
                except WorkflowError as exc:
                    context["errors"] = [str(exc)]
                else:
                    status = 200
                    context["report"] = done.report
                    context["changes"] = done.report.change_lines()
    return render(request, "inspections/scheme_import.html", context, status=status)


# -- rounds -------------------------------------------------------------------------------------------------------

@require_safe
@login_required
def round_list(request):
    if not can(request.user, Round):
        raise Http404
    return render(request, "inspections/round_list.html", {"rounds": selectors.rounds(request.user),
                                                           "can_plan": can_plan(request.user)})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def round_plan(request):
    _planner(request)
    form = RoundPlanForm(request.POST or None, inspector_choices=selectors.inspectors_choices(request.user))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                round_ = rs.round_plan(
                    actor=request.user, code=d["code"], name=d["name"], starts_on=d["starts_on"],
                    ends_on=d["ends_on"], firm_name=d["firm_name"],
                    inspectors=list(Person.objects.filter(pk__in=d["inspectors"])),
                    schemes=list(Scheme.objects.filter(pk__in=d["schemes"])), seed=d["seed"],
                    districts=list(d["districts"]), units=list(d["units"]),
                    default_sample_size=d["default_sample_size"], sample_sizes=d["sample_sizes"])
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Round %(code)s planned: %(n)d sites sampled.")
                                 % {"code": round_.code, "n": round_.assignments.count()})
                return redirect("inspections:round", pk=round_.pk)
    return render(request, "inspections/round_plan.html", {"form": form}, status=status)


def _round(request, pk: int) -> Round:
    return get_or_404(Round.objects.all(), request.user, pk=pk)


@require_safe
@login_required
def round_detail(request, pk: int):
    round_ = _round(request, pk)
    planner = can_plan(request.user)
    scores = round_scores(round_)
    context = {
        "round": round_, "scores": scores, "planner": planner, "strata": round_.method.get("strata", []),
        "districts": round_.districts.all(), "units": round_.units.all(),
        "actions": actions_for(round_, request.user),
        "version_form": VersionForm(initial={"version": round_.version}),
        "finding_count": sum(s.failed + s.severe for s in scores.sites),
    }
    if planner:
        labels = dict(Outcome.choices)
        conflicts = [{"at": c.created_at, "site": c.data.get("site"), "item": c.data.get("item"),
                      "refused": labels.get(c.data.get("outcome"), ""), "kept": labels.get(c.data.get("kept_outcome"), "")}
                     for c in selectors.conflicts(round_)]
        context.update({"workload": selectors.workload(round_, request.user),
                        "conflicts": conflicts, "events": selectors.events(round_),
                        "schemes": round_.schemes.select_related("site_type")})
        context.update(conflict_settling(round_, request.user))  # the conflicts again, with how each was settled
    return render(request, "inspections/round_detail.html", context)


@require_POST
@login_required
def round_release(request, pk: int):
    _planner(request)
    round_ = _round(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():  # the page always sends the version it showed: without it, nothing is released
        messages.error(request, _("Someone changed this round meanwhile: reload the page and try again."))
        return redirect("inspections:round", pk=round_.pk)
    try:
        rs.round_release(round_id=round_.pk, actor=request.user, expected_version=form.cleaned_data["version"])
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The round's findings are released: units and districts now see the round."))
    return redirect("inspections:round", pk=round_.pk)


def _visible_cases(request, findings) -> set[int]:
    ids = [f.case_id for f in findings if f.case_id]
    return set(restrict(Case.objects.filter(pk__in=ids), request.user).values_list("pk", flat=True))


@require_safe
@login_required
def round_followup(request, pk: int):
    _planner(request)
    return _followup_page(request, _round(request, pk))


def _followup_page(request, round_: Round, *, notices_form=None, reinspect_form=None, status=200):
    now = timezone.now()
    findings = list(rs.findings(round_).prefetch_related("reinspections__results"))
    visible = _visible_cases(request, findings)
    for f in findings:
        f.case_shown = f.case if f.case_id in visible else None
        f.late = bool(f.case and f.case.unit_id and f.case.state in rs.UNIT_STATES and f.case.is_overdue(now))
        f.recheck = next((a for a in f.reinspections.all()), None)
        f.recheck_result = next(iter(f.recheck.results.all()), None) if f.recheck else None
    choices = selectors.inspectors_choices(request.user)
    return render(request, "inspections/round_followup.html", {
        "round": round_, "findings": findings, "late": sum(1 for f in findings if f.late),
        "actions": {a.key for a in actions_for(round_, request.user)},
        "notices_form": notices_form or NoticesForm(initial={"version": round_.version}),
        "reinspect_form": reinspect_form or ReinspectForm(
            initial={"version": round_.version, "day": timezone.localdate() + dt.timedelta(days=1)},
            inspector_choices=choices),
    }, status=status)


@require_POST
@login_required
def round_notices(request, pk: int):
    _planner(request)
    round_ = _round(request, pk)
    form = NoticesForm(request.POST)
    if not form.is_valid():
        return _followup_page(request, round_, notices_form=form, status=400)
    try:
        rs.round_notices_issue(round_id=round_.pk, actor=request.user, demand=form.cleaned_data["demand"],
                               answer_within_hours=form.cleaned_data["hours"],
                               expected_version=form.cleaned_data["version"])
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        last = round_.events.order_by("-pk").first()
        messages.success(request, _("Supervision notices issued: %(issued)d; refused: %(refused)d.") % {
            "issued": len(last.data.get("issued", [])), "refused": len(last.data.get("refused", []))})
    return redirect("inspections:followup", pk=round_.pk)


@require_POST
@login_required
def round_reinspect(request, pk: int):
    _planner(request)
    round_ = _round(request, pk)
    form = ReinspectForm(request.POST, inspector_choices=selectors.inspectors_choices(request.user))
    if not form.is_valid():
        return _followup_page(request, round_, reinspect_form=form, status=400)
    try:
        made = rs.round_reinspections_assign(
            round_id=round_.pk, actor=request.user, day=form.cleaned_data["day"],
            inspector=Person.objects.get(pk=form.cleaned_data["inspector"]),
            expected_version=form.cleaned_data["version"])
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(n)d re-inspections assigned.") % {"n": len(made)})
    return redirect("inspections:followup", pk=round_.pk)


# -- the inspector's phone pages ----------------------------------------------------------------------------------

def _day(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


@require_safe
@login_required
def my_day(request):
    _inspector(request)
    day = _day(request)
    assignments = list(selectors.my_assignments(request.user, day))
    for a in assignments:
        a.done = len(a.results.all())
        a.total = 1 if a.finding_id else len(a.scheme.items.all())
    return render(request, "inspections/my_day.html", {
        "day": day, "assignments": assignments,
        "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1)})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def assignment_page(request, pk: int):
    _inspector(request)
    assignment = selectors.assignment_mine(request.user, pk)
    if assignment is None:
        raise Http404
    items = list(assignment.scheme.items.all())
    if assignment.finding_id:
        items = [i for i in items if i.pk == assignment.finding.item_id]
    recorded = {r.item_id: r for r in assignment.results.all()}
    # Every item may be sent (a repeated post is answered by its client id), the ones not recorded yet first.
    form = ResultForm(request.POST or None, request.FILES or None,
                      items=sorted(items, key=lambda i: i.pk in recorded))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            photo = d["photo"][0] if d["photo"] else None
            [answer] = res.results_sync(actor=request.user, observations=[res.Observation(
                client_id=str(d["client_id"]), assignment_id=assignment.pk, item_code=d["item"],
                outcome=d["outcome"], observed_at=timezone.now(), note=d["note"], lng=d["lng"], lat=d["lat"],
                photo=wf.Upload(name=photo.name, content=photo.read()) if photo else None)])
            if answer.status in {res.CREATED, res.DUPLICATE}:
                if answer.case_number:
                    messages.success(request, _("Recorded; the problem was reported as case %(number)s.")
                                     % {"number": answer.case_number})
                else:
                    messages.success(request, _("Recorded."))
                return redirect("inspections:assignment", pk=assignment.pk)
            form.add_error(None, answer.message)
    rows = [(i, recorded.get(i.pk)) for i in items]
    return render(request, "inspections/assignment.html", {
        "assignment": assignment, "rows": rows, "form": form, "failing": sorted(FAILING),
        "done": len(recorded), "total": len(items),
    }, status=status)

