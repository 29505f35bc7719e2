"""API keys are issued in the (Chinese) admin: shown once, stored hashed, usable at once; admins only."""

import re

import pytest

from wenming.api.models import ApiKey

pytestmark = pytest.mark.django_db


def test_admin_issues_a_key_shown_once(client, people):
    from wenming.org.models import Person

    client.force_login(Person.objects.get(username="admin"))
    response = client.post("/admin/api/apikey/add/", {"name": "12345 热线平台", "person": people["shouli"].pk,
                                                      "channel": "12345", "is_active": "on"}, follow=True)
    assert response.status_code == 200
    key = ApiKey.objects.get(name="12345 热线平台")
    raw = re.search(rf"{key.prefix}\.[A-Za-z0-9_-]+", response.content.decode()).group(0)
    assert raw.split(".")[1] not in key.key_hash
    assert client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200
    # The change page never shows it again.
    assert raw not in client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    client.post("/admin/api/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert not key.is_active and key.revoked_at
    assert client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 401


def test_keys_are_administrators_only(client, people):
    client.force_login(people["zhiban"])
    assert client.get("/admin/api/apikey/").status_code in (302, 403)


def _admin_client(client):
    from wenming.org.models import Person

    client.force_login(Person.objects.get(username="admin"))
    return client


def _add(client, person, channel):
    return client.post("/admin/api/apikey/add/", {"name": "接入系统", "person": person.pk if person else "",
                                                  "channel": channel, "is_active": "on"})


@pytest.mark.parametrize("username, channel", [
    ("wangge", "12345"),  # a grid worker's app posing as the 12345 hotline
    ("wangge", "api"),
    ("shouli", "inspection"),  # the intake desk filing as 暗访
    ("chengguan", "inspection"),  # a unit reports nothing: its key claims no source
])
def test_admin_refuses_a_key_on_a_channel_its_person_does_not_report_on(client, people, username, channel):
    response = _add(_admin_client(client), people[username], channel)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["channel"], errors
    assert str(people[username]) in errors["channel"][0]
    assert not ApiKey.objects.filter(name="接入系统").exists()


@pytest.mark.parametrize("username, channel", [
    ("wangge", "grid"), ("anfang", "inspection"), ("shouli", "12345"), ("chengguan", "api"), (None, "inspection"),
])
def test_admin_issues_a_key_on_a_channel_its_person_reports_on(client, people, username, channel):
    response = _add(_admin_client(client), people[username] if username else None, channel)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert ApiKey.objects.get(name="接入系统").channel == channel


def test_admin_refuses_saving_a_key_moved_to_a_channel_its_person_does_not_report_on(client, people):
    from wenming.api.services.keys import api_key_issue

    key, _raw = api_key_issue(name="12345 热线平台", person=people["shouli"], channel="12345")
    response = _admin_client(client).post(f"/admin/api/apikey/{key.pk}/change/", {
        "name": key.name, "person": people["shouli"].pk, "channel": "inspection", "is_active": "on"})
    assert response.status_code == 200 and list(response.context["adminform"].form.errors) == ["channel"]
    key.refresh_from_db()
    assert key.channel == "12345"
