"""The REST create serializer's plain-input path against DRF's own validation of the same declared fields.

Whatever the plain path accepts, DRF must accept with the same values (types included); whatever it leaves to DRF
is validated there as before. The cases are written out for the edges and generated for the rest."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.fields import empty

from wenming.api.serializers import CaseCreateSerializer, PlainInput
from wenming.cases.models import Category

pytestmark = pytest.mark.django_db

OK = {"description": "路口流动摊贩占道经营", "category": "SJ0401", "lng": 115.69, "lat": 37.74}


def both(data):
    """(plain path's attrs or None, DRF's validated data or its errors)."""
    form = CaseCreateSerializer(data=data)
    plain = form._plain_attrs(data) if type(data) is dict else None
    declared = CaseCreateSerializer(data=data)
    try:
        drf = super(PlainInput, declared).run_validation(data)  # the declared fields' own way
    except serializers.ValidationError as exc:
        drf = exc
    return plain, drf


def same(plain, drf) -> None:
    if plain is None:
        return
    assert not isinstance(drf, Exception), f"plain path took input DRF refuses: {drf.detail}"
    assert plain == dict(drf)
    assert {k: type(v) for k, v in plain.items()} == {k: type(v) for k, v in drf.items()}


@pytest.mark.parametrize("data", [
    OK,
    {"description": "  路面破损  ", "address": " 人民路 ", "reporter_phone": "13812345678", "external_id": "X-1"},
    {**OK, "urgency": "urgent", "crs": "gcj02", "reporter_name": "王先生", "reporter_phone": "0318-1234567"},
    {**OK, "category": None}, {**OK, "category": ""}, {**OK, "category": "  "}, {**OK, "lng": None, "lat": None},
    {**OK, "lng": 115, "lat": 37}, {**OK, "lng": -180, "lat": 90}, {**OK, "reporter_phone": "  "},
    {**OK, "unknown": [1, 2]},
])
def test_plain_inputs_take_the_plain_path_with_drf_s_values(grid, data):
    plain, drf = both(data)
    assert plain is not None
    same(plain, drf)


@pytest.mark.parametrize("data", [
    {}, {"description": ""}, {"description": "   "}, {"description": None}, {"description": 5},
    {"description": True}, {"description": "a" * 2001}, {"description": "a\x00b"}, {"description": "a\ud800b"},
    {**OK, "category": "NOPE"}, {**OK, "category": "X" * 17}, {**OK, "lng": "115.7"}, {**OK, "lng": True},
    {**OK, "lng": 181}, {**OK, "lat": -90.5}, {**OK, "lng": 10**400}, {**OK, "lat": None},
    {**OK, "urgency": "URGENT"}, {**OK, "urgency": None}, {**OK, "urgency": ""}, {**OK, "crs": 1},
    {**OK, "reporter_phone": "12345"}, {**OK, "address": None}, {**OK, "site": "S-1"}, {**OK, "site": None},
    {**OK, "description": ["x"]},
])
def test_anything_unusual_goes_to_drf(grid, data):
    plain, drf = both(data)
    assert plain is None
    form = CaseCreateSerializer(data=data)
    form.is_valid()
    # Through is_valid the outcome is DRF's: the same errors, or the same values.
    if isinstance(drf, Exception):
        assert form.errors == drf.detail
    else:
        assert form.validated_data == drf


def test_form_posts_and_non_objects_go_to_drf(grid):
    from django.http import QueryDict

    form = CaseCreateSerializer(data=QueryDict("description=x&lng=115.69&lat=37.74"))
    assert form.is_valid(), form.errors
    assert form.validated_data["lng"] == 115.69
    bad = CaseCreateSerializer(data=["description"])
    assert not bad.is_valid() and "non_field_errors" in bad.errors


def test_a_serializer_with_its_own_validators_keeps_drf_s_path():
    class WithValidators(PlainInput, serializers.Serializer):
        name = serializers.CharField()

        class Meta:
            validators = [lambda attrs: None]

    assert WithValidators._plain_rules() is None
    assert WithValidators(data={"name": "x"}).is_valid()

    class FromModel(PlainInput, serializers.ModelSerializer):
        class Meta:
            model = Category
            fields = ["code", "name"]

    assert FromModel._plain_rules() is None


def test_a_validator_given_by_hand_leaves_that_field_to_drf():
    from django.core.validators import MaxLengthValidator, MinValueValidator

    from wenming.api.serializers import _plain

    assert _plain(serializers.CharField(validators=[MaxLengthValidator(3)])) is None
    assert _plain(serializers.CharField(max_length=5, validators=[MaxLengthValidator(3)])) is None
    assert _plain(serializers.FloatField(validators=[MinValueValidator(0)])) is None
    assert _plain(serializers.FloatField(min_value=0, max_value=1)).min_value == 0
    assert _plain(serializers.CharField(max_length=5)).max_length == 5


def test_a_partial_update_keeps_drf_s_path(grid):
    form = CaseCreateSerializer(data={"description": "x"}, partial=True)
    assert form.is_valid()
    assert form.validated_data == {"description": "x"}  # DRF leaves the defaults out of a partial update


def test_optional_fields_with_defaults_are_filled_and_others_left_out(grid):
    plain, drf = both({"description": "x"})
    assert plain == {"description": "x", "urgency": "normal", "address": "", "crs": "wgs84", "reporter_name": "",
                     "reporter_phone": "", "external_id": ""}
    same(plain, drf)
    assert "category" not in plain and "lng" not in plain and "site" not in plain


text = st.one_of(st.text(max_size=30), st.sampled_from(["", " ", "SJ0401", "SJ04", "13812345678", "0318-1234567",
                                                          "normal", "urgent", "wgs84", "bd09", "a\x00", "\ud800"]))
values = st.one_of(st.none(), st.booleans(), st.integers(-500, 500), st.floats(allow_nan=True), text,
                   st.lists(st.integers(), max_size=2))
keys = st.sampled_from(["description", "category", "urgency", "address", "lng", "lat", "crs", "reporter_name",
                        "reporter_phone", "external_id", "other"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(keys, values, max_size=8), base=st.booleans())
def test_generated_inputs_agree_with_drf(grid, data, base):
    payload = {**OK, **data} if base else data
    plain, drf = both(payload)
    same(plain, drf)


def test_drf_s_path_is_not_entered_for_a_plain_post(grid, monkeypatch):
    calls = []
    original = serializers.Serializer.run_validation

    def spy(self, data=empty):
        calls.append(data)
        return original(self, data)

    monkeypatch.setattr(serializers.Serializer, "run_validation", spy)
    form = CaseCreateSerializer(data=OK)
    assert form.is_valid() and calls == []
    assert form.validated_data["category"] == "SJ0401" and form.validated_data["lng"] == 115.69
    refused = CaseCreateSerializer(data={**OK, "lng": 200})
    assert not refused.is_valid() and len(calls) == 1
    assert "lng" in refused.errors
