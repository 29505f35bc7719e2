"""What the REST API reads and writes. Output never carries a reporter's contact or an actor's name."""

import copy
import math
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
    RegexValidator,
)
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from wenming.cases.forms import photos_check
from wenming.cases.models import Case, CaseEvent, Category, FollowUpRating
from wenming.cases.models.case import CaseState, Channel
from wenming.cases.models.category import TimeUnit, Urgency
from wenming.cases.routing_cache import get_routing_config
from wenming.common.access import scope_for
from wenming.common.input import ID_MAX, date_in_bounds, db_id
from wenming.common.roles import COMMAND_OR_ADMIN
from wenming.org.forms import CRS_CHOICES
from wenming.org.models import Site, Unit
from wenming.org.spatial import get_index


class FlatFields:
    """For serializers whose fields are all plain (no nested serializers) on the hot path: the declared fields are
    built once per class and each instance gets shallow copies, where DRF would deep-copy every field on every
    instantiation (a fifth of an API post's time)."""

    def get_fields(self):
        cls = type(self)
        templates = cls.__dict__.get("_field_templates")
        if templates is None:
            templates = super().get_fields()
            cls._field_templates = templates
        # Binding sets the name and parent on each copy; the templates themselves are never bound.
        return {name: copy.copy(field) for name, field in templates.items()}


@dataclass(frozen=True)
class _Plain:
    """What the plain-input path needs of one declared field, read off the field itself."""

    kind: str  # "char", "choice" or "float"
    default: object
    allow_null: bool
    allow_blank: bool = False
    max_length: int | None = None
    regex: object = None
    choices: dict | None = None
    min_value: float | None = None
    max_value: float | None = None


_CHAR_VALIDATORS = (MaxLengthValidator, ProhibitNullCharactersValidator, ProhibitSurrogateCharactersValidator)


def _plain(field) -> _Plain | None:
    """The field's rules when they are all ones the plain path checks itself, else None (that field, when given,
    sends the input the declared fields' way)."""
    if field.read_only or field.source != field.field_name or (field.default is not empty and callable(field.default)):
        return None
    common = {"default": field.default, "allow_null": field.allow_null}
    if type(field) is serializers.ChoiceField and not field.allow_blank and not field.validators:
        return _Plain("choice", choices=dict(field.choice_strings_to_values), **common)
    # Only the validators a field adds for its own arguments; one given by hand is left to DRF.
    if type(field) is serializers.FloatField:
        own = {MinValueValidator: field.min_value, MaxValueValidator: field.max_value}
        if len(field.validators) == sum(limit is not None for limit in own.values()) and all(
                own.get(type(v)) is not None and v.limit_value == own[type(v)] for v in field.validators):
            return _Plain("float", min_value=field.min_value, max_value=field.max_value, **common)
    if type(field) in (serializers.CharField, serializers.RegexField) and field.trim_whitespace \
            and field.min_length is None:
        regexes = [v for v in field.validators if type(v) is RegexValidator and not v.inverse_match and not v.flags]
        rest = [v for v in field.validators if v not in regexes]
        if len(rest) == 2 + (field.max_length is not None) and len(regexes) <= 1 and all(
                type(v) in _CHAR_VALIDATORS and (type(v) is not MaxLengthValidator or v.limit_value == field.max_length)
                for v in rest):
            return _Plain("char", allow_blank=field.allow_blank, max_length=field.max_length,
                          regex=re.compile(regexes[0].regex.pattern, regexes[0].regex.flags) if regexes else None,
                          **common)
    return None


_REFUSE = object()


def _plain_value(rule: _Plain, raw):
    """The value the declared field would give for ``raw``, or _REFUSE when it would refuse it or the case is
    one this path leaves to the field (other types, strings for numbers, and the like)."""
    if raw is None:
        return None if rule.allow_null else _REFUSE
    if rule.kind == "char":
        if type(raw) is not str:
            return _REFUSE
        value = raw.strip()
        if not value:
            return "" if rule.allow_blank else _REFUSE
        if rule.max_length is not None and len(value) > rule.max_length or "\x00" in value:
            return _REFUSE
        if not value.isascii():
            try:
                value.encode()  # a lone surrogate cannot be encoded
            except UnicodeEncodeError:
                return _REFUSE
        if rule.regex is not None and not rule.regex.search(value):
            return _REFUSE
        return value
    if rule.kind == "choice":
        return rule.choices.get(raw, _REFUSE) if type(raw) is str else _REFUSE
    if type(raw) not in (int, float):  # bool, strings and the rest: the field's own way
        return _REFUSE
    try:
        value = float(raw)
    except OverflowError:
        return _REFUSE
    if not math.isfinite(value):
        return _REFUSE
    if not (rule.min_value is None or value >= rule.min_value) or not (rule.max_value is None or value <= rule.max_value):
        return _REFUSE
    return value


class PlainInput:
    """For input serializers on the hot path whose fields are plain text, choices and numbers: a JSON object whose
    values the fields would take as they are is validated here in one pass, with the same result as the declared
    fields (their rules are read off them; ``validate_<field>`` and ``validate`` still run). Anything else, and
    anything a field would refuse, goes through DRF's validation as declared, which also writes the errors.
    Validating field by field cost an API post more than routing it did."""

    def run_validation(self, data=empty):
        if type(data) is dict and not self.partial:  # a partial update skips defaults: DRF's way
            attrs = self._plain_attrs(data)
            if attrs is not None:
                return attrs
        return super().run_validation(data)

    @classmethod
    def _plain_rules(cls) -> tuple | None:
        """(name, rule, whether leaving it out needs the field) per declared field, once per class; None when the
        serializer has validators of its own (they would run after the fields) or is a model serializer."""
        if "_plain_rule_list" not in cls.__dict__:
            # A model serializer's fields are mostly made from the model, not declared: not for this path.
            own = getattr(getattr(cls, "Meta", None), "validators", None) or issubclass(cls, serializers.ModelSerializer)
            cls._plain_rule_list = None if own else tuple(
                (name, rule, field.required or (rule is None and field.default is not empty))
                for name, field in cls._declared_fields.items() for rule in [_plain(field)])
        return cls._plain_rule_list

    def _plain_attrs(self, data: dict) -> dict | None:
        rules = self._plain_rules()
        if rules is None:
            return None
        attrs = {}
        for name, rule, needed in rules:
            raw = data.get(name, empty)
            if raw is empty:
                if needed:
                    return None
                if rule is None or rule.default is empty:
                    continue  # left out, as DRF leaves out an optional field given no value
                value = rule.default
            elif rule is None:
                return None
            else:
                value = _plain_value(rule, raw)
                if value is _REFUSE:
                    return None
            check = getattr(self, f"validate_{name}", None)
            if check is not None:  # DRF runs it on defaults too
                try:
                    value = check(value)
                except serializers.ValidationError:
                    return None
            attrs[name] = value
        try:
            return self.validate(attrs)
        except serializers.ValidationError:
            return None


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", default=None, allow_null=True, read_only=True)

    class Meta:
        model = Category
        fields = ["code", "name", "kind", "parent", "is_active"]


class UnitSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code", default=None, allow_null=True, read_only=True)

    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "area", "is_active"]


class SiteSerializer(serializers.ModelSerializer):
    site_type = serializers.CharField(source="site_type.code", read_only=True)
    area = serializers.CharField(source="area.code", default=None, allow_null=True, read_only=True)
    guarantor_unit = serializers.CharField(source="guarantor_unit.code", default=None, allow_null=True, read_only=True)

    class Meta:
        model = Site
        fields = ["code", "name", "site_type", "area", "guarantor_unit", "address", "lng", "lat", "is_active"]


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseEvent
        fields = ["seq", "action", "from_state", "to_state", "note", "created_at"]


class CaseSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    category = serializers.CharField(source="category.code", default=None, allow_null=True, read_only=True)
    unit = serializers.CharField(source="unit.code", default=None, allow_null=True, read_only=True)
    unit_name = serializers.CharField(source="unit.name", default=None, allow_null=True, read_only=True)
    grid = serializers.CharField(source="grid.code", default=None, allow_null=True, read_only=True)
    site = serializers.CharField(source="site.code", default=None, allow_null=True, read_only=True)
    tracking_code = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id", "number", "tracking_code", "state", "version", "channel", "external_id", "category", "urgency",
            "description", "address", "lng", "lat", "grid", "site", "unit", "unit_name", "pending_request",
            "reported_at", "registered_at", "dispatched_at", "signed_at", "submitted_at", "verified_at", "closed_at",
            "stage_due",
        ]
        read_only_fields = fields

    def get_tracking_code(self, case) -> str | None:
        """The reporter's key to the public status page and the rating: the command centre's only (as on
        the case page), so a unit cannot rate its own work as the citizen."""
        request = self.context.get("request")
        roles = scope_for(request.user).roles if request is not None else frozenset()
        return case.tracking_code if roles & COMMAND_OR_ADMIN else None


class CaseCreatedSerializer(serializers.Serializer):
    """The answer to a new report, from the row just written (the grid code from the spatial index).

    A plain serializer, not a model one: intake is the hot path, and this one has no fields to introspect.
    """

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    tracking_code = serializers.CharField(read_only=True)
    state = serializers.ChoiceField(choices=CaseState.choices, read_only=True)
    version = serializers.IntegerField(read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    external_id = serializers.CharField(read_only=True)
    category = serializers.CharField(source="category.code", default=None, allow_null=True, read_only=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, read_only=True)
    description = serializers.CharField(read_only=True)
    address = serializers.CharField(read_only=True)
    lng = serializers.FloatField(read_only=True, allow_null=True)
    lat = serializers.FloatField(read_only=True, allow_null=True)
    grid = serializers.SerializerMethodField()
    reported_at = serializers.DateTimeField(read_only=True)
    register_due = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_grid(self, case) -> str | None:
        info = get_index().areas.get(case.grid_id) if case.grid_id else None
        return info.code if info else None

    def to_representation(self, case):
        """The fields above, written out: binding and walking sixteen fields cost more than the rest of the answer
        (the declared fields still make the schema; a test holds the two to the same output)."""
        return {
            "id": case.pk, "number": case.number, "tracking_code": case.tracking_code, "state": case.state,
            "version": case.version, "channel": case.channel, "external_id": case.external_id,
            "category": case.category.code if case.category_id else None, "urgency": case.urgency,
            "description": case.description, "address": case.address, "lng": case.lng, "lat": case.lat,
            "grid": self.get_grid(case), "reported_at": _DATETIME.to_representation(case.reported_at),
            "register_due": _DATETIME.to_representation(case.register_due) if case.register_due else None,
        }


_DATETIME = serializers.DateTimeField()


class CaseDetailSerializer(CaseSerializer):
    events = EventSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField(
        help_text=_("The workflow actions you may take on the case now (their endpoints' names), from the action table."))

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "events", "actions"]
        read_only_fields = fields

    def get_actions(self, case) -> list[str]:
        return list(self.context.get("actions", ()))


def active_category(code: str):
    """The active category with this code, from the in-process routing cache (no query on the hot path)."""
    info = get_routing_config().categories_by_code.get(code)
    return info if info is not None and info.is_active else None


class CaseCreateSerializer(PlainInput, FlatFields, serializers.Serializer):
    description = serializers.CharField(max_length=2000, label=_("Description"))
    category = serializers.CharField(max_length=16, required=False, allow_null=True, allow_blank=True,
                                     label=_("Category"), help_text=_("The code of an active category."))
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL, label=_("Urgency"))
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", label=_("Address"))
    lng = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True, label=_("Longitude"))
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True, label=_("Latitude"))
    crs = serializers.ChoiceField(choices=CRS_CHOICES, default="wgs84", label=_("Coordinate system"))
    site = serializers.SlugRelatedField(slug_field="code", queryset=Site.objects.all(), required=False, allow_null=True,
                                        label=_("Site"))
    reporter_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="",
                                          label=_("Reporter name"))
    reporter_phone = serializers.RegexField(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$", required=False, allow_blank=True,
                                            default="", label=_("Reporter phone"))
    external_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="",
                                        label=_("External id"))

    def validate_category(self, value):
        if value and active_category(value) is None:
            raise serializers.ValidationError(_("Unknown category code %(code)s.") % {"code": value})
        return value or None

    def validate(self, attrs):
        if (attrs.get("lng") is None) != (attrs.get("lat") is None):
            raise serializers.ValidationError({"lat": [_("Give both longitude and latitude, or neither.")]})
        return attrs


# -- workflow actions: one input serializer each -----------------------------------------------------------

class ActionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=0, max_value=ID_MAX, required=False, allow_null=True, label=_("Version"),
                                       help_text=_("The version you saw; a changed case is refused as stale."))
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="", label=_("Note"))


class ReasonSerializer(ActionSerializer):
    note = serializers.CharField(max_length=1000, label=_("Reason"))


class RegisterSerializer(ActionSerializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.filter(is_active=True),
                                            required=False, allow_null=True, label=_("Category"))
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, allow_null=True, label=_("Urgency"))


class DispatchSerializer(ActionSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all(), required=False,
                                        allow_null=True, label=_("Unit"))


class RedispatchSerializer(ReasonSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all(), label=_("New unit"))


class DecisionSerializer(ActionSerializer):
    approve = serializers.BooleanField(label=_("Approve"))


class ExtensionSerializer(ReasonSerializer):
    amount = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=0, label=_("Amount"))
    time_unit = serializers.ChoiceField(choices=TimeUnit.choices, label=_("Time unit"))


class PhotosField(serializers.ListField):
    """Photos on a workflow action, under the web forms' rule and messages (``photos_check``): count, size of
    each and of all, pixels declared in each header; checked before the view reads any file."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.FileField())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        files = super().to_internal_value(data)
        try:
            photos_check(files, field=self.label)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return files


class PhotosSerializer(ActionSerializer):
    photos = PhotosField(required=False, default=list, label=_("Photos"))


class SubmitSerializer(PhotosSerializer):
    note = serializers.CharField(max_length=1000, label=_("Note"))


class VerifySerializer(PhotosSerializer):
    passed = serializers.BooleanField(label=_("Passed"))


class CallbackSerializer(ActionSerializer):
    """电话回访: whether the citizen was reached; if so, their rating and whether the problem is fixed (a "not
    fixed" needs the note: what is still wrong). Not reached: the attempt is logged, the note says why."""

    reached = serializers.BooleanField(label=_("Reached"))
    rating = serializers.ChoiceField(choices=FollowUpRating.choices, required=False, allow_blank=True, default="",
                                     label=_("Rating"))
    fixed = serializers.BooleanField(required=False, allow_null=True, default=None, label=_("Fixed"))

    def validate(self, data):
        if data["reached"]:
            errors = {}
            if not data.get("rating"):
                errors["rating"] = [_("Rating: choose what the citizen said.")]
            if data.get("fixed") is None:
                errors["fixed"] = [_("Fixed: choose what the citizen said.")]
            if errors:
                raise serializers.ValidationError(errors)
        return data


class AsciiIdField(serializers.IntegerField):
    """A row id in ASCII digits: "２０２６…" is no id a client wrote (int() would take it), so it is refused by name."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # The one rule for an id (wenming.common.input.db_id); the bounds above are kept for the schema.
        value = None if isinstance(data, bool | float) else db_id(data)
        if value is None:
            self.fail("invalid")
        return value


class MergeSerializer(ActionSerializer):
    into = AsciiIdField(label=_("Merge into case"))


class BoundedDateField(serializers.DateField):
    """A date written YYYY-MM-DD in ASCII digits, between the platform's first and last day (common.input):
    outside them the day bounds overflow (9999-12-31 has no next day, 0001-01-01 no UTC shift)."""

    def to_internal_value(self, value):
        if isinstance(value, str) and not value.isascii():
            self.fail("invalid", format="YYYY-MM-DD")
        day = super().to_internal_value(value)
        try:
            return date_in_bounds(day, label=str(self.label or self.field_name))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class CaseFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=CaseState.choices, required=False)
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.all(), required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all(), required=False)
    reported_from = BoundedDateField(required=False)
    reported_to = BoundedDateField(required=False)
    q = serializers.CharField(max_length=100, required=False, allow_blank=True)
    mine = serializers.BooleanField(required=False, default=False, help_text=(
        "Only the cases you reported (我的上报), newest first; those outside your scope are yours to see too."))


class LocateSerializer(serializers.Serializer):
    lng = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    crs = serializers.ChoiceField(choices=CRS_CHOICES, default="wgs84")


class AreaRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()


class LocationSerializer(serializers.Serializer):
    lng = serializers.FloatField()
    lat = serializers.FloatField()
    grid = AreaRefSerializer(allow_null=True)
    areas = AreaRefSerializer(many=True)
