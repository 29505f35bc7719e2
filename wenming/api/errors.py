"""Errors as JSON: ``{"code": …, "message": …, "fields": {field: [messages]}}``.

A refusal from a service (``WorkflowError``) answers 409 with its code (403 when the person may not, 404 for
a missing case, 400 for bad evidence); invalid input answers 400 with a message per field.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from wenming.cases.services.errors import CaseNotFound, EvidenceError, NotAllowed, WorkflowError

WORKFLOW_STATUS = {
    CaseNotFound: status.HTTP_404_NOT_FOUND,
    NotAllowed: status.HTTP_403_FORBIDDEN,
    EvidenceError: status.HTTP_400_BAD_REQUEST,
}


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for v in detail.values() for m in _flatten(v)]
    if isinstance(detail, list):
        return [m for v in detail for m in _flatten(v)]
    return [str(detail)]


def _fields(detail) -> dict[str, list[str]]:
    if not isinstance(detail, dict):
        return {"non_field_errors": _flatten(detail)}
    return {str(name): _flatten(value) for name, value in detail.items()}


def exception_handler(exc, context):
    if isinstance(exc, WorkflowError):
        code = WORKFLOW_STATUS.get(type(exc), status.HTTP_409_CONFLICT)
        for cls, mapped in WORKFLOW_STATUS.items():
            if isinstance(exc, cls):
                code = mapped
        return Response({"code": exc.code, "message": str(exc), "fields": {}}, status=code)
    # Django's own limits, met while DRF reads the body: answered as JSON naming what to send less of, not as
    # Django's HTML error page.
    if isinstance(exc, TooManyFilesSent):
        exc = exceptions.ValidationError({"photos": [
            _("Post at most %(n)d files in one request.") % {"n": settings.DATA_UPLOAD_MAX_NUMBER_FILES}]})
    elif isinstance(exc, (TooManyFieldsSent, RequestDataTooBig)):
        exc = exceptions.ValidationError({"non_field_errors": [
            _("The request is larger than accepted: send shorter text or fewer fields.")]})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        response.data = {"code": "invalid", "message": _("Check the fields marked."), "fields": fields}
    else:
        detail = getattr(exc, "detail", "")
        code = detail.code if hasattr(detail, "code") else getattr(exc, "default_code", "error")
        response.data = {"code": str(code), "message": str(detail), "fields": {}}
    return response
