"""REST v1 of the volunteer service: the organisers' activities, sign-ups, hours and statistics, through the same
services and scope as the pages, and the public calendar."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from wenming.common.roles import Role
from wenming.org.models import Area, AreaLevel, Person, RoleAssignment
from wenming.volunteers.models import (
    Activity,
    ActivityStatus,
    EventAction,
    HostKind,
    Organisation,
    Project,
    RecordState,
    ServiceRecord,
    Theme,
    VolunteerEvent,
)
from wenming.volunteers.services.activities import signup_create
from wenming.volunteers.services.checkins import checkin_record, checkout_record
from wenming.volunteers.services.hours import service_record_step
from wenming.volunteers.services.registration import volunteer_register

API = "/api/v1/volunteers"
PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _public(public_setup):
    """SMS and rate-limit counters fresh (the volunteer's registration goes through the public app's services)."""


@pytest.fixture
def county(db):
    return Area.objects.get(code="131102")


@pytest.fixture
def organisation(county):
    return Organisation.objects.create(name="桃城区志愿服务队API", host_kind=HostKind.PRACTICE_CENTRE, area=county,
                                       area_path=county.path, requires_real_name=False)


@pytest.fixture
def project(organisation):
    return Project.objects.create(organisation=organisation, name="文明交通劝导", theme=Theme.TRAFFIC)


def _activity(project, *, starts=None, hours=2, slots=10, title="路口文明劝导") -> Activity:
    starts = starts or timezone.now() - dt.timedelta(minutes=10)
    org = project.organisation
    return Activity.objects.create(project=project, organisation=org, theme=project.theme, title=title,
                                   place="人民路与育才街路口", lng=org.area.lng or 115.69, lat=org.area.lat or 37.74,
                                   radius_m=300, area=org.area, area_path=org.area_path, starts_at=starts,
                                   ends_at=starts + dt.timedelta(hours=hours), slots=slots)


@pytest.fixture
def activity(project):
    return _activity(project)


@pytest.fixture
def outsider(people, token):
    """An area leader of another district: an organiser, but not of this organisation."""
    other = Area.objects.filter(level=AreaLevel.COUNTY).exclude(code="131102").order_by("code").first()
    person = Person.objects.create_user(username="vol_api_other", password="x", is_staff=True)
    RoleAssignment.objects.create(person=person, role=Role.AREA_LEADER, area=other)
    people[person.username] = person
    return token(person.username)


@pytest.fixture
def record(activity):
    """A volunteer signed up, checked in and out: hours recorded, to be confirmed."""
    volunteer = volunteer_register(phone=PHONE, name="张志愿", birth_date=dt.date(1990, 3, 7),
                                   organisation_id=activity.organisation_id)
    signup_create(volunteer_id=volunteer.pk, activity_id=activity.pk)
    checkin_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=activity.lng, lat=activity.lat)
    return checkout_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=activity.lng, lat=activity.lat)


def _new(project, changes=None) -> dict:
    starts = timezone.now() + dt.timedelta(days=3)
    body = {"project": project.pk, "title": "清洁家园周末行动", "place": "人民公园东门", "lng": 115.69, "lat": 37.74,
            "starts_at": starts.isoformat(), "ends_at": (starts + dt.timedelta(hours=3)).isoformat(), "slots": 2}
    body.update(changes or {})
    return body


# -- access ----------------------------------------------------------------------------------------------------

def test_anonymous_is_refused_401_and_a_non_organiser_reads_404(client, token, activity):
    for url in (f"{API}/activities/", f"{API}/activities/{activity.pk}/", f"{API}/stats/"):
        assert client.get(url).status_code == 401
    # 网格员 (a grid worker) runs no volunteer pages: 404, as for a missing page.
    assert client.get(f"{API}/activities/", **token("wangge")).status_code == 404
    assert client.post(f"{API}/activities/{activity.pk}/cancel/", {"reason": "x", "version": 0},
                       content_type="application/json").status_code == 401


def test_another_districts_organiser_gets_404_for_an_activity_out_of_scope(client, outsider, activity, record):
    assert client.get(f"{API}/activities/{activity.pk}/", **outsider).status_code == 404
    assert client.get(f"{API}/activities/{activity.pk}/signups/", **outsider).status_code == 404
    answer = client.post(f"{API}/activities/{activity.pk}/cancel/", {"reason": "下雨", "version": 0},
                         content_type="application/json", **outsider)
    assert answer.status_code == 404
    step = client.post(f"{API}/records/{record.pk}/confirm/", {"version": record.version},
                       content_type="application/json", **outsider)
    assert step.status_code == 404
    assert client.get(f"{API}/activities/", **outsider).json()["results"] == []
    activity.refresh_from_db()
    record.refresh_from_db()
    assert activity.status == ActivityStatus.OPEN and record.state == RecordState.RECORDED


def test_a_session_works_like_a_key(client, people, activity):
    client.force_login(people["taocheng"])
    assert client.get(f"{API}/activities/{activity.pk}/").json()["title"] == activity.title


# -- activities ------------------------------------------------------------------------------------------------

def test_list_filters_and_paginates(client, token, project, organisation):
    first = _activity(project, title="一")
    _activity(project, starts=timezone.now() + dt.timedelta(days=5), title="二")
    cancelled = _activity(project, starts=timezone.now() + dt.timedelta(days=9), title="三")
    Activity.objects.filter(pk=cancelled.pk).update(status=ActivityStatus.CANCELLED)
    auth = token("taocheng")
    body = client.get(f"{API}/activities/?page_size=2", **auth).json()
    assert body["count"] >= 3 and len(body["results"]) == 2 and body["next"]
    mine = client.get(f"{API}/activities/?organisation={organisation.pk}&activity_status=open", **auth).json()
    assert {r["title"] for r in mine["results"]} == {"一", "二"}
    today = timezone.localtime(first.starts_at).date()  # its day in the city's time zone, as the filter reads it
    dated = client.get(f"{API}/activities/?organisation={organisation.pk}&starts_from={today}&starts_to={today}",
                       **auth).json()
    assert [r["id"] for r in dated["results"]] == [first.pk]
    assert client.get(f"{API}/activities/?theme=clean&organisation={organisation.pk}", **auth).json()["count"] == 0


def test_detail_counts_the_confirmed_and_the_waiting(client, token, project):
    item = _activity(project, slots=1)
    for n, phone in enumerate(("13900000001", "13900000002")):
        v = volunteer_register(phone=phone, name=f"志愿者{n}", birth_date=dt.date(1990, 1, 1),
                               organisation_id=project.organisation_id)
        signup_create(volunteer_id=v.pk, activity_id=item.pk)
    body = client.get(f"{API}/activities/{item.pk}/", **token("taocheng")).json()
    assert (body["slots"], body["taken"], body["waiting"], body["actions"]) == (1, 1, 1, ["cancel"])


def test_create_through_the_service_writes_the_same_event(client, token, project):
    answer = client.post(f"{API}/activities/", _new(project), content_type="application/json", **token("taocheng"))
    assert answer.status_code == 201, answer.content
    created = Activity.objects.get(pk=answer.json()["id"])
    assert created.theme == Theme.TRAFFIC and created.created_by.username == "taocheng"
    assert VolunteerEvent.objects.filter(activity=created, action=EventAction.ACTIVITY_CREATED).count() == 1


def test_a_refusal_of_the_service_is_400_with_its_chinese_message(client, token, project):
    before = Activity.objects.count()
    starts = timezone.now() + dt.timedelta(days=1)
    answer = client.post(f"{API}/activities/", _new(project, {"ends_at": starts.isoformat(), "starts_at": (
        starts + dt.timedelta(hours=1)).isoformat()}), content_type="application/json", **token("taocheng"))
    assert answer.status_code == 400
    assert "结束" in answer.json()["fields"]["non_field_errors"][0] or "结束" in answer.content.decode()
    assert Activity.objects.count() == before


def test_a_project_of_another_district_is_refused(client, outsider, project):
    answer = client.post(f"{API}/activities/", _new(project), content_type="application/json", **outsider)
    assert answer.status_code == 400 and not Activity.objects.filter(title="清洁家园周末行动").exists()


@pytest.mark.parametrize("changes", [
    {"title": "\x00\x07"}, {"slots": 10**30}, {"slots": "12abc"}, {"lng": "NaN"}, {"lng": 1e308},
    {"starts_at": "2026-13-45T99:00"}, {"starts_at": "9999-12-31T23:59:59"}, {"project": "٣"},
    {"project": 10**40}, {"source_case": -1}, {"requirements": "x" * 5000}, {"title": None},
])
def test_hostile_input_is_400_not_500(client, token, project, changes):
    before = Activity.objects.count()
    answer = client.post(f"{API}/activities/", _new(project, changes), content_type="application/json",
                         **token("taocheng"))
    assert answer.status_code == 400, (changes, answer.content)
    assert answer.json()["code"] == "invalid" and Activity.objects.count() == before


@pytest.mark.parametrize("query", ["starts_from=2026-02-30", "starts_from=99999-01-01", "organisation=abc",
                                   "organisation=99999999999999999999999", "theme=bogus", "activity_status=gone"])
def test_bad_filters_are_400(client, token, query):
    assert client.get(f"{API}/activities/?{query}", **token("taocheng")).status_code == 400


def test_huge_ids_in_the_path_are_404(client, token):
    assert client.get(f"{API}/activities/99999999999999999999999/", **token("taocheng")).status_code == 404
    assert client.post(f"{API}/records/99999999999999999999999/confirm/", {"version": 0},
                       content_type="application/json", **token("taocheng")).status_code == 404


def test_cancel_with_the_version_and_a_stale_version_is_409(client, token, activity):
    auth = token("taocheng")
    url = f"{API}/activities/{activity.pk}/cancel/"
    assert client.post(url, {"version": 0}, content_type="application/json", **auth).status_code == 400
    stale = client.post(url, {"reason": "暴雨预警", "version": 7}, content_type="application/json", **auth)
    assert stale.status_code == 409 and stale.json()["message"] == "该活动已被他人修改：请刷新页面后重试。"
    answer = client.post(url, {"reason": "暴雨预警", "version": 0}, content_type="application/json", **auth)
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled" and answer.json()["actions"] == []
    event = VolunteerEvent.objects.get(activity=activity, action=EventAction.ACTIVITY_CANCELLED)
    assert event.note == "暴雨预警" and event.actor.username == "taocheng"
    again = client.post(url, {"reason": "暴雨预警", "version": 1}, content_type="application/json", **auth)
    assert again.status_code == 409


# -- sign-ups and hours ----------------------------------------------------------------------------------------

def test_signups_show_masked_phones_and_the_record_with_its_actions(client, token, activity, record):
    answer = client.get(f"{API}/activities/{activity.pk}/signups/", **token("taocheng"))
    assert PHONE not in answer.content.decode()
    row = answer.json()["results"][0]
    assert row["phone"] == "139****5678" and row["volunteer"] == "张志愿" and row["checked_out_at"]
    assert row["record"]["id"] == record.pk and row["record"]["actions"] == ["confirm", "correct"]


def test_confirm_and_correct_write_the_same_events_as_the_page(client, token, record):
    auth = token("taocheng")
    confirmed = client.post(f"{API}/records/{record.pk}/confirm/", {"version": record.version},
                            content_type="application/json", **auth)
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    assert confirmed.json()["actions"] == ["correct"]
    stale = client.post(f"{API}/records/{record.pk}/correct/", {"version": record.version, "hours": "1.5",
                                                                  "note": "提前离开"},
                        content_type="application/json", **auth)
    assert stale.status_code == 409 and stale.json()["message"] == "该时长记录已被他人修改：请刷新页面后重试。"
    no_reason = client.post(f"{API}/records/{record.pk}/correct/", {"version": record.version + 1, "hours": "1.5"},
                            content_type="application/json", **auth)
    assert no_reason.status_code == 400 and "note" in no_reason.json()["fields"]
    for hours in ("abc", "NaN", "25", "-1", "1e9"):
        bad = client.post(f"{API}/records/{record.pk}/correct/", {"version": record.version + 1, "hours": hours,
                                                                    "note": "更正"},
                          content_type="application/json", **auth)
        assert bad.status_code == 400 and "hours" in bad.json()["fields"], hours
    corrected = client.post(f"{API}/records/{record.pk}/correct/", {"version": record.version + 1, "hours": "1.5",
                                                                      "note": "提前离开"},
                            content_type="application/json", **auth)
    assert corrected.status_code == 200 and corrected.json()["hours"] == "1.50"
    actions = list(VolunteerEvent.objects.filter(record=record).order_by("pk").values_list("action", "note"))
    assert actions[-2:] == [(EventAction.HOURS_CONFIRMED, ""), (EventAction.HOURS_CORRECTED, "提前离开")]
    record.refresh_from_db()
    assert record.hours == Decimal("1.50") and record.corrections.get().reason == "提前离开"


def test_an_unknown_hours_action_is_404(client, token, record):
    answer = client.post(f"{API}/records/{record.pk}/approve/", {"version": 0}, content_type="application/json",
                         **token("taocheng"))
    assert answer.status_code == 404


def test_the_organiser_records_hours_of_a_volunteer_who_never_checked_out(client, token, activity):
    volunteer = volunteer_register(phone="13900000009", name="李志愿", birth_date=dt.date(1990, 1, 1),
                                   organisation_id=activity.organisation_id)
    signup = signup_create(volunteer_id=volunteer.pk, activity_id=activity.pk)
    checkin_record(volunteer_id=volunteer.pk, activity_id=activity.pk, lng=activity.lng, lat=activity.lat)
    auth = token("taocheng")
    rows = client.get(f"{API}/activities/{activity.pk}/signups/", **auth).json()["results"]
    assert rows[0]["actions"] == ["record"]
    url = f"{API}/signups/{signup.pk}/hours/"
    assert client.post(url, {"hours": "5", "note": "忘记签退"}, content_type="application/json",
                       **auth).status_code == 400  # longer than the activity
    answer = client.post(url, {"hours": "1.5", "note": "忘记签退"}, content_type="application/json", **auth)
    assert answer.status_code == 201 and answer.json()["hours"] == "1.50"
    assert VolunteerEvent.objects.filter(action=EventAction.HOURS_RECORDED, note="忘记签退").count() == 1
    assert client.post(url, {"hours": "1.5", "note": "再次"}, content_type="application/json",
                       **auth).status_code == 409
    assert ServiceRecord.objects.filter(signup=signup).count() == 1


# -- statistics and the public calendar ------------------------------------------------------------------------

def test_stats_are_the_pages_figures(client, token, people, record, organisation):
    service_record_step(record_id=record.pk, actor=people["taocheng"], action_key="confirm",
                        expected_version=record.version)
    day = record.service_date
    body = client.get(f"{API}/stats/?start={day}&end={day}", **token("taocheng")).json()
    assert body["total"] == {"records": 1, "hours": str(record.hours), "confirmed": str(record.hours)}
    assert body["by_org"][0]["organisation"] == organisation.pk and body["by_theme"][0]["theme"] == "traffic"
    assert body["by_area"][0]["name"] == "桃城区"
    assert client.get(f"{API}/stats/?theme=clean&start={day}&end={day}",
                      **token("taocheng")).json()["total"]["records"] == 0
    assert client.get(f"{API}/stats/?start=0001-01-01", **token("taocheng")).status_code == 400
    assert client.get(f"{API}/stats/?start=2000-01-01&end=2099-01-01", **token("taocheng")).status_code == 400


def test_stats_of_another_district_see_nothing_of_this_one(client, outsider, record):
    day = record.service_date
    assert client.get(f"{API}/stats/?start={day}&end={day}", **outsider).json()["total"]["records"] == 0
    other = client.get(f"{API}/stats/?organisation={record.organisation_id}", **outsider)
    assert other.status_code == 400 and "organisation" in other.json()["fields"]


def test_the_public_calendar_needs_no_key_and_names_nobody(client, project, record):
    later = _activity(project, starts=timezone.now() + dt.timedelta(days=2), title="公开活动")
    answer = client.get(f"{API}/public/activities/?theme=traffic")
    assert answer.status_code == 200
    titles = [r["title"] for r in answer.json()["results"]]
    assert "公开活动" in titles and later.pk in [r["id"] for r in answer.json()["results"]]
    text = answer.content.decode()
    assert PHONE not in text and "139****" not in text and "张志愿" not in text
    assert client.get(f"{API}/public/activities/?area=131102").json()["count"] >= 2
    assert client.get(f"{API}/public/activities/?area=nowhere").json()["count"] == 0
    assert client.get(f"{API}/public/activities/?theme=bogus").status_code == 400
    # control characters are stripped by the house's middleware before any view reads them
    assert client.get(f"{API}/public/activities/?area=%01%00").status_code == 200
    # a stale key does not lock the public out
    assert client.get(f"{API}/public/activities/", HTTP_AUTHORIZATION="Token nope").status_code == 200
