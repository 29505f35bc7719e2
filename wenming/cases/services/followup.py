"""回访 services: the reporter rates a closed case (on the web page, or to the hotline that calls them back);
"not fixed" goes to the command centre, which reopens the case or confirms it closed. Each step locks the case,
checks its state, and logs one event."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import (
    Case,
    CaseState,
    EventAction,
    FollowUp,
    FollowUpChannel,
    FollowUpDecision,
    FollowUpRating,
)
from wenming.cases.services import workflow as wf
from wenming.cases.services.actions import CASE_ACTIONS, RATED_CHANNELS, action_who_allows, callback_refusal
from wenming.cases.services.errors import CaseNotFound, IllegalTransition, WorkflowError
from wenming.common.access import restrict

DECIDERS = CASE_ACTIONS["follow_up_decide"].who  # the same people who may reopen a case (case_reopen)
MAX_COMMENT = 1000

__all__ = ["DECIDERS", "RATED_CHANNELS", "callbacks_of", "followup_callback", "followup_decide", "followup_record"]


def followup_record(*, case_id: int, rating: str, fixed: bool, comment: str = "", channel: str = FollowUpChannel.WEB,
                    actor=None) -> FollowUp:
    """The reporter's rating of the case as closed now: only when closed, once per closing."""
    if channel not in FollowUpChannel.values:
        raise WorkflowError(_("Unknown channel %(channel)s.") % {"channel": channel})
    comment = _rating_check(rating=rating, fixed=fixed, comment=comment)
    # The channel a case came in on never changes: read before the lock.
    reported_on = Case.objects.filter(pk=case_id).values_list("channel", flat=True).first()
    if reported_on is None:
        raise CaseNotFound(_("No such case."))
    if reported_on not in RATED_CHANNELS:
        # Grid workers', inspectors' and other systems' reports have no member of the public to ask.
        raise IllegalTransition(_("Only cases reported by the public are rated."))
    made: list[FollowUp] = []

    def mutate(case: Case, now):
        made.append(_follow_up_create(case, now, rating=rating, fixed=fixed, comment=comment, channel=channel))
        return {"rating": rating, "fixed": fixed, "channel": channel, "follow_up": made[0].pk}

    wf.case_step(case_id=case_id, actor=actor if getattr(actor, "is_authenticated", False) else None,
                 action_key="follow_up", note=comment, mutate=mutate)
    return made[0]


def _rating_check(*, rating: str, fixed: bool, comment: str) -> str:
    """The rating's own rules, named by field (the web form's and the hotline's alike); the comment, stripped."""
    if rating not in FollowUpRating.values:
        raise WorkflowError(_("Choose how satisfied you are."))
    comment = _comment_check(comment)
    if not fixed and not comment:
        raise WorkflowError(_("Say what is still not fixed."))
    return comment


def _comment_check(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise WorkflowError(_("The comment is longer than %(n)d characters.") % {"n": MAX_COMMENT})
    return comment


def _follow_up_create(case: Case, now, *, rating: str, fixed: bool, comment: str, channel: str) -> FollowUp:
    """The one rating of this closing (the case is locked: no second one can slip in between)."""
    if FollowUp.objects.filter(case=case, round=case.reopen_count).exists():
        raise IllegalTransition(_("This case has already been rated."))
    return FollowUp.objects.create(case=case, round=case.reopen_count, rating=rating, fixed=fixed, comment=comment,
                                   channel=channel, created_at=now)


def followup_callback(*, case_id: int, actor, reached: bool, rating: str = "", fixed: bool = True,
                      comment: str = "", expected_version: int | None = None) -> FollowUp | None:
    """电话回访: the hotline called the reporter of a closed case back.

    Reached: the reporter's rating, fixed or not and their words, recorded as their follow-up over the hotline
    channel (the same 满意率, and "not fixed" waits for the same decision as one given on the web). Not reached:
    the attempt is logged (``comment``: what happened, e.g. no answer) and the callback stays due until
    ``WENMING_CALLBACK_ATTEMPTS`` calls failed. Returns the follow-up, or None for a call that did not reach."""
    action = CASE_ACTIONS["callback"]
    comment = _rating_check(rating=rating, fixed=fixed, comment=comment) if reached else _comment_check(comment)
    # Why no callback is due, said plainly to whoever may call (the locked check below has the last word and
    # would only say that none is due). Read through the scope: a case out of it reads as missing.
    seen = restrict(Case.objects.filter(pk=case_id), actor).first()
    if seen is not None and seen.state == CaseState.CLOSED and action_who_allows(action, actor, seen):
        reason = callback_refusal(seen)
        if reason:
            raise IllegalTransition(reason)
    made: list[FollowUp] = []

    def mutate(case: Case, now):
        attempt = _callback_attempts(case) + 1
        if not reached:
            return {"reached": False, "attempt": attempt, "attempts": settings.WENMING_CALLBACK_ATTEMPTS}
        made.append(_follow_up_create(case, now, rating=rating, fixed=fixed, comment=comment,
                                      channel=FollowUpChannel.HOTLINE))
        return {"rating": rating, "fixed": fixed, "channel": FollowUpChannel.HOTLINE, "follow_up": made[0].pk,
                "reached": True, "attempt": attempt}

    wf.case_step(case_id=case_id, actor=actor, action_key="callback", approved=reached, note=comment, mutate=mutate,
                 expected_version=expected_version)
    return made[0] if made else None


def _callback_attempts(case: Case) -> int:
    """Calls that did not reach the reporter since the case last closed."""
    failed = case.events.filter(action=EventAction.CALLBACK_UNREACHED)
    return (failed.filter(created_at__gte=case.closed_at) if case.closed_at else failed).count()


def callbacks_of(case: Case) -> list[dict]:
    """The case's phone callbacks, newest first, for its page: each call with who made it and what came of it."""
    ratings = dict(FollowUpRating.choices)
    calls = []
    for event in (case.events.filter(action__in=[EventAction.FOLLOW_UP, EventAction.CALLBACK_UNREACHED])
                  .select_related("actor").order_by("-seq")):
        data = event.data or {}
        if event.action == EventAction.FOLLOW_UP and data.get("channel") != FollowUpChannel.HOTLINE:
            continue  # the reporter's own rating on the web page: on the timeline, not a call
        calls.append({
            "at": event.created_at, "actor": event.actor, "reached": event.action == EventAction.FOLLOW_UP,
            "attempt": data.get("attempt"), "attempts": data.get("attempts"),
            "rating": ratings.get(data.get("rating"), ""),
            "fixed": data.get("fixed"), "comment": event.note,
        })
    return calls


def _open_follow_up(case: Case) -> FollowUp:
    follow_up = FollowUp.objects.select_for_update().filter(case=case, round=case.reopen_count).first()
    if follow_up is None or follow_up.fixed or follow_up.decision:
        raise IllegalTransition(_("No citizen's \"not fixed\" is waiting for a decision on this case."))
    return follow_up


def followup_decide(*, case_id: int, actor, reopen: bool, note: str = "", expected_version: int | None = None) -> FollowUp:
    """The command centre's answer to "not fixed": reopen the case (重新立案) or confirm it closed.

    Two events when it reopens (the reopening itself, then the decision), so the step is composed of the
    machinery's parts: the same lock and table check as ``case_step``, ``case_reopen``, then ``event_append``."""
    action = CASE_ACTIONS["follow_up_decide"]
    with transaction.atomic():
        case = wf.case_lock(case_id=case_id, actor=actor)
        wf.case_check(case, action=action, actor=actor, expected_version=expected_version)
        follow_up = _open_follow_up(case)
        if action.note_required(reopen) and not note.strip():
            raise WorkflowError(_("Give a reason."))
        now = timezone.now()
        if reopen:
            case = wf.case_reopen(case_id=case.pk, actor=actor, note=note, expected_version=expected_version)
        follow_up.decision = FollowUpDecision.REOPENED if reopen else FollowUpDecision.CONFIRMED
        follow_up.decided_at, follow_up.decided_by = now, actor
        follow_up.save(update_fields=["decision", "decided_at", "decided_by"])
        case.version += 1
        case.save(update_fields=["version", "updated_at"])
        wf.event_append(case, action=action.event(reopen), actor=actor, note=note, at=now,
                        data={"follow_up": follow_up.pk})
    return follow_up
