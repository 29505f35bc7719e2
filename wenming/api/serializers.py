"""What the REST API reads and writes. Output never carries a reporter's contact or an actor's name."""

import copy

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from wenming.cases.models import Case, CaseEvent, Category
from wenming.cases.models.case import CaseState, Channel
from wenming.cases.models.category import TimeUnit, Urgency
from wenming.common.access import ADMIN, COMMAND, scope_for
from wenming.org.forms import CRS_CHOICES
from wenming.org.models import Site, Unit


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
        return case.tracking_code if roles & (COMMAND | {ADMIN}) else None


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
        from wenming.org.spatial import get_index

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

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "events"]
        read_only_fields = fields


def active_category(code: str):
    """The active category with this code, from the in-process routing cache (no query on the hot path)."""
    from wenming.cases.routing_cache import get_routing_config

    info = get_routing_config().categories_by_code.get(code)
    return info if info is not None and info.is_active else None


class CaseCreateSerializer(FlatFields, serializers.Serializer):
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
    version = serializers.IntegerField(min_value=0, required=False, allow_null=True, label=_("Version"),
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


class DecisionSerializer(ActionSerializer):
    approve = serializers.BooleanField(label=_("Approve"))


class ExtensionSerializer(ReasonSerializer):
    amount = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=0, label=_("Amount"))
    time_unit = serializers.ChoiceField(choices=TimeUnit.choices, label=_("Time unit"))


class PhotosSerializer(ActionSerializer):
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list, label=_("Photos"))


class SubmitSerializer(PhotosSerializer):
    note = serializers.CharField(max_length=1000, label=_("Note"))


class VerifySerializer(PhotosSerializer):
    passed = serializers.BooleanField(label=_("Passed"))


class MergeSerializer(ActionSerializer):
    into = serializers.IntegerField(min_value=1, label=_("Merge into case"))


class CaseFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=CaseState.choices, required=False)
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.all(), required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all(), required=False)
    reported_from = serializers.DateField(required=False)
    reported_to = serializers.DateField(required=False)
    q = serializers.CharField(max_length=100, required=False, allow_blank=True)


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
