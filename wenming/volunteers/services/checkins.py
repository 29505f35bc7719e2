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
)

from .events import daily_hours_add, event_append, local_day

TOKEN_SALT = "wenming.volunteers.checkin"
EARTH_RADIUS_M = 6371008.8


def _grace() -> dt.timedelta:
    return dt.timedelta(minutes=settings.WENMING_VOLUNTEER_CHECKIN_GRACE_MINUTES)


def checkin_token(*, activity: Activity) -> str:
    """The QR code's token: the activity and when the link stops working (the end plus the grace)."""
    return signing.dumps({"a": activity.pk, "u": int((activity.ends_at + _grace()).timestamp())}, salt=TOKEN_SALT)


def checkin_token_read(*, token: str, now: dt.datetime | None = None) -> int:
    """The activity id of a valid, unexpired token; else a refusal."""
    now = now or timezone.now()
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
        activity_id, until = int(payload["a"]), int(payload["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise VolunteerError(_("This check-in code is not valid: scan the code shown by the organiser.")) from None
    if now.timestamp() > until:
        raise VolunteerError(_("This check-in code has expired."))
    return activity_id


def distance_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _place_and_time(activity: Activity, lng: float, lat: float, now: dt.datetime) -> None:
    if activity.status != ActivityStatus.OPEN:
        raise VolunteerError(_("This activity is cancelled."))
    if now < activity.starts_at - _grace():
        raise VolunteerError(_("Too early: check-in opens %(minutes)d minutes before the start.")
                             % {"minutes": settings.WENMING_VOLUNTEER_CHECKIN_GRACE_MINUTES})
    if now > activity.ends_at + _grace():
        raise VolunteerError(_("Too late: the activity is over."))
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        raise VolunteerError(_("Location: the position sent is not a real place."))
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


def checkin_record(*, volunteer_id: int, activity_id: int, lng: float, lat: float,
                   now: dt.datetime | None = None) -> CheckIn:
    now = now or timezone.now()
    with transaction.atomic():
        signup = _signup_locked(volunteer_id, activity_id)
        existing = CheckIn.objects.filter(signup=signup).first()
        if existing is not None:
            return existing  # scanned twice: the first check-in stands
        _place_and_time(signup.activity, lng, lat, now)
        try:
            with transaction.atomic():
                checkin = CheckIn.objects.create(signup=signup, in_at=now, in_lng=lng, in_lat=lat)
        except IntegrityError:  # the same sign-up from a second device at the same moment
            return CheckIn.objects.get(signup=signup)
        event_append(action=EventAction.CHECKED_IN, at=now, volunteer_id=volunteer_id, activity_id=activity_id,
                     data={"lng": lng, "lat": lat})
    return checkin


def hours_between(activity: Activity, start: dt.datetime, end: dt.datetime) -> Decimal:
    """Hours served: the time on site within the activity's length, to a quarter of an hour's precision (0.01 h)."""
    served = min(end - start, activity.ends_at - activity.starts_at)
    hours = Decimal(max(served.total_seconds(), 0) / 3600)
    return hours.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def checkout_record(*, volunteer_id: int, activity_id: int, lng: float, lat: float,
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
        _place_and_time(activity, lng, lat, now)
        checkin.out_at, checkin.out_lng, checkin.out_lat = now, lng, lat
        checkin.save(update_fields=["out_at", "out_lng", "out_lat"])
        record = ServiceRecord.objects.create(
            signup=signup, volunteer_id=volunteer_id, activity=activity, organisation_id=activity.organisation_id,
            area_path=activity.area_path, theme=activity.theme, service_date=local_day(checkin.in_at),
            hours=hours_between(activity, checkin.in_at, now))
        daily_hours_add(record=record, records=1, hours=record.hours)
        event_append(action=EventAction.CHECKED_OUT, at=now, volunteer_id=volunteer_id, activity=activity,
                     record=record, data={"hours": str(record.hours), "lng": lng, "lat": lat})
    return record
