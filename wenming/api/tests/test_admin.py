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
