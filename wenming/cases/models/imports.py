from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.common.models import TimeStampedModel

from .case import Channel

# The fields a case import can fill, in the order the report lists them.
IMPORT_FIELDS = ["external_id", "reported_at", "description", "category", "urgency", "address", "lng", "lat",
                 "reporter_name", "reporter_phone"]


class CaseImportMapping(TimeStampedModel):
    """How another system's export reads: which column holds which field, and how its categories map onto
    ours. The city sets these in the admin; the provincial platform's and 12345's ship with the app."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # {field: column title}, e.g. {"external_id": "工单编号", "description": "诉求内容", …}
    columns = models.JSONField(_("columns"), default=dict)
    # {their category text: our 小类 code}; a cell may also hold our code or our 小类 name directly.
    category_map = models.JSONField(_("category mapping"), default=dict, blank=True)
    default_category = models.CharField(
        _("default category code"), max_length=16, blank=True,
        help_text=_("Used when a row has no category; empty leaves such cases for the command centre to classify."),
    )
    crs = models.CharField(_("coordinate system"), max_length=8, default="wgs84",
                           choices=[("wgs84", "WGS-84"), ("gcj02", "GCJ-02"), ("bd09", "BD-09")])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("case import mapping")
        verbose_name_plural = _("case import mappings")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CaseImport(models.Model):
    """One import of a file: who, when, with which mapping, and the row-by-row report."""

    mapping = models.ForeignKey(CaseImportMapping, on_delete=models.PROTECT, related_name="imports", verbose_name=_("mapping"))
    file_name = models.CharField(_("file"), max_length=200)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("imported by"))
    dry_run = models.BooleanField(_("dry run"), default=False)
    strict = models.BooleanField(_("all or nothing"), default=False)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    skipped = models.PositiveIntegerField(_("already imported"), default=0)
    refused = models.PositiveIntegerField(_("refused"), default=0)
    # [{"row": 2, "external_id": "…", "status": "accepted|skipped|refused", "reason": "…", "case": id}, …]
    rows = models.JSONField(_("rows"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("case import")
        verbose_name_plural = _("case imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} · {self.created_at:%Y-%m-%d %H:%M}"
