"""Road chiefs' patrols (路长巡查): the city's patrol rule per chief level, each patrol of a road segment with its GPS
check-ins, the findings it filed as cases, and its append-only log.

Who is a road chief comes from the register (``org.RoadChief.person``), not from a role: the register already
says which segment at which level, and a role could only be scoped to a whole unit or area. A patrol belongs to one
register row (one chief of one segment)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PatrolPeriod(models.TextChoices):
    DAY = "day", pgettext_lazy("patrol period", "Daily")
    WEEK = "week", pgettext_lazy("patrol period", "Weekly")
    MONTH = "month", pgettext_lazy("patrol period", "Monthly")


class PatrolRule(models.Model):
    """How often a chief of one level patrols each of their segments: ``times`` patrols per ``period``."""

    # The values of org.RoadChief.Level (1 city … 4 community); one rule per level.
    level = models.PositiveSmallIntegerField(_("chief level"), unique=True)
    period = models.CharField(_("period"), max_length=8, choices=PatrolPeriod.choices)
    times = models.PositiveSmallIntegerField(_("patrols per period"), default=1)

    class Meta:
        verbose_name = _("patrol rule")
        verbose_name_plural = _("patrol rules")
        ordering = ["level"]
        constraints = [models.CheckConstraint(condition=Q(times__gte=1), name="inspections_patrolrule_times_positive")]

    def __str__(self) -> str:
        return f"{self.level} {self.period}×{self.times}"


class PatrolState(models.TextChoices):
    OPEN = "open", pgettext_lazy("patrol", "Under way (巡查中)")
    DONE = "done", pgettext_lazy("patrol", "Done (已完成)")
    INCOMPLETE = "incomplete", pgettext_lazy("patrol", "Ended without covering the road (未完成)")


class Patrol(models.Model):
    chief = models.ForeignKey("org.RoadChief", on_delete=models.PROTECT, related_name="patrols",
                              verbose_name=_("road chief"))
    # The chief's segment, kept on the patrol so scope and the log need no join through the register.
    segment = models.ForeignKey("org.RoadSegment", on_delete=models.PROTECT, related_name="patrols",
                                verbose_name=_("road segment"))
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrols",
                               verbose_name=_("patrolled by"))
    state = models.CharField(_("state"), max_length=16, choices=PatrolState.choices, default=PatrolState.OPEN)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # Share of the segment's length between the first and the last accepted check-in along it (0…1).
    coverage = models.FloatField(_("coverage"), default=0)
    points = models.PositiveIntegerField(_("accepted check-ins"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("road patrol")
        verbose_name_plural = _("road patrols")
        ordering = ["-started_at", "-pk"]
        constraints = [
            # One patrol under way per chief and segment: a second start returns the open one.
            models.UniqueConstraint(fields=["chief"], condition=Q(state="open"), name="inspections_patrol_one_open"),
        ]
        indexes = [models.Index(fields=["chief", "ended_at"], name="inspections_patrol_chief_end"),
                   # The log: the latest patrols first.
                   models.Index(fields=["-started_at", "-id"], name="inspections_patrol_started")]

    def __str__(self) -> str:
        return f"{self.segment_id} {self.started_at:%Y-%m-%d %H:%M}"


class PatrolCheckin(models.Model):
    """One accepted GPS check-in: where, when, how far from the segment and how far along it."""

    patrol = models.ForeignKey(Patrol, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("patrol"))
    lng = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    at = models.DateTimeField(_("at"))
    distance_m = models.FloatField(_("distance to the road (m)"))
    along_m = models.FloatField(_("position along the road (m)"))

    class Meta:
        verbose_name = _("patrol check-in")
        verbose_name_plural = _("patrol check-ins")
        ordering = ["patrol", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.patrol_id} {self.at:%H:%M}"


class PatrolFinding(models.Model):
    """A problem seen on a patrol, filed as a case on the road-chief channel; the case links back here."""

    patrol = models.ForeignKey(Patrol, on_delete=models.PROTECT, related_name="findings", verbose_name=_("patrol"))
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="patrol_finding",
                                verbose_name=_("case"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("patrol finding")
        verbose_name_plural = _("patrol findings")
        ordering = ["patrol", "pk"]

    def __str__(self) -> str:
        return f"{self.patrol_id} {self.case_id}"


class PatrolEventAction(models.TextChoices):
    STARTED = "started", pgettext_lazy("patrol event", "Patrol started")
    CHECKIN = "checkin", pgettext_lazy("patrol event", "Checked in")
    REFUSED = "refused", pgettext_lazy("patrol event", "Check-in refused (too far from the road)")
    FINDING = "finding", pgettext_lazy("patrol event", "Problem reported")
    DONE = "done", pgettext_lazy("patrol event", "Road covered: patrol done")
    ENDED = "ended", pgettext_lazy("patrol event", "Patrol ended")


class PatrolEvent(models.Model):
    """The patrol's log, append-only."""

    patrol = models.ForeignKey(Patrol, on_delete=models.PROTECT, related_name="events", verbose_name=_("patrol"))
    action = models.CharField(_("action"), max_length=16, choices=PatrolEventAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("actor"))
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("patrol event")
        verbose_name_plural = _("patrol events")
        ordering = ["patrol", "pk"]

    def __str__(self) -> str:
        return f"{self.patrol_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("patrol events are append-only")
        super().save(*args, **kwargs)
