"""The API key cache: a checked key costs no query until keys, people or roles change anywhere."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.api.models import ApiKey, Open311Report
from wenming.api.services import keys
from wenming.cases.models import Case
from wenming.common.access import scope_for
from wenming.common.services.geography import credentials_bump
from wenming.org.models import RoleAssignment

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.WENMING_GEO_CHECK_SECONDS = 3600  # as if no other process changed anything meanwhile
    keys.api_key_cache_clear()
    yield
    keys.api_key_cache_clear()


def test_a_checked_key_is_served_from_memory_with_its_scope(people):
    _key, raw = keys.api_key_issue(name="12345", person=people["shouli"])
    first = keys.api_key_check(raw)
    with CaptureQueriesContext(connection) as queries:
        again = keys.api_key_check(raw)
        roles = scope_for(again.person).roles
    assert len(queries) == 0 and "intake" in roles
    # Each caller gets its own copies: what one request sets on its person is not seen by the next.
    again.person.display_name = "changed"
    assert keys.api_key_check(raw).person.display_name == first.person.display_name != "changed"
    # A wrong secret with a known prefix is still refused, from memory or not.
    assert keys.api_key_check(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None


def test_a_change_made_by_another_process_reaches_the_cache_at_the_next_check(settings, people):
    key, raw = keys.api_key_issue(name="12345", person=people["shouli"])
    assert keys.api_key_check(raw) is not None
    # Another process revokes it with a bulk update and bumps the version row; this process has not looked yet.
    ApiKey.objects.filter(pk=key.pk).update(is_active=False)
    credentials_bump()
    assert keys.api_key_check(raw) is not None
    settings.WENMING_GEO_CHECK_SECONDS = 0  # the check interval has passed
    assert keys.api_key_check(raw) is None


def test_a_lookup_overtaken_by_a_clear_is_not_kept(monkeypatch, people):
    _key, raw = keys.api_key_issue(name="12345", person=people["shouli"])
    lookup = keys._lookup

    def racing(prefix, digest):
        found = lookup(prefix, digest)  # read while active…
        keys.api_key_cache_clear()  # …then another thread saw a revocation and emptied the cache
        return found

    monkeypatch.setattr(keys, "_lookup", racing)
    assert keys.api_key_check(raw) is not None  # this request may use what it read
    monkeypatch.setattr(keys, "_lookup", lookup)
    with CaptureQueriesContext(connection) as queries:
        keys.api_key_check(raw)
    assert len(queries) >= 1  # but it was not kept: the next request reads the key again


def test_saving_keys_people_and_roles_bumps_the_version(settings, client, people):
    settings.WENMING_GEO_CHECK_SECONDS = 0
    key, raw = keys.api_key_issue(name="12345", person=people["shouli"])
    headers = {"HTTP_AUTHORIZATION": f"Token {raw}"}
    body = {"description": "路口流动摊贩占道经营", "category": "SJ0401"}
    assert client.post(f"{API}/cases/", body, content_type="application/json", **headers).status_code == 201
    # Roles taken away: the key's person may no longer report.
    RoleAssignment.objects.filter(person=people["shouli"]).delete()
    assert client.post(f"{API}/cases/", body, content_type="application/json", **headers).status_code == 403
    # The person switched off: the key stops working.
    people["shouli"].is_active = False
    people["shouli"].save()
    assert client.get(f"{API}/cases/", **headers).status_code == 401
    # Logging in stamps last_login only, which changes nothing a key may do and bumps nothing.
    before = keys.version_read(keys.CREDENTIALS)
    people["zhiban"].save(update_fields=["last_login"])
    assert keys.version_read(keys.CREDENTIALS) == before


def test_admin_revoke_is_logged_and_refused_at_once(client, people, django_capture_on_commit_callbacks):
    from wenming.common.models import AuditEvent
    from wenming.org.models import Person

    key, raw = keys.api_key_issue(name="12345", person=people["shouli"])
    assert client.get(f"{API}/cases/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200
    client.force_login(Person.objects.get(username="admin"))
    with django_capture_on_commit_callbacks(execute=True):  # the cache forgets the key once the revocation commits
        client.post("/admin/api/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    client.logout()
    assert client.get(f"{API}/cases/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 401
    assert AuditEvent.objects.filter(action="api_key.revoke", data__api_key=key.pk).exists()


def test_posts_record_their_key_and_open311_keeps_only_what_the_case_cannot(client, people, grid):
    key, raw = keys.api_key_issue(name="12345", person=people["shouli"], channel="12345")
    post = {"api_key": raw, "service_code": "SJ0401", "lat": grid.lat, "long": grid.lng, "description": "摊贩"}
    plain = client.post("/open311/v2/requests.json", post)
    with_media = client.post("/open311/v2/requests.json", {**post, "media_url": "https://img.example.com/a.jpg"})
    assert plain.status_code == with_media.status_code == 200
    plain_case = Case.objects.get(pk=int(plain.json()[0]["service_request_id"][8:]))
    media_case = Case.objects.get(pk=int(with_media.json()[0]["service_request_id"][8:]))
    assert not Open311Report.objects.filter(case=plain_case).exists()
    assert Open311Report.objects.get(case=media_case).api_key_id == key.pk
    assert plain_case.events.get().data["api_key"] == key.pk
    rest_key, rest_raw = keys.api_key_issue(name="api", person=people["shouli"])
    response = client.post(f"{API}/cases/", {"description": "摊贩", "category": "SJ0401"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Token {rest_raw}")
    assert Case.objects.get(pk=response.json()["id"]).events.get().data["api_key"] == rest_key.pk
