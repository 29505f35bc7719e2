"""Dashboards (role panels and the command centre's big screen), snapshots with their explanations and
corrections, the red/black list and accountability records. Thin: one service per POST, rows via restrict()."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from wenming.cases.models import Case, CaseEvent
from wenming.common.access import can, get_or_404, restrict, scope_for
from wenming.common.db_router import replica_reads
from wenming.common.errors import WorkflowError
from wenming.common.input import db_id
from wenming.common.roles import COMMAND_OR_ADMIN, PUBLISHERS
from wenming.inspections import selectors as inspection_selectors
from wenming.scoring import selectors, task_selectors
from wenming.scoring.forms import (
    AccountabilityForm,
    BoardDraftForm,
    FollowUpForm,
    SnapshotComputeForm,
    field_errors,
)
from wenming.scoring.models import (
    AccountabilityRecord,
    BoardStatus,
    RedBlackList,
    ScoreSnapshot,
    Subject,
)
from wenming.scoring.services import boards, inspection_index, kpi, scores, task_index


def _staff_or_404(request):
    if not can(request.user, ScoreSnapshot):
        raise Http404


@replica_reads
@require_safe
@login_required
def dashboard(request):
    _staff_or_404(request)
    return render(request, "scoring/dashboard.html", {"data": selectors.dashboard(request.user), "screen": False})


SCREEN_REFRESH = 60  # seconds between the big screen's polls unless ?refresh= says otherwise
SCREEN_REFRESH_RANGE = (2, 3600)


def _refresh_seconds(value: str | None) -> int:
    """?refresh=N within 2 s … 1 h; anything else (text, a NUL byte, a huge number) is the default."""
    if not value or not (value.isascii() and value.isdigit()) or len(value) > 5:
        return SCREEN_REFRESH
    low, high = SCREEN_REFRESH_RANGE
    return min(max(int(value), low), high)


@replica_reads
@require_safe
@login_required
def screen(request):
    """大屏: the same panels on one 1920×1080 screen that polls panels.json and redraws without reloading."""
    _staff_or_404(request)
    return render(request, "scoring/screen.html", {
        "data": selectors.screen_data(request.user, now=timezone.now()), "screen": True,
        "refresh": _refresh_seconds(request.GET.get("refresh")),
    })


@replica_reads
@require_safe
@login_required
def panels_json(request):
    _staff_or_404(request)
    wanted = [p for p in request.GET.get("panels", "").split(",") if p in selectors.PANELS] or list(selectors.PANELS)
    return JsonResponse(selectors.screen_data(request.user, now=timezone.now(), panels=wanted))


@require_safe
@login_required
def snapshot_list(request):
    snapshots = restrict(ScoreSnapshot.objects.select_related("index_version"), request.user).defer("figures", "evidence")
    subject = request.GET.get("subject")
    if subject in Subject.values:  # anything else (a NUL byte on PostgreSQL…) is no filter
        snapshots = snapshots.filter(subject=subject)
    return render(request, "scoring/snapshot_list.html", {
        "snapshots": snapshots[:200], "can_compute": bool(scope_for(request.user).roles & COMMAND_OR_ADMIN),
        "subjects": ScoreSnapshot._meta.get_field("subject").choices,
        "periods": ScoreSnapshot._meta.get_field("period").choices,
    })


@require_POST
@login_required
def snapshot_compute(request):
    if not scope_for(request.user).roles & COMMAND_OR_ADMIN:
        raise Http404
    form = SnapshotComputeForm(request.POST)
    if not form.is_valid():
        for error in field_errors(form):
            messages.error(request, error)
        return redirect("scoring:snapshots")
    data = form.cleaned_data
    try:
        snapshot = scores.snapshot_compute(subject=data["subject"], period=data["period"],
                                           day=data["day"] or timezone.localdate(), actor=request.user)
    except WorkflowError as error:
        messages.error(request, str(error))
        return redirect("scoring:snapshots")
    return redirect("scoring:snapshot", pk=snapshot.pk)


def _rows(figures: dict) -> list[dict]:
    rows = list(figures.get("rows", {}).values())
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, -(r["index"] or 0), r["name"]))
    return rows


@require_safe
@login_required
def snapshot_detail(request, pk: int):
    snapshot = get_or_404(ScoreSnapshot.objects.select_related("index_version"), request.user, pk=pk)
    correction = snapshot.corrections.first()
    corrected = {}
    if correction is not None:
        for change in correction.diff:
            corrected.setdefault(change["key"], []).append(change)
    codes = scores.indicator_codes(snapshot.subject, snapshot.index_version)
    rows = _rows(snapshot.figures)
    for row in rows:
        row["cells"] = [row["indicators"].get(code, {}) for code in codes]
        row["changes"] = corrected.get(row["key"], [])
    return render(request, "scoring/snapshot_detail.html", {
        "snapshot": snapshot, "rows": rows, "correction": correction,
        "labels": [kpi.INDICATORS[c]["label"] for c in codes],
        # The index version's weights by indicator label: its codes are not words a reader knows.
        "weights": [(kpi.INDICATORS[c]["label"] if c in kpi.INDICATORS else c, w)
                    for c, w in snapshot.index_version.weights.items()],
        "can_publish": bool(scope_for(request.user).roles & PUBLISHERS),
        "board": snapshot.boards.exclude(status=BoardStatus.WITHDRAWN).first(),
    })


@require_POST
@login_required
def snapshot_act(request, pk: int, action: str):
    snapshot = get_or_404(ScoreSnapshot.objects.all(), request.user, pk=pk)
    try:
        if action == "publish":
            scores.snapshot_publish(snapshot_id=snapshot.pk, actor=request.user)
            messages.success(request, _("Published: these figures will not change any more."))
        elif action == "recompute":
            if not scope_for(request.user).roles & PUBLISHERS:
                raise Http404
            if snapshot.is_published:
                found = scores.snapshot_recompute(snapshot_id=snapshot.pk)
                messages.info(request, _("Recomputed: a correction is shown beside the published figures.") if found
                              else _("Recomputed: the published figures still hold."))
            else:
                scores.snapshot_compute(subject=snapshot.subject, period=snapshot.period, day=snapshot.start,
                                        actor=request.user)
                messages.success(request, _("Draft recomputed."))
        elif action == "board":
            form = BoardDraftForm(request.POST)
            if not form.is_valid():
                for error in field_errors(form):
                    messages.error(request, error)
                return redirect("scoring:snapshot", pk=snapshot.pk)
            board = boards.red_black_list_draft(snapshot_id=snapshot.pk, actor=request.user,
                                                size=form.cleaned_data["size"] or 3)
            return redirect("scoring:board", pk=board.pk)
        else:
            raise Http404
    except WorkflowError as error:
        messages.error(request, str(error))
    return redirect("scoring:snapshot", pk=snapshot.pk)


@require_safe
@login_required
def explain(request, pk: int, key: str):
    """Index → indicators (numerator / denominator) → the cases and the events that counted.

    The figures are the ranking's, whoever they belong to; the cases and events behind them are read through
    the access path, so a viewer sees the numbers and times of cases they may open and only a count of the
    others. Events show no actor: who verified is an undercover inspector's secret.
    """
    snapshot = get_or_404(ScoreSnapshot.objects.select_related("index_version"), request.user, pk=pk)
    row = snapshot.figures.get("rows", {}).get(key)
    if row is None:
        raise Http404
    evidence = dict(snapshot.evidence.get(key, {}))
    inspected = inspection_selectors.sites_explained(evidence.pop(inspection_index.SITES, []), request.user)
    tasked = task_selectors.tasks_explained(dues=evidence.pop(task_index.TASK_DUES, []),
                                            lagging=evidence.pop(task_index.TASK_LAGGING, []), viewer=request.user)
    event_ids = {e for items in evidence.values() for _case, _num, events in items for e in events if e}
    case_ids = {case for items in evidence.values() for case, _num, _events in items}
    numbers = {c.pk: c.number for c in restrict(Case.objects.filter(pk__in=case_ids), request.user).only("id", "reported_at")}
    events = {e.pk: e for e in restrict(CaseEvent.objects.filter(pk__in=event_ids, case_id__in=numbers), request.user)
              .only("id", "case_id", "action", "created_at", "data")}

    def listed(entries):
        """The entries of cases the viewer may open, and how many others there are."""
        shown = [{"case_id": case, "number": numbers[case], "counted": num,
                  "events": [events[e] for e in evs if e in events]} for case, num, evs in entries if case in numbers]
        return shown, len({case for case, _num, _evs in entries if case not in numbers})

    weights = snapshot.index_version.weights
    indicators = []
    for code in [*scores.indicator_codes(snapshot.subject, snapshot.index_version), "volume"]:
        figure = row["indicators"].get(code) or {"num": row["volume"], "den": None, "value": row["volume"]}
        items, hidden = listed(evidence.get(code, []))
        indicators.append({"code": code, "label": kpi.INDICATORS[code]["label"], "figure": figure,
                           "weight": weights.get(code), "items": items, "hidden": hidden,
                           "sites": inspected if code == inspection_index.CODE else [],
                           "task_dues": tasked["dues"] if code == task_index.REPORTS else [],
                           "task_lagging": tasked["lagging"] if code == task_index.LAGGING else [],
                           "tasks_hidden": tasked["hidden"] if code in task_index.CODES else 0})
    excluded, excluded_hidden = listed(evidence.get(kpi.EXCLUDED, []))
    return render(request, "scoring/explain.html", {
        "snapshot": snapshot, "row": row, "indicators": indicators, "excluded": excluded,
        "excluded_hidden": excluded_hidden,
        # 据此问责 beside each task: for those who record accountability, on a unit's explanation.
        "can_cite": snapshot.subject == Subject.UNIT and bool(scope_for(request.user).roles & boards.APPROVERS),
    })


@require_safe
@login_required
def board_list(request):
    boards_qs = restrict(RedBlackList.objects.select_related("snapshot"), request.user)
    if not scope_for(request.user).roles & boards.DRAFTERS:
        boards_qs = boards_qs.filter(status=BoardStatus.PUBLISHED)
    return render(request, "scoring/board_list.html", {"boards": boards_qs[:100]})


@require_safe
@login_required
def board_detail(request, pk: int):
    board = get_or_404(RedBlackList.objects.select_related("snapshot", "drafted_by", "approved_by"), request.user, pk=pk)
    if board.status != BoardStatus.PUBLISHED and not scope_for(request.user).roles & boards.DRAFTERS:
        raise Http404
    return render(request, "scoring/board_detail.html", {
        "board": board, "can_approve": bool(scope_for(request.user).roles & boards.APPROVERS),
        "awaits_another": boards.awaits_another_approver(board, request.user),
    })


@require_POST
@login_required
def board_act(request, pk: int, action: str):
    board = get_or_404(RedBlackList.objects.all(), request.user, pk=pk)
    note = request.POST.get("note", "")
    try:
        if action == "publish":
            boards.red_black_list_publish(board_id=board.pk, actor=request.user, note=note)
            messages.success(request, _("The red/black list is approved and published."))
        elif action == "withdraw":
            boards.red_black_list_withdraw(board_id=board.pk, actor=request.user, note=note)
            messages.success(request, _("The red/black list is withdrawn."))
        else:
            raise Http404
    except WorkflowError as error:
        messages.error(request, str(error))
    return redirect("scoring:board", pk=board.pk)


@login_required
def accountability_list(request):
    records = restrict(AccountabilityRecord.objects.select_related("unit"), request.user)
    if not can(request.user, AccountabilityRecord):
        raise Http404
    can_create = bool(scope_for(request.user).roles & boards.APPROVERS)
    form = None
    if can_create:
        # From a red/black list: ?unit=<id>&title=… fill the form in.
        initial = {k: request.GET[k][:200] for k in ("unit", "title", "kind", "findings") if request.GET.get(k)}
        # From a task indicator's explanation: ?tasks=<id>[,<id>] ticks them (the form offers only the unit's).
        initial["tasks"] = [pk for pk in map(db_id, request.GET.get("tasks", "")[:200].split(",")) if pk]
        form = AccountabilityForm(request.POST or None, user=request.user, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                record = boards.accountability_create(
                    kind=data["kind"], title=data["title"], reason=data["reason"], unit=data["unit"],
                    due_date=data["due_date"], actor=request.user, people=data["people"], cases=data["cases"],
                    findings=data["findings"], tasks=data["tasks"],
                )
            except WorkflowError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Accountability record created."))
                return redirect("scoring:accountability", pk=record.pk)
    elif request.method == "POST":
        raise Http404
    return render(request, "scoring/accountability_list.html", {"records": records[:200], "form": form,
                                                                 "today": timezone.localdate()})


@login_required
def accountability_detail(request, pk: int):
    record = get_or_404(AccountabilityRecord.objects.select_related("unit", "created_by"), request.user, pk=pk)
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            boards.accountability_follow_up(record_id=record.pk, actor=request.user, note=data["note"],
                                            status=data["status"] or None, due_date=data["due_date"])
        except WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Follow-up added."))
            return redirect("scoring:accountability", pk=record.pk)
    return render(request, "scoring/accountability_detail.html", {
        "record": record, "form": form, "follow_ups": record.follow_ups.select_related("author"),
        "cases": restrict(record.cases.all(), request.user), "people": record.people.all(),
        "findings": inspection_selectors.findings_cited(record.findings.all(), request.user),
        "tasks": task_selectors.tasks_cited(restrict(record.tasks.all(), request.user)),
    })



@replica_reads
@require_safe
@login_required
def heatmap_json(request):
    """The heat map one level down: open cases in the areas inside ``area`` (a code within the person's heat
    map; any other answers 404, like a missing one)."""
    _staff_or_404(request)
    area = selectors.heatmap_area(request.user, code=request.GET.get("area", "")[:20])
    if area is None:
        raise Http404
    return JsonResponse(selectors.panel_heatmap(request.user, now=timezone.now(), area=area))
