"""Production defaults are safe: checked in a fresh interpreter with a production-like environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

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
    assert "prepare_threshold" not in json.loads(_run(pg | {"WENMING_DB_PREPARED_STATEMENTS": "0"}).stdout)["db_options"]
