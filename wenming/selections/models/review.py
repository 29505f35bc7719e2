"""What a call's review keeps beside the nominations: the call's own log, the qualification results, the scoring
sheet and the expert panel with its conflict declarations and scores, and the objections raised during 公示."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .calls import Call, Nomination


class CallEvent(models.Model):
    """One step of a call's lifecycle (append-only): open nominations, close, open the vote, notice, publish."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="events", verbose_name=_("call"))
    action = models.CharField(_("action"), max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("actor"))
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("call event")
        verbose_name_plural = _("call events")

    def __str__(self) -> str:
        return f"{self.call_id} {self.action}"


class QualificationResult(models.Model):
    """One run of the qualification check (资格审查) on a nomination: every finding, as the reviewers saw it."""

    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="qualifications",
                                   verbose_name=_("nomination"))
    # [{"source", "label", "blocking", "ref", "url"}]
    findings = models.JSONField(_("findings"), default=list, blank=True)
    blocking = models.BooleanField(_("holds back"), default=False)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("run by"))
    run_at = models.DateTimeField(_("run at"), auto_now_add=True)

    class Meta:
        ordering = ["-run_at", "-pk"]
        verbose_name = _("qualification result")
        verbose_name_plural = _("qualification results")

    def __str__(self) -> str:
        return f"{self.nomination_id} {self.run_at:%Y-%m-%d}"


class ScoreItem(models.Model):
    """One line of a call's scoring sheet (评分表): what the experts judge and its maximum points."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="score_items", verbose_name=_("call"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    label = models.CharField(_("criterion"), max_length=120)
    max_points = models.PositiveSmallIntegerField(_("maximum points"))

    class Meta:
        ordering = ["call", "order", "pk"]
        verbose_name = _("scoring item")
        verbose_name_plural = _("scoring items")

    def __str__(self) -> str:
        return f"{self.label} ({self.max_points})"


class PanelMember(models.Model):
    """An expert on a call's review panel (评审专家): an existing user the organiser assigned."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="panel", verbose_name=_("call"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="selection_panels",
                             verbose_name=_("expert"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("added by"))
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["call", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="selections_panel_once")]
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")

    def __str__(self) -> str:
        return f"{self.call_id} {self.user_id}"


class ConflictDeclaration(models.Model):
    """An expert's declaration on one nomination (利益冲突声明), made before scoring it: a conflict excludes them."""

    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="declarations",
                                   verbose_name=_("nomination"))
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("expert"))
    conflicted = models.BooleanField(_("has a conflict of interest"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["nomination", "pk"]
        constraints = [models.UniqueConstraint(fields=["nomination", "expert"], name="selections_declare_once")]
        verbose_name = _("conflict declaration")
        verbose_name_plural = _("conflict declarations")

    def __str__(self) -> str:
        return f"{self.nomination_id} {self.expert_id} {self.conflicted}"


class ExpertScore(models.Model):
    """One expert's scoring sheet for one nomination: points per item and the total on 0–100. Locked once
    submitted; only the organiser corrects it, with a note (logged on the nomination)."""

    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="scores",
                                   verbose_name=_("nomination"))
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("expert"))
    points = models.JSONField(_("points"), default=dict)  # {score item id (str): points}
    total = models.DecimalField(_("score (0–100)"), max_digits=5, decimal_places=2)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    corrected = models.BooleanField(_("corrected by the organiser"), default=False)

    class Meta:
        ordering = ["nomination", "pk"]
        constraints = [models.UniqueConstraint(fields=["nomination", "expert"], name="selections_score_once")]
        verbose_name = _("expert score")
        verbose_name_plural = _("expert scores")

    def __str__(self) -> str:
        return f"{self.nomination_id} {self.expert_id} {self.total}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld: the nominee is removed")
    DISMISSED = "dismissed", _("Dismissed")


class Objection(models.Model):
    """An objection to a nominee during the public notice (公示异议): from a citizen with a verified phone, or
    entered by staff; decided by the organiser."""

    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="objections",
                                   verbose_name=_("nomination"))
    text = models.TextField(_("objection"))
    phone = models.CharField(_("phone"), max_length=11, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("entered by"))
    status = models.CharField(_("status"), max_length=12, choices=ObjectionStatus.choices,
                              default=ObjectionStatus.OPEN)
    decision_note = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return f"{self.nomination_id} {self.status}"
