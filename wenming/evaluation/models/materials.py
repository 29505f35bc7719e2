"""The online materials (网报材料): what each criterion asks the city to submit, the units' uploads with their
versions, and the evaluation office's review.

An edition has one submission window (``SubmissionWindow``): uploads and review steps happen only while it is
open. A criterion asks for materials (``MaterialRequirement``: a photo set, an official document, an explanatory
report or a data table, with its count, formats, size and resolution limits, its units and due date). Each upload
by a unit is a new ``MaterialSubmission`` of the requirement (revision 1, 2, …) with its files
(``MaterialFile``); the requirement keeps its latest submission and that submission's state (``state``, copied so
the completeness board counts by one indexed column). Every step is a ``MaterialEvent`` (append-only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.common.models import TimeStampedModel

from .framework import Criterion, Edition


class SubmissionWindow(TimeStampedModel):
    """When the units may upload an edition's materials and the office review them (网报时间)."""

    edition = models.OneToOneField(Edition, on_delete=models.CASCADE, related_name="material_window",
                                   verbose_name=_("edition"))
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("submission window")
        verbose_name_plural = _("submission windows")

    def __str__(self) -> str:
        return f"{self.edition} {self.opens_at:%Y-%m-%d}–{self.closes_at:%Y-%m-%d}"

    def is_open(self, now) -> bool:
        return self.opens_at <= now < self.closes_at


class MaterialKind(models.TextChoices):
    PHOTOS = "photos", _("Photo set (图片集)")
    DOCUMENT = "document", _("Official document (正式文件)")
    REPORT = "report", _("Explanatory report (情况说明)")
    TABLE = "table", _("Data table (数据表格)")


class MaterialFormat(models.TextChoices):
    """The formats a requirement may allow, each recognised from the file's bytes (never its name)."""

    PDF = "pdf", "PDF"
    JPG = "jpg", "JPEG"
    PNG = "png", "PNG"
    WEBP = "webp", "WebP"
    HEIC = "heic", "HEIC"
    DOCX = "docx", "Word (.docx)"
    XLSX = "xlsx", "Excel (.xlsx)"


IMAGE_FORMATS = frozenset({MaterialFormat.JPG, MaterialFormat.PNG, MaterialFormat.WEBP, MaterialFormat.HEIC})
# What each kind allows unless the requirement says otherwise.
DEFAULT_FORMATS = {
    MaterialKind.PHOTOS: ["jpg", "png", "webp", "heic"],
    MaterialKind.DOCUMENT: ["pdf"],
    MaterialKind.REPORT: ["pdf", "docx"],
    MaterialKind.TABLE: ["xlsx", "pdf"],
}


class MaterialState(models.TextChoices):
    MISSING = "missing", _("Missing (未报送)")
    SUBMITTED = "submitted", _("Submitted (已报送)")
    RETURNED = "returned", _("Returned (已退回)")
    RESUBMITTED = "resubmitted", _("Resubmitted (已重报)")
    APPROVED = "approved", _("Approved (已通过)")


class MaterialGrade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent (优)")
    GOOD = "good", _("Good (良)")
    FAIR = "fair", _("Fair (中)")
    POOR = "poor", _("Poor (差)")


class MaterialRequirement(TimeStampedModel):
    """One material a criterion asks for, who submits it, by when; its latest submission's state."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="material_requirements",
                                verbose_name=_("edition"))
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="material_requirements",
                                  verbose_name=_("criterion"))
    kind = models.CharField(_("kind"), max_length=16, choices=MaterialKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what to submit"), blank=True)
    required_count = models.PositiveSmallIntegerField(_("files required"), default=1)
    formats = models.JSONField(_("allowed formats"), default=list)
    max_size_mb = models.PositiveIntegerField(_("largest file (MB)"), default=20)
    min_side_px = models.PositiveIntegerField(_("least image resolution (shorter side, px)"), null=True, blank=True)
    lead_unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="led_materials", verbose_name=_("lead unit (牵头单位)"))
    responsible_units = models.ManyToManyField("org.Unit", blank=True, related_name="shared_materials",
                                               verbose_name=_("responsible units (责任单位)"))
    due_on = models.DateField(_("due on"))
    sort = models.PositiveIntegerField(_("order"), default=0)
    state = models.CharField(_("state"), max_length=16, choices=MaterialState.choices, default=MaterialState.MISSING)
    latest = models.ForeignKey("MaterialSubmission", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("latest submission"))
    # Raised by every step and every edit: a form posted from an older page is refused, not merged.
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("required material")
        verbose_name_plural = _("required materials")
        ordering = ["edition", "criterion", "sort", "id"]
        constraints = [models.UniqueConstraint(fields=["criterion", "title"], name="evaluation_material_title_unique")]
        indexes = [
            # The drill-down lists: one state (or the overdue ones) of an edition, by due date.
            models.Index(fields=["edition", "state", "due_on"], name="evaluation_material_state_idx"),
            # The readiness page's counts per criterion.
            models.Index(fields=["criterion", "state"], name="evaluation_material_crit_idx"),
            # The completeness board's two grouped queries, each read from its index alone.
            models.Index(fields=["edition", "lead_unit", "state", "due_on"], name="evaluation_material_unit_idx"),
            models.Index(fields=["edition", "criterion", "state", "due_on"], name="evaluation_material_board_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code} {self.title}"

    @property
    def format_labels(self) -> list[str]:
        labels = dict(MaterialFormat.choices)
        return [str(labels[f]) for f in self.formats if f in labels]


class MaterialSubmission(models.Model):
    """One upload of a requirement's files by a unit (its revision), and the office's review of it."""

    requirement = models.ForeignKey(MaterialRequirement, on_delete=models.PROTECT, related_name="submissions",
                                    verbose_name=_("required material"))
    revision = models.PositiveIntegerField(_("version"))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    state = models.CharField(_("state"), max_length=16, choices=MaterialState.choices)
    note = models.TextField(_("note"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"))
    grade = models.CharField(_("quality grade"), max_length=16, choices=MaterialGrade.choices, blank=True)
    review_note = models.TextField(_("review comments"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("material submission")
        verbose_name_plural = _("material submissions")
        ordering = ["requirement", "-revision"]
        constraints = [models.UniqueConstraint(fields=["requirement", "revision"],
                                               name="evaluation_material_revision_unique")]

    def __str__(self) -> str:
        return f"{self.requirement_id} v{self.revision}"


class MaterialFile(models.Model):
    """A file of a submission, as checked on upload: its real type, size, pages or pixels, its digest."""

    submission = models.ForeignKey(MaterialSubmission, on_delete=models.PROTECT, related_name="files",
                                   verbose_name=_("submission"))
    name = models.CharField(_("file name"), max_length=200)
    # A plain folder: the orphan-file sweep reads it off the field (common.services.files).
    file = models.FileField(_("file"), upload_to="materials/", max_length=300)
    format = models.CharField(_("format"), max_length=8, choices=MaterialFormat.choices)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    # The same bytes already submitted under other criteria: [{"criterion": code, "requirement": title}, …].
    duplicates = models.JSONField(_("also submitted under"), default=list, blank=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("material file")
        verbose_name_plural = _("material files")
        ordering = ["submission", "sort", "id"]

    def __str__(self) -> str:
        return self.name


class MaterialEventAction(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("material event", "Submitted")
    RESUBMITTED = "resubmitted", pgettext_lazy("material event", "Resubmitted")
    RETURNED = "returned", pgettext_lazy("material event", "Returned with comments")
    APPROVED = "approved", pgettext_lazy("material event", "Approved")
    EDITED = "edited", pgettext_lazy("material event", "Requirement changed")
    IMPORTED = "imported", pgettext_lazy("material event", "Requirement imported")
    REMINDED = "reminded", pgettext_lazy("material event", "Reminded before the due date")


class MaterialEvent(models.Model):
    """Append-only history of a required material: each upload, review, edit and reminder."""

    requirement = models.ForeignKey(MaterialRequirement, on_delete=models.PROTECT, related_name="events",
                                    verbose_name=_("required material"))
    submission = models.ForeignKey(MaterialSubmission, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="events", verbose_name=_("submission"))
    action = models.CharField(_("action"), max_length=16, choices=MaterialEventAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("actor"))
    from_state = models.CharField(_("from state"), max_length=16, blank=True)
    to_state = models.CharField(_("to state"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("material event")
        verbose_name_plural = _("material events")
        ordering = ["requirement", "at", "id"]

    def __str__(self) -> str:
        return f"{self.requirement_id} {self.action}"
