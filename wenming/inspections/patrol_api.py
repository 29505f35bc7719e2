"""The road chief's phone API, mounted by ``wenming.api.urls``:

- ``GET /api/v1/inspections/patrols/mine/``: the chief's register rows (segment with its GeoJSON, level, rule), what
  is due this period, whether the last period was missed, the patrol under way.
- ``POST /api/v1/inspections/patrols/checkins/`` ``{"patrol": id, "lng": …, "lat": …}``: one check-in on one's
  patrol under way; 201 with the patrol's coverage and state, 400 with the reason (too far: the distance) when
  refused. The time is the server's.

Anyone who is no chief gets 404 for the first, and 404 for a patrol not theirs (as for a missing one)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from wenming.common.errors import WorkflowError
from wenming.inspections import patrol_selectors as sel
from wenming.inspections.models import Patrol
from wenming.inspections.services import patrols as svc


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
