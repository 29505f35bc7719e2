import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_worker_once_runs_every_periodic_job():
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    lines = [line.split(":")[0] for line in out.getvalue().splitlines()]
    assert lines == ["escalations", "campaign", "notifications", "webhooks", "daily counts", "snapshots"]
