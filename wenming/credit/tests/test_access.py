"""Who sees what: a department its own records; other office roles the published ones; the public only published
records in effect of legal persons; each look at non-public data logged."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from wenming.credit.models import CreditQueryLog, CreditRecord, CreditSubject
from wenming.credit.selectors import public_records, public_search, record_rows, subject_records
from wenming.credit.services.imports import credit_import

from .conftest import ACME, HEADER, rows_sample, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(market, transport, tmp_path):
    credit_import(source_id=market.pk, path=write_csv(tmp_path / "a.csv", HEADER, rows_sample()))
    rows = [["JT-1", "行政处罚", ACME, "衡水某某贸易有限公司", "", "交通运输局", "2026-05-01", "超限运输", "", ""],
            ["JT-2", "行政处罚", ACME, "衡水某某贸易有限公司", "", "交通运输局", "2026-05-02", "内部记录", "", ""]]
    path = write_csv(tmp_path / "t.csv", [*HEADER[:9], "是否公示"], [r[:9] + ["否" if r[0] == "JT-2" else "是"]
                                                                    for r in rows])
    credit_import(source_id=transport.pk, path=path)


def _ids(qs):
    return set(qs.values_list("source_record_id", flat=True))


def test_a_department_sees_its_own_records_and_the_published_others(loaded, market_staff, transport_staff, people):
    assert _ids(record_rows(market_staff)) == {"SC-001", "SC-002", "SC-003", "SC-004", "JT-1"}
    # The transport bureau sees its own (the unpublished JT-2 too) and the market's published ones (not the person).
    assert _ids(record_rows(transport_staff)) == {"JT-1", "JT-2", "SC-001", "SC-002", "SC-003"}
    # Another office role: published records of legal persons only; the command centre: everything.
    assert _ids(record_rows(people["taocheng"])) == {"SC-001", "SC-002", "SC-003", "JT-1"}
    assert _ids(record_rows(people["shouli"])) == set(CreditRecord.objects.values_list("source_record_id", flat=True))
    # Field reporters read nothing.
    assert not record_rows(people["wangge"]).exists() and not record_rows(people["anfang"]).exists()


def test_looking_at_non_public_data_is_logged(loaded, transport_staff, people):
    acme = CreditSubject.objects.get(credit_code=ACME)
    seen = subject_records(transport_staff, acme)
    assert {r.source_record_id for r in seen} == {"SC-001", "JT-1", "JT-2"}
    log = CreditQueryLog.objects.get()
    assert log.user == transport_staff and log.subject == acme
    assert log.records == [CreditRecord.objects.get(source_record_id="JT-2").pk]
    # Published records only: nothing to log.
    subject_records(people["taocheng"], acme)
    assert CreditQueryLog.objects.count() == 1


def test_the_public_sees_published_records_in_effect_of_legal_persons_only(loaded):
    assert public_search("张某某") == []  # a natural person is never found
    assert public_search("某某") and all(s.kind != "person" for s in public_search("某某"))
    assert [s.credit_code for s in public_search(ACME.lower())] == [ACME]
    acme = CreditSubject.objects.get(credit_code=ACME)
    assert {r.source_record_id for r in public_records(acme)} == {"SC-001", "JT-1"}
    assert public_records(CreditSubject.objects.get(kind="person")) == []


def test_the_public_pages(loaded, client):
    cache.clear()
    page = client.get("/credit/query/", {"q": "贸易"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "衡水某某贸易有限公司" in text and "张某某" not in text
    acme = CreditSubject.objects.get(credit_code=ACME)
    detail = client.get(f"/credit/query/{acme.pk}/").content.decode()
    assert "提供虚假材料" in detail and "内部记录" not in detail
    person = CreditSubject.objects.get(kind="person")
    assert client.get(f"/credit/query/{person.pk}/").status_code == 404
    assert client.get("/credit/query/", {"q": "x"}).status_code == 400  # too short


@override_settings(WENMING_PUBLIC_LIMITS={"credit_query_ip": (3, 3600)})
def test_the_public_query_is_rate_limited_per_network(loaded, client):
    cache.clear()
    for _ in range(3):
        assert client.get("/credit/query/", {"q": "贸易"}).status_code == 200
    refused = client.get("/credit/query/", {"q": "贸易"})
    assert refused.status_code == 429 and "Too many requests" in refused.content.decode()
    cache.clear()
