"""The service-hours workflow (服务时长): one declared table of actions the organiser takes on a record, enforced
by ``service_record_step`` and offered by the pages through ``hours_actions_for``. Each step locks the record
through the scoped queryset, checks role, state and version, changes it, appends the event and keeps the per-day
summary right in the same transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.common.access import locked_in_scope, scope_for
from wenming.common.errors import IllegalTransition, NotAllowed
from wenming.common.roles import VOLUNTEER_ORGANISERS
from wenming.volunteers.errors import StaleRecord, VolunteerError
from wenming.volunteers.models import (
    Activity,
    CheckIn,
    EventAction,
    HoursCorrection,
    RecordState,
    ServiceRecord,
    SignUp,
    SignUpStatus,
)

from .checkins import record_create
from .events import daily_hours_add, event_append


@dataclass(frozen=True)
class HoursAction:
    key: str
    label: object
    states: frozenset[str]
    who: frozenset[str]
    event: EventAction
    note_required: bool = False
    needs_hours: bool = False


HOURS_ACTIONS: dict[str, HoursAction] = {a.key: a for a in (
    HoursAction("confirm", gettext_lazy("Confirm the hours"), frozenset({RecordState.RECORDED}),
                VOLUNTEER_ORGANISERS, EventAction.HOURS_CONFIRMED),
    HoursAction("correct", gettext_lazy("Correct the hours"), frozenset({RecordState.RECORDED, RecordState.CONFIRMED}),
                VOLUNTEER_ORGANISERS, EventAction.HOURS_CORRECTED, note_required=True, needs_hours=True),
)}


# What the organiser does on a sign-up checked in but never checked out (the volunteer forgot): record its hours.
SIGNUP_ACTIONS: dict[str, HoursAction] = {a.key: a for a in (
    HoursAction("record", gettext_lazy("Record the hours (no check-out)"), frozenset({SignUpStatus.CONFIRMED}),
                VOLUNTEER_ORGANISERS, EventAction.HOURS_RECORDED, note_required=True, needs_hours=True),
)}


def _may(user, action: HoursAction) -> bool:
    return bool(scope_for(user).roles & action.who) or bool(getattr(user, "is_superuser", False))


def hours_actions_for(record: ServiceRecord, user) -> list[HoursAction]:
    """The actions this person may take on this record now (for a record already read through the scope)."""
    return [a for a in HOURS_ACTIONS.values() if record.state in a.states and _may(user, a)]


def signup_actions_for(signup: SignUp, user) -> list[HoursAction]:
    """The actions on a sign-up (read through the scope) checked in, never checked out and without hours."""
    if not hasattr(signup, "checkin") or hasattr(signup, "record") or signup.checkin.out_at is not None:
        return []
    return [a for a in SIGNUP_ACTIONS.values() if signup.status in a.states and _may(user, a)]


def hours_parse(raw) -> Decimal:
    try:
        hours = Decimal(str(raw).strip())
        if not hours.is_finite():  # "NaN", "Infinity": not a number of hours
            raise ValueError
        hours = hours.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise VolunteerError(_("Hours: enter a number such as 2.5.")) from None
    if not Decimal(0) <= hours <= Decimal(24):
        raise VolunteerError(_("Hours: between 0 and 24 for one activity."))
    return hours


def service_record_step(*, record_id: int, actor, action_key: str, expected_version: int, note: str = "",
                        hours=None, now: dt.datetime | None = None) -> ServiceRecord:
    action = HOURS_ACTIONS.get(action_key)
    if action is None:
        raise IllegalTransition(_("No such action."))
    note = (note or "").strip()
    if action.note_required and not note:
        raise VolunteerError(_("Reason: say why the hours are corrected."))
    new_hours = hours_parse(hours) if action.needs_hours else None
    now = now or timezone.now()
    with transaction.atomic():
        record = locked_in_scope(ServiceRecord.objects.all(), actor, record_id)
        if not _may(actor, action):
            raise NotAllowed(_("Only the organising unit, the area or the command centre may do this."))
        if record.version != expected_version:
            raise StaleRecord(_("Someone changed these hours meanwhile: reload the page and try again."))
        if record.state not in action.states:
            raise IllegalTransition(_("These hours are already confirmed."))
        data: dict = {}
        if action.key == "confirm":
            record.state, record.confirmed_by, record.confirmed_at = RecordState.CONFIRMED, actor, now
            daily_hours_add(record=record, confirmed=record.hours)
            data = {"hours": str(record.hours)}
        else:
            old = record.hours
            if new_hours == old:
                raise VolunteerError(_("Hours: the new figure is the same as the recorded one."))
            HoursCorrection.objects.create(record=record, old_hours=old, new_hours=new_hours, reason=note, actor=actor,
                                           at=now)
            record.hours = new_hours
            daily_hours_add(record=record, hours=new_hours - old,
                            confirmed=(new_hours - old) if record.state == RecordState.CONFIRMED else Decimal(0))
            data = {"old": str(old), "new": str(new_hours)}
        record.version += 1
        record.save()
        event_append(action=action.event, at=now, actor=actor, note=note, data=data, record=record,
                     volunteer_id=record.volunteer_id, activity_id=record.activity_id)
    return record


def signup_hours_record(*, signup_id: int, actor, action_key: str = "record", note: str = "", hours=None,
                        now: dt.datetime | None = None) -> ServiceRecord:
    """The organiser records the hours of a volunteer who checked in and forgot to check out: with a reason, at
    most the activity's length, once (a record made by a late check-out meanwhile stands)."""
    action = SIGNUP_ACTIONS.get(action_key)
    if action is None:
        raise IllegalTransition(_("No such action."))
    note = (note or "").strip()
    if action.note_required and not note:
        raise VolunteerError(_("Reason: say why the hours are recorded without a check-out."))
    new_hours = hours_parse(hours)
    now = now or timezone.now()
    activity_id = SignUp.objects.filter(pk=signup_id).values_list("activity_id", flat=True).first()
    if activity_id is None:
        raise SignUp.DoesNotExist
    with transaction.atomic():
        activity = locked_in_scope(Activity.objects.all(), actor, activity_id)
        if not _may(actor, action):
            raise NotAllowed(_("Only the organising unit, the area or the command centre may do this."))
        signup = SignUp.objects.select_for_update().get(pk=signup_id)
        if signup.status not in action.states:
            raise IllegalTransition(_("This sign-up is not confirmed."))
        checkin = CheckIn.objects.filter(signup=signup).first()
        if checkin is None:
            raise VolunteerError(_("This volunteer never checked in: there are no hours to record."))
        if ServiceRecord.objects.filter(signup=signup).exists():
            raise IllegalTransition(_("The hours of this sign-up are recorded already."))
        length = Decimal((activity.ends_at - activity.starts_at).total_seconds() / 3600).quantize(Decimal("0.01"))
        if new_hours > length:
            raise VolunteerError(_("Hours: at most %(hours)s, the activity's length.") % {"hours": length})
        signup.activity = activity
        record = record_create(signup=signup, checkin=checkin, hours=new_hours)
        event_append(action=action.event, at=now, actor=actor, note=note, data={"hours": str(new_hours)},
                     record=record, volunteer_id=signup.volunteer_id, activity=activity)
    return record
