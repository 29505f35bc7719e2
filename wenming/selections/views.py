"""The staff pages of the selections (评选): calls, the call page (nominations by district, quotas, status counts, the
lifecycle steps, the ranking, the panel), nominating, the nomination page (qualification findings, expert review,
objections, withdrawal) and the expert's queue. Thin: read the request, validate, call one service, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from wenming.common.access import get_or_404, restrict, scope_for
from wenming.common.files import file_response
from wenming.common.pagination import paginate
from wenming.common.roles import SELECTION_NOMINATORS
from wenming.org.models import Site
from wenming.selections import selectors
from wenming.selections.forms import (
    CallForm,
    DecideForm,
    DeclareForm,
    ExpertForm,
    KindForm,
    NominationForm,
    ObjectionForm,
    RevokeForm,
    ScoreForm,
    StepForm,
    VersionNoteForm,
    WithdrawForm,
)
from wenming.selections.models import (
    Call,
    CallStatus,
    ExpertScore,
    Nomination,
    NominationPhoto,
    NominationStatus,
    Objection,
    ObjectionStatus,
    SelectionKind,
    SubjectKind,
)
from wenming.selections.models.calls import call_event_labels, nomination_event_labels
from wenming.selections.services import calls as call_services
from wenming.selections.services import qualification, results, review
from wenming.selections.services.calls import CallValues, SheetItem, call_actions_for, is_organiser
from wenming.selections.services.errors import WorkflowError
from wenming.selections.services.kinds import selection_kind_create
from wenming.selections.services.nominations import (
    Nominee,
    Upload,
    nomination_create,
    nomination_withdraw,
    withdraw_refusal,
)
from wenming.selections.services.ranking import call_ranking, call_votes

MAX_SITES = 500  # places offered in the nomination form (a community's or a unit's own)


def _errors_to_messages(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else message)


def _may_nominate(user, call: Call) -> bool:
    return call.status == CallStatus.NOMINATING and (
        is_organiser(user) or bool(scope_for(user).roles & SELECTION_NOMINATORS))


@login_required
@require_safe
def call_list(request):
    if not scope_for(request.user).is_staff:
        raise Http404
    return render(request, "selections/calls.html", {
        "calls": selectors.calls_visible(request.user), "organiser": is_organiser(request.user),
        "expert_calls": selectors.expert_calls(request.user), "kind_form": KindForm(),
        "kinds": SelectionKind.objects.filter(active=True)})


@login_required
@require_POST
def kind_new(request):
    """A kind the city adds (最美家庭…): the organisers' form on the calls page."""
    if not is_organiser(request.user):
        raise Http404
    form = KindForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("selections:calls")
    d = form.cleaned_data
    try:
        kind = selection_kind_create(actor=request.user, code=d["code"], name=d["name"], subject=d["subject"],
                                     integrity=d["integrity"])
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Selection kind %(name)s added.") % {"name": kind.name})
    return redirect("selections:calls")


def _values(form: CallForm) -> CallValues:
    d = form.cleaned_data
    return CallValues(kind_id=d["kind"].pk, title=d["title"], criteria=d["criteria"], organiser_id=d["organiser"].pk,
                      nominations_open=d["nominations_open"], nominations_close=d["nominations_close"],
                      vote_opens=d["vote_opens"], vote_closes=d["vote_closes"], notice_days=d["notice_days"],
                      expert_weight=d["expert_weight"], quotas=form.quotas(),
                      sheet=[SheetItem(label, points) for label, points in d["sheet"]])


@login_required
def call_new(request):
    if not is_organiser(request.user):
        raise Http404
    form = CallForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            call = call_services.call_create(actor=request.user, values=_values(form))
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Call created. Open it for nominations when ready."))
            return redirect("selections:call", pk=call.pk)
    return render(request, "selections/call_form.html", {"form": form, "call": None},
                  status=400 if form.errors else 200)


@login_required
def call_edit(request, pk: int):
    if not is_organiser(request.user):
        raise Http404
    call = get_or_404(Call.objects.all(), request.user, pk=pk)
    initial = {"kind": call.kind_id, "title": call.title, "criteria": call.criteria, "organiser": call.organiser_id,
               "nominations_open": call.nominations_open, "nominations_close": call.nominations_close,
               "vote_opens": call.vote_opens, "vote_closes": call.vote_closes, "notice_days": call.notice_days,
               "expert_weight": call.expert_weight,
               "sheet": "\n".join(f"{i.label}|{i.max_points}" for i in call.score_items.all()),
               **{f"quota_{q.area_id}": q.quota for q in call.quotas.all()}}
    form = CallForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = int(request.POST.get("version", "-1"))
        except ValueError:
            version = -1
        try:
            call_services.call_update(call_id=call.pk, actor=request.user, expected_version=version,
                                      values=_values(form))
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Call saved."))
            return redirect("selections:call", pk=call.pk)
    return render(request, "selections/call_form.html", {"form": form, "call": call},
                  status=400 if form.errors else 200)


@login_required
@require_safe
def call_detail(request, pk: int):
    call = get_or_404(Call.objects.select_related("kind", "organiser"), request.user, pk=pk)
    organiser = is_organiser(request.user)
    # A page of the nominations (a call may take thousands), and the counts of all of them.
    page = paginate(request, selectors.nominations_visible(request.user, call).order_by("district__code", "number"),
                    per_page=selectors.CALL_PAGE_SIZE)
    counts = selectors.nomination_counts(request.user, call)
    ranking = []
    if organiser and call.status in (CallStatus.REVIEWING, CallStatus.VOTING, CallStatus.NOTICE,
                                     CallStatus.PUBLISHED):
        ranking = call_ranking(call=call, votes=call_votes(call))
        pending = selectors.pending_objections(call)
        for row in ranking:
            row.objection = pending.get(row.nomination.pk)
    return render(request, "selections/call.html", {
        "call": call, "organiser": organiser, "districts": selectors.call_districts(call, page, counts),
        "counts": selectors.status_counts(counts=counts), "page": page, "actions": call_actions_for(call, request.user),
        "ranking": ranking, "panel": selectors.panel(call) if organiser else [],
        "expert_form": ExpertForm(), "may_nominate": _may_nominate(request.user, call),
        "is_expert": review.is_expert(request.user, call.pk), "events": [call_event_labels(e) for e in call.events.select_related("actor").order_by("-at")[:20]]
        if organiser else [], "sheet": call.score_items.all(),
    })


@login_required
@require_POST
def call_step_view(request, pk: int):
    call = get_or_404(Call.objects.all(), request.user, pk=pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The step could not be read; reload the page and try again."))
        return redirect("selections:call", pk=call.pk)
    d = form.cleaned_data
    try:
        call_services.call_step(call_id=call.pk, actor=request.user, action_key=d["action"],
                                expected_version=d["version"], note=d["note"])
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done: %(step)s.") % {"step": call_services.CALL_ACTIONS[d["action"]].label})
    return redirect("selections:call", pk=call.pk)


@login_required
@require_POST
def panel_add(request, pk: int):
    call = get_or_404(Call.objects.all(), request.user, pk=pk)
    form = ExpertForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("selections:call", pk=call.pk)
    try:
        member = call_services.panel_member_add(call_id=call.pk, actor=request.user,
                                                username=form.cleaned_data["username"])
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(name)s joined the panel.") % {"name": member.user})
    return redirect("selections:call", pk=call.pk)


def _sites_for(user):
    return list(restrict(Site.objects.filter(area__isnull=False), user).select_related("area")
                .defer("area__geometry").order_by("area__code", "name")[:MAX_SITES])


@login_required
def nominate(request, pk: int):
    call = get_or_404(Call.objects.select_related("kind"), request.user, pk=pk)
    if not _may_nominate(request.user, call):
        raise Http404
    sites = _sites_for(request.user) if call.kind.subject == SubjectKind.SITE else None
    posted = request.method == "POST"
    form = NominationForm(request.POST if posted else None, request.FILES if posted else None, kind=call.kind,
                          sites=sites, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        nominee = Nominee(name=d.get("name") or "", site_id=d.get("site"),
                          unit_id=d["unit"].pk if d.get("unit") else None,
                          area_id=d["area"].pk if d.get("area") else None, credit_code=d.get("credit_code") or "")
        try:
            nomination = nomination_create(call_id=call.pk, actor=request.user, nominee=nominee,
                                           statement=d["statement"],
                                           photos=[Upload(p.name, p.read()) for p in d["photos"]])
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Nomination %(number)03d received.") % {"number": nomination.number})
            return redirect("selections:nomination", pk=nomination.pk)
    return render(request, "selections/nominate.html", {"call": call, "form": form},
                  status=400 if form.errors else 200)


def _nomination(request, pk: int) -> Nomination:
    return get_or_404(Nomination.objects.select_related("call", "call__kind", "area", "district", "site", "unit",
                                                        "nominator_unit"), request.user, pk=pk)


@login_required
@require_safe
def nomination_detail(request, pk: int):
    nomination = _nomination(request, pk)
    call = nomination.call
    organiser = is_organiser(request.user)
    expert = review.is_expert(request.user, call.pk)
    declaration = score = score_form = None
    if expert:
        declaration = nomination.declarations.filter(expert=request.user).first()
        score = nomination.scores.filter(expert=request.user).first()
        score_form = ScoreForm(items=call.score_items.all())
    open_review = call.status in review.SCORABLE_CALL and nomination.status in review.SCORABLE
    return render(request, "selections/nomination.html", {
        "n": nomination, "call": call, "organiser": organiser, "expert": expert,
        "result": nomination.qualifications.first(), "photos": nomination.photos.all(),
        "events": [nomination_event_labels(e) for e in nomination.events.select_related("actor").order_by("-at", "-pk")]
        if organiser else [],
        "scores": nomination.scores.select_related("expert") if organiser else [],
        "declarations": nomination.declarations.select_related("expert") if organiser else [],
        "objections": nomination.objections.all() if organiser else [],
        "declaration": declaration, "score": score, "score_form": score_form, "declare_form": DeclareForm(),
        "open_review": open_review, "sheet": call.score_items.all(),
        "may_qualify": organiser and call.status in (CallStatus.NOMINATING, CallStatus.REVIEWING)
        and nomination.status in (NominationStatus.SUBMITTED, NominationStatus.QUALIFIED, NominationStatus.HELD_BACK),
        "may_object": organiser and nomination.status == NominationStatus.IN_NOTICE,
        "may_revoke": organiser and nomination.status == NominationStatus.WINNER,
        "objection_form": ObjectionForm(), "decide_form": DecideForm(), "revoke_form": RevokeForm(),
        "may_withdraw": withdraw_refusal(nomination, call, request.user, timezone.now()) is None,
        "withdraw_form": WithdrawForm(), "show_phone": organiser,
    })


def _done(request, pk: int, call, *args, ok: str, **kwargs):
    try:
        call(*args, **kwargs)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, ok)
    return redirect("selections:nomination", pk=pk)


@login_required
@require_POST
def nomination_qualify(request, pk: int):
    nomination = _nomination(request, pk)
    form = VersionNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date; reload it and try again."))
        return redirect("selections:nomination", pk=nomination.pk)
    return _done(request, nomination.pk, qualification.qualification_run, ok=_("Qualification check run."),
                 nomination_id=nomination.pk, actor=request.user, expected_version=form.cleaned_data["version"])


@login_required
@require_POST
def nomination_override(request, pk: int):
    nomination = _nomination(request, pk)
    form = VersionNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date; reload it and try again."))
        return redirect("selections:nomination", pk=nomination.pk)
    return _done(request, nomination.pk, qualification.qualification_override, ok=_("The nominee goes on."),
                 nomination_id=nomination.pk, actor=request.user, expected_version=form.cleaned_data["version"],
                 note=form.cleaned_data["note"])


@login_required
@require_POST
def nomination_declare(request, pk: int):
    nomination = _nomination(request, pk)
    form = DeclareForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("selections:nomination", pk=nomination.pk)
    return _done(request, nomination.pk, review.conflict_declare, ok=_("Declaration recorded."),
                 nomination_id=nomination.pk, actor=request.user, conflicted=form.cleaned_data["conflicted"],
                 note=form.cleaned_data["note"])


@login_required
@require_POST
def nomination_score(request, pk: int):
    nomination = _nomination(request, pk)
    form = ScoreForm(request.POST, items=nomination.call.score_items.all())
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("selections:nomination", pk=nomination.pk)
    return _done(request, nomination.pk, review.score_submit, ok=_("Score submitted; it is now locked."),
                 nomination_id=nomination.pk, actor=request.user, points=form.points())


@login_required
@require_POST
def score_correct(request, pk: int):
    score = get_or_404(ExpertScore.objects.select_related("nomination__call"), request.user, pk=pk)
    form = ScoreForm(request.POST, items=score.nomination.call.score_items.all())
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("selections:nomination", pk=score.nomination_id)
    return _done(request, score.nomination_id, review.score_correct, ok=_("Score corrected."), score_id=score.pk,
                 actor=request.user, points=form.points(), note=form.cleaned_data["note"])


@login_required
@require_POST
def objection_new(request, pk: int):
    nomination = _nomination(request, pk)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("selections:nomination", pk=nomination.pk)
    return _done(request, nomination.pk, results.objection_record, ok=_("Objection recorded."),
                 nomination_id=nomination.pk, actor=request.user, text=form.cleaned_data["text"])


@login_required
@require_POST
def objection_decide(request, pk: int):
    objection = get_or_404(Objection.objects.all(), request.user, pk=pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("selections:nomination", pk=objection.nomination_id)
    d = form.cleaned_data
    return _done(request, objection.nomination_id, results.objection_decide, ok=_("Objection decided."),
                 objection_id=objection.pk, actor=request.user, upheld=d["decision"] == ObjectionStatus.UPHELD,
                 note=d["note"], public_note=d["public_note"])


@login_required
@require_POST
def nomination_revoke(request, pk: int):
    nomination = _nomination(request, pk)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("selections:nomination", pk=nomination.pk)
    return _done(request, nomination.pk, results.title_revoke, ok=_("Title withdrawn."),
                 nomination_id=nomination.pk, actor=request.user, expected_version=form.cleaned_data["version"],
                 public_note=form.cleaned_data["public_note"])


@login_required
@require_POST
def nomination_withdraw_view(request, pk: int):
    nomination = _nomination(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("selections:nomination", pk=nomination.pk)
    return _done(request, nomination.pk, nomination_withdraw, ok=_("Nomination withdrawn."),
                 nomination_id=nomination.pk, actor=request.user, expected_version=form.cleaned_data["version"],
                 note=form.cleaned_data["note"])


@login_required
@require_safe
def nomination_photo(request, pk: int, photo: int):
    nomination = _nomination(request, pk)
    item = NominationPhoto.objects.filter(nomination=nomination, pk=photo).first()
    if item is None:
        raise Http404
    return file_response(item.file, name=f"{nomination.number:03d}-{item.pk}.jpg")


@login_required
@require_safe
def my_review(request):
    if not scope_for(request.user).is_staff:
        raise Http404
    calls = [{"call": c, "rows": selectors.expert_sheet(c, request.user)}
             for c in selectors.expert_calls(request.user)
             if c.status in (CallStatus.REVIEWING, CallStatus.VOTING)]
    return render(request, "selections/my_review.html", {"calls": calls})
