"""Review fixes: a check-in code that lives minutes, the fix's accuracy, overlapping activities, hostile input,
the summary per district, time before the start, the scope of the cases an activity is called for."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.org.models import Area, AreaLevel
from wenming.volunteers.errors import VolunteerError
from wenming.volunteers.models import CheckIn, DailyHours, EventAction, SignUp, VolunteerEvent
from wenming.volunteers.selectors import volunteer_stats
from wenming.volunteers.services.activities import signup_create
from wenming.volunteers.services.checkins import (
    checkin_record,
    checkin_token,
    checkin_token_read,
    checkout_record,
    hours_between,
)
from wenming.volunteers.services.hours import hours_parse
from wenming.volunteers.services.registration import volunteer_register

from .conftest import id_with_check, make_activity
from .test_pages import _as_volunteer

pytestmark = pytest.mark.django_db


def test_checkin_code_is_fresh_for_two_minutes_only(activity, settings):
    settings.WENMING_VOLUNTEER_CHECKIN_TOKEN_SECONDS = 120
    issued = timezone.now()
    token = checkin_token(activity=activity, now=issued)
    assert checkin_token_read(token=token, now=issued + dt.timedelta(seconds=100), fresh=True) == activity.pk
    with pytest.raises(VolunteerError, match="too old"):
        checkin_token_read(token=token, now=issued + dt.timedelta(minutes=5), fresh=True)
    # The check-out page opened by it still works until the end.
    assert checkin_token_read(token=token, now=issued + dt.timedelta(minutes=5)) == activity.pk


def test_a_photo_of_an_old_code_does_not_check_in(client, activity, volunteer, place):
    signup_create(volunteer_id=volunteer.pk, activity_id=activity.pk)
    _as_volunteer(client, volunteer.pk)
    old = reverse("volunteers:checkin", args=[checkin_token(activity=activity,
                                                            now=timezone.now() - dt.timedelta(minutes=10))])
    answer = client.post(old, {"step": "in", "lng": place[0], "lat": place[1], "accuracy": 10})
    assert answer.status_code == 400 and b"too old" in answer.content and not CheckIn.objects.exists()
    fresh = reverse("volunteers:checkin", args=[checkin_token(activity=activity)])
    missing = client.post(fresh, {"step": "in", "lng": place[0], "lat": place[1]})
    assert missing.status_code == 400 and not CheckIn.objects.exists()
    assert client.post(fresh, {"step": "in", "lng": place[0], "lat": place[1], "accuracy": 12}).status_code == 302
    event = VolunteerEvent.objects.get(action=EventAction.CHECKED_IN)
    assert event.data["accuracy"] == 12


def test_a_vague_position_is_refused(activity, volunteer, place):
    signup_create(volunteer_id=volunteer.pk, activity_id=activity.pk)
    with pytest.raises(VolunteerError, match="accurate to 900 m"):
        checkin_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=place[0], lat=place[1], accuracy=900)
    with pytest.raises(VolunteerError, match="not a real place"):
        checkin_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=place[0], lat=place[1],
                       accuracy=float("nan"))
    assert not CheckIn.objects.exists()
    checkin_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=place[0], lat=place[1], accuracy=30)


def test_overlapping_activities_are_not_counted_twice(project, place, volunteer):
    starts = timezone.now() - dt.timedelta(minutes=10)
    first, second = make_activity(project, place, starts=starts), make_activity(project, place, starts=starts)
    signup_create(volunteer_id=volunteer.pk, activity_id=first.pk)
    with pytest.raises(VolunteerError, match="same time"):
        signup_create(volunteer_id=volunteer.pk, activity_id=second.pk)
    # Confirmed on both anyway (moved up from a waiting list, say): the second check-in waits for the first check-out.
    SignUp.objects.create(activity=second, volunteer=volunteer, status="confirmed", created_at=starts)
    checkin_record(volunteer_id=volunteer.pk, activity_id=first.pk, lng=place[0], lat=place[1])
    with pytest.raises(VolunteerError, match="still checked in"):
        checkin_record(volunteer_id=volunteer.pk, activity_id=second.pk, lng=place[0], lat=place[1])
    checkout_record(volunteer_id=volunteer.pk, activity_id=first.pk, lng=place[0], lat=place[1])
    assert checkin_record(volunteer_id=volunteer.pk, activity_id=second.pk, lng=place[0], lat=place[1])
    # One after the other: both taken.
    later = make_activity(project, place, starts=starts + dt.timedelta(hours=3))
    assert signup_create(volunteer_id=volunteer.pk, activity_id=later.pk).status == "confirmed"


@pytest.mark.parametrize("birth", ["19901307", "20230229"])
def test_id_number_with_an_impossible_date_is_a_form_error(organisation, birth):
    number = id_with_check(f"110101{birth}123")
    with pytest.raises(VolunteerError, match="not a real date"):
        volunteer_register(phone="13912340000", name="李", birth_date=dt.date(1990, 3, 7),
                           organisation_id=organisation.pk, id_number=number)


@pytest.mark.parametrize("raw", ["NaN", "nan", "sNaN", "Infinity", "-inf"])
def test_hours_that_are_not_a_number_are_refused(raw):
    with pytest.raises(VolunteerError, match="enter a number"):
        hours_parse(raw)


def test_summary_counts_one_organisation_in_each_district(organisation, project, place, volunteer, organiser):
    street = Area.objects.filter(level=AreaLevel.STREET, path__startswith=organisation.area_path).order_by("code")[0]
    nine = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) - dt.timedelta(days=1)
    here = make_activity(project, place, starts=nine)
    there = make_activity(project, place, starts=nine + dt.timedelta(hours=3))
    there.area, there.area_path = street, street.path
    there.save()
    for item in (here, there):
        signup_create(volunteer_id=volunteer.pk, activity_id=item.pk, now=nine - dt.timedelta(days=1))
        checkin_record(volunteer_id=volunteer.pk, activity_id=item.pk, lng=place[0], lat=place[1],
                       now=item.starts_at)
        checkout_record(volunteer_id=volunteer.pk, activity_id=item.pk, lng=place[0], lat=place[1],
                        now=item.starts_at + dt.timedelta(hours=1))
    rows = {r.area_path: r.hours for r in DailyHours.objects.filter(organisation=organisation, day=nine.date())}
    assert rows == {organisation.area_path: Decimal("1.00"), street.path: Decimal("1.00")}
    stats = volunteer_stats(organiser, start=nine.date(), end=nine.date())
    assert stats["total"]["hours"] == Decimal("2.00")


def test_time_before_the_start_does_not_count(activity):
    early = activity.starts_at - dt.timedelta(minutes=30)
    assert hours_between(activity, early, activity.starts_at + dt.timedelta(hours=1)) == Decimal("1.00")
    assert hours_between(activity, early, activity.starts_at - dt.timedelta(minutes=5)) == Decimal("0.00")
    late = activity.ends_at + dt.timedelta(minutes=20)
    assert hours_between(activity, activity.ends_at - dt.timedelta(minutes=30), late) == Decimal("0.50")


def test_case_without_an_area_links_itself_only(organiser, people, place):
    from wenming.cases.models import Case
    from wenming.cases.services import workflow as wf
    from wenming.volunteers.services.activities import case_cluster
    cases = [wf.case_intake(channel="hotline", description="小广告", lng=place[0], lat=place[1], category="SJ0401",
                            actor=people["shouli"]) for _ in range(3)]
    Case.objects.filter(pk=cases[0].pk).update(area_path="")
    lone = Case.objects.get(pk=cases[0].pk)
    assert case_cluster(case=lone, actor=organiser) == [lone]


def test_organiser_records_the_hours_of_a_forgotten_check_out(activity, volunteer, place, organiser, outsider):
    from wenming.volunteers.models import ServiceRecord
    from wenming.volunteers.services.hours import signup_actions_for, signup_hours_record

    signup = signup_create(volunteer_id=volunteer.pk, activity_id=activity.pk)
    checkin_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=place[0], lat=place[1])
    signup = SignUp.objects.select_related("checkin").get(pk=signup.pk)
    assert [a.key for a in signup_actions_for(signup, organiser)] == ["record"]
    with pytest.raises(VolunteerError, match="Reason"):
        signup_hours_record(signup_id=signup.pk, actor=organiser, hours="2")
    with pytest.raises(VolunteerError, match="at most 2.00"):
        signup_hours_record(signup_id=signup.pk, actor=organiser, hours="3", note="忘记签退")
    with pytest.raises(Exception, match="does not exist|matching query"):
        signup_hours_record(signup_id=signup.pk, actor=outsider, hours="1.5", note="忘记签退")
    record = signup_hours_record(signup_id=signup.pk, actor=organiser, hours="1.5", note="忘记签退")
    assert record.hours == Decimal("1.50") and ServiceRecord.objects.filter(signup=signup).count() == 1
    assert DailyHours.objects.get().hours == Decimal("1.50")
    event = VolunteerEvent.objects.get(action=EventAction.HOURS_RECORDED)
    assert event.note == "忘记签退" and event.actor == organiser
    # The late check-out answers the record made; a second recording is refused.
    assert checkout_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=place[0], lat=place[1]).pk == record.pk
    from wenming.common.errors import IllegalTransition
    with pytest.raises(IllegalTransition):
        signup_hours_record(signup_id=signup.pk, actor=organiser, hours="1", note="again")


def test_manage_page_shows_a_page_of_signups_confirmed_first(client, organiser, project, place):
    from wenming.volunteers.models import Volunteer

    activity = make_activity(project, place, slots=55)
    born = dt.date(1990, 1, 1)
    people = Volunteer.objects.bulk_create([Volunteer(phone=f"1390000{n:04d}", name=f"志愿者{n}", birth_date=born)
                                            for n in range(60)])
    SignUp.objects.bulk_create([SignUp(activity=activity, volunteer=v, created_at=timezone.now(),
                                       status="waitlisted" if n < 5 else "confirmed")
                                for n, v in enumerate(people)])
    client.force_login(organiser)
    page = client.get(reverse("volunteers:activity_manage", args=[activity.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and body.count("data-signup=") == 50 and 'rel="next"' in body
    assert "On the waiting list" not in body  # the 55 confirmed come first
    second = client.get(reverse("volunteers:activity_manage", args=[activity.pk]), {"page": 2}).content.decode()
    assert second.count("data-signup=") == 10 and "On the waiting list" in second
    assert 'data-refresh="60"' in body and "volunteers.js" in body
