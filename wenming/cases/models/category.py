from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.common.models import TimeStampedModel


class CategoryKind(models.TextChoices):
    COMPONENT = "component", _("Component (部件)")
    EVENT = "event", _("Event (事件)")


class Category(TimeStampedModel):
    """大类 (no parent) or 小类 (with a parent), coded in the GB/T 30428 manner; the table is data, not code."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=CategoryKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("major class")
    )
    plain_name = models.CharField(
        _("name in plain words"), max_length=100, blank=True, help_text=_("What a citizen would call it.")
    )
    register_condition = models.TextField(_("registration condition (立案条件)"), blank=True)
    close_condition = models.TextField(_("closing condition (结案条件)"), blank=True)
    facility_radius_m = models.PositiveIntegerField(
        _("facility search radius (m)"),
        default=0,
        help_text=_("Above zero, a case goes to the owner of the nearest facility of a matching class within this radius."),
    )
    facility_classes = models.ManyToManyField(
        "self", blank=True, symmetrical=False, related_name="+", verbose_name=_("facility classes"),
        help_text=_("Component classes whose owners answer for this problem (谁的设施谁负责). Empty: the category itself."),
    )
    local_duty = models.BooleanField(
        _("local duty applies"),
        default=True,
        help_text=_("The site's 包保 unit and the road chief answer for this problem when no rule names a unit."),
    )
    storefront_duty = models.BooleanField(
        _("shop-front problem (门前五包)"),
        default=False,
        help_text=_("At the frontage of a registered shop, this problem goes to the unit supervising the shop's "
                    "storefront duties (门前五包), before any rule, site or road chief."),
    )
    duplicate_radius_m = models.PositiveIntegerField(
        _("duplicate radius (m)"), default=50, help_text=_("Open cases of this category this close are suggested as duplicates.")
    )
    duplicate_window_hours = models.PositiveIntegerField(
        _("duplicate window (hours)"), default=72, help_text=_("…if reported within this many hours.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_major(self) -> bool:
        return self.parent_id is None


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency")


class Stage(models.TextChoices):
    REGISTER = "register", _("Registration (立案)")
    DISPATCH = "dispatch", _("Dispatch (派遣)")
    HANDLE = "handle", _("Handling (处置)")
    VERIFY = "verify", _("Verification (核查)")


class TimeUnit(models.TextChoices):
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")
    CLOCK_HOURS = "clock_hours", _("clock hours")


class TimeLimit(models.Model):
    """How long one stage of a 小类 may take at one urgency."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="time_limits", verbose_name=_("category"))
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    amount = models.DecimalField(_("amount"), max_digits=7, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=16, choices=TimeUnit.choices)

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        ordering = ["category", "urgency", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["category", "urgency", "stage"], name="one_time_limit_per_stage"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="time_limit_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.category.name} {self.get_urgency_display()} {self.get_stage_display()}: {self.amount} {self.get_unit_display()}"
