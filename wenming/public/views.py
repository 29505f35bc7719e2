"""The citizen's pages: report a problem (随手拍), follow it by tracking code, rate the result (回访).

Anonymous, phone-first, CSRF-protected. They never show who reported a case, who inspected it or any
person's name; the status page reads only what ``selectors`` lets through.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wenming.cases.models import Evidence, FollowUpChannel
from wenming.cases.services.followup import followup_record
from wenming.cases.services.workflow import Upload
from wenming.common.errors import WorkflowError
from wenming.common.net import client_ip
from wenming.org.models import Area
from wenming.org.selectors import public_outlines_json

from . import selectors
from .categories import OTHER, category_code
from .forms import MAX_PHOTOS, CodeForm, RatingForm, ReportForm, TrackForm, max_photo_bytes
from .services.errors import PublicError, RateLimited
from .services.limits import limit_check, limit_hit
from .services.reports import public_report_submit
from .services.verification import (
    CODE_TTL,
    VerificationError,
    phone_code_check,
    phone_code_send,
    phone_normalize,
)

SESSION_PHONE = "public_verified_phone"
VERIFIED_FOR = 24 * 3600  # seconds a verified phone stays verified in this browser
SESSION_REPORTS = "public_reports"


def _city_centre() -> tuple[float, float] | None:
    row = Area.objects.filter(parent__isnull=True).values_list("lng", "lat").first()
    return row if row and row[0] is not None else None


def _verified_phone(request) -> str:
    """The phone this browser verified by SMS code within the last day, if any."""
    stored = request.session.get(SESSION_PHONE) or {}
    if isinstance(stored, dict) and stored.get("until", 0) > time.time():
        return stored.get("phone", "")
    return ""


def report(request):
    """The report form; a valid post becomes a case in the command centre's 待受理 queue."""
    verified = _verified_phone(request)
    form = ReportForm(request.POST or None, request.FILES or None, verified_phone=verified)
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            phone = ""
            if not d["anonymous"]:
                phone = phone_normalize(d["phone"])
                if phone != verified:
                    phone = phone_code_check(phone=phone, code=d["code"])
                    request.session[SESSION_PHONE] = {"phone": phone, "until": time.time() + VERIFIED_FOR}
            case = public_report_submit(
                description=d["description"], lng=d["lng"], lat=d["lat"], address=d["address"],
                category_code=None if d["category"] == OTHER else category_code(d["category"]),
                photos=[Upload(name=p.name, content=p.read()) for p in d["photos"]], phone=phone, ip=client_ip(request),
            )
        except VerificationError as exc:
            form.add_error(exc.field, str(exc))
            status = 400
        except RateLimited as exc:
            form.add_error(None, str(exc))
            status = 429
        except (PublicError, WorkflowError) as exc:
            form.add_error(None, str(exc))
            status = 400
        else:
            request.session[SESSION_REPORTS] = [case.tracking_code, *request.session.get(SESSION_REPORTS, [])][:20]
            messages.success(request, _("Thank you. Your tracking code is %(code)s: keep it to follow your report.")
                             % {"code": case.tracking_code})
            return redirect("public:status", code=case.tracking_code)
    elif request.method == "POST":
        status = 400
    centre = _city_centre()
    return render(request, "public/report.html", {
        "form": form, "verified_phone": verified, "max_photos": MAX_PHOTOS, "max_photo_bytes": max_photo_bytes(),
        "centre": centre, "outlines_json": public_outlines_json(), "minutes": int(CODE_TTL.total_seconds() // 60),
        "my_reports": request.session.get(SESSION_REPORTS, []),
    }, status=status)


@require_POST
def code_send(request):
    """Send an SMS code to the phone number typed in the report form (called by the page's script)."""
    form = CodeForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"ok": False, "message": _("Phone: enter an 11-digit mobile number.")}, status=400)
    try:
        record = phone_code_send(phone=form.cleaned_data["phone"], ip=client_ip(request))
    except RateLimited as exc:
        response = JsonResponse({"ok": False, "message": str(exc)}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except PublicError as exc:
        return JsonResponse({"ok": False, "message": str(exc)}, status=400)
    phone = record.phone
    return JsonResponse({"ok": True, "message": _("Code sent to %(phone)s; it is valid for %(minutes)d minutes.")
                         % {"phone": f"{phone[:3]}****{phone[-4:]}", "minutes": int(CODE_TTL.total_seconds() // 60)}})


@require_safe
def track(request):
    """Look a report up by its tracking code."""
    form = TrackForm(request.GET or None)
    if request.GET and form.is_valid():
        return redirect("public:status", code=form.cleaned_data["code"].strip().upper())
    return render(request, "public/track.html", {"form": form, "my_reports": request.session.get(SESSION_REPORTS, [])})


def _tracked_or_404(request, code: str):
    """The case with this tracking code; an unknown code costs the network one of its tries, and once they are
    used up every code is refused."""
    limit_check(what="track_ip", who=client_ip(request))
    case = selectors.tracked_case(code)
    if case is None:
        limit_hit(what="track_ip", who=client_ip(request))
        raise Http404
    return case


def _not_found(request, exc: RateLimited | None = None):
    return render(request, "public/not_found.html", {"limited": str(exc) if exc else "", "form": TrackForm()},
                  status=429 if exc else 404)


def _status_page(request, case, *, rating_form=None, status=200):
    steps = selectors.public_steps(case)
    parent = case.parent if case.parent_id else None
    context = {
        "case": case, "steps": steps, "plain_state": selectors.PLAIN_STATES.get(case.state, ""),
        "category": case.category.name if case.category else "",
        "can_rate": selectors.can_rate(case), "rating": selectors.rating_given(case),
        "rating_form": rating_form or RatingForm(),
        "parent_state": selectors.PLAIN_STATES.get(parent.state, "") if parent else "",
        "parent_steps": selectors.public_steps(parent) if parent else [],
    }
    return render(request, "public/status.html", context, status=status)


@require_safe
def status(request, code: str):
    try:
        case = _tracked_or_404(request, code)
    except Http404:
        return _not_found(request)
    except RateLimited as exc:
        return _not_found(request, exc)
    return _status_page(request, case)


@require_http_methods(["GET", "HEAD", "POST"])
def rate(request, code: str):
    """回访: the reporter rates the closed case; "not fixed" goes to the command centre. A GET (the address typed
    or followed from an old message) goes to the status page's rating form, which asks nothing it does not show."""
    if request.method != "POST":
        return redirect(reverse("public:status", kwargs={"code": code}) + "#rating-form")
    try:
        case = _tracked_or_404(request, code)
        limit_hit(what="rate_ip", who=client_ip(request))
    except Http404:
        return _not_found(request)
    except RateLimited as exc:
        return _not_found(request, exc)
    form = RatingForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            followup_record(case_id=case.pk, rating=d["rating"], fixed=d["fixed"], comment=d["comment"],
                            channel=FollowUpChannel.WEB)
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Thank you for your rating.") if d["fixed"] else
                             _("Thank you. The command centre will look at it again and decide whether to reopen it."))
            return redirect("public:status", code=case.tracking_code)
    case.refresh_from_db()
    return _status_page(request, case, rating_form=form, status=400)


@require_safe
def photo(request, code: str, pk: int):
    """An after-photo shown on the status page: the shared copy without metadata, nothing else."""
    try:
        case = _tracked_or_404(request, code)
    except RateLimited:
        raise Http404 from None
    if pk not in selectors.shown_photo_ids(case):
        raise Http404
    evidence = Evidence.objects.filter(pk=pk, case=case).first()
    if evidence is None or not evidence.public_file:
        raise Http404
    try:
        handle = evidence.public_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # Cache-Control: no-store comes from wenming.common.middleware (a tracking page is personal).
    return FileResponse(handle, content_type="image/jpeg")
