from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.common.models import TimeStampedModel


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("On time")
    REMINDER = 1, _("Due soon (提醒)")
    YELLOW = 2, _("Yellow card (黄牌督办)")
    RED = 3, _("Red card (红牌督办)")


class EscalationPolicy(models.Model):
    """The city's escalation thresholds, in working hours. One row; the admin edits it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    remind_before_hours = models.DecimalField(
        _("remind before the deadline (working hours)"), max_digits=6, decimal_places=2, default=2
    )
    yellow_after_hours = models.DecimalField(
        _("yellow card once overdue by (working hours)"), max_digits=6, decimal_places=2, default=0
    )
    red_after_hours = models.DecimalField(
        _("red card once overdue by (working hours)"), max_digits=6, decimal_places=2, default=13
    )

    class Meta:
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policy")

    def __str__(self) -> str:
        return str(_("escalation policy"))


class SupervisionNotice(TimeStampedModel):
    """督办单: a formal notice on a case to a unit, tracked until the unit answers and the centre accepts."""

    class State(models.TextChoices):
        ISSUED = "issued", _("Issued (已下发)")
        ANSWERED = "answered", _("Answered (已回复)")
        CLOSED = "closed", _("Closed (已办结)")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="notices", verbose_name=_("case"))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="notices", verbose_name=_("unit"))
    level = models.PositiveSmallIntegerField(_("level"), choices=EscalationLevel.choices, default=EscalationLevel.YELLOW)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.ISSUED)
    demand = models.TextField(_("what is demanded"))
    answer_due = models.DateTimeField(_("answer due"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("answered by"),
    )

    class Meta:
        verbose_name = _("supervision notice (督办单)")
        verbose_name_plural = _("supervision notices (督办单)")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.unit}"
