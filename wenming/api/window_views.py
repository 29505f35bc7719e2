"""The window service's push endpoint for the windows' own systems (办件系统), mounted by ``wenming.api.urls``:

``POST /api/v1/windows/<code>/matters/`` with ``{"matters": [{"external_id", "item", "accepted_at",
"completed_at"}]}``: creates or updates the window's matters by their number (idempotent: pushing the same batch
again changes nothing), all or nothing, each refused row named by its position. Authenticated by an API key that
acts as a person keeping the window (its unit, or the command centre); a window outside that person's scope
answers 404, as a missing one.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from wenming.common.access import restrict, scope_for
from wenming.common.roles import WINDOW_KEEPERS
from wenming.windows.models import MatterSource, ServiceWindow
from wenming.windows.services.matters import MAX_BATCH, MatterRow, matters_sync


class MatterSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64, help_text="The matter's number in the window's system.")
    item = serializers.CharField(max_length=32, help_text="The business item's code.")
    accepted_at = serializers.DateTimeField(help_text="When it was accepted (受理), ISO 8601.")
    completed_at = serializers.DateTimeField(required=False, allow_null=True,
                                             help_text="When it was completed (办结); null while open.")


class MatterBatchSerializer(serializers.Serializer):
    matters = MatterSerializer(many=True, allow_empty=False, max_length=MAX_BATCH)


class WindowMattersView(APIView):
    """Push a window's matters (idempotent by number)."""

    @extend_schema(request=MatterBatchSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, code: str):
        window = restrict(ServiceWindow.objects.all(), request.user).filter(code=code[:16]).first()
        # Only a keeper of the window pushes its matters; anyone else (an area leader who reads it) gets 404 too.
        if window is None or not scope_for(request.user).roles & WINDOW_KEEPERS:
            raise Http404
        batch = MatterBatchSerializer(data=request.data)
        batch.is_valid(raise_exception=True)
        rows = [MatterRow(**row) for row in batch.validated_data["matters"]]
        try:  # a refusal (NotAllowed: 403, WindowError: 409) is answered by the API's exception handler
            result = matters_sync(window_id=window.pk, actor=request.user, rows=rows, source=MatterSource.API)
        except ServiceWindow.DoesNotExist:
            raise Http404 from None
        if result.errors:
            raise ValidationError({"matters": result.errors})
        return Response({"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
