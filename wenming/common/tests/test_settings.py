"""Production defaults are safe: checked in a fresh interpreter with a production-like environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from wenming.common.env import env_bool, env_float, env_int

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "debug": settings.DEBUG,
    "secure_cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "frame": settings.X_FRAME_OPTIONS,
    "csp_default": list(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["default-src"]),
    "img": list(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]),
    "lang": settings.LANGUAGE_CODE,
    "tz": settings.TIME_ZONE,
    "hosts": settings.ALLOWED_HOSTS,
    "db_options": settings.DATABASES["default"].get("OPTIONS", {}),
    "replica": settings.DATABASES.get("replica"),
    "routers": settings.DATABASE_ROUTERS,
    "pin_after_auth": settings.MIDDLEWARE[settings.MIDDLEWARE.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware") + 1] == "wenming.common.replica_pin.ReplicaPinMiddleware",
    "pin_seconds": settings.WENMING_REPLICA_PIN_SECONDS,
    "server_side_cursors_off": [settings.DATABASES[a].get("DISABLE_SERVER_SIDE_CURSORS") for a in ("default", "replica")
                                if a in settings.DATABASES],
}))
"""


def _run(env_extra: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WENMING_", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS"))}
    env.update({"DJANGO_SETTINGS_MODULE": "wenming.settings", "WENMING_DATA_DIR": "/tmp/wenming-settings-probe"})
    env.update(env_extra)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_production_refuses_to_start_without_a_secret_key():
    result = _run({})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_defaults_are_safe():
    result = _run({"SECRET_KEY": "x" * 50, "WENMING_MAP_TILES": "https://tiles.example.gov.cn/{z}/{x}/{y}.png"})
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout)
    assert conf["debug"] is False
    assert conf["secure_cookies"] == [True, True]
    assert conf["frame"] == "DENY"
    assert conf["csp_default"] == ["'self'"]
    assert "https://tiles.example.gov.cn" in conf["img"]
    assert conf["lang"] == "zh-hans" and conf["tz"] == "Asia/Shanghai"
    assert conf["hosts"] == ["127.0.0.1", "localhost"]


def test_tile_subdomains_become_a_wildcard_origin():
    result = _run({"SECRET_KEY": "x" * 50, "WENMING_MAP_TILES": "https://{s}.tiles.data.example.cn/{z}/{x}/{y}.png"})
    assert "https://*.tiles.data.example.cn" in json.loads(result.stdout)["img"]


def test_demo_mode_is_debug_with_plain_http_cookies():
    result = _run({"WENMING_DEMO": "1"})
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout)
    assert conf["debug"] is True and conf["secure_cookies"] == [False, False]


def test_postgresql_connections_keep_prepared_statements_unless_a_pooler_cannot():
    pg = {"SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://u@db.example:5432/wenming"}
    assert json.loads(_run(pg).stdout)["db_options"]["prepare_threshold"] > 10**6
    # None: psycopg prepares nothing, not even a statement that asks (see test_prepared_statements.py).
    assert json.loads(_run(pg | {"WENMING_DB_PREPARED_STATEMENTS": "0"}).stdout)["db_options"]["prepare_threshold"] is None


def test_a_replica_adds_an_alias_a_router_and_the_pin_and_nothing_without_one():
    pg = {"SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://u@db.example:5432/wenming"}
    assert json.loads(_run(pg).stdout)["replica"] is None
    conf = json.loads(_run(pg | {"DATABASE_REPLICA_URL": "postgres://u@replica.example:5432/wenming",
                                 "WENMING_DB_TRANSACTION_POOLING": "1"}).stdout)
    assert conf["replica"]["HOST"] == "replica.example" and conf["replica"]["OPTIONS"]["connect_timeout"] == 2
    assert conf["replica"]["TEST"]["MIRROR"] == "default"
    assert conf["routers"] == ["wenming.common.db_router.ReplicaRouter"]
    assert conf["pin_after_auth"] and conf["pin_seconds"] == 6
    assert conf["server_side_cursors_off"] == [True, True]


# -- values read from the environment are checked ---------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [(None, 7), ("", 7), (" 12 ", 12), ("0", 0)])
def test_env_int_reads_whole_numbers_or_the_default(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("WENMING_PROBE", raising=False)
    else:
        monkeypatch.setenv("WENMING_PROBE", raw)
    assert env_int("WENMING_PROBE", 7, min=0) == expected


@pytest.mark.parametrize(("raw", "words"), [("abc", "whole number"), ("1.5", "whole number"), ("-1", "at least 0"),
                                            ("101", "at most 100")])
def test_env_int_refuses_naming_the_variable_and_the_value(monkeypatch, raw, words):
    monkeypatch.setenv("WENMING_PROBE", raw)
    with pytest.raises(ImproperlyConfigured) as exc:
        env_int("WENMING_PROBE", 7, min=0, max=100)
    assert f"WENMING_PROBE={raw!r}" in str(exc.value) and words in str(exc.value)


@pytest.mark.parametrize("raw", ["abc", "nan", "inf", "-0.5", "1e400"])
def test_env_float_refuses_what_is_no_finite_number_in_range(monkeypatch, raw):
    monkeypatch.setenv("WENMING_PROBE", raw)
    with pytest.raises(ImproperlyConfigured, match="WENMING_PROBE"):
        env_float("WENMING_PROBE", 1.0, min=0)


def test_env_float_reads_numbers(monkeypatch):
    monkeypatch.setenv("WENMING_PROBE", "2.5")
    assert env_float("WENMING_PROBE", 1.0, min=0) == 2.5


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("Yes", True), (" on ", True), ("0", False),
                                               ("false", False), ("", True)])
def test_env_bool_reads_yes_and_no(monkeypatch, raw, expected):
    monkeypatch.setenv("WENMING_PROBE", raw)
    assert env_bool("WENMING_PROBE", True) is expected


def test_env_bool_refuses_a_typo_rather_than_reading_it_as_no(monkeypatch):
    monkeypatch.setenv("WENMING_PROBE", "ture")
    with pytest.raises(ImproperlyConfigured, match="WENMING_PROBE='ture'"):
        env_bool("WENMING_PROBE", False)


@pytest.mark.parametrize(("name", "raw"), [("WENMING_MAX_UPLOAD_BYTES", "abc"), ("WENMING_WEBHOOK_TIMEOUT", "nan"),
                                           ("WENMING_MAX_PHOTOS", "0"), ("WENMING_SECURE_COOKIES", "maybe")])
def test_a_bad_value_stops_the_start_with_a_message_naming_it(name, raw):
    result = _run({"SECRET_KEY": "x" * 50, name: raw})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and f"{name}={raw!r}" in result.stderr


def test_serve_refuses_a_bad_port_naming_the_variable(monkeypatch):
    from django.core.management import load_command_class

    monkeypatch.setenv("WENMING_PORT", "80a")
    with pytest.raises(ImproperlyConfigured, match="WENMING_PORT"):
        load_command_class("wenming.common", "serve").create_parser("wenming", "serve")
