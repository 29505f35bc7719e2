"""The commands: evaluation-load (a file, a dry run, a refusal) and the demo's demo-evaluation, whose evaluation
office login demo-logins prints and which logs in with the demo password."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from wenming.evaluation.tests.conftest import demo_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]


def test_evaluation_load(tmp_path):
    from wenming.evaluation.models import Edition

    path = tmp_path / "edition.xlsx"
    path.write_bytes(demo_bytes(2026))
    out = io.StringIO()
    call_command("evaluation-load", str(path), "--dry-run", stdout=out)
    assert "Dry run, nothing written" in out.getvalue() and not Edition.objects.exists()
    call_command("evaluation-load", str(path), stdout=out)
    assert Edition.objects.filter(code="DEMO-2026").exists()
    with pytest.raises(CommandError, match="is loaded already"):
        call_command("evaluation-load", str(path), stdout=out)
    with pytest.raises(CommandError, match="no edition has the code NOPE"):
        call_command("evaluation-load", str(path), "--responsibility-for", "NOPE", stdout=out)


def test_demo_evaluation_and_the_office_login(client):
    from wenming.demo.accounts import DEMO_PASSWORD

    out = io.StringIO()
    call_command("demo-evaluation", stdout=out)
    assert "40 negative-list items, 41 evaluation-opinion items" in out.getvalue()
    logins = io.StringIO()
    call_command("demo-logins", stdout=logins)
    line = next(line for line in logins.getvalue().splitlines() if line.strip().startswith("ceping"))
    assert "Evaluation office" in line
    assert client.login(username="ceping", password=DEMO_PASSWORD)
    assert client.get("/evaluation/mine/").status_code == 200
