from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.common.models import TimeStampedModel
from wenming.common.roles import Role

from .category import Urgency


class EventAction(models.TextChoices):
    """Every action a ``CaseEvent`` records, with the timeline's label. Services, webhooks' filters, the public
    status page and the KPI replay all name events through these members."""

    REPORT = "report", _("Reported")
    REGISTER = "register", _("Registered")
    REJECT = "reject", _("Rejected")
    DISPATCH = "dispatch", _("Dispatched")
    VOID = "void", _("Voided")
    RETURN_REQUEST = "return_request", _("Asked to return")
    RETURN_APPROVED = "return_approved", _("Return approved")
    RETURN_REFUSED = "return_refused", _("Return refused")
    RECALL = "recall", _("Recalled by the command centre (撤回)")
    REDISPATCH = "redispatch", _("Re-dispatched to another unit (改派)")
    SIGN = "sign", _("Signed for")
    EXTENSION_REQUEST = "extension_request", _("Asked for an extension")
    SHELVING_REQUEST = "shelving_request", _("Asked to shelve")
    REQUEST_GRANTED = "request_granted", _("Request granted")
    REQUEST_REFUSED = "request_refused", _("Request refused")
    RESUME = "resume", _("Resumed")
    SUBMIT = "submit", _("Reported done")
    REWORK = "rework", _("Verification failed: rework")
    VERIFY_PASSED = "verify_passed", _("Verified")
    CLOSE = "close", _("Closed")
    REOPEN = "reopen", _("Reopened")
    MERGE = "merge", _("Merged")
    ME_TOO = "me_too", _("Another report merged in")
    NOTICE_ISSUED = "notice_issued", _("Supervision notice issued")
    NOTICE_ANSWERED = "notice_answered", _("Supervision notice answered")
    NOTICE_CLOSED = "notice_closed", _("Supervision notice closed")
    FOLLOW_UP = "follow_up", _("Follow-up rating (回访)")
    FOLLOW_UP_REOPEN = "follow_up_reopen", _("Reopened after the follow-up")
    FOLLOW_UP_CONFIRMED = "follow_up_confirmed", _("Confirmed closed after the follow-up")
    # A phone callback (回访) that did not reach the citizen: logged, so the hotline knows how often it tried.
    CALLBACK_UNREACHED = "callback_unreached", _("Callback: citizen not reached")
    # A plate or licence number looked up in a police register from the case (wenming.registries): logged, not a
    # step of the workflow (the state stays; KPIs and the public status page ignore it).
    REGISTRY_CHECK = "registry_check", _("Register check (登记核查)")
    # The case linked to (or unlinked from) what it is about, e.g. a hotline complaint to a service window, by an app
    # above cases: logged, not a step of the workflow (the state stays), as the register check.
    SUBJECT_LINK = "subject_link", _("Linked to what it is about")



class Channel(models.TextChoices):
    CITIZEN = "citizen", _("Citizen snapshot (随手拍)")
    HOTLINE = "hotline", _("Campaign hotline (创城热线)")
    HOTLINE_12345 = "12345", _("12345 hotline")
    PROVINCIAL = "provincial", _("Provincial supervision platform")
    GRID = "grid", _("Grid-worker patrol")
    MEDIA = "media", _("Media")
    INSPECTION = "inspection", _("Undercover inspection (暗访)")
    ASSIGNED = "assigned", _("Assigned from above (上级交办)")
    API = "api", _("Other system (API)")
    # A road chief's patrol (路长巡查): filed only by wenming.inspections.services.patrols for the chief of the segment.
    ROAD_CHIEF = "road_chief", _("Road-chief patrol (路长巡查)")


# Who reports on which channel: grid workers on their patrol, inspectors undercover, the command centre and
# administrators on every channel the public and other bodies use. A grid worker filing as the 12345 hotline or
# as 暗访 would skew the figures (and inspection cases are kept from the public). The intake service enforces
# this for every way in; the intake form offers only these.
_COMMAND_CHANNELS = tuple(c for c in Channel if c not in {Channel.GRID, Channel.INSPECTION, Channel.ROAD_CHIEF})
REPORTING_CHANNELS: dict[str, tuple[str, ...]] = {
    Role.INTAKE: _COMMAND_CHANNELS,
    Role.SHIFT_LEADER: _COMMAND_CHANNELS,
    Role.DISPATCHER: _COMMAND_CHANNELS,
    Role.ADMIN: _COMMAND_CHANNELS,
    Role.GRID_WORKER: (Channel.GRID,),
    Role.INSPECTOR: (Channel.INSPECTION,),
}


def channels_for(roles) -> list[str]:
    """The channels someone holding ``roles`` reports on, in the channels' order (none for roles that do not
    report)."""
    allowed = {channel for role in roles for channel in REPORTING_CHANNELS.get(role, ())}
    return [channel for channel in Channel.values if channel in allowed]


class CaseState(models.TextChoices):
    REPORTED = "reported", _("Reported (待受理)")
    REGISTERED = "registered", _("Registered (已立案)")
    DISPATCHED = "dispatched", _("Dispatched (已派遣)")
    RETURN_REQUESTED = "return_requested", _("Return requested (申请退回)")
    HANDLING = "handling", _("Handling (处置中)")
    SHELVED = "shelved", _("Shelved (挂账)")
    SUBMITTED = "submitted", _("Submitted (已反馈)")
    VERIFIED = "verified", _("Verified (已核查)")
    CLOSED = "closed", _("Closed (已结案)")
    REJECTED = "rejected", _("Rejected (不予受理)")
    VOIDED = "voided", _("Voided (作废)")
    MERGED = "merged", _("Merged as duplicate")


OPEN_STATES = frozenset(
    {
        CaseState.REPORTED,
        CaseState.REGISTERED,
        CaseState.DISPATCHED,
        CaseState.RETURN_REQUESTED,
        CaseState.HANDLING,
        CaseState.SHELVED,
        CaseState.SUBMITTED,
        CaseState.VERIFIED,
    }
)
FINAL_STATES = frozenset({CaseState.CLOSED, CaseState.REJECTED, CaseState.VOIDED, CaseState.MERGED})


class PendingRequest(models.TextChoices):
    NONE = "", _("None")
    EXTENSION = "extension", _("Extension (延期)")
    SHELVING = "shelving", _("Shelving (挂账)")


# The deadline of the stage each open state is in. Shelved cases are paused and verified ones wait for
# closing: neither has a running clock, so neither is ever overdue.
STAGE_DUE_FIELDS = {
    CaseState.REPORTED: "register_due",
    CaseState.REGISTERED: "dispatch_due",
    CaseState.DISPATCHED: "sign_due",
    CaseState.RETURN_REQUESTED: "handle_due",
    CaseState.HANDLING: "handle_due",
    CaseState.SUBMITTED: "verify_due",
}


class Case(TimeStampedModel):
    """One problem, from whatever channel, on its way through the workflow (DESIGN.md section 3).

    Its state only changes through the services in ``wenming.cases.services.workflow``; every change
    appends a ``CaseEvent``. ``version`` rises with every change so a stale action is refused.
    """

    # Unique through a constraint (Meta), not unique=True, which on PostgreSQL adds a second, LIKE-pattern index that
    # nothing uses and every insert pays for.
    tracking_code = models.CharField(_("tracking code"), max_length=12, editable=False)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=CaseState.choices, default=CaseState.REPORTED)
    version = models.PositiveIntegerField(_("version"), default=0)

    # No index of its own: the (category, reported_at) and (category, lat, lng) indexes lead with it.
    category = models.ForeignKey(
        "cases.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("category"),
        db_index=False,
    )
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    description = models.TextField(_("description"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    grid = models.ForeignKey(
        "org.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("grid")
    )
    # The grid's path, kept on the row so "everything in an area" is one indexed prefix match.
    area_path = models.CharField(_("area path"), max_length=255, blank=True, editable=False)  # indexed in Meta
    site = models.ForeignKey(
        "org.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("site")
    )
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("responsible unit")
    )
    routing = models.JSONField(_("routing decision"), default=dict, blank=True)

    reporter_name = models.CharField(_("reporter name"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=30, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="reported_cases",
        verbose_name=_("reported by"),
    )

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates", verbose_name=_("merged into")
    )
    me_too_count = models.PositiveIntegerField(_("me too"), default=0)

    pending_request = models.CharField(
        _("pending request"), max_length=16, choices=PendingRequest.choices, default=PendingRequest.NONE, blank=True
    )
    pending_amount = models.DecimalField(_("requested time"), max_digits=7, decimal_places=2, null=True, blank=True)
    pending_unit = models.CharField(_("requested time unit"), max_length=16, blank=True)
    pending_note = models.CharField(_("request reason"), max_length=500, blank=True)

    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    shelved_at = models.DateTimeField(_("shelved at"), null=True, blank=True)

    register_due = models.DateTimeField(_("registration due"), null=True, blank=True)
    dispatch_due = models.DateTimeField(_("dispatch due"), null=True, blank=True)
    sign_due = models.DateTimeField(_("sign due"), null=True, blank=True)
    handle_due = models.DateTimeField(_("handling due"), null=True, blank=True, db_index=True)
    verify_due = models.DateTimeField(_("verification due"), null=True, blank=True)

    # The running stage's deadline, kept by the database (NULL while the clock is paused or stopped), so
    # "overdue" and "most overdue first" are one indexed range scan even over millions of cases.
    stage_due = models.GeneratedField(
        expression=models.Case(
            *(models.When(state=state, then=models.F(field)) for state, field in STAGE_DUE_FIELDS.items()),
            output_field=models.DateTimeField(),
        ),
        output_field=models.DateTimeField(null=True),
        db_persist=True,
        verbose_name=_("current stage due"),
    )

    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("reworks"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopenings"), default=0)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["state", "unit"], name="case_state_unit_idx"),
            models.Index(fields=["state", "reported_at"], name="case_state_reported_idx"),
            models.Index(fields=["category", "reported_at"], name="case_category_reported_idx"),
            models.Index(fields=["category", "lat", "lng"], name="case_category_place_idx"),
            models.Index(fields=["stage_due"], condition=Q(stage_due__isnull=False), name="case_stage_due_idx"),
            models.Index(fields=["unit", "stage_due"], condition=Q(stage_due__isnull=False), name="case_unit_stage_due_idx"),
            models.Index(fields=["state", "unit"], condition=~Q(pending_request=""), name="case_pending_request_idx"),
            # Scopes read area_path by prefix (LIKE 'path%'); the pattern index serves that and equality alike.
            models.Index(fields=["area_path"], opclasses=["varchar_pattern_ops"], name="case_area_path_prefix_idx"),
            # The hotline shows a caller's earlier cases as the number is typed; reports without a number stay out.
            models.Index(fields=["reporter_phone"], condition=~Q(reporter_phone=""), name="case_reporter_phone_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tracking_code"], name="case_tracking_code_unique"),
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=~Q(external_id=""), name="case_external_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description[:30]}"

    @property
    def number(self) -> str:
        """The case number people quote: report date and row id, stable and unique."""
        return f"{timezone.localtime(self.reported_at):%Y%m%d}{self.pk:07d}" if self.pk else ""

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def current_due(self):
        """The deadline of the stage the case is in (None while the clock is paused or stopped)."""
        field = STAGE_DUE_FIELDS.get(self.state)
        return getattr(self, field) if field else None

    def is_overdue(self, now) -> bool:
        due = self.current_due()
        return due is not None and now > due


class CaseEvent(models.Model):
    """An entry in a case's timeline. Append-only: never updated, never deleted."""

    # No index of its own: the unique (case, seq) index leads with it.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", verbose_name=_("case"),
                             db_index=False)
    seq = models.PositiveIntegerField(_("sequence"))
    action = models.CharField(_("action"), max_length=32, choices=EventAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("actor")
    )
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("case events are append-only")

    @property
    def action_label(self) -> str:
        return str(self.get_action_display())

    @property
    def from_label(self) -> str:
        return str(CaseState(self.from_state).label) if self.from_state in CaseState.values else ""

    @property
    def to_label(self) -> str:
        return str(CaseState(self.to_state).label) if self.to_state in CaseState.values else ""
