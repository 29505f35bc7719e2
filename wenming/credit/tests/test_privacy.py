"""What the review found: non-public records kept out of the qualification findings and the dishonest filter,
every look at them logged, control characters never stored, the public subject page counted by the rate limit,
the joint-discipline list paginated in the database, the candidates' duties named."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from wenming.credit.hooks import credit_check
from wenming.credit.models import CreditQueryLog, CreditRecord, CreditSubject, JointMeasure, RecordKind
from wenming.credit.selectors import joint_rows, subject_search
from wenming.credit.services.imports import credit_import
from wenming.credit.services.records import credit_record_push
from wenming.org.models import Unit
from wenming.selections.models import Nomination

from .conftest import ACME, HEADER, rows_sample, write_csv

pytestmark = pytest.mark.django_db


def _push(source, actor=None, **over):
    data = {"record_id": "R-1", "kind": "失信", "credit_code": ACME, "name": "衡水某某贸易有限公司",
            "decided_by": "衡水市市场监督管理局", "decided_on": "2026-03-01", "reason": "提供虚假材料",
            "effective_until": "2029-03-01", **over}
    return credit_record_push(source=source, data=data, actor=actor)


@pytest.fixture
def loaded(market, tmp_path):
    credit_import(source_id=market.pk, path=write_csv(tmp_path / "a.csv", HEADER, rows_sample()))


def test_a_record_the_law_does_not_publish_is_no_named_finding(market, market_staff):
    _push(market, market_staff, public="否")
    _push(market, market_staff, record_id="R-2", kind="行政处罚", public="否", decided_on="2026-11-01",
          effective_until="")
    findings = credit_check(Nomination(name="衡水某某贸易有限公司", credit_code=ACME))
    assert [f.blocking for f in findings] == [True]  # the unpublished penalty is not listed at all
    label = str(findings[0].label)
    assert "衡水某某贸易有限公司" not in label and "衡水市市场监督管理局" not in label and "2026-03-01" not in label
    assert "does not publish" in label and "reason" not in findings[0].detail


def test_the_dishonest_filter_shows_no_other_departments_unpublished_record(market, market_staff, transport_staff):
    _push(market, market_staff, public="否")
    assert not subject_search(transport_staff, dishonest=True).filter(credit_code=ACME).exists()
    assert subject_search(market_staff, dishonest=True).filter(credit_code=ACME).exists()


def test_the_source_page_repair_form_and_api_log_looks_at_a_persons_records(loaded, client, market_staff):
    person_record = CreditRecord.objects.get(source_record_id="SC-004")
    client.force_login(market_staff)
    assert client.get("/credit/sources/scjg/").status_code == 200
    log = CreditQueryLog.objects.get(purpose="source")
    assert log.user == market_staff and log.records == [person_record.pk]
    assert client.get(f"/credit/records/{person_record.pk}/repair/").status_code == 200
    assert CreditQueryLog.objects.filter(purpose="repair", records=[person_record.pk]).exists()
    assert client.get("/api/v1/credit/records/").status_code == 200
    assert CreditQueryLog.objects.filter(purpose="api", user=market_staff).exists()


def test_a_repair_form_of_another_departments_record_is_404(loaded, client, transport, transport_staff):
    client.force_login(transport_staff)
    record = CreditRecord.objects.get(source_record_id="SC-001")
    assert client.get(f"/credit/records/{record.pk}/repair/").status_code == 404


def test_control_characters_are_never_stored(market, market_staff, tmp_path):
    record, _created = _push(market, market_staff, name="衡水\x00某某\u202e贸易有限公司", reason="虚假\u202e材料")
    record.refresh_from_db()
    assert record.subject.name == "衡水某某贸易有限公司" and record.reason == "虚假材料"
    rows = [["SC-9", "行政处罚", ACME, "衡水某某\u202e贸易\x00有限公司", "", "衡水市市场监督管理局\x00", "2026-06-01",
             "占道\u202e经营", "", ""]]
    job = credit_import(source_id=market.pk, path=write_csv(tmp_path / "c.csv", HEADER, rows))
    assert job.rows_written == 1, job.errors
    imported = CreditRecord.objects.get(source_record_id="SC-9")
    assert imported.subject.name == "衡水某某贸易有限公司"
    assert imported.decided_by == "衡水市市场监督管理局" and imported.reason == "占道经营"


@override_settings(WENMING_PUBLIC_LIMITS={"credit_query_ip": (3, 3600)})
def test_the_public_subject_page_counts_towards_the_limit(loaded, client):
    cache.clear()
    acme = CreditSubject.objects.get(credit_code=ACME)
    for _ in range(3):
        assert client.get(f"/credit/query/{acme.pk}/").status_code == 200
    assert client.get(f"/credit/query/{acme.pk}/").status_code == 429
    cache.clear()


def test_joint_rows_are_read_a_page_at_a_time(loaded, measure, wmb_staff, django_assert_max_num_queries):
    JointMeasure.objects.create(kind=RecordKind.DISHONEST, unit=Unit.objects.get(code="WMB"), measure="不得评优")
    rows = joint_rows(wmb_staff)
    assert len(rows) == 4  # two 失信 records (SC-001, SC-004) under two measures
    with django_assert_max_num_queries(4):
        page = rows[1:3]
    assert [r.measure.measure for r in page] == ["不得参评诚信类评选", "不得评优"]
    assert len(rows[0:10]) == 4 and len(joint_rows(wmb_staff, pending_only=True)) == 4
