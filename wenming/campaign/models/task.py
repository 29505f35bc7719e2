"""Tasks of the campaign's actions, the task forces (专班) that own them, progress reports and meetings.

Progress reports and task events are append-only: a report is never edited, a correction is a new report.
A task's status is never stored: it is computed from its plan, its latest value and the day it is read.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.common.models import TimeStampedModel

from .targets import TargetRule


class TaskForce(TimeStampedModel):
    """A 创建专班: a leader, members, and the actions and tasks it owns."""

    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.PROTECT, related_name="task_forces",
                                 verbose_name=_("campaign"))
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="led_task_forces", verbose_name=_("leader"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="task_forces",
                                     verbose_name=_("members"))
    actions = models.ManyToManyField("campaign.Action", blank=True, related_name="task_forces", verbose_name=_("actions"))
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("task force")
        verbose_name_plural = _("task forces")
        ordering = ["campaign", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="taskforce_code_unique_in_campaign")]

    def __str__(self) -> str:
        return self.name


class TargetKind(models.TextChoices):
    COUNT = "count", _("A number per area")
    PERCENT = "percent", _("A percentage")
    DONE = "done", _("Done or not done")


class Measure(models.TextChoices):
    REPORTED = "reported", _("Reported by units")
    CASES = "cases", _("Share of the action's cases closed")
    # Counted from the task's target list (``Task.target_rule``): the share or number of lines met or accepted.
    TARGETS = "targets", _("Measured from its target list")
    # The share of the third-party inspections' findings (cases on the inspection channel) that are closed.
    FINDINGS = "findings", _("Share of inspection findings closed")
    # A rate kept by a register of another department (the police's e-bike plates, dog licences), named by
    # ``Task.measure_source`` and provided by the app that keeps it (campaign.services.tasks.measure_source_register).
    REGISTER = "register", _("Rate from a department's register")


class TaskKind(models.TextChoices):
    TASK = "task", _("Task")
    SUPERVISION = "supervision", _("Supervision item (督办事项)")


class TaskStatus(models.TextChoices):
    # 未开始, 推进中, 滞后, 已完成, 逾期
    NOT_STARTED = "not_started", pgettext_lazy("task status", "Not started")
    ON_TRACK = "on_track", pgettext_lazy("task status", "In progress")
    BEHIND = "behind", pgettext_lazy("task status", "Behind plan")
    DONE = "done", pgettext_lazy("task status", "Completed")
    OVERDUE = "overdue", pgettext_lazy("task status", "Overdue")


class Task(TimeStampedModel):
    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.PROTECT, related_name="tasks",
                                 verbose_name=_("campaign"))
    action = models.ForeignKey("campaign.Action", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks",
                               verbose_name=_("action"))
    kind = models.CharField(_("kind"), max_length=16, choices=TaskKind.choices, default=TaskKind.TASK)
    code = models.CharField(_("code"), max_length=24)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    scope = models.CharField(_("scope"), max_length=300, blank=True)
    scope_radius_m = models.PositiveIntegerField(_("scope radius (m)"), null=True, blank=True)
    scope_site_types = models.JSONField(_("scope site types"), default=list, blank=True)
    lead_unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="led_tasks",
                                  verbose_name=_("lead unit"))
    cooperating_units = models.ManyToManyField("org.Unit", blank=True, related_name="cooperating_tasks",
                                               verbose_name=_("cooperating units"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_tasks", verbose_name=_("owner"))
    task_force = models.ForeignKey(TaskForce, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks",
                                   verbose_name=_("task force"))
    meeting = models.ForeignKey("campaign.Meeting", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="decisions", verbose_name=_("decided at meeting"))
    starts_on = models.DateField(_("starts on"))
    due_on = models.DateField(_("deadline"), null=True, blank=True)
    target_kind = models.CharField(_("target kind"), max_length=16, choices=TargetKind.choices, default=TargetKind.DONE)
    target_value = models.DecimalField(_("target value"), max_digits=12, decimal_places=2, default=1)
    target_per = models.CharField(_("target per"), max_length=16, blank=True,
                                  help_text=_("For a number per area: the area level or kind of place (township, place…)."))
    target_areas = models.PositiveIntegerField(_("number of areas"), default=1)
    # The rule the target list is computed with (campaign.services.targets), and the kinds of site it lists or
    # counts; ``scope_site_types`` are the anchors (markets, schools, squares…) and ``scope_radius_m`` the radius.
    target_rule = models.CharField(_("target rule"), max_length=16, choices=TargetRule.choices, blank=True)
    target_site_types = models.JSONField(_("target site types"), default=list, blank=True)
    unit_label = models.CharField(_("unit of the target"), max_length=16, blank=True)
    measure = models.CharField(_("measured by"), max_length=16, choices=Measure.choices, default=Measure.REPORTED)
    measure_source = models.CharField(_("register measured"), max_length=16, blank=True,
                                      help_text=_("For a rate from a register: which register (ebike, dog)."))
    report_every_days = models.PositiveSmallIntegerField(_("report every (days)"), default=7)
    current_value = models.DecimalField(_("current value"), max_digits=12, decimal_places=2, default=0)
    last_reported_at = models.DateTimeField(_("last reported at"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["campaign", "kind", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="task_code_unique_in_campaign")]
        indexes = [models.Index(fields=["kind", "due_on"], name="task_kind_due_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def target_total(self):
        """The figure the task must reach: a number per area times the areas, a percentage, or 1 for done."""
        if self.target_kind == TargetKind.COUNT:
            if self.target_rule == TargetRule.PER_AREA_MAX:  # "at most N in each": every area must be met
                return self.target_areas
            return self.target_value * self.target_areas
        if self.target_kind == TargetKind.DONE:
            return 1
        return self.target_value


class Milestone(models.Model):
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="milestones", verbose_name=_("task"))
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    planned_value = models.DecimalField(_("planned value"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["task", "due_on"]

    def __str__(self) -> str:
        return f"{self.task.code} {self.title}"


class ProgressReport(models.Model):
    """One unit's report on one task: the value reached so far, what was done, and the evidence. Never edited."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="reports", verbose_name=_("task"))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="progress_reports", verbose_name=_("unit"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                    related_name="progress_reports", verbose_name=_("reported by"))
    value = models.DecimalField(_("value reached"), max_digits=12, decimal_places=2)
    narrative = models.TextField(_("what was done"))
    reported_at = models.DateTimeField(_("reported at"), db_index=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task.code} {self.value} @ {self.reported_at:%Y-%m-%d}"


class ProgressEvidence(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("report"))
    file = models.FileField(_("file"), upload_to="progress/%Y/%m/", max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=64)

    class Meta:
        verbose_name = _("progress evidence")
        verbose_name_plural = _("progress evidence")

    def __str__(self) -> str:
        return self.name


class TaskEventAction(models.TextChoices):
    PROGRESS = "progress", pgettext_lazy("task event", "Progress reported")
    REMINDED = "reminded", pgettext_lazy("task event", "Reminder sent")
    SUPERVISION_CREATED = "supervision_created", pgettext_lazy("task event", "Supervision item created")
    CREATED = "created", pgettext_lazy("task event", "Task created")
    LINE_SUBMITTED = "line_submitted", pgettext_lazy("task event", "Target line submitted")
    LINE_ACCEPTED = "line_accepted", pgettext_lazy("task event", "Target line accepted")
    LINE_RETURNED = "line_returned", pgettext_lazy("task event", "Target line returned")
    TARGETS_REFRESHED = "targets_refreshed", pgettext_lazy("task event", "Target list recomputed")


class TaskEvent(models.Model):
    """Append-only log of a task's changes (progress reported, reminded, supervision item created)."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="events", verbose_name=_("task"))
    action = models.CharField(_("action"), max_length=32, choices=TaskEventAction.choices)
    line = models.ForeignKey("campaign.TargetLine", null=True, blank=True, on_delete=models.PROTECT, related_name="events",
                             verbose_name=_("target line"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("actor"))
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        ordering = ["task", "at", "id"]

    def __str__(self) -> str:
        return f"{self.task.code} {self.action}"


class Meeting(TimeStampedModel):
    """A weekly meeting (周例会) of the command centre: its agenda figures, minutes and decisions."""

    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.PROTECT, related_name="meetings",
                                 verbose_name=_("campaign"))
    week_start = models.DateField(_("week starting"))
    held_on = models.DateField(_("held on"))
    chair = models.CharField(_("chaired by"), max_length=100, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    agenda = models.JSONField(_("agenda figures"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        verbose_name = _("weekly meeting")
        verbose_name_plural = _("weekly meetings")
        ordering = ["-week_start"]
        constraints = [models.UniqueConstraint(fields=["campaign", "week_start"], name="meeting_one_per_week")]

    def __str__(self) -> str:
        return f"{self.campaign.code} {self.week_start}"
