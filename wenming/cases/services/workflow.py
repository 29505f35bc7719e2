"""The case workflow: intake and every transition of DESIGN.md section 3, one service each.

Every step goes through ``case_step``: it locks the case row through the person's scope (out of scope is "not
found"), checks the step's entry in the action table (``actions.CASE_ACTIONS``: the role, the states it leaves
from, its further condition) and, when the caller says which version it saw, that nobody changed it since. It
then changes the case, raises its version and appends one ``CaseEvent`` with ``event_append``, which also fills
the outbox (webhooks, notifications) — all in one transaction, so two people acting on the same case at once
cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.cases.models import (
    Case,
    CaseEvent,
    CaseState,
    Category,
    Channel,
    EventAction,
    Evidence,
    PendingRequest,
    Stage,
    SupervisionNotice,
    TimeUnit,
)
from wenming.cases.models.case import channels_for
from wenming.cases.routing_cache import get_routing_config
from wenming.cases.services.actions import (
    CASE_ACTIONS,
    PHOTOS_NONE,
    PHOTOS_REQUIRED,
    RATED_CHANNELS,
    REPORTER,
    CaseAction,
    action_who_allows,
    case_unit_member,
)
from wenming.cases.services.deadlines import sign_due, stage_due
from wenming.cases.services.errors import (
    CaseNotFound,
    IllegalTransition,
    NotAllowed,
    StaleCase,
    WorkflowError,
)
from wenming.cases.services.evidence import evidence_read, evidence_store
from wenming.cases.services.insert import case_insert_reported
from wenming.cases.services.routing import case_route, case_subject_unit_id
from wenming.cases.services.webhooks import webhooks_enqueue, webhooks_for
from wenming.common.access import locked_in_scope, restrict, scope_for
from wenming.common.calendar import deadline_add, seconds_per_working_day, working_time_between
from wenming.common.geo import to_wgs84
from wenming.common.roles import DISPATCHERS, FIELD_REPORTERS, UNIT_ROLES
from wenming.common.services.notifications import notifications_enqueue, notifications_enqueue_sms
from wenming.org.models import Area, Person, Site, Unit
from wenming.org.spatial import get_index

S = CaseState
E = EventAction
CHANNELS = frozenset(Channel.values)  # Choices.values builds a new list on every read
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


def _now() -> dt.datetime:
    return timezone.now()


def _tracking_code() -> str:
    # 32 letters: each random byte's low five bits pick one, uniformly (256 is a multiple of 32).
    return "".join(TRACKING_ALPHABET[b & 31] for b in secrets.token_bytes(10))


# -- intake --------------------------------------------------------------------------------------------------

def case_intake(
    *,
    channel: str,
    description: str,
    lng: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
    category: Category | str | None = None,
    urgency: str = "normal",
    address: str = "",
    site: Site | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    external_id: str = "",
    actor=None,
    photos: Iterable[Upload] = (),
    reported_at: dt.datetime | None = None,
    source: dict | None = None,
    channel_configured: bool = False,
    subject_unit: Unit | None = None,
) -> Case:
    """Take a problem in from any channel: route it, set the registration deadline, log the report.

    ``subject_unit``: the unit the report is about (a complaint about a service window): routing proposes it first.

    ``source`` is kept on the report event beside the channel (for example the API key a system used).
    ``channel_configured``: the channel comes from a source an administrator set up (a bulk-import mapping for the
    inspection firm's or the 12345 system's files), not from the person's choice, so their roles do not limit it."""
    if channel not in CHANNELS:
        raise WorkflowError(_("Unknown channel %(channel)s.") % {"channel": channel})
    if getattr(actor, "is_authenticated", False) and not channel_configured:
        _check_reporting_channel(actor, channel)
    if not description.strip():
        raise WorkflowError(_("Describe the problem."))
    if isinstance(category, str):
        info = get_routing_config().categories_by_code.get(category)
        if info is None or not info.is_active:
            _missing_category(category)
        category = Category(pk=info.id, code=info.code, name=info.name, parent_id=info.parent_id)
    if (lng is None) != (lat is None):
        raise WorkflowError(_("Give both longitude and latitude, or neither."))
    if lng is None and site is not None:
        lng, lat, crs = site.lng, site.lat, "wgs84"
    now = reported_at or _now()
    case = Case(
        tracking_code=_tracking_code(), channel=channel, external_id=external_id,
        category=category, urgency=urgency,
        description=description.strip(), address=address, site=site, reporter_name=reporter_name,
        reporter_phone=reporter_phone, reported_by=actor if getattr(actor, "is_authenticated", False) else None,
        reported_at=now,
    )
    if lng is not None:
        decision = (case_route(lng=lng, lat=lat, category=category, crs=crs,
                               subject_unit_id=subject_unit.pk if subject_unit else None) if category else None)
        if decision is not None:
            case.lng, case.lat = decision.lng, decision.lat
            case.routing = decision.as_dict(nearby_limit=5)  # the case keeps the five nearest sites, not all
            # The routed unit is a proposal kept in ``routing``; the case becomes the unit's only on dispatch.
            grid_id = decision.areas[-1]["id"] if decision.areas else None
        else:
            case.lng, case.lat = to_wgs84(lng, lat, crs)
            grid_id = get_index().locate(case.lng, case.lat)
        if grid_id is not None:
            case.grid_id = grid_id
            case.area_path = get_area_path(grid_id)
        if case.site_id is None and decision and decision.site:
            case.site_id = decision.site["id"]
    case.register_due = stage_due(category=category, urgency=urgency, stage=Stage.REGISTER, start=now)
    event = CaseEvent(
        case=case, seq=case.version, action=E.REPORT, actor=case.reported_by, from_state="", to_state=case.state,
        note="", data={"channel": channel, "routing_rule": case.routing.get("rule"), **(source or {})}, created_at=now,
    )
    read = [evidence_read(kind=Evidence.Kind.BEFORE, name=p.name, content=p.content) for p in photos]  # decoded unlocked
    if not read and not webhooks_for(action=event.action) and event.action not in _NOTIFY:
        # Two rows and nothing else: one statement on PostgreSQL, a transaction of its own when no caller's is
        # open (see case_insert_reported).
        case_insert_reported(case=case, event=event)
        return case
    # No savepoint when a caller's transaction is open: any failure here propagates and rolls the caller back too,
    # and intake is the hot path (a savepoint is two more round trips).
    with transaction.atomic(savepoint=False):
        case_insert_reported(case=case, event=event)
        event_outbox(case=case, event=event)
        for photo in read:
            evidence_store(case=case, read=photo, actor=case.reported_by, event=event)
    return case


def intake_channels(actor) -> list[str]:
    """The channels this person reports on (none: they do not report cases at all). The web and REST intake ask
    this, so both agree with the service on who reports where."""
    return channels_for(scope_for(actor).roles)


def _check_reporting_channel(actor, channel: str) -> None:
    """A person reports on their roles' own channels only (``REPORTING_CHANNELS``); a system without a person
    (an Open311 key of nobody, the demo) reports on the channel it was configured with."""
    allowed = intake_channels(actor)
    if channel in allowed:
        return
    if not allowed:
        raise NotAllowed(_("Channel: your roles do not report cases."))
    labels = dict(Channel.choices)
    raise NotAllowed(_("Channel: your roles do not report on “%(channel)s”; choose one of: %(allowed)s.") % {
        "channel": labels[channel], "allowed": "、".join(str(labels[c]) for c in allowed)})


def _missing_category(code: str):
    raise WorkflowError(_("Unknown category code %(code)s.") % {"code": code})


def get_area_path(area_id: int) -> str:
    info = get_index().areas.get(area_id)
    if info is not None:
        return info.path
    return Area.objects.filter(pk=area_id).values_list("path", flat=True).first() or ""


# -- the step machinery: lock, check, change, event, outbox -------------------------------------------------

def case_lock(*, case_id: int, actor, scoped: bool = True) -> Case:
    """The case row, locked, through the person's scope: one query, so a case out of scope is never locked and
    reads as missing (``CaseNotFound``). ``scoped=False`` only for the reporter's own steps (no staff scope)."""
    try:
        if scoped:
            return locked_in_scope(Case.objects.all(), actor, case_id)
        # Only the case row, as locked_in_scope does.
        return Case.objects.select_for_update(of=("self",)).get(pk=case_id)
    except Case.DoesNotExist:
        raise CaseNotFound(_("No such case.")) from None


def case_check(case: Case, *, action: CaseAction, actor, expected_version: int | None = None) -> None:
    """The action table's entry, enforced on the locked case: role, then version, then state, then ``when``."""
    if not action_who_allows(action, actor, case):
        raise NotAllowed(_("Your role may not do this on this case."))
    if expected_version is not None and case.version != expected_version:
        raise StaleCase(_("Someone else changed this case meanwhile; reload it and try again."))
    if case.state not in action.states:
        raise IllegalTransition(str(action.state_refusal) if action.state_refusal else (
            _("This case is %(state)s; that cannot be done now.") % {"state": CaseState(case.state).label}))
    if action.when is not None and not action.when(case):
        raise IllegalTransition(str(action.refusal))


def event_append(case: Case, *, action: EventAction, actor, from_state: str | None = None, note: str = "",
                 data: dict | None = None, at: dt.datetime | None = None) -> CaseEvent:
    """Append the event of the change just saved (``seq`` is the case's new version), then its outbox: the
    webhooks that want it and the people told of it, in the caller's transaction. Every ``CaseEvent`` but the
    report (written with the case itself, see ``case_intake``) is written here."""
    event = CaseEvent.objects.create(
        case=case, seq=case.version, action=action, actor=actor,
        from_state=case.state if from_state is None else from_state, to_state=case.state,
        note=note, data=data or {}, created_at=at or _now(),
    )
    event_outbox(case=case, event=event)
    return event


def event_outbox(*, case: Case, event: CaseEvent) -> None:
    """Queue what an event sends: its webhook deliveries and its notifications (the worker sends both)."""
    webhooks_enqueue(event=event)
    _notify(case, event)


def case_step(
    *,
    case_id: int,
    actor,
    action_key: str,
    expected_version: int | None = None,
    note: str = "",
    mutate: Callable[[Case, dt.datetime], dict | None] | None = None,
    photos: Iterable[Upload] = (),
    approved: bool = True,
) -> Case:
    """One step of the action table on one case: lock it through the person's scope, check the entry, let
    ``mutate`` change it (and return the event's data), move it to the entry's ``to_state``, raise its version,
    append the event (a decision's first event when ``approved``, else its second) and store the photos."""
    action = CASE_ACTIONS[action_key]
    if action.note_required(approved):
        _require_note(note)
    photos = list(photos)
    if action.photos == PHOTOS_REQUIRED and not photos:
        raise WorkflowError(_("Attach at least one after-photo of the rectification."))
    if photos and action.photos == PHOTOS_NONE:
        raise WorkflowError(_("This step takes no photos."))
    read = [evidence_read(kind=Evidence.Kind.AFTER, name=p.name, content=p.content) for p in photos]  # before the lock
    with transaction.atomic():
        case = case_lock(case_id=case_id, actor=actor, scoped=action.who != REPORTER)
        case_check(case, action=action, actor=actor, expected_version=expected_version)
        now = _now()
        from_state = case.state
        data = (mutate(case, now) if mutate else None) or {}
        if action.to_state is not None:
            case.state = action.to_state
        case.version += 1
        case.save()
        event = event_append(case, action=action.event(approved), actor=actor, from_state=from_state, note=note,
                             data=data, at=now)
        for photo in read:
            evidence_store(case=case, read=photo, actor=actor, event=event)
    return case


# Who is told of each step, and how: the unit that must act next (by SMS too when it has work to do), the unit
# that lost the case (recall, re-dispatch: the event's ``from_unit``), the command centre, or the grid worker or
# inspector who reported it (in-app, when it closes: 我的上报 shows the rest). One or more messages per event; each
# text is a whole message in the catalogue, so it is translated.
_TO_UNIT, _TO_LOST_UNIT, _TO_COMMAND, _TO_REPORTER = "unit", "lost_unit", "command", "reporter"
_DISPATCHED = (_TO_UNIT, gettext_lazy("Case %(number)s: dispatched to your unit"), ("in_app", "sms"))
_NOTIFY = {
    E.DISPATCH: (_DISPATCHED,),
    E.REWORK: ((_TO_UNIT, gettext_lazy("Case %(number)s: sent back for rework"), ("in_app", "sms")),),
    E.RETURN_REFUSED: ((_TO_UNIT, gettext_lazy("Case %(number)s: return refused"), ("in_app",)),),
    E.REQUEST_GRANTED: ((_TO_UNIT, gettext_lazy("Case %(number)s: request granted"), ("in_app",)),),
    E.REQUEST_REFUSED: ((_TO_UNIT, gettext_lazy("Case %(number)s: request refused"), ("in_app",)),),
    E.RESUME: ((_TO_UNIT, gettext_lazy("Case %(number)s: resumed"), ("in_app",)),),
    # A notice goes to the unit holding the case (the notice's unit), which must answer it.
    E.NOTICE_ISSUED: ((_TO_UNIT, gettext_lazy("Case %(number)s: supervision notice (督办单) to answer"),
                       ("in_app", "sms")),),
    E.RECALL: ((_TO_LOST_UNIT, gettext_lazy("Case %(number)s: recalled from your unit by the command centre"),
                ("in_app", "sms")),),
    E.REDISPATCH: ((_TO_LOST_UNIT, gettext_lazy("Case %(number)s: re-dispatched to another unit"),
                    ("in_app", "sms")), _DISPATCHED),
    E.RETURN_REQUEST: ((_TO_COMMAND, gettext_lazy("Case %(number)s: return requested"), ("in_app",)),),
    E.EXTENSION_REQUEST: ((_TO_COMMAND, gettext_lazy("Case %(number)s: extension requested"), ("in_app",)),),
    E.SHELVING_REQUEST: ((_TO_COMMAND, gettext_lazy("Case %(number)s: shelving requested"), ("in_app",)),),
    E.SUBMIT: ((_TO_COMMAND, gettext_lazy("Case %(number)s: rectification submitted"), ("in_app",)),),
    E.CLOSE: ((_TO_REPORTER, gettext_lazy("Case %(number)s: the problem you reported has been dealt with and closed"),
               ("in_app",)),),
}


def _notify(case: Case, event: CaseEvent) -> None:
    for to, subject, channels in _NOTIFY.get(event.action, ()):
        key = f"case:{case.pk}:{case.version}"
        if to in (_TO_UNIT, _TO_LOST_UNIT):
            unit_id = case.unit_id if to == _TO_UNIT else (event.data or {}).get("from_unit")
            if not unit_id:
                continue
            if to == _TO_LOST_UNIT:
                key += ":lost"  # one key per message: the same person may be of both units
            recipients = Person.objects.filter(is_active=True, roles__role__in=UNIT_ROLES, roles__unit_id=unit_id)
        elif to == _TO_REPORTER:
            # Field staff only: an intake operator who typed in a citizen's report is not its reporter in this sense.
            key += ":reporter"
            recipients = Person.objects.filter(pk=case.reported_by_id, is_active=True,
                                               roles__role__in=FIELD_REPORTERS).distinct()
        else:
            recipients = [
                p for p in Person.objects.filter(is_active=True, roles__role__in=DISPATCHERS)
                .select_related(None).prefetch_related("roles__area")
                if any(r.area and case.area_path.startswith(r.area.path) or (r.area and r.area.parent_id is None)
                       for r in p.roles.all())
            ]
        notifications_enqueue(
            recipients=recipients, key=key, channels=channels,
            subject=str(subject) % {"number": case.number}, body=case.description[:140], link=f"/cases/{case.pk}/",
        )


# -- command-centre steps -----------------------------------------------------------------------------------

def case_register(*, case_id: int, actor, category: Category | None = None, urgency: str | None = None,
                  note: str = "", expected_version: int | None = None) -> Case:
    """立案: accept the report as a case; category and urgency may be corrected, which re-routes it."""

    def mutate(case: Case, now):
        changed = {}
        if category is not None and category.pk != case.category_id:
            changed["category"] = [case.category.code if case.category else None, category.code]
            case.category = category
        if urgency and urgency != case.urgency:
            changed["urgency"] = [case.urgency, urgency]
            case.urgency = urgency
        if case.category is None:
            raise WorkflowError(_("Choose a category before registering the case."))
        if changed and case.lng is not None:
            # The unit the report is about (rule 0) holds whatever the category: a window complaint filed under
            # another category is still the window's unit's.
            decision = case_route(lng=case.lng, lat=case.lat, category=case.category,
                                  subject_unit_id=case_subject_unit_id(case))
            case.routing = decision.as_dict(nearby_limit=5)
            changed["routing_rule"] = decision.rule
        case.registered_at = now
        case.dispatch_due = stage_due(category=case.category, urgency=case.urgency, stage=Stage.DISPATCH, start=now)
        return changed

    return case_step(case_id=case_id, actor=actor, action_key="register", note=note, mutate=mutate,
                     expected_version=expected_version)


def case_reject(*, case_id: int, actor, note: str, expected_version: int | None = None) -> Case:
    """不予受理: not a case; the reason is required and is what the reporter is told."""
    return case_step(case_id=case_id, actor=actor, action_key="reject", note=note, mutate=_closing,
                     expected_version=expected_version)


def case_dispatch(*, case_id: int, actor, unit: Unit | None = None, note: str = "",
                  expected_version: int | None = None) -> Case:
    """派遣: send to a unit (the routed one unless another is chosen); the handling clock starts."""

    def mutate(case: Case, now):
        routed = case.routing.get("unit_id")
        target = unit or case.unit or (Unit.objects.filter(pk=routed).first() if routed else None)
        if target is None:
            raise WorkflowError(_("Routing found no unit for this case; choose one."))
        return _dispatch_to(case, target, now)

    return case_step(case_id=case_id, actor=actor, action_key="dispatch", note=note, mutate=mutate,
                     expected_version=expected_version)


def _dispatch_to(case: Case, target: Unit, now) -> dict:
    """Hand the case to ``target`` with fresh sign and handling deadlines; the event's data."""
    if not target.is_active:
        raise WorkflowError(_("%(unit)s is not active.") % {"unit": target.name})
    data = {"unit": target.pk, "unit_name": target.name, "routed_unit": case.routing.get("unit_id")}
    case.unit = target
    case.dispatched_at = now
    case.sign_due = sign_due(start=now)
    case.handle_due = stage_due(category=case.category, urgency=case.urgency, stage=Stage.HANDLE, start=now)
    # The deadline as set, kept with the event: scores over an old period read it from there.
    data["handle_due"] = case.handle_due.isoformat() if case.handle_due else None
    return data


def _taken_from_unit(case: Case, now) -> dict:
    """撤回/改派: the unit holding the case loses it, its deadlines and any request it was waiting on, as after an
    approved return. The event's data names the unit (it is told) and the request dropped."""
    data = {"from_unit": case.unit_id, "from_unit_name": case.unit.name if case.unit else ""}
    if case.state == S.RETURN_REQUESTED:
        data["cleared_request"] = {"request": "return"}
    elif case.pending_request:
        data["cleared_request"] = {"request": case.pending_request, "note": case.pending_note,
                                   "amount": str(case.pending_amount) if case.pending_amount else None,
                                   "unit": case.pending_unit}
    case.pending_request, case.pending_amount, case.pending_unit, case.pending_note = "", None, "", ""
    # A 督办单 asks the unit that held the case to answer for it; once the case is gone that unit cannot act on
    # it, so its open notices end here (the event lists them). Lateness under the next unit raises its own.
    notices = SupervisionNotice.objects.filter(case=case, unit_id=case.unit_id).exclude(
        state=SupervisionNotice.State.CLOSED)
    withdrawn = sorted(notices.values_list("pk", flat=True))
    if withdrawn:
        notices.update(state=SupervisionNotice.State.CLOSED, updated_at=now)
        data["notices_withdrawn"] = withdrawn
    case.unit = None
    case.dispatched_at = case.sign_due = case.signed_at = case.handle_due = None
    return data


def case_recall(*, case_id: int, actor, note: str, expected_version: int | None = None) -> Case:
    """撤回: the centre takes a dispatched case back from its unit (absent, or plainly not theirs) to dispatch it
    again; the reason is required and the unit is told."""

    def mutate(case: Case, now):
        data = _taken_from_unit(case, now)
        case.dispatch_due = stage_due(category=case.category, urgency=case.urgency, stage=Stage.DISPATCH, start=now)
        return data

    return case_step(case_id=case_id, actor=actor, action_key="recall", note=note, mutate=mutate,
                     expected_version=expected_version)


def case_redispatch(*, case_id: int, actor, unit: Unit, note: str, expected_version: int | None = None) -> Case:
    """改派: the centre moves a dispatched case straight to another unit, with new deadlines; both units are told."""

    def mutate(case: Case, now):
        if unit.pk == case.unit_id:
            raise WorkflowError(_("Choose another unit than the one holding the case."))
        lost = _taken_from_unit(case, now)
        return {**_dispatch_to(case, unit, now), **lost}

    return case_step(case_id=case_id, actor=actor, action_key="redispatch", note=note, mutate=mutate,
                     expected_version=expected_version)


def case_void(*, case_id: int, actor, note: str, expected_version: int | None = None) -> Case:
    """作废: a registered case that should not go on (a duplicate found late, a mistaken entry)."""
    return case_step(case_id=case_id, actor=actor, action_key="void", note=note, mutate=_closing,
                     expected_version=expected_version)


def case_decide_return(*, case_id: int, actor, approve: bool, note: str = "",
                       expected_version: int | None = None) -> Case:
    """回退审批: agree the unit was wrong (back to registered for re-dispatch) or refuse (back to the unit)."""

    def mutate(case: Case, now):
        data = {"approved": approve, "unit": case.unit_id}
        if approve:
            case.state = S.REGISTERED
            case.return_count += 1
            case.unit = None
            case.dispatched_at = case.sign_due = case.handle_due = None
            case.dispatch_due = stage_due(category=case.category, urgency=case.urgency, stage=Stage.DISPATCH, start=now)
        else:
            case.state = S.DISPATCHED
        return data

    return case_step(case_id=case_id, actor=actor, action_key="decide_return", approved=approve, note=note,
                     mutate=mutate, expected_version=expected_version)


def case_decide_request(*, case_id: int, actor, approve: bool, note: str = "",
                        expected_version: int | None = None) -> Case:
    """Grant or refuse the unit's pending extension (延期) or shelving (挂账) request."""

    def mutate(case: Case, now):
        kind = case.pending_request  # the table's ``when``: there is one
        data = {"request": kind, "approved": approve, "amount": str(case.pending_amount or ""), "unit": case.pending_unit}
        if approve and kind == PendingRequest.EXTENSION:
            extension_check(amount=case.pending_amount, unit=case.pending_unit)  # asked before the bound existed
            before = case.handle_due
            case.handle_due = deadline_add(case.handle_due or now, case.pending_amount, case.pending_unit)
            case.extension_count += 1
            data["handle_due"] = [before.isoformat() if before else None, case.handle_due.isoformat()]
        elif approve and kind == PendingRequest.SHELVING:
            case.state = S.SHELVED
            case.shelved_at = now
        case.pending_request, case.pending_amount, case.pending_unit, case.pending_note = "", None, "", ""
        return data

    return case_step(case_id=case_id, actor=actor, action_key="decide_request", approved=approve, note=note,
                     mutate=mutate, expected_version=expected_version)


def case_resume(*, case_id: int, actor, note: str = "", expected_version: int | None = None) -> Case:
    """恢复: a shelved case goes back to handling; the deadline moves by the working time it was paused."""

    def mutate(case: Case, now):
        paused = working_time_between(case.shelved_at, now)
        before = case.handle_due
        if before is not None:
            remaining = working_time_between(case.shelved_at, before)
            case.handle_due = deadline_add(now, Decimal(max(remaining.total_seconds(), 0) / 3600), "working_hours")
        case.shelved_at = None
        return {"paused_working_hours": round(paused.total_seconds() / 3600, 2),
                "handle_due": [before.isoformat() if before else None, case.handle_due.isoformat() if case.handle_due else None]}

    return case_step(case_id=case_id, actor=actor, action_key="resume", note=note, mutate=mutate,
                     expected_version=expected_version)


def case_verify(*, case_id: int, actor, passed: bool, note: str = "", photos: Iterable[Upload] = (),
                expected_version: int | None = None) -> Case:
    """核查: the verifier checks the rectification on site; failing sends it back to the same unit (返工)."""

    def mutate(case: Case, now):
        if passed:
            case.state = S.VERIFIED
            case.verified_at = now
        else:
            case.state = S.HANDLING
            case.rework_count += 1
            case.submitted_at = case.verify_due = None
            case.handle_due = stage_due(category=case.category, urgency=case.urgency, stage=Stage.HANDLE, start=now)
            return {"passed": False, "handle_due": case.handle_due.isoformat() if case.handle_due else None}
        return {"passed": True}

    return case_step(case_id=case_id, actor=actor, action_key="verify", approved=passed, note=note, mutate=mutate,
                     photos=photos, expected_version=expected_version)


def case_close(*, case_id: int, actor, note: str = "", expected_version: int | None = None) -> Case:
    """结案; the reporters of the case and of every report merged into it are told by SMS, with the link to rate
    the result (回访) when the case came from the public."""
    def mutate(case: Case, now):
        _closing(case, now)
        phones = [case.reporter_phone, *case.duplicates.values_list("reporter_phone", flat=True)]
        told = notifications_enqueue_sms(phones=phones, key=f"closed:{case.pk}:{case.version + 1}",
                                         text=closing_sms_text(case))
        return {"reporters_told": told}

    return case_step(case_id=case_id, actor=actor, action_key="close", note=note, mutate=mutate,
                     expected_version=expected_version)


def rating_link(case: Case) -> str:
    """The absolute address where the reporter rates the case (the tracking code is its key), for messages sent
    outside any request, built on ``WENMING_PUBLIC_URL``: the status page at its rating form. (``public:rate``
    itself only takes the form's POST; a link opened from an SMS is a GET.)"""
    return f"{settings.WENMING_PUBLIC_URL}{reverse('public:status', args=[case.tracking_code])}#rating-form"


def closing_sms_text(case: Case) -> str:
    """The closing SMS: short (one or two SMS segments), with the rating link when the public is asked to rate."""
    if case.channel in RATED_CHANNELS:
        return _("Your report %(number)s has been closed. Rate the result: %(url)s") % {
            "number": case.number, "url": rating_link(case)}
    return _("Your report %(number)s has been dealt with and closed. Tracking code: %(code)s.") % {
        "number": case.number, "code": case.tracking_code}


def case_reopen(*, case_id: int, actor, note: str, expected_version: int | None = None) -> Case:
    """重新立案: a closed case that turns out not fixed goes back to registered for dispatch."""

    def mutate(case: Case, now):
        case.reopen_count += 1
        case.closed_at = case.verified_at = case.submitted_at = None
        case.registered_at = now
        case.dispatch_due = stage_due(category=case.category, urgency=case.urgency, stage=Stage.DISPATCH, start=now)
        case.sign_due = case.handle_due = case.verify_due = None
        return {}

    return case_step(case_id=case_id, actor=actor, action_key="reopen", note=note, mutate=mutate,
                     expected_version=expected_version)


def case_merge(*, case_id: int, into_id: int, actor, note: str = "", expected_version: int | None = None) -> Case:
    """Merge a new report into an open case about the same problem: that case's "me too" count rises."""
    if case_id == into_id:
        raise WorkflowError(_("A case cannot be merged into itself."))
    with transaction.atomic():
        # Both rows locked at once, in id order, through the scope: two merges of a pair cannot deadlock.
        locked = {c.pk: c for c in restrict(Case.objects.all(), actor).select_for_update(of=("self",))
                  .filter(pk__in=[case_id, into_id]).order_by("pk")}
        parent = locked.get(into_id)
        if parent is None:
            raise CaseNotFound(_("No such case."))
        if not parent.is_open or parent.parent_id:
            raise IllegalTransition(_("Reports can only be merged into an open case."))

        def mutate(case: Case, now):
            case.parent = parent
            case.closed_at = now
            return {"into": parent.pk}

        case = case_step(case_id=case_id, actor=actor, action_key="merge", note=note, mutate=mutate,
                         expected_version=expected_version)
        parent.me_too_count += 1
        parent.version += 1
        parent.save(update_fields=["me_too_count", "version", "updated_at"])
        event_append(parent, action=E.ME_TOO, actor=actor, data={"merged": case.pk})
    return case


# -- unit steps -------------------------------------------------------------------------------------------

def case_request_return(*, case_id: int, actor, note: str, expected_version: int | None = None) -> Case:
    """申请退回: the unit says the case is not theirs (职能不符 / 属地不符); the reason is required."""
    return case_step(case_id=case_id, actor=actor, action_key="request_return", note=note,
                     expected_version=expected_version)


def case_sign(*, case_id: int, actor, note: str = "", expected_version: int | None = None) -> Case:
    """签收: the unit takes the case on."""

    def mutate(case: Case, now):
        case.signed_at = now
        return {"on_time": case.sign_due is None or now <= case.sign_due}

    return case_step(case_id=case_id, actor=actor, action_key="sign", note=note, mutate=mutate,
                     expected_version=expected_version)


# The most one extension may add: work that needs longer is shelved (挂账), not extended; and a deadline years
# away cannot be computed on the working calendar at all.
EXTENSION_MAX_WORKING_DAYS = 60


def extension_max(unit: str) -> Decimal:
    """The largest extension one request may ask for, in ``unit`` (60 working days; as clock hours, 60 days)."""
    days = Decimal(EXTENSION_MAX_WORKING_DAYS)
    if unit == TimeUnit.WORKING_DAYS:
        return days
    if unit == TimeUnit.WORKING_HOURS:
        return (days * Decimal(str(seconds_per_working_day())) / 3600).quantize(Decimal("0.01"))
    return days * 24


def extension_check(*, amount: Decimal, unit: str) -> None:
    """Refuse an extension that is not positive, not in a known unit, or longer than ``extension_max``."""
    if amount <= 0 or unit not in TimeUnit.values:
        raise WorkflowError(_("Ask for a positive amount of working hours, working days or clock hours."))
    if amount > extension_max(unit):
        raise WorkflowError(_("How much more time: at most %(max)s %(unit)s; shelve the case (挂账) for longer work.")
                            % {"max": f"{extension_max(unit).normalize():f}", "unit": TimeUnit(unit).label})


def case_request_extension(*, case_id: int, actor, amount: Decimal | float, unit: str, note: str,
                           expected_version: int | None = None) -> Case:
    """申请延期: ask for more time; the case stays in handling with the request pending."""
    _require_note(note)
    amount = Decimal(str(amount))
    if not amount.is_finite():
        raise WorkflowError(_("Ask for a positive amount of working hours, working days or clock hours."))
    extension_check(amount=amount, unit=unit)
    return _pending(case_id=case_id, actor=actor, action_key="request_extension", kind=PendingRequest.EXTENSION,
                    amount=amount, unit=unit, note=note, expected_version=expected_version)


def case_request_shelving(*, case_id: int, actor, note: str, expected_version: int | None = None) -> Case:
    """申请挂账: long-term work that cannot finish in time (funding, construction season…)."""
    return _pending(case_id=case_id, actor=actor, action_key="request_shelving", kind=PendingRequest.SHELVING,
                    amount=None, unit="", note=note, expected_version=expected_version)


def _pending(*, case_id, actor, action_key, kind, amount, unit, note, expected_version) -> Case:
    def mutate(case: Case, now):
        case.pending_request, case.pending_amount, case.pending_unit, case.pending_note = kind, amount, unit, note[:500]
        return {"request": kind, "amount": str(amount) if amount else None, "unit": unit}

    return case_step(case_id=case_id, actor=actor, action_key=action_key, note=note, mutate=mutate,
                     expected_version=expected_version)


def case_submit(*, case_id: int, actor, note: str, photos: Iterable[Upload], expected_version: int | None = None) -> Case:
    """反馈: the unit says it is done; after-photos are mandatory (the action table says so)."""

    def mutate(case: Case, now):
        case.submitted_at = now
        case.verify_due = stage_due(category=case.category, urgency=case.urgency, stage=Stage.VERIFY, start=now)
        return {"on_time": case.handle_due is None or now <= case.handle_due}

    return case_step(case_id=case_id, actor=actor, action_key="submit", note=note, mutate=mutate, photos=photos,
                     expected_version=expected_version)


# -- helpers ---------------------------------------------------------------------------------------------

def _closing(case: Case, now) -> dict:
    case.closed_at = now
    return {}


def _require_note(note: str) -> None:
    if not note or not note.strip():
        raise WorkflowError(_("Give a reason."))


__all__ = [
    "CaseNotFound", "IllegalTransition", "NotAllowed", "StaleCase", "Upload", "WorkflowError", "case_unit_member",
]
