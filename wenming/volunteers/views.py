"""The volunteer pages. Public: the activity calendar and each activity's page. The volunteer's own (phone-verified
session, ``session.py``): sign in, register, sign up or cancel, check in and out from the organiser's QR code, report
a problem from the activity, the record of hours and its certificate. Staff (``VOLUNTEER_ORGANISERS``, scoped):
activities with their QR code, sign-ups and hours to confirm or correct, a new activity (also called for by a case
or a campaign task), the statistics and the export. Thin: validate, call one service, message, redirect."""

from __future__ import annotations

import datetime as dt

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case as Case_
from django.db.models import When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wenming.campaign.models import Task
from wenming.cases.models import Case
from wenming.cases.services.workflow import Upload
from wenming.common.access import CHANGE, VIEW, get_or_404, restrict, scope_for
from wenming.common.errors import WorkflowError
from wenming.common.net import client_ip
from wenming.common.pagination import paginate
from wenming.common.roles import VOLUNTEER_ORGANISERS
from wenming.common.services.limits import limits_declare
from wenming.common.tabular import XLSX
from wenming.org.models import Area
from wenming.public.services.errors import PublicError, RateLimited
from wenming.public.services.limits import limit_hit
from wenming.public.services.verification import CODE_TTL, VerificationError, phone_code_check
from wenming.volunteers import selectors
from wenming.volunteers.errors import VolunteerError
from wenming.volunteers.forms import (
    ActivityForm,
    ActivityReportForm,
    CalendarForm,
    CancelForm,
    GeoForm,
    MembershipTeamForm,
    OrganisationEditForm,
    OrganisationForm,
    ProjectEditForm,
    ProjectForm,
    RecordStepForm,
    RegisterForm,
    SignInForm,
    SignupHoursForm,
    StatsForm,
    TeamForm,
)
from wenming.volunteers.models import (
    Activity,
    Membership,
    Organisation,
    Project,
    ServiceRecord,
    SignUp,
    SignUpStatus,
    Team,
    Theme,
    Volunteer,
)
from wenming.volunteers.services.activities import (
    ActivityValues,
    activity_cancel,
    activity_case_report,
    activity_create,
    organisation_create,
    project_create,
    signup_cancel,
    signup_create,
)
from wenming.volunteers.services.checkins import (
    checkin_record,
    checkin_token,
    checkin_token_read,
    checkout_record,
    token_max_age,
)
from wenming.volunteers.services.documents import certificate_pdf, records_csv, records_xlsx
from wenming.volunteers.services.hours import (
    hours_actions_for,
    service_record_step,
    signup_actions_for,
    signup_hours_record,
)
from wenming.volunteers.services.organisations import (
    membership_team_set,
    organisation_update,
    project_update,
    team_create,
    team_rename,
)
from wenming.volunteers.services.registration import volunteer_register
from wenming.volunteers.session import (
    session_volunteer,
    session_volunteer_id,
    verified_phone,
    verified_phone_hold,
    volunteer_session_end,
    volunteer_session_start,
)

limits_declare({
    "vol_signin_ip": (30, 3600),  # volunteer sign-ins (SMS code checks) from one network
    "vol_register_ip": (20, 3600),  # registrations from one network
    "vol_signup_phone": (60, 3600),  # sign-ups and cancellations by one volunteer
    "vol_checkin_phone": (30, 3600),  # check-in and check-out posts by one volunteer
})
STATS_DAYS = 30
EXPORT_DAYS = 366


def _organiser_or_404(request) -> None:
    if not request.user.is_authenticated or not (
            scope_for(request.user).roles & VOLUNTEER_ORGANISERS or request.user.is_superuser):
        raise Http404


def _next(request, default: str) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default


def _limited(request, form, exc: RateLimited):
    form.add_error(None, str(exc))
    return 429


# -- public ---------------------------------------------------------------------------------------------------

@require_safe
def calendar(request):
    form = CalendarForm(request.GET or None)
    area = theme = ""
    if form.is_valid():
        area, theme = form.cleaned_data["area"].strip(), form.cleaned_data["theme"]
    return render(request, "volunteers/calendar.html", {
        "form": form, "activities": selectors.calendar_activities(area_code=area, theme=theme)[:200],
        "areas": selectors.calendar_areas(), "themes": Theme.choices, "area": area, "theme": theme,
        "volunteer": session_volunteer(request),
    })


@require_safe
def activity(request, pk: int):
    item = get_object_or_404(Activity.objects.select_related("organisation", "project"), pk=pk)
    volunteer = session_volunteer(request)
    signup = selectors.volunteer_signup(volunteer, item)
    return render(request, "volunteers/activity.html", {
        "activity": item, "taken": selectors.activity_taken(item), "volunteer": volunteer, "signup": signup,
        "checked_in": bool(signup and hasattr(signup, "checkin")), "report_form": ActivityReportForm(),
        "SignUpStatus": SignUpStatus,
    })


@require_safe
def organisation_public(request, pk: int):
    """An organisation as the public sees it: host, area, team names, upcoming activities; nobody named."""
    item = get_object_or_404(Organisation.objects.select_related("area").defer("area__geometry"), pk=pk)
    return render(request, "volunteers/organisation_public.html", {
        "organisation": item, **selectors.organisation_public(item), "volunteer": session_volunteer(request)})


# -- the volunteer's session ----------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD", "POST"])
def signin(request):
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                limit_hit(what="vol_signin_ip", who=client_ip(request))
                phone = phone_code_check(phone=form.cleaned_data["phone"], code=form.cleaned_data["code"])
            except RateLimited as exc:
                status = _limited(request, form, exc)
            except VerificationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                volunteer = Volunteer.objects.filter(phone=phone).first()
                if volunteer is None:
                    verified_phone_hold(request, phone)
                    return redirect(reverse("volunteers:register") + "?next=" + _next(request, ""))
                volunteer_session_start(request, volunteer)
                return redirect(_next(request, reverse("volunteers:me")))
    return render(request, "volunteers/signin.html", {
        "form": form, "next": _next(request, ""), "minutes": int(CODE_TTL.total_seconds() // 60)}, status=status)


@require_POST
def signout(request):
    volunteer_session_end(request)
    return redirect("volunteers:calendar")


@require_http_methods(["GET", "HEAD", "POST"])
def register(request):
    phone = verified_phone(request)
    if not phone:
        return redirect("volunteers:signin")
    form = RegisterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                limit_hit(what="vol_register_ip", who=client_ip(request))
                guardian_phone = d["guardian_phone"] or ""
                if guardian_phone and d["guardian_consent"]:
                    phone_code_check(phone=guardian_phone, code=d["guardian_code"])
                volunteer = volunteer_register(
                    phone=phone, name=d["name"], birth_date=d["birth_date"], organisation_id=d["organisation"].pk,
                    id_number=d["id_number"], guardian_name=d["guardian_name"], guardian_phone=guardian_phone,
                    guardian_consent=d["guardian_consent"] and bool(guardian_phone), skills=d["skills"],
                    availability=d["availability"])
            except RateLimited as exc:
                status = _limited(request, form, exc)
            except VerificationError as exc:
                form.add_error("guardian_code", str(exc))
            except (WorkflowError, PublicError) as exc:
                form.add_error(None, str(exc))
            else:
                volunteer_session_start(request, volunteer)
                messages.success(request, _("Welcome, %(name)s: you are registered as a volunteer.")
                                 % {"name": volunteer.name})
                return redirect(_next(request, reverse("volunteers:me")))
    return render(request, "volunteers/register.html", {
        "form": form, "phone": f"{phone[:3]}****{phone[-4:]}", "next": _next(request, "")}, status=status)


def _volunteer_or_signin(request):
    volunteer = session_volunteer(request)
    if volunteer is None:
        return None, redirect(reverse("volunteers:signin") + "?next=" + request.path)
    return volunteer, None


@require_POST
def signup(request, pk: int):
    volunteer, away = _volunteer_or_signin(request)
    if away:
        return away
    item = get_object_or_404(Activity, pk=pk)
    try:
        limit_hit(what="vol_signup_phone", who=volunteer.phone)
        result = signup_create(volunteer_id=volunteer.pk, activity_id=item.pk)
    except (WorkflowError, PublicError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("You are signed up.") if result.status == SignUpStatus.CONFIRMED
                         else _("All slots are taken: you are on the waiting list and move up when someone cancels."))
    return redirect("volunteers:activity", pk=item.pk)


@require_POST
def signup_cancel_view(request, pk: int):
    volunteer, away = _volunteer_or_signin(request)
    if away:
        return away
    item = get_object_or_404(Activity, pk=pk)
    try:
        limit_hit(what="vol_signup_phone", who=volunteer.phone)
        signup_cancel(volunteer_id=volunteer.pk, activity_id=item.pk)
    except (WorkflowError, PublicError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your sign-up is cancelled."))
    return redirect("volunteers:activity", pk=item.pk)


@require_http_methods(["GET", "HEAD", "POST"])
def checkin(request, token: str):
    """The page the organiser's QR code opens: the phone reads its position and posts it (check-in, then out).
    The post reads no more than it needs (the volunteer's id from the session, the activity through the sign-up):
    a city-wide activity day brings thousands of them in an hour (bench/volunteer_checkin.py)."""
    try:
        activity_id = checkin_token_read(token=token)
    except WorkflowError as exc:
        return render(request, "volunteers/checkin.html", {"error": str(exc)}, status=400)
    volunteer_id = session_volunteer_id(request)
    if volunteer_id is None:
        return redirect(reverse("volunteers:signin") + "?next=" + request.path)
    status = 200
    if request.method == "POST":
        form = GeoForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                limit_hit(what="vol_checkin_phone", who=str(volunteer_id))
                if d["step"] == "in":
                    checkin_token_read(token=token, fresh=True)  # a code from the organiser's screen, not a photo
                    checkin_record(volunteer_id=volunteer_id, activity_id=activity_id, lng=d["lng"], lat=d["lat"],
                                   accuracy=d["accuracy"])
                    messages.success(request, _("Checked in. Check out here when you leave."))
                else:
                    record = checkout_record(volunteer_id=volunteer_id, activity_id=activity_id, lng=d["lng"],
                                             lat=d["lat"], accuracy=d["accuracy"])
                    messages.success(request, _("Checked out: %(hours)s hours recorded; the organiser confirms them.")
                                     % {"hours": record.hours})
            except (WorkflowError, PublicError) as exc:
                messages.error(request, str(exc))
                status = 400
            else:
                return redirect("volunteers:checkin", token=token)
        else:
            messages.error(request, next(iter(form.errors.values()))[0])
            status = 400
    volunteer = session_volunteer(request)
    if volunteer is None:
        return redirect(reverse("volunteers:signin") + "?next=" + request.path)
    item = get_object_or_404(Activity.objects.select_related("organisation"), pk=activity_id)
    signup_row = selectors.volunteer_signup(volunteer, item)
    return render(request, "volunteers/checkin.html", {
        "activity": item, "volunteer": volunteer, "signup": signup_row, "token": token,
        "checkin": getattr(signup_row, "checkin", None) if signup_row else None,
        "record": getattr(signup_row, "record", None) if signup_row else None, "SignUpStatus": SignUpStatus,
    }, status=status)


@require_POST
def activity_report(request, pk: int):
    volunteer, away = _volunteer_or_signin(request)
    if away:
        return away
    item = get_object_or_404(Activity, pk=pk)
    form = ActivityReportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return redirect("volunteers:activity", pk=item.pk)
    d = form.cleaned_data
    try:
        case = activity_case_report(volunteer_id=volunteer.pk, activity_id=item.pk, description=d["description"],
                                    lng=d["lng"] if d["lng"] is not None else item.lng,
                                    lat=d["lat"] if d["lat"] is not None else item.lat,
                                    photos=[Upload(name=p.name, content=p.read()) for p in d["photos"]],
                                    ip=client_ip(request))
    except (WorkflowError, PublicError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Thank you. Your tracking code is %(code)s: keep it to follow your report.")
                         % {"code": case.tracking_code})
    return redirect("volunteers:activity", pk=item.pk)


@require_safe
def me(request):
    volunteer, away = _volunteer_or_signin(request)
    if away:
        return away
    return render(request, "volunteers/me.html", {"volunteer": volunteer, **selectors.volunteer_record(volunteer)})


@require_safe
def certificate(request):
    volunteer, away = _volunteer_or_signin(request)
    if away:
        return away
    record = selectors.volunteer_record(volunteer)
    try:
        pdf = certificate_pdf(volunteer=volunteer, records=record["records"], city=settings.WENMING_CITY_NAME)
    except VolunteerError as error:
        messages.error(request, str(error))
        return redirect("volunteers:me")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="volunteer-hours.pdf"'
    return response


# -- staff ----------------------------------------------------------------------------------------------------

@login_required
@require_safe
def manage(request):
    _organiser_or_404(request)
    return render(request, "volunteers/manage.html", {
        "activities": selectors.managed_activities(request.user).order_by("-starts_at")[:100],
        "organisations": restrict(Organisation.objects.all(), request.user, CHANGE).select_related("area")[:100],
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def organisation_new(request):
    _organiser_or_404(request)
    areas = restrict(Area.objects.defer("geometry"), request.user, VIEW).filter(
        level__in=("city", "county", "street", "community")).order_by("path")
    form = OrganisationForm(request.POST or None, areas=areas)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                organisation_create(actor=request.user, name=d["name"], host_kind=d["host_kind"], area_id=d["area"].pk,
                                    requires_real_name=d["requires_real_name"])
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Organisation created; add its projects next."))
                return redirect("volunteers:project_new")
    return render(request, "volunteers/simple_form.html", {"form": form, "title": _("New volunteer organisation"),
                                                          "form_id": "organisation-form"}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def project_new(request):
    _organiser_or_404(request)
    form = ProjectForm(request.POST or None,
                       organisations=restrict(Organisation.objects.all(), request.user, CHANGE))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                project_create(actor=request.user, organisation_id=d["organisation"].pk, name=d["name"],
                               theme=d["theme"])
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Project created; its activities can be added now."))
                return redirect("volunteers:activity_new")
    return render(request, "volunteers/simple_form.html", {"form": form, "title": _("New volunteer project"),
                                                          "form_id": "project-form"}, status=status)


def _projects(user):
    return Project.objects.filter(organisation__in=restrict(Organisation.objects.all(), user, CHANGE)) \
        .select_related("organisation")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def activity_new(request):
    _organiser_or_404(request)
    initial: dict = {"radius_m": 300, "min_age": 0}
    source = None
    if request.method != "POST":
        case_id, task_id = request.GET.get("case", ""), request.GET.get("task", "")
        if case_id.isdigit() and len(case_id) < 12:
            case = restrict(Case.objects.select_related("category"), request.user, VIEW).filter(pk=case_id).first()
            if case is None:
                raise Http404
            source = case
            initial.update(title=_("Volunteers for: %(category)s") % {"category": case.category.name if case.category
                                                                         else case.number},
                           place=case.address or case.number, lng=case.lng, lat=case.lat, source_case=case.pk)
        elif task_id.isdigit() and len(task_id) < 12:
            task = restrict(Task.objects.all(), request.user, VIEW).filter(pk=task_id).first()
            if task is None:
                raise Http404
            source = task
            initial.update(title=_("Volunteers for task %(code)s") % {"code": task.code}, source_task=task.pk)
    form = ActivityForm(request.POST or None, initial=initial, projects=_projects(request.user))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                created = activity_create(actor=request.user, values=ActivityValues(
                    project_id=d["project"].pk, title=d["title"], place=d["place"], lng=d["lng"], lat=d["lat"],
                    starts_at=d["starts_at"], ends_at=d["ends_at"], slots=d["slots"], radius_m=d["radius_m"],
                    min_age=d["min_age"], requirements=d["requirements"], source_case_id=d["source_case"],
                    source_task_id=d["source_task"]))
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Activity created; it is on the public calendar."))
                return redirect("volunteers:activity_manage", pk=created.pk)
    return render(request, "volunteers/activity_new.html", {"form": form, "source": source}, status=status)


@login_required
@require_safe
def activity_manage(request, pk: int):
    _organiser_or_404(request)
    item = get_or_404(Activity.objects.select_related("organisation", "project", "source_case", "source_task"),
                      request.user, pk=pk)
    url = request.build_absolute_uri(reverse("volunteers:checkin", kwargs={"token": checkin_token(activity=item)}))
    # A page of sign-ups at a time (a city-wide activity day has thousands), the confirmed first, then the line.
    rank = Case_(When(status=SignUpStatus.CONFIRMED, then=0), When(status=SignUpStatus.WAITLISTED, then=1), default=2)
    page = paginate(request, item.signups.select_related("volunteer", "checkin")
                    .order_by(rank, "created_at", "pk"))
    records = {r.signup_id: r for r in ServiceRecord.objects.filter(signup__in=[s.pk for s in page])}
    signups = []
    for s in page:
        record = records.get(s.pk)
        signups.append({"signup": s, "checkin": getattr(s, "checkin", None), "record": record,
                        "actions": hours_actions_for(record, request.user) if record else [],
                        "signup_actions": [] if record else signup_actions_for(s, request.user)})
    return render(request, "volunteers/activity_manage.html", {
        "activity": item, "qr_svg": segno.make(url, error="m").svg_inline(scale=5), "checkin_url": url,
        "signups": signups, "page": page, "cases": item.case_links.select_related("case").order_by("link", "pk"),
        "cancel_form": CancelForm(initial={"version": item.version}), "now": timezone.now(),
        "token_seconds": token_max_age(),
    })


@login_required
@require_POST
def activity_cancel_view(request, pk: int):
    _organiser_or_404(request)
    item = get_or_404(Activity.objects.all(), request.user, pk=pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reason: say why the activity is cancelled."))
    else:
        try:
            activity_cancel(actor=request.user, activity_id=item.pk, reason=form.cleaned_data["reason"],
                            expected_version=form.cleaned_data["version"])
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Activity cancelled."))
    return redirect("volunteers:activity_manage", pk=item.pk)


@login_required
@require_POST
def record_step(request, pk: int, key: str):
    _organiser_or_404(request)
    record = get_or_404(ServiceRecord.objects.all(), request.user, pk=pk)
    form = RecordStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Someone changed these hours meanwhile: reload the page and try again."))
    else:
        d = form.cleaned_data
        try:
            service_record_step(record_id=record.pk, actor=request.user, action_key=key,
                                expected_version=d["version"], note=d["note"], hours=d["hours"])
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Hours confirmed.") if key == "confirm" else _("Hours corrected."))
    return redirect("volunteers:activity_manage", pk=record.activity_id)


@login_required
@require_POST
def signup_hours(request, pk: int):
    """The organiser records the hours of a volunteer who checked in and never checked out (with a reason)."""
    _organiser_or_404(request)
    signup = get_or_404(SignUp.objects.all(), request.user, pk=pk)
    form = SignupHoursForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reason: say why the hours are recorded without a check-out."))
    else:
        try:
            signup_hours_record(signup_id=signup.pk, actor=request.user, hours=form.cleaned_data["hours"],
                                note=form.cleaned_data["note"])
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Hours recorded."))
    return redirect("volunteers:activity_manage", pk=signup.activity_id)


def _period(form) -> tuple[dt.date, dt.date]:
    end = form.cleaned_data.get("end") if form.is_valid() else None
    start = form.cleaned_data.get("start") if form.is_valid() else None
    end = end or timezone.localdate()
    start = start or end - dt.timedelta(days=STATS_DAYS - 1)
    return (start, end) if start <= end else (end, start)


@login_required
@require_safe
def stats(request):
    _organiser_or_404(request)
    form = StatsForm(request.GET or None)
    start, end = _period(form)
    theme = form.cleaned_data.get("theme", "") if form.is_valid() else ""
    figures = selectors.volunteer_stats(request.user, start=start, end=end, theme=theme)
    chart = {"labels": [r["label"] for r in figures["by_theme"]], "values": [float(r["hours"] or 0)
                                                                              for r in figures["by_theme"]]}
    return render(request, "volunteers/stats.html", {"form": form, "start": start, "end": end, "theme": theme,
                                                     "chart": chart, **figures})


@login_required
@require_safe
def export(request, fmt: str):
    _organiser_or_404(request)
    form = StatsForm(request.GET or None)
    start, end = _period(form)
    # One year per file at most: a city-wide export of every year would be built in memory in one request.
    start = max(start, end - dt.timedelta(days=EXPORT_DAYS - 1))
    records = selectors.export_records(request.user, start=start, end=end)
    name = f"volunteer-records-{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt == "csv":
        response = HttpResponse(records_csv(records), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(records_xlsx(records), content_type=XLSX)
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# -- organisations, projects and teams --------------------------------------------------------------------------

def _managed_organisation(request, pk: int) -> Organisation:
    """An organisation the person may manage (the rule of creating projects and activities in it), else 404."""
    _organiser_or_404(request)
    return get_or_404(Organisation.objects.select_related("area", "unit", "site").defer("area__geometry"),
                      request.user, CHANGE, pk=pk)


def _member_rows(organisation: Organisation, page) -> list[dict]:
    hours = selectors.confirmed_hours_by_volunteer(organisation_id=organisation.pk,
                                                   volunteer_ids=[m.volunteer_id for m in page])
    return [{"membership": m, "hours": hours.get(m.volunteer_id, 0)} for m in page]


@login_required
@require_safe
def organisation_manage(request, pk: int):
    item = _managed_organisation(request, pk)
    page = paginate(request, selectors.organisation_members(item))
    return render(request, "volunteers/organisation.html", {
        "organisation": item, **selectors.organisation_summary(item), "page": page,
        "members": _member_rows(item, page), "team_form": TeamForm(), "teams_choice": list(item.teams.all()),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def organisation_edit(request, pk: int):
    item = _managed_organisation(request, pk)
    areas = restrict(Area.objects.defer("geometry"), request.user, VIEW).filter(
        level__in=("city", "county", "street", "community")).order_by("path")
    form = OrganisationEditForm(request.POST or None, areas=areas, initial={
        "name": item.name, "host_kind": item.host_kind, "area": item.area_id,
        "requires_real_name": item.requires_real_name, "version": item.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                organisation_update(actor=request.user, organisation_id=item.pk, expected_version=d["version"],
                                    name=d["name"], host_kind=d["host_kind"], area_id=d["area"].pk,
                                    requires_real_name=d["requires_real_name"])
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Organisation saved."))
                return redirect("volunteers:organisation_manage", pk=item.pk)
    return render(request, "volunteers/simple_form.html", {
        "form": form, "title": _("Edit %(name)s") % {"name": item.name}, "form_id": "organisation-edit-form",
        "submit": _("Save"), "back": reverse("volunteers:organisation_manage", kwargs={"pk": item.pk})},
        status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def project_edit(request, pk: int):
    _organiser_or_404(request)
    item = get_or_404(_projects(request.user), request.user, pk=pk)
    form = ProjectEditForm(request.POST or None,
                           initial={"name": item.name, "theme": item.theme, "version": item.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                project_update(actor=request.user, project_id=item.pk, expected_version=d["version"],
                               name=d["name"], theme=d["theme"])
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Project saved. Activities already created keep their theme."))
                return redirect("volunteers:organisation_manage", pk=item.organisation_id)
    return render(request, "volunteers/simple_form.html", {
        "form": form, "title": _("Edit project %(name)s") % {"name": item.name}, "form_id": "project-edit-form",
        "submit": _("Save"), "back": reverse("volunteers:organisation_manage", kwargs={"pk": item.organisation_id})},
        status=status)


@login_required
@require_POST
def team_new(request, pk: int):
    item = _managed_organisation(request, pk)
    form = TeamForm(request.POST)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
    else:
        try:
            team = team_create(actor=request.user, organisation_id=item.pk, name=form.cleaned_data["name"])
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Team “%(name)s” created.") % {"name": team.name})
    return redirect("volunteers:organisation_manage", pk=item.pk)


@login_required
@require_safe
def team_manage(request, pk: int):
    _organiser_or_404(request)
    team = get_or_404(Team.objects.select_related("organisation"), request.user, pk=pk)
    organisation = team.organisation
    page = paginate(request, selectors.organisation_members(organisation, team_id=team.pk))
    return render(request, "volunteers/team.html", {
        "team": team, "organisation": organisation, "page": page, "members": _member_rows(organisation, page),
        "rename_form": TeamForm(initial={"name": team.name}), "teams_choice": list(organisation.teams.all()),
    })


@login_required
@require_POST
def team_rename_view(request, pk: int):
    _organiser_or_404(request)
    team = get_or_404(Team.objects.all(), request.user, pk=pk)
    form = TeamForm(request.POST)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
    else:
        try:
            team_rename(actor=request.user, team_id=team.pk, name=form.cleaned_data["name"])
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Team renamed."))
    return redirect("volunteers:team_manage", pk=team.pk)


@login_required
@require_POST
def membership_team(request, pk: int):
    _organiser_or_404(request)
    membership = get_or_404(Membership.objects.all(), request.user, pk=pk)
    form = MembershipTeamForm(request.POST, teams=Team.objects.filter(organisation_id=membership.organisation_id))
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
    else:
        team = form.cleaned_data["team"]
        try:
            membership_team_set(actor=request.user, membership_id=membership.pk, team_id=team.pk if team else None)
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Member moved to team “%(name)s”.") % {"name": team.name} if team
                             else _("Member taken out of their team."))
    default = reverse("volunteers:organisation_manage", kwargs={"pk": membership.organisation_id})
    return redirect(_next(request, default))
