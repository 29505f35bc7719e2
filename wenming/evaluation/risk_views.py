"""Pages of the risk watch (负面清单 风险管控): the board, a record with its actions, the incident report, the plans
and their revisions, and the files. Thin: rows through restrict()/get_or_404 (a record outside the person's scope
answers 404), one service per POST; what a person may do is the action table's (``risk_actions_for``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from wenming.common.access import can, get_or_404, restrict, scope_for
from wenming.common.errors import WorkflowError
from wenming.common.files import file_response
from wenming.common.roles import INCIDENT_REPORTERS, UNIT_ROLES
from wenming.evaluation import risk_selectors as rs
from wenming.evaluation import selectors
from wenming.evaluation.models import (
    Criterion,
    CriterionKind,
    Domain,
    RiskEvidence,
    RiskLevel,
    RiskPlan,
    RiskPlanAttachment,
    RiskPlanRevision,
    RiskRecord,
)
from wenming.evaluation.risk_forms import BoardFilterForm, IncidentForm, PlanForm, RiskActionForm
from wenming.evaluation.services import risk as svc
from wenming.evaluation.services.risk_actions import RISK_ACTIONS, SYSTEM, risk_actions_for


def _viewer(request) -> None:
    """The risk pages are for office staff and units (not the inspectors and grid workers in the field)."""
    if not can(request.user, RiskRecord):
        raise Http404


def _uploads(files) -> list[svc.Upload]:
    return [svc.Upload(f.name, f.read()) for f in files or ()]  # count and sizes checked by the form


def _may_report(user) -> bool:
    return bool(scope_for(user).roles & (INCIDENT_REPORTERS | UNIT_ROLES))


@require_safe
@login_required
def risk_board(request):
    """Counts by level per domain and item, the oldest open record, the overdue ones, a map of the signals."""
    _viewer(request)
    edition = selectors.current_edition(request.user)
    domains = Domain.objects.filter(edition=edition).order_by("kind", "sort", "code") if edition else Domain.objects.none()
    form = BoardFilterForm(request.GET or None, domains=domains)
    filters = rs.BoardFilters()
    if form.is_valid():
        d = form.cleaned_data
        filters = rs.BoardFilters(domain=d["domain"].pk if d["domain"] else None, level=d["level"],
                                  state=d["state"] or "open", overdue=d["overdue"], q=d["q"].strip())
    now = timezone.now()
    data = rs.board(request.user, filters, edition=edition, now=now)
    return render(request, "evaluation/risk_board.html", {
        "edition": edition, "form": form, "now": now, **data, "levels": RiskLevel,
        "may_report": _may_report(request.user),
    }, status=400 if form.is_bound and not form.is_valid() else 200)


def _record(request, pk: int) -> RiskRecord:
    return get_or_404(RiskRecord.objects.select_related("criterion", "criterion__domain", "criterion__edition",
                                                        "owner_unit"), request.user, pk=pk)


@require_safe
@login_required
def risk_detail(request, pk: int):
    _viewer(request)
    record = _record(request, pk)
    return _detail(request, record)


def _detail(request, record: RiskRecord, *, failed: str = "", form: RiskActionForm | None = None, status: int = 200):
    actions = risk_actions_for(record, request.user)
    forms = [(a, form if form is not None and a.key == failed else RiskActionForm(initial={"version": record.version},
                                                                                 prefix=a.key)) for a in actions]
    plan = restrict(RiskPlan.objects.filter(criterion_id=record.criterion_id), request.user).first()
    return render(request, "evaluation/risk_detail.html", {
        "record": record, "actions": forms, "plan": plan, "now": timezone.now(),
        **rs.record_detail(request.user, record),
    }, status=status)


@require_POST
@login_required
def risk_act(request, pk: int, key: str):
    """One action of the table on one record (the form of the record page)."""
    _viewer(request)
    record = _record(request, pk)
    action = RISK_ACTIONS.get(key)
    if action is None or action.who == SYSTEM:
        raise Http404
    form = RiskActionForm(request.POST, request.FILES, prefix=key)
    if form.is_valid():
        d = form.cleaned_data
        try:
            svc.risk_step(record_id=record.pk, actor=request.user, action_key=key, expected_version=d["version"],
                          note=d["note"], files=_uploads(d["files"]))
        except svc.RiskNotFound:
            raise Http404 from None
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(action)s: done.") % {"action": action.label})
            return redirect("evaluation:risk", pk=record.pk)
    return _detail(request, _record(request, pk), failed=key, form=form, status=400)


@require_safe
@login_required
def risk_evidence(request, pk: int):
    """A record's evidence file through the access path, as a download."""
    _viewer(request)
    evidence = get_or_404(RiskEvidence.objects.all(), request.user, pk=pk)
    try:
        return file_response(evidence.file, name=evidence.name, inline_types=frozenset())
    except FileNotFoundError:
        raise Http404 from None


@login_required
def risk_incident(request):
    """Report an incident: a unit on the criteria it leads or shares, the command centre and the office on any."""
    _viewer(request)
    if not _may_report(request.user):
        raise Http404
    edition = selectors.current_edition(request.user)
    criteria = restrict(Criterion.objects.filter(edition=edition), request.user).order_by("kind", "sort", "code")
    initial = {"criterion": request.GET.get("criterion")} if request.GET.get("criterion", "").isdigit() else {}
    form = IncidentForm(request.POST or None, criteria=criteria, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                signal = svc.risk_incident_report(criterion_id=d["criterion"].pk, actor=request.user, kind=d["kind"],
                                                  level=d["level"], note=d["note"])
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Incident reported on %(code)s.") % {"code": d["criterion"].code})
                return redirect("evaluation:risk", pk=signal.record_id)
    return render(request, "evaluation/risk_incident.html", {"form": form, "rule": svc.INCIDENT_LEVEL_NOTE},
                  status=status)


@require_safe
@login_required
def risk_plans(request):
    """The negative-list items of the current edition (and any criterion with a plan) with their plans."""
    _viewer(request)
    edition = selectors.current_edition(request.user)
    criteria = (restrict(Criterion.objects.filter(edition=edition), request.user)
                .filter(kind=CriterionKind.NEGATIVE).select_related("domain", "lead_unit")
                .order_by("domain__sort", "sort", "code")) if edition else Criterion.objects.none()
    plans = {p.criterion_id: p for p in restrict(RiskPlan.objects.filter(criterion__edition=edition), request.user)}
    rows = [(c, plans.get(c.pk)) for c in criteria]
    today = timezone.localdate()
    return render(request, "evaluation/risk_plans.html", {"edition": edition, "rows": rows, "today": today})


def _criterion(request, criterion_pk: int) -> Criterion:
    return get_or_404(Criterion.objects.select_related("edition", "domain", "lead_unit"), request.user,
                      pk=criterion_pk)


@require_safe
@login_required
def risk_plan(request, criterion_pk: int):
    _viewer(request)
    criterion = _criterion(request, criterion_pk)
    plan = restrict(RiskPlan.objects.filter(criterion=criterion), request.user).first()
    return render(request, "evaluation/risk_plan.html", {
        "criterion": criterion, "plan": plan,
        "revisions": plan.revisions.select_related("actor").order_by("-number") if plan else [],
        "attachments": plan.attachments.order_by("id") if plan else [],
        "owners": plan.owner_units.order_by("path") if plan else [],
        "can_edit": svc.risk_plan_can_edit(request.user, criterion), "today": timezone.localdate(),
    })


@require_safe
@login_required
def risk_plan_revision(request, criterion_pk: int, number: int):
    _viewer(request)
    criterion = _criterion(request, criterion_pk)
    revision = get_or_404(RiskPlanRevision.objects.select_related("actor"), request.user,
                          plan__criterion=criterion, number=number)
    files = RiskPlanAttachment.objects.filter(pk__in=revision.attachments).order_by("id")
    return render(request, "evaluation/risk_plan_revision.html", {"criterion": criterion, "revision": revision,
                                                                  "attachments": files})


@login_required
def risk_plan_edit(request, criterion_pk: int):
    """Edit a plan: the evaluation office or the criterion's lead unit; each save a new revision."""
    _viewer(request)
    criterion = _criterion(request, criterion_pk)
    if not svc.risk_plan_can_edit(request.user, criterion):
        raise Http404
    plan = RiskPlan.objects.filter(criterion=criterion).first()
    initial = {"revision": 0, "review_cycle_days": 90,
               "owner_units": [criterion.lead_unit_id] if criterion.lead_unit_id else []}
    if plan is not None:
        initial = {"revision": plan.revision, "triggers": plan.triggers, "measures": plan.measures,
                   "owner_units": list(plan.owner_units.values_list("pk", flat=True)),
                   "contacts": "\n".join(", ".join([c.get("name", ""), c.get("phone", ""), c.get("post", "")])
                                         for c in plan.contacts),
                   "review_cycle_days": plan.review_cycle_days, "next_review_on": plan.next_review_on}
    form = PlanForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                svc.risk_plan_save(
                    criterion_id=criterion.pk, actor=request.user, expected_revision=d["revision"],
                    triggers=d["triggers"], measures=d["measures"], owner_unit_ids=[u.pk for u in d["owner_units"]],
                    contacts=svc.contacts_parse(d["contacts"]), review_cycle_days=d["review_cycle_days"],
                    next_review_on=d["next_review_on"], files=_uploads(d["files"]), note=d["note"])
            except svc.RiskNotFound:
                raise Http404 from None
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Plan of %(code)s saved.") % {"code": criterion.code})
                return redirect("evaluation:risk_plan", criterion_pk=criterion.pk)
    return render(request, "evaluation/risk_plan_form.html", {"criterion": criterion, "form": form, "plan": plan},
                  status=status)


@require_safe
@login_required
def risk_plan_file(request, pk: int):
    _viewer(request)
    attachment = get_or_404(RiskPlanAttachment.objects.all(), request.user, pk=pk)
    try:
        return file_response(attachment.file, name=attachment.name, inline_types=frozenset())
    except FileNotFoundError:
        raise Http404 from None
