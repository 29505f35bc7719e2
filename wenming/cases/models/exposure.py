from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.common.models import TimeStampedModel


class Exposure(TimeStampedModel):
    """A case the command centre puts on the exposure board (创城曝光台). Once its case is closed it moves to
    the rectification showcase (整改进行时) with its before and after photos. Only what is written here for
    the public and the photos with faces and plates covered are ever published."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="exposure", verbose_name=_("case"))
    headline = models.CharField(_("headline"), max_length=100)
    summary = models.TextField(_("text for the public"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("published by"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("exposure")
        verbose_name_plural = _("exposures")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["state", "published_at"], name="exposure_state_published_idx")]

    def __str__(self) -> str:
        return self.headline


def rendered_path(instance, filename: str) -> str:
    return f"exposure/{instance.exposure_id}/{filename}"


class ExposurePhoto(models.Model):
    """One of the case's photos chosen for publication, with the boxes the command centre drew over faces and
    plates (fractions of the width and height), and the copy rendered with those areas blacked out."""

    exposure = models.ForeignKey(Exposure, on_delete=models.PROTECT, related_name="photos", verbose_name=_("exposure"))
    evidence = models.ForeignKey("cases.Evidence", on_delete=models.PROTECT, related_name="+", verbose_name=_("photo"))
    boxes = models.JSONField(_("covered areas"), default=list, blank=True)
    rendered = models.FileField(_("published copy"), upload_to=rendered_path, max_length=200)
    revision = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("exposure photo")
        verbose_name_plural = _("exposure photos")
        ordering = ["evidence__kind", "evidence_id"]
        constraints = [models.UniqueConstraint(fields=["exposure", "evidence"], name="exposure_photo_once")]

    def __str__(self) -> str:
        return f"{self.exposure} · {self.evidence_id}"
