from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.common.models import TimeStampedModel


class Facility(TimeStampedModel):
    """A 部件: a manhole cover, a pole, a street lamp… and who owns and maintains it."""

    class State(models.TextChoices):
        INTACT = "intact", _("Intact (完好)")
        DAMAGED = "damaged", _("Damaged (破损)")
        MISSING = "missing", _("Missing (丢失)")
        OCCUPIED = "occupied", _("Occupied (占用)")

    code = models.CharField(_("code"), max_length=16, unique=True, help_text=_("6 county + 2 major + 2 minor + 6 serial."))
    category = models.ForeignKey(
        "cases.Category", on_delete=models.PROTECT, related_name="facilities", verbose_name=_("component class")
    )
    lng = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    area = models.ForeignKey(
        "org.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="facilities", verbose_name=_("grid")
    )
    owner_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="owned_facilities", verbose_name=_("owner (权属单位)")
    )
    maintainer_unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="maintained_facilities",
        verbose_name=_("maintainer (养护单位)"),
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.INTACT)
    in_use = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("facility (部件)")
        verbose_name_plural = _("facilities (部件)")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.category.name} {self.code}"

    @property
    def responsible_unit(self):
        return self.maintainer_unit or self.owner_unit
