"""The index versions' admin: administrators add versions, weights are checked, a used version is read-only."""

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.scoring.models import IndexVersion

pytestmark = pytest.mark.django_db
PASSWORD = "wenming2026"


def _form(**extra):
    data = {"subject": "unit", "name": "2027", "weights": '{"closed_rate": 50, "handled_on_time_rate": 50}',
            "volume_target": "50", "min_volume": "5", "effective_from": "2027-01-01"}
    data.update(extra)
    return data


def test_admin_adds_versions_and_checks_weights(client):
    client.login(username="admin", password=PASSWORD)
    url = reverse("admin:scoring_indexversion_add")
    response = client.post(url, _form(weights='{"closed_rate": 50}'), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not IndexVersion.objects.filter(name="2027").exists()
    response = client.post(url, _form())
    assert response.status_code == 302
    version = IndexVersion.objects.get(name="2027")
    assert version.weights == {"closed_rate": 50, "handled_on_time_rate": 50} and version.created_by.username == "admin"


def test_a_used_version_is_read_only(client):
    version = IndexVersion.objects.get(subject="unit", effective_from__year=2020)
    client.login(username="admin", password=PASSWORD)
    change = reverse("admin:scoring_indexversion_change", args=[version.pk])
    assert 'name="weights"' in client.get(change).content.decode()
    IndexVersion.objects.filter(pk=version.pk).update(used_at=timezone.now())
    page = client.get(change).content.decode()
    assert 'name="weights"' not in page  # shown, not editable
    client.post(change, _form(name="changed"))
    version.refresh_from_db()
    assert version.name != "changed"
    client.logout()
    client.login(username="chengguan", password=PASSWORD)
    assert client.get(reverse("admin:scoring_indexversion_add")).status_code == 403


def test_scores_command_computes_publishes_and_dry_runs():
    from io import StringIO

    from django.core.management import call_command

    from wenming.scoring.models import ScoreSnapshot

    out = StringIO()
    call_command("scores", "--weeks", "2", "--months", "0", "--subject", "unit", "--dry-run", stdout=out)
    assert "dry run" in out.getvalue() and not ScoreSnapshot.objects.exists()
    call_command("scores", "--weeks", "2", "--months", "1", "--publish", "--as", "zhiban", stdout=StringIO())
    assert ScoreSnapshot.objects.filter(status="published").count() == 9  # 3 subjects × (2 weeks + 1 month)
    with pytest.raises(Exception, match="--as"):
        call_command("scores", "--publish", stdout=StringIO())
