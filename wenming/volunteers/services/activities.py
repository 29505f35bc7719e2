"""Activities and sign-ups: staff create an activity (by hand, or called for by a cluster of open cases or a
campaign task); volunteers sign up, the overflow waits in line, and a cancellation moves the first in line up
under the activity's lock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.campaign.models import Task
from wenming.cases.models import OPEN_STATES, Case
from wenming.common.access import CHANGE, VIEW, restrict, scope_for
from wenming.common.errors import NotAllowed
from wenming.common.roles import VOLUNTEER_ORGANISERS
from wenming.org.models import Area, Site, Unit
from wenming.public.services.reports import public_report_submit
from wenming.volunteers.errors import VolunteerError
from wenming.volunteers.models import (
    Activity,
    ActivityCase,
    ActivityStatus,
    EventAction,
    HostKind,
    Organisation,
    Project,
    SignUp,
    SignUpStatus,
    Theme,
    Volunteer,
)

from .events import event_append

CLUSTER_LIMIT = 50  # cases linked to one activity at most
MAX_HOURS = 24  # an activity is one day's service at most


@dataclass(frozen=True)
class ActivityValues:
    project_id: int
    title: str
    place: str
    lng: float
    lat: float
    starts_at: dt.datetime
    ends_at: dt.datetime
    slots: int
    radius_m: int = 300
    min_age: int = 0
    requirements: str = ""
    source_case_id: int | None = None
    source_task_id: int | None = None


def _organiser(user) -> None:
    if not (scope_for(user).roles & VOLUNTEER_ORGANISERS or getattr(user, "is_superuser", False)):
        raise NotAllowed(_("Only the organising unit, the area or the command centre may do this."))


def organisation_create(*, actor, name: str, host_kind: str, area_id: int, requires_real_name: bool,
                        unit_id: int | None = None, site_id: int | None = None,
                        now: dt.datetime | None = None) -> Organisation:
    """A volunteer organisation in an area of the actor's scope (its host unit and site, if given, in scope too)."""
    _organiser(actor)
    now = now or timezone.now()
    name = (name or "").strip()
    if not name:
        raise VolunteerError(_("Name: enter the organisation's name."))
    if host_kind not in HostKind.values:
        raise VolunteerError(_("Host: choose one from the list."))
    area = restrict(Area.objects.defer("geometry"), actor, VIEW).filter(pk=area_id).first()
    if area is None:
        raise VolunteerError(_("Area: choose an area of your scope."))
    if unit_id and not restrict(Unit.objects.all(), actor, VIEW).filter(pk=unit_id).exists():
        raise VolunteerError(_("Host unit: choose a unit of your scope."))
    if site_id and not restrict(Site.objects.all(), actor, VIEW).filter(pk=site_id).exists():
        raise VolunteerError(_("Host site: choose a site of your scope."))
    if Organisation.objects.filter(name=name).exists():
        raise VolunteerError(_("Name: an organisation of this name exists already."))
    with transaction.atomic():
        organisation = Organisation.objects.create(name=name, host_kind=host_kind, area=area, area_path=area.path,
                                                   unit_id=unit_id, site_id=site_id,
                                                   requires_real_name=requires_real_name)
        event_append(action=EventAction.ORGANISATION_CREATED, at=now, actor=actor,
                     data={"organisation": organisation.pk, "name": name})
    return organisation


def project_create(*, actor, organisation_id: int, name: str, theme: str, now: dt.datetime | None = None) -> Project:
    _organiser(actor)
    now = now or timezone.now()
    organisation = restrict(Organisation.objects.all(), actor, CHANGE).filter(pk=organisation_id).first()
    if organisation is None:
        raise VolunteerError(_("Organisation: choose an organisation you run."))
    if not (name or "").strip():
        raise VolunteerError(_("Name: enter the project's name."))
    if theme not in Theme.values:
        raise VolunteerError(_("Theme: choose one from the list."))
    with transaction.atomic():
        project = Project.objects.create(organisation=organisation, name=name.strip(), theme=theme)
        event_append(action=EventAction.PROJECT_CREATED, at=now, actor=actor,
                     data={"organisation": organisation.pk, "project": project.pk})
    return project


def case_cluster(*, case: Case, actor=None) -> list[Case]:
    """Open cases like this one: same category, in the same street (the first four levels of the grid's path), and
    in the actor's scope. A case placed in no area has no street: it alone (never the whole city's)."""
    if not case.area_path:
        return [case]
    street = "/".join(case.area_path.split("/")[:5]) + "/"
    cluster = Case.objects.all() if actor is None else restrict(Case.objects.all(), actor, VIEW)
    cluster = cluster.filter(category_id=case.category_id, state__in=OPEN_STATES, area_path__startswith=street)
    return [case, *cluster.exclude(pk=case.pk).order_by("reported_at")[: CLUSTER_LIMIT - 1]]


def activity_create(*, actor, values: ActivityValues, now: dt.datetime | None = None) -> Activity:
    """A new open activity of a project of an organisation in the actor's scope; linked to the cases it was called
    for (the case's open cluster) or to the campaign task."""
    _organiser(actor)
    now = now or timezone.now()
    project = (Project.objects.select_related("organisation", "organisation__area")
               .filter(pk=values.project_id,
                       organisation__in=restrict(Organisation.objects.all(), actor, CHANGE)).first())
    if project is None:
        raise VolunteerError(_("Project: choose a project of an organisation you run."))
    if not values.title.strip() or not values.place.strip():
        raise VolunteerError(_("Title and place: both are required."))
    if not (73 <= values.lng <= 136 and 3 <= values.lat <= 54):
        raise VolunteerError(_("Place: the point must lie in China (longitude 73–136, latitude 3–54)."))
    if values.ends_at <= values.starts_at:
        raise VolunteerError(_("End: the activity must end after it starts."))
    if values.ends_at - values.starts_at > dt.timedelta(hours=MAX_HOURS):
        raise VolunteerError(_("End: an activity lasts at most 24 hours; make one per day."))
    if values.ends_at < now:
        raise VolunteerError(_("End: the activity is already over."))
    if not 1 <= values.slots <= 10000:
        raise VolunteerError(_("Slots: between 1 and 10000."))
    if not 20 <= values.radius_m <= 5000:
        raise VolunteerError(_("Check-in radius: between 20 and 5000 metres."))
    if not 0 <= values.min_age <= 100:
        raise VolunteerError(_("Minimum age: between 0 and 100."))
    area = project.organisation.area
    cases: list[Case] = []
    task = None
    if values.source_case_id:
        case = restrict(Case.objects.all(), actor, VIEW).filter(pk=values.source_case_id).first()
        if case is None:
            raise VolunteerError(_("Case: no such case in your scope."))
        cases = case_cluster(case=case, actor=actor)
        street_code = case.area_path.split("/")[4] if case.area_path.count("/") > 5 else ""
        area = Area.objects.defer("geometry").filter(code=street_code).first() or area
    if values.source_task_id:
        task = restrict(Task.objects.all(), actor, VIEW).filter(pk=values.source_task_id).first()
        if task is None:
            raise VolunteerError(_("Task: no such campaign task."))
    with transaction.atomic():
        activity = Activity.objects.create(
            project=project, organisation=project.organisation, theme=project.theme, title=values.title.strip(),
            place=values.place.strip(), lng=values.lng, lat=values.lat, radius_m=values.radius_m, area=area,
            area_path=area.path, starts_at=values.starts_at, ends_at=values.ends_at, slots=values.slots,
            min_age=values.min_age, requirements=values.requirements.strip(),
            source_case=cases[0] if cases else None, source_task=task, created_by=actor)
        ActivityCase.objects.bulk_create([ActivityCase(activity=activity, case=c, link=ActivityCase.Link.NEED)
                                          for c in cases])
        event_append(action=EventAction.ACTIVITY_CREATED, at=now, activity=activity, actor=actor,
                     data={"cases": [c.pk for c in cases], "task": task.pk if task else None})
    return activity


def activity_cancel(*, actor, activity_id: int, reason: str, expected_version: int,
                    now: dt.datetime | None = None) -> Activity:
    _organiser(actor)
    now = now or timezone.now()
    if not reason.strip():
        raise VolunteerError(_("Reason: say why the activity is cancelled."))
    with transaction.atomic():
        activity = restrict(Activity.objects.all(), actor, VIEW).select_for_update(of=("self",)).get(pk=activity_id)
        if activity.version != expected_version:
            raise VolunteerError(_("Someone changed this activity meanwhile: reload the page and try again."))
        if activity.status == ActivityStatus.CANCELLED:
            raise VolunteerError(_("The activity is already cancelled."))
        activity.status = ActivityStatus.CANCELLED
        activity.version += 1
        activity.save(update_fields=["status", "version"])
        event_append(action=EventAction.ACTIVITY_CANCELLED, at=now, activity=activity, actor=actor, note=reason)
    return activity


def _clashing(activity: Activity):
    """Confirmed sign-ups for other open activities overlapping this one's time: a person is in one place at once."""
    return (SignUp.objects.filter(status=SignUpStatus.CONFIRMED, activity__status=ActivityStatus.OPEN,
                                  activity__starts_at__lt=activity.ends_at, activity__ends_at__gt=activity.starts_at)
            .exclude(activity=activity))


def signup_create(*, volunteer_id: int, activity_id: int, now: dt.datetime | None = None) -> SignUp:
    """Sign up: confirmed while slots are left, else on the waiting list. The activity row is locked, so two
    sign-ups never take the same last slot. Signing up again after cancelling takes a new place in line."""
    now = now or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity_id)
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer_id)  # one sign-up of a person at a time
        if activity.status != ActivityStatus.OPEN:
            raise VolunteerError(_("This activity is cancelled."))
        if activity.ends_at <= now:
            raise VolunteerError(_("This activity is over."))
        age = volunteer.age_on(timezone.localtime(activity.starts_at).date())
        if age < activity.min_age:
            raise VolunteerError(_("This activity is for volunteers aged %(age)d and over.") % {"age": activity.min_age})
        if age < 18 and volunteer.guardian_consent_at is None:
            raise VolunteerError(_("A volunteer under 18 needs the guardian's consent on record before signing up."))
        taken = activity.signups.filter(status=SignUpStatus.CONFIRMED).count()
        status = SignUpStatus.CONFIRMED if taken < activity.slots else SignUpStatus.WAITLISTED
        signup = SignUp.objects.filter(activity=activity, volunteer=volunteer).first()
        if signup is not None and signup.status != SignUpStatus.CANCELLED:
            return signup  # already in: the same sign-up, nothing new
        clash = _clashing(activity).select_related("activity").filter(volunteer=volunteer).first()
        if clash is not None:
            raise VolunteerError(_("You are signed up for “%(title)s” at the same time: cancel that sign-up first.")
                                 % {"title": clash.activity.title})
        try:
            with transaction.atomic():
                if signup is None:
                    signup = SignUp.objects.create(activity=activity, volunteer=volunteer, status=status, created_at=now)
                else:
                    signup.status, signup.created_at = status, now
                    signup.save(update_fields=["status", "created_at"])
        except IntegrityError:
            return SignUp.objects.get(activity=activity, volunteer=volunteer)
        event_append(action=EventAction.SIGNED_UP if status == SignUpStatus.CONFIRMED else EventAction.WAITLISTED,
                     at=now, volunteer=volunteer, activity=activity)
    return signup


def signup_cancel(*, volunteer_id: int, activity_id: int, now: dt.datetime | None = None) -> SignUp | None:
    """Cancel the volunteer's sign-up; a freed slot goes to the first on the waiting list. Returns the sign-up
    moved up, if any."""
    now = now or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=activity_id)
        signup = SignUp.objects.filter(activity=activity, volunteer_id=volunteer_id).first()
        if signup is None or signup.status == SignUpStatus.CANCELLED:
            raise VolunteerError(_("You are not signed up for this activity."))
        if hasattr(signup, "checkin"):
            raise VolunteerError(_("You have checked in already: the sign-up can no longer be cancelled."))
        freed = signup.status == SignUpStatus.CONFIRMED
        signup.status = SignUpStatus.CANCELLED
        signup.save(update_fields=["status"])
        event_append(action=EventAction.SIGNUP_CANCELLED, at=now, volunteer_id=volunteer_id, activity=activity)
        promoted = None
        if freed:
            # The first in line who is not, meanwhile, confirmed elsewhere at the same time (they stay in line).
            promoted = (activity.signups.filter(status=SignUpStatus.WAITLISTED)
                        .exclude(Exists(_clashing(activity).filter(volunteer=OuterRef("volunteer"))))
                        .order_by("created_at", "pk").first())
            if promoted is not None:
                promoted.status = SignUpStatus.CONFIRMED
                promoted.save(update_fields=["status"])
                event_append(action=EventAction.PROMOTED, at=now, volunteer_id=promoted.volunteer_id,
                             activity=activity)
    return promoted


def activity_case_report(*, volunteer_id: int, activity_id: int, description: str, lng: float | None,
                         lat: float | None, photos, ip: str = "", now: dt.datetime | None = None) -> Case:
    """随手拍 from the activity: a volunteer checked in there reports a problem through the citizens' intake (their
    verified phone on it); the case is linked to the activity."""
    now = now or timezone.now()
    signup = SignUp.objects.select_related("volunteer").filter(
        activity_id=activity_id, volunteer_id=volunteer_id, status=SignUpStatus.CONFIRMED).first()
    if signup is None or not hasattr(signup, "checkin"):
        raise VolunteerError(_("Check in at the activity first; then you can report from it."))
    with transaction.atomic():
        case = public_report_submit(description=description, lng=lng, lat=lat, photos=photos,
                                    phone=signup.volunteer.phone, ip=ip)
        ActivityCase.objects.create(activity_id=activity_id, case=case, link=ActivityCase.Link.REPORTED,
                                    volunteer_id=volunteer_id)
        event_append(action=EventAction.CASE_REPORTED, at=now, volunteer_id=volunteer_id, activity_id=activity_id,
                     data={"case": case.pk})
    return case
