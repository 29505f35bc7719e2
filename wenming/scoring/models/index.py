from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.common.models import TimeStampedModel


class Subject(models.TextChoices):
    UNIT = "unit", _("Responsible units")
    DISTRICT = "district", _("Districts")
    INSPECTOR = "inspector", _("Inspectors")


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
    E = "E", "E"


class IndexVersion(TimeStampedModel):
    """The weights of one composite index, as the city set them from a date on.

    Once a snapshot used a version it is frozen: changing weights means a new version, so an old ranking can
    always be recomputed exactly as it was (``used_at`` is set by the first snapshot and locks the row).
    """

    subject = models.CharField(_("evaluated"), max_length=16, choices=Subject.choices)
    name = models.CharField(_("name"), max_length=100)
    # {indicator code: weight in points}; weights add up to 100. "volume" scores handled cases against
    # ``volume_target`` (full points at or above it).
    weights = models.JSONField(_("weights"), default=dict)
    volume_target = models.PositiveIntegerField(_("volume for full points"), default=50)
    min_volume = models.PositiveIntegerField(
        _("minimum volume"), default=5,
        help_text=_("A subject with fewer cases than this is marked and not ranked."),
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    used_at = models.DateTimeField(_("first used"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("index version")
        verbose_name_plural = _("index versions")
        ordering = ["subject", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} · {self.name} ({self.effective_from})"
