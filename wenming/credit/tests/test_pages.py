"""The staff pages: search, a subject with its records, the repair form, a source's import page, the joint-discipline
list, the 信用提示 candidates."""

import datetime as dt

import pytest
from django.utils import timezone

from wenming.cases.services import workflow as wf
from wenming.conftest import photo_bytes
from wenming.credit.models import CreditImport, CreditQueryLog, CreditRecord, CreditSubject, JointAck
from wenming.credit.services.imports import credit_import
from wenming.inspections.services import storefront as sf
from wenming.org.models import StorefrontDuty

from .conftest import ACME, HEADER, SHOP, rows_sample, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(market, tmp_path):
    credit_import(source_id=market.pk, path=write_csv(tmp_path / "a.csv", HEADER, rows_sample()))


def test_search_and_the_subject_page(loaded, client, market_staff, people):
    client.force_login(people["taocheng"])
    page = client.get("/credit/", {"q": "贸易"}).content.decode()
    assert "衡水某某贸易有限公司" in page and "张某某" not in page
    acme = CreditSubject.objects.get(credit_code=ACME)
    text = client.get(f"/credit/subjects/{acme.pk}/").content.decode()
    assert "提供虚假材料" in text and 'data-action="repair"' not in text
    person = CreditSubject.objects.get(kind="person")
    assert client.get(f"/credit/subjects/{person.pk}/").status_code == 404
    client.force_login(market_staff)
    text = client.get(f"/credit/subjects/{person.pk}/").content.decode()
    assert "拒不履行" in text and 'data-action="repair"' in text
    assert CreditQueryLog.objects.filter(user=market_staff, subject=person).count() == 1


def test_repair_through_the_page(loaded, client, market_staff, transport_staff):
    record = CreditRecord.objects.get(source_record_id="SC-001")
    client.force_login(transport_staff)
    assert client.get(f"/credit/records/{record.pk}/repair/").status_code == 404
    client.force_login(market_staff)
    assert client.get(f"/credit/records/{record.pk}/repair/").status_code == 200
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    refused = client.post(f"/credit/records/{record.pk}/repair/", {"repaired_on": future, "reason": "x", "version": 0})
    assert refused.status_code == 400 and "future" in refused.content.decode()
    done = client.post(f"/credit/records/{record.pk}/repair/", {"repaired_on": "2026-11-01", "reason": "已整改",
                                                                 "version": 0})
    assert done.status_code == 302
    record.refresh_from_db()
    assert record.status == "repaired"


def test_the_import_page(market, client, market_staff, tmp_path):
    client.force_login(market_staff)
    assert client.get("/credit/sources/scjg/").status_code == 200
    path = write_csv(tmp_path / "a.csv", HEADER, rows_sample())
    with path.open("rb") as handle:
        answer = client.post("/credit/sources/scjg/import/", {"file": handle})
    assert answer.status_code == 302 and CreditRecord.objects.count() == 4
    bad = write_csv(tmp_path / "b.csv", HEADER, [["SC-9", "失信", "123", "某公司", "", "", "", "", "", ""]])
    with bad.open("rb") as handle:
        answer = client.post("/credit/sources/scjg/import/", {"file": handle})
    assert answer.status_code == 400 and "line 2, column 统一社会信用代码" in answer.content.decode()
    assert CreditImport.objects.filter(status="failed").count() == 1 and CreditRecord.objects.count() == 4


def test_the_joint_discipline_page(loaded, client, measure, wmb_staff):
    client.force_login(wmb_staff)
    text = client.get("/credit/joint/").content.decode()
    assert "衡水某某贸易有限公司" in text and "不得参评诚信类评选" in text
    record = CreditRecord.objects.get(source_record_id="SC-001")
    answer = client.post(f"/credit/joint/{record.pk}/{measure.pk}/ack/", {"note": "已剔除"})
    assert answer.status_code == 302 and JointAck.objects.get().note == "已剔除"
    # The natural person's 失信 record is on the list too (the department must act on it); the look is logged.
    assert CreditQueryLog.objects.filter(user=wmb_staff, purpose="joint").exists()


def test_candidates_from_repeat_storefront_offenders(market, client, market_staff, people, settings):
    settings.WENMING_STOREFRONT_REPEAT_THRESHOLD = 2
    shop = StorefrontDuty.objects.order_by("pk").first()
    shop.licence_no = SHOP
    shop.save()
    checker = people["shouli"]
    for _ in range(2):
        sf.storefront_check_record(actor=checker, shop_id=shop.pk, lng=shop.lng, lat=shop.lat,
                                   results=[sf.DutyResult(d, d != "order", "乱堆放" if d == "order" else "",
                                                          wf.Upload("p.png", photo_bytes()) if d == "order" else None)
                                            for d in sf.DUTY_KEYS])
    client.force_login(market_staff)
    text = client.get("/credit/candidates/").content.decode()
    assert f'data-shop="{shop.code}"' in text
    assert "<td>Order (包秩序)</td>" in text  # the duty's label, not its code
    answer = client.post(f"/credit/candidates/{shop.pk}/decide/", {
        "source": market.pk, "kind": "penalty", "decided_on": "2026-12-01", "reason": "门前秩序屡查屡犯"})
    assert answer.status_code == 302, answer.content
    subject = CreditSubject.objects.get(credit_code=SHOP)
    assert subject.storefront == shop and subject.records.get().kind == "penalty"
    # The shop is now flagged on the storefront pages.
    client.force_login(checker)
    assert 'data-flag="other"' in client.get(f"/inspections/storefronts/{shop.pk}/").content.decode()
