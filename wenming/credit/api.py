"""REST v1 of the credit network, mounted by ``wenming.api.urls``:

- ``GET /api/v1/credit/records/``: the records of the sources the caller's department keeps (``?source=``,
  ``?updated_since=``), newest change first, paginated.
- ``POST /api/v1/credit/records/``: a department's system pushes one record, idempotent by its record id: 201 the
  first time, 200 with the same record after (updated when the content changed). The source is the one the API key
  is bound to (``CreditSource.api_key``), else ``source`` (its code) for a person of the department.
- ``POST /api/v1/credit/records/{id}/repair/``: credit repair (信用修复) with date, reason and the version read.

Anyone who keeps no source gets 404 on the list, as for a missing page; a record of another department is 404.
"""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from wenming.common.input import DATE_MAX, DATE_MIN, date_param
from wenming.common.pagination import PAGE_SIZE
from wenming.credit.models import CreditRecord, CreditSource
from wenming.credit.selectors import nonpublic_seen, sources_kept
from wenming.credit.services.records import credit_record_push, credit_record_repair
from wenming.credit.services.rows import record_read

FIELDS = ("record_id", "kind", "credit_code", "name", "subject_kind", "id_number", "decided_by", "decided_on",
          "reason", "effective_from", "effective_until", "public", "repaired_on", "repair_reason")


class RecordInSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=32, required=False, allow_blank=True,
                                   help_text="The source's code; left out when the API key is bound to a source.")
    record_id = serializers.CharField(max_length=64, help_text="The record's id in the sending system.")
    kind = serializers.CharField(max_length=20, help_text="honour / dishonest / penalty (or 红名单 / 失信 / 行政处罚).")
    credit_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=200)
    subject_kind = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                      help_text="A natural person's identity number: kept only as a keyed hash.")
    decided_by = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    decided_on = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    effective_from = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    effective_until = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    public = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    repaired_on = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    repair_reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class RepairInSerializer(serializers.Serializer):
    repaired_on = serializers.DateField()
    reason = serializers.CharField(max_length=2000)
    version = serializers.IntegerField(min_value=0, max_value=2**31, required=False)

    def validate_repaired_on(self, value):
        if not DATE_MIN <= value <= DATE_MAX:
            raise ValidationError(_("Enter a date between %(min)s and %(max)s.") % {
                "min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()})
        return value


def record_data(record: CreditRecord) -> dict:
    subject = record.subject
    return {
        "id": record.pk, "source": record.source.code, "record_id": record.source_record_id, "kind": record.kind,
        "subject": {"name": subject.name, "kind": subject.kind, "credit_code": subject.credit_code},
        "decided_by": record.decided_by, "decided_on": record.decided_on, "reason": record.reason,
        "effective_from": record.effective_from, "effective_until": record.effective_until, "public": record.public,
        "status": record.status, "repaired_on": record.repaired_on, "repair_reason": record.repair_reason,
        "version": record.version, "updated_at": record.updated_at,
    }


def _source(request, code: str) -> CreditSource:
    bound = getattr(request.auth, "credit_source", None) if request.auth is not None else None
    try:
        if bound is not None:
            if code and code != bound.code:
                raise ValidationError({"source": [_("This API key sends to the source %(code)s only.") % {
                    "code": bound.code}]})
            return sources_kept(request.user).get(pk=bound.pk)
        if not code:
            raise ValidationError({"source": [_("Give the source's code.")]})
        return sources_kept(request.user).get(code=code)
    except CreditSource.DoesNotExist:
        raise Http404 from None


class RecordsView(APIView):
    @extend_schema(parameters=[OpenApiParameter("source", str), OpenApiParameter("updated_since", str),
                               OpenApiParameter("page", int)], responses={200: dict})
    def get(self, request):
        sources = sources_kept(request.user)
        if not sources.exists():
            raise Http404
        records = CreditRecord.objects.filter(source__in=sources).select_related("source", "subject")
        code = request.query_params.get("source", "").strip()[:32]
        if code:
            records = records.filter(source__code=code)
        since = request.query_params.get("updated_since")
        if since:
            try:
                records = records.filter(updated_at__date__gte=date_param(since, label="updated_since"))
            except forms.ValidationError as exc:
                raise ValidationError({"updated_since": exc.messages}) from None
        page = request.query_params.get("page", "1")
        number = int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 7 else 1
        total = records.count()
        start = (max(number, 1) - 1) * PAGE_SIZE
        rows = list(records.order_by("-updated_at", "-pk")[start:start + PAGE_SIZE])
        nonpublic_seen(request.user, rows, purpose="api")
        return Response({"count": total, "page": number, "results": [record_data(r) for r in rows]})

    @extend_schema(request=RecordInSerializer, responses={200: dict, 201: dict})
    def post(self, request):
        if not sources_kept(request.user).exists():
            raise Http404
        serializer = RecordInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        source = _source(request, data.pop("source", "").strip())
        item, problems = record_read(data, kinds=list(source.kinds))
        if item is None:
            fields: dict[str, list[str]] = {}
            for field, message in problems:
                fields.setdefault(field, []).append(message)
            raise ValidationError(fields)
        record, created = credit_record_push(source=source, data=data, actor=request.user)
        record = CreditRecord.objects.select_related("source", "subject").get(pk=record.pk)
        return Response(record_data(record), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RepairView(APIView):
    @extend_schema(request=RepairInSerializer, responses={200: dict})
    def post(self, request, pk: int):
        record = (CreditRecord.objects.filter(source__in=sources_kept(request.user)).select_related("source", "subject")
                  .filter(pk=pk).first())
        if record is None:
            raise Http404
        serializer = RepairInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        credit_record_repair(record=record, by=request.user, repaired_on=d["repaired_on"], reason=d["reason"],
                             version=d.get("version"))
        record.refresh_from_db()
        return Response(record_data(record))
