"""Selections (评选): one workflow for every kind the city runs — 最美小区, 最美楼道, 文明社区, 道德模范, 诚信单位,
诚信示范街区, 诚信经营示范店 and the kinds it adds.

A ``SelectionKind`` says what is nominated (a compound or stairwell at a site, a unit, a person, a shop or
enterprise) and whether the title is an integrity (诚信) one, which a dishonest (失信) credit subject may not enter.
A ``Call`` (评选活动) runs the kind once: criteria, dates, quotas per district (``CallQuota``). A ``Nomination`` is
one entry, by a unit, a community or the public, with photos and a statement; every step it takes is a
``NominationEvent`` (append-only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.common.models import TimeStampedModel


class SubjectKind(models.TextChoices):
    SITE = "site", _("Place (compound, stairwell, street)")
    UNIT = "unit", _("Unit")
    PERSON = "person", _("Person")
    ENTERPRISE = "enterprise", _("Enterprise or shop")


class SelectionKind(TimeStampedModel):
    """A kind of selection the city runs (最美楼道, 诚信经营示范店…); the city adds its own."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=60)
    subject = models.CharField(_("nominee"), max_length=12, choices=SubjectKind.choices)
    # 诚信 titles: a subject with an effective dishonesty (失信) record cannot be nominated.
    integrity = models.BooleanField(_("integrity title (诚信)"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("selection kind")
        verbose_name_plural = _("selection kinds")

    def __str__(self) -> str:
        return self.name


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    NOMINATING = "nominating", _("Taking nominations")
    REVIEWING = "reviewing", _("Qualification and expert review")
    VOTING = "voting", _("Public vote")
    NOTICE = "notice", _("Public notice (公示)")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class Call(TimeStampedModel):
    """One run of a selection kind (评选活动): its criteria, dates and quotas."""

    kind = models.ForeignKey(SelectionKind, on_delete=models.PROTECT, related_name="calls", verbose_name=_("kind"))
    title = models.CharField(_("title"), max_length=120)
    criteria = models.TextField(_("criteria"), blank=True)
    organiser = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="selection_calls",
                                  verbose_name=_("organiser"))
    status = models.CharField(_("status"), max_length=12, choices=CallStatus.choices, default=CallStatus.DRAFT,
                              db_index=True)
    nominations_open = models.DateTimeField(_("nominations open"))
    nominations_close = models.DateTimeField(_("nominations close"))
    vote_opens = models.DateTimeField(_("vote opens"), null=True, blank=True)
    vote_closes = models.DateTimeField(_("vote closes"), null=True, blank=True)
    # 公示: commonly 5–7 working days, objections handled before naming.
    notice_days = models.PositiveSmallIntegerField(_("public notice (working days)"), default=5)
    # The final score: expert average × expert_weight + vote share × (100 − expert_weight), in percent.
    expert_weight = models.PositiveSmallIntegerField(_("expert weight (%)"), default=70)
    version = models.PositiveIntegerField(_("version"), default=0)
    # Set when the organiser confirms the winners: the last working day of the notice (公示).
    notice_ends_on = models.DateField(_("notice ends on"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))

    class Meta:
        ordering = ["-nominations_open", "pk"]
        verbose_name = _("selection call")
        verbose_name_plural = _("selection calls")

    def __str__(self) -> str:
        return self.title


class CallQuota(models.Model):
    """How many titles a district may win in a call (名额)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="quotas", verbose_name=_("call"))
    area = models.ForeignKey("org.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    quota = models.PositiveSmallIntegerField(_("quota"))

    class Meta:
        ordering = ["call", "area__code"]
        constraints = [models.UniqueConstraint(fields=["call", "area"], name="selections_quota_one_per_area")]
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")

    def __str__(self) -> str:
        return f"{self.call} {self.area}: {self.quota}"


class NominatorKind(models.TextChoices):
    UNIT = "unit", _("Unit")
    COMMUNITY = "community", _("Community")
    PUBLIC = "public", _("Public")


class NominationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    QUALIFIED = "qualified", _("Qualified")
    HELD_BACK = "held_back", _("Held back")
    SHORTLISTED = "shortlisted", _("On the ballot")
    NOT_SELECTED = "not_selected", _("Not selected")
    IN_NOTICE = "in_notice", _("In public notice")
    WINNER = "winner", _("Winner")
    WITHDRAWN = "withdrawn", _("Withdrawn by the nominator")
    REVOKED = "revoked", _("Title withdrawn")


class Nomination(TimeStampedModel):
    """One entry in a call: the nominee (a site, a unit, a person or an enterprise), who nominated it, and where
    it stands. The nominee's area decides its district's quota."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="nominations", verbose_name=_("call"))
    number = models.PositiveIntegerField(_("number"))  # 编号 within the call, shown on the ballot
    name = models.CharField(_("nominee"), max_length=120)
    area = models.ForeignKey("org.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("site"))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("unit"))
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    statement = models.TextField(_("statement"))
    nominator_kind = models.CharField(_("nominated by"), max_length=12, choices=NominatorKind.choices)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("nominated by"))
    nominator_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                       verbose_name=_("nominating unit"))
    # A public nomination carries the nominator's verified phone, seen by the organiser only.
    nominator_phone = models.CharField(_("nominator's phone"), max_length=11, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=NominationStatus.choices,
                              default=NominationStatus.SUBMITTED, db_index=True)
    # Shown on the winners' page when a title is withdrawn (撤销), and on held-back entries to the nominator.
    public_note = models.TextField(_("public note"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    # Frozen when the organiser confirms the winners (the ranking then shown on the notice and the results).
    expert_average = models.DecimalField(_("expert average"), max_digits=5, decimal_places=2, null=True, blank=True)
    votes = models.PositiveIntegerField(_("votes"), null=True, blank=True)
    final_score = models.DecimalField(_("final score"), max_digits=5, decimal_places=2, null=True, blank=True)
    # The district whose quota the nominee counts against (the county above its area).
    district = models.ForeignKey("org.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("district"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["call", "number"]
        constraints = [models.UniqueConstraint(fields=["call", "number"], name="selections_nomination_number")]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")

    def __str__(self) -> str:
        return f"{self.number:03d} {self.name}"


class NominationPhoto(models.Model):
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="photos",
                                   verbose_name=_("nomination"))
    file = models.FileField(_("file"), upload_to="selections/%Y/%m/")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("nomination photo")
        verbose_name_plural = _("nomination photos")

    def __str__(self) -> str:
        return self.file.name


class NominationEvent(models.Model):
    """One step of a nomination (append-only): who, what, from which status to which, why."""

    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="events",
                                   verbose_name=_("nomination"))
    action = models.CharField(_("action"), max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("actor"))
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("nomination event")
        verbose_name_plural = _("nomination events")

    def __str__(self) -> str:
        return f"{self.nomination_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


# The labels of the events' actions (NominationEvent.action, CallEvent.action), shown on the staff pages.
EVENT_LABELS = {
    "nominated": _("Nominated"), "qualification": _("Qualification check"),
    "hold_overridden": _("Hold overridden"), "conflict_declared": _("Conflict of interest declared"),
    "scored": _("Scored"), "score_corrected": _("Score corrected"), "shortlisted": _("Put on the ballot"),
    "in_notice": _("In public notice"), "not_selected": _("Not selected"), "named": _("Title published"),
    "objection": _("Objection received"), "objection_decided": _("Objection decided"),
    "revoked": _("Title withdrawn"), "withdrawn": _("Withdrawn by the nominator"), "created": _("Created"),
    "edited": _("Edited"),
    "expert_added": _("Expert added"), "opened": _("Nominations opened"), "closed": _("Nominations closed"),
    "vote_opened": _("Public vote opened"), "notice_started": _("Public notice started"),
    "published": _("Published"), "cancelled": _("Cancelled"),
}


def _event_labels(event, statuses) -> None:
    event.action_label = EVENT_LABELS.get(event.action, event.action)
    event.from_label = statuses(event.from_status).label if event.from_status in statuses.values else ""
    event.to_label = statuses(event.to_status).label if event.to_status in statuses.values else ""


def nomination_event_labels(event) -> NominationEvent:
    _event_labels(event, NominationStatus)
    return event


def call_event_labels(event):
    _event_labels(event, CallStatus)
    return event
