"""The window pages. Staff: the windows with their figures, one window's records (staff and certificates,
commitments, matters, ratings, complaints), recording and importing matters, the open bad ratings to answer, the
competition's periods and rankings. Citizens: the counter's QR page (rate, complain) and the published rankings.
Thin: read the request, validate through a form, call one service, message, redirect."""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wenming.cases.models import Case
from wenming.common.access import can, get_or_404, scope_for
from wenming.common.errors import WorkflowError
from wenming.common.net import client_ip
from wenming.common.pagination import paginate
from wenming.common.roles import COMMAND_OR_ADMIN, UNIT_ROLES, WINDOW_KEEPERS, WINDOW_RANKERS
from wenming.common.services.limits import RateLimited as CommonRateLimited
from wenming.common.tabular_import import ImportFailed
from wenming.common.uploads import upload_spooled
from wenming.public.services.errors import RateLimited as PublicRateLimited
from wenming.public.services.verification import VerificationError, phone_code_check, phone_normalize
from wenming.windows import selectors
from wenming.windows.forms import (
    AnswerForm,
    CommitmentForm,
    ComplaintForm,
    ComplaintLinkForm,
    ComplaintUnlinkForm,
    MatterAcceptForm,
    MatterCompleteForm,
    MatterImportForm,
    PeriodActionForm,
    PeriodForm,
    RatingForm,
    StaffForm,
    WindowForm,
    WindowImportForm,
)
from wenming.windows.models import CompetitionPeriod, Matter, RankingState, ServiceWindow, WindowRating
from wenming.windows.services import citizens, competition, imports, links, matters, records

# The 随手拍 page's session key: a phone verified there (or here) stays verified for a day in this browser.
SESSION_PHONE = "public_verified_phone"
VERIFIED_FOR = 24 * 3600
RATE_LIMITED = (CommonRateLimited, PublicRateLimited)


def _keeper(request) -> bool:
    return bool(scope_for(request.user).roles & WINDOW_KEEPERS)


def _window(request, pk: int) -> ServiceWindow:
    return get_or_404(ServiceWindow.objects.select_related("site", "unit", "site__site_type"), request.user, pk=pk)


def _errors_to_messages(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else message)


@login_required
@require_safe
def window_list(request):
    if not can(request.user, ServiceWindow):
        raise Http404
    try:
        days = int(request.GET.get("days", 90))
    except ValueError:
        days = 90
    days = days if days in selectors.PERIOD_DAYS else 90
    query = request.GET.get("q", "").strip()[:50]
    page = paginate(request, selectors.windows_visible(request.user, query=query))
    now = timezone.now()
    rows = selectors.window_figures(list(page.object_list), start=selectors.since(days, now), now=now)
    return render(request, "windows/list.html", {
        "page": page, "rows": rows, "days": days, "day_choices": selectors.PERIOD_DAYS, "q": query,
        "keeper": _keeper(request), "ranker": bool(scope_for(request.user).roles & WINDOW_RANKERS),
        "open_followups": selectors.followups_open(request.user).count(),
        "creator": bool(scope_for(request.user).roles & COMMAND_OR_ADMIN), "window_form": WindowForm(),
        "importer": _importer(request), "import_form": WindowImportForm(),
    })


def _importer(request) -> bool:
    """The command centre and administrators import any window; a unit's staff their unit's (the service checks)."""
    return bool(scope_for(request.user).roles & (COMMAND_OR_ADMIN | UNIT_ROLES))


@login_required
@require_http_methods(["GET", "POST"])
def windows_import_view(request):
    """Import windows from a CSV or XLSX file (窗口编码, 点位编码, 单位编码, 窗口名称, 窗口号, 是否启用), or check it."""
    if not _importer(request):
        raise Http404
    posted = request.method == "POST"
    form = WindowImportForm(request.POST if posted else None, request.FILES if posted else None)
    report = None
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        with upload_spooled(upload) as spooled:
            try:
                report = imports.windows_import(path=spooled, actor=request.user,
                                                dry_run=form.cleaned_data["dry_run"], file_name=Path(upload.name).name)
            except ImportFailed as exc:
                report = exc.report
            except WorkflowError as exc:
                form.add_error(None, str(exc))
    failed = bool(form.errors) or bool(report and report.errors)
    return render(request, "windows/import_windows.html", {"form": form, "report": report},
                  status=400 if failed else 200)


@login_required
@require_POST
def window_new(request):
    """Set up a counter (the command centre and administrators): its site, its unit, its name and number."""
    if not scope_for(request.user).roles & COMMAND_OR_ADMIN:
        raise Http404
    form = WindowForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("windows:list")
    try:
        window = records.window_create(actor=request.user, **form.cleaned_data)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("windows:list")
    messages.success(request, _("Window set up; its public code is %(code)s.") % {"code": window.code})
    return redirect("windows:detail", pk=window.pk)


@login_required
@require_safe
def window_detail(request, pk: int):
    window = _window(request, pk)
    state = request.GET.get("state", "")
    state = state if state in ("overdue", "open") else ""
    now = timezone.now()
    figures = selectors.window_figures([window], start=selectors.since(90, now), now=now)[0]
    commitments = list(window.commitments.order_by("-version")[:5])
    staff_rows = selectors.staff_rows(window)
    for row in staff_rows:  # each person's change form: renew the certificate, or mark them gone
        row.form = StaffForm(auto_id=f"id_s{row.staff.pk}_%s", initial={
            "name": row.staff.name, "position": row.staff.position, "certificate_kind": row.staff.certificate_kind,
            "certificate_number": row.staff.certificate_number, "certificate_expires": row.staff.certificate_expires,
            "is_active": row.staff.is_active, "staff_id": row.staff.pk, "version": row.staff.version})
    return render(request, "windows/detail.html", {
        "window": window, "figures": figures, "staff": staff_rows,
        "commitment": commitments[0] if commitments else None, "older_commitments": commitments[1:],
        "page": paginate(request, selectors.matters_of(window, state=state, now=now)), "state": state, "now": now,
        "ratings": window.ratings.order_by("-created_at", "-pk")[:20],
        "complaints": window.complaints.select_related("case").order_by("-created_at", "-pk")[:20],
        "events": window.events.select_related("actor").order_by("-created_at", "-pk")[:30],
        "keeper": _keeper(request), "accept_form": MatterAcceptForm(), "staff_form": StaffForm(adding=True),
        "commitment_form": CommitmentForm(initial={
            "publicity": commitments[0].publicity if commitments else "",
            "promise": commitments[0].promise if commitments else "",
            "version": commitments[0].version if commitments else 0}),
    })


@login_required
@require_POST
def matter_accept_view(request, pk: int):
    window = _window(request, pk)
    form = MatterAcceptForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("windows:detail", pk=window.pk)
    try:
        matter = matters.matter_accept(window_id=window.pk, actor=request.user, item_id=form.cleaned_data["item"].pk,
                                       external_id=form.cleaned_data["external_id"])
    except ServiceWindow.DoesNotExist:
        raise Http404 from None
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Matter %(number)s accepted; due %(due)s.") % {
            "number": matter.external_id, "due": timezone.localtime(matter.due_at).strftime("%Y-%m-%d %H:%M")})
    return redirect("windows:detail", pk=window.pk)


@login_required
@require_POST
def matter_complete_view(request, pk: int):
    matter = get_or_404(Matter.objects.all(), request.user, pk=pk)
    form = MatterCompleteForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("windows:detail", pk=matter.window_id)
    try:
        done = matters.matter_complete(matter_id=matter.pk, actor=request.user,
                                       expected_version=form.cleaned_data["version"])
    except Matter.DoesNotExist:
        raise Http404 from None
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, (_("Matter %(number)s completed late.") if done.completed_at > done.due_at
                                   else _("Matter %(number)s completed in time.")) % {"number": done.external_id})
    return redirect("windows:detail", pk=matter.window_id)


@login_required
@require_http_methods(["GET", "POST"])
def matter_import_view(request, pk: int):
    window = _window(request, pk)
    if not _keeper(request):
        raise Http404
    posted = request.method == "POST"
    form = MatterImportForm(request.POST if posted else None, request.FILES if posted else None)
    batch = None
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        with upload_spooled(upload) as spooled:
            try:
                batch, _report = matters.matters_import(window_id=window.pk, actor=request.user, path=spooled,
                                                        file_name=upload.name)
            except ServiceWindow.DoesNotExist:
                raise Http404 from None
            except WorkflowError as exc:
                form.add_error(None, str(exc))
    failed = bool(form.errors) or bool(batch and batch.errors)
    return render(request, "windows/import.html", {"window": window, "form": form, "batch": batch},
                  status=400 if failed else 200)


@login_required
@require_POST
def commitment_view(request, pk: int):
    window = _window(request, pk)
    form = CommitmentForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("windows:detail", pk=window.pk)
    d = form.cleaned_data
    try:
        commitment = records.commitment_publish(window_id=window.pk, actor=request.user, publicity=d["publicity"],
                                                promise=d["promise"], expected_version=d["version"])
    except ServiceWindow.DoesNotExist:
        raise Http404 from None
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Version %(version)d published.") % {"version": commitment.version})
    return redirect("windows:detail", pk=window.pk)


@login_required
@require_POST
def staff_view(request, pk: int):
    window = _window(request, pk)
    form = StaffForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("windows:detail", pk=window.pk)
    try:
        d = form.cleaned_data
        staff = records.staff_save(
            window_id=window.pk, actor=request.user, name=d["name"], position=d["position"],
            certificate_kind=d["certificate_kind"], certificate_number=d["certificate_number"],
            certificate_expires=d["certificate_expires"], staff_id=d["staff_id"], is_active=d["is_active"],
            expected_version=d["version"])
    except ServiceWindow.DoesNotExist:
        raise Http404 from None
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(name)s saved.") % {"name": staff.name})
    return redirect("windows:detail", pk=window.pk)


@login_required
@require_safe
def followups(request):
    if not can(request.user, WindowRating):
        raise Http404
    return render(request, "windows/followups.html", {
        "page": paginate(request, selectors.followups_open(request.user)), "keeper": _keeper(request)})


@login_required
@require_POST
def followup_answer(request, pk: int):
    rating = get_or_404(WindowRating.objects.all(), request.user, pk=pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("windows:followups")
    try:
        citizens.rating_answer(rating_id=rating.pk, actor=request.user, answer=form.cleaned_data["answer"],
                               expected_version=form.cleaned_data["version"])
    except WindowRating.DoesNotExist:
        raise Http404 from None
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Answer recorded."))
    return redirect("windows:followups")


@login_required
@require_http_methods(["GET", "POST"])
def periods(request):
    if not can(request.user, CompetitionPeriod):
        raise Http404
    ranker = bool(scope_for(request.user).roles & WINDOW_RANKERS)
    form = PeriodForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not ranker:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                period = competition.period_create(
                    actor=request.user, name=d["name"], start=d["start"], end=d["end"], min_matters=d["min_matters"],
                    weights={k: d[f"weight_{k}"] for k in ("ontime", "complaints", "rating", "inspection")})
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Period %(name)s set up; compute its ranking.") % {"name": period.name})
                return redirect("windows:period", pk=period.pk)
    return render(request, "windows/periods.html", {
        "periods": selectors.periods_visible(request.user), "form": form, "ranker": ranker,
    }, status=400 if form.errors else 200)


@login_required
@require_safe
def period_detail(request, pk: int):
    period = get_or_404(CompetitionPeriod.objects.all(), request.user, pk=pk)
    return render(request, "windows/period.html", {
        "period": period, "scores": selectors.period_scores(period),
        "actions": competition.ranking_actions_for(period, request.user),
        "events": period.events.select_related("actor").order_by("created_at", "pk"),
        "action_form": PeriodActionForm(initial={"version": period.version}),
    })


@login_required
@require_POST
def period_action(request, pk: int, action: str):
    period = get_or_404(CompetitionPeriod.objects.all(), request.user, pk=pk)
    if action not in competition.ACTIONS_BY_KEY:
        raise Http404
    form = PeriodActionForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("windows:period", pk=period.pk)
    try:
        done = competition.ranking_step(period_id=period.pk, actor=request.user, action_key=action,
                                        note=form.cleaned_data["note"], expected_version=form.cleaned_data["version"])
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(action)s: the ranking is now %(state)s.") % {
            "action": competition.ACTIONS_BY_KEY[action].label, "state": done.get_state_display()})
    return redirect("windows:period", pk=period.pk)


@login_required
@require_POST
def complaint_link_view(request, case_id: int):
    """Link a complaint case (a hotline call about a window) to the window, from the case page's panel."""
    if not scope_for(request.user).roles & COMMAND_OR_ADMIN:
        raise Http404
    get_or_404(Case.objects.all(), request.user, pk=case_id)  # out of scope answers 404, as missing
    form = ComplaintLinkForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("cases:detail", pk=case_id)
    try:
        link = links.complaint_link(case_id=case_id, window_id=form.cleaned_data["window"], actor=request.user,
                                    expected_version=form.cleaned_data["version"])
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Linked to %(window)s: it counts in the window's complaint rate.")
                         % {"window": str(link.window)})
    return redirect("cases:detail", pk=case_id)


@login_required
@require_POST
def complaint_unlink_view(request, case_id: int):
    if not scope_for(request.user).roles & COMMAND_OR_ADMIN:
        raise Http404
    get_or_404(Case.objects.all(), request.user, pk=case_id)  # out of scope answers 404, as missing
    form = ComplaintUnlinkForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("cases:detail", pk=case_id)
    try:
        links.complaint_unlink(case_id=case_id, actor=request.user, note=form.cleaned_data["note"],
                               expected_version=form.cleaned_data["version"])
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The link to the window is removed."))
    return redirect("cases:detail", pk=case_id)


# -- the citizen's pages ---------------------------------------------------------------------------------------

@require_safe
def rankings(request):
    return render(request, "windows/rankings.html", {"periods": selectors.rankings_published()[:20]})


@require_safe
def ranking(request, pk: int):
    period = CompetitionPeriod.objects.filter(pk=pk, state=RankingState.PUBLISHED).first()
    if period is None:
        raise Http404
    return render(request, "windows/ranking.html", {
        "period": period, "scores": selectors.period_scores(period).filter(rank__isnull=False)})


def _verified_phone(request) -> str:
    stored = request.session.get(SESSION_PHONE) or {}
    if isinstance(stored, dict) and stored.get("until", 0) > time.time():
        return stored.get("phone", "")
    return ""


def _masked(phone: str) -> str:
    """A verified phone as the page may show it: 138****5678 (the full number never goes back to the browser)."""
    return f"{phone[:3]}****{phone[7:]}" if phone else ""


def _phone_checked(request, phone: str, code: str) -> str:
    """The phone, verified now by its SMS code unless this browser verified it within the day. Left blank, the
    phone this browser verified (kept in the session, never sent back to the page)."""
    if not (phone or "").strip():
        return _verified_phone(request)
    phone = phone_normalize(phone)
    if phone != _verified_phone(request):
        phone = phone_code_check(phone=phone, code=code)
        request.session[SESSION_PHONE] = {"phone": phone, "until": time.time() + VERIFIED_FOR}
    return phone


def _public_window(code: str) -> ServiceWindow:
    window = (ServiceWindow.objects.select_related("site", "unit").filter(code=code[:16], is_active=True).first())
    if window is None:
        raise Http404
    return window


@require_http_methods(["GET", "POST"])
def window_public(request, code: str):
    """The counter's QR page: the window's commitments, a 好差评 rating (phone verified by SMS) and a complaint."""
    window = _public_window(code)
    verified = _masked(_verified_phone(request))
    form = RatingForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                phone = _phone_checked(request, d["phone"], d["code"])
                citizens.window_rate(code=window.code, phone=phone, level=d["level"], comment=d["comment"],
                                     ip=client_ip(request))
            except VerificationError as exc:
                form.add_error(exc.field, str(exc))
            except RATE_LIMITED as exc:
                form.add_error(None, str(exc))
                status = 429
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Thank you for rating this window."))
                return redirect("windows:public", code=window.code)
    return render(request, "windows/public.html", {
        "window": window, "form": form, "complaint_form": ComplaintForm(),
        "commitment": window.commitments.order_by("-version").first(), "verified_phone": verified,
    }, status=status)


@require_POST
def window_complain_view(request, code: str):
    window = _public_window(code)
    form = ComplaintForm(request.POST)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        try:
            phone = _phone_checked(request, d["phone"], d["code"])
            case = citizens.window_complain(code=window.code, description=d["description"], phone=phone,
                                            ip=client_ip(request))
        except VerificationError as exc:
            form.add_error(exc.field, str(exc))
        except RATE_LIMITED as exc:
            form.add_error(None, str(exc))
            status = 429
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Thank you. Your tracking code is %(code)s: keep it to follow your complaint.")
                             % {"code": case.tracking_code})
            return redirect("public:status", code=case.tracking_code)
    return render(request, "windows/public.html", {
        "window": window, "form": RatingForm(), "complaint_form": form, "complaint_open": True,
        "commitment": window.commitments.order_by("-version").first(),
        "verified_phone": _masked(_verified_phone(request)),
    }, status=status)
