"""REST v1 of the selections (评选), read only: the calls a person sees (with quotas and status counts) and the
published results (winners, and titles withdrawn with their public note), which are public like the 晾晒 page.

Calls come through ``restrict`` (out of scope answers 404); results carry nothing of a nominator, a phone or an expert."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, Q
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from wenming.common.access import restrict
from wenming.selections.models import Call, CallStatus, Nomination, NominationStatus
from wenming.selections.selectors import PUBLIC_STATUSES

COUNT_PREFIX = "status_count_"


def _status_counts() -> dict:
    """The nominations of each call counted by status, as annotations (one grouped query for the whole page)."""
    return {f"{COUNT_PREFIX}{v}": Count("nominations", filter=Q(nominations__status=v))
            for v in NominationStatus.values}


class QuotaSerializer(serializers.Serializer):
    district = serializers.CharField(source="area.name")
    district_code = serializers.CharField(source="area.code")
    quota = serializers.IntegerField()


class CallSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="kind.code")
    kind_name = serializers.CharField(source="kind.name")
    organiser = serializers.CharField(source="organiser.name")
    quotas = QuotaSerializer(many=True)
    status_counts = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = ["id", "kind", "kind_name", "title", "criteria", "status", "organiser", "nominations_open",
                  "nominations_close", "vote_opens", "vote_closes", "notice_days", "notice_ends_on", "expert_weight",
                  "published_at", "quotas", "status_counts"]

    def get_status_counts(self, call) -> dict[str, int]:
        if hasattr(call, f"{COUNT_PREFIX}{NominationStatus.SUBMITTED}"):  # annotated by the view: no query per call
            return {v: n for v in NominationStatus.values if (n := getattr(call, f"{COUNT_PREFIX}{v}"))}
        return dict(Counter(call.nominations.values_list("status", flat=True)))


class ResultSerializer(serializers.ModelSerializer):
    call = serializers.IntegerField(source="call_id")
    call_title = serializers.CharField(source="call.title")
    kind = serializers.CharField(source="call.kind.code")
    district = serializers.CharField(source="district.name", default="")
    withdrawn = serializers.SerializerMethodField()

    class Meta:
        model = Nomination
        fields = ["id", "call", "call_title", "kind", "number", "name", "district", "statement", "final_score",
                  "published_at", "withdrawn", "public_note"]

    def get_withdrawn(self, n) -> bool:
        return n.status == NominationStatus.REVOKED


class CallViewSet(viewsets.ReadOnlyModelViewSet):
    """Selection calls (评选活动) with their quotas per district and nominations counted by status."""

    serializer_class = CallSerializer
    queryset = Call.objects.none()

    def get_queryset(self):
        qs = restrict(Call.objects.select_related("kind", "organiser").prefetch_related("quotas__area"),
                      self.request.user)
        status = self.request.query_params.get("status", "")
        if status in CallStatus.values:
            qs = qs.filter(status=status)
        return qs.annotate(**_status_counts()).order_by("-nominations_open", "pk")


class ResultViewSet(viewsets.ReadOnlyModelViewSet):
    """Published selection results: the titles held and those withdrawn (撤销) with their public note."""

    serializer_class = ResultSerializer
    permission_classes = [AllowAny]
    queryset = Nomination.objects.none()

    def get_queryset(self):
        qs = (Nomination.objects.filter(status__in=PUBLIC_STATUSES, call__status=CallStatus.PUBLISHED)
              .select_related("call", "call__kind", "district"))
        kind = self.request.query_params.get("kind", "")[:32]
        if kind:
            qs = qs.filter(call__kind__code=kind)
        return qs.order_by("-published_at", "pk")
