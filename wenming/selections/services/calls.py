"""Calls (评选活动): create and edit a call with its quotas and scoring sheet, assign its expert panel, and move it
through its lifecycle.

The lifecycle is one declared table (``CALL_ACTIONS``) read by the call page through ``call_actions_for`` and
enforced by the one locked step ``call_step``: lock the call through the person's scope → check the role, the
version the page showed and the status → change (and move its nominations) → raise the version → append a
``CallEvent`` (and a ``NominationEvent`` per nomination moved), all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.campaign.services.tasks import register_measured_refresh
from wenming.common.access import locked_in_scope, scope_for
from wenming.common.calendar import is_workday
from wenming.common.roles import SELECTION_ORGANISERS
from wenming.org.models import Area, AreaLevel, Person, Unit
from wenming.selections.models import (
    Call,
    CallEvent,
    CallQuota,
    CallStatus,
    FlagState,
    Nomination,
    NominationEvent,
    NominationStatus,
    PanelMember,
    ScoreItem,
    SelectionKind,
    VoteFlag,
)

from .errors import IllegalTransition, NotAllowed, SelectionError, StaleSelection
from .ranking import call_ranking, call_votes

S = CallStatus
N = NominationStatus
MAX_NOTICE_DAYS = 30
MAX_SHEET_ITEMS = 20


def is_organiser(user) -> bool:
    return bool(scope_for(user).roles & SELECTION_ORGANISERS) or bool(getattr(user, "is_superuser", False))


def organiser_require(user) -> None:
    if not is_organiser(user):
        raise NotAllowed(_("Only the selection's organisers (the command centre) may do this."))


# -- create and edit ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetItem:
    label: str
    max_points: int


@dataclass(frozen=True)
class CallValues:
    kind_id: int
    title: str
    criteria: str
    organiser_id: int
    nominations_open: dt.datetime
    nominations_close: dt.datetime
    notice_days: int
    expert_weight: int
    quotas: Mapping[int, int]  # district (county area) id → titles
    sheet: Sequence[SheetItem]
    vote_opens: dt.datetime | None = None
    vote_closes: dt.datetime | None = None


def _values_check(values: CallValues) -> None:
    if not values.title.strip():
        raise SelectionError(_("Title: give the call a title."))
    if values.nominations_close <= values.nominations_open:
        raise SelectionError(_("Nominations close: must be after nominations open."))
    if values.vote_opens and values.vote_closes and values.vote_closes <= values.vote_opens:
        raise SelectionError(_("Vote closes: must be after the vote opens."))
    if not 1 <= values.notice_days <= MAX_NOTICE_DAYS:
        raise SelectionError(_("Public notice: between 1 and %(most)d working days.") % {"most": MAX_NOTICE_DAYS})
    if not 0 <= values.expert_weight <= 100:
        raise SelectionError(_("Expert weight: a percentage between 0 and 100."))
    if not values.quotas or not any(values.quotas.values()):
        raise SelectionError(_("Quotas: give at least one district a quota."))
    if any(q < 0 or q > 999 for q in values.quotas.values()):
        raise SelectionError(_("Quotas: each between 0 and 999."))
    counties = set(Area.objects.filter(pk__in=list(values.quotas), level=AreaLevel.COUNTY).values_list("pk", flat=True))
    if counties != set(values.quotas):
        raise SelectionError(_("Quotas: only districts (区县) take quotas."))
    if not values.sheet:
        raise SelectionError(_("Scoring sheet: add at least one item."))
    if len(values.sheet) > MAX_SHEET_ITEMS:
        raise SelectionError(_("Scoring sheet: at most %(n)d items.") % {"n": MAX_SHEET_ITEMS})
    for n, item in enumerate(values.sheet, start=1):
        if not item.label.strip() or not 1 <= item.max_points <= 100:
            raise SelectionError(_("Scoring sheet, line %(n)d: give a criterion and its maximum points (1–100).")
                                 % {"n": n})
    if not SelectionKind.objects.filter(pk=values.kind_id, active=True).exists():
        raise SelectionError(_("Kind: choose an active selection kind."))
    if not Unit.objects.filter(pk=values.organiser_id).exists():
        raise SelectionError(_("Organiser: choose a unit."))


def _quotas_and_sheet_save(call: Call, values: CallValues) -> None:
    CallQuota.objects.filter(call=call).exclude(area_id__in=list(values.quotas)).delete()
    for area_id, quota in values.quotas.items():
        CallQuota.objects.update_or_create(call=call, area_id=area_id, defaults={"quota": quota})
    # The sheet is replaced whole: only before any expert scored (checked by the caller).
    call.score_items.all().delete()
    ScoreItem.objects.bulk_create([ScoreItem(call=call, order=n, label=i.label.strip(), max_points=i.max_points)
                                   for n, i in enumerate(values.sheet)])


def call_create(*, actor, values: CallValues) -> Call:
    organiser_require(actor)
    _values_check(values)
    with transaction.atomic():
        call = Call.objects.create(
            kind_id=values.kind_id, title=values.title.strip(), criteria=values.criteria.strip(),
            organiser_id=values.organiser_id, nominations_open=values.nominations_open,
            nominations_close=values.nominations_close, vote_opens=values.vote_opens, vote_closes=values.vote_closes,
            notice_days=values.notice_days, expert_weight=values.expert_weight, created_by=actor)
        _quotas_and_sheet_save(call, values)
        _call_event(call, actor=actor, action="created", from_status="", to_status=call.status)
    return call


def call_update(*, call_id: int, actor, expected_version: int, values: CallValues) -> Call:
    organiser_require(actor)
    _values_check(values)
    with transaction.atomic():
        call = locked_in_scope(Call.objects.all(), actor, call_id)
        if call.version != expected_version:
            raise StaleSelection(_("Someone changed this call meanwhile; reload the page and try again."))
        if call.status in (S.NOTICE, S.PUBLISHED, S.CANCELLED):
            raise IllegalTransition(_("This call can no longer be edited."))
        if values.kind_id != call.kind_id and call.nominations.exists():
            raise SelectionError(_("Kind: the call already has nominations; its kind stays."))
        sheet_now = [(i.label, i.max_points) for i in call.score_items.all()]
        sheet_new = [(i.label.strip(), i.max_points) for i in values.sheet]
        if sheet_now != sheet_new and Nomination.objects.filter(call=call, scores__isnull=False).exists():
            raise SelectionError(_("Scoring sheet: experts have already scored; the sheet stays."))
        for name in ("kind_id", "organiser_id", "nominations_open", "nominations_close", "vote_opens", "vote_closes",
                     "notice_days", "expert_weight"):
            setattr(call, name, getattr(values, name))
        call.title, call.criteria = values.title.strip(), values.criteria.strip()
        call.version += 1
        call.save()
        _quotas_and_sheet_save(call, values)
        _call_event(call, actor=actor, action="edited", from_status=call.status, to_status=call.status)
    return call


# -- the panel ----------------------------------------------------------------------------------------------------

def panel_member_add(*, call_id: int, actor, username: str) -> PanelMember:
    organiser_require(actor)
    person = Person.objects.filter(username=(username or "").strip(), is_active=True).first()
    if person is None:
        raise SelectionError(_("Expert: no active user with the login %(name)s.") % {"name": (username or "")[:40]})
    if not person.roles.exists() and not person.is_superuser:
        raise SelectionError(_("Expert: %(name)s holds no role on the platform; give them one first.")
                             % {"name": person.username})
    with transaction.atomic():
        call = locked_in_scope(Call.objects.all(), actor, call_id)
        if call.status in (S.NOTICE, S.PUBLISHED, S.CANCELLED):
            raise IllegalTransition(_("The panel is closed once the notice starts."))
        try:
            with transaction.atomic():
                member = PanelMember.objects.create(call=call, user=person, added_by=actor)
        except IntegrityError:
            raise SelectionError(_("Expert: %(name)s is already on the panel.") % {"name": person.username}) from None
        _call_event(call, actor=actor, action="expert_added", from_status=call.status, to_status=call.status,
                    data={"expert": person.pk})
    return member


# -- the lifecycle table ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CallAction:
    key: str
    label: Promise
    states: frozenset[str]
    who: frozenset[str]
    event: str
    to_state: str
    note_required: bool = False


CALL_ACTIONS: dict[str, CallAction] = {a.key: a for a in [
    CallAction("open", gettext_lazy("Open nominations"), frozenset({S.DRAFT}), SELECTION_ORGANISERS, "opened",
               S.NOMINATING),
    CallAction("close", gettext_lazy("Close nominations and start the review"), frozenset({S.NOMINATING}),
               SELECTION_ORGANISERS, "closed", S.REVIEWING),
    CallAction("open_vote", gettext_lazy("Open the public vote"), frozenset({S.REVIEWING}), SELECTION_ORGANISERS,
               "vote_opened", S.VOTING),
    # Confirming the proposed winners closes the vote (or the review, when the call runs no vote) and starts 公示.
    CallAction("notice", gettext_lazy("Confirm the proposed winners and start the public notice (公示)"),
               frozenset({S.REVIEWING, S.VOTING}), SELECTION_ORGANISERS, "notice_started", S.NOTICE),
    CallAction("publish", gettext_lazy("Publish the results"), frozenset({S.NOTICE}), SELECTION_ORGANISERS,
               "published", S.PUBLISHED),
    CallAction("cancel", gettext_lazy("Cancel the call"), frozenset({S.DRAFT, S.NOMINATING, S.REVIEWING, S.VOTING}),
               SELECTION_ORGANISERS, "cancelled", S.CANCELLED, note_required=True),
]}


def call_actions_for(call: Call, user) -> list[CallAction]:
    """The lifecycle steps this person may take on this call now, in the table's order."""
    if not is_organiser(user):
        return []
    return [a for a in CALL_ACTIONS.values() if call.status in a.states]


def notice_end(start: dt.date, working_days: int) -> dt.date:
    """The last day of a notice of ``working_days`` working days starting the working day after ``start``."""
    day, counted = start, 0
    while counted < working_days:
        day += dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    return day


def _call_event(call: Call, *, actor, action: str, from_status: str, to_status: str, note: str = "",
                data: dict | None = None) -> CallEvent:
    return CallEvent.objects.create(call=call, actor=actor, action=action, from_status=from_status,
                                    to_status=to_status, note=note, data=data or {})


def _move(nominations, *, to: str, actor, action: str, note: str = "", now: dt.datetime | None = None,
          extra: Mapping[int, dict] | None = None) -> int:
    """Move each nomination to ``to`` and log it (one event each)."""
    moved = 0
    for nomination in nominations:
        before = nomination.status
        nomination.status = to
        nomination.version += 1
        fields = ["status", "version", "updated_at"]
        for name, value in (extra or {}).get(nomination.pk, {}).items():
            setattr(nomination, name, value)
            fields.append(name)
        if to == N.WINNER:
            nomination.published_at = now
            fields.append("published_at")
        nomination.save(update_fields=fields)
        NominationEvent.objects.create(nomination=nomination, action=action, actor=actor, from_status=before,
                                       to_status=to, note=note)
        moved += 1
    return moved


def call_step(*, call_id: int, actor, action_key: str, expected_version: int, note: str = "",
              now: dt.datetime | None = None) -> Call:
    """Take one lifecycle step on a call (raises ``Call.DoesNotExist`` out of scope)."""
    action = CALL_ACTIONS.get(action_key)
    if action is None:
        raise IllegalTransition(_("Unknown step %(key)s.") % {"key": action_key})
    note = (note or "").strip()
    if action.note_required and not note:
        raise SelectionError(_("Note: say why."))
    now = now or timezone.now()
    with transaction.atomic():
        call = locked_in_scope(Call.objects.all(), actor, call_id)
        if not is_organiser(actor):
            raise NotAllowed(_("You may not take the step “%(step)s” on this call.") % {"step": action.label})
        if call.version != expected_version:
            raise StaleSelection(_("Someone changed this call meanwhile; reload the page and try again."))
        if call.status not in action.states:
            raise IllegalTransition(_("The step “%(step)s” is not open while the call is “%(status)s”.")
                                    % {"step": action.label, "status": call.get_status_display()})
        data = _STEPS[action.key](call, actor=actor, now=now, note=note)
        before = call.status
        call.status = action.to_state
        call.version += 1
        call.save()
        _call_event(call, actor=actor, action=action.event, from_status=before, to_status=call.status, note=note,
                    data=data)
        if action.key == "publish":
            titles_counted_refresh(call.kind.code)
    return call


def titles_counted_refresh(kind_code: str) -> None:
    """After the titles of a kind changed (published, withdrawn): the campaign tasks counting them (measure source
    ``selections:<code>``) are brought up to date once the change is committed, not at the worker's next scan."""
    transaction.on_commit(lambda: register_measured_refresh(source=f"selections:{kind_code}"))


def _step_open(call: Call, *, actor, now, note) -> dict:
    if not call.score_items.exists():
        raise SelectionError(_("Scoring sheet: add at least one item before opening the call."))
    return {}


def _step_close(call: Call, *, actor, now, note) -> dict:
    return {"nominations": call.nominations.count()}


def _step_open_vote(call: Call, *, actor, now, note) -> dict:
    pending = call.nominations.filter(status=N.SUBMITTED).count()
    if pending:
        raise SelectionError(_("Qualification: %(n)d nominations have not been checked yet.") % {"n": pending})
    qualified = call.nominations.select_for_update().filter(status=N.QUALIFIED)
    if not qualified.exists():
        raise SelectionError(_("No qualified nomination to put on the ballot."))
    moved = _move(qualified, to=N.SHORTLISTED, actor=actor, action="shortlisted", now=now)
    if call.vote_opens is None or call.vote_opens > now:
        call.vote_opens = now
    if call.vote_closes is None or call.vote_closes <= call.vote_opens:
        call.vote_closes = call.vote_opens + dt.timedelta(days=7)
    return {"ballot": moved}


def _step_notice(call: Call, *, actor, now, note) -> dict:
    pending = call.nominations.filter(status=N.SUBMITTED).count()
    if pending:
        raise SelectionError(_("Qualification: %(n)d nominations have not been checked yet.") % {"n": pending})
    if VoteFlag.objects.filter(call=call, state=FlagState.OPEN).exists():
        raise SelectionError(_("Public vote: some votes are flagged and awaiting review; review the flagged votes "
                               "first."))
    # The vote closes now, before the count: the tally takes only the votes cast before ``vote_closes``. The call
    # row is locked (FOR UPDATE, ``call_step``) before this count: a vote still committing either holds the call
    # first (this step waited for it, and counts it) or waits for this step and is refused (``votes._still_voting``).
    if call.status == S.VOTING and (call.vote_closes is None or call.vote_closes > now):
        call.vote_closes = now
    ranking = call_ranking(call=call, votes=call_votes(call))
    if not any(r.proposed for r in ranking):
        raise SelectionError(_("No nominee has an expert score yet: the experts must score first."))
    rows = {r.nomination.pk: r for r in ranking}
    # FOR NO KEY UPDATE (only their status and frozen scores change): a vote waiting on the call may already hold
    # a KEY SHARE lock on its nominee (its foreign key check); FOR UPDATE here would wait for it while it waits for
    # the call, a deadlock.
    entries = list(call.nominations.select_for_update(of=("self",), no_key=True).filter(pk__in=list(rows)))
    extra = {n.pk: {"expert_average": rows[n.pk].expert_average, "votes": rows[n.pk].votes,
                    "final_score": rows[n.pk].final} for n in entries}
    winners = [n for n in entries if rows[n.pk].proposed]
    others = [n for n in entries if not rows[n.pk].proposed]
    _move(winners, to=N.IN_NOTICE, actor=actor, action="in_notice", now=now, extra=extra)
    _move(others, to=N.NOT_SELECTED, actor=actor, action="not_selected", now=now, extra=extra)
    call.notice_ends_on = notice_end(timezone.localdate(now), call.notice_days)
    return {"winners": [n.pk for n in winners], "notice_ends_on": call.notice_ends_on.isoformat()}


def _step_publish(call: Call, *, actor, now, note) -> dict:
    if call.notice_ends_on and timezone.localdate(now) <= call.notice_ends_on:
        raise SelectionError(_("The public notice runs until %(day)s; publish after it ends.")
                             % {"day": call.notice_ends_on.isoformat()})
    if call.nominations.filter(objections__status="open").exists():
        raise SelectionError(_("Objections: decide every open objection before publishing."))
    winners = list(call.nominations.select_for_update().filter(status=N.IN_NOTICE))
    if not winners:
        raise SelectionError(_("No nominee is left in the notice: nothing to publish."))
    _move(winners, to=N.WINNER, actor=actor, action="named", now=now)
    call.published_at = now
    return {"winners": [n.pk for n in winners]}


def _step_cancel(call: Call, *, actor, now, note) -> dict:
    return {}


_STEPS = {"open": _step_open, "close": _step_close, "open_vote": _step_open_vote, "notice": _step_notice,
          "publish": _step_publish, "cancel": _step_cancel}
