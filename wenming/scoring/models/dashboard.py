from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyEventCount(models.Model):
    """Workflow events per local day, action, street and unit: what the trend and by-action panels sum.

    Only whole days before today are kept here (today is counted live); ``services.dashboard`` refreshes
    the last days every hour and ``DailyEventCountDay`` says which days are complete. The street is the
    case's area path cut at the street level, so an area leader down to a street reads it; finer scopes
    count live.
    """

    day = models.DateField(_("day"))
    action = models.CharField(_("action"), max_length=32)
    area_path = models.CharField(_("street path"), max_length=255, blank=True)
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.CASCADE, db_constraint=False,
                             related_name="+", verbose_name=_("unit"))
    n = models.PositiveIntegerField(_("events"))

    class Meta:
        verbose_name = _("daily event count")
        verbose_name_plural = _("daily event counts")
        indexes = [models.Index(fields=["day", "action"], name="daily_event_day_action_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.action} {self.area_path} {self.unit_id}: {self.n}"


class DailyEventCountDay(models.Model):
    """A day whose counts are complete (refreshed after the day ended)."""

    day = models.DateField(_("day"), primary_key=True)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("counted day")
        verbose_name_plural = _("counted days")

    def __str__(self) -> str:
        return str(self.day)
