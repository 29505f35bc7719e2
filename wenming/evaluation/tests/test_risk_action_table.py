"""The risk action table held against the service, state × role × action: what ``risk_actions_for`` offers is
exactly what ``risk_step`` accepts, through the REST API (as a person would post it), and nothing else is."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.conftest import photo_bytes
from wenming.evaluation.tests.test_risk import risk_world  # noqa: F401 — the fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]

ROLES = ("chengguan", "chengguan_lead", "zhiban", "paiqian", "ceping", "taocheng", "admin")


def _record_in(state: str, criterion, people, level: int):
    from wenming.evaluation.models import RiskRecord, SignalKind
    from wenming.evaluation.services.risk import Upload, risk_signal_record, risk_step

    RiskRecord.objects.filter(criterion=criterion).update(state="closed")
    record = risk_signal_record(criterion_id=criterion.pk, kind=SignalKind.MEDIA_REPORT,
                                source_id=f"{state}-{level}-{RiskRecord.objects.count()}", level=level).record
    if state in ("responding", "closed"):
        risk_step(record_id=record.pk, actor=people["chengguan"], action_key="acknowledge")
    if state == "closed":
        risk_step(record_id=record.pk, actor=people["ceping"], action_key="close", note="x",
                  files=[Upload("a.png", photo_bytes())])
    record.refresh_from_db()
    return record


@pytest.mark.parametrize("state", ["open", "responding", "closed"])
@pytest.mark.parametrize("level", [1, 3])
def test_offered_is_exactly_what_the_api_accepts(client, risk_world, people, state, level):  # noqa: F811
    from wenming.evaluation.api import RISK_API_ACTIONS
    from wenming.evaluation.services.risk_actions import FILES_NONE, RISK_ACTIONS, risk_actions_for

    for username in ROLES:
        for key in RISK_API_ACTIONS:
            record = _record_in(state, risk_world, people, level)
            offered = {a.key for a in risk_actions_for(record, people[username])}
            client.force_login(people[username])
            data = {"version": record.version, "note": "处置说明"}
            if RISK_ACTIONS[key].files != FILES_NONE:
                data["files"] = [SimpleUploadedFile("a.png", photo_bytes(), content_type="image/png")]
            response = client.post(f"/api/v1/evaluation/risks/{record.pk}/{key.replace('_', '-')}/", data)
            if key in offered:
                assert response.status_code == 200, (username, state, level, key, response.content)
            else:
                assert response.status_code in (403, 409), (username, state, level, key, response.status_code)
