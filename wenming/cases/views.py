"""Workbenches, the case page and its actions, intake, evidence files and exports.

Thin: a form validates the input, one service does the work, the view redirects with a message. A refusal
from a service (``WorkflowError``) is shown as an error on the form that asked; a case out of scope is 404.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from wenming.cases import exports, selectors
from wenming.cases import forms as f
from wenming.cases.models import (
    Case,
    CaseImport,
    CaseImportMapping,
    CaseState,
    Channel,
    EventAction,
    Evidence,
    SupervisionNotice,
)
from wenming.cases.panels import case_panels
from wenming.cases.services import escalation as esc
from wenming.cases.services import workflow as wf
from wenming.cases.services.actions import (
    CASE_ACTIONS,
    ON_CASE,
    CaseAction,
    action_who_allows,
    actions_for,
)
from wenming.cases.services.case_imports import CaseImportRefused, cases_import
from wenming.cases.services.duplicates import duplicates_suggest
from wenming.cases.services.errors import CaseNotFound, WorkflowError
from wenming.cases.services.evidence import evidence_warnings
from wenming.cases.services.exposure import OFF_BOARD, PUBLISHERS
from wenming.cases.services.followup import callbacks_of, followup_callback
from wenming.cases.services.routing import RULE_LABELS
from wenming.common.access import get_or_404, restrict, scope_for
from wenming.common.db_router import replica_reads
from wenming.common.files import file_response
from wenming.common.input import db_id
from wenming.common.pagination import PAGE_SIZES, paginate
from wenming.common.roles import COMMAND_OR_ADMIN, Role, roles
from wenming.common.uploads import upload_spooled
from wenming.org import selectors as org_selectors
from wenming.org.models import RoleAssignment

S = CaseState
# Who may see which undercover inspector did what: the command centre, administrators and the inspectors;
# never the units or the areas they inspect (DESIGN.md section 1).
# Who learns which person reported a case (the name and phone of a citizen, which grid worker or inspector): the
# command centre, which calls back and follows up. Everyone else reads "citizen" or the channel.
SEES_REPORTER = COMMAND_OR_ADMIN
SEES_INSPECTORS = SEES_REPORTER
# Channels on which a member of the public reports.
PUBLIC_CHANNELS = frozenset({Channel.CITIZEN, Channel.HOTLINE, Channel.HOTLINE_12345, Channel.PROVINCIAL, Channel.MEDIA})


def _uploads(files) -> list[wf.Upload]:
    return [wf.Upload(name=upload.name, content=upload.read()) for upload in files or ()]


# -- the actions on a case ---------------------------------------------------------------------------------
# Who may take which action, from which states, is the action table's (cases.services.actions); the page keeps
# only each action's form and how it calls its service. Offering is a convenience; the service has the last word.

def _note_only(service):
    return lambda case, user, d, common: service(**common, note=d["note"])


# key: (form, how to call the service), for every action posted from the case page.
ACTIONS: dict[str, tuple[type[f.ActionForm], Callable]] = {
    "register": (f.RegisterForm, lambda case, user, d, common: wf.case_register(
        **common, category=d["category"], urgency=d["urgency"] or None, note=d["note"])),
    "reject": (f.ReasonForm, _note_only(wf.case_reject)),
    "dispatch": (f.DispatchForm, lambda case, user, d, common: wf.case_dispatch(**common, unit=d["unit"], note=d["note"])),
    "void": (f.ReasonForm, _note_only(wf.case_void)),
    "decide_return": (f.DecisionForm, lambda case, user, d, common: wf.case_decide_return(
        **common, approve=d["approve"], note=d["note"])),
    "recall": (f.ReasonForm, _note_only(wf.case_recall)),
    "redispatch": (f.RedispatchForm, lambda case, user, d, common: wf.case_redispatch(
        **common, unit=d["unit"], note=d["note"])),
    "sign": (f.ActionForm, _note_only(wf.case_sign)),
    "request_return": (f.ReasonForm, _note_only(wf.case_request_return)),
    "request_extension": (f.ExtensionForm, lambda case, user, d, common: wf.case_request_extension(
        **common, amount=d["amount"], unit=d["time_unit"], note=d["note"])),
    "request_shelving": (f.ReasonForm, _note_only(wf.case_request_shelving)),
    "submit": (f.SubmitForm, lambda case, user, d, common: wf.case_submit(
        **common, note=d["note"], photos=_uploads(d["photos"]))),
    "decide_request": (f.DecisionForm, lambda case, user, d, common: wf.case_decide_request(
        **common, approve=d["approve"], note=d["note"])),
    "resume": (f.ActionForm, _note_only(wf.case_resume)),
    "verify": (f.VerifyForm, lambda case, user, d, common: wf.case_verify(
        **common, passed=d["passed"], note=d["note"], photos=_uploads(d["photos"]))),
    "close": (f.ActionForm, _note_only(wf.case_close)),
    "reopen": (f.ReasonForm, _note_only(wf.case_reopen)),
    "callback": (f.CallbackForm, lambda case, user, d, common: followup_callback(
        **common, reached=d["reached"], rating=d["rating"], fixed=d["fixed"] is not False, comment=d["note"])),
    "notice": (f.NoticeForm, lambda case, user, d, common: esc.notice_issue(
        case_id=case.pk, actor=user, demand=d["demand"], answer_within_hours=d["hours"], level=d["level"])),
    # Posted from elsewhere on the page: the duplicates' merge, each supervision notice's answer and acceptance.
    "merge": (f.MergeForm, lambda case, user, d, common: wf.case_merge(
        case_id=case.pk, into_id=d["into"], actor=user, note=d["note"], expected_version=d["version"])),
    "answer": (f.AnswerForm, lambda case, user, d, common: esc.notice_answer(
        notice_id=d["notice"], actor=user, answer=d["answer"])),
    "notice_close": (f.NoticeCloseForm, lambda case, user, d, common: esc.notice_close(
        notice_id=d["notice"], actor=user, note=d["note"])),
}


def page_actions(case: Case, user) -> list[CaseAction]:
    """The action forms the case page offers this person now (the table's, less the merge by the duplicates)."""
    return actions_for(case, user, offered=frozenset({ON_CASE}))


def _blank_form(action: CaseAction, case: Case):
    initial, extra = {"version": case.version}, {}
    routed = case.routing.get("unit_id")
    if action.key == "dispatch":
        initial["unit"] = case.unit_id or routed
        extra["suggested"] = initial["unit"]
    elif action.key == "redispatch":
        extra["suggested"] = routed if routed != case.unit_id else None  # the routed unit, when not the holder
    elif action.key == "register":
        initial.update(category=case.category.code if case.category else "", urgency=case.urgency)
    elif action.key == "notice":
        initial["level"] = esc.notice_level_default(case)
    return ACTIONS[action.key][0](initial=initial, prefix=action.key, **extra)


# -- the case page ------------------------------------------------------------------------------------------

DEADLINES = [
    (gettext_lazy("registration due"), "register_due", "registered_at"),
    (gettext_lazy("dispatch due"), "dispatch_due", "dispatched_at"),
    (gettext_lazy("sign due"), "sign_due", "signed_at"),
    (gettext_lazy("handling due"), "handle_due", "submitted_at"),
    (gettext_lazy("verification due"), "verify_due", "verified_at"),
]


def _deadlines(case: Case, now: dt.datetime) -> list[dict]:
    """Each stage's deadline; the running one says whether it is overdue, finished ones whether they were late."""
    running = selectors.STAGE_DUE.get(case.state)
    rows = []
    for label, due_field, done_field in DEADLINES:
        due, done = getattr(case, due_field), getattr(case, done_field)
        status = ""
        if due is not None and due_field == running:
            status = "overdue" if now > due else "running"
        elif due is not None and done is not None:
            status = "late" if done > due else "on_time"
        rows.append({"label": label, "due": due, "done": done, "status": status, "field": due_field})
    return rows


def _actor_labels(user, people) -> dict[int, str]:
    """Names to show for actors; an undercover inspector is "inspector" to anyone outside the command centre (another
    inspector included) but themselves."""
    ids = {p.pk for p in people if p is not None and p.pk != user.pk}
    if not ids or scope_for(user).roles & SEES_INSPECTORS:
        return {}
    inspectors = set(RoleAssignment.objects.filter(person_id__in=ids, role=Role.INSPECTOR).values_list("person_id", flat=True))
    return {pk: _("Inspector (暗访员)") for pk in inspectors}


def _event_detail(event) -> str:
    """A short line from an event's data: where it was dispatched, how much time was asked or given."""
    data = event.data or {}
    if event.action in {EventAction.DISPATCH, EventAction.REDISPATCH} and data.get("unit_name"):
        return f"{data.get('from_unit_name') or ''} → {data['unit_name']}".strip()
    if event.action == EventAction.RECALL and data.get("from_unit_name"):
        return f"← {data['from_unit_name']}"
    if event.action == EventAction.EXTENSION_REQUEST and data.get("amount"):
        unit = dict(f.TimeUnit.choices).get(data.get("unit"), data.get("unit") or "")
        return f"{Decimal(data['amount']).normalize():f} {unit}"
    due = data.get("handle_due")
    if event.action in {EventAction.REQUEST_GRANTED, EventAction.RESUME} and isinstance(due, list) and due[-1]:
        moved = timezone.localtime(dt.datetime.fromisoformat(due[-1]))
        return f"{_('handling due')} {moved:%Y-%m-%d %H:%M}"
    return ""


def _reporter_label(case: Case, *, named: bool) -> str:
    """Who reported: the name and phone for the command centre; for everyone else "citizen" or the channel, never
    a name (an inspector's above all) nor a phone, masked or not."""
    if named:
        return f"{case.reporter_name} {case.reporter_phone}".strip()
    return _("Citizen") if case.channel in PUBLIC_CHANNELS else case.get_channel_display()


def _case_page(request, case: Case, *, failed: tuple[str, object] | None = None):
    user = request.user
    roles = scope_for(user).roles
    now = timezone.now()
    offered = actions_for(case, user)
    forms = []
    for action in offered:
        if action.offered == ON_CASE:
            form = failed[1] if failed and failed[0] == action.key else _blank_form(action, case)
            forms.append((action, form))
    offered_keys = {action.key for action in offered}
    events = list(case.events.select_related("actor").order_by("seq"))
    evidence = list(case.evidence.order_by("id"))
    by_event: dict[int, list[Evidence]] = {}
    for item in evidence:
        by_event.setdefault(item.event_id, []).append(item)
    hidden = _actor_labels(user, [e.actor for e in events])
    for event in events:
        event.shown_evidence = by_event.get(event.pk, [])
        event.actor_label = hidden.get(event.actor_id) or (str(event.actor) if event.actor else "")
        if event.action == EventAction.REPORT and not roles & SEES_REPORTER:
            event.actor_label = _reporter_label(case, named=False)
        event.detail = _event_detail(event)
    notices = list(case.notices.select_related("unit"))
    answers = bool(notices) and action_who_allows(CASE_ACTIONS["answer"], user, case, fresh=False)
    accepts = bool(notices) and action_who_allows(CASE_ACTIONS["notice_close"], user, case, fresh=False)
    for notice in notices:
        notice.form = None
        if notice.state == SupervisionNotice.State.ISSUED and answers:
            notice.form = f.AnswerForm(initial={"version": case.version, "notice": notice.pk}, prefix="answer")
        elif notice.state == SupervisionNotice.State.ANSWERED and accepts:
            notice.form = f.NoticeCloseForm(initial={"version": case.version, "notice": notice.pk}, prefix="notice_close")
    duplicates = []
    if "merge" in offered_keys and case.category_id and case.lng is not None:
        duplicates = duplicates_suggest(lng=case.lng, lat=case.lat, category=case.category, user=user, exclude_id=case.pk)
    routing = dict(case.routing or {})
    if routing:
        routing["rule_label"] = str(RULE_LABELS.get(routing.get("rule"), routing.get("rule") or ""))
        routing["differs"] = bool(case.unit_id and routing.get("unit_id") and routing["unit_id"] != case.unit_id)
    pending_unit_label = dict(f.TimeUnit.choices).get(case.pending_unit, case.pending_unit)
    # What to check before verifying, shown beside the verify buttons; the photos they name are marked.
    warnings = evidence_warnings(case=case) if "verify" in offered_keys else []
    return render(request, "cases/case_detail.html", {
        "case": case, "events": events, "forms": forms, "now": now, "overdue": case.is_overdue(now),
        "deadlines": _deadlines(case, now), "level": esc.escalation_level(case, now=now), "routing": routing,
        "reporter": _reporter_label(case, named=bool(roles & SEES_REPORTER)),
        "before": [e for e in evidence if e.kind == Evidence.Kind.BEFORE],
        "after": [e for e in evidence if e.kind == Evidence.Kind.AFTER],
        "documents": [e for e in evidence if e.kind == Evidence.Kind.DOCUMENT],
        "warnings": warnings, "warned_ids": {w["evidence"] for w in warnings},
        # 电话回访: the calls made and, for whoever makes them, whom to call.
        "callbacks": callbacks_of(case) if case.state == S.CLOSED else [],
        "callback_phone": (f"{case.reporter_name} {case.reporter_phone}".strip()
                           if "callback" in offered_keys and roles & SEES_REPORTER else ""),
        "notices": notices, "duplicates": duplicates, "pending_unit_label": pending_unit_label,
        "merge_form": f.MergeForm(initial={"version": case.version}, prefix="merge") if duplicates else None,
        "point_json": (f'{{"type": "Point", "coordinates": [{case.lng:.7f}, {case.lat:.7f}]}}'
                       if case.lng is not None else ""),
        "failed_action": failed[0] if failed else "",
        "can_expose": bool(roles & PUBLISHERS) and case.state not in OFF_BOARD,
        # The tracking code is the reporter's key to the public status page and the rating: the command
        # centre reads it to a caller; nobody else needs it (a unit could otherwise rate its own work).
        "show_tracking": bool(roles & COMMAND_OR_ADMIN),
        # Panels of the apps above cases (the registers' 登记核查): see cases/panels.py.
        "panels": case_panels(case=case, user=user),
    })


def _case_queryset():
    return Case.objects.select_related("category", "category__parent", "unit", "grid", "site", "parent")


@login_required
@require_safe
def case_detail(request, pk: int):
    case = get_or_404(_case_queryset(), request.user, pk=pk)
    return _case_page(request, case)


@login_required
@require_POST
def case_action(request, pk: int, action: str):
    """Validate the action's form, call its service with the version the page showed, redirect back."""
    case = get_or_404(Case.objects.all(), request.user, pk=pk)
    if action not in ACTIONS:
        raise Http404
    form_class, run = ACTIONS[action]
    form = form_class(request.POST, request.FILES, prefix=action)
    if form.is_valid():
        common = {"case_id": case.pk, "actor": request.user, "expected_version": form.cleaned_data["version"]}
        try:
            run(case, request.user, form.cleaned_data, common)
        except CaseNotFound:
            raise Http404 from None
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Done."))
            if action == "merge":
                return redirect("cases:detail", pk=form.cleaned_data["into"])
            return redirect("cases:detail", pk=pk)
    # Refused or invalid: show the page as it is now, with the error on the form that was posted. The form
    # now carries the current version: the person has seen the case as it is and may try again.
    case = get_or_404(_case_queryset(), request.user, pk=pk)
    data = request.POST.copy()
    data[f"{action}-version"] = str(case.version)
    form.data = data
    if action not in {a.key for a in page_actions(case, request.user)}:
        for message in form.non_field_errors() or [e for errs in form.errors.values() for e in errs]:
            messages.error(request, message)
    return _case_page(request, case, failed=(action, form))


# -- the workbench ------------------------------------------------------------------------------------------

def _filters(request):
    """The filter form and the filters that are valid (a wrong one is marked on the form, not applied)."""
    form = f.FilterForm(request.GET, user=request.user)
    form.is_valid()
    return form, {name: value for name, value in form.cleaned_data.items() if name not in form.errors}


def _filter_errors(form) -> dict[str, list[str]]:
    """Each wrong filter's errors, each naming the filter (the map and the exports refuse the request: without
    the filter they would answer with more cases than were asked for)."""
    errors = {}
    for name, messages_ in form.errors.items():
        label = str(form.fields[name].label) if name in form.fields else name
        errors[name] = [m if m.startswith(f"{label}:") else f"{label}: {m}" for m in messages_]
    return errors


@login_required
@require_safe
def workbench(request):
    queues = selectors.queues_for(request.user)
    queue = selectors.queue_for(request.user, request.GET.get("queue"))
    if queue is None:
        raise Http404
    form, filters = _filters(request)
    now = timezone.now()
    page = paginate(request, selectors.case_queue(user=request.user, queue=queue, filters=filters, now=now))
    filter_query = request.GET.copy()
    for key in ("page", "queue", "view"):
        filter_query.pop(key, None)
    query = filter_query.copy()
    query["queue"] = queue
    roles = scope_for(request.user).roles
    counts = selectors.queue_counts(user=request.user, queues=queues, filters=filters, now=now)
    view = "map" if request.GET.get("view") == "map" else "list"
    # The batch actions each row offers (the table's ``batch`` entries this person may take on it now).
    batch_ids = {c.pk for c in page if any(a.batch for a in actions_for(c, request.user))} if queue == "to_dispatch" else set()
    return render(request, "cases/workbench.html", {
        "queues": [(q, counts.get(q.key)) for q in queues], "queue": queue,
        "view": view, "limit": selectors.MAP_LIMIT,
        "outlines_json": json.dumps(org_selectors.area_outlines(user=request.user), ensure_ascii=False) if view == "map" else "", "form": form, "page": page, "now": now,
        "overdue_ids": {c.pk for c in page if c.is_overdue(now)}, "query": query.urlencode(),
        "filter_query": filter_query.urlencode(), "filtered": any(v for k, v in filter_query.items() if k != "per_page"),
        "per_page": page.paginator.per_page, "page_sizes": PAGE_SIZES,
        "can_batch": bool(batch_ids), "batch_ids": batch_ids,
        "batch_form": f.BatchDispatchForm() if batch_ids else None,
        "can_report": bool(wf.intake_channels(request.user)), "can_import": bool(roles & IMPORTERS),
        "command": bool(roles & COMMAND_OR_ADMIN),  # sees whether a report came from the public, verified or not
    })


@login_required
@require_safe
def workbench_map(request):
    """The workbench's list as GeoJSON points for its map: the same queue, filters and access path."""
    queue = selectors.queue_for(request.user, request.GET.get("queue"))
    if queue is None:
        raise Http404
    form, filters = _filters(request)
    if form.errors:
        return JsonResponse({"code": "invalid", "message": _("Check the filters marked."),
                             "fields": _filter_errors(form)}, status=400)
    now = timezone.now()
    points, more = selectors.case_points(selectors.case_queue(user=request.user, queue=queue, filters=filters, now=now))
    states = dict(CaseState.choices)
    features = []
    for p in points:
        number = f"{timezone.localtime(p['reported_at']):%Y%m%d}{p['pk']:07d}"
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p["lng"], p["lat"]]},
            "properties": {
                "number": number, "url": reverse("cases:detail", args=[p["pk"]]), "state": str(states.get(p["state"], p["state"])),
                "state_key": p["state"],
                "category": p["category__name"] or "", "unit": p["unit__name"] or "",
                "overdue": bool(p["stage_due"] and p["stage_due"] < now), "urgent": p["urgency"] != "normal",
            },
        })
    return JsonResponse({"type": "FeatureCollection", "features": features, "truncated": more,
                         "limit": selectors.MAP_LIMIT})


@login_required
@require_safe
def notice_list(request):
    """督办单 still open in the person's scope, for the command centre and the area leaders to follow up:
    unanswered past their answer date first."""
    if not selectors.notices_follows(request.user):
        raise Http404
    now = timezone.now()
    page = paginate(request, selectors.notices_open(user=request.user, now=now))
    return render(request, "cases/notice_list.html", {"page": page})


@login_required
@require_POST
def batch_dispatch(request):
    """Dispatch each selected case to its routed unit, or all to the unit chosen, one service call each; say which
    failed and why."""
    # Ticked ids only; anything else (letters, a 40-digit number no database holds) is not a case.
    ids = [pk for pk in map(db_id, request.POST.getlist("case")) if pk is not None]
    form = f.BatchDispatchForm(request.POST)
    if not form.is_valid():
        for message in (m for errors in form.errors.values() for m in errors):
            messages.error(request, f"{form.fields['unit'].label}: {message}")
        return redirect(f"{reverse('cases:workbench')}?queue=to_dispatch")
    unit = form.cleaned_data["unit"]  # None: each case to its routed unit
    numbers = {c.pk: c.number for c in restrict(Case.objects.filter(pk__in=ids), request.user).only("pk", "reported_at")}
    done, failed = [], []
    for case_id in ids:
        try:
            case = wf.case_dispatch(case_id=case_id, actor=request.user, unit=unit)
        except WorkflowError as exc:
            failed.append((numbers.get(case_id, str(case_id)), str(exc)))
        else:
            done.append(case.number)
    if not ids:
        messages.error(request, _("Select the cases to dispatch."))
    if done:
        messages.success(request, _("%(n)d cases dispatched.") % {"n": len(done)})
    for number, reason in failed:
        messages.error(request, _("%(number)s not dispatched: %(reason)s") % {"number": number, "reason": reason})
    return redirect(f"{reverse('cases:workbench')}?queue=to_dispatch")


# -- bulk import ------------------------------------------------------------------------------------------

# Who imports the provincial platform's and 12345's files: intake, the shift leader and the administrator.
IMPORTERS = roles(Role.INTAKE, Role.SHIFT_LEADER, Role.ADMIN)
IMPORT_STATUS = {"accepted": gettext_lazy("imported"), "skipped": gettext_lazy("already imported"),
                 "refused": gettext_lazy("refused"), "not_imported": gettext_lazy("not imported")}


@login_required
def case_import(request):
    """Upload an export from the provincial platform or 12345: check it, then import it, with a report."""
    if not scope_for(request.user).roles & IMPORTERS:
        raise Http404
    mappings = restrict(CaseImportMapping.objects.filter(is_active=True), request.user)
    result = None
    form = f.CaseImportForm(request.POST or None, request.FILES or None, mappings=mappings)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with upload_spooled(upload) as spooled:
            try:
                result = cases_import(
                    path=spooled, mapping=form.cleaned_data["mapping"], actor=request.user,
                    dry_run=form.cleaned_data["dry_run"], strict=form.cleaned_data["strict"], file_name=upload.name,
                )
            except CaseImportRefused as exc:
                for line in exc.errors:
                    form.add_error("file", line)
    recent = restrict(CaseImport.objects.select_related("mapping", "actor"), request.user).defer("rows")[:10]
    return render(request, "cases/import.html", {
        "form": form, "result": result, "recent": recent, "status_labels": IMPORT_STATUS,
        "rows": [{**row, "label": IMPORT_STATUS.get(row["status"], row["status"])} for row in result.rows] if result else [],
    })


# -- intake -------------------------------------------------------------------------------------------------

@login_required
def case_new(request):
    channels = wf.intake_channels(request.user)  # the service's rule: who reports, and on which channels
    if not channels:
        raise Http404
    form = f.IntakeForm(request.POST or None, request.FILES or None, channels=channels)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = wf.case_intake(
                channel=d["channel"], description=d["description"], lng=d["lng"], lat=d["lat"], crs=d["crs"],
                category=d["category"], urgency=d["urgency"], address=d["address"], reporter_name=d["reporter_name"],
                reporter_phone=d["reporter_phone"], actor=request.user, photos=_uploads(d["photos"]),
            )
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Case %(number)s taken in; tracking code %(code)s.")
                             % {"number": case.number, "code": case.tracking_code})
            if restrict(Case.objects.filter(pk=case.pk), request.user).exists():
                return redirect("cases:detail", pk=case.pk)
            # A reporter sees what they reported, outside their area too (access.RULES: reporter_lookups); this
            # is for a report whose reporter may not open cases at all.
            return redirect("cases:new")
    return render(request, "cases/case_new.html", {"form": form})


# -- evidence files and exports -----------------------------------------------------------------------------

@login_required
@require_safe
def evidence_file(request, pk: int, variant: str):
    """Evidence through the access path, never a public media URL. The original (with its EXIF position)
    only for the command centre; everyone else gets the copy without metadata."""
    evidence = get_or_404(Evidence.objects.all(), request.user, pk=pk)
    command = bool(scope_for(request.user).roles & COMMAND_OR_ADMIN)
    is_image = evidence.content_type.startswith("image/")
    if variant == "thumb" and evidence.thumbnail:
        field = evidence.thumbnail
    elif variant == "original" and command:
        field = evidence.file
    elif variant in {"original", "shared"} and evidence.public_file:
        field = evidence.public_file
    elif variant in {"original", "shared"} and not is_image:
        field = evidence.file  # documents carry no position to strip
    else:
        raise Http404
    # Served as what its bytes are: a photo inline, a document as a download; never stored by the browser
    # (PrivateResponsesMiddleware, as for every staff page).
    try:
        return file_response(field, name=f"evidence-{evidence.pk}")
    except FileNotFoundError:
        raise Http404 from None


@replica_reads
@login_required
@require_safe
def export(request, fmt: str):
    """The list as it is filtered on the workbench, as XLSX or CSV: the same rows, the same access path."""
    if fmt not in {"xlsx", "csv"}:
        raise Http404
    queue = selectors.queue_for(request.user, request.GET.get("queue"))
    if queue is None:
        raise Http404
    form, filters = _filters(request)
    rows = selectors.case_queue(user=request.user, queue=queue, filters=filters)
    if form.errors:  # without the wrong filter the file would hold more cases than were asked for
        refusal = _("Not exported: %(errors)s") % {
            "errors": "; ".join(m for messages_ in _filter_errors(form).values() for m in messages_)}
    elif (total := rows.count()) > exports.MAX_ROWS:
        refusal = (_("The list holds %(total)d cases; an export takes at most %(max)d. Narrow the filters (a shorter "
                     "date range, one state or one unit) and export again.") % {"total": total, "max": exports.MAX_ROWS})
    else:
        return exports.export_response(rows, fmt=fmt,
                                       tracking=bool(scope_for(request.user).roles & COMMAND_OR_ADMIN))
    # Back to the list, where a wrong filter is marked.
    messages.error(request, refusal)
    query = request.GET.copy()
    query["queue"] = queue
    return redirect(f"{reverse('cases:workbench')}?{query.urlencode()}")
