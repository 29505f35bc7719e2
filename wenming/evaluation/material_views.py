"""Pages of the online materials (网报材料): the completeness board and its drill-down lists, a required material
with its versions, files, history and the review steps, the evaluation office's window, requirement edit and import
pages, and the streamed submission package. Thin: rows through restrict()/get_or_404, one service per POST."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from wenming.common.access import can, get_or_404, restrict
from wenming.common.errors import IllegalTransition, NotAllowed, WorkflowError
from wenming.common.files import content_disposition, file_response
from wenming.common.tabular_import import ImportFailed
from wenming.common.uploads import upload_spooled
from wenming.evaluation import material_selectors as ms
from wenming.evaluation import selectors
from wenming.evaluation.material_forms import (
    DrillForm,
    RequirementForm,
    RequirementImportForm,
    StepForm,
    WindowForm,
)
from wenming.evaluation.models import (
    Criterion,
    MaterialFile,
    MaterialRequirement,
    MaterialState,
)
from wenming.evaluation.services import materials as svc
from wenming.evaluation.services.material_package import material_package_stream


def _viewer(request) -> None:
    if not can(request.user, MaterialRequirement):
        raise Http404


def _reviewer(request) -> None:
    if not svc.can_review_materials(request.user):
        raise Http404


def _edition(request):
    edition = selectors.current_edition(request.user)
    if edition is None:
        raise Http404
    return edition


@require_safe
@login_required
def board(request):
    """查漏补缺: missing, waiting, returned and approved materials by unit, domain and criterion."""
    _viewer(request)
    edition = _edition(request)
    now = timezone.now()
    window = svc.window_of(edition.pk)
    data = ms.materials_board(request.user, edition, timezone.localdate(now))
    chart = {"domains": [f"{d['criterion__domain__code']}" for d in data.by_domain],
             "series": {key: [d[key] for d in data.by_domain] for key in ("approved", "submitted", "returned",
                                                                           "missing")},
             "labels": {"approved": _("Approved"), "submitted": _("Waiting for review"), "returned": _("Returned"),
                        "missing": _("Missing")},
             "title": _("Materials by domain"), "unit": _("materials")}
    return render(request, "evaluation/material_board.html", {
        "edition": edition, "board": data, "window": window, "window_open": svc.window_open(window, now),
        "can_review": svc.can_review_materials(request.user),
        "unit_only": ms.is_unit_only(request.user) and not svc.can_review_materials(request.user),
        "chart": chart,
    })


@require_safe
@login_required
def drill(request):
    """The requirements behind a number of the board."""
    _viewer(request)
    edition = _edition(request)
    form = DrillForm(request.GET or None)
    filters = ms.DrillFilters()
    if form.is_valid():
        d = form.cleaned_data
        filters = ms.DrillFilters(state=d["state"], unit=d["unit"], domain=d["domain"], criterion=d["criterion"],
                                  q=d["q"].strip())
    elif form.is_bound:
        return render(request, "evaluation/material_list.html", {"edition": edition, "form": form, "page": None},
                      status=400)
    rows = ms.materials_drill(request.user, edition, filters, timezone.localdate())
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "evaluation/material_list.html", {
        "edition": edition, "form": form, "page": page, "query": query.urlencode(), "today": timezone.localdate(),
    })


def _requirement(request, pk: int) -> MaterialRequirement:
    return get_or_404(MaterialRequirement.objects.select_related("criterion", "criterion__domain", "edition",
                                                                 "lead_unit", "latest")
                      .prefetch_related("responsible_units"), request.user, pk=pk)


def _detail_context(request, requirement: MaterialRequirement, form: StepForm | None = None) -> dict:
    now = timezone.now()
    window = svc.window_of(requirement.edition_id)
    submissions = list(restrict(requirement.submissions.all(), request.user).select_related(
        "unit", "submitted_by", "reviewed_by").prefetch_related(
        Prefetch("files", queryset=MaterialFile.objects.order_by("sort", "pk"))).order_by("-revision"))
    can_review = svc.can_review_materials(request.user)
    return {
        "requirement": requirement, "window": window, "window_open": svc.window_open(window, now),
        "actions": svc.material_actions_for(requirement, request.user, window=window, now=now),
        "submissions": submissions, "can_review": can_review,
        "events": restrict(requirement.events.select_related("actor", "submission"), request.user)
        .order_by("-at", "-id")[:100],
        "form": form or StepForm(initial={"version": requirement.version}),
        "overdue": requirement.state in (MaterialState.MISSING, MaterialState.RETURNED)
        and requirement.due_on < timezone.localdate(now),
    }


@require_safe
@login_required
def detail(request, pk: int):
    _viewer(request)
    requirement = _requirement(request, pk)
    return render(request, "evaluation/material_detail.html", _detail_context(request, requirement))


@require_POST
@login_required
def step(request, pk: int, key: str):
    """One step of the review table (submit, new version, return, approve)."""
    _viewer(request)
    requirement = _requirement(request, pk)
    if key not in svc.MATERIAL_ACTIONS:
        raise Http404
    form = StepForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            files = form.uploads()
        except ValidationError as exc:
            form.add_error(None, exc)
            return render(request, "evaluation/material_detail.html", _detail_context(request, requirement, form),
                          status=400)
        try:
            result = svc.material_step(requirement_id=requirement.pk, actor=request.user, action_key=key,
                                       expected_version=form.cleaned_data["version"], note=form.cleaned_data["note"],
                                       grade=form.cleaned_data["grade"], files=files)
        except MaterialRequirement.DoesNotExist:
            raise Http404 from None
        except WorkflowError as exc:
            form.add_error(None, str(exc))
            status = 403 if isinstance(exc, NotAllowed) else 409 if isinstance(exc, IllegalTransition) else 400
            return render(request, "evaluation/material_detail.html",
                          _detail_context(request, requirement, form), status=status)
        messages.success(request, _("%(step)s: done.") % {"step": svc.MATERIAL_ACTIONS[key].label})
        for warning in result.warnings:
            messages.warning(request, warning)
        return redirect("evaluation:material", pk=requirement.pk)
    return render(request, "evaluation/material_detail.html", _detail_context(request, requirement, form), status=400)


@require_safe
@login_required
def file_download(request, pk: int):
    """A submitted file, as a download (never shown inline), to whoever sees its requirement."""
    _viewer(request)
    row = get_or_404(MaterialFile.objects.all(), request.user, pk=pk)
    try:
        return file_response(row.file, name=row.name, inline_types=frozenset())
    except FileNotFoundError:
        raise Http404 from None


def _local_input(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


@login_required
def window(request):
    """The evaluation office opens or moves the current edition's submission window."""
    _reviewer(request)
    edition = _edition(request)
    current = svc.window_of(edition.pk)
    initial = {"version": current.version, "opens_at": _local_input(current.opens_at),
               "closes_at": _local_input(current.closes_at)} if current else {}
    form = WindowForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                svc.submission_window_set(edition_id=edition.pk, actor=request.user, opens_at=d["opens_at"],
                                          closes_at=d["closes_at"], expected_version=d["version"])
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The submission window is saved."))
                return redirect("evaluation:materials")
    return render(request, "evaluation/material_window.html", {"edition": edition, "form": form, "window": current},
                  status=status)


@login_required
def requirement_edit(request, criterion: int, pk: int | None = None):
    """The evaluation office adds a required material to a criterion or changes one."""
    _reviewer(request)
    crit = get_or_404(Criterion.objects.select_related("edition", "lead_unit"), request.user, pk=criterion)
    requirement = None
    initial = {"use_criterion_units": True}
    if pk is not None:
        requirement = _requirement(request, pk)
        if requirement.criterion_id != crit.pk:
            raise Http404
        initial = {"version": requirement.version, "kind": requirement.kind, "title": requirement.title,
                   "description": requirement.description, "required_count": requirement.required_count,
                   "formats": requirement.formats, "max_size_mb": requirement.max_size_mb,
                   "min_side_px": requirement.min_side_px, "due_on": requirement.due_on,
                   "use_criterion_units": False, "lead_unit": requirement.lead_unit_id,
                   "responsible_units": [u.pk for u in requirement.responsible_units.all()]}
    form = RequirementForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            own = not d["use_criterion_units"]
            values = svc.RequirementValues(
                kind=d["kind"], title=d["title"].strip(), due_on=d["due_on"], description=d["description"],
                required_count=d["required_count"], formats=tuple(d["formats"]), max_size_mb=d["max_size_mb"],
                min_side_px=d["min_side_px"], lead_unit_id=d["lead_unit"].pk if own and d["lead_unit"] else None,
                responsible_unit_ids=frozenset(u.pk for u in d["responsible_units"]) if own else None)
            try:
                saved = svc.material_requirement_save(actor=request.user, criterion_id=crit.pk, values=values,
                                                      requirement_id=requirement.pk if requirement else None,
                                                      expected_version=d["version"])
            except MaterialRequirement.DoesNotExist:
                raise Http404 from None
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The required material is saved."))
                return redirect("evaluation:material", pk=saved.pk)
    return render(request, "evaluation/material_requirement_form.html",
                  {"criterion": crit, "requirement": requirement, "form": form}, status=status)


@login_required
def requirements_import(request):
    """The requirement list from a sheet: a dry run first, every problem named by row and column."""
    _reviewer(request)
    edition = _edition(request)
    form = RequirementImportForm(request.POST or None, request.FILES or None)
    report, errors, status = None, [], 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = ".csv" if upload.name.lower().endswith(".csv") else ".xlsx"
            with upload_spooled(upload, suffix=suffix) as spooled:
                try:
                    report = svc.material_requirements_import(path=spooled, edition=edition,
                                                              actor=request.user,
                                                              dry_run=form.cleaned_data["dry_run"])
                except ImportFailed as exc:
                    report, errors = exc.report, exc.report.error_lines()
                else:
                    status = 200
    return render(request, "evaluation/material_import.html", {
        "edition": edition, "form": form, "report": report, "errors": errors,
        "changes": report.change_lines()[:200] if report and not errors else [],
        "columns": svc.IMPORT_COLUMNS}, status=status)


@require_safe
@login_required
def package(request):
    """The submission package of the current edition: streamed, the evaluation office's only."""
    _reviewer(request)
    edition = _edition(request)
    stream = material_package_stream(edition=edition, actor=request.user)
    response = StreamingHttpResponse(stream, content_type="application/zip")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = content_disposition(
        "attachment", f"{edition.name} {_('materials')} {stamp}.zip", fallback=f"{edition.code}-materials-{stamp}.zip")
    response["X-Content-Type-Options"] = "nosniff"
    return response

