from django.db import models
from django.utils.translation import gettext_lazy as _


class RoutingRule(models.Model):
    """(category, area or site type) → responsible unit.

    A rule on a 大类 covers its 小类; a rule on an area covers everything inside it. Among matching rules
    the most specific wins: site type before area, a deeper area before a shallower one, a 小类 before
    its 大类, then the higher priority.
    """

    category = models.ForeignKey(
        "cases.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="routing_rules",
        verbose_name=_("category"), help_text=_("Empty: every category."),
    )
    area = models.ForeignKey(
        "org.Area", null=True, blank=True, on_delete=models.CASCADE, related_name="routing_rules",
        verbose_name=_("area"), help_text=_("Empty: the whole city."),
    )
    site_type = models.ForeignKey(
        "org.SiteType", null=True, blank=True, on_delete=models.CASCADE, related_name="routing_rules",
        verbose_name=_("site type"), help_text=_("Set: applies only at sites of this type."),
    )
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="routing_rules", verbose_name=_("unit"))
    priority = models.SmallIntegerField(_("priority"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["category__code", "-priority"]

    def __str__(self) -> str:
        scope = self.site_type or self.area or _("whole city")
        return f"{self.category or _('any category')} @ {scope} → {self.unit}"
