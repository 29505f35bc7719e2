"""Open311 GeoReport v2: every endpoint and every error case, in JSON and in XML (parsed with xml.etree)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from wenming.api.models import Open311Report
from wenming.api.services.keys import api_key_issue
from wenming.cases.models import Case, Evidence
from wenming.conftest import photo_bytes

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
FORMATS = ["json", "xml"]


def parse(response, fmt):
    """The body as Python data: JSON as it is; XML as a list of dicts (one per child of the root)."""
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return response.json()
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def rows(response, fmt) -> list[dict]:
    data = parse(response, fmt)
    if fmt == "json":
        return data
    return [{child.tag: (child.text or "") for child in item} for item in data]


def assert_error(response, fmt, status: int):
    assert response.status_code == status
    if fmt == "json":
        body = response.json()
        assert isinstance(body, list) and body[0]["code"] == status and body[0]["description"]
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "errors" and root[0].tag == "error"
        assert root[0].find("code").text == str(status) and root[0].find("description").text


def post(client, fmt, data, **extra):
    return client.post(f"{BASE}/requests.{fmt}", data, **extra)


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client, fmt):
    data = parse(client.get(f"{BASE}/discovery.{fmt}"), fmt)
    if fmt == "json":
        endpoint = data["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"].endswith("/open311/v2/") and "text/xml" in endpoint["formats"]
    else:
        assert data.tag == "discovery"
        endpoint = data.find("endpoints/endpoint")
        assert endpoint.find("specification").text == "http://wiki.open311.org/GeoReport_v2"
        assert [f.text for f in endpoint.findall("formats/format")] == ["application/json", "text/xml"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_one_per_active_subcategory(client, fmt):
    from wenming.cases.models import Category

    services = rows(client.get(f"{BASE}/services.{fmt}"), fmt)
    codes = {s["service_code"] for s in services}
    expected = set(Category.objects.filter(is_active=True, parent__isnull=False).values_list("code", flat=True))
    assert codes == expected and "SJ0401" in codes
    one = next(s for s in services if s["service_code"] == "SJ0401")
    assert str(one["metadata"]).lower() == "true" and one["type"] == "realtime" and one["group"]
    if fmt == "xml":
        assert ET.fromstring(client.get(f"{BASE}/services.xml").content).tag == "services"
        assert ET.fromstring(client.get(f"{BASE}/services.xml").content)[0].tag == "service"


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition(client, fmt):
    response = client.get(f"{BASE}/services/SJ0401.{fmt}")
    data = parse(response, fmt)
    if fmt == "json":
        attribute = data["attributes"][0]
        assert data["service_code"] == "SJ0401"
        assert attribute["code"] == "urgency" and attribute["datatype"] == "singlevaluelist"
        assert [v["key"] for v in attribute["values"]] == ["normal", "urgent", "emergency"]
    else:
        assert data.tag == "service_definition" and data.find("service_code").text == "SJ0401"
        attribute = data.find("attributes/attribute")
        assert attribute.find("variable").text == "true" and attribute.find("datatype").text == "singlevaluelist"
        assert [v.find("key").text for v in attribute.findall("values/value")] == ["normal", "urgent", "emergency"]
    assert_error(client.get(f"{BASE}/services/NOPE.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_a_request_goes_through_intake(client, fmt, open311_key, grid):
    response = post(client, fmt, {
        "api_key": open311_key, "jurisdiction_id": "wenming", "service_code": "SJ0401", "lat": grid.lat,
        "long": grid.lng, "description": "路口流动摊贩占道经营", "attribute[urgency]": "urgent",
        "email": "wang@example.com", "phone": "13800001111", "first_name": "三", "last_name": "王",
        "media_url": "https://img.example.com/a.jpg",
    })
    assert response.status_code == 200, response.content
    row = rows(response, fmt)[0]
    case = Case.objects.get(pk=int(row["service_request_id"][8:]))
    assert case.number == row["service_request_id"]
    assert case.channel == "12345" and case.urgency == "urgent" and case.grid_id == grid.pk
    assert case.reporter_phone == "13800001111" and case.reporter_name == "三 王"
    assert case.routing.get("unit_id") and list(case.events.values_list("action", flat=True)) == ["report"]
    assert Open311Report.objects.get(case=case).email == "wang@example.com"
    # Reading it back never shows the contact.
    shown = client.get(f"{BASE}/requests/{case.number}.{fmt}")
    text = shown.content.decode()
    assert "13800001111" not in text and "wang@example.com" not in text and "王" not in text
    item = rows(shown, fmt)[0]
    assert item["status"] == "open" and item["service_code"] == "SJ0401"
    assert item["media_url"] == "https://img.example.com/a.jpg"
    assert float(item["lat"]) == pytest.approx(grid.lat) and float(item["long"]) == pytest.approx(grid.lng)


def test_post_with_address_only_and_media_upload(client, open311_key):
    media = SimpleUploadedFile("p.png", photo_bytes(), content_type="image/png")
    response = post(client, "json", {"api_key": open311_key, "service_code": "SJ0401",
                                     "address_string": "人民路与中心街交叉口", "media": media})
    assert response.status_code == 200, response.content
    case = Case.objects.get(pk=int(response.json()[0]["service_request_id"][8:]))
    assert case.lng is None and case.address == "人民路与中心街交叉口" and case.description
    assert case.evidence.filter(kind=Evidence.Kind.BEFORE).count() == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_errors(client, fmt, open311_key, grid, people):
    where = {"lat": grid.lat, "long": grid.lng}
    before = Case.objects.count()
    assert_error(post(client, fmt, {"service_code": "SJ0401", **where}), fmt, 403)
    assert_error(post(client, fmt, {"api_key": "abc.def", "service_code": "SJ0401", **where}), fmt, 403)
    assert_error(post(client, fmt, {"api_key": open311_key, **where}), fmt, 400)
    assert_error(post(client, fmt, {"api_key": open311_key, "service_code": "NOPE", **where}), fmt, 404)
    assert_error(post(client, fmt, {"api_key": open311_key, "service_code": "SJ0401"}), fmt, 400)
    assert_error(post(client, fmt, {"api_key": open311_key, "service_code": "SJ0401", "lat": grid.lat}), fmt, 400)
    assert_error(post(client, fmt, {"api_key": open311_key, "service_code": "SJ0401", "lat": "north", "long": 1}), fmt, 400)
    assert_error(post(client, fmt, {"api_key": open311_key, "service_code": "SJ0401", "lat": 95, "long": 1}), fmt, 400)
    assert_error(post(client, fmt, {"api_key": open311_key, "service_code": "SJ0401", "attribute[urgency]": "now",
                                    **where}), fmt, 400)
    assert_error(post(client, fmt, {"api_key": open311_key, "service_code": "SJ0401", "media_url": "ftp://x",
                                    **where}), fmt, 400)
    assert_error(post(client, fmt, {"api_key": open311_key, "service_code": "SJ0401", "email": "nope", **where}),
                 fmt, 400)
    assert_error(post(client, fmt, {"api_key": open311_key, "service_code": "SJ0401", "jurisdiction_id": "elsewhere",
                                    **where}), fmt, 404)
    # A revoked key is refused too.
    key, raw = api_key_issue(name="old", person=people["shouli"])
    key.is_active = False
    key.save()
    assert_error(post(client, fmt, {"api_key": raw, "service_code": "SJ0401", **where}), fmt, 403)
    assert Case.objects.count() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_filters(client, fmt, make_case):
    reported = make_case("垃圾堆放")
    closed = make_case("井盖缺失", state="closed")
    old = make_case("老问题", reported_at=timezone.now() - dt.timedelta(days=120))

    def ids(**params):
        response = client.get(f"{BASE}/requests.{fmt}", params)
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in rows(response, fmt)]

    default = ids()
    assert reported.number in default and closed.number in default and old.number not in default
    assert closed.number in ids(status="closed")
    assert reported.number not in ids(status="closed") and closed.number not in ids(status="open")
    assert set(ids(service_request_id=f"{reported.number},{old.number}")) == {reported.number, old.number}
    start = (timezone.now() - dt.timedelta(days=200)).isoformat()
    end = (timezone.now() - dt.timedelta(days=100)).isoformat()
    assert ids(start_date=start, end_date=end) == [old.number]
    assert reported.number not in ids(service_code="XX9999")
    closed_row = next(r for r in rows(client.get(f"{BASE}/requests.{fmt}", {"status": "closed"}), fmt)
                      if r["service_request_id"] == closed.number)
    assert closed_row["agency_responsible"] == closed.unit.name
    assert closed_row["status_notes"] and closed_row["updated_datetime"] >= closed_row["requested_datetime"]
    assert_error(client.get(f"{BASE}/requests.{fmt}", {"start_date": "last week"}), fmt, 400)
    assert_error(client.get(f"{BASE}/requests.{fmt}", {"status": "pending"}), fmt, 400)
    assert_error(client.get(f"{BASE}/requests.{fmt}", {"service_request_id": "12"}), fmt, 400)
    assert_error(client.get(f"{BASE}/requests.{fmt}", {"jurisdiction_id": "elsewhere"}), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_detail_token_and_unknowns(client, fmt, make_case):
    case = make_case(state="dispatched")
    item = rows(client.get(f"{BASE}/requests/{case.number}.{fmt}"), fmt)[0]
    assert item["service_request_id"] == case.number and item["agency_responsible"]
    assert item["expected_datetime"]  # the running stage's deadline (signing)
    assert_error(client.get(f"{BASE}/requests/20260101{9999999:07d}.{fmt}"), fmt, 404)
    assert_error(client.get(f"{BASE}/requests/abc.{fmt}"), fmt, 404)
    token = rows(client.get(f"{BASE}/tokens/{case.tracking_code}.{fmt}"), fmt)[0]
    assert token == {"service_request_id": case.number, "token": case.tracking_code}
    assert_error(client.get(f"{BASE}/tokens/NOSUCHTOKEN.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_undercover_inspections_are_never_shown(client, fmt, people, grid):
    from wenming.cases.services import workflow as wf

    case = wf.case_intake(channel="inspection", description="暗访发现", lng=grid.lng, lat=grid.lat,
                          category="SJ0401", actor=people["anfang"])
    assert case.number not in [r["service_request_id"] for r in rows(client.get(f"{BASE}/requests.{fmt}"), fmt)]
    assert_error(client.get(f"{BASE}/requests/{case.number}.{fmt}"), fmt, 404)
    updates = rows(client.get(f"{BASE}/request_updates.{fmt}"), fmt)
    assert case.number not in [u["service_request_id"] for u in updates]


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_updates_follow_status_changes(client, fmt, make_case):
    case = make_case(state="closed")
    response = client.get(f"{BASE}/request_updates.{fmt}", {"service_request_id": case.number})
    if fmt == "xml":
        root = ET.fromstring(response.content)
        assert root.tag == "request_updates" and root[0].tag == "request_update"
    updates = rows(response, fmt)
    assert [u["status"] for u in updates] == ["open"] * 6 + ["closed"]  # report … verify, then close
    assert all(u["service_request_id"] == case.number for u in updates)
    assert updates[0]["updated_datetime"] <= updates[-1]["updated_datetime"]
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    assert rows(client.get(f"{BASE}/request_updates.{fmt}", {"start_date": future}), fmt) == []
    assert_error(client.get(f"{BASE}/request_updates.{fmt}", {"start_date": "soon"}), fmt, 400)


def test_wrong_method_and_format(client):
    assert client.delete(f"{BASE}/services.json").status_code == 405
    assert client.get(f"{BASE}/services.yaml").status_code == 404
