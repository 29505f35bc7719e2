from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.common.models import TimeStampedModel


class AccountabilityKind(models.TextChoices):
    NOTICE = "notice", _("Public notice (通报)")
    TALK = "talk", _("Admonitory talk (约谈)")
    ACCOUNTABILITY = "accountability", _("Accountability (问责)")


class AccountabilityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RECTIFYING = "rectifying", _("Rectifying")
    DONE = "done", _("Done")


class AccountabilityRecord(TimeStampedModel):
    """通报, 约谈 or 问责 of a unit (and people in it) over cases, followed up until done."""

    kind = models.CharField(_("kind"), max_length=16, choices=AccountabilityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("reason"))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="accountability_records",
                             verbose_name=_("unit"))
    people = models.ManyToManyField("org.Person", blank=True, related_name="accountability_records",
                                    verbose_name=_("people"))
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="accountability_records",
                                   verbose_name=_("cases"))
    # Failed items of released 暗访 rounds the record cites (the finding, not the inspector who found it).
    findings = models.ManyToManyField("inspections.Result", blank=True, related_name="accountability_records",
                                      verbose_name=_("inspection findings"))
    # Campaign tasks the unit leads or cooperates on whose reports it missed or that it let slip.
    tasks = models.ManyToManyField("campaign.Task", blank=True, related_name="accountability_records",
                                   verbose_name=_("tasks"))
    snapshot = models.ForeignKey("scoring.ScoreSnapshot", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="accountability_records", verbose_name=_("from snapshot"))
    status = models.CharField(_("status"), max_length=16, choices=AccountabilityStatus.choices,
                              default=AccountabilityStatus.OPEN)
    due_date = models.DateField(_("follow-up due"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "due_date"], name="accountability_status_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.title}"


class AccountabilityFollowUp(models.Model):
    """One follow-up note on a record; append-only, with the status it moved the record to."""

    record = models.ForeignKey(AccountabilityRecord, on_delete=models.PROTECT, related_name="follow_ups",
                               verbose_name=_("record"))
    note = models.TextField(_("note"))
    from_status = models.CharField(_("from"), max_length=16, choices=AccountabilityStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=AccountabilityStatus.choices)
    due_date = models.DateField(_("follow-up due"), null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("author"))
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("accountability follow-up")
        verbose_name_plural = _("accountability follow-ups")
        ordering = ["record", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.record_id} {self.created_at:%Y-%m-%d}"
