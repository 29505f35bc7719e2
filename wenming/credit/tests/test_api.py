"""REST: a department's system pushes records with its source's API key (idempotent by record id), lists them, and
repairs one."""

import pytest
from rest_framework.test import APIClient

from wenming.api.services.keys import api_key_issue
from wenming.credit.models import CreditEvent, CreditRecord

from .conftest import ACME

pytestmark = pytest.mark.django_db

RECORD = {"record_id": "API-1", "kind": "dishonest", "credit_code": ACME, "name": "衡水某某贸易有限公司",
          "decided_by": "衡水市市场监督管理局", "decided_on": "2026-03-01", "reason": "提供虚假材料"}


@pytest.fixture
def system(market, market_staff):
    key, secret = api_key_issue(name="市场监管信用系统", person=market_staff)
    market.api_key = key
    market.save()
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_the_same_payload_twice_is_one_record_201_then_200(system):
    first = system.post("/api/v1/credit/records/", RECORD, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "effective" and first.json()["source"] == "scjg"
    second = system.post("/api/v1/credit/records/", RECORD, format="json")
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    assert CreditRecord.objects.count() == 1
    listed = system.get("/api/v1/credit/records/").json()
    assert listed["count"] == 1 and listed["results"][0]["record_id"] == "API-1"


def test_a_bad_payload_names_the_field(system):
    answer = system.post("/api/v1/credit/records/", {**RECORD, "credit_code": ACME[:-1] + "0"
                                                     if ACME[-1] != "0" else ACME[:-1] + "1"}, format="json")
    assert answer.status_code == 400 and "credit_code" in answer.json()["fields"]
    answer = system.post("/api/v1/credit/records/", {**RECORD, "decided_on": "1900-01-01"}, format="json")
    assert answer.status_code == 400 and "decided_on" in answer.json()["fields"]
    assert not CreditRecord.objects.exists()


def test_the_key_sends_to_its_own_source_only(system, transport):
    answer = system.post("/api/v1/credit/records/", {**RECORD, "source": "jtj"}, format="json")
    assert answer.status_code == 400 and "source" in answer.json()["fields"]


def test_repair_through_the_api(system):
    pk = system.post("/api/v1/credit/records/", RECORD, format="json").json()["id"]
    stale = system.post(f"/api/v1/credit/records/{pk}/repair/", {"repaired_on": "2026-11-01", "reason": "已整改",
                                                                 "version": 5}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    done = system.post(f"/api/v1/credit/records/{pk}/repair/", {"repaired_on": "2026-11-01", "reason": "已整改",
                                                                "version": 0}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "repaired"
    assert CreditEvent.objects.filter(action=CreditEvent.Action.REPAIR).count() == 1


def test_other_departments_and_strangers_get_404(system, transport, transport_staff):
    pk = system.post("/api/v1/credit/records/", RECORD, format="json").json()["id"]
    other = APIClient()
    other.force_authenticate(transport_staff)
    assert other.get("/api/v1/credit/records/").status_code == 200  # its own (empty) source
    assert other.get("/api/v1/credit/records/").json()["count"] == 0
    assert other.post(f"/api/v1/credit/records/{pk}/repair/", {"repaired_on": "2026-11-01", "reason": "x"},
                      format="json").status_code == 404
    assert other.post("/api/v1/credit/records/", {**RECORD, "source": "scjg"}, format="json").status_code == 404
    assert APIClient().get("/api/v1/credit/records/").status_code == 401
