"""REST v1 reads of the framework (mounted by ``wenming.api.urls``): editions, and criteria with their clauses and
who answers for them. The same access path as the pages: a unit lists only the criteria it leads or shares."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from wenming.common.access import restrict
from wenming.evaluation import selectors
from wenming.evaluation.models import (
    Clause,
    Criterion,
    CriterionKind,
    Edition,
    MaterialFile,
    MaterialRequirement,
    MaterialState,
    MaterialSubmission,
)


class EditionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Edition
        fields = ["code", "name", "year", "is_demo", "is_current", "note"]


class ClauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Clause
        fields = ["number", "text", "methods", "method_note", "points"]


class CriterionSerializer(serializers.ModelSerializer):
    edition = serializers.CharField(source="edition.code", read_only=True)
    domain = serializers.CharField(source="domain.code", read_only=True)
    indicator = serializers.CharField(source="indicator.code", default=None, allow_null=True, read_only=True)
    lead_unit = serializers.CharField(source="lead_unit.code", default=None, allow_null=True, read_only=True)
    responsible_units = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    task_force = serializers.CharField(source="task_force.code", default=None, allow_null=True, read_only=True)
    tasks = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    categories = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    site_types = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    clauses = ClauseSerializer(many=True, read_only=True)

    class Meta:
        model = Criterion
        fields = ["id", "edition", "kind", "code", "text", "points", "domain", "indicator", "clauses", "lead_unit",
                  "responsible_units", "leader_name", "leader_post", "task_force", "tasks", "categories", "site_types",
                  "radius_m", "version"]


class CriterionFilterSerializer(serializers.Serializer):
    edition = serializers.CharField(required=False, max_length=32,
                                    help_text="An edition's code; the current edition when left out.")
    kind = serializers.ChoiceField(choices=CriterionKind.choices, required=False)
    q = serializers.CharField(required=False, max_length=100, help_text="Part of the code or the text.")


class EditionViewSet(viewsets.ReadOnlyModelViewSet):
    """Editions of the evaluation framework (测评体系)."""

    serializer_class = EditionSerializer
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9._\-]+"
    queryset = Edition.objects.none()

    def get_queryset(self):
        return restrict(Edition.objects.all(), self.request.user).order_by("-year", "code")


class CriterionViewSet(viewsets.ReadOnlyModelViewSet):
    """Criteria in your scope (a unit: those it leads or shares), with their clauses and who answers for them."""

    serializer_class = CriterionSerializer
    queryset = Criterion.objects.none()

    def get_queryset(self):
        return (restrict(Criterion.objects.all(), self.request.user)
                .select_related("edition", "domain", "indicator", "lead_unit", "task_force")
                .prefetch_related(Prefetch("clauses", queryset=Clause.objects.order_by("number")),
                                  "responsible_units", "tasks", "categories", "site_types"))

    @extend_schema(parameters=[CriterionFilterSerializer])
    def list(self, request, *args, **kwargs):
        filters = CriterionFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        d = filters.validated_data
        if d.get("edition"):
            edition = restrict(Edition.objects.filter(code=d["edition"]), request.user).first()
            if edition is None:
                raise ValidationError({"edition": [_("no edition has the code %(code)s") % {"code": d["edition"]}]})
        else:
            edition = selectors.current_edition(request.user)
        rows = self.get_queryset().filter(edition=edition).order_by("kind", "sort", "code")
        if d.get("kind"):
            rows = rows.filter(kind=d["kind"])
        if d.get("q"):
            rows = rows.filter(Q(code__icontains=d["q"]) | Q(text__icontains=d["q"]))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# -- the online materials (网报材料) ---------------------------------------------------------------------------------

class MaterialFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaterialFile
        fields = ["id", "name", "format", "size", "sha256", "pages", "width", "height", "duplicates"]


# The materials' states as plain text in the schema: a second choice set for fields named "state" would make
# drf-spectacular invent enum names (a warning the deploy check fails on).
MATERIAL_STATES = "One of " + ", ".join(MaterialState.values) + "."


class MaterialSubmissionSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", read_only=True)
    state = serializers.CharField(read_only=True, help_text=MATERIAL_STATES)
    files = MaterialFileSerializer(many=True, read_only=True)

    class Meta:
        model = MaterialSubmission
        fields = ["revision", "state", "unit", "submitted_at", "grade", "review_note", "reviewed_at", "files"]


class MaterialRequirementSerializer(serializers.ModelSerializer):
    edition = serializers.CharField(source="edition.code", read_only=True)
    criterion = serializers.CharField(source="criterion.code", read_only=True)
    lead_unit = serializers.CharField(source="lead_unit.code", default=None, allow_null=True, read_only=True)
    responsible_units = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    state = serializers.CharField(read_only=True, help_text=MATERIAL_STATES)
    submissions = MaterialSubmissionSerializer(many=True, read_only=True)

    class Meta:
        model = MaterialRequirement
        fields = ["id", "edition", "criterion", "kind", "title", "description", "required_count", "formats",
                  "max_size_mb", "min_side_px", "lead_unit", "responsible_units", "due_on", "state", "version",
                  "submissions"]


class MaterialFilterSerializer(serializers.Serializer):
    edition = serializers.CharField(required=False, max_length=32,
                                    help_text="An edition's code; the current edition when left out.")
    state = serializers.CharField(required=False, max_length=16, help_text=MATERIAL_STATES)
    criterion = serializers.CharField(required=False, max_length=32, help_text="A criterion's code.")

    def validate_state(self, value: str) -> str:
        if value not in MaterialState.values:
            raise serializers.ValidationError(_("one of %(states)s") % {"states": ", ".join(MaterialState.values)})
        return value


class MaterialRequirementViewSet(viewsets.ReadOnlyModelViewSet):
    """Required materials in your scope (a unit: those it leads or shares), each with its submissions' states,
    versions and files. Who reviewed is the evaluation office's to see only."""

    serializer_class = MaterialRequirementSerializer
    queryset = MaterialRequirement.objects.none()

    def get_queryset(self):
        submissions = MaterialSubmission.objects.select_related("unit").prefetch_related(
            Prefetch("files", queryset=MaterialFile.objects.order_by("sort", "pk"))).order_by("-revision")
        return (restrict(MaterialRequirement.objects.all(), self.request.user)
                .select_related("edition", "criterion", "lead_unit")
                .prefetch_related("responsible_units", Prefetch("submissions", queryset=submissions)))

    @extend_schema(parameters=[MaterialFilterSerializer])
    def list(self, request, *args, **kwargs):
        filters = MaterialFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        d = filters.validated_data
        if d.get("edition"):
            edition = restrict(Edition.objects.filter(code=d["edition"]), request.user).first()
            if edition is None:
                raise ValidationError({"edition": [_("no edition has the code %(code)s") % {"code": d["edition"]}]})
        else:
            edition = selectors.current_edition(request.user)
        rows = self.get_queryset().filter(edition=edition).order_by("criterion__code", "sort", "pk")
        if d.get("state"):
            rows = rows.filter(state=d["state"])
        if d.get("criterion"):
            rows = rows.filter(criterion__code=d["criterion"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
