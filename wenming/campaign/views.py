"""Campaign pages: task forces and their boards, tasks with progress reports, weekly meetings, the battle map.
Thin: rows through restrict()/get_or_404, one service per POST."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from wenming.campaign import selectors
from wenming.campaign.forms import DecisionForm, LineReviewForm, LineSubmitForm, MinutesForm, ProgressForm
from wenming.campaign.models import (
    Meeting,
    ProgressEvidence,
    TargetEvidence,
    TargetLine,
    Task,
    TaskForce,
    TaskKind,
)
from wenming.campaign.services import meetings as meeting_services
from wenming.campaign.services import target_lines as target_line_services
from wenming.campaign.services import tasks as task_services
from wenming.common.access import CHANGE, can, get_or_404, restrict
from wenming.common.errors import WorkflowError
from wenming.common.files import file_response
from wenming.common.input import date_param
from wenming.common.pagination import paginate
from wenming.org.models import Area


def _campaign_or_404(request):
    if not can(request.user, Task):
        raise Http404
    campaign = selectors.current_campaign()
    if campaign is None:
        raise Http404
    return campaign


@require_safe
@login_required
def overview(request):
    campaign = _campaign_or_404(request)
    return render(request, "campaign/overview.html", {
        "campaign": campaign, "forces": selectors.forces_overview(request.user, campaign),
        "actions": selectors.actions_overview(request.user, campaign),
    })


@require_safe
@login_required
def force_board(request, pk: int):
    campaign = _campaign_or_404(request)
    force = get_or_404(TaskForce.objects.select_related("leader"), request.user, pk=pk)
    tasks = selectors.tasks_with_status(restrict(Task.objects.filter(task_force=force), request.user))
    cases = selectors.cases_by_action(request.user, campaign)
    actions = list(force.actions.all())
    for a in actions:
        a.cases = cases.get(a.pk, {"total": 0, "open": 0})
    return render(request, "campaign/force_board.html", {
        "force": force, "tasks": tasks, "counts": selectors.status_counts(tasks), "actions": actions,
        "members": force.members.order_by("display_name"),
    })


@require_safe
@login_required
def task_detail(request, pk: int):
    _campaign_or_404(request)
    task = get_or_404(Task.objects.all(), request.user, pk=pk)
    return _task_page(request, task, ProgressForm())


def _task_page(request, task, form, status=200):
    [task] = selectors.tasks_with_status(Task.objects.filter(pk=task.pk))
    return render(request, "campaign/task_detail.html", {
        **(_targets_context(request, task) if task.target_rule else {}),
        "task": task, "form": form, "can_report": task_services.can_report(request.user, task) and task.measure == "reported",
        "reports": task.reports.select_related("unit", "reported_by").prefetch_related("evidence"),
        "events": task.events.select_related("actor").order_by("-at", "-id")[:50],
        "milestones": task.milestones.all(), "cooperating": task.cooperating_units.order_by("code"),
    }, status=status)


@require_POST
@login_required
def task_report(request, pk: int):
    _campaign_or_404(request)
    task = get_or_404(Task.objects.all(), request.user, pk=pk)
    form = ProgressForm(request.POST, request.FILES)
    if form.is_valid():
        files = [task_services.Upload(f.name, f.read()) for f in form.cleaned_data["files"]]  # count and size checked
        try:
            task_services.progress_report(task_id=task.pk, actor=request.user, value=form.cleaned_data["value"],
                                          narrative=form.cleaned_data["narrative"], files=files)
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Progress reported."))
            return redirect("campaign:task", pk=task.pk)
    return _task_page(request, task, form, status=400)


def _targets_context(request, task) -> dict:
    """The task page's 目标清单: counts, the filtered and paginated list, the gap list, the coverage points."""
    filters = {"status": request.GET.get("status", "")[:16], "area": request.GET.get("area", "")[:255],
               "unit": request.GET.get("unit", "")[:12], "q": request.GET.get("q", "").strip()[:50]}
    unit = int(filters["unit"]) if filters["unit"].isdigit() else None
    lines = selectors.target_lines(request.user, task, status=filters["status"], area_path=filters["area"],
                                   owner_unit=unit, q=filters["q"])
    # The page's ids through the scope first, then their rows (selectors.line_rows).
    page = paginate(request, lines.order_by("area_path", "id").values_list("id", flat=True))
    page.object_list = selectors.line_rows(list(page.object_list))
    section = selectors.target_section(request.user, task)
    return {
        "targets": section, "lines": page, "filters": filters,
        "filter_areas": restrict(Area.objects.filter(level__in=["county", "street"]), request.user)
        .defer("geometry").order_by("path"),
        "coverage": selectors.coverage_points(request.user, task) if section["area_rule"] else None,
        "can_recompute": target_line_services.can_recompute(request.user, task),
    }


@require_POST
@login_required
def targets_recompute(request, pk: int):
    _campaign_or_404(request)
    task = get_or_404(Task.objects.all(), request.user, pk=pk)
    try:
        counts = target_line_services.task_targets_recompute(task_id=task.pk, actor=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Target list recomputed: %(lines)d lines.") % {"lines": counts["lines"]})
    return redirect("campaign:task", pk=task.pk)


def _line_page(request, line, submit_form=None, review_form=None, status=200):
    actions = {a.key for a in target_line_services.line_actions_for(line, request.user)}
    return render(request, "campaign/line_detail.html", {
        "line": line, "task": line.task, "can_submit": "submit" in actions, "can_review": bool(actions & {"accept", "return"}),
        "submit_form": submit_form or LineSubmitForm(), "review_form": review_form or LineReviewForm(),
        "evidence": line.evidence.select_related("uploaded_by").order_by("at", "id"),
        "events": line.events.select_related("actor").order_by("-at", "-id")[:50],
    }, status=status)


def _line_or_404(request, pk: int):
    _campaign_or_404(request)
    return get_or_404(TargetLine.objects.select_related("task", "task__task_force", "site", "site__site_type", "area",
                                                        "owner_unit").defer("site__geometry", "area__geometry"),
                      request.user, pk=pk)


@require_safe
@login_required
def line_detail(request, pk: int):
    return _line_page(request, _line_or_404(request, pk))


@require_POST
@login_required
def line_submit(request, pk: int):
    line = _line_or_404(request, pk)
    form = LineSubmitForm(request.POST, request.FILES)
    if form.is_valid():
        files = [task_services.Upload(f.name, f.read()) for f in form.cleaned_data["files"]]  # count and size checked
        try:
            target_line_services.target_line_submit(line_id=line.pk, actor=request.user, note=form.cleaned_data["note"],
                                                    files=files)
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Evidence submitted."))
            return redirect("campaign:line", pk=line.pk)
    return _line_page(request, line, submit_form=form, status=400)


@require_POST
@login_required
def line_review(request, pk: int):
    line = _line_or_404(request, pk)
    form = LineReviewForm(request.POST)
    if form.is_valid():
        try:
            target_line_services.target_line_review(line_id=line.pk, actor=request.user,
                                                    accept=form.cleaned_data["decision"] == "accept",
                                                    note=form.cleaned_data["note"])
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Review recorded."))
            return redirect("campaign:line", pk=line.pk)
    return _line_page(request, line, review_form=form, status=400)


@require_safe
@login_required
def line_evidence_file(request, pk: int):
    """A target line's evidence through the access path, never a public media URL."""
    evidence = get_or_404(TargetEvidence.objects.all(), request.user, pk=pk)
    try:
        return file_response(evidence.file, name=evidence.name, inline_types=frozenset())
    except FileNotFoundError:
        raise Http404 from None


@require_safe
@login_required
def battle_map(request):
    campaign = _campaign_or_404(request)
    return render(request, "campaign/battle_map.html", {
        "campaign": campaign, "actions": campaign.actions.order_by("sort"),
        "target_tasks": restrict(Task.objects.filter(campaign=campaign).exclude(target_rule=""), request.user).order_by("code"),
        "selected_task": request.GET.get("task", "")[:12],
        "areas": restrict(Area.objects.filter(level__in=["county"]), request.user).order_by("code"),
    })


@require_safe
@login_required
def battle_map_data(request):
    campaign = _campaign_or_404(request)
    task = request.GET.get("task", "")[:12]
    return JsonResponse(selectors.map_data(request.user, campaign, action_code=request.GET.get("action", "")[:16],
                                           area_path=request.GET.get("area", "")[:255],
                                           task_id=int(task) if task.isdigit() else None))


@require_safe
@login_required
def meeting_list(request):
    campaign = _campaign_or_404(request)
    meetings = restrict(Meeting.objects.filter(campaign=campaign), request.user)
    return render(request, "campaign/meeting_list.html", {
        "meetings": meetings, "can_manage": can(request.user, Meeting, CHANGE),
        "this_week": meeting_services.week_start_of(timezone.localdate()),
    })


@require_POST
@login_required
def meeting_prepare(request):
    campaign = _campaign_or_404(request)
    try:
        # Bounded: a week in year 9999 has no end date Python can compute.
        day = date_param(request.POST.get("week_start"), label=_("Week"))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("campaign:meetings")
    try:
        meeting = meeting_services.meeting_prepare(campaign=campaign, week_start=day, actor=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("campaign:meetings")
    return redirect("campaign:meeting", pk=meeting.pk)


@require_safe
@login_required
def meeting_detail(request, pk: int):
    _campaign_or_404(request)
    meeting = get_or_404(Meeting.objects.all(), request.user, pk=pk)
    return _meeting_page(request, meeting)


def _meeting_page(request, meeting, minutes_form=None, decision_form=None, status=200):
    decisions = selectors.tasks_with_status(meeting.decisions.all())
    return render(request, "campaign/meeting_detail.html", {
        "meeting": meeting, "a": meeting.agenda, "decisions": decisions, "can_manage": can(request.user, Meeting, CHANGE),
        "minutes_form": minutes_form or MinutesForm(initial={"minutes": meeting.minutes, "chair": meeting.chair}),
        "decision_form": decision_form or DecisionForm(),
    }, status=status)


@require_POST
@login_required
def meeting_minutes(request, pk: int):
    _campaign_or_404(request)
    meeting = get_or_404(Meeting.objects.all(), request.user, CHANGE, pk=pk)
    form = MinutesForm(request.POST)
    if form.is_valid():
        try:
            meeting_services.meeting_minutes_record(meeting_id=meeting.pk, actor=request.user,
                                                    minutes=form.cleaned_data["minutes"], chair=form.cleaned_data["chair"])
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Minutes saved."))
            return redirect("campaign:meeting", pk=meeting.pk)
    return _meeting_page(request, meeting, minutes_form=form, status=400)


@require_POST
@login_required
def meeting_decide(request, pk: int):
    _campaign_or_404(request)
    meeting = get_or_404(Meeting.objects.all(), request.user, CHANGE, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            task_services.supervision_item_create(meeting_id=meeting.pk, actor=request.user, title=form.cleaned_data["title"],
                                                  owner_unit=form.cleaned_data["owner_unit"], due_on=form.cleaned_data["due_on"])
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Supervision item created."))
            return redirect("campaign:meeting", pk=meeting.pk)
    return _meeting_page(request, meeting, decision_form=form, status=400)


@require_safe
@login_required
def supervision_list(request):
    campaign = _campaign_or_404(request)
    items = selectors.tasks_with_status(restrict(Task.objects.filter(campaign=campaign, kind=TaskKind.SUPERVISION), request.user)
                                        .order_by("due_on"))
    return render(request, "campaign/supervision_list.html", {"items": items})


@require_safe
@login_required
def evidence_file(request, pk: int):
    """Progress evidence through the access path, never a public media URL."""
    evidence = get_or_404(ProgressEvidence.objects.all(), request.user, pk=pk)
    # A download with the type its bytes show: never a page the browser would run, nor one it stores
    # (PrivateResponsesMiddleware, as for every staff page).
    try:
        return file_response(evidence.file, name=evidence.name, inline_types=frozenset())
    except FileNotFoundError:
        raise Http404 from None
