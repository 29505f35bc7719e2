"""Hostile input on the REST API and Open311 (issue 12): extreme and impossible dates, non-ASCII digits, numbers
too big for a database integer, NUL and other control characters. The rule: never a 5xx, nothing stored with a
control character, and the error names the field (Open311's error list, DRF's ``fields``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from wenming.api.models import Open311Report
from wenming.cases.models import Case

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"
API = "/api/v1"
FORMATS = ["json", "xml"]
HUGE = "1" * 40
BAD_DATES = ["9999-99-99T00:00:00Z", "2026-02-30T00:00:00Z", "0001-01-01T00:00:00+14:00",
             "9999-12-31T23:59:59-14:00", "٢٠٢٦-١١-٢٨T00:00:00Z", "2026-11-28T00:00:00\x01x",
             f"2026-11-28T00:00:00+{HUGE}:00"]
BAD_NUMBERS = ["20261128000000²", "٢٠٢٦١١٢٨٠٠٠٠٠٠١", "20261128" + HUGE, "2026112800000１"]
CONTROLS = "\x00\x01\x0b\x1b"


def open311_error(response, fmt: str) -> tuple[int, str]:
    """(code, description) of an Open311 error answer, checking it is one (the XML parsed, so well-formed)."""
    if fmt == "json":
        body = response.json()
        return body[0]["code"], body[0]["description"]
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    return int(root[0].find("code").text), root[0].find("description").text


# -- Open311 reads ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("endpoint", ["requests", "request_updates"])
@pytest.mark.parametrize("name", ["start_date", "end_date"])
@pytest.mark.parametrize("value", BAD_DATES)
def test_open311_impossible_dates_are_400_naming_the_parameter(client, fmt, endpoint, name, value):
    response = client.get(f"{BASE}/{endpoint}.{fmt}", {name: value})
    assert response.status_code == 400, response.content
    code, description = open311_error(response, fmt)
    assert code == 400 and name in description


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("endpoint", ["requests", "request_updates"])
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_open311_service_request_id_with_foreign_digits_or_too_long_is_400(client, fmt, endpoint, value):
    response = client.get(f"{BASE}/{endpoint}.{fmt}", {"service_request_id": value})
    assert response.status_code == 400, response.content
    assert "service_request_id" in open311_error(response, fmt)[1]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_open311_request_path_with_foreign_digits_or_too_long_is_404(client, fmt, value):
    response = client.get(f"{BASE}/requests/{value}.{fmt}")
    assert response.status_code == 404, response.content
    assert "service_request_id" in open311_error(response, fmt)[1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_open311_errors_echoing_input_stay_well_formed(client, fmt, middleware):
    response = client.get(f"{BASE}/requests.{fmt}", {"jurisdiction_id": f"x{CONTROLS}y"})
    assert response.status_code == 404
    code, description = open311_error(response, fmt)
    assert code == 404 and "jurisdiction_id" in description
    assert not set(CONTROLS) & set(description)


# -- Open311 posts ---------------------------------------------------------------------------------------------

@pytest.fixture(params=["with middleware", "on its own"])
def middleware(request, settings):
    """Open311 is run with the input middleware and without it: its own code must be safe either way."""
    if request.param == "on its own":
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("ControlCharacterMiddleware")]
    return request.param


TEXT_FIELDS = ["description", "address_string", "first_name", "last_name", "device_id", "account_id", "external_id"]


@pytest.mark.parametrize("name", TEXT_FIELDS)
def test_open311_post_strips_control_characters_from_text(client, open311_key, grid, name, middleware):
    data = {"api_key": open311_key, "service_code": "SJ0401", "lat": grid.lat, "long": grid.lng,
            "description": "路面破损"}
    data[name] = f"路{CONTROLS}口\t破\r\n损"
    response = client.post(f"{BASE}/requests.json", data)
    assert response.status_code == 200, response.content
    case = Case.objects.get(pk=int(response.json()[0]["service_request_id"][8:]))
    stored = [case.description, case.address, case.reporter_name, case.external_id]
    stored += [getattr(case.open311, f) for f in ("device_id", "account_id", "email", "media_url")] \
        if Open311Report.objects.filter(case=case).exists() else []
    assert not any(set(CONTROLS) & set(value) for value in stored)
    assert any("路口" in value for value in stored)  # kept, minus the controls (tab, CR and LF are text)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["service_code", "attribute[urgency]", "email", "phone", "media_url", "lat", "long",
                                  "api_key", "jurisdiction_id"])
def test_open311_post_control_characters_in_coded_fields_never_5xx(client, open311_key, grid, fmt, name, middleware):
    data = {"api_key": open311_key, "service_code": "SJ0401", "lat": str(grid.lat), "long": str(grid.lng),
            "description": "路面破损", "email": "wang@example.com", "phone": "13800001111",
            "media_url": "https://img.example.com/a.jpg", "attribute[urgency]": "urgent"}
    data[name] = f"{data.get(name, 'wenming')}{CONTROLS}"
    response = client.post(f"{BASE}/requests.{fmt}", data)
    assert response.status_code < 500
    if response.status_code >= 400:
        open311_error(response, fmt)  # a proper error body, well-formed
    for case in Case.objects.filter(description__startswith="路面破损"):
        assert not set(CONTROLS) & set(case.reporter_phone + case.description)
        report = Open311Report.objects.filter(case=case).first()
        assert report is None or not set(CONTROLS) & set(report.email + report.media_url)


def test_open311_post_huge_numbers_are_400_naming_the_field(client, open311_key):
    for name in ("lat", "long"):
        data = {"api_key": open311_key, "service_code": "SJ0401", "lat": "37.7", "long": "115.7", name: "1e400"}
        response = client.post(f"{BASE}/requests.json", data)
        assert response.status_code == 400 and name in response.json()[0]["description"]
        data[name] = "nan"
        response = client.post(f"{BASE}/requests.json", data)
        assert response.status_code == 400 and name in response.json()[0]["description"]


# -- REST ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("params, field", [
    ({"reported_from": "0001-01-01"}, "reported_from"),
    ({"reported_to": "9999-12-31"}, "reported_to"),
    ({"reported_from": "9999-12-31"}, "reported_from"),
    ({"reported_to": "0001-01-01"}, "reported_to"),
    ({"reported_from": "٢٠٢٦-١١-٢٨"}, "reported_from"),
])
def test_rest_extreme_dates_are_400_naming_the_field(client, token, params, field):
    response = client.get(f"{API}/cases/", params, **token("shouli"))
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]


@pytest.mark.parametrize("params", [{"page": "²"}, {"page": HUGE}, {"page": "٣"}, {"page_size": HUGE},
                                    {"page_size": "²"}, {"q": "20261128000000²"}, {"q": "20261128" + HUGE},
                                    {"q": "٢٠٢٦١١٢٨٠٠٠٠٠٠١"}, {"unit": HUGE}, {"category": HUGE}])
def test_rest_list_odd_numbers_never_5xx(client, token, params):
    response = client.get(f"{API}/cases/", params, **token("shouli"))
    assert response.status_code in (200, 400, 404), response.content


@pytest.mark.parametrize("path", [f"/cases/{HUGE}/", "/cases/²/", "/cases/٣/", f"/cases/{HUGE}/sign/",
                                  f"/categories/{HUGE}/", f"/units/{HUGE}/", f"/sites/{HUGE}/"])
def test_rest_huge_or_foreign_ids_in_the_path_are_404(client, token, path):
    method = client.post if path.endswith("sign/") else client.get
    assert method(API + path, **token("shouli")).status_code == 404


@pytest.mark.parametrize("action, data, field", [
    ("merge", {"into": int(HUGE)}, "into"),
    ("merge", {"into": HUGE}, "into"),
    ("register", {"version": int(HUGE)}, "version"),
    ("register", {"category": int(HUGE)}, "category"),
    ("dispatch", {"unit": int(HUGE)}, "unit"),
    ("request_extension", {"amount": HUGE, "time_unit": "working_days", "note": "x"}, "amount"),
])
def test_rest_huge_numbers_in_post_fields_are_400_naming_the_field(client, token, make_case, action, data, field):
    case = make_case()
    response = client.post(f"{API}/cases/{case.pk}/{action.replace('_', '-')}/", data,
                           content_type="application/json", **token("admin"))
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]


@pytest.mark.parametrize("data, field", [
    ({"category": int(HUGE)}, "category"),
    ({"site": int(HUGE)}, "site"),
    ({"lng": "1e400", "lat": "37.7"}, "lng"),
    ({"lng": HUGE, "lat": "37.7"}, "lng"),
])
def test_rest_create_hostile_fields_are_400_naming_the_field(client, token, grid, data, field):
    body = {"description": "路面破损", "lng": grid.lng, "lat": grid.lat, **data}
    before = Case.objects.count()
    response = client.post(f"{API}/cases/", body, content_type="application/json", **token("shouli"))
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert Case.objects.count() == before


def test_rest_create_strips_control_characters(client, token, grid):
    body = {"description": f"路面{CONTROLS}破损", "address": f"人民路{CONTROLS}", "lng": grid.lng, "lat": grid.lat}
    response = client.post(f"{API}/cases/", body, content_type="application/json", **token("shouli"))
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert (case.description, case.address) == ("路面破损", "人民路")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", HUGE])
def test_rest_locate_and_create_refuse_numbers_that_are_no_place(client, token, value):
    located = client.get(f"{API}/locate/", {"lng": value, "lat": value}, **token("shouli"))
    assert located.status_code == 400, located.content
    assert {"lng", "lat"} <= set(located.json()["fields"])
    created = client.post(f"{API}/cases/", {"description": "路面破损", "lng": value, "lat": value},
                          content_type="application/json", **token("shouli"))
    assert created.status_code == 400, created.content
    assert {"lng", "lat"} & set(created.json()["fields"])


@pytest.mark.parametrize("count", [2, 40])
def test_open311_more_than_one_media_file_is_400_naming_media(client, open311_key, grid, count):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wenming.conftest import photo_bytes

    files = [SimpleUploadedFile(f"p{n}.png", photo_bytes(), content_type="image/png") for n in range(count)]
    before = Case.objects.count()
    response = client.post(f"{BASE}/requests.json", {"api_key": open311_key, "service_code": "SJ0401",
                                                     "lat": grid.lat, "long": grid.lng, "media": files})
    assert response.status_code == 400, response.content
    assert "media" in response.json()[0]["description"]
    assert Case.objects.count() == before


def test_rest_too_many_photos_is_400_in_the_apis_format(client, token, make_case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wenming.conftest import photo_bytes

    case = make_case(state="handling")
    files = [SimpleUploadedFile(f"p{n}.png", photo_bytes(), content_type="image/png") for n in range(40)]
    response = client.post(f"{API}/cases/{case.pk}/submit/", {"note": "已清理", "photos": files}, **token("chengguan"))
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    assert "photos" in response.json()["fields"] or "photos" in response.json()["message"]


@pytest.fixture
def submit_photos(client, token, make_case):
    """Post the given photos with a unit's submit; return (response, case) for checking nothing changed."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = make_case(state="handling")

    def post(contents: list[bytes]):
        files = [SimpleUploadedFile(f"p{n}.png", content, content_type="image/png") for n, content in enumerate(contents)]
        response = client.post(f"{API}/cases/{case.pk}/submit/", {"note": "已清理", "photos": files},
                               HTTP_ACCEPT_LANGUAGE="en", **token("chengguan"))
        return response, case

    return post


def _refused_by_photos(response, case, says: str) -> None:
    assert response.status_code == 400, response.content
    messages = response.json()["fields"]["photos"]
    assert any(says in m for m in messages), messages
    case.refresh_from_db()
    assert case.state == "handling" and not case.evidence.exists()


def test_rest_photos_more_than_the_forms_allow_are_400_naming_photos(submit_photos, settings):
    from wenming.conftest import photo_bytes

    # Fewer than Django's files-per-request cap, one more than a form takes.
    assert settings.WENMING_MAX_PHOTOS + 1 <= settings.DATA_UPLOAD_MAX_NUMBER_FILES
    response, case = submit_photos([photo_bytes()] * (settings.WENMING_MAX_PHOTOS + 1))
    _refused_by_photos(response, case, f"Photos: at most {settings.WENMING_MAX_PHOTOS} photos")


def test_rest_photo_larger_than_the_limit_is_400_naming_photos(submit_photos, settings):
    from wenming.conftest import photo_bytes

    content = photo_bytes()
    settings.WENMING_MAX_UPLOAD_BYTES = len(content) - 1
    response, case = submit_photos([content])
    _refused_by_photos(response, case, "Photos: p0.png is")


def test_rest_photos_larger_than_the_total_are_400_naming_photos(submit_photos, settings):
    from wenming.conftest import photo_bytes

    content = photo_bytes()
    settings.WENMING_MAX_UPLOAD_TOTAL_BYTES = 2 * len(content) - 1
    response, case = submit_photos([content, content])
    _refused_by_photos(response, case, "Photos: the files add up to")


def test_rest_photo_bomb_is_400_naming_photos_before_it_is_read(submit_photos):
    from wenming.common.tests.test_images import bomb_png

    response, case = submit_photos([bomb_png()])
    _refused_by_photos(response, case, "more than 40 megapixels")


def test_rest_photos_are_read_in_chunks_never_past_the_limit(settings):
    """A declared size that lies does not get a file read whole: reading stops past the limit."""
    import io

    from django.core.files.uploadedfile import UploadedFile
    from rest_framework.exceptions import ValidationError

    from wenming.api.views import _uploads

    read = []

    class Recorded(io.BytesIO):
        def read(self, size=-1):
            read.append(size)
            return super().read(size)

    settings.WENMING_MAX_UPLOAD_BYTES = 1000
    # As Django hands over an upload kept in a temporary file (above 2.5 MB), its size claimed wrongly.
    upload = UploadedFile(Recorded(b"\x89PNG\r\n\x1a\n" + b"x" * 3_000_000), name="big.png", size=10)
    with pytest.raises(ValidationError) as refused:
        _uploads([upload])
    assert "photos" in refused.value.detail
    assert -1 not in read and None not in read
    assert len(read) == 1  # one chunk was enough to pass the limit
