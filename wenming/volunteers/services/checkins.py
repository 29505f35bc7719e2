"""On-site check-in and check-out: the organiser's page shows a QR code of a signed, time-limited link; the
volunteer's phone opens it and posts its GPS fix. Refused outside the activity's circle, outside its time (with the
grace of ``WENMING_VOLUNTEER_CHECKIN_GRACE_MINUTES``) or without a confirmed sign-up. A repeated scan answers the
same row. Check-out records the hours once: check-out − check-in, capped by the activity's length."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.volunteers.errors import VolunteerError
from wenming.volunteers.models import (
    Activity,
    ActivityStatus,
    CheckIn,
    EventAction,
    ServiceRecord,
    SignUp,
    SignUpStatus,
    Volunteer,
)

from .events import daily_hours_add, event_append, local_day

TOKEN_SALT = "wenming.volunteers.checkin"
EARTH_RADIUS_M = 6371008.8
MAX_ACCURACY_M = 500  # a fix vaguer than this (or than the activity's radius) proves nothing about the place


def _grace() -> dt.timedelta:
    return dt.timedelta(minutes=settings.WENMING_VOLUNTEER_CHECKIN_GRACE_MINUTES)


def token_max_age() -> int:
    """Seconds a QR code lets a volunteer check in: the organiser's page shows a new code every minute, so a photo
    of the code passed around a chat stops working within this time."""
    return settings.WENMING_VOLUNTEER_CHECKIN_TOKEN_SECONDS


def checkin_token(*, activity: Activity, now: dt.datetime | None = None) -> str:
    """The QR code's token: the activity, when it was issued (check-in only within ``token_max_age`` of it) and
    when the link stops working altogether (the end plus the grace; the check-out page stays open until then)."""
    now = now or timezone.now()
    return signing.dumps({"a": activity.pk, "t": int(now.timestamp()),
                          "u": int((activity.ends_at + _grace()).timestamp())}, salt=TOKEN_SALT)


def checkin_token_read(*, token: str, now: dt.datetime | None = None, fresh: bool = False) -> int:
    """The activity id of a valid, unexpired token; else a refusal. ``fresh``: also issued within the last
    ``token_max_age`` seconds (what a check-in needs: the volunteer scanned the code on the organiser's screen)."""
    now = now or timezone.now()
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
        activity_id, until, issued = int(payload["a"]), int(payload["u"]), int(payload.get("t", 0))
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        raise VolunteerError(_("This check-in code is not valid: scan the code shown by the organiser.")) from None
    if now.timestamp() > until:
        raise VolunteerError(_("This check-in code has expired."))
    if fresh and not 0 <= now.timestamp() - issued <= token_max_age():
        raise VolunteerError(_("This check-in code is too old: scan the code on the organiser's screen again."))
    return activity_id


def distance_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _place_and_time(activity: Activity, lng: float, lat: float, now: dt.datetime,
                    accuracy: float | None = None) -> None:
    if activity.status != ActivityStatus.OPEN:
        raise VolunteerError(_("This activity is cancelled."))
    if now < activity.starts_at - _grace():
        raise VolunteerError(_("Too early: check-in opens %(minutes)d minutes before the start.")
                             % {"minutes": settings.WENMING_VOLUNTEER_CHECKIN_GRACE_MINUTES})
    if now > activity.ends_at + _grace():
        raise VolunteerError(_("Too late: the activity is over."))
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise VolunteerError(_("Location: the position sent is not a real place."))
    if accuracy is not None:
        if not (math.isfinite(accuracy) and accuracy >= 0):
            raise VolunteerError(_("Location: the position sent is not a real place."))
        if accuracy > min(activity.radius_m, MAX_ACCURACY_M):
            raise VolunteerError(_("Location: your phone's position is only accurate to %(accuracy)d m; move into "
                                   "the open, turn on precise location and try again.")
                                 % {"accuracy": round(accuracy)})
    away = distance_m(lng, lat, activity.lng, activity.lat)
    if away > activity.radius_m:
        raise VolunteerError(_("You are %(away)d m from the activity's place; check in within %(radius)d m of it.")
                             % {"away": round(away), "radius": activity.radius_m})


def _signup_locked(volunteer_id: int, activity_id: int) -> SignUp:
    signup = (SignUp.objects.select_for_update(of=("self",)).select_related("activity")
              .filter(volunteer_id=volunteer_id, activity_id=activity_id, status=SignUpStatus.CONFIRMED).first())
    if signup is None:
        raise VolunteerError(_("You have no confirmed place in this activity: sign up first (or wait for a slot)."))
    return signup


def _overlapping_open_checkin(volunteer_id: int, signup: SignUp) -> CheckIn | None:
    """The volunteer's check-in, not yet closed by a check-out or recorded hours, at another activity whose time
    overlaps this one: hours served once cannot be counted twice."""
    activity = signup.activity
    return (CheckIn.objects.select_related("signup__activity")
            .filter(signup__volunteer_id=volunteer_id, out_at__isnull=True, signup__record__isnull=True,
                    signup__activity__starts_at__lt=activity.ends_at,
                    signup__activity__ends_at__gt=activity.starts_at)
            .exclude(signup=signup).first())


def checkin_record(*, volunteer_id: int, activity_id: int, lng: float, lat: float, accuracy: float | None = None,
                   now: dt.datetime | None = None) -> CheckIn:
    """Check in. ``accuracy``: the fix's accuracy in metres as the phone reports it (the page always sends it);
    refused when vaguer than the activity's radius. The volunteer's row is locked, so two check-ins of the same
    person at overlapping activities never both pass."""
    now = now or timezone.now()
    with transaction.atomic():
        Volunteer.objects.select_for_update().filter(pk=volunteer_id).first()
        signup = _signup_locked(volunteer_id, activity_id)
        existing = CheckIn.objects.filter(signup=signup).first()
        if existing is not None:
            return existing  # scanned twice: the first check-in stands
        _place_and_time(signup.activity, lng, lat, now, accuracy)
        other = _overlapping_open_checkin(volunteer_id, signup)
        if other is not None:
            raise VolunteerError(_("You are still checked in at “%(title)s”, which overlaps this activity: check out "
                                   "there first.") % {"title": other.signup.activity.title})
        try:
            with transaction.atomic():
                checkin = CheckIn.objects.create(signup=signup, in_at=now, in_lng=lng, in_lat=lat)
        except IntegrityError:  # the same sign-up from a second device at the same moment
            return CheckIn.objects.get(signup=signup)
        event_append(action=EventAction.CHECKED_IN, at=now, volunteer_id=volunteer_id, activity_id=activity_id,
                     data={"lng": lng, "lat": lat, "accuracy": accuracy})
    return checkin


def hours_between(activity: Activity, start: dt.datetime, end: dt.datetime) -> Decimal:
    """Hours served: the time on site within the activity's time (the overlap of [start, end] with [the activity's
    start, its end]; time before the start or after the end does not count), to 0.01 h."""
    served = min(end, activity.ends_at) - max(start, activity.starts_at)
    hours = Decimal(max(served.total_seconds(), 0) / 3600)
    return hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def record_create(*, signup: SignUp, checkin: CheckIn, hours: Decimal) -> ServiceRecord:
    activity = signup.activity
    record = ServiceRecord.objects.create(
        signup=signup, volunteer_id=signup.volunteer_id, activity=activity, organisation_id=activity.organisation_id,
        area_path=activity.area_path, theme=activity.theme, service_date=local_day(checkin.in_at), hours=hours)
    daily_hours_add(record=record, records=1, hours=record.hours)
    return record


def checkout_record(*, volunteer_id: int, activity_id: int, lng: float, lat: float, accuracy: float | None = None,
                    now: dt.datetime | None = None) -> ServiceRecord:
    """Check out and record the hours (once: a second check-out answers the record made by the first)."""
    now = now or timezone.now()
    with transaction.atomic():
        signup = _signup_locked(volunteer_id, activity_id)
        checkin = CheckIn.objects.filter(signup=signup).first()
        if checkin is None:
            raise VolunteerError(_("Check in first: there is no check-in to close."))
        record = ServiceRecord.objects.filter(signup=signup).first()
        if record is not None:
            return record
        activity = signup.activity
        _place_and_time(activity, lng, lat, now, accuracy)
        checkin.out_at, checkin.out_lng, checkin.out_lat = now, lng, lat
        checkin.save(update_fields=["out_at", "out_lng", "out_lat"])
        record = record_create(signup=signup, checkin=checkin, hours=hours_between(activity, checkin.in_at, now))
        event_append(action=EventAction.CHECKED_OUT, at=now, volunteer_id=volunteer_id, activity=activity,
                     record=record, data={"hours": str(record.hours), "lng": lng, "lat": lat, "accuracy": accuracy})
    return record
