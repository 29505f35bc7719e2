"""Inspection rounds (暗访批次): the sampled sites, who checks which on which day, the results, and the round's log.

A round is unannounced: until its findings are released (``released_at``) only its planners see it (the access
rule's row limit); the inspector sees only the assignments given to them. Every change to a round is a
``RoundEvent`` (append-only)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .schemes import Outcome, Scheme, SchemeItem


class RoundState(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("inspection round", "Planned (未公开)")
    RELEASED = "released", pgettext_lazy("inspection round", "Findings released (已通报)")


class Round(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    state = models.CharField(_("state"), max_length=16, choices=RoundState.choices, default=RoundState.PLANNED)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    firm_name = models.CharField(_("third-party firm"), max_length=100)
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="inspection_rounds",
                                        verbose_name=_("inspectors"))
    districts = models.ManyToManyField("org.Area", blank=True, related_name="inspection_rounds",
                                       verbose_name=_("districts"))
    units = models.ManyToManyField("org.Unit", blank=True, related_name="inspection_rounds", verbose_name=_("units"))
    schemes = models.ManyToManyField(Scheme, related_name="rounds", verbose_name=_("scheme versions"))
    seed = models.BigIntegerField(_("random seed"))
    default_sample_size = models.PositiveIntegerField(_("sample size per stratum"), default=3)
    # Sample sizes by stratum, "<district code>:<site type code>" → n; a stratum not named takes the default.
    sample_sizes = models.JSONField(_("sample sizes by stratum"), default=dict, blank=True)
    # How the sample was drawn, shown on the round: one entry per stratum (district, site type, population, sample).
    method = models.JSONField(_("sampling method"), default=dict, blank=True)
    released_at = models.DateTimeField(_("findings released at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        ordering = ["-starts_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                              name="inspections_round_dates_ordered")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AssignmentKind(models.TextChoices):
    INSPECT = "inspect", _("Inspection (暗访)")
    REINSPECT = "reinspect", _("Re-inspection (复查)")


class Assignment(models.Model):
    """A site to check on a day by an inspector: the round's first visit, or a re-inspection of one finding."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("round"))
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="inspection_assignments",
                             verbose_name=_("site"))
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("scheme"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="inspection_assignments", verbose_name=_("inspector"))
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=16, choices=AssignmentKind.choices, default=AssignmentKind.INSPECT)
    # A re-inspection checks one finding (a failed result) again.
    finding = models.ForeignKey("Result", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="reinspections", verbose_name=_("finding"))
    # Where the site lies: its district, for the sample's strata and the round's tables.
    district = models.ForeignKey("org.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("district"))
    stratum = models.CharField(_("stratum"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("inspection assignment")
        verbose_name_plural = _("inspection assignments")
        ordering = ["day", "assignee", "site__code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "site"], condition=Q(kind="inspect"),
                                    name="inspections_assignment_site_once"),
            models.UniqueConstraint(fields=["finding"], condition=Q(kind="reinspect"),
                                    name="inspections_reinspection_once"),
        ]
        indexes = [models.Index(fields=["assignee", "day"], name="inspections_assign_day")]

    def __str__(self) -> str:
        return f"{self.round.code} {self.site.code} {self.day}"


class Result(models.Model):
    """What the inspector found for one item at one assigned site, stored once by the client's id."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="results", verbose_name=_("round"))
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="results",
                                   verbose_name=_("assignment"))
    item = models.ForeignKey(SchemeItem, on_delete=models.PROTECT, related_name="results", verbose_name=_("item"))
    outcome = models.CharField(_("result"), max_length=8, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    observed_at = models.DateTimeField(_("observed at"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    client_id = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("inspector"))
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="inspection_results", verbose_name=_("case"))

    class Meta:
        verbose_name = _("inspection result")
        verbose_name_plural = _("inspection results")
        ordering = ["assignment", "item__sort", "item__code"]
        constraints = [models.UniqueConstraint(fields=["assignment", "item"], name="inspections_result_once")]

    def __str__(self) -> str:
        return f"{self.item.code} {self.outcome}"

    @property
    def is_finding(self) -> bool:
        return self.outcome in {Outcome.FAIL, Outcome.SEVERE}


class RoundEventAction(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("round event", "Planned and sampled")
    RESULTS = "results", pgettext_lazy("round event", "Results synced")
    CONFLICT = "conflict", pgettext_lazy("round event", "Conflicting result refused")
    RELEASED = "released", pgettext_lazy("round event", "Findings released")
    NOTICES = "notices", pgettext_lazy("round event", "Supervision notices issued")
    REINSPECTION = "reinspection", pgettext_lazy("round event", "Re-inspection assigned")
    SETTLED = "settled", pgettext_lazy("round event", "Sync conflict settled")


class RoundEvent(models.Model):
    """The round's log, append-only."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="events", verbose_name=_("round"))
    action = models.CharField(_("action"), max_length=16, choices=RoundEventAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("actor"))
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection round event")
        verbose_name_plural = _("inspection round events")
        ordering = ["round", "pk"]

    def __str__(self) -> str:
        return f"{self.round_id} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("round events are append-only")
        super().save(*args, **kwargs)
