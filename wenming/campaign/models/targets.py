"""Scoped target lists: a task's rule (which sites, near which anchors, or how many per area) turned into lines.

Each line is one compound near a market, one school and the venues near it, one township and its count of
youth palaces… with an owner unit and a status. Lines are computed by ``campaign.services.targets`` and never
deleted: a line whose site or area left the scope is kept, marked out of scope, so its history stays.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TargetRule(models.TextChoices):
    NEAR = "near", _("Each target site near an anchor site")
    EACH = "each", _("Each target site")
    CLEAR = "clear", _("No target site near an anchor site")
    PER_AREA_MIN = "per_area_min", _("At least N per area")
    PER_AREA_MAX = "per_area_max", _("At most N per area")
    PER_PLACE = "per_place", _("At least N near each place")


# Rules whose lines are worked on by units (evidence, review), and rules whose lines are computed (met or gap).
EVIDENCE_RULES = frozenset({TargetRule.NEAR, TargetRule.EACH})
AREA_RULES = frozenset({TargetRule.PER_AREA_MIN, TargetRule.PER_AREA_MAX})


class TargetLineStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("target line", "To be fixed")
    SUBMITTED = "submitted", pgettext_lazy("target line", "Awaiting acceptance")
    ACCEPTED = "accepted", pgettext_lazy("target line", "Accepted")
    RETURNED = "returned", pgettext_lazy("target line", "Returned")
    MET = "met", pgettext_lazy("target line", "Met")
    GAP = "gap", pgettext_lazy("target line", "Not met")


# The statuses that count as done (green on the maps).
OK_STATUSES = frozenset({TargetLineStatus.ACCEPTED, TargetLineStatus.MET})


class TargetLine(models.Model):
    task = models.ForeignKey("campaign.Task", on_delete=models.PROTECT, related_name="lines", verbose_name=_("task"))
    site = models.ForeignKey("org.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="target_lines",
                             verbose_name=_("site"))
    area = models.ForeignKey("org.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="target_lines",
                             verbose_name=_("area"))
    # Copied from the area, so lists filter by area and scope with one prefix match and no join.
    area_path = models.CharField(_("area path"), max_length=255, blank=True)
    owner_unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="target_lines",
                                   verbose_name=_("owner unit"))
    status = models.CharField(_("status"), max_length=16, choices=TargetLineStatus.choices, default=TargetLineStatus.PENDING)
    count = models.PositiveIntegerField(_("counted"), default=0)
    required = models.PositiveIntegerField(_("required"), null=True, blank=True)
    # How many are missing (at least N), too many (at most N), or venues too near (clear); 0 when met. Stored, so
    # the gap list is one indexed read, largest first.
    gap = models.PositiveIntegerField(_("gap"), default=0)
    near = models.JSONField(_("nearby"), default=list, blank=True)
    distance_m = models.FloatField(_("distance (m)"), null=True, blank=True)
    in_scope = models.BooleanField(_("in scope"), default=True)
    note = models.TextField(_("evidence note"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("reviewed by"))
    review_note = models.TextField(_("review note"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("target line")
        verbose_name_plural = _("target lines")
        ordering = ["task", "area_path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "site"], condition=Q(site__isnull=False), name="targetline_one_per_site"),
            models.UniqueConstraint(fields=["task", "area"], condition=Q(site__isnull=True, area__isnull=False),
                                    name="targetline_one_per_area"),
        ]
        indexes = [
            # Lines of a status in list order (the filtered, paginated list, the map's points), and the counts by
            # status read from the index alone.
            models.Index(fields=["task", "status", "in_scope", "area_path"], name="targetline_task_status_idx"),
            models.Index(fields=["task", "area_path"], name="targetline_task_area_idx"),
            models.Index(fields=["task", "-gap", "area_path"], name="targetline_task_gap_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.site_id or self.area_id}"

    @property
    def colour(self) -> str:
        """The marker colour key the maps and lists share: ok, submitted, todo, out."""
        if not self.in_scope:
            return "out"
        if self.status in OK_STATUSES:
            return "ok"
        return "submitted" if self.status == TargetLineStatus.SUBMITTED else "todo"


class TargetEvidence(models.Model):
    line = models.ForeignKey(TargetLine, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("target line"))
    file = models.FileField(_("file"), upload_to="targets/%Y/%m/", max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("target evidence")
        verbose_name_plural = _("target evidence")
        ordering = ["line", "at", "id"]

    def __str__(self) -> str:
        return self.name
