"""The road chief's phone API, mounted by ``wenming.api.urls``:

- ``GET /api/v1/inspections/patrols/mine/``: the chief's register rows (segment with its GeoJSON, level, rule), what
  is due this period, whether the last period was missed, the patrol under way.
- ``POST /api/v1/inspections/patrols/checkins/`` ``{"patrol": id, "lng": …, "lat": …}``: one check-in on one's
  patrol under way; 201 with the patrol's coverage and state, 400 with the reason (too far: the distance) when
  refused. The time is the server's.
- ``POST /api/v1/inspections/patrols/`` ``{"chief": id}``: start a patrol of one's own register row (201), or get the
  one under way today (200).
- ``POST /api/v1/inspections/patrols/<id>/finish/``: end one's patrol under way before it covered the road.
- ``POST /api/v1/inspections/patrols/<id>/findings/`` (multipart: category code, description, lng, lat, photo): a
  problem seen on the patrol becomes a case on the road-chief channel, routed as usual; 201 with its number.

Anyone who is no chief gets 404 for the first, and 404 for a patrol not theirs (as for a missing one)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from wenming.cases.services import workflow as wf
from wenming.common.errors import WorkflowError
from wenming.inspections import patrol_selectors as sel
from wenming.inspections.models import Patrol
from wenming.inspections.patrol_forms import FindingForm
from wenming.inspections.services import patrols as svc
from wenming.org.models import RoadChief


class StartInSerializer(serializers.Serializer):
    chief = serializers.IntegerField(min_value=1, max_value=2**62)


class CheckinInSerializer(serializers.Serializer):
    patrol = serializers.IntegerField(min_value=1, max_value=2**62)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)


def _road(r: sel.RoadStatus) -> dict:
    s = r.chief.segment
    return {
        "chief": r.chief.pk, "level": r.chief.level, "unit": r.chief.unit.name,
        "segment": {"code": s.code, "name": s.name, "geometry": s.geometry},
        "rule": ({"period": r.rule.period, "times": r.rule.times} if r.rule else None),
        "period": ([r.period[0].isoformat(), r.period[1].isoformat()] if r.period else None),
        "done": r.done_now, "due": r.due_now, "overdue": r.missed_last,
        "patrol": r.open_patrol.pk if r.open_patrol else None,
        "last_done": r.last_done.isoformat() if r.last_done else None,
    }


class MyRoadsView(APIView):
    """The chief's own segments and what is due."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        roads = sel.my_roads(request.user)
        if not roads:
            raise Http404
        return Response({"tolerance_m": svc.TOLERANCE_M, "roads": [_road(r) for r in roads]})


class CheckinView(APIView):
    """One GPS check-in on one's own patrol under way."""

    @extend_schema(request=CheckinInSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        data = CheckinInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            checkin = svc.patrol_checkin(actor=request.user, patrol_id=d["patrol"], lng=d["lng"], lat=d["lat"])
        except Patrol.DoesNotExist:
            raise Http404 from None
        except WorkflowError as exc:
            raise ValidationError({"position": [str(exc)]}) from None
        patrol = checkin.patrol
        patrol.refresh_from_db()
        return Response({"id": checkin.pk, "distance_m": checkin.distance_m, "along_m": checkin.along_m,
                         "patrol": {"id": patrol.pk, "state": patrol.state, "points": patrol.points,
                                    "coverage": round(patrol.coverage, 3)}}, status=status.HTTP_201_CREATED)


def _patrol(patrol: Patrol) -> dict:
    return {"id": patrol.pk, "state": patrol.state, "points": patrol.points, "coverage": round(patrol.coverage, 3),
            "started_at": patrol.started_at.isoformat(),
            "ended_at": patrol.ended_at.isoformat() if patrol.ended_at else None}


class StartView(APIView):
    """Start a patrol of one's own segment (the one under way today is returned instead)."""

    @extend_schema(request=StartInSerializer, responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT})
    def post(self, request):
        data = StartInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        before = set(Patrol.objects.filter(person=request.user, state="open").values_list("pk", flat=True))
        try:
            patrol = svc.patrol_start(actor=request.user, chief_id=data.validated_data["chief"])
        except RoadChief.DoesNotExist:
            raise Http404 from None
        except WorkflowError as exc:
            raise ValidationError({"chief": [str(exc)]}) from None
        return Response(_patrol(patrol), status=status.HTTP_200_OK if patrol.pk in before else status.HTTP_201_CREATED)


class FinishView(APIView):
    """End one's patrol under way before it covered the road (it stays in the log as not done)."""

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        try:
            patrol = svc.patrol_finish(actor=request.user, patrol_id=pk)
        except Patrol.DoesNotExist:
            raise Http404 from None
        except WorkflowError as exc:
            raise ValidationError({"patrol": [str(exc)]}) from None
        return Response(_patrol(patrol))


class FindingView(APIView):
    """A problem seen on one's patrol, with a photo and the position, reported as a routed case."""

    @extend_schema(request={"multipart/form-data": OpenApiTypes.OBJECT}, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        if not Patrol.objects.filter(pk=pk, person=request.user).exists():
            raise Http404  # someone else's patrol is missing, whatever the body holds
        # The phone page's form validates the fields (each error naming its field), so both paths refuse alike.
        form = FindingForm(request.POST, request.FILES)
        if not form.is_valid():
            raise ValidationError({field: [str(e) for e in errors] for field, errors in form.errors.items()})
        d = form.cleaned_data
        photo = d["photo"][0]
        try:
            finding = svc.patrol_finding_report(
                actor=request.user, patrol_id=pk, category=d["category"], description=d["description"],
                lng=d["lng"], lat=d["lat"], photo=wf.Upload(name=photo.name, content=photo.read()))
        except Patrol.DoesNotExist:
            raise Http404 from None
        except WorkflowError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from None
        return Response({"id": finding.pk, "case": finding.case.number, "patrol": pk},
                        status=status.HTTP_201_CREATED)
