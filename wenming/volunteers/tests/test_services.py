"""The volunteer services: registration (real name, minors), sign-up and the waiting list, check-in and check-out
(place, time, once), hours confirmed and corrected with a log, the per-day summary."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.utils import timezone

from wenming.common.errors import NotAllowed
from wenming.volunteers.errors import StaleRecord, VolunteerError
from wenming.volunteers.models import (
    CheckIn,
    DailyHours,
    EventAction,
    HoursCorrection,
    RecordState,
    ServiceRecord,
    SignUp,
    SignUpStatus,
    Volunteer,
    VolunteerEvent,
)
from wenming.volunteers.services.activities import signup_cancel, signup_create
from wenming.volunteers.services.checkins import (
    checkin_record,
    checkin_token,
    checkin_token_read,
    checkout_record,
    distance_m,
)
from wenming.volunteers.services.hours import hours_actions_for, service_record_step
from wenming.volunteers.services.registration import volunteer_register

from .conftest import ADULT_ID, CHILD_BIRTH, make_activity

pytestmark = pytest.mark.django_db


def _east(place, metres):
    """A point ``metres`` east of ``place``."""
    lng, lat = place
    return lng + metres / (111320 * math.cos(math.radians(lat))), lat


# -- registration ------------------------------------------------------------------------------------------------

def test_real_name_organisation_needs_a_valid_id_number_kept_masked(organisation):
    with pytest.raises(VolunteerError, match="ID number"):
        volunteer_register(phone="13900000001", name="李", birth_date=dt.date(1990, 3, 7),
                           organisation_id=organisation.pk)
    wrong_check = ADULT_ID[:-1] + ("1" if ADULT_ID[-1] == "0" else "0")
    with pytest.raises(VolunteerError, match="ID number"):
        volunteer_register(phone="13900000001", name="李", birth_date=dt.date(1990, 3, 7),
                           organisation_id=organisation.pk, id_number=wrong_check)
    with pytest.raises(VolunteerError, match="birth date"):
        volunteer_register(phone="13900000001", name="李", birth_date=dt.date(1991, 3, 7),
                           organisation_id=organisation.pk, id_number=ADULT_ID)
    v = volunteer_register(phone="13900000001", name="李", birth_date=dt.date(1990, 3, 7),
                           organisation_id=organisation.pk, id_number=ADULT_ID)
    assert v.id_number_masked == ADULT_ID[:3] + "*" * 11 + ADULT_ID[-4:]
    assert ADULT_ID not in str(Volunteer.objects.filter(pk=v.pk).values().get())
    with pytest.raises(VolunteerError, match="already registered"):
        volunteer_register(phone="13900000002", name="李", birth_date=dt.date(1990, 3, 7),
                           organisation_id=organisation.pk, id_number=ADULT_ID)
    with pytest.raises(VolunteerError, match="Phone"):
        volunteer_register(phone="13900000001", name="王", birth_date=dt.date(1990, 3, 7),
                           organisation_id=organisation.pk, id_number=_other_id())


def _other_id():
    from .conftest import id_with_check

    return id_with_check("11010119900307999")


def test_minor_without_guardian_consent_is_refused(organisation):
    organisation.requires_real_name = False
    organisation.save()
    with pytest.raises(VolunteerError, match="guardian"):
        volunteer_register(phone="13900000003", name="小明", birth_date=CHILD_BIRTH, organisation_id=organisation.pk)
    with pytest.raises(VolunteerError, match="consent"):
        volunteer_register(phone="13900000003", name="小明", birth_date=CHILD_BIRTH, organisation_id=organisation.pk,
                           guardian_name="王女士", guardian_phone="13900000004", guardian_consent=False)
    assert not Volunteer.objects.filter(phone="13900000003").exists()
    minor = volunteer_register(phone="13900000003", name="小明", birth_date=CHILD_BIRTH,
                               organisation_id=organisation.pk, guardian_name="王女士", guardian_phone="13900000004",
                               guardian_consent=True)
    assert minor.guardian_consent_at is not None


def test_minor_refused_by_an_activity_above_their_age_and_without_consent(organisation, project, place):
    organisation.requires_real_name = False
    organisation.save()
    minor = volunteer_register(phone="13900000005", name="小红", birth_date=CHILD_BIRTH,
                               organisation_id=organisation.pk, guardian_name="王女士",
                               guardian_phone="13900000006", guardian_consent=True)
    adults_only = make_activity(project, place, min_age=18)
    with pytest.raises(VolunteerError, match="aged 18"):
        signup_create(volunteer_id=minor.pk, activity_id=adults_only.pk)
    # A minor whose consent is not on record (e.g. withdrawn) cannot sign up for any activity.
    Volunteer.objects.filter(pk=minor.pk).update(guardian_consent_at=None)
    with pytest.raises(VolunteerError, match="consent"):
        signup_create(volunteer_id=minor.pk, activity_id=make_activity(project, place).pk)


# -- sign-up and the waiting list ----------------------------------------------------------------------------------

def test_waiting_list_moves_up_when_someone_cancels(organisation, project, place):
    organisation.requires_real_name = False
    organisation.save()
    activity = make_activity(project, place, slots=1, starts=timezone.now() + dt.timedelta(days=1))
    a, b = (volunteer_register(phone=f"1390000001{i}", name=n, birth_date=dt.date(1990, 1, 1),
                               organisation_id=organisation.pk) for i, n in ((0, "甲"), (1, "乙")))
    assert signup_create(volunteer_id=a.pk, activity_id=activity.pk).status == SignUpStatus.CONFIRMED
    assert signup_create(volunteer_id=b.pk, activity_id=activity.pk).status == SignUpStatus.WAITLISTED
    assert signup_create(volunteer_id=b.pk, activity_id=activity.pk).status == SignUpStatus.WAITLISTED  # same row
    promoted = signup_cancel(volunteer_id=a.pk, activity_id=activity.pk)
    assert promoted.volunteer_id == b.pk and promoted.status == SignUpStatus.CONFIRMED
    assert VolunteerEvent.objects.filter(action=EventAction.PROMOTED, volunteer=b).count() == 1
    # Signing up again puts a at the end of the line.
    assert signup_create(volunteer_id=a.pk, activity_id=activity.pk).status == SignUpStatus.WAITLISTED


def test_the_waiting_list_skips_someone_confirmed_elsewhere_at_the_same_time(organisation, project, place):
    organisation.requires_real_name = False
    organisation.save()
    starts = timezone.now() + dt.timedelta(days=1)
    full = make_activity(project, place, slots=1, starts=starts)
    same_time = make_activity(project, place, slots=5, starts=starts + dt.timedelta(minutes=30))
    a, b, c = (volunteer_register(phone=f"1390000002{i}", name=n, birth_date=dt.date(1990, 1, 1),
                                  organisation_id=organisation.pk) for i, n in ((0, "甲"), (1, "乙"), (2, "丙")))
    signup_create(volunteer_id=a.pk, activity_id=full.pk)
    assert signup_create(volunteer_id=b.pk, activity_id=full.pk).status == SignUpStatus.WAITLISTED
    assert signup_create(volunteer_id=c.pk, activity_id=full.pk).status == SignUpStatus.WAITLISTED
    # b, tired of waiting, takes the other activity at the same time; a's slot then goes to c, b stays in line.
    assert signup_create(volunteer_id=b.pk, activity_id=same_time.pk).status == SignUpStatus.CONFIRMED
    promoted = signup_cancel(volunteer_id=a.pk, activity_id=full.pk)
    assert promoted.volunteer_id == c.pk
    assert SignUp.objects.get(activity=full, volunteer=b).status == SignUpStatus.WAITLISTED


# -- check-in and check-out ------------------------------------------------------------------------------------------

def test_checkin_refused_outside_the_area(activity, volunteer, place):
    signup_create(volunteer_id=volunteer.pk, activity_id=activity.pk)
    far = _east(place, 800)
    assert 790 < distance_m(*far, *place) < 810
    with pytest.raises(VolunteerError, match="within 200 m"):
        checkin_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=far[0], lat=far[1])
    assert not CheckIn.objects.exists()
    near = _east(place, 150)
    assert checkin_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=near[0], lat=near[1])


def test_checkin_refused_outside_the_time(project, place, volunteer, settings):
    settings.WENMING_VOLUNTEER_CHECKIN_GRACE_MINUTES = 30
    later = make_activity(project, place, starts=timezone.now() + dt.timedelta(hours=2))
    signup_create(volunteer_id=volunteer.pk, activity_id=later.pk)
    with pytest.raises(VolunteerError, match="Too early"):
        checkin_record(volunteer_id=volunteer.pk, activity_id=later.pk, lng=place[0], lat=place[1])
    # Within the grace before the start: taken.
    checkin_record(volunteer_id=volunteer.pk, activity_id=later.pk, lng=place[0], lat=place[1],
                   now=later.starts_at - dt.timedelta(minutes=20))
    over = make_activity(project, place, starts=timezone.now() - dt.timedelta(hours=1), hours=0.5)
    signup_create(volunteer_id=volunteer.pk, activity_id=over.pk, now=over.starts_at)
    with pytest.raises(VolunteerError, match="Too late"):
        checkin_record(volunteer_id=volunteer.pk, activity_id=over.pk, lng=place[0], lat=place[1],
                       now=over.ends_at + dt.timedelta(minutes=31))


def test_checkin_needs_a_confirmed_signup(activity, volunteer, place):
    with pytest.raises(VolunteerError, match="sign up first"):
        checkin_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=place[0], lat=place[1])


def test_hours_counted_once_and_capped_by_the_activity(activity, volunteer, place):
    signup_create(volunteer_id=volunteer.pk, activity_id=activity.pk)
    start = activity.starts_at - dt.timedelta(minutes=20)  # early arrival, within the grace
    first = checkin_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=place[0], lat=place[1], now=start)
    again = checkin_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=place[0], lat=place[1],
                           now=start + dt.timedelta(minutes=5))
    assert again.pk == first.pk and again.in_at == start
    end = activity.ends_at + dt.timedelta(minutes=10)
    record = checkout_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=place[0], lat=place[1], now=end)
    assert record.hours == Decimal("2.00")  # 2 h 30 on site, the activity lasts 2 h
    repeat = checkout_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=place[0], lat=place[1],
                             now=end + dt.timedelta(minutes=5))
    assert repeat.pk == record.pk and ServiceRecord.objects.count() == 1
    day = DailyHours.objects.get()
    assert (day.records, day.hours, day.confirmed_hours) == (1, Decimal("2.00"), Decimal("0"))
    assert VolunteerEvent.objects.filter(action=EventAction.CHECKED_OUT).count() == 1


def test_token_signed_and_time_limited(activity):
    token = checkin_token(activity=activity)
    assert checkin_token_read(token=token) == activity.pk
    with pytest.raises(VolunteerError, match="not valid"):
        checkin_token_read(token=token[:-2] + "xx")
    with pytest.raises(VolunteerError, match="expired"):
        checkin_token_read(token=token, now=activity.ends_at + dt.timedelta(hours=2))


# -- hours: confirm, correct with a reason and a log -----------------------------------------------------------------

@pytest.fixture
def record(activity, volunteer, place):
    signup_create(volunteer_id=volunteer.pk, activity_id=activity.pk)
    checkin_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=place[0], lat=place[1],
                   now=activity.starts_at)
    return checkout_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=place[0], lat=place[1],
                           now=activity.starts_at + dt.timedelta(minutes=90))


def test_confirm_and_correct_with_a_log(record, organiser):
    assert record.hours == Decimal("1.50")
    assert [a.key for a in hours_actions_for(record, organiser)] == ["confirm", "correct"]
    with pytest.raises(StaleRecord):
        service_record_step(record_id=record.pk, actor=organiser, action_key="confirm", expected_version=7)
    confirmed = service_record_step(record_id=record.pk, actor=organiser, action_key="confirm", expected_version=0)
    assert confirmed.state == RecordState.CONFIRMED
    assert [a.key for a in hours_actions_for(confirmed, organiser)] == ["correct"]
    with pytest.raises(VolunteerError, match="Reason"):
        service_record_step(record_id=record.pk, actor=organiser, action_key="correct", expected_version=1,
                            hours="2")
    with pytest.raises(VolunteerError, match="Hours"):
        service_record_step(record_id=record.pk, actor=organiser, action_key="correct", expected_version=1,
                            hours="1e9", note="x")
    corrected = service_record_step(record_id=record.pk, actor=organiser, action_key="correct", expected_version=1,
                                    hours="2", note="签到晚扫了半小时")
    assert corrected.hours == Decimal("2.00") and corrected.version == 2
    log = HoursCorrection.objects.get()
    assert (log.old_hours, log.new_hours, log.reason, log.actor) == (Decimal("1.50"), Decimal("2.00"),
                                                                     "签到晚扫了半小时", organiser)
    day = DailyHours.objects.get()
    assert (day.records, day.hours, day.confirmed_hours) == (1, Decimal("2.00"), Decimal("2.00"))
    assert list(VolunteerEvent.objects.filter(record=record).order_by("pk").values_list("action", flat=True)) == [
        EventAction.CHECKED_OUT, EventAction.HOURS_CONFIRMED, EventAction.HOURS_CORRECTED]


def test_out_of_scope_organiser_cannot_touch_the_hours(record, outsider, people):
    with pytest.raises(ServiceRecord.DoesNotExist):
        service_record_step(record_id=record.pk, actor=outsider, action_key="confirm", expected_version=0)
    with pytest.raises((ServiceRecord.DoesNotExist, NotAllowed)):
        service_record_step(record_id=record.pk, actor=people["wangge"], action_key="confirm", expected_version=0)
    assert ServiceRecord.objects.get().state == RecordState.RECORDED
