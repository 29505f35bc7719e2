"""The risk pages and REST endpoints per role: a unit sees only the records of the criteria it leads or shares
(404 for the others, as for cases), the command centre and the evaluation office see all, the field roles nothing;
the actions offered are the table's; hostile input on the forms gets a clear error and writes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.conftest import photo_bytes
from wenming.evaluation.tests.test_risk import risk_world  # noqa: F401 — the fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]


@pytest.fixture
def records(risk_world, demo_framework):  # noqa: F811
    """An open 预警 record on P5.1.2 (城管 桃城分局's) and a 关注 one on P1.1.1 (another unit's)."""
    from wenming.evaluation.models import Criterion, RiskLevel, SignalKind
    from wenming.evaluation.services.risk import risk_signal_record

    other = Criterion.objects.get(edition=demo_framework, code="P1.1.1")
    mine = risk_signal_record(criterion_id=risk_world.pk, kind=SignalKind.MEDIA_REPORT, source_id="p1",
                              level=RiskLevel.WARNING, note="学校门口占道").record
    theirs = risk_signal_record(criterion_id=other.pk, kind=SignalKind.MEDIA_REPORT, source_id="p2",
                                level=RiskLevel.WATCH, note="窗口服务投诉").record
    return mine, theirs


def test_a_unit_sees_only_its_records(client, records, people):
    mine, theirs = records
    client.force_login(people["chengguan"])
    board = client.get("/evaluation/risks/").content.decode()
    assert f'data-record="{mine.pk}"' in board and f'data-record="{theirs.pk}"' not in board
    page = client.get(f"/evaluation/risks/{mine.pk}/").content.decode()
    assert 'data-action="acknowledge"' in page and 'data-action="raise_level"' not in page
    assert client.get(f"/evaluation/risks/{theirs.pk}/").status_code == 404
    assert client.post(f"/evaluation/risks/{theirs.pk}/act/acknowledge/",
                       {"acknowledge-version": theirs.version}).status_code == 404
    api = client.get("/api/v1/evaluation/risks/").json()
    assert [r["id"] for r in api["results"]] == [mine.pk]
    assert client.get(f"/api/v1/evaluation/risks/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/evaluation/risks/{theirs.pk}/acknowledge/", {}).status_code == 404
    detail = client.get(f"/api/v1/evaluation/risks/{mine.pk}/").json()
    assert detail["actions"] == ["acknowledge", "respond"] and detail["level"] == "warning"
    assert detail["signals"][0]["kind"] == "media_report"


def test_the_command_centre_and_the_office_see_all_the_field_nothing(client, records, people):
    mine, theirs = records
    for username in ("zhiban", "shouli", "ceping"):
        client.force_login(people[username])
        board = client.get("/evaluation/risks/").content.decode()
        assert f'data-record="{mine.pk}"' in board and f'data-record="{theirs.pk}"' in board, username
        assert client.get(f"/evaluation/risks/{theirs.pk}/").status_code == 200
    client.force_login(people["zhiban"])
    page = client.get(f"/evaluation/risks/{mine.pk}/").content.decode()
    assert 'data-action="supervise"' in page and 'data-action="acknowledge"' not in page
    for username in ("anfang", "wangge"):
        client.force_login(people[username])
        assert client.get("/evaluation/risks/").status_code == 404
        assert client.get(f"/evaluation/risks/{mine.pk}/").status_code == 404
        assert client.get(f"/api/v1/evaluation/risks/{mine.pk}/").status_code == 404
    client.logout()
    assert client.get("/evaluation/risks/").status_code == 302


def test_acting_through_the_page_and_the_api(client, records, people):
    from wenming.evaluation.models import RiskEvent

    mine, _theirs = records
    client.force_login(people["chengguan"])
    response = client.post(f"/evaluation/risks/{mine.pk}/act/acknowledge/", {"acknowledge-version": mine.version})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.state == "responding"
    # A stale form: refused with the reason, nothing written.
    before = RiskEvent.objects.count()
    stale = client.post(f"/evaluation/risks/{mine.pk}/act/respond/", {"respond-version": mine.version - 1,
                                                                       "respond-note": "已清理"})
    assert stale.status_code == 400 and "Someone else changed this risk record" in stale.content.decode()
    assert RiskEvent.objects.count() == before
    # The API: respond, then the unit closes it with a photo.
    answer = client.post(f"/api/v1/evaluation/risks/{mine.pk}/respond/", {"version": mine.version, "note": "已清理"},
                         content_type="application/json")
    assert answer.status_code == 200 and answer.json()["responded_at"]
    no_files = client.post(f"/api/v1/evaluation/risks/{mine.pk}/close/", {"note": "已整改"},
                           content_type="application/json")
    assert no_files.status_code == 409 and "attach at least one" in no_files.json()["message"]
    photo = SimpleUploadedFile("after.png", photo_bytes(), content_type="image/png")
    closed = client.post(f"/api/v1/evaluation/risks/{mine.pk}/close/", {"note": "已整改", "files": [photo]})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    # The office's own step: refused to the unit (403).
    assert client.post(f"/api/v1/evaluation/risks/{mine.pk}/reopen/", {"note": "x"},
                       content_type="application/json").status_code == 403


def test_hostile_input_on_the_forms_writes_nothing(client, records, people, settings):
    from wenming.evaluation.models import RiskEvent, RiskEvidence, RiskPlan, RiskSignal

    mine, _theirs = records
    client.force_login(people["zhiban"])
    counts = (RiskEvent.objects.count(), RiskSignal.objects.count(), RiskPlan.objects.count(),
              RiskEvidence.objects.count())
    # A note of nothing but control characters (stripped where input arrives): the required note is missing.
    bad_note = client.post(f"/evaluation/risks/{mine.pk}/act/supervise/",
                           {"supervise-version": mine.version, "supervise-note": "\x00\x07"})
    assert bad_note.status_code == 400 and "Note: this is required." in bad_note.content.decode()
    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", content_type="image/png")
    bad_file = client.post(f"/evaluation/risks/{mine.pk}/act/respond/",
                           {"respond-version": mine.version, "respond-note": "x", "respond-files": fake})
    assert bad_file.status_code == 400
    settings.WENMING_MAX_UPLOAD_BYTES = 1000
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 5000, content_type="application/pdf")
    too_big = client.post(f"/evaluation/risks/{mine.pk}/act/respond/",
                          {"respond-version": mine.version, "respond-note": "x", "respond-files": big})
    assert too_big.status_code == 400
    incident = client.post("/evaluation/risks/incident/", {"criterion": mine.criterion_id, "kind": "media_report",
                                                           "level": 2, "note": "\x1b\x00"})
    assert incident.status_code == 400
    plan = client.post(f"/evaluation/risks/plans/{mine.criterion_id}/edit/", {})
    assert plan.status_code == 404  # the shift leader does not edit plans
    client.force_login(people["ceping"])
    plan = client.post(f"/evaluation/risks/plans/{mine.criterion_id}/edit/", {
        "revision": 0, "triggers": "x", "measures": "y", "review_cycle_days": 30,
        "contacts": "张三, =1+2, 科长"})
    assert plan.status_code == 400 and "Contacts, line 1: =1+2 is not a phone number." in plan.content.decode()
    assert counts == (RiskEvent.objects.count(), RiskSignal.objects.count(), RiskPlan.objects.count(),
                      RiskEvidence.objects.count())


def test_incident_form_and_plan_pages(client, records, people):
    from wenming.evaluation.models import RiskSignal

    mine, _theirs = records
    client.force_login(people["chengguan"])
    refused = client.post("/evaluation/risks/incident/", {"criterion": mine.criterion_id, "kind": "serious_incident",
                                                          "level": 1, "note": "重大事件"})
    assert refused.status_code == 400 and "at least" in refused.content.decode()
    made = client.post("/evaluation/risks/incident/", {"criterion": mine.criterion_id, "kind": "serious_incident",
                                                       "level": 3, "note": "重大事件"})
    assert made.status_code == 302 and made["Location"] == f"/evaluation/risks/{mine.pk}/"
    assert RiskSignal.objects.filter(kind="serious_incident", criterion_id=mine.criterion_id).exists()
    # The lead unit writes the plan; a revision page; the attachment downloads.
    page = client.get(f"/evaluation/risks/plans/{mine.criterion_id}/")
    assert 'id="edit-plan"' in page.content.decode()
    photo = SimpleUploadedFile("预案.png", photo_bytes(), content_type="image/png")
    saved = client.post(f"/evaluation/risks/plans/{mine.criterion_id}/edit/", {
        "revision": 0, "triggers": "学校周边占道", "measures": "清理", "review_cycle_days": 30,
        "contacts": "张三, 13800000000, 科长", "files": photo})
    assert saved.status_code == 302
    page = client.get(f"/evaluation/risks/plans/{mine.criterion_id}/").content.decode()
    assert "学校周边占道" in page and "张三" in page
    assert client.get(f"/evaluation/risks/plans/{mine.criterion_id}/revisions/1/").status_code == 200
    from wenming.evaluation.models import RiskPlanAttachment

    attachment = RiskPlanAttachment.objects.get()
    assert client.get(f"/evaluation/risks/plans/files/{attachment.pk}/").status_code == 200
    client.force_login(people["gongdian"])
    assert client.get(f"/evaluation/risks/plans/files/{attachment.pk}/").status_code == 404
    assert client.get(f"/evaluation/risks/plans/{mine.criterion_id}/").status_code == 404
    assert client.get("/evaluation/risks/plans/").status_code == 200


def test_a_case_s_words_are_shown_only_to_those_who_may_open_the_case(client, risk_world, people,  # noqa: F811
                                                                       django_capture_on_commit_callbacks):
    """A record's signal from a case the viewer may not open shows no case text (it may name the reporter)."""
    from wenming.cases.services import workflow as wf
    from wenming.evaluation.models import RiskSignal
    from wenming.evaluation.tests.test_risk import _far_point

    with django_capture_on_commit_callbacks(execute=True):
        case = wf.case_intake(channel="hotline", description="占道经营，举报人电话13900009999", lng=_far_point()[0],
                              lat=_far_point()[1], category="SJ0401", actor=people["shouli"])
    record = RiskSignal.objects.get(case=case).record
    client.force_login(people["chengguan"])  # the case is not dispatched to the unit yet
    page = client.get(f"/evaluation/risks/{record.pk}/").content.decode()
    api = client.get(f"/api/v1/evaluation/risks/{record.pk}/").content.decode()
    assert "13900009999" not in page and "13900009999" not in api and "not in your scope" in page
    client.force_login(people["zhiban"])
    assert "13900009999" in client.get(f"/evaluation/risks/{record.pk}/").content.decode()
