"""Inspection schemes (暗访方案): a checklist per site type, in versions. A round keeps the versions it was planned
with; importing a scheme again makes a new version and leaves the old one as it was."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    PASS = "pass", _("Compliant (符合)")
    FAIL = "fail", _("Non-compliant (不符合)")
    SEVERE = "severe", _("Seriously non-compliant (严重不合格)")
    NOT_APPLICABLE = "na", _("Not applicable (不适用)")


# The outcomes that make a finding (a case, a photo, a place and a time are required).
FAILING = frozenset({Outcome.FAIL.value, Outcome.SEVERE.value})


class Scheme(models.Model):
    """One version of the checklist for one site type."""

    site_type = models.ForeignKey("org.SiteType", on_delete=models.PROTECT, related_name="inspection_schemes",
                                  verbose_name=_("site type"))
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=100)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        verbose_name = _("inspection scheme")
        verbose_name_plural = _("inspection schemes")
        ordering = ["site_type__sort", "-version"]
        constraints = [models.UniqueConstraint(fields=["site_type", "version"], name="inspections_scheme_version_unique")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class SchemeItem(models.Model):
    """A coded checklist item ("农贸市场-01-03"), linked to a 测评标准 clause and the case category a failure files as."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="items", verbose_name=_("scheme"))
    code = models.CharField(_("code"), max_length=40)
    text = models.CharField(_("text"), max_length=300)
    clause = models.ForeignKey("evaluation.Clause", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="inspection_items", verbose_name=_("evaluation standard clause"))
    category = models.ForeignKey("cases.Category", on_delete=models.PROTECT, related_name="inspection_items",
                                 verbose_name=_("case category"))
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=1)
    sampling_rule = models.CharField(_("sampling rule"), max_length=200, blank=True)
    sampling_distance_m = models.PositiveIntegerField(_("distance to walk (m)"), null=True, blank=True)
    sampling_min_count = models.PositiveIntegerField(_("minimum count"), null=True, blank=True)
    sort = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")
        ordering = ["scheme", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="inspections_item_code_unique")]

    def __str__(self) -> str:
        return self.code
