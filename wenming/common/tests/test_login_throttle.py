import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from wenming.common.models import AuditEvent
from wenming.common.services import limits

pytestmark = pytest.mark.django_db

PASSWORD = "wenming2026"
NOW = 1_800_000_100.0  # 100 s into a 15-minute window


@pytest.fixture(autouse=True)
def _still_clock(monkeypatch, settings):
    monkeypatch.setattr(limits, "_clock", lambda: NOW)
    # Unknown accounts are hashed with the first hasher (a fast one here); the demo's passwords keep theirs.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def _login(client, username, password, *, ip="192.0.2.10", url="login"):
    return client.post(reverse(url), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _error_codes(response) -> list[str]:
    return [e.code for e in response.context["form"].errors.as_data().get("__all__", [])]


@pytest.mark.parametrize("url", ["login", "admin:login"])
def test_thirty_wrong_passwords_then_the_right_one_is_refused(client, people, url):
    for _ in range(30):
        _login(client, "zhiban", "guess", url=url)
    response = _login(client, "zhiban", PASSWORD, url=url)
    assert response.status_code == 200 and not _logged_in(client)
    assert "throttled" in _error_codes(response)
    # The page says when to try again: in 14 minutes, when the window ends.
    text = str(response.context["form"].non_field_errors())
    until = timezone.localtime(dt.datetime.fromtimestamp(NOW - 100 + 900, tz=dt.UTC))
    assert " 14 " in text and until.strftime("%H:%M") in text


def test_the_failure_that_locks_says_so_and_the_lockout_is_audited_once(client, people):
    for _ in range(4):
        assert _error_codes(_login(client, "zhiban", "guess")) == ["invalid_login"]
    assert _error_codes(_login(client, "zhiban", "guess")) == ["throttled"]
    for _ in range(3):
        _login(client, "zhiban", "guess")
    locks = AuditEvent.objects.filter(action="login.locked")
    assert [e.data["kind"] for e in locks] == ["login_account"]
    assert locks.get().data["account"] == "zhiban" and locks.get().data["ip"] == "192.0.2.10"


def test_an_account_is_locked_from_every_network_and_in_any_spelling(client, people):
    for n in range(5):
        _login(client, "ZhiBan ", "guess", ip=f"198.51.100.{n}")
    _login(client, "zhiban", PASSWORD, ip="203.0.113.50")
    assert not _logged_in(client)
    # Other accounts are not affected.
    _login(client, "paiqian", PASSWORD, ip="203.0.113.50")
    assert _logged_in(client)


def test_a_network_is_locked_for_every_account_and_a_success_resets_nothing(client, people):
    ip = "192.0.2.77"
    for n in range(19):  # unknown accounts count too: four tries each, none locked itself
        _login(client, f"nobody{n // 4}", "guess", ip=ip)
    _login(client, "paiqian", PASSWORD, ip=ip)
    assert _logged_in(client)
    client.logout()
    _login(client, "nobody9", "guess", ip=ip)  # the 20th failure from this network
    _login(client, "shouli", PASSWORD, ip=ip)
    assert not _logged_in(client)
    assert AuditEvent.objects.filter(action="login.locked", data__kind="login_ip").count() == 1
    _login(client, "shouli", PASSWORD, ip="192.0.2.78")
    assert _logged_in(client)


def test_every_authenticate_call_is_throttled(people):
    request = RequestFactory().post("/elsewhere/", REMOTE_ADDR="192.0.2.99")
    for _ in range(5):
        assert authenticate(request, username="zhiban", password="guess") is None
    assert authenticate(request, username="zhiban", password=PASSWORD) is None
    other = RequestFactory().post("/elsewhere/", REMOTE_ADDR="192.0.2.100")
    assert authenticate(other, username="paiqian", password=PASSWORD) == people["paiqian"]


def test_control_characters_in_the_name_do_not_reach_the_audit_log(client, people):
    for _ in range(5):
        _login(client, "zhi\x00ban\x1b", "guess")
    assert AuditEvent.objects.get(action="login.locked").data["account"] == "zhiban"


def test_the_old_password_on_the_password_change_page_is_throttled_like_a_login(client, people):
    client.force_login(people["zhiban"])
    url = reverse("admin:password_change")
    new = {"new_password1": "Xq7-lantern-harbour", "new_password2": "Xq7-lantern-harbour"}
    for _ in range(5):
        assert client.post(url, {"old_password": "guess", **new}).status_code == 200
    response = client.post(url, {"old_password": PASSWORD, **new})
    assert response.status_code == 200 and "throttled" in [
        e.code for e in response.context["form"].errors.as_data()["old_password"]]
    people["zhiban"].refresh_from_db()
    assert people["zhiban"].check_password(PASSWORD)
    assert AuditEvent.objects.filter(action="login.locked", data__kind="login_account").count() == 1


def test_a_good_login_reads_each_counter_once_and_writes_none(client, people):
    """The backend's check is the one check on a login that succeeds (the form asks again only after a failure)."""
    with CaptureQueriesContext(connection) as ctx:
        _login(client, "zhiban", PASSWORD)
    assert _logged_in(client)
    counters = [q["sql"] for q in ctx.captured_queries if "common_ratecounter" in q["sql"]]
    assert len(counters) == 2 and all(sql.startswith("SELECT") for sql in counters), counters
