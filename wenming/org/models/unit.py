from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.common.models import TimeStampedModel


class UnitKind(models.TextChoices):
    COMMAND = "command", _("Command centre")
    DEPARTMENT = "department", _("Government department")
    GOVERNMENT = "government", _("District or street government")
    UTILITY = "utility", _("Utility (power, water, gas, heat)")
    TELECOM = "telecom", _("Telecom operator")
    ENTERPRISE = "enterprise", _("Enterprise or property company")
    OTHER = "other", _("Other")


class Unit(TimeStampedModel):
    """A 责任单位: anyone a case can be dispatched to."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent unit")
    )
    path = models.CharField(_("path"), max_length=400, db_index=True, editable=False)
    area = models.ForeignKey(
        "org.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        verbose_name=_("jurisdiction"),
        help_text=_("For district and street governments: the area they govern."),
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        prefix = self.parent.path if self.parent_id else "/"
        self.path = f"{prefix}{self.code}/"
        super().save(*args, **kwargs)
