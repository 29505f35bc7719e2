"""REST v1 reads of the framework (mounted by ``wenming.api.urls``): editions, and criteria with their clauses and
who answers for them. The same access path as the pages: a unit lists only the criteria it leads or shares."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from wenming.common.access import restrict
from wenming.evaluation import selectors
from wenming.evaluation.models import (
    Clause,
    Criterion,
    CriterionKind,
    Edition,
    LedgerEntry,
    LedgerStatus,
    ReviewItem,
    ReviewRound,
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


# -- the ledger (台账) and the 回头看 rounds: read-only, the same scope as the pages --------------------------------

class LedgerEntrySerializer(serializers.ModelSerializer):
    criterion = serializers.CharField(source="criterion.code", read_only=True)
    criterion_id = serializers.IntegerField(read_only=True)
    domain = serializers.CharField(source="criterion.domain.code", read_only=True)
    edition = serializers.CharField(source="period.edition.code", read_only=True)
    period = serializers.CharField(source="period.name", read_only=True)
    period_id = serializers.IntegerField(read_only=True)
    evidence = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    assessed_by = serializers.SerializerMethodField()

    class Meta:
        model = LedgerEntry
        fields = ["id", "criterion_id", "criterion", "domain", "edition", "period_id", "period", "status", "note",
                  "case_numbers", "inspection_results", "evidence", "self_assessed", "assessed_by", "assessed_at",
                  "version"]

    def get_assessed_by(self, entry) -> str | None:
        return str(entry.assessed_by) if entry.assessed_by_id else None


class LedgerFilterSerializer(serializers.Serializer):
    period = serializers.IntegerField(required=False, min_value=1, max_value=2**62,
                                      help_text="An assessment period's id; every period when left out.")
    status = serializers.ChoiceField(choices=LedgerStatus.choices, required=False)
    domain = serializers.CharField(required=False, max_length=32, help_text="A domain's code.")


class LedgerEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Ledger (台账) entries in your scope (a unit: those of the criteria it leads or shares)."""

    serializer_class = LedgerEntrySerializer
    queryset = LedgerEntry.objects.none()

    def get_queryset(self):
        return (restrict(LedgerEntry.objects.all(), self.request.user)
                .select_related("criterion", "criterion__domain", "period", "period__edition", "assessed_by")
                .prefetch_related("evidence").order_by("period__starts_on", "criterion__sort", "criterion__code", "pk"))

    @extend_schema(parameters=[LedgerFilterSerializer])
    def list(self, request, *args, **kwargs):
        filters = LedgerFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        d = filters.validated_data
        rows = self.get_queryset()
        if d.get("period"):
            rows = rows.filter(period_id=d["period"])
        if d.get("status"):
            rows = rows.filter(status=d["status"])
        if d.get("domain"):
            rows = rows.filter(criterion__domain__code=d["domain"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ReviewItemSerializer(serializers.ModelSerializer):
    criterion = serializers.CharField(source="criterion.code", read_only=True)
    measure = serializers.CharField(source="task.code", default=None, allow_null=True, read_only=True)
    measure_due_on = serializers.DateField(source="task.due_on", default=None, allow_null=True, read_only=True)

    class Meta:
        model = ReviewItem
        fields = ["criterion", "status", "note", "due_on", "recorded_at", "measure", "measure_due_on"]


class ReviewRoundSerializer(serializers.ModelSerializer):
    edition = serializers.CharField(source="edition.code", read_only=True)
    period = serializers.CharField(source="period.name", read_only=True)
    domain = serializers.CharField(source="domain.code", default=None, allow_null=True, read_only=True)
    campaign = serializers.CharField(source="campaign.code", read_only=True)
    # Plain text in the schema: an enum named "state" would collide with the cases' states there.
    state = serializers.CharField(read_only=True, help_text="open or closed")
    items = serializers.SerializerMethodField()

    class Meta:
        model = ReviewRound
        fields = ["id", "name", "edition", "period", "domain", "campaign", "measure_due_on", "include_partly",
                  "state", "created_at", "closed_at", "items"]

    @extend_schema_field(ReviewItemSerializer(many=True))
    def get_items(self, review_round):
        # The round's items in the reader's scope only (a unit: its own criteria).
        items = (restrict(ReviewItem.objects.filter(review_round=review_round), self.context["request"].user)
                 .select_related("criterion", "task").order_by("criterion__sort", "criterion__code"))
        return ReviewItemSerializer(items, many=True).data


class ReviewRoundViewSet(viewsets.ReadOnlyModelViewSet):
    """回头看 rounds, each with the results and measures of the criteria in your scope."""

    serializer_class = ReviewRoundSerializer
    queryset = ReviewRound.objects.none()

    def get_queryset(self):
        return (restrict(ReviewRound.objects.all(), self.request.user)
                .select_related("edition", "period", "domain", "campaign").order_by("-created_at", "-id"))
