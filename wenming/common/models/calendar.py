from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A city's own override of the national calendar: a holiday it adds, or a make-up workday.

    The chinese-calendar package covers the published State Council schedules; this table covers what it
    does not know yet (next year's schedule before a package release) and local exceptions.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("is a working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
