from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def evidence_path(instance, filename: str) -> str:
    return f"evidence/{instance.case_id}/{instance.sha256[:2]}/{filename}"


class Evidence(models.Model):
    """A photo or document attached to a case: the report's before-photo, a rectification's after-photo."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("Before (问题照片)")
        AFTER = "after", _("After (整改照片)")
        DOCUMENT = "document", _("Document")

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="evidence", verbose_name=_("case"))
    event = models.ForeignKey(
        "cases.CaseEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("event")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    extension = models.CharField(max_length=8, editable=False)
    size = models.PositiveIntegerField(_("bytes"))
    sha256 = models.CharField(max_length=64, db_index=True, editable=False)
    # What the photo says about itself (EXIF), read before it is stripped from every shared copy.
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    taken_at = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    gps_lng = models.FloatField(_("GPS longitude (EXIF)"), null=True, blank=True)
    gps_lat = models.FloatField(_("GPS latitude (EXIF)"), null=True, blank=True)
    # 64-bit perceptual hash as 16 hex digits, and its four 16-bit bands: two photos within Hamming
    # distance 3 share at least one band, so candidates are found through an index.
    phash = models.CharField(max_length=16, blank=True)
    phash_b0 = models.CharField(max_length=4, blank=True, db_index=True)
    phash_b1 = models.CharField(max_length=4, blank=True, db_index=True)
    phash_b2 = models.CharField(max_length=4, blank=True, db_index=True)
    phash_b3 = models.CharField(max_length=4, blank=True, db_index=True)
    # Copies without EXIF (position, device, time) for everyone but the command centre.
    public_file = models.FileField(_("shared copy"), upload_to="evidence/public/", max_length=200, blank=True)
    thumbnail = models.FileField(_("thumbnail"), upload_to="evidence/thumbs/", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.sha256[:8]}"
