"""What the REST API shows of the campaign's actions and tasks, and reads for a progress report.

Tasks are read with their figures of the day (``campaign.exports.task_figures``: status, planned value, percent,
next report due). Units, actions and task forces are named by code, with their names beside for display. A progress
report shows its unit, never the person who filed it (as no API answer names an actor).

Each part is a serializer of its own (the target, a milestone, a report) so that fields added to the task later
(its target rule, its target lines and per-area progress) go in one place.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from wenming.api.serializers import BoundedDateField
from wenming.campaign.forms import MultipleFileField
from wenming.campaign.models import (
    Action,
    ActionKind,
    Milestone,
    ProgressReport,
    TargetLine,
    TargetLineStatus,
    Task,
    TaskKind,
    TaskStatus,
)
from wenming.common.uploads import photos_check

STATUS_KEYS = [str(s) for s in TaskStatus]


# Plain strings in the schema, their values in the description: drf-spectacular names every enum by its field
# name, and the task's "kind" and "status" would collide with the other apps' enums of those names.
def _values(choices) -> str:
    return "One of: " + ", ".join(str(c) for c in choices) + "."


class ActionSerializer(serializers.ModelSerializer):
    """One of the campaign's actions, with its tasks (in your scope) counted by status today."""

    campaign = serializers.CharField(source="campaign.code", read_only=True)
    kind = serializers.CharField(read_only=True, help_text=_values(ActionKind))
    tasks = serializers.IntegerField(source="task_total", read_only=True, help_text="Tasks of the action.")
    tasks_by_status = serializers.SerializerMethodField(help_text="Tasks by status: " + ", ".join(STATUS_KEYS) + ".")

    class Meta:
        model = Action
        fields = ["code", "name", "kind", "summary", "campaign", "tasks", "tasks_by_status"]

    @extend_schema_field({"type": "object", "properties": {k: {"type": "integer"} for k in STATUS_KEYS},
                          "required": STATUS_KEYS})
    def get_tasks_by_status(self, action) -> dict:
        return action.task_counts


class TargetSerializer(serializers.Serializer):
    """What the task must reach and how it is measured (``source="*"``: the task's own fields)."""

    kind = serializers.CharField(source="target_kind", help_text="count (a number per area), percent, or done.")
    value = serializers.DecimalField(source="target_value", max_digits=12, decimal_places=2)
    per = serializers.CharField(source="target_per", help_text="For a number per area: the level or kind of place.")
    areas = serializers.IntegerField(source="target_areas")
    total = serializers.DecimalField(source="target_total", max_digits=24, decimal_places=2,
                                     help_text="The figure to reach: value × areas, the percentage, or 1 for done.")
    unit_label = serializers.CharField()
    measure = serializers.CharField(help_text="reported, cases, targets (from its target list), findings (暗访 "
                                              "findings closed) or register (a department's register's rate).")
    measure_source = serializers.CharField(help_text="For measure register: which register (ebike, dog).")
    rule = serializers.CharField(source="target_rule", help_text=(
        "The target list's rule, blank for none: near (each site of the listed kinds within the radius of the scope's "
        "sites), each (every such site), clear (none of them within the radius of each scope site), per_area_min / "
        "per_area_max (at least / at most the value in each area of the level `per`), per_place (at least the value "
        "within the radius of each scope site)."))
    site_types = serializers.ListField(source="target_site_types", child=serializers.CharField(),
                                       help_text="The kinds of site the list counts or lists (site type codes).")


class TaskSerializer(serializers.ModelSerializer):
    """A task as the list shows it, with its figures of the day."""

    campaign = serializers.CharField(source="campaign.code", read_only=True)
    action = serializers.CharField(source="action.code", default=None, allow_null=True, read_only=True)
    action_name = serializers.CharField(source="action.name", default=None, allow_null=True, read_only=True)
    lead_unit = serializers.CharField(source="lead_unit.code", default=None, allow_null=True, read_only=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", default=None, allow_null=True, read_only=True)
    cooperating_units = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    task_force = serializers.CharField(source="task_force.code", default=None, allow_null=True, read_only=True)
    task_force_name = serializers.CharField(source="task_force.name", default=None, allow_null=True, read_only=True)
    target = TargetSerializer(source="*", read_only=True)
    current_value = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    planned_value = serializers.DecimalField(source="planned", max_digits=24, decimal_places=2, read_only=True,
                                             help_text="The value the plan expects today (milestones, else linear).")
    percent = serializers.IntegerField(read_only=True, help_text="Current value as a share of the target, 0–100.")
    kind = serializers.CharField(read_only=True, help_text=_values(TaskKind))
    status = serializers.CharField(read_only=True, help_text="Computed for today. " + _values(TaskStatus))
    status_label = serializers.CharField(read_only=True)
    next_report_due = serializers.DateField(read_only=True, allow_null=True,
                                            help_text="Null when nothing is reported (done, or measured otherwise).")
    url = serializers.SerializerMethodField()
    page = serializers.SerializerMethodField(help_text="The task's page on the platform.")

    class Meta:
        model = Task
        fields = ["id", "code", "title", "kind", "campaign", "action", "action_name", "lead_unit", "lead_unit_name",
                  "cooperating_units", "task_force", "task_force_name", "starts_on", "due_on", "target",
                  "current_value", "planned_value", "percent", "status", "status_label", "last_reported_at",
                  "next_report_due", "completed_on", "url", "page"]

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, task) -> str:
        return self._absolute(reverse("api:task-detail", args=[task.pk]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_page(self, task) -> str:
        return self._absolute(reverse("campaign:task", args=[task.pk]))


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["title", "due_on", "planned_value"]


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="The file, through the same access path as the task page.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, evidence) -> str:
        path = reverse("campaign:evidence", args=[evidence.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ReportSerializer(serializers.ModelSerializer):
    """A progress report: its unit, value, narrative and evidence; not who filed it."""

    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressReport
        fields = ["id", "reported_at", "unit", "unit_name", "value", "narrative", "evidence"]


class LastReportSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = ProgressReport
        fields = ["id", "reported_at", "unit", "value"]


class TaskDetailSerializer(TaskSerializer):
    """A task with its description, scope, milestones and latest report."""

    milestones = MilestoneSerializer(many=True, read_only=True)
    last_report = serializers.SerializerMethodField()
    can_report = serializers.SerializerMethodField(help_text="Whether you may file a progress report on it.")

    target_lines = serializers.SerializerMethodField(help_text=(
        "For a task with a target list: the lines you see counted by status (pending, submitted, accepted, "
        "returned, met, gap, out_of_scope, in_scope); null for a task without one. The lines: `lines/`."))

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields[:4], "description", "scope", "scope_radius_m", "scope_site_types",
                  *TaskSerializer.Meta.fields[4:], "report_every_days", "milestones", "last_report", "can_report",
                  "target_lines"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_target_lines(self, task):
        return self.context.get("line_counts")

    @extend_schema_field(LastReportSerializer(allow_null=True))
    def get_last_report(self, task):
        report = self.context.get("last_report")
        return LastReportSerializer(report).data if report else None

    def get_can_report(self, task) -> bool:
        return bool(self.context.get("can_report"))


class ReportCreatedSerializer(ReportSerializer):
    """The report as stored, with the task's figures after it."""

    task = serializers.SerializerMethodField()

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "task"]

    @extend_schema_field(TaskSerializer)
    def get_task(self, report):
        return TaskSerializer(self.context["task"], context=self.context).data


class TaskFilterSerializer(serializers.Serializer):
    campaign = serializers.CharField(max_length=32, required=False, allow_blank=True,
                                     help_text="Campaign code; the current campaign when not given.")
    action = serializers.CharField(max_length=16, required=False, allow_blank=True, help_text="Action code (R01, I03…).")
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False, help_text=(
        "Computed for today. The count is exact: the statuses of the candidate tasks are computed before paging."))
    lead_unit = serializers.CharField(max_length=64, required=False, allow_blank=True, help_text="Lead unit code.")
    unit = serializers.CharField(max_length=64, required=False, allow_blank=True,
                                 help_text="Unit code: the tasks it leads or cooperates on.")
    task_force = serializers.CharField(max_length=16, required=False, allow_blank=True, help_text="Task force code.")
    kind = serializers.ChoiceField(choices=Task._meta.get_field("kind").choices, required=False)
    due_after = BoundedDateField(required=False, help_text="Deadline on or after this day.")
    due_before = BoundedDateField(required=False, help_text="Deadline on or before this day.")
    q = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="Text in the code or title.")


class EvidenceFilesField(serializers.ListField):
    """Photos or PDFs, under the task page's rule and messages (count, size, pixels declared in each header)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.FileField())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        files = super().to_internal_value(data)
        try:
            photos_check(files, field=self.label, too_many=MultipleFileField.too_many, allow_pdf=True)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return files


class ReportCreateSerializer(serializers.Serializer):
    """A progress report: the cumulative value reached and what was done (JSON), evidence files as multipart."""

    value = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, label=_("Value reached"),
                                     help_text="Cumulative: the value reached so far (1 or 0 for a done task).")
    narrative = serializers.CharField(max_length=5000, label=_("What was done"))
    unit = serializers.CharField(max_length=64, required=False, allow_blank=True, help_text=(
        "The unit reporting (code), when you belong to more than one of the task's units."))
    files = EvidenceFilesField(required=False, default=list, label=_("Evidence (photos or PDF)"))


class LineFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[*TargetLineStatus.choices, ("out_of_scope", "out_of_scope")],
                                     required=False, help_text="A line status, or out_of_scope.")
    area = serializers.CharField(max_length=20, required=False, allow_blank=True,
                                 help_text="Area code: the lines in that area and below.")
    owner_unit = serializers.CharField(max_length=64, required=False, allow_blank=True, help_text="Owner unit code.")
    q = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="Text in the site's name.")
    gaps = serializers.BooleanField(required=False, default=False,
                                    help_text="The gap list: lines short of their target only, the largest gap first.")


class _Named(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class LineSerializer(serializers.ModelSerializer):
    """One line of a task's target list: a site (a compound, a school, a place) or an area (a township)."""

    site = serializers.SerializerMethodField()
    area = serializers.SerializerMethodField()
    owner_unit = serializers.CharField(source="owner_unit.code", default=None)
    owner_unit_name = serializers.CharField(source="owner_unit.name", default=None)
    status = serializers.CharField(help_text=_values(TargetLineStatus.choices))
    near = serializers.JSONField(help_text="The sites that put the line on the list or count for it (code, name, "
                                           "type, distance_m), nearest first.")
    page = serializers.SerializerMethodField()

    class Meta:
        model = TargetLine
        fields = ["id", "site", "area", "owner_unit", "owner_unit_name", "status", "in_scope", "count", "required",
                  "gap", "distance_m", "near", "submitted_at", "reviewed_at", "computed_at", "page"]

    @extend_schema_field(_Named(allow_null=True))
    def get_site(self, line):
        return {"code": line.site.code, "name": line.site.name, "type": line.site.site_type.code} if line.site_id \
            else None

    @extend_schema_field(_Named(allow_null=True))
    def get_area(self, line):
        return {"code": line.area.code, "name": line.area.name} if line.area_id else None

    def get_page(self, line) -> str:
        return self.context["request"].build_absolute_uri(reverse("campaign:line", args=[line.pk]))
