"""The Open311 post's form on its own: the first refusal in the order the fields are listed, with its status, and
the cleaned values the service gets."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.datastructures import MultiValueDict

from wenming.api.forms import Open311RequestForm

pytestmark = pytest.mark.django_db


def first_error(data: dict, files: dict | None = None) -> tuple[int, str]:
    with translation.override("en"):
        form = Open311RequestForm(data, MultiValueDict(files or {}))
        assert not form.is_valid()
        return form.first_error()


@pytest.fixture
def good(open311_key):
    return {"api_key": open311_key, "service_code": "SJ0401", "lat": "37.7", "long": "115.7"}


def test_the_key_is_checked_before_anything_else(good):
    assert first_error({**good, "api_key": "abc.def", "lat": "north", "service_code": "NOPE"}) == (
        403, "api_key is missing, unknown or revoked.")


@pytest.mark.parametrize(("change", "expected"), [
    ({"service_code": ""}, (400, "service_code is required.")),
    ({"service_code": "NOPE", "lat": "north"}, (404, "Unknown service_code NOPE.")),
    ({"lat": "north", "long": "999"}, (400, "lat must be a number.")),
    ({"long": "999"}, (400, "long is out of range.")),
    ({"long": "", "attribute[urgency]": "now"}, (400, "Give both lat and long, or neither.")),
    ({"lat": "", "long": "", "email": "nope"}, (400, "A location is required: lat and long, or address_string.")),
    ({"address_string": "路" * 201, "attribute[urgency]": "now"}, (400, "address_string is longer than 200 characters.")),
    ({"attribute[urgency]": "now", "media_url": "ftp://x"},
     (400, "attribute[urgency] must be one of normal, urgent, emergency.")),
    ({"media_url": "ftp://x", "email": "nope"}, (400, "media_url must be an http or https address.")),
    ({"email": "nope", "phone": "1" * 31}, (400, "email is not an email address.")),
    ({"phone": "1" * 31, "external_id": "x" * 65}, (400, "phone is longer than 30 characters.")),
    ({"external_id": "x" * 65, "description": "x" * 4001}, (400, "external_id is longer than 64 characters.")),
    ({"description": "x" * 4001}, (400, "description is longer than 4000 characters.")),
])
def test_the_first_refusal_in_the_order_the_fields_are_checked(good, change, expected):
    assert first_error({**good, **change}) == expected


def test_more_than_one_file_is_refused_naming_media(good):
    files = {"media": [SimpleUploadedFile("a.png", b"x"), SimpleUploadedFile("b.png", b"x")]}
    assert first_error(good, files) == (400, "media: post one file only.")
    assert first_error(good, {"media": [SimpleUploadedFile("a.png", b"x")], "photo": [SimpleUploadedFile("b.png", b"x")]}) \
        == (400, "media: post one file only.")


def test_cleaned_values_lose_control_characters_and_are_cut_to_their_columns(good):
    form = Open311RequestForm({**good, "description": "", "first_name": " 王\x00 ", "last_name": "五" * 60,
                               "device_id": "d" * 150, "account_id": "a\x1b" * 60, "media_url": "https://x/" + "p" * 600})
    assert form.is_valid(), form.errors
    d = form.cleaned_data
    assert d["description"] == d["service_code"].name  # no description: the service's name
    assert d["name"] == ("王 " + "五" * 60)[:50] and d["urgency"] == "normal" and d["lat"] == 37.7
    assert len(d["device_id"]) == 100 and d["account_id"] == "a" * 60 and len(d["media_url"]) == 500
