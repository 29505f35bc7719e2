"""Open311 GeoReport v2: every endpoint and every error case, in JSON and in XML (parsed with xml.etree).

Reads show what the public pages show (issue 12): the exposure board's and the showcase's requests, with their
published text, never a report waiting for review, one rejected as spam, or the reporter's own words."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from wenming.api.models import Open311Report
from wenming.api.services.keys import api_key_issue
from wenming.cases.models import Case, CaseEvent, Evidence, Exposure
from wenming.cases.services import exposure as ex
from wenming.cases.services import workflow as wf
from wenming.cases.services.evidence import evidence_add
from wenming.cases.services.workflow import Upload
from wenming.common.models import RateCounter
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


PHOTO = [Upload("before.png", photo_bytes())]


def expose(case, people, headline="人民路口占道经营", summary="早高峰摊贩占道") -> Exposure:
    """Publish the case on the exposure board, as the shift leader does (its before-photo, nothing covered)."""
    exposure = ex.exposure_save(case_id=case.pk, actor=people["zhiban"], headline=headline, summary=summary)
    before = case.evidence.filter(kind="before").first()
    ex.exposure_photos_set(exposure_id=exposure.pk, actor=people["zhiban"], photos=[(before.pk, [])])
    return ex.exposure_publish(exposure_id=exposure.pk, actor=people["zhiban"])


@pytest.fixture
def exposed(make_case, people):
    """A case in the state given, published on the exposure board."""

    def make(description="路口流动摊贩占道经营", *, state="reported", headline="人民路口占道经营", **kwargs):
        case = make_case(description, state=state, photos=PHOTO, **kwargs)
        expose(case, people, headline=headline)
        return case

    return make


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
def test_post_a_request_goes_through_intake(client, fmt, open311_key, grid, people):
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
    # Not public until the command centre publishes it; then never the contact nor the reporter's own text.
    assert_error(client.get(f"{BASE}/requests/{case.number}.{fmt}"), fmt, 404)
    evidence_add(case=case, kind=Evidence.Kind.BEFORE, name="b.png", content=photo_bytes(), actor=None,
                 event=case.events.get(action="report"))
    expose(case, people, headline="路口摊贩占道", summary="")
    shown = client.get(f"{BASE}/requests/{case.number}.{fmt}")
    text = shown.content.decode()
    assert "13800001111" not in text and "wang@example.com" not in text and "王" not in text
    item = rows(shown, fmt)[0]
    assert item["status"] == "open" and item["service_code"] == "SJ0401"
    assert item["description"] == "路口摊贩占道" and "img.example.com" not in text
    photo = Exposure.objects.get(case=case).photos.get()
    assert item["media_url"] == f"http://testserver{reverse('open311:media', args=[photo.evidence_id])}"
    assert not item["lat"] and not item["long"]  # no coordinates: the public pages show none


def test_post_with_address_only_and_media_upload(client, open311_key):
    media = SimpleUploadedFile("p.png", photo_bytes(), content_type="image/png")
    response = post(client, "json", {"api_key": open311_key, "service_code": "SJ0401",
                                     "address_string": "人民路与中心街交叉口", "media": media})
    assert response.status_code == 200, response.content
    case = Case.objects.get(pk=int(response.json()[0]["service_request_id"][8:]))
    assert case.lng is None and case.address == "人民路与中心街交叉口" and case.description
    assert case.evidence.filter(kind=Evidence.Kind.BEFORE).count() == 1


def test_post_takes_the_key_from_the_query_string_too(client, open311_key, grid):
    """Some GeoReport clients send ``api_key`` in the POST's query string; the body's key wins when both are sent."""
    body = {"service_code": "SJ0401", "lat": grid.lat, "long": grid.lng, "description": "路灯不亮"}
    response = client.post(f"{BASE}/requests.json?api_key={open311_key}", body)
    assert response.status_code == 200, response.content
    assert Case.objects.get(pk=int(response.json()[0]["service_request_id"][8:])).description == "路灯不亮"
    refused = client.post(f"{BASE}/requests.json?api_key={open311_key}", {**body, "api_key": "abc.def"})
    assert_error(refused, "json", 403)
    assert_error(client.post(f"{BASE}/requests.json?api_key=abc.def", body), "json", 403)


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
def test_get_requests_filters(client, fmt, exposed):
    reported = exposed("垃圾堆放")
    closed = exposed("井盖缺失", state="closed")
    old = exposed("老问题", reported_at=timezone.now() - dt.timedelta(days=120))

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
def test_request_detail_token_and_unknowns(client, fmt, exposed):
    case = exposed(state="dispatched")
    item = rows(client.get(f"{BASE}/requests/{case.number}.{fmt}"), fmt)[0]
    assert item["service_request_id"] == case.number and item["agency_responsible"]
    assert not item["expected_datetime"]  # an internal deadline: not on the public pages
    assert_error(client.get(f"{BASE}/requests/20260101{9999999:07d}.{fmt}"), fmt, 404)
    assert_error(client.get(f"{BASE}/requests/abc.{fmt}"), fmt, 404)
    token = rows(client.get(f"{BASE}/tokens/{case.tracking_code}.{fmt}"), fmt)[0]
    assert token == {"service_request_id": case.number, "token": case.tracking_code}
    assert_error(client.get(f"{BASE}/tokens/NOSUCHTOKEN.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_undercover_inspections_are_never_shown(client, fmt, people, grid):
    case = wf.case_intake(channel="inspection", description="暗访发现", lng=grid.lng, lat=grid.lat,
                          category="SJ0401", actor=people["anfang"], photos=PHOTO)
    expose(case, people)  # even on the board, Open311 does not carry its time and place
    assert case.number not in [r["service_request_id"] for r in rows(client.get(f"{BASE}/requests.{fmt}"), fmt)]
    assert_error(client.get(f"{BASE}/requests/{case.number}.{fmt}"), fmt, 404)
    assert_error(client.get(f"{BASE}/tokens/{case.tracking_code}.{fmt}"), fmt, 404)
    updates = rows(client.get(f"{BASE}/request_updates.{fmt}"), fmt)
    assert case.number not in [u["service_request_id"] for u in updates]


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_updates_follow_status_changes(client, fmt, exposed):
    case = exposed(state="closed")
    response = client.get(f"{BASE}/request_updates.{fmt}", {"service_request_id": case.number},
                          HTTP_ACCEPT_LANGUAGE="en")
    if fmt == "xml":
        root = ET.fromstring(response.content)
        assert root.tag == "request_updates" and root[0].tag == "request_update"
    updates = rows(response, fmt)
    assert [u["status"] for u in updates] == ["open"] * 6 + ["closed"]  # report … verify, then close
    assert all(u["service_request_id"] == case.number for u in updates)
    assert updates[0]["updated_datetime"] <= updates[-1]["updated_datetime"]
    assert [u["description"] for u in updates][:2] == ["Received", "Accepted as a case"]  # the status page's words
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    assert rows(client.get(f"{BASE}/request_updates.{fmt}", {"start_date": future}), fmt) == []
    assert_error(client.get(f"{BASE}/request_updates.{fmt}", {"start_date": "soon"}), fmt, 400)


def test_wrong_method_and_format(client):
    assert client.delete(f"{BASE}/services.json").status_code == 405
    assert client.get(f"{BASE}/services.yaml").status_code == 404


# -- what is public: the same as the public pages (issue 12) ----------------------------------------------------

PERSONAL = "联系人 张三 13800138000 身份证 110101199003071234 冀T12345"
PERSONAL_BITS = ("13800138000", "110101199003071234", "冀T12345", "张三")


def _on_public_pages(client) -> dict[str, str]:
    """The cases the exposure board and the showcase show, by number, with the page each is on."""
    shown = {}
    for name in ("exposure:board", "exposure:showcase"):
        page = client.get(reverse(name)).content.decode()
        for pk in re.findall(r'data-exposure="(\d+)"', page):
            shown[Exposure.objects.select_related("case").get(pk=pk).case.number] = page
    return shown


def test_open311_and_the_public_pages_agree_on_which_requests_and_which_text(client, people, make_case, exposed):
    on_board = exposed("夜间烧烤油烟扰民", headline="人民路口占道经营")
    on_showcase = exposed("下水道盖板丢失", state="closed", headline="中心街井盖缺失")
    draft = make_case("草稿", photos=PHOTO)
    ex.exposure_save(case_id=draft.pk, actor=people["zhiban"], headline="草稿标题")
    withdrawn = exposed("撤下", headline="已撤下的曝光")
    ex.exposure_withdraw(exposure_id=withdrawn.exposure.pk, actor=people["zhiban"], note="已核实")
    rejected_later = exposed("后来不予受理", headline="后来不予受理的曝光")
    wf.case_reject(case_id=rejected_later.pk, actor=people["shouli"], note="重复录入")
    waiting = make_case("待审核的随手拍")
    registered = make_case("已立案未曝光", state="registered")
    inspection = wf.case_intake(channel="inspection", description="暗访发现", lng=on_board.lng, lat=on_board.lat,
                                category="SJ0401", actor=people["anfang"], photos=PHOTO)
    expose(inspection, people, headline="暗访发现的问题")
    mine = {c.number for c in (on_board, on_showcase, draft, withdrawn, rejected_later, waiting, registered, inspection)}

    pages = _on_public_pages(client)
    listed = {r["service_request_id"]: r for r in rows(client.get(f"{BASE}/requests.json"), "json")}
    # The same requests, but an undercover inspection's: Open311 would date and place it.
    assert set(listed) & mine == (set(pages) & mine) - {inspection.number} == {on_board.number, on_showcase.number}
    for case in (on_board, on_showcase):
        exposure = Exposure.objects.get(case=case)
        row = listed[case.number]
        assert row["description"] == f"{exposure.headline}\n{exposure.summary}"
        assert exposure.headline in pages[case.number] and exposure.summary in pages[case.number]
        assert case.description not in row["description"]  # the published text, not the reporter's
        assert row["address"] and row["address"] in pages[case.number]  # the place as the page names it
        assert row["lat"] is None and row["long"] is None
        assert rows(client.get(f"{BASE}/requests/{case.number}.json"), "json")[0] == row
    for case in (draft, withdrawn, rejected_later, waiting, registered, inspection):
        assert_error(client.get(f"{BASE}/requests/{case.number}.json"), "json", 404)
    updated = {u["service_request_id"] for u in rows(client.get(f"{BASE}/request_updates.json", {
        "start_date": (timezone.now() - dt.timedelta(hours=1)).isoformat()}), "json")}
    assert updated & mine == {on_board.number, on_showcase.number}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_citizens_phone_id_number_and_plate_are_never_published(client, fmt, people, grid):
    """The probe's finding: an anonymous 随手拍 with a phone, an ID number and a plate was on Open311 verbatim,
    with exact coordinates, while waiting for review and after being rejected as spam."""
    from wenming.public.services.reports import public_report_submit

    case = public_report_submit(description=f"路口占道 {PERSONAL}", lng=grid.lng, lat=grid.lat,
                                category_code="SJ0401", photos=PHOTO, ip="10.1.2.3")
    spam = public_report_submit(description=f"广告 {PERSONAL}", lng=grid.lng, lat=grid.lat, category_code="SJ0401",
                                ip="10.1.2.3")
    wf.case_reject(case_id=spam.pk, actor=people["shouli"], note="不予受理：垃圾信息")
    since = {"start_date": (timezone.now() - dt.timedelta(hours=1)).isoformat()}

    def bodies() -> list[str]:
        return [client.get(url, params).content.decode() for url, params in [
            (f"{BASE}/requests.{fmt}", {}), (f"{BASE}/requests.{fmt}", since),
            (f"{BASE}/requests.{fmt}", {"service_request_id": f"{case.number},{spam.number}"}),
            (f"{BASE}/requests/{case.number}.{fmt}", {}), (f"{BASE}/requests/{spam.number}.{fmt}", {}),
            (f"{BASE}/request_updates.{fmt}", since), (f"{BASE}/tokens/{case.tracking_code}.{fmt}", {})]]

    def listed() -> set[str]:
        return {r["service_request_id"] for r in rows(client.get(f"{BASE}/requests.{fmt}"), fmt)}

    for body in bodies():
        assert not any(bit in body for bit in PERSONAL_BITS), body
    assert not {case.number, spam.number} & listed()
    assert_error(client.get(f"{BASE}/requests/{case.number}.{fmt}"), fmt, 404)
    # Accepted and published by the shift leader: the board's text, never the reporter's.
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    expose(case, people, headline="路口占道经营", summary="早高峰时段")
    assert case.number in listed() and spam.number not in listed()
    for body in bodies():
        assert not any(bit in body for bit in PERSONAL_BITS), body
    # A text stored past the board's check (by hand, or before it existed) is withheld, not published.
    Exposure.objects.filter(case=case).update(summary="联系 13800138000 冀T12345")
    item = rows(client.get(f"{BASE}/requests/{case.number}.{fmt}"), fmt)[0]
    assert item["description"] in ("", None)
    for body in bodies():
        assert not any(bit in body for bit in PERSONAL_BITS), body


def test_requests_xml_is_well_formed_when_stored_rows_hold_control_characters(client, exposed):
    """Rows stored before input was cleaned: a vertical tab, an escape or a ^A made requests.xml ill-formed."""
    case = exposed(state="dispatched")
    Exposure.objects.filter(case=case).update(headline="占道\x0b经营\x1b", summary="早\x01高峰")
    event = case.events.get(action="dispatch")
    CaseEvent.objects.filter(pk=event.pk).update(data={**event.data, "unit_name": "城管\x0b局"})
    case.unit.__class__.objects.filter(pk=case.unit_id).update(name="城管\x1b执法局")
    for url in (f"{BASE}/requests.xml", f"{BASE}/requests/{case.number}.xml",
                f"{BASE}/request_updates.xml?service_request_id={case.number}",
                f"{BASE}/requests.xml?jurisdiction_id=x%0By"):
        response = client.get(url)
        assert response.status_code in (200, 404)
        ET.fromstring(response.content)  # well-formed
    item = rows(client.get(f"{BASE}/requests/{case.number}.xml"), "xml")[0]
    assert item["description"] == "占道经营\n早高峰" and item["agency_responsible"] == "城管执法局"


# -- lookups are limited like the tracking page -----------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_token_and_request_lookups_are_rate_limited_counting_misses(client, settings, fmt, exposed):
    settings.WENMING_PUBLIC_LIMITS = {"open311_token_ip": (3, 3600), "open311_request_ip": (3, 3600)}
    case = exposed()
    for _ in range(5):  # hits are not counted
        assert client.get(f"{BASE}/tokens/{case.tracking_code}.{fmt}").status_code == 200
        assert client.get(f"{BASE}/requests/{case.number}.{fmt}").status_code == 200
    for n in range(3):
        assert_error(client.get(f"{BASE}/tokens/NOSUCHCODE{n}.{fmt}"), fmt, 404)
    # Past the limit a good token is refused like a bad one, so codes cannot be tried one after another.
    refused = client.get(f"{BASE}/tokens/{case.tracking_code}.{fmt}")
    assert_error(refused, fmt, 429)
    assert int(refused["Retry-After"]) > 0
    missing = f"{case.number[:8]}{9_999_999:07d}"
    assert_error(client.get(f"{BASE}/requests/{missing}.{fmt}"), fmt, 404)
    listed = client.get(f"{BASE}/requests.{fmt}", {"service_request_id": f"{case.number},{missing}"})
    assert listed.status_code == 200 and [r["service_request_id"] for r in rows(listed, fmt)] == [case.number]
    assert_error(client.get(f"{BASE}/requests/{missing}.{fmt}"), fmt, 404)  # the third miss
    refused = client.get(f"{BASE}/requests/{case.number}.{fmt}")
    assert_error(refused, fmt, 429)
    assert int(refused["Retry-After"]) > 0
    assert_error(client.get(f"{BASE}/requests.{fmt}", {"service_request_id": case.number}), fmt, 429)


def test_the_misses_of_one_list_lookup_are_counted_in_one_write(client, settings, exposed):
    settings.WENMING_PUBLIC_LIMITS = {"open311_request_ip": (60, 3600)}
    case = exposed()
    missing = [f"{case.number[:8]}{9_999_990 + n:07d}" for n in range(5)]
    with CaptureQueriesContext(connection) as ctx:
        listed = client.get(f"{BASE}/requests.json", {"service_request_id": ",".join([case.number, *missing])})
    assert listed.status_code == 200
    assert len([q for q in ctx.captured_queries if q["sql"].startswith("INSERT INTO \"common_ratecounter\"")]) == 1
    assert RateCounter.objects.get().count == 5


# -- a second post of the same external id --------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_a_second_post_of_the_same_external_id_names_the_first_request(client, fmt, open311_key, grid):
    data = {"api_key": open311_key, "service_code": "SJ0401", "lat": grid.lat, "long": grid.lng,
            "description": "路口流动摊贩占道经营", "external_id": "GD-2026-000123"}
    first = post(client, fmt, data)
    assert first.status_code == 200, first.content
    number = rows(first, fmt)[0]["service_request_id"]
    before = Case.objects.count()
    second = post(client, fmt, data)
    assert_error(second, fmt, 409)
    description = second.json()[0]["description"] if fmt == "json" else ET.fromstring(second.content)[0][1].text
    assert number in description and "GD-2026-000123" in description and "try again" not in description
    assert Case.objects.count() == before
    assert post(client, fmt, {**data, "external_id": "GD-2026-000124"}).status_code == 200
