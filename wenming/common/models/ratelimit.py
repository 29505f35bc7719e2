from django.db import models
from django.utils.translation import gettext_lazy as _


class RateCounter(models.Model):
    """One fixed-window counter of the rate limits (``wenming.common.services.limits``) when no Redis is
    configured: the database is the one store every worker process shares.

    One row per (kind, who): a hit in a later window restarts the count in place, so rows only pile up for
    senders who stopped; those are deleted once ``expires`` has passed. Times are Unix seconds, compared in SQL
    the same way on SQLite and PostgreSQL."""

    key = models.CharField(_("key"), max_length=80, unique=True)
    window_start = models.BigIntegerField(_("window start"))
    expires = models.BigIntegerField(_("expires"), db_index=True)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
