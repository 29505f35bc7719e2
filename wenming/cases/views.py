"""Workbenches, the case page and its actions, intake, evidence files and exports. Thin: form → service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wenming.cases import forms as f
from wenming.cases import selectors
from wenming.cases.exports import export_response
from wenming.cases.models import Case, CaseState, Evidence, SupervisionNotice
from wenming.cases.services import escalation as esc
from wenming.cases.services import workflow as wf
from wenming.cases.services.duplicates import duplicates_suggest
from wenming.cases.services.errors import CaseNotFound, WorkflowError
from wenming.cases.services.evidence import evidence_warnings
from wenming.common.access import get_or_404, scope_for
from wenming.common.pagination import paginate

S = CaseState
COMMAND = {"intake", "shift_leader", "dispatcher"}


def _uploads(request) -> list[wf.Upload]:
    return [wf.Upload(name=up.name, content=up.read()) for up in request.FILES.getlist("photos")]


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else ("****" if phone else "")


# Which actions a person may see on a case: (states, roles or "unit", extra condition). The services decide.
ACTIONS = {
    "register": ({S.REPORTED}, {"intake", "shift_leader", "dispatcher"}, None),
    "reject": ({S.REPORTED}, {"intake", "shift_leader", "dispatcher"}, None),
    "dispatch": ({S.REGISTERED}, {"dispatcher", "shift_leader"}, None),
    "void": ({S.REGISTERED}, {"shift_leader"}, None),
    "decide_return": ({S.RETURN_REQUESTED}, {"shift_leader"}, None),
    "sign": ({S.DISPATCHED}, "unit", None),
    "request_return": ({S.DISPATCHED}, "unit", None),
    "request_extension": ({S.HANDLING}, "unit", lambda c: not c.pending_request),
    "request_shelving": ({S.HANDLING}, "unit", lambda c: not c.pending_request),
    "submit": ({S.HANDLING}, "unit", lambda c: not c.pending_request),
    "decide_request": ({S.HANDLING}, {"shift_leader"}, lambda c: bool(c.pending_request)),
    "resume": ({S.SHELVED}, {"shift_leader"}, None),
    "verify": ({S.SUBMITTED}, {"intake", "shift_leader", "inspector"}, None),
    "close": ({S.VERIFIED}, {"shift_leader", "dispatcher"}, None),
    "reopen": ({S.CLOSED}, {"shift_leader"}, None),
    "notice": (selectors.OPEN_STATES, set(esc.ISSUERS), lambda c: c.unit_id is not None),
}

FORMS = {
    "register": f.RegisterForm, "reject": f.NoteForm, "dispatch": f.DispatchForm, "void": f.NoteForm,
    "decide_return": f.DecisionForm, "sign": f.NoteForm, "request_return": f.NoteForm,
    "request_extension": f.ExtensionForm, "request_shelving": f.NoteForm, "submit": f.NoteForm,
    "decide_request": f.DecisionForm, "resume": f.NoteForm, "verify": f.VerifyForm, "close": f.NoteForm,
    "reopen": f.NoteForm, "notice": f.NoticeForm, "merge": f.MergeForm, "answer": f.AnswerForm,
    "notice_close": f.NoticeCloseForm,
}


def _run(action: str, case: Case, user, data: dict, uploads: list[wf.Upload]):
    common = {"case_id": case.pk, "actor": user, "expected_version": data["version"]}
    note = data.get("note", "")
    if action == "register":
        return wf.case_register(**common, category=data.get("category"), urgency=data.get("urgency") or None, note=note)
    if action == "dispatch":
        return wf.case_dispatch(**common, unit=data["unit"], note=note)
    if action in {"decide_return", "decide_request"}:
        service = wf.case_decide_return if action == "decide_return" else wf.case_decide_request
        return service(**common, approve=data["approve"], note=note)
    if action == "request_extension":
        return wf.case_request_extension(**common, amount=data["amount"], unit=data["time_unit"], note=note)
    if action == "submit":
        return wf.case_submit(**common, note=note, photos=uploads)
    if action == "verify":
        return wf.case_verify(**common, passed=data["passed"], note=note, photos=uploads)
    if action == "merge":
        return wf.case_merge(case_id=case.pk, into_id=data["into"], actor=user, note=note, expected_version=data["version"])
    if action == "notice":
        return esc.notice_issue(case_id=case.pk, actor=user, demand=data["demand"], answer_within_hours=data["hours"])
    if action == "answer":
        return esc.notice_answer(notice_id=data["notice"], actor=user, answer=data["answer"])
    if action == "notice_close":
        return esc.notice_close(notice_id=data["notice"], actor=user, note=note)
    service = {
        "reject": wf.case_reject, "void": wf.case_void, "sign": wf.case_sign, "request_return": wf.case_request_return,
        "request_shelving": wf.case_request_shelving, "resume": wf.case_resume, "close": wf.case_close,
        "reopen": wf.case_reopen,
    }[action]
    return service(**common, note=note)


def _available(case: Case, user) -> list[str]:
    roles = scope_for(user).roles
    unit_member = wf._is_case_unit_member(user, case) if roles & {"unit_handler", "unit_leader"} else False
    found = []
    for action, (states, who, extra) in ACTIONS.items():
        if case.state not in states:
            continue
        allowed = unit_member if who == "unit" else bool(roles & who)
        if allowed and (extra is None or extra(case)):
            found.append(action)
    return found


@login_required
def workbench(request):
    queues = selectors.queues_for(request.user)
    if not queues:
        raise Http404
    keys = [q.key for q in queues]
    queue = request.GET.get("queue") if request.GET.get("queue") in keys else keys[0]
    form = f.FilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    page = paginate(request, selectors.case_queue(user=request.user, queue=queue, filters=filters))
    now = timezone.now()
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "cases/workbench.html", {
        "queues": queues, "queue": queue, "form": form, "page": page, "now": now,
        "overdue_ids": {c.pk for c in page if c.is_overdue(now)}, "query": query.urlencode(),
        "can_batch": queue == "to_dispatch" and bool(scope_for(request.user).roles & {"dispatcher", "shift_leader"}),
    })


@login_required
@require_POST
def batch_dispatch(request):
    ok, failed = 0, []
    for case_id in request.POST.getlist("case"):
        try:
            wf.case_dispatch(case_id=int(case_id), actor=request.user)
            ok += 1
        except (WorkflowError, ValueError) as exc:
            failed.append(f"{case_id}: {exc}")
    messages.success(request, _("%(n)d cases dispatched.") % {"n": ok})
    for line in failed:
        messages.error(request, line)
    return redirect(f"{request.path.rsplit('/', 2)[0]}/?queue=to_dispatch")


@login_required
def case_detail(request, pk: int):
    case = get_or_404(Case.objects.select_related("category", "unit", "grid", "site", "parent"), request.user, pk=pk)
    roles = scope_for(request.user).roles
    now = timezone.now()
    events = case.events.select_related("actor").prefetch_related("evidence").order_by("seq")
    available = _available(case, request.user)
    forms = {}
    for action in available:
        initial = {"version": case.version}
        if action == "dispatch" and case.unit_id:
            initial["unit"] = case.unit_id
        forms[action] = FORMS[action](initial=initial, prefix=action)
    notices = list(case.notices.select_related("unit"))
    unit_member = wf._is_case_unit_member(request.user, case)
    for notice in notices:
        if notice.state == SupervisionNotice.State.ISSUED and unit_member:
            notice.form = f.AnswerForm(initial={"version": case.version, "notice": notice.pk}, prefix="answer")
        elif notice.state == SupervisionNotice.State.ANSWERED and roles & esc.ISSUERS:
            notice.form = f.NoticeCloseForm(initial={"version": case.version, "notice": notice.pk}, prefix="notice_close")
    duplicates = []
    if case.state == S.REPORTED and case.category_id and case.lng is not None and roles & COMMAND:
        duplicates = duplicates_suggest(lng=case.lng, lat=case.lat, category=case.category, user=request.user, exclude_id=case.pk)
    return render(request, "cases/case_detail.html", {
        "case": case, "events": events, "forms": forms, "now": now, "overdue": case.is_overdue(now),
        "level": esc.escalation_level(case, now=now),
        "phone": case.reporter_phone if roles & COMMAND else mask_phone(case.reporter_phone),
        "warnings": evidence_warnings(case=case) if case.state == S.SUBMITTED else [],
        "notices": notices, "duplicates": duplicates,
        "merge_form": f.MergeForm(initial={"version": case.version}, prefix="merge") if duplicates else None,
        "photos": case.evidence.exclude(kind=Evidence.Kind.DOCUMENT),
    })


@login_required
@require_POST
def case_action(request, pk: int, action: str):
    case = get_or_404(Case.objects.all(), request.user, pk=pk)
    if action not in FORMS:
        raise Http404
    form = FORMS[action](request.POST, prefix=action)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect("cases:detail", pk=pk)
    try:
        _run(action, case, request.user, form.cleaned_data, _uploads(request))
    except CaseNotFound:
        raise Http404 from None
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done."))
        if action == "merge":
            return redirect("cases:detail", pk=form.cleaned_data["into"])
    return redirect("cases:detail", pk=pk)


@login_required
def case_new(request):
    roles = scope_for(request.user).roles
    if not roles & (COMMAND | {"grid_worker", "inspector"}):
        raise Http404
    form = f.IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = wf.case_intake(
                channel=d["channel"], description=d["description"], lng=d["lng"], lat=d["lat"], crs=d["crs"],
                category=d["category"], urgency=d["urgency"], address=d["address"], reporter_name=d["reporter_name"],
                reporter_phone=d["reporter_phone"], actor=request.user, photos=_uploads(request),
            )
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Case %(number)s taken in; tracking code %(code)s.") % {
                "number": case.number, "code": case.tracking_code})
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/case_new.html", {"form": form})


@login_required
def evidence_file(request, pk: int, variant: str):
    """Evidence through the access path; the original (with EXIF position) only for the command centre."""
    evidence = get_or_404(Evidence.objects.all(), request.user, pk=pk)
    command = bool(scope_for(request.user).roles & COMMAND)
    if variant == "original" and command:
        field = evidence.file
    elif variant == "thumb" and evidence.thumbnail:
        field = evidence.thumbnail
    elif variant in {"original", "shared"}:
        field = evidence.public_file or evidence.file
    else:
        raise Http404
    if field is evidence.file and not command and evidence.content_type.startswith("image/"):
        raise Http404
    response = FileResponse(field.open("rb"), content_type="image/jpeg" if field is not evidence.file else evidence.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def export(request, fmt: str):
    queue = request.GET.get("queue") or "all"
    form = f.FilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.case_queue(user=request.user, queue=queue, filters=filters)
    return export_response(rows, fmt=fmt, roles=scope_for(request.user).roles)



