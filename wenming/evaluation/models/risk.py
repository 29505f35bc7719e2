"""Negative-list risk control (负面清单 风险管控): a plan (预案) per item, risk records fed by signals, their events.

A ``RiskPlan`` belongs to one criterion (usually of kind negative, any kind allowed); every edit is a new numbered
``RiskPlanRevision`` (the old ones stay readable). A ``RiskRecord`` is the watch on one criterion: at most one open
record per criterion (a partial unique constraint); ``RiskSignal`` rows feed it (a case in a linked category, near an
evaluation site, overdue, escalated; an incident reported), each signal once (unique by kind, source and
criterion). Every change of a record goes through ``services.risk.risk_step`` and appends a ``RiskEvent``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.common.models import TimeStampedModel


class RiskLevel(models.IntegerChoices):
    """Ordered: a signal only ever raises an open record's level."""

    WATCH = 1, pgettext_lazy("risk level", "Watch (关注)")
    WARNING = 2, pgettext_lazy("risk level", "Warning (预警)")
    TRIGGERED = 3, pgettext_lazy("risk level", "Triggered (触发)")


LEVEL_KEYS = {RiskLevel.WATCH: "watch", RiskLevel.WARNING: "warning", RiskLevel.TRIGGERED: "triggered"}


class RiskState(models.TextChoices):
    OPEN = "open", pgettext_lazy("risk state", "Open (待认领)")
    RESPONDING = "responding", pgettext_lazy("risk state", "Responding (处置中)")
    CLOSED = "closed", pgettext_lazy("risk state", "Closed (已关闭)")


OPEN_RISK_STATES = (RiskState.OPEN, RiskState.RESPONDING)


class RiskPlan(TimeStampedModel):
    """The 预案 of one criterion, as its latest revision says; ``revision`` rises with every edit."""

    criterion = models.OneToOneField("evaluation.Criterion", on_delete=models.PROTECT, related_name="risk_plan",
                                     verbose_name=_("criterion"))
    triggers = models.TextField(_("triggers (触发条件)"), blank=True)
    measures = models.TextField(_("measures (处置措施)"), blank=True)
    owner_units = models.ManyToManyField("org.Unit", blank=True, related_name="risk_plans",
                                         verbose_name=_("owner units"))
    # [{"name": …, "phone": …, "post": …}, …]
    contacts = models.JSONField(_("contacts"), default=list, blank=True)
    review_cycle_days = models.PositiveSmallIntegerField(_("review cycle (days)"), default=90)
    next_review_on = models.DateField(_("next review on"), null=True, blank=True, db_index=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("updated by"))

    class Meta:
        verbose_name = _("risk plan (预案)")
        verbose_name_plural = _("risk plans (预案)")
        ordering = ["criterion"]

    def __str__(self) -> str:
        return f"{self.criterion_id} r{self.revision}"


class RiskPlanRevision(models.Model):
    """Append-only: each revision of a plan as it was saved, who saved it and when."""

    plan = models.ForeignKey(RiskPlan, on_delete=models.PROTECT, related_name="revisions", verbose_name=_("plan"))
    number = models.PositiveIntegerField(_("revision"))
    triggers = models.TextField(_("triggers (触发条件)"), blank=True)
    measures = models.TextField(_("measures (处置措施)"), blank=True)
    owner_units = models.JSONField(_("owner units"), default=list, blank=True)  # [{"id", "code", "name"}]
    contacts = models.JSONField(_("contacts"), default=list, blank=True)
    review_cycle_days = models.PositiveSmallIntegerField(_("review cycle (days)"))
    next_review_on = models.DateField(_("next review on"), null=True, blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)  # ids of the attachments then
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("saved by"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("risk plan revision")
        verbose_name_plural = _("risk plan revisions")
        ordering = ["plan", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="evaluation_riskplan_revision_unique")]

    def __str__(self) -> str:
        return f"{self.plan_id} r{self.number}"


class RiskPlanAttachment(models.Model):
    """A file of a plan (checked like every upload); kept once added, listed by the revision that added it."""

    plan = models.ForeignKey(RiskPlan, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("plan"))
    revision = models.PositiveIntegerField(_("added in revision"))
    file = models.FileField(_("file"), upload_to="risk/plans/%Y/%m/", max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("uploaded by"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("risk plan attachment")
        verbose_name_plural = _("risk plan attachments")
        ordering = ["plan", "id"]

    def __str__(self) -> str:
        return self.name


class RiskRecord(TimeStampedModel):
    """The risk watch on one criterion while it is open: its level, owner, response deadline, 督办 count."""

    criterion = models.ForeignKey("evaluation.Criterion", on_delete=models.PROTECT, related_name="risk_records",
                                  verbose_name=_("criterion"))
    level = models.PositiveSmallIntegerField(_("level"), choices=RiskLevel.choices, default=RiskLevel.WATCH)
    state = models.CharField(_("state"), max_length=16, choices=RiskState.choices, default=RiskState.OPEN)
    owner_unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="risk_records", verbose_name=_("owner unit"))
    opened_at = models.DateTimeField(_("opened at"), db_index=True)
    response_due = models.DateTimeField(_("response due"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    triggered_at = models.DateTimeField(_("triggered at"), null=True, blank=True)
    supervised_count = models.PositiveSmallIntegerField(_("supervised (督办) times"), default=0)
    supervised_at = models.DateTimeField(_("last supervised at"), null=True, blank=True)
    # The response deadline the scan last supervised this record for: once per deadline.
    supervised_due = models.DateTimeField(_("supervised for the deadline"), null=True, blank=True)
    last_signal_at = models.DateTimeField(_("last signal at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("risk record")
        verbose_name_plural = _("risk records")
        ordering = ["-level", "opened_at", "id"]
        constraints = [models.UniqueConstraint(fields=["criterion"], condition=~Q(state="closed"),
                                               name="evaluation_one_open_risk_per_criterion")]
        indexes = [models.Index(fields=["state", "level"], name="evaluation_risk_state_idx"),
                   models.Index(fields=["criterion", "state"], name="evaluation_risk_criterion_idx")]

    def __str__(self) -> str:
        return f"R{self.pk} {self.criterion_id}"

    @property
    def is_open(self) -> bool:
        return self.state != RiskState.CLOSED

    @property
    def level_key(self) -> str:
        return LEVEL_KEYS[RiskLevel(self.level)]


class SignalKind(models.TextChoices):
    CASE_NEW = "case_new", pgettext_lazy("risk signal", "New case in a linked category")
    CASE_OVERDUE = "case_overdue", pgettext_lazy("risk signal", "Linked case overdue")
    CASE_ESCALATED = "case_escalated", pgettext_lazy("risk signal", "Linked case escalated (督办)")
    SERIOUS_INCIDENT = "serious_incident", pgettext_lazy("risk signal", "Serious incident")
    DISCIPLINE_CASE = "discipline_case", pgettext_lazy("risk signal", "Discipline case")
    MEDIA_REPORT = "media_report", pgettext_lazy("risk signal", "Media report")


INCIDENT_KINDS = (SignalKind.SERIOUS_INCIDENT, SignalKind.DISCIPLINE_CASE, SignalKind.MEDIA_REPORT)


class RiskSignal(models.Model):
    """One thing that fed a risk record, once: unique by its kind, its source (a case, a notice, an incident) and
    the criterion."""

    kind = models.CharField(_("kind"), max_length=24, choices=SignalKind.choices)
    source_id = models.CharField(_("source"), max_length=64)
    criterion = models.ForeignKey("evaluation.Criterion", on_delete=models.PROTECT, related_name="risk_signals",
                                  verbose_name=_("criterion"))
    record = models.ForeignKey(RiskRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="signals",
                               verbose_name=_("risk record"))
    level = models.PositiveSmallIntegerField(_("level"), choices=RiskLevel.choices)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("case"))
    site = models.ForeignKey("org.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("evaluation site"))
    distance_m = models.FloatField(_("distance to the site (m)"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("reported by"))
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("risk signal")
        verbose_name_plural = _("risk signals")
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "source_id", "criterion"],
                                               name="evaluation_risk_signal_once")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.source_id}"


class RiskEventAction(models.TextChoices):
    OPENED = "opened", pgettext_lazy("risk event", "Opened by a signal")
    SIGNAL = "signal", pgettext_lazy("risk event", "New signal")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("risk event", "Acknowledged (认领)")
    RESPONDED = "responded", pgettext_lazy("risk event", "Response reported (报告处置措施)")
    RAISED = "raised", pgettext_lazy("risk event", "Level raised")
    LOWERED = "lowered", pgettext_lazy("risk event", "Level lowered")
    SUPERVISED = "supervised", pgettext_lazy("risk event", "Supervised (督办)")
    CLOSED = "closed", pgettext_lazy("risk event", "Closed with evidence")
    REOPENED = "reopened", pgettext_lazy("risk event", "Reopened")


class RiskEvent(models.Model):
    """Append-only history of a risk record: who did what, from which state and level to which."""

    record = models.ForeignKey(RiskRecord, on_delete=models.PROTECT, related_name="events",
                               verbose_name=_("risk record"))
    seq = models.PositiveIntegerField(_("sequence"))
    action = models.CharField(_("action"), max_length=16, choices=RiskEventAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("actor"))
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16, blank=True)
    from_level = models.PositiveSmallIntegerField(_("from level"), null=True, blank=True)
    to_level = models.PositiveSmallIntegerField(_("to level"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("risk event")
        verbose_name_plural = _("risk events")
        ordering = ["record", "seq"]
        constraints = [models.UniqueConstraint(fields=["record", "seq"], name="evaluation_risk_event_seq_unique")]

    def __str__(self) -> str:
        return f"R{self.record_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("risk events are append-only")
        super().save(*args, **kwargs)


class RiskEvidence(models.Model):
    """A file closing (or answering) a record carried: a photo without metadata, or a PDF."""

    record = models.ForeignKey(RiskRecord, on_delete=models.PROTECT, related_name="evidence",
                               verbose_name=_("risk record"))
    event = models.ForeignKey(RiskEvent, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("event"))
    file = models.FileField(_("file"), upload_to="risk/evidence/%Y/%m/", max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=64)

    class Meta:
        verbose_name = _("risk evidence")
        verbose_name_plural = _("risk evidence")
        ordering = ["record", "id"]

    def __str__(self) -> str:
        return self.name


class RiskScanMark(models.Model):
    """The scan's watermark (one row): the last case and notice it looked at and when it ran."""

    key = models.CharField(_("key"), max_length=32, unique=True)
    last_case_id = models.BigIntegerField(_("last case"), default=0)
    last_notice_id = models.BigIntegerField(_("last notice"), default=0)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        verbose_name = _("risk scan watermark")
        verbose_name_plural = _("risk scan watermarks")

    def __str__(self) -> str:
        return self.key
