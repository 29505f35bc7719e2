"""Open311 as existing clients use it (issue 14): a posted ``media`` file comes back as an absolute ``media_url``
that serves only the exposure board's copy of a published request's photo, and FixMyStreet's
``servicerequestupdates`` is served beside ``request_updates`` by the same code, with a date window and pages."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from wenming.api.tests.test_open311 import BASE, FORMATS, PHOTO, assert_error, expose, rows
from wenming.cases.models import Case, Evidence, Exposure
from wenming.cases.services import exposure as ex
from wenming.cases.services import workflow as wf
from wenming.cases.tests.test_evidence import exif_for
from wenming.conftest import photo_bytes

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")
UPDATE_FIELDS = {"update_id", "service_request_id", "status", "updated_datetime", "description", "media_url",
                 "external_status_code"}


def _jpeg_with_gps(color=(30, 160, 60)) -> bytes:
    """A photo as a phone takes it: position and time in its EXIF."""
    return photo_bytes(fmt="JPEG", size=(320, 240), color=color,
                       exif=exif_for(lng=115.69, lat=37.74, taken="2026:11:20 09:15:00"))


def _post_with_media(client, fmt, key, grid, content: bytes):
    media = SimpleUploadedFile("phone.jpg", content, content_type="image/jpeg")
    response = client.post(f"{BASE}/requests.{fmt}", {"api_key": key, "service_code": "SJ0401", "lat": grid.lat,
                                                      "long": grid.lng, "description": "井盖缺失", "media": media})
    assert response.status_code == 200, response.content
    row = rows(response, fmt)[0]
    return Case.objects.get(pk=int(row["service_request_id"][8:])), row


def _fetch(client, url: str):
    assert url.startswith("http://testserver/")
    return client.get(url.removeprefix("http://testserver"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_posted_photo_answers_an_absolute_media_url_served_once_the_board_publishes_it(client, fmt, open311_key,
                                                                                          grid, people):
    case, row = _post_with_media(client, fmt, open311_key, grid, _jpeg_with_gps())
    photo = case.evidence.get(kind=Evidence.Kind.BEFORE)
    assert row["media_url"] == f"http://testserver/open311/v2/media/{photo.pk}.jpg"
    # Not yet published: nobody fetches it, the same answer as for a photo that does not exist.
    assert _fetch(client, row["media_url"]).status_code == 404
    assert client.get(reverse("open311:media", args=[10**12])).status_code == 404

    # Published with a box over a face in the top left corner: the board's copy is what is served.
    exposure = ex.exposure_save(case_id=case.pk, actor=people["zhiban"], headline="人民路井盖缺失")
    ex.exposure_photos_set(exposure_id=exposure.pk, actor=people["zhiban"], photos=[(photo.pk, [[0, 0, 0.5, 0.5]])])
    ex.exposure_publish(exposure_id=exposure.pk, actor=people["zhiban"])
    listed = rows(client.get(f"{BASE}/requests/{case.number}.{fmt}"), fmt)[0]
    assert listed["media_url"] == row["media_url"]  # the post's answer and the request name the same address

    served = _fetch(client, row["media_url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert "public" in served["Cache-Control"]
    body = b"".join(served.streaming_content)
    with Exposure.objects.get(case=case).photos.get().rendered.open("rb") as rendered:
        assert body == rendered.read()
    image = Image.open(io.BytesIO(body))
    assert not image.getexif() and b"Exif" not in body  # no position, no time, no device
    assert max(image.convert("RGB").getpixel((5, 5))) < 30  # the covered corner is black, not the reporter's photo
    assert image.convert("RGB").getpixel((image.width - 5, image.height - 5))[1] > 100
    assert client.head(reverse("open311:media", args=[photo.pk])).status_code == 200
    assert client.post(reverse("open311:media", args=[photo.pk])).status_code == 405


def test_a_post_without_a_file_answers_an_empty_media_url(client, open311_key, grid):
    response = client.post(f"{BASE}/requests.json", {"api_key": open311_key, "service_code": "SJ0401",
                                                     "lat": grid.lat, "long": grid.lng,
                                                     "media_url": "https://img.example.com/a.jpg"})
    assert response.status_code == 200 and response.json()[0]["media_url"] == ""


def test_media_url_never_serves_a_withheld_withdrawn_or_undercover_photo(client, make_case, people, grid):
    # Two before-photos: the board publishes only the second. The first stays withheld, and the request lists the
    # second.
    case = make_case(photos=[wf.Upload("a.jpg", _jpeg_with_gps()), wf.Upload("b.jpg", _jpeg_with_gps((200, 200, 0)))])
    first, second = case.evidence.filter(kind=Evidence.Kind.BEFORE).order_by("id")
    exposure = ex.exposure_save(case_id=case.pk, actor=people["zhiban"], headline="占道经营")
    ex.exposure_photos_set(exposure_id=exposure.pk, actor=people["zhiban"], photos=[(second.pk, [])])
    assert client.get(reverse("open311:media", args=[second.pk])).status_code == 404  # a draft: not yet
    ex.exposure_publish(exposure_id=exposure.pk, actor=people["zhiban"])
    listed = rows(client.get(f"{BASE}/requests/{case.number}.json"), "json")[0]
    assert listed["media_url"].endswith(reverse("open311:media", args=[second.pk]))
    assert client.get(reverse("open311:media", args=[second.pk])).status_code == 200
    assert client.get(reverse("open311:media", args=[first.pk])).status_code == 404

    # Withdrawn from the board: gone from Open311 too.
    ex.exposure_withdraw(exposure_id=exposure.pk, actor=people["zhiban"], note="已核实撤下")
    assert client.get(reverse("open311:media", args=[second.pk])).status_code == 404

    # An undercover inspection on the board: the board shows it, Open311 never does (its time and place).
    inspection = wf.case_intake(channel="inspection", description="暗访发现", lng=grid.lng, lat=grid.lat,
                                category="SJ0401", actor=people["anfang"], photos=PHOTO)
    expose(inspection, people)
    secret = inspection.evidence.get(kind=Evidence.Kind.BEFORE)
    board_photo = Exposure.objects.get(case=inspection).photos.get()
    assert client.get(reverse("exposure:photo", args=[board_photo.pk])).status_code == 200
    assert client.get(reverse("open311:media", args=[secret.pk])).status_code == 404

    # A unit's after-photo the board did not choose (the reporter sees it on the tracking page, with the code).
    closed = make_case("井盖缺失", state="closed", photos=PHOTO)
    expose(closed, people)
    after = closed.evidence.get(kind=Evidence.Kind.AFTER)
    assert client.get(reverse("open311:media", args=[after.pk])).status_code == 404
    # … and for the logged-in staff it is no different: this address serves the public copy only.
    client.force_login(people["zhiban"])
    assert client.get(reverse("open311:media", args=[first.pk])).status_code == 404


def _at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=BEIJING)


@pytest.fixture
def two_weeks(make_case, people):
    """A request reported and dispatched on 2 March, another on 4 March, both on the board."""
    made = []
    for day in (2, 4):
        with mock.patch.object(timezone, "now", return_value=_at(day, 9)):
            case = make_case(state="dispatched", photos=PHOTO, reported_at=_at(day, 9))
        expose(case, people)
        made.append(case)
    return made


@pytest.mark.parametrize("fmt", FORMATS)
def test_servicerequestupdates_is_request_updates_under_fixmystreets_name(client, fmt, two_weeks):
    first, second = two_weeks
    window = {"start_date": "2026-03-01T00:00:00+08:00", "end_date": "2026-03-06T00:00:00+08:00"}
    fms = client.get(f"{BASE}/servicerequestupdates.{fmt}", window)
    ours = client.get(f"{BASE}/request_updates.{fmt}", window)
    assert fms.status_code == ours.status_code == 200
    if fmt == "xml":
        fms_root, our_root = ET.fromstring(fms.content), ET.fromstring(ours.content)
        assert fms_root.tag == "service_request_updates" and our_root.tag == "request_updates"
        assert {item.tag for item in fms_root} == {"request_update"}
        assert fms.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    updates = rows(fms, fmt)
    assert updates == rows(ours, fmt)  # one implementation
    assert all(set(u) == UPDATE_FIELDS for u in updates)
    assert [u["service_request_id"] for u in updates] == [first.number] * 3 + [second.number] * 3
    assert [u["external_status_code"] for u in updates[:3]] == ["reported", "registered", "dispatched"]
    assert {u["status"] for u in updates} == {"open"}
    assert updates[0]["updated_datetime"] == "2026-03-02T09:00:00+08:00"
    # The report's step carries the board's copy of its photo; the others carry none.
    before = Exposure.objects.get(case=first).photos.get().evidence_id
    assert updates[0]["media_url"] == f"http://testserver{reverse('open311:media', args=[before])}"
    assert [u["media_url"] for u in updates[1:3]] == ["", ""]


@pytest.mark.parametrize("fmt", FORMATS)
def test_servicerequestupdates_date_window_pages_and_refusals(client, fmt, two_weeks):
    first, second = two_weeks
    url = f"{BASE}/servicerequestupdates.{fmt}"

    def numbers(**params):
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        return [u["service_request_id"] for u in rows(response, fmt)]

    assert numbers(start_date="2026-03-03T00:00:00+08:00", end_date="2026-03-05T00:00:00Z") == [second.number] * 3
    # Only an end: the day before it. A "+" sent unescaped arrives as a space and is still read.
    assert numbers(end_date="2026-03-02T12:00:00 08:00") == [first.number] * 3
    assert numbers(start_date="2026-03-02T09:00:00+08:00", end_date="2026-03-02T09:00:00+08:00") == [first.number] * 3
    assert numbers(start_date="2026-03-05T00:00:00+08:00", end_date="2026-03-06T00:00:00+08:00") == []
    assert numbers(start_date="2026-03-01T00:00:00+08:00", service_request_id=second.number) == [second.number] * 3

    # Pages of two, in order, each full page pointing at the next; the last one is short and points nowhere.
    window = {"start_date": "2026-03-01T00:00:00+08:00", "end_date": "2026-03-06T00:00:00+08:00"}
    everything = rows(client.get(url, window), fmt)
    seen, response = [], client.get(url, {**window, "page_size": 4})
    while True:
        seen += rows(response, fmt)
        if "Link" not in response:
            break
        link = response["Link"]
        assert link.startswith("<http://testserver/open311/v2/servicerequestupdates.") and link.endswith('>; rel="next"')
        response = client.get(link[1:link.index(">")].removeprefix("http://testserver"))
    assert seen == everything and len(everything) == 6
    assert rows(client.get(url, {**window, "page_size": 4, "page": 3}), fmt) == []

    for params, field in [
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-02-30T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-03-05T00:00:00Z", "end_date": "2026-03-01T00:00:00Z"}, "end_date"),
        ({"page": "0"}, "page"), ({"page": "two"}, "page"), ({"page": "１"}, "page"), ({"page": "-1"}, "page"),
        ({"page_size": "1001"}, "page_size"), ({"page_size": "9" * 40}, "page_size"),
        ({"service_request_id": "12,abc"}, "service_request_id"),
    ]:
        response = client.get(url, {**window, **params})
        assert_error(response, fmt, 400)
        assert field in response.content.decode(), (params, response.content)
    assert_error(client.get(url, {"jurisdiction_id": "elsewhere"}), fmt, 404)
    assert client.post(url).status_code == 405


def test_updates_of_an_unpublished_or_undercover_request_are_never_listed(client, make_case, people, grid):
    hidden = make_case(state="dispatched", photos=PHOTO)  # never published
    inspection = wf.case_intake(channel="inspection", description="暗访发现", lng=grid.lng, lat=grid.lat,
                                category="SJ0401", actor=people["anfang"], photos=PHOTO)
    expose(inspection, people)
    listed = [u["service_request_id"] for u in client.get(f"{BASE}/servicerequestupdates.json").json()]
    assert hidden.number not in listed and inspection.number not in listed
