"""REST v1 of the campaign: its actions with their tasks counted by status, the tasks with their figures of the
day, a task's progress reports, and filing one through ``campaign.services.tasks.progress_report``.

Rows come through ``restrict`` / ``get_or_404`` (tasks are reference data: every staff role reads them); who may
report on which task is the service's rule (a unit only on the tasks it leads or cooperates on: 403
``not_allowed``); its other refusals answer 409 with their message (``errors.py``).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from wenming.api import task_serializers as ser
from wenming.api.views import ERRORS
from wenming.campaign import exports
from wenming.campaign.models import (
    Action,
    Campaign,
    Measure,
    ProgressEvidence,
    ProgressReport,
    TargetLine,
    Task,
)
from wenming.campaign.selectors import target_lines
from wenming.campaign.services.targets import line_counts
from wenming.campaign.services.tasks import Upload, can_report, progress_report
from wenming.common.access import get_or_404, restrict
from wenming.common.files import display_name, upload_read
from wenming.common.input import CleanFormParser, CleanJSONParser, CleanMultiPartParser, db_id
from wenming.org.models import Area, Unit


def _campaign(code: str = "") -> Campaign:
    """The campaign of that code, or the current one (the latest to start); 404 when there is none."""
    campaign = exports.campaign_named(code)
    if campaign is None:
        raise Http404
    return campaign


def _uploads(files) -> list[Upload]:
    """The evidence's bytes, read in chunks and never past the per-file limit."""
    limit, uploads = settings.WENMING_MAX_UPLOAD_BYTES, []
    for f in files or ():
        content = upload_read(f, limit=limit)
        if content is None:
            raise ValidationError({"files": [_("%(field)s: %(name)s is larger than %(limit)s.") % {
                "field": _("Evidence (photos or PDF)"), "name": display_name(f.name), "limit": filesizeformat(limit)}]})
        uploads.append(Upload(name=f.name, content=content))
    return uploads


class ActionViewSet(viewsets.GenericViewSet):
    """The campaign's actions (专项行动) with their tasks counted by status today."""

    serializer_class = ser.ActionSerializer
    queryset = Action.objects.none()

    @extend_schema(parameters=[OpenApiParameter("campaign", str, description="Campaign code; the current campaign "
                                                                            "when not given.")],
                   responses={200: ser.ActionSerializer(many=True), **ERRORS})
    def list(self, request):
        campaign = _campaign(request.query_params.get("campaign", "")[:32])
        today = timezone.localdate()
        counts: dict[int, Counter] = defaultdict(Counter)
        for t in exports.task_figures(exports.task_rows(user=request.user, campaign=campaign), today=today):
            counts[t.action_id][t.status] += 1
        actions = list(restrict(Action.objects.filter(campaign=campaign), request.user)
                       .select_related("campaign").order_by("sort", "code"))
        for a in actions:
            a.task_counts = {key: counts[a.pk][key] for key in ser.STATUS_KEYS}
            a.task_total = sum(counts[a.pk].values())
        page = self.paginate_queryset(actions)
        return self.get_paginated_response(ser.ActionSerializer(page, many=True).data)


class TaskViewSet(viewsets.GenericViewSet):
    """The campaign's tasks: list with filters, detail with milestones and the latest report, its reports, and
    filing a progress report."""

    serializer_class = ser.TaskSerializer
    parser_classes = [CleanJSONParser, CleanFormParser, CleanMultiPartParser]
    queryset = Task.objects.none()

    def _task(self, pk) -> Task:
        pk = db_id(pk)  # ASCII digits no larger than a row id
        if pk is None:
            raise Http404
        return get_or_404(exports.task_rows(user=self.request.user), self.request.user, pk=pk)

    @extend_schema(parameters=[ser.TaskFilterSerializer], responses={200: ser.TaskSerializer(many=True), **ERRORS})
    def list(self, request):
        filters = ser.TaskFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        today = timezone.localdate()
        rows = exports.tasks_filtered(user=request.user, campaign=_campaign(f.get("campaign", "")), filters=f,
                                      today=today)
        page = self.paginate_queryset(rows)
        if not f.get("status"):  # a queryset: the figures of this page's rows only
            page = exports.task_figures(page, today=today)
        return self.get_paginated_response(ser.TaskSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(responses={200: ser.TaskDetailSerializer, **ERRORS})
    def retrieve(self, request, pk=None):
        return self._detail(request, self._task(pk))

    def _detail(self, request, task: Task) -> Response:
        [task] = exports.task_figures([task], today=timezone.localdate())
        last = task.reports.select_related("unit").order_by("-reported_at", "-id").first()
        # As the task page offers the form: a task measured from cases or sites takes no reports.
        reports = task.measure == Measure.REPORTED and can_report(request.user, task)
        context = {"request": request, "last_report": last, "can_report": reports,
                   "line_counts": line_counts(task, restrict(TargetLine.objects.filter(task=task), request.user))
                   if task.target_rule else None}
        return Response(ser.TaskDetailSerializer(task, context=context).data)

    @extend_schema(methods=["GET"], responses={200: ser.ReportSerializer(many=True), **ERRORS},
                   description="The task's progress reports, newest first.")
    @extend_schema(methods=["POST"], request={"application/json": ser.ReportCreateSerializer,
                                              "multipart/form-data": ser.ReportCreateSerializer},
                   responses={201: ser.ReportCreatedSerializer, **ERRORS},
                   description="File a progress report: the cumulative value and what was done, evidence files "
                               "(photos or PDF) as multipart `files`. Only the task's lead and cooperating units "
                               "(and the command centre) report; a task measured from cases or sites refuses (409).")
    @action(detail=True, methods=["get", "post"], url_path="reports", url_name="reports")
    def reports(self, request, pk=None):
        task = self._task(pk)
        if request.method == "POST":
            return self._report(request, task)
        rows = (restrict(ProgressReport.objects.filter(task=task), request.user).select_related("unit")
                .prefetch_related(Prefetch("evidence", queryset=ProgressEvidence.objects.order_by("id")))
                .order_by("-reported_at", "-id"))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ser.ReportSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(parameters=[ser.LineFilterSerializer], responses={200: ser.LineSerializer(many=True), **ERRORS},
                   description="The task's target list as you see it (a unit: its own lines), filtered; with "
                               "`gaps=true` the gap list (lines short of their target, the largest gap first).")
    @action(detail=True, methods=["get"], url_path="lines", url_name="lines")
    def lines(self, request, pk=None):
        task = self._task(pk)
        filters = ser.LineFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        area_path, unit_id = "", None
        if f.get("area"):
            area_path = Area.objects.filter(code=f["area"]).values_list("path", flat=True).first()
            if area_path is None:
                raise ValidationError({"area": [_("No area has the code %(code)s.") % {"code": f["area"]}]})
        if f.get("owner_unit"):
            unit_id = Unit.objects.filter(code=f["owner_unit"]).values_list("pk", flat=True).first()
            if unit_id is None:
                raise ValidationError({"owner_unit": [_("No unit has the code %(code)s.") % {"code": f["owner_unit"]}]})
        rows = target_lines(request.user, task, status=f.get("status", ""), area_path=area_path, owner_unit=unit_id,
                            q=f.get("q", ""))
        rows = rows.select_related("site__site_type", "area", "owner_unit").defer("site__geometry", "area__geometry")
        rows = rows.filter(in_scope=True, gap__gt=0).order_by("-gap", "area_path", "id") if f["gaps"] \
            else rows.order_by("area_path", "id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ser.LineSerializer(page, many=True, context={"request": request}).data)

    def _report(self, request, task: Task) -> Response:
        form = ser.ReportCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        unit = None
        if d.get("unit"):
            unit = Unit.objects.filter(code=d["unit"]).first()
            if unit is None:
                raise ValidationError({"unit": [_("Unknown unit %(code)s.") % {"code": d["unit"]}]})
        report = progress_report(task_id=task.pk, actor=request.user, value=d["value"], narrative=d["narrative"],
                                 files=_uploads(d.get("files")), unit=unit)
        report = ProgressReport.objects.select_related("unit").prefetch_related("evidence").get(pk=report.pk)
        [task] = exports.task_figures([self._task(task.pk)], today=timezone.localdate())
        data = ser.ReportCreatedSerializer(report, context={"request": request, "task": task}).data
        return Response(data, status=status.HTTP_201_CREATED)
