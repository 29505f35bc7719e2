"""The one writer of the volunteer log (append-only ``VolunteerEvent``) and of the per-day summary beside it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from wenming.volunteers.models import DailyHours, EventAction, ServiceRecord, VolunteerEvent


def event_append(*, action: EventAction, at: dt.datetime, actor=None, note: str = "", data: dict | None = None,
                 **links) -> VolunteerEvent:
    """``links``: the volunteer, activity and record the event is about (objects or ``…_id``)."""
    return VolunteerEvent.objects.create(action=action, at=at, actor=actor, note=note[:300], data=data or {}, **links)


def daily_hours_add(*, record: ServiceRecord, records: int = 0, hours: Decimal = Decimal(0),
                    confirmed: Decimal = Decimal(0)) -> None:
    """Add to the summary row of the record's day, organisation, area and theme (created on first use). Called inside the
    transaction that changes the record, so the statistics page always adds up to the records."""
    key = {"day": record.service_date, "organisation_id": record.organisation_id, "area_path": record.area_path,
           "theme": record.theme}
    changed = DailyHours.objects.filter(**key).update(records=F("records") + records, hours=F("hours") + hours,
                                                      confirmed_hours=F("confirmed_hours") + confirmed)
    if not changed:
        # get_or_create in a savepoint: two first records of the same day meet on the unique constraint, not twice.
        row, _created = DailyHours.objects.get_or_create(**key)
        DailyHours.objects.filter(pk=row.pk).update(records=F("records") + records, hours=F("hours") + hours,
                                                    confirmed_hours=F("confirmed_hours") + confirmed)


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()
