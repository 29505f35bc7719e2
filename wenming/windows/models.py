"""The window service (窗口文明服务): service windows at the city's halls, banks, hospitals, stations and utility
offices; what they publicly commit to; their staff's certificates; the business they handle with its time limits;
the citizens' ratings (好差评) and complaints; and the "提质提效、文明服务" competition that ranks them.

Staff rows hold the least personal data the 持证上岗 check needs: a name, a position and the certificate. A rating
keeps a keyed hash of the phone that verified it, never the number.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wenming.common.calendar import WORKING_DAYS, WORKING_HOURS


class ServiceWindow(models.Model):
    """One counter (窗口) at a site, and the unit that answers for it. Its ``code`` is printed as the QR code at the
    counter: the citizen's page to rate it or complain is ``/windows/w/<code>/``."""

    site = models.ForeignKey("org.Site", on_delete=models.PROTECT, related_name="service_windows",
                             verbose_name=_("site"))
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="service_windows",
                             verbose_name=_("responsible unit"))
    name = models.CharField(_("counter name"), max_length=100)
    number = models.CharField(_("counter number"), max_length=20, blank=True)
    code = models.CharField(_("public code"), max_length=16, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service window")
        verbose_name_plural = _("service windows")
        ordering = ["site__name", "number", "pk"]

    def __str__(self) -> str:
        return f"{self.site.name} {self.name}" if self.site_id else self.name


class WindowCommitment(models.Model):
    """One published version of the window's 服务公示 (what it does, hours, materials) and 服务承诺 (promises).
    Versions are appended, never edited: the latest is what the counter shows."""

    window = models.ForeignKey(ServiceWindow, on_delete=models.CASCADE, related_name="commitments",
                               verbose_name=_("window"))
    version = models.PositiveIntegerField(_("version"))
    publicity = models.TextField(_("service publicity (服务公示)"))
    promise = models.TextField(_("service commitment (服务承诺)"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("published by"))

    class Meta:
        verbose_name = _("window commitment")
        verbose_name_plural = _("window commitments")
        ordering = ["window", "-version"]
        constraints = [models.UniqueConstraint(fields=["window", "version"], name="window_commitment_version_unique")]

    def __str__(self) -> str:
        return f"{self.window_id} v{self.version}"


class WindowStaff(models.Model):
    """A person at the counter and their certificate (持证上岗); reminded before it expires."""

    window = models.ForeignKey(ServiceWindow, on_delete=models.CASCADE, related_name="staff",
                               verbose_name=_("window"))
    name = models.CharField(_("name"), max_length=50)
    position = models.CharField(_("position"), max_length=50, blank=True)
    certificate_kind = models.CharField(_("certificate kind"), max_length=50, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=50, blank=True)
    certificate_expires = models.DateField(_("certificate expires"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("window staff")
        verbose_name_plural = _("window staff")
        ordering = ["window", "name", "pk"]
        indexes = [models.Index(fields=["certificate_expires"], name="window_staff_expiry_idx")]

    def __str__(self) -> str:
        return self.name


class LimitUnit(models.TextChoices):
    WORKING_DAYS = WORKING_DAYS, _("working days")
    WORKING_HOURS = WORKING_HOURS, _("working hours")


class BusinessItem(models.Model):
    """A kind of business (事项) with its legal time limit (法定时限) and the shorter one the city commits to
    (承诺时限, never longer than the legal one). 限时办结 is measured against the commitment."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    limit_unit = models.CharField(_("limit unit"), max_length=16, choices=LimitUnit.choices,
                                  default=LimitUnit.WORKING_DAYS)
    legal_limit = models.DecimalField(_("legal time limit"), max_digits=6, decimal_places=1,
                                      validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal(365))])
    commitment_limit = models.DecimalField(_("committed time limit"), max_digits=6, decimal_places=1,
                                           validators=[MinValueValidator(Decimal("0.5")),
                                                       MaxValueValidator(Decimal(365))])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("business item")
        verbose_name_plural = _("business items")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(commitment_limit__lte=models.F("legal_limit")),
                                              name="business_item_commitment_within_legal")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class MatterSource(models.TextChoices):
    COUNTER = "counter", _("Recorded at the counter")
    IMPORT = "import", _("Imported from a file")
    API = "api", _("Pushed by the window's system")


class Matter(models.Model):
    """One matter a window accepted (受理), due on the working calendar at acceptance, and when it was completed
    (办结). ``external_id`` is the window's own system's number: imports and pushes are idempotent by it."""

    window = models.ForeignKey(ServiceWindow, on_delete=models.PROTECT, related_name="matters",
                               verbose_name=_("window"))
    item = models.ForeignKey(BusinessItem, on_delete=models.PROTECT, related_name="matters",
                             verbose_name=_("business item"))
    external_id = models.CharField(_("number"), max_length=64)
    accepted_at = models.DateTimeField(_("accepted at"))
    due_at = models.DateTimeField(_("due at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=MatterSource.choices, default=MatterSource.COUNTER)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("matter")
        verbose_name_plural = _("matters")
        ordering = ["-accepted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["window", "external_id"], name="matter_external_id_per_window"),
            models.CheckConstraint(condition=Q(completed_at__isnull=True) | Q(completed_at__gte=models.F("accepted_at")),
                                   name="matter_completed_after_accepted"),
        ]
        indexes = [models.Index(fields=["window", "due_at"], name="matter_window_due_idx"),
                   models.Index(fields=["due_at"], name="matter_due_idx")]

    def __str__(self) -> str:
        return self.external_id

    def overdue_at(self, now) -> bool:
        """Late: completed after its due time, or still open past it."""
        return (self.completed_at or now) > self.due_at


class RatingLevel(models.IntegerChoices):
    """The national 好差评 scale, with the points the competition maps it to (``RATING_POINTS``)."""

    VERY_SATISFIED = 5, _("Very satisfied (非常满意)")
    SATISFIED = 4, _("Satisfied (满意)")
    FAIRLY_SATISFIED = 3, _("Fairly satisfied (基本满意)")
    DISSATISFIED = 2, _("Dissatisfied (不满意)")
    VERY_DISSATISFIED = 1, _("Very dissatisfied (非常不满意)")


RATING_POINTS = {5: Decimal(100), 4: Decimal(80), 3: Decimal(60), 2: Decimal(20), 1: Decimal(0)}
# A 差评 (bad rating): 不满意 and 非常不满意; each must be followed up and answered by the window's unit.
BAD_LEVELS = (RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED)


class FollowUpState(models.TextChoices):
    NONE = "none", _("No follow-up needed")
    OPEN = "open", _("Awaiting the unit's answer")
    ANSWERED = "answered", _("Answered")


class WindowRating(models.Model):
    """A citizen's 好差评 of a window, from the QR code at the counter: one per verified phone, window and day
    (the visit). A 差评 opens a follow-up the window's unit answers."""

    window = models.ForeignKey(ServiceWindow, on_delete=models.PROTECT, related_name="ratings",
                               verbose_name=_("window"))
    level = models.PositiveSmallIntegerField(_("rating"), choices=RatingLevel.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    phone_hash = models.CharField(_("phone (keyed hash)"), max_length=32)
    visit_date = models.DateField(_("visit date"))
    created_at = models.DateTimeField(_("rated at"))
    followup_state = models.CharField(_("follow-up"), max_length=16, choices=FollowUpState.choices,
                                      default=FollowUpState.NONE)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("answered by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("window rating")
        verbose_name_plural = _("window ratings")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["window", "phone_hash", "visit_date"],
                                               name="window_rating_one_per_phone_per_visit")]
        indexes = [models.Index(fields=["window", "created_at"], name="window_rating_window_idx"),
                   models.Index(fields=["followup_state"], name="window_rating_followup_idx")]

    def __str__(self) -> str:
        return f"{self.window_id} {self.level}"


class WindowComplaint(models.Model):
    """A complaint about a window: a case in the case workflow, proposed to the window's unit by routing. Filed from
    the counter's QR page, or a case from any channel (a hotline call) linked to the window on the case page by the
    command centre (``linked_by``)."""

    window = models.ForeignKey(ServiceWindow, on_delete=models.PROTECT, related_name="complaints",
                               verbose_name=_("window"))
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="window_complaint",
                                verbose_name=_("case"))
    created_at = models.DateTimeField(_("created at"))
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("linked by"))

    class Meta:
        verbose_name = _("window complaint")
        verbose_name_plural = _("window complaints")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["window", "created_at"], name="window_complaint_window_idx")]

    def __str__(self) -> str:
        return f"{self.window_id} {self.case_id}"


# The states of a complaint's case that mean it was found invalid (不予受理), void or a duplicate (merged).
DISCOUNTED_CASE_STATES = ("rejected", "voided", "merged")


def complaints_counted() -> Q:
    """The complaints the competition and the complaint rate count: one rule, used by both. A complaint counts
    only when it carried a phone verified by SMS code, or the command centre linked its case (a hotline call, whose
    caller the operator spoke to) to the window, and its case was not rejected as invalid, voided or merged as a
    duplicate: anonymous complaints are still handled as cases but cannot move a window's ranking."""
    return ((Q(case__public_report__phone_verified=True) | Q(linked_by__isnull=False))
            & ~Q(case__state__in=DISCOUNTED_CASE_STATES))


class WindowEventKind(models.TextChoices):
    CREATED = "created", _("Window created")
    MATTER_ACCEPTED = "matter_accepted", _("Matter accepted")
    MATTER_COMPLETED = "matter_completed", _("Matter completed")
    MATTERS_IMPORTED = "matters_imported", _("Matters imported")
    MATTER_CHANGED = "matter_changed", _("Matter changed by the window's system")
    COMMITMENT_PUBLISHED = "commitment_published", _("Commitment published")
    STAFF_SAVED = "staff_saved", _("Staff saved")
    RATED = "rated", _("Rated")
    FOLLOWUP_ANSWERED = "followup_answered", _("Bad rating answered")
    COMPLAINED = "complained", _("Complaint filed")
    CERTIFICATE_REMINDED = "certificate_reminded", _("Certificate expiry reminded")
    IMPORTED = "imported", _("Window changed by an import")
    COMPLAINT_LINKED = "complaint_linked", _("Complaint case linked")
    COMPLAINT_UNLINKED = "complaint_unlinked", _("Complaint case unlinked")


class WindowEvent(models.Model):
    """The append-only log of everything done to a window and its matters, ratings and staff."""

    window = models.ForeignKey(ServiceWindow, on_delete=models.PROTECT, related_name="events",
                               verbose_name=_("window"))
    kind = models.CharField(_("event"), max_length=32, choices=WindowEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("by"))
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("window event")
        verbose_name_plural = _("window events")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.window_id} {self.kind}"


class RankingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class CompetitionPeriod(models.Model):
    """A period of the "提质提效、文明服务" competition with its scoring rules (三比三看: 比效率看限时办结, 比作风看
    投诉, 比满意看好差评, and the inspections of the window's site), its computed ranking and its publication."""

    name = models.CharField(_("name"), max_length=100)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    rules_version = models.PositiveIntegerField(_("rules version"), default=1)
    weight_ontime = models.DecimalField(_("weight: on-time completion"), max_digits=5, decimal_places=2,
                                        default=Decimal(40))
    weight_complaints = models.DecimalField(_("weight: complaints"), max_digits=5, decimal_places=2,
                                            default=Decimal(20))
    weight_rating = models.DecimalField(_("weight: ratings"), max_digits=5, decimal_places=2, default=Decimal(25))
    weight_inspection = models.DecimalField(_("weight: inspections"), max_digits=5, decimal_places=2,
                                            default=Decimal(15))
    # Complaints per matter at which the complaint component reaches 0 (it falls linearly from 100 at none).
    complaint_rate_zero = models.DecimalField(_("complaint rate scoring zero"), max_digits=6, decimal_places=4,
                                              default=Decimal("0.05"))
    min_matters = models.PositiveIntegerField(_("minimum matters due to be ranked"), default=10)
    state = models.CharField(_("state"), max_length=16, choices=RankingState.choices, default=RankingState.DRAFT)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("computed by"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("approved by"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("competition period")
        verbose_name_plural = _("competition periods")
        ordering = ["-start", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")),
                                              name="competition_period_end_after_start")]

    def __str__(self) -> str:
        return self.name


class CompetitionScore(models.Model):
    """One window's figures and score in a period, with the explanation of how the score was reached."""

    period = models.ForeignKey(CompetitionPeriod, on_delete=models.CASCADE, related_name="scores",
                               verbose_name=_("period"))
    window = models.ForeignKey(ServiceWindow, on_delete=models.PROTECT, related_name="scores",
                               verbose_name=_("window"))
    matters_due = models.PositiveIntegerField(_("matters due"), default=0)
    on_time = models.PositiveIntegerField(_("completed on time"), default=0)
    matters_accepted = models.PositiveIntegerField(_("matters accepted"), default=0)
    complaints = models.PositiveIntegerField(_("complaints"), default=0)
    ratings = models.PositiveIntegerField(_("ratings"), default=0)
    ontime_score = models.DecimalField(_("on-time score"), max_digits=6, decimal_places=2, null=True)
    complaint_score = models.DecimalField(_("complaint score"), max_digits=6, decimal_places=2, null=True)
    rating_score = models.DecimalField(_("rating score"), max_digits=6, decimal_places=2, null=True)
    inspection_score = models.DecimalField(_("inspection score"), max_digits=6, decimal_places=2, null=True)
    total = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    explanation = models.JSONField(_("explanation"), default=list)

    class Meta:
        verbose_name = _("competition score")
        verbose_name_plural = _("competition scores")
        ordering = ["period", "rank", "window_id"]
        constraints = [models.UniqueConstraint(fields=["period", "window"], name="competition_score_one_per_window")]

    def __str__(self) -> str:
        return f"{self.period_id} {self.window_id} {self.total}"


class CompetitionEvent(models.Model):
    """The append-only log of a period's ranking: computed, approved, published, withdrawn."""

    period = models.ForeignKey(CompetitionPeriod, on_delete=models.PROTECT, related_name="events",
                               verbose_name=_("period"))
    action = models.CharField(_("action"), max_length=16)
    from_state = models.CharField(_("from"), max_length=16)
    to_state = models.CharField(_("to"), max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("by"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("competition event")
        verbose_name_plural = _("competition events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.period_id} {self.action}"
