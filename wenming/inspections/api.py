"""The sync API of the inspector's (offline) app, mounted by ``wenming.api.urls``:

- ``GET /api/v1/inspections/assignments/?date=YYYY-MM-DD``: the inspector's own day: the sites, each with its
  checklist (the scheme version the round was planned with) and what is recorded already.
- ``POST /api/v1/inspections/results/``: a batch of results, each with a client-made UUID, stored exactly once
  (``services.results``); the answer lists each one's fate in order: created, duplicate, conflict (with the
  server's version) or error (with the reason). JSON with photos as base64, or multipart with a ``results`` field
  holding the JSON and each photo as a file part named by the result's ``photo_part``.

Anyone but an inspector gets 404, as for a missing page; nobody reads another inspector's day.
"""

from __future__ import annotations

import json

from django import forms
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from wenming.cases.services import workflow as wf
from wenming.common.errors import WorkflowError
from wenming.common.roles import Role
from wenming.common.uploads import photos_check
from wenming.inspections import selectors
from wenming.inspections.models import Outcome
from wenming.inspections.services import results as res


class DaySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="The day (YYYY-MM-DD); today when left out.")


class ResultInSerializer(serializers.Serializer):
    client_id = serializers.CharField(max_length=40)
    assignment = serializers.IntegerField(min_value=1, max_value=2**62)
    item = serializers.CharField(max_length=40)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    observed_at = serializers.DateTimeField()
    note = serializers.CharField(max_length=res.MAX_NOTE, required=False, allow_blank=True, default="")
    lng = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180, default=None)
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90, default=None)
    photo = serializers.CharField(required=False, allow_blank=True, default="",
                                  help_text="A JPEG/PNG/WebP/HEIC photo as base64 (or a data: URL).")
    photo_part = serializers.CharField(required=False, allow_blank=True, default="", max_length=100,
                                       help_text="In a multipart post: the name of the file part holding the photo.")


class BatchSerializer(serializers.Serializer):
    results = ResultInSerializer(many=True, max_length=res.MAX_BATCH, allow_empty=False)


def _inspector(request) -> None:
    if not request.user.roles.filter(role=Role.INSPECTOR).exists():
        raise Http404


def _assignment_data(a) -> dict:
    items = list(a.scheme.items.all())
    if a.finding_id:
        items = [i for i in items if i.pk == a.finding.item_id]
    return {
        "id": a.pk, "round": a.round.code, "kind": a.kind, "day": a.day.isoformat(),
        "site": {"code": a.site.code, "name": a.site.name, "address": a.site.address, "type": a.site.site_type.code,
                 "type_name": a.site.site_type.name, "lng": a.site.lng, "lat": a.site.lat},
        "scheme": {"id": a.scheme.pk, "name": a.scheme.name, "version": a.scheme.version},
        "items": [{"code": i.code, "text": i.text, "weight": str(i.weight), "category": i.category.code,
                   "sampling_rule": i.sampling_rule, "distance_m": i.sampling_distance_m,
                   "min_count": i.sampling_min_count} for i in items],
        "finding": ({"item": a.finding.item.code, "case": a.finding.case.number if a.finding.case_id else "",
                     "outcome": a.finding.outcome} if a.finding_id else None),
        "recorded": [{"item": r.item.code, "outcome": r.outcome, "client_id": str(r.client_id),
                      "case": r.case.number if r.case_id else ""} for r in a.results.all()],
    }


class AssignmentsView(APIView):
    """The inspector's own assignments of a day, with their checklists."""

    @extend_schema(parameters=[DaySerializer], responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        _inspector(request)
        form = DaySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        day = form.validated_data.get("date") or timezone.localdate()
        rows = selectors.my_assignments(request.user, day)
        return Response({"date": day.isoformat(), "outcomes": [{"value": v, "label": str(label)}
                                                               for v, label in Outcome.choices],
                         "assignments": [_assignment_data(a) for a in rows]})


class ResultsView(APIView):
    """A batch of results, stored exactly once each; the answer says per result what happened."""

    @extend_schema(request=BatchSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        _inspector(request)
        payload = request.data
        if request.content_type and request.content_type.startswith("multipart/"):
            try:
                payload = {"results": json.loads(request.data.get("results") or "null")}
            except ValueError:
                raise ValidationError({"results": [_("Not valid JSON.")]}) from None
        batch = BatchSerializer(data=payload)
        batch.is_valid(raise_exception=True)
        observations, early = [], {}
        for position, row in enumerate(batch.validated_data["results"]):
            try:
                photo = self._photo(request, row)
            except WorkflowError as exc:
                early[position] = res.Answer(row["client_id"], res.ERROR, message=str(exc))
                continue
            observed = row["observed_at"]
            if timezone.is_naive(observed):
                observed = timezone.make_aware(observed)
            observations.append((position, res.Observation(
                client_id=row["client_id"], assignment_id=row["assignment"], item_code=row["item"],
                outcome=row["outcome"], observed_at=observed, note=row["note"], lng=row["lng"], lat=row["lat"],
                photo=photo)))
        try:
            answers = res.results_sync(actor=request.user, observations=[o for _p, o in observations])
        except WorkflowError as exc:
            raise ValidationError({"results": [str(exc)]}) from None
        by_position = dict(early)
        by_position.update({p: a for (p, _o), a in zip(observations, answers, strict=True)})
        return Response({"results": [by_position[p].as_dict() for p in sorted(by_position)]})

    @staticmethod
    def _photo(request, row) -> wf.Upload | None:
        if row["photo_part"]:
            upload = request.FILES.get(row["photo_part"])
            if upload is None:
                raise WorkflowError(_("No file part named %(name)s.") % {"name": row["photo_part"][:100]})
            try:
                photos_check([upload], field=_("Photo"), max_files=1)
            except forms.ValidationError as exc:
                raise WorkflowError(" ".join(exc.messages)) from None
            return wf.Upload(name=upload.name, content=upload.read())
        if row["photo"]:
            return res.photo_from_base64(row["photo"])
        return None

