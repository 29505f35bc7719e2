"""The ledger (台账) and the 回头看 rounds.

For each criterion and assessment period one current ``LedgerEntry``: 达标 / 部分达标 / 未达标 / 不适用, a note,
the evidence (files, case numbers, inspection results), who assessed it and when. Every assessment is a
``LedgerEvent`` (append-only): a re-assessment replaces the current entry and keeps the history.

Who assesses: the evaluation office (``FRAMEWORK_KEEPERS``) any criterion; a criterion's lead unit may
self-assess its own. A self-assessment is recorded as such (``self_assessed``) and stands until the office
records its own assessment (which confirms or corrects it); a unit never overwrites the office's assessment.

A ``ReviewRound`` (回头看) re-checks every criterion of an edition (or one domain) for a period: the office
records each ``ReviewItem`` (which also becomes the ledger's entry for the period), then closes the round, which
creates a dated measure (a campaign task) for each 未达标 item (and each 部分达标 one if the round says so).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.common.models import TimeStampedModel


class AssessmentPeriod(TimeStampedModel):
    """An assessment period of an edition (2026年第四季度); several years side by side."""

    edition = models.ForeignKey("evaluation.Edition", on_delete=models.PROTECT, related_name="periods",
                                verbose_name=_("edition"))
    name = models.CharField(_("name"), max_length=50)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("assessment period")
        verbose_name_plural = _("assessment periods")
        ordering = ["edition", "-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "name"], name="evaluation_period_name_unique"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                   name="evaluation_period_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.name


class LedgerStatus(models.TextChoices):
    MET = "met", pgettext_lazy("ledger status", "Met (达标)")
    PARTLY = "partly", pgettext_lazy("ledger status", "Partly met (部分达标)")
    NOT_MET = "not_met", pgettext_lazy("ledger status", "Not met (未达标)")
    NOT_APPLICABLE = "na", pgettext_lazy("ledger status", "Not applicable (不适用)")


class LedgerEntry(TimeStampedModel):
    """The current assessment of one criterion in one period."""

    criterion = models.ForeignKey("evaluation.Criterion", on_delete=models.PROTECT, related_name="ledger_entries",
                                  verbose_name=_("criterion"))
    period = models.ForeignKey(AssessmentPeriod, on_delete=models.PROTECT, related_name="entries",
                               verbose_name=_("period"))
    status = models.CharField(_("status"), max_length=16, choices=LedgerStatus.choices)
    note = models.TextField(_("note"), blank=True)
    # Cases by number (the case workflow's own numbers), read where the entry is shown.
    case_numbers = models.JSONField(_("linked cases"), default=list, blank=True)
    # Inspection results, named by the office until inspections exist as records of their own.
    inspection_results = models.TextField(_("inspection results"), blank=True)
    self_assessed = models.BooleanField(_("self-assessment by the lead unit"), default=False)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("assessed by"))
    assessed_at = models.DateTimeField(_("assessed at"))
    review_round = models.ForeignKey("evaluation.ReviewRound", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("回头看 round"))
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["period", "criterion"]
        constraints = [models.UniqueConstraint(fields=["criterion", "period"], name="evaluation_ledger_entry_unique")]
        indexes = [models.Index(fields=["period", "status"], name="evaluation_ledger_status_idx")]

    def __str__(self) -> str:
        return f"{self.criterion.code} {self.period.name} {self.status}"


class LedgerEvidence(models.Model):
    """A document or photo attached to a criterion's entry; kept when the entry is re-assessed."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("entry"))
    file = models.FileField(_("file"), upload_to="ledger/%Y/%m/", max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("ledger evidence")
        verbose_name_plural = _("ledger evidence")
        ordering = ["entry", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class LedgerEventAction(models.TextChoices):
    ASSESSED = "assessed", pgettext_lazy("ledger event", "Assessed by the evaluation office")
    SELF_ASSESSED = "self_assessed", pgettext_lazy("ledger event", "Self-assessed by the lead unit")
    ROUND_RESULT = "round_result", pgettext_lazy("ledger event", "Result of a 回头看 round")


class LedgerEvent(models.Model):
    """Append-only history of a criterion's assessments, across periods and rounds."""

    criterion = models.ForeignKey("evaluation.Criterion", on_delete=models.PROTECT, related_name="ledger_events",
                                  verbose_name=_("criterion"))
    period = models.ForeignKey(AssessmentPeriod, on_delete=models.PROTECT, related_name="events",
                               verbose_name=_("period"))
    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="events", verbose_name=_("entry"))
    review_round = models.ForeignKey("evaluation.ReviewRound", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("回头看 round"))
    action = models.CharField(_("action"), max_length=32, choices=LedgerEventAction.choices)
    status_before = models.CharField(_("status before"), max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=LedgerStatus.choices)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("actor"))
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("ledger event")
        verbose_name_plural = _("ledger events")
        ordering = ["criterion", "at", "id"]

    def __str__(self) -> str:
        return f"{self.criterion.code} {self.action} {self.status}"

    @property
    def status_before_label(self) -> str:
        return str(LedgerStatus(self.status_before).label) if self.status_before in LedgerStatus.values else ""


class RoundState(models.TextChoices):
    OPEN = "open", pgettext_lazy("round state", "Open")
    CLOSED = "closed", pgettext_lazy("round state", "Closed")


class ReviewRound(TimeStampedModel):
    """A 回头看 round: every criterion of the edition (or of one domain) re-checked for a period."""

    edition = models.ForeignKey("evaluation.Edition", on_delete=models.PROTECT, related_name="review_rounds",
                                verbose_name=_("edition"))
    period = models.ForeignKey(AssessmentPeriod, on_delete=models.PROTECT, related_name="review_rounds",
                               verbose_name=_("period"))
    domain = models.ForeignKey("evaluation.Domain", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="review_rounds", verbose_name=_("domain (the whole edition if empty)"))
    name = models.CharField(_("name"), max_length=100)
    campaign = models.ForeignKey("campaign.Campaign", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("campaign of the measures"))
    measure_due_on = models.DateField(_("deadline of the measures"))
    include_partly = models.BooleanField(_("measures for partly met items too"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=RoundState.choices, default=RoundState.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("opened by"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("closed by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("回头看 round")
        verbose_name_plural = _("回头看 rounds")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ReviewItem(models.Model):
    """One criterion of a round: its result, and the measure (a campaign task) its closing created."""

    review_round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="items",
                                     verbose_name=_("回头看 round"))
    criterion = models.ForeignKey("evaluation.Criterion", on_delete=models.PROTECT, related_name="review_items",
                                  verbose_name=_("criterion"))
    status = models.CharField(_("result"), max_length=16, choices=LedgerStatus.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    due_on = models.DateField(_("deadline of the measure"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    task = models.OneToOneField("campaign.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("measure"))
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("回头看 item")
        verbose_name_plural = _("回头看 items")
        ordering = ["review_round", "criterion"]
        constraints = [models.UniqueConstraint(fields=["review_round", "criterion"], name="evaluation_review_item_unique")]

    def __str__(self) -> str:
        return f"{self.review_round_id} {self.criterion.code}"


class ReviewEventAction(models.TextChoices):
    OPENED = "opened", pgettext_lazy("round event", "Round opened")
    RECORDED = "recorded", pgettext_lazy("round event", "Results recorded")
    CLOSED = "closed", pgettext_lazy("round event", "Round closed")


class ReviewEvent(models.Model):
    """Append-only history of a round: opened, results recorded (which items), closed (which measures)."""

    review_round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="events",
                                     verbose_name=_("回头看 round"))
    action = models.CharField(_("action"), max_length=32, choices=ReviewEventAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("actor"))
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("回头看 event")
        verbose_name_plural = _("回头看 events")
        ordering = ["review_round", "at", "id"]

    def __str__(self) -> str:
        return f"{self.review_round_id} {self.action}"
