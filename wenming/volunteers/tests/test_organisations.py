"""Organisations, projects and teams after creation: the services (scope, roles, stale versions, duplicate names,
events) and the pages (the organiser's organisation and team pages, the edit forms, the public organisation page that
names nobody)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wenming.common.errors import NotAllowed
from wenming.volunteers.errors import StaleRecord, VolunteerError
from wenming.volunteers.models import (
    DailyHours,
    EventAction,
    Membership,
    Organisation,
    Project,
    ServiceRecord,
    Team,
    Volunteer,
    VolunteerEvent,
)
from wenming.volunteers.services.hours import service_record_step
from wenming.volunteers.services.organisations import (
    membership_team_set,
    organisation_update,
    project_update,
    team_create,
    team_rename,
)

from .test_services import record  # noqa: F401  (fixture: a checked-out volunteer's recorded hours)

pytestmark = pytest.mark.django_db


def _events(action) -> int:
    return VolunteerEvent.objects.filter(action=action).count()


# -- services ----------------------------------------------------------------------------------------------------

def test_organisation_update_changes_logs_and_refuses_a_stale_form(organisation, organiser, county):
    updated = organisation_update(actor=organiser, organisation_id=organisation.pk, expected_version=0,
                                  name="  桃城区文明实践志愿服务总队 ", host_kind="community", area_id=county.pk,
                                  requires_real_name=False)
    assert (updated.name, updated.host_kind, updated.requires_real_name, updated.version) == (
        "桃城区文明实践志愿服务总队", "community", False, 1)
    event = VolunteerEvent.objects.get(action=EventAction.ORGANISATION_UPDATED)
    assert event.actor == organiser and event.data["organisation"] == organisation.pk
    assert event.data["changed"]["requires_real_name"] == [True, False]
    with pytest.raises(StaleRecord):
        organisation_update(actor=organiser, organisation_id=organisation.pk, expected_version=0, name="又改",
                            host_kind="community", area_id=county.pk, requires_real_name=False)
    # Saving the same values changes nothing and logs nothing.
    organisation_update(actor=organiser, organisation_id=organisation.pk, expected_version=1,
                        name="桃城区文明实践志愿服务总队", host_kind="community", area_id=county.pk,
                        requires_real_name=False)
    assert Organisation.objects.get().version == 1 and _events(EventAction.ORGANISATION_UPDATED) == 1


def test_organisation_update_refuses_duplicates_bad_input_and_other_areas(organisation, organiser, outsider, county,
                                                                          people):
    Organisation.objects.create(name="已有的队", host_kind="unit", area=county, area_path=county.path)
    base = {"actor": organiser, "organisation_id": organisation.pk, "expected_version": 0, "host_kind": "school",
            "area_id": county.pk, "requires_real_name": True}
    with pytest.raises(VolunteerError, match="exists already"):
        organisation_update(**base, name="已有的队")
    with pytest.raises(VolunteerError, match="enter the organisation"):
        organisation_update(**base, name=" \x00 ")
    with pytest.raises(VolunteerError, match="at most 100"):
        organisation_update(**base, name="队" * 101)
    with pytest.raises(VolunteerError, match="Host"):
        organisation_update(**{**base, "host_kind": "castle"}, name="新名")
    other_area = outsider.roles.get().area
    with pytest.raises(VolunteerError, match="Area"):
        organisation_update(**{**base, "area_id": other_area.pk}, name="新名")
    with pytest.raises(Organisation.DoesNotExist):  # out of scope: like missing
        organisation_update(**{**base, "actor": outsider, "area_id": other_area.pk}, name="新名")
    with pytest.raises(NotAllowed):
        organisation_update(**{**base, "actor": people["wangge"]}, name="新名")
    assert Organisation.objects.get(pk=organisation.pk).name == organisation.name
    assert _events(EventAction.ORGANISATION_UPDATED) == 0


def test_project_update_keeps_the_themes_of_existing_activities(project, activity, organiser, outsider):
    updated = project_update(actor=organiser, project_id=project.pk, expected_version=0, name="文明交通志愿岗",
                             theme="publicity")
    assert (updated.name, updated.theme, updated.version) == ("文明交通志愿岗", "publicity", 1)
    activity.refresh_from_db()
    assert activity.theme == "traffic"
    event = VolunteerEvent.objects.get(action=EventAction.PROJECT_UPDATED)
    assert event.data["changed"] == {"name": ["文明交通劝导", "文明交通志愿岗"], "theme": ["traffic", "publicity"]}
    with pytest.raises(StaleRecord):
        project_update(actor=organiser, project_id=project.pk, expected_version=0, name="x", theme="clean")
    with pytest.raises(VolunteerError, match="Theme"):
        project_update(actor=organiser, project_id=project.pk, expected_version=1, name="x", theme="nope")
    with pytest.raises(Project.DoesNotExist):
        project_update(actor=outsider, project_id=project.pk, expected_version=1, name="x", theme="clean")
    assert Project.objects.get().name == "文明交通志愿岗"


def test_teams_unique_per_organisation_renamed_and_logged(organisation, organiser, outsider, county):
    team = team_create(actor=organiser, organisation_id=organisation.pk, name=" 交通劝导队 ")
    assert team.name == "交通劝导队" and team.organisation == organisation
    with pytest.raises(VolunteerError, match="交通劝导队"):
        team_create(actor=organiser, organisation_id=organisation.pk, name="交通劝导队")
    other = Organisation.objects.create(name="另一个队", host_kind="unit", area=county, area_path=county.path)
    assert team_create(actor=organiser, organisation_id=other.pk, name="交通劝导队").organisation == other
    second = team_create(actor=organiser, organisation_id=organisation.pk, name="清洁家园队")
    with pytest.raises(VolunteerError, match="交通劝导队"):
        team_rename(actor=organiser, team_id=second.pk, name="交通劝导队")
    with pytest.raises(VolunteerError, match="enter the team"):
        team_create(actor=organiser, organisation_id=organisation.pk, name="  ")
    with pytest.raises(Organisation.DoesNotExist):
        team_create(actor=outsider, organisation_id=organisation.pk, name="外区队")
    with pytest.raises(Team.DoesNotExist):
        team_rename(actor=outsider, team_id=second.pk, name="外区队")
    renamed = team_rename(actor=organiser, team_id=second.pk, name="清洁家园一队")
    assert renamed.name == "清洁家园一队"
    assert _events(EventAction.TEAM_CREATED) == 3 and _events(EventAction.TEAM_RENAMED) == 1
    assert VolunteerEvent.objects.get(action=EventAction.TEAM_RENAMED).data["name"] == ["清洁家园队", "清洁家园一队"]


def test_membership_team_set_within_the_organisation(organisation, organiser, outsider, volunteer, county):
    membership = Membership.objects.get(volunteer=volunteer)
    team = team_create(actor=organiser, organisation_id=organisation.pk, name="交通劝导队")
    other = Organisation.objects.create(name="另一个队", host_kind="unit", area=county, area_path=county.path)
    foreign = team_create(actor=organiser, organisation_id=other.pk, name="别人的队")
    with pytest.raises(VolunteerError, match="Team"):
        membership_team_set(actor=organiser, membership_id=membership.pk, team_id=foreign.pk)
    with pytest.raises(Membership.DoesNotExist):
        membership_team_set(actor=outsider, membership_id=membership.pk, team_id=team.pk)
    membership_team_set(actor=organiser, membership_id=membership.pk, team_id=team.pk)
    membership_team_set(actor=organiser, membership_id=membership.pk, team_id=team.pk)  # again: nothing new
    assert Membership.objects.get(pk=membership.pk).team == team
    membership_team_set(actor=organiser, membership_id=membership.pk, team_id=None)
    assert Membership.objects.get(pk=membership.pk).team is None
    events = list(VolunteerEvent.objects.filter(action=EventAction.MEMBERSHIP_TEAM_SET))
    assert [e.data["team"] for e in events] == [[None, team.pk], [team.pk, None]]
    assert all(e.volunteer_id == volunteer.pk and e.actor == organiser for e in events)


# -- pages -------------------------------------------------------------------------------------------------------

@pytest.fixture
def confirmed(record, organiser):  # noqa: F811
    return service_record_step(record_id=record.pk, actor=organiser, action_key="confirm", expected_version=0)


def test_organisation_page_shows_teams_projects_members_and_hours(client, organisation, organiser, outsider,
                                                                 confirmed, volunteer):
    team = team_create(actor=organiser, organisation_id=organisation.pk, name="交通劝导队")
    membership = Membership.objects.get(volunteer=volunteer)
    membership_team_set(actor=organiser, membership_id=membership.pk, team_id=team.pk)
    client.force_login(organiser)
    url = reverse("volunteers:organisation_manage", args=[organisation.pk])
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "交通劝导队" in text and "文明交通劝导" in text and "路口文明劝导" in text
    assert volunteer.name in text and volunteer.phone_masked in text and volunteer.phone not in text
    assert page.context["totals"]["confirmed"] == DailyHours.objects.get().confirmed_hours > 0
    assert 'id="hours-total">1.50 h recorded, 1.50 h confirmed, 1 service times' in text
    assert page.context["members"][0]["hours"] == ServiceRecord.objects.get().hours
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("volunteers:team_manage", args=[team.pk])).status_code == 404


def test_organisation_page_queries_do_not_grow_with_members(client, organisation, organiser):
    client.force_login(organiser)
    url = reverse("volunteers:organisation_manage", args=[organisation.pk])
    team = team_create(actor=organiser, organisation_id=organisation.pk, name="一队")

    def add(n):
        for i in range(n):
            v = Volunteer.objects.create(phone=f"1370000{n}{i:03d}", name=f"志愿者{n}{i}",
                                         birth_date=dt.date(1991, 1, 1))
            Membership.objects.create(volunteer=v, organisation=organisation, team=team)

    add(1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(5)
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few)


def test_team_page_lists_its_members_with_confirmed_hours(client, organisation, organiser, confirmed, volunteer):
    team = team_create(actor=organiser, organisation_id=organisation.pk, name="交通劝导队")
    membership = Membership.objects.get(volunteer=volunteer)
    client.force_login(organiser)
    url = reverse("volunteers:team_manage", args=[team.pk])
    assert volunteer.name not in client.get(url).content.decode()
    moved = client.post(reverse("volunteers:membership_team", args=[membership.pk]) + "?next=" + url,
                        {"team": team.pk})
    assert moved.status_code == 302 and moved["Location"] == url
    page = client.get(url)
    assert volunteer.name in page.content.decode()
    assert page.context["members"][0]["hours"] == Decimal(confirmed.hours)
    assert client.post(reverse("volunteers:team_rename", args=[team.pk]), {"name": "文明交通队"}).status_code == 302
    assert Team.objects.get().name == "文明交通队"
    # No team value: nothing changes.
    client.post(reverse("volunteers:membership_team", args=[membership.pk]), {})
    assert Membership.objects.get(pk=membership.pk).team == team
    client.post(reverse("volunteers:membership_team", args=[membership.pk]), {"team": "0"})
    assert Membership.objects.get(pk=membership.pk).team is None


def test_team_form_duplicate_name_is_a_clear_error(client, organisation, organiser):
    team_create(actor=organiser, organisation_id=organisation.pk, name="交通劝导队")
    client.force_login(organiser)
    url = reverse("volunteers:team_new", args=[organisation.pk])
    answer = client.post(url, {"name": "交通劝导队"}, follow=True)
    assert "this organisation has a team “交通劝导队” already" in answer.content.decode()
    assert Team.objects.count() == 1


def test_edit_pages_save_through_the_services(client, organisation, project, organiser, county):
    client.force_login(organiser)
    url = reverse("volunteers:organisation_edit", args=[organisation.pk])
    form = client.get(url)
    assert form.status_code == 200 and organisation.name in form.content.decode()
    answer = client.post(url, {"name": "桃城区志愿服务联合会", "host_kind": "unit", "area": county.pk, "version": 0})
    assert answer.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "桃城区志愿服务联合会" and not organisation.requires_real_name
    stale = client.post(url, {"name": "再改", "host_kind": "unit", "area": county.pk, "version": 0})
    assert stale.status_code == 400 and b"reload the page" in stale.content
    url = reverse("volunteers:project_edit", args=[project.pk])
    assert client.post(url, {"name": "文明交通", "theme": "traffic", "version": 0}).status_code == 302
    assert Project.objects.get().name == "文明交通"


def test_public_organisation_page_names_nobody(client, organisation, organiser, activity, volunteer):
    team_create(actor=organiser, organisation_id=organisation.pk, name="交通劝导队")
    url = reverse("volunteers:organisation_public", args=[organisation.pk])
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert organisation.name in text and "交通劝导队" in text and activity.title in text
    assert volunteer.name not in text and volunteer.phone_masked not in text and volunteer.phone not in text
    assert url in client.get(reverse("volunteers:activity", args=[activity.pk])).content.decode()
    assert url in client.get(reverse("volunteers:calendar")).content.decode()
    assert client.get(reverse("volunteers:organisation_public", args=[999999])).status_code == 404
