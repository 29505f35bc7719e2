import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wenming.common.models import TimeStampedModel

from .index import Subject


class Period(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class SnapshotStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ScoreSnapshot(TimeStampedModel):
    """The scores of one kind of subject for one week or month, with the index version that weighed them.

    ``figures`` holds every subject's indicators (numerator, denominator, value), index, grade and rank. A
    draft is recomputed freely; once published the figures never change: a recomputation that differs is
    kept as a ``ScoreCorrection`` shown beside them.
    """

    subject = models.CharField(_("evaluated"), max_length=16, choices=Subject.choices)
    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    start = models.DateField(_("first day"))
    end = models.DateField(_("day after the last"))
    index_version = models.ForeignKey(
        "scoring.IndexVersion", on_delete=models.PROTECT, related_name="snapshots", verbose_name=_("index version")
    )
    status = models.CharField(_("status"), max_length=16, choices=SnapshotStatus.choices, default=SnapshotStatus.DRAFT)
    figures = models.JSONField(_("figures"), default=dict)
    # For each subject and indicator: [case id, counted in the numerator, [event ids]] — the explanation.
    evidence = models.JSONField(_("evidence"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("score snapshot")
        verbose_name_plural = _("score snapshots")
        ordering = ["-start", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "period", "start"], name="score_snapshot_period_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} {self.get_period_display()} {self.start:%Y-%m-%d}–{self.last_day:%m-%d}"

    @property
    def is_published(self) -> bool:
        return self.status == SnapshotStatus.PUBLISHED

    @property
    def last_day(self):
        return self.end - dt.timedelta(days=1)


class ScoreCorrection(models.Model):
    """A recomputation of a published snapshot that came out different: kept beside it, never merged in."""

    snapshot = models.ForeignKey(
        ScoreSnapshot, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("snapshot")
    )
    figures = models.JSONField(_("recomputed figures"), default=dict)
    evidence = models.JSONField(_("evidence"), default=dict)
    # [{"key", "name", "field", "published", "recomputed"}] — what differs from the published figures.
    diff = models.JSONField(_("differences"), default=list)
    computed_at = models.DateTimeField(_("computed at"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("score correction")
        verbose_name_plural = _("score corrections")
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.snapshot} · {self.computed_at:%Y-%m-%d %H:%M}"


class BoardStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Approved and published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RedBlackList(TimeStampedModel):
    """红黑榜: the best (red) and worst (black) ranked subjects of a published snapshot, after approval."""

    snapshot = models.ForeignKey(
        ScoreSnapshot, on_delete=models.PROTECT, related_name="boards", verbose_name=_("snapshot")
    )
    status = models.CharField(_("status"), max_length=16, choices=BoardStatus.choices, default=BoardStatus.DRAFT)
    size = models.PositiveSmallIntegerField(_("entries per list"), default=3)
    # [{"key", "name", "index", "grade", "rank"}], copied from the snapshot when drafted.
    red = models.JSONField(_("red list"), default=list)
    black = models.JSONField(_("black list"), default=list)
    note = models.TextField(_("note"), blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("drafted by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("approved by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("red/black list")
        verbose_name_plural = _("red/black lists")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot"], condition=~Q(status="withdrawn"), name="red_black_list_one_live_per_snapshot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot} · {self.get_status_display()}"
