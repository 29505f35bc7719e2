"""REST v1 of the framework (mounted by ``wenming.api.urls``): editions, criteria with their clauses and who answers
for them, and the risk records with their actions. The same access path as the pages: a unit lists only the
criteria it leads or shares, and their risk records."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from wenming.common.access import can, get_or_404, restrict
from wenming.common.files import display_name, upload_read
from wenming.common.input import CleanFormParser, CleanJSONParser, CleanMultiPartParser, db_id
from wenming.common.uploads import photos_check
from wenming.evaluation import risk_selectors, selectors
from wenming.evaluation.models import (
    LEVEL_KEYS,
    Clause,
    Criterion,
    CriterionKind,
    Domain,
    Edition,
    LedgerEntry,
    LedgerStatus,
    MaterialFile,
    MaterialRequirement,
    MaterialState,
    MaterialSubmission,
    ReviewItem,
    ReviewRound,
    RiskEvent,
    RiskLevel,
    RiskRecord,
    RiskSignal,
)
from wenming.evaluation.readiness_selectors import MATERIAL_KEYS, RISK_KEYS, readiness
from wenming.evaluation.services import risk
from wenming.evaluation.services.risk_actions import RISK_ACTIONS, SYSTEM, risk_actions_for

LEVEL_CODES = {key: int(level) for level, key in LEVEL_KEYS.items()}


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


# -- the risk watch (负面清单 风险管控) ----------------------------------------------------------------------------

class RiskFilesField(serializers.ListField):
    """Evidence files (photos or PDFs) under the web forms' rule (``photos_check``), checked before they are read."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.FileField())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        files = super().to_internal_value(data)
        try:
            photos_check(files, field=self.label, allow_pdf=True)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return files


class RiskActionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=0, required=False, allow_null=True,
                                       help_text="The version you saw; a changed record is refused as stale.")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    files = RiskFilesField(required=False, default=list, label=_("Evidence"))


class RiskSignalSerializer(serializers.ModelSerializer):
    level = serializers.SerializerMethodField()
    site = serializers.CharField(source="site.name", default=None, allow_null=True, read_only=True)
    case = serializers.IntegerField(source="case_id", allow_null=True, read_only=True)

    class Meta:
        model = RiskSignal
        fields = ["kind", "level", "case", "site", "distance_m", "lng", "lat", "note", "at"]

    def get_level(self, obj) -> str:
        return LEVEL_KEYS[RiskLevel(obj.level)]


class RiskEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskEvent
        fields = ["seq", "action", "from_state", "to_state", "from_level", "to_level", "note", "at"]


class RiskRecordSerializer(serializers.ModelSerializer):
    # Plain strings in the schema (open, responding, closed): the cases' "state" enum has the name already.
    state = serializers.CharField(read_only=True, help_text="open, responding or closed")
    criterion = serializers.CharField(source="criterion.code", read_only=True)
    criterion_id = serializers.IntegerField(read_only=True)
    level = serializers.CharField(source="level_key", read_only=True)
    owner_unit = serializers.CharField(source="owner_unit.code", default=None, allow_null=True, read_only=True)

    class Meta:
        model = RiskRecord
        fields = ["id", "criterion", "criterion_id", "level", "state", "owner_unit", "opened_at", "response_due",
                  "responded_at", "closed_at", "triggered_at", "supervised_count", "supervised_at", "version"]


class RiskRecordDetailSerializer(RiskRecordSerializer):
    signals = serializers.SerializerMethodField()
    events = RiskEventSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta(RiskRecordSerializer.Meta):
        fields = [*RiskRecordSerializer.Meta.fields, "signals", "events", "actions"]

    def get_signals(self, obj) -> list[dict]:
        user = self.context["request"].user
        rows = list(restrict(obj.signals.select_related("site"), user).order_by("-at"))
        visible = risk_selectors.visible_case_ids(user, rows)
        data = RiskSignalSerializer(rows, many=True).data
        for row, signal in zip(data, rows, strict=True):
            if signal.case_id and signal.case_id not in visible:
                row["note"] = ""  # a case's words (which may name its reporter) only for those who may open it
        return data

    def get_actions(self, obj) -> list[str]:
        return [a.key for a in risk_actions_for(obj, self.context["request"].user)]


class RiskFilterSerializer(serializers.Serializer):
    state = serializers.CharField(required=False, default="open", max_length=8, help_text="open (default), closed or all")
    level = serializers.ChoiceField(choices=[(v, k) for k, v in LEVEL_CODES.items()], required=False)
    criterion = serializers.CharField(required=False, max_length=32, help_text="A criterion's code.")
    overdue = serializers.BooleanField(required=False, default=False)

    def validate_state(self, value: str) -> str:
        if value not in ("open", "closed", "all"):
            raise serializers.ValidationError(_("Choose open, closed or all."))
        return value


class RiskRecordViewSet(viewsets.GenericViewSet):
    """Risk records in your scope (a unit: those of the criteria it leads or shares): list, detail, and the
    actions of the table (``actions`` lists those you may take now; the service checks again)."""

    serializer_class = RiskRecordSerializer
    parser_classes = [CleanJSONParser, CleanFormParser, CleanMultiPartParser]
    queryset = RiskRecord.objects.none()

    def get_queryset(self):
        return restrict(RiskRecord.objects.select_related("criterion", "owner_unit"), self.request.user)

    @extend_schema(parameters=[RiskFilterSerializer])
    def list(self, request):
        filters = RiskFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        d = filters.validated_data
        rows = risk_selectors.records(request.user, risk_selectors.BoardFilters(
            state=d["state"], level=LEVEL_CODES.get(d.get("level")), overdue=d["overdue"]))
        if d.get("criterion"):
            rows = rows.filter(criterion__code=d["criterion"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RiskRecordSerializer(page, many=True).data)

    @extend_schema(responses={200: RiskRecordDetailSerializer})
    def retrieve(self, request, pk=None):
        return self._detail(request, self._get(pk))

    def _get(self, pk) -> RiskRecord:
        pk = db_id(pk)
        if pk is None:
            raise Http404
        events = Prefetch("events", queryset=RiskEvent.objects.order_by("seq"))
        return get_or_404(RiskRecord.objects.select_related("criterion", "owner_unit").prefetch_related(events),
                          self.request.user, pk=pk)

    def _detail(self, request, record: RiskRecord) -> Response:
        return Response(RiskRecordDetailSerializer(record, context={"request": request}).data)

    def _act(self, request, pk, key):
        record = self._get(pk)
        form = RiskActionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        files = []
        for f in d["files"]:
            content = upload_read(f, limit=settings.WENMING_MAX_UPLOAD_BYTES)
            if content is None:
                raise ValidationError({"files": [_("%(name)s is larger than the upload limit.")
                                                 % {"name": display_name(f.name)}]})
            files.append(risk.Upload(f.name, content))
        try:
            risk.risk_step(record_id=record.pk, actor=request.user, action_key=key,
                           expected_version=d.get("version"), note=d["note"], files=files)
        except risk.RiskNotFound:
            raise Http404 from None
        return self._detail(request, self._get(record.pk))


def _risk_action(key: str):
    def handler(self, request, pk=None):
        return self._act(request, pk, key)

    handler.__name__ = f"do_{key}"
    handler.__doc__ = f"Risk action {key} (the service checks the person's right and the record's state)."
    handler = extend_schema(request=RiskActionSerializer, responses={200: RiskRecordDetailSerializer})(handler)
    return action(detail=True, methods=["post"], url_path=key.replace("_", "-"), url_name=key)(handler)


# The actions a person takes (the system's are never posted).
RISK_API_ACTIONS = [key for key, a in RISK_ACTIONS.items() if a.who != SYSTEM]
for _key in RISK_API_ACTIONS:
    setattr(RiskRecordViewSet, f"do_{_key}", _risk_action(_key))
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
class ReadinessFilterSerializer(serializers.Serializer):
    edition = serializers.CharField(required=False, max_length=32,
                                    help_text="An edition's code; the current edition when left out.")
    domain = serializers.CharField(required=False, max_length=32,
                                   help_text="A domain's code: its criteria one by one.")
    kind = serializers.ChoiceField(choices=CriterionKind.choices, required=False)


def _figures(f) -> dict:
    return {"criteria": f.criteria, "ledger": dict(f.ledger), "met_rate": f.met_rate,
            "risks": {k: f.risks[k] for k in RISK_KEYS},
            "materials": {k: f.materials[k] for k in MATERIAL_KEYS}, "materials_rate": f.materials_rate,
            "tasks": dict(f.tasks), "cases": {"open": f.cases["open"], "late": f.cases["late"]}}


class ReadinessView(APIView):
    """Readiness for the evaluation in your scope: per domain (and, with ``domain``, per criterion) the ledger
    status counts, open risks by level, online materials by state, linked tasks by status and cases."""

    @extend_schema(parameters=[ReadinessFilterSerializer], responses={200: dict})
    def get(self, request):
        if not can(request.user, Criterion):
            raise NotFound
        filters = ReadinessFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        d = filters.validated_data
        editions = restrict(Edition.objects.all(), request.user)
        edition = (editions.filter(code=d["edition"]).first() if d.get("edition")
                   else selectors.current_edition(request.user))
        if edition is None:
            raise ValidationError({"edition": [_("no edition has the code %(code)s") % {"code": d.get("edition", "")}]})
        domain = None
        if d.get("domain"):
            domain = restrict(Domain.objects.filter(edition=edition, code=d["domain"]), request.user).first()
            if domain is None:
                raise ValidationError({"domain": [_("no domain has the code %(code)s") % {"code": d["domain"]}]})
        result = readiness(request.user, edition, now=timezone.now(), domain=domain, kind=d.get("kind", ""))
        return Response({
            "edition": edition.code, "period": result.period.name if result.period else None,
            "total": _figures(result.total),
            "domains": [{"code": row.domain.code, "name": row.domain.name, "kind": row.domain.kind,
                         **_figures(row.figures),
                         "criteria_rows": [{"code": r.criterion.code, "id": r.criterion.pk,
                                            "ledger": r.ledger["status"] if r.ledger else None,
                                            **_figures(r.figures)} for r in row.rows]}
                        for row in result.domains],
        })
