"""REST API v1: thin views over the case selectors and services.

Every row comes through ``restrict`` / ``get_or_404`` (a case out of scope answers 404 like a missing one);
every write is one service call; a refusal from a service becomes JSON with a code (``errors.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers as s
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from wenming.api import serializers as ser
from wenming.api.services.intake import DuplicateReport, api_case_intake
from wenming.cases import selectors
from wenming.cases.models import Case, CaseEvent, Category
from wenming.cases.models.case import Channel
from wenming.cases.services import workflow as wf
from wenming.cases.services.actions import actions_for
from wenming.cases.services.followup import followup_callback
from wenming.common.access import get_or_404, restrict
from wenming.common.files import display_name, upload_read
from wenming.common.geo import to_wgs84
from wenming.common.input import CleanFormParser, CleanJSONParser, CleanMultiPartParser, db_id
from wenming.org.models import Area, Site, Unit
from wenming.org.spatial import get_index

ERROR = inline_serializer("Error", fields={
    "code": s.CharField(), "message": s.CharField(),
    "fields": s.DictField(child=s.ListField(child=s.CharField())),
})
ERRORS = {400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 409: ERROR}
DUPLICATE = inline_serializer("Duplicate", fields={
    "code": s.CharField(help_text="duplicate"), "message": s.CharField(),
    "fields": s.DictField(child=s.ListField(child=s.CharField())),
    "case": inline_serializer("DuplicateOf", allow_null=True, help_text=(
        "The case the first post of this external_id made; null when it is outside your scope."), fields={
        "id": s.IntegerField(), "number": s.CharField(), "url": s.URLField()}),
})


def _channel(request) -> str:
    """A key posts on the channel it was issued for; a person signed in on the web (a grid worker's phone app)
    posts as "other system" when their roles may, else on their own first channel (the service checks either)."""
    key = request.auth
    if getattr(key, "channel", None):
        return key.channel
    allowed = wf.intake_channels(request.user)
    return Channel.API if Channel.API in allowed or not allowed else allowed[0]


def _source(request) -> dict | None:
    """Which key a system posted with, for the report event (none for a browser session)."""
    key = request.auth
    return {"api_key": key.pk} if getattr(key, "pk", None) else None


def _uploads(files) -> list[wf.Upload]:
    """The photos' bytes, read in chunks and never past the per-file limit (the serializer checked the sizes
    Django declared; this holds if a declared size was wrong)."""
    limit, uploads = settings.WENMING_MAX_UPLOAD_BYTES, []
    for f in files or ():
        content = upload_read(f, limit=limit)
        if content is None:
            raise ValidationError({"photos": [_("%(field)s: %(name)s is larger than %(limit)s.") % {
                "field": _("Photos"), "name": display_name(f.name), "limit": filesizeformat(limit)}]})
        uploads.append(wf.Upload(name=f.name, content=content))
    return uploads


def _note_only(service):
    return lambda common, d: service(**common, note=d["note"])


# key: (input serializer, how to call the service). Who may take which, and when, is the action table's
# (cases.services.actions); each case's ``actions`` lists those the caller may take now.
ACTIONS = {
    "register": (ser.RegisterSerializer, lambda common, d: wf.case_register(
        **common, category=d.get("category"), urgency=d.get("urgency") or None, note=d["note"])),
    "reject": (ser.ReasonSerializer, _note_only(wf.case_reject)),
    "dispatch": (ser.DispatchSerializer, lambda common, d: wf.case_dispatch(**common, unit=d.get("unit"), note=d["note"])),
    "void": (ser.ReasonSerializer, _note_only(wf.case_void)),
    "decide_return": (ser.DecisionSerializer, lambda common, d: wf.case_decide_return(
        **common, approve=d["approve"], note=d["note"])),
    "recall": (ser.ReasonSerializer, _note_only(wf.case_recall)),
    "redispatch": (ser.RedispatchSerializer, lambda common, d: wf.case_redispatch(
        **common, unit=d["unit"], note=d["note"])),
    "sign": (ser.ActionSerializer, _note_only(wf.case_sign)),
    "request_return": (ser.ReasonSerializer, _note_only(wf.case_request_return)),
    "request_extension": (ser.ExtensionSerializer, lambda common, d: wf.case_request_extension(
        **common, amount=d["amount"], unit=d["time_unit"], note=d["note"])),
    "request_shelving": (ser.ReasonSerializer, _note_only(wf.case_request_shelving)),
    "decide_request": (ser.DecisionSerializer, lambda common, d: wf.case_decide_request(
        **common, approve=d["approve"], note=d["note"])),
    "resume": (ser.ActionSerializer, _note_only(wf.case_resume)),
    "submit": (ser.SubmitSerializer, lambda common, d: wf.case_submit(
        **common, note=d["note"], photos=_uploads(d.get("photos")))),
    "verify": (ser.VerifySerializer, lambda common, d: wf.case_verify(
        **common, passed=d["passed"], note=d["note"], photos=_uploads(d.get("photos")))),
    "close": (ser.ActionSerializer, _note_only(wf.case_close)),
    "reopen": (ser.ReasonSerializer, _note_only(wf.case_reopen)),
    "merge": (ser.MergeSerializer, lambda common, d: wf.case_merge(**common, into_id=d["into"], note=d["note"])),
    "callback": (ser.CallbackSerializer, lambda common, d: followup_callback(
        **common, reached=d["reached"], rating=d["rating"], fixed=d["fixed"] is not False, comment=d["note"])),
}


def _case_rows():
    """Cases with what the API shows of their relations; the heavy geometry of grids and sites stays behind."""
    return (Case.objects.select_related("category", "unit", "grid", "site")
            .defer("routing", "grid__geometry", "site__geometry"))


def _cases(user):
    return restrict(_case_rows(), user)


class CaseViewSet(viewsets.GenericViewSet):
    """Cases in your scope: list with filters, detail, report a new one, and every workflow action."""

    serializer_class = ser.CaseSerializer
    # Control characters stripped as everywhere else (settings' parsers; named here for the multipart photos).
    parser_classes = [CleanJSONParser, CleanFormParser, CleanMultiPartParser]
    queryset = Case.objects.none()

    def get_queryset(self):
        return _cases(self.request.user)

    @extend_schema(parameters=[ser.CaseFilterSerializer], responses={200: ser.CaseSerializer(many=True), **ERRORS})
    def list(self, request):
        filters = ser.CaseFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = selectors.apply_filters(self.get_queryset(), filters.validated_data).order_by("-reported_at", "-id")
        if filters.validated_data["mine"]:  # the scope already holds the person's own reports (access.RULES)
            rows = rows.filter(reported_by=request.user)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ser.CaseSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(responses={200: ser.CaseDetailSerializer, **ERRORS})
    def retrieve(self, request, pk=None):
        return self._detail(request, self._get(pk))

    @extend_schema(request=ser.CaseCreateSerializer, responses={201: ser.CaseCreatedSerializer, **ERRORS, 409: DUPLICATE},
                   description="Report a case. An `external_id` already reported on the same channel is refused with "
                               "409 `duplicate`, naming the case the first post made (`case`).")
    def create(self, request):
        if not wf.intake_channels(request.user):  # the intake service's rule: who reports at all
            raise PermissionDenied(_("Your roles do not include reporting cases."))
        form = ser.CaseCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        site = d.get("site")
        if site is not None and not restrict(Site.objects.filter(pk=site.pk), request.user).exists():
            raise ValidationError({"site": [_("Unknown site %(code)s.") % {"code": site.code}]})
        try:
            case = api_case_intake(
                channel=_channel(request), description=d["description"], lng=d.get("lng"), lat=d.get("lat"),
                crs=d["crs"], category=d.get("category"), urgency=d["urgency"], address=d["address"], site=site,
                reporter_name=d["reporter_name"], reporter_phone=d["reporter_phone"], external_id=d["external_id"],
                actor=request.user, source=_source(request),
            )
        except DuplicateReport as exc:
            return self._duplicate(request, exc)
        # Answered from the case the service returned (its category included): no second read on the hot path.
        return Response(ser.CaseCreatedSerializer(case).data, status=status.HTTP_201_CREATED)

    def _duplicate(self, request, exc: DuplicateReport) -> Response:
        """409 naming the first case, when the poster may open it (else only that the id is taken)."""
        existing = restrict(Case.objects.filter(pk=exc.existing.pk), request.user).first()
        shown = {"id": existing.pk, "number": existing.number,
                 "url": request.build_absolute_uri(reverse("api:case-detail", args=[existing.pk]))} if existing else None
        message = str(exc) if existing else _("external_id %(id)s was already reported on this channel; this report "
                                               "was not stored.") % {"id": exc.external_id}
        return Response({"code": exc.code, "message": message, "fields": {"external_id": [message]}, "case": shown},
                        status=status.HTTP_409_CONFLICT)

    def _get(self, pk) -> Case:
        # ASCII digits only, no larger than a row id (db_id): "٣" is not case 3, and SQLite cannot compare a
        # 40-digit id.
        pk = db_id(pk)
        if pk is None:
            raise Http404
        events = Prefetch("events", queryset=CaseEvent.objects.order_by("seq"))
        qs = _case_rows().prefetch_related(events)
        return get_or_404(qs, self.request.user, pk=pk)

    def _act(self, request, pk, key):
        case = self._get(pk)
        form_class, run = ACTIONS[key]
        form = form_class(data=request.data)
        form.is_valid(raise_exception=True)
        d = dict(form.validated_data)
        if key == "merge" and not restrict(Case.objects.filter(pk=d["into"]), request.user).exists():
            # Named like any other bad field; a case out of scope reads the same as a missing one.
            raise ValidationError({"into": [_("No such case.")]})
        common = {"case_id": case.pk, "actor": request.user, "expected_version": d.get("version")}
        run(common, d)
        return self._detail(request, self._get(case.pk))

    def _detail(self, request, case: Case) -> Response:
        actions = [a.key for a in actions_for(case, request.user) if a.key in ACTIONS]
        return Response(ser.CaseDetailSerializer(case, context={"request": request, "actions": actions}).data)


def _make_action(key: str, form_class):
    def handler(self, request, pk=None):
        return self._act(request, pk, key)

    # Named do_<key>: "dispatch" itself would replace the view's own dispatch method.
    handler.__name__ = f"do_{key}"
    handler.__doc__ = f"Workflow action {key} (the service checks the person's right and the case's state)."
    handler = extend_schema(request=form_class, responses={200: ser.CaseDetailSerializer, **ERRORS})(handler)
    return action(detail=True, methods=["post"], url_path=key.replace("_", "-"), url_name=key)(handler)


for _key, (_form, _run) in ACTIONS.items():
    setattr(CaseViewSet, f"do_{_key}", _make_action(_key, _form))


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Categories (大类 and 小类) with their codes."""

    serializer_class = ser.CategorySerializer
    lookup_field = "code"
    queryset = Category.objects.none()

    def get_queryset(self):
        return restrict(Category.objects.select_related("parent").order_by("code"), self.request.user)


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Responsible units in your scope."""

    serializer_class = ser.UnitSerializer
    lookup_field = "code"
    queryset = Unit.objects.none()

    def get_queryset(self):
        return restrict(Unit.objects.select_related("area").order_by("code"), self.request.user)


class SiteViewSet(viewsets.ReadOnlyModelViewSet):
    """Sites (点位) in your scope."""

    serializer_class = ser.SiteSerializer
    lookup_field = "code"
    queryset = Site.objects.none()

    def get_queryset(self):
        qs = Site.objects.select_related("site_type", "area", "guarantor_unit").order_by("code")
        return restrict(qs, self.request.user)


class LocateView(APIView):
    """The grid and the areas above it at a point (only the areas in your scope are named)."""

    @extend_schema(parameters=[ser.LocateSerializer], responses={200: ser.LocationSerializer, **ERRORS})
    def get(self, request):
        form = ser.LocateSerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        lng, lat = to_wgs84(d["lng"], d["lat"], d["crs"])
        index = get_index()
        chain = index.chain(index.locate(lng, lat))
        visible = set(restrict(Area.objects.filter(pk__in=[a.id for a in chain]), request.user).values_list("pk", flat=True))
        areas = [{"code": a.code, "name": a.name, "level": a.level} for a in chain if a.id in visible]
        grid = areas[-1] if areas and chain and chain[-1].id in visible and chain[-1].level == "grid" else None
        return Response(ser.LocationSerializer({"lng": lng, "lat": lat, "grid": grid, "areas": areas}).data)

