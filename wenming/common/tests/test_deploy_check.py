"""`check --deploy` is clean with the environment docs/deployment.md tells an operator to export.

The settings are read from the page itself, so the page and the settings cannot drift apart unnoticed.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys

from django.conf import settings

DOC = settings.PROJECT_DIR / "docs" / "deployment.md"
EXPORT = re.compile(r"^export (?P<name>[A-Z_][A-Z0-9_]*)=(?P<value>\S+)")


def deployment_environment() -> dict[str, str]:
    """The ``export NAME=value`` lines of the Install section; a value computed by the shell becomes a fresh key."""
    text = DOC.read_text(encoding="utf-8")
    install = text.split("## Install", 1)[1].split("\n## ", 1)[0]
    env = {}
    for line in install.splitlines():
        match = EXPORT.match(line.strip())
        if match:
            value = match["value"]
            env[match["name"]] = secrets.token_urlsafe(50) if value.startswith("$(") else value
    return env


def test_deployment_page_sets_what_production_needs():
    env = deployment_environment()
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "WENMING_HSTS_SECONDS"):
        assert name in env, f"docs/deployment.md exports no {name}"


def test_check_deploy_is_clean_with_the_documented_settings(tmp_path):
    # Nothing of the test run's own environment: a production process starts from the documented one.
    base = {k: v for k, v in os.environ.items() if not k.startswith(("WENMING_", "DJANGO_")) and k not in {
        "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "REDIS_URL"}}
    env = {**base, **deployment_environment(), "WENMING_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(settings.PROJECT_DIR / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120, cwd=settings.PROJECT_DIR,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
