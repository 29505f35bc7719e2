"""回访 services: the reporter rates a closed case; "not fixed" goes to the command centre, which reopens
the case or confirms it closed. Each step locks the case, checks its state, and logs one event."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import (
    Case,
    Channel,
    FollowUp,
    FollowUpChannel,
    FollowUpDecision,
    FollowUpRating,
)
from wenming.cases.services import workflow as wf
from wenming.cases.services.actions import CASE_ACTIONS
from wenming.cases.services.errors import CaseNotFound, IllegalTransition, WorkflowError

DECIDERS = CASE_ACTIONS["follow_up_decide"].who  # the same people who may reopen a case (case_reopen)
MAX_COMMENT = 1000


# Channels through which a member of the public reports (and is asked for a rating when it closes).
RATED_CHANNELS = frozenset({Channel.CITIZEN, Channel.HOTLINE, Channel.HOTLINE_12345, Channel.MEDIA})


def followup_record(*, case_id: int, rating: str, fixed: bool, comment: str = "", channel: str = FollowUpChannel.WEB,
                    actor=None) -> FollowUp:
    """The reporter's rating of the case as closed now: only when closed, once per closing."""
    if rating not in FollowUpRating.values:
        raise WorkflowError(_("Choose how satisfied you are."))
    if channel not in FollowUpChannel.values:
        raise WorkflowError(_("Unknown channel %(channel)s.") % {"channel": channel})
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise WorkflowError(_("The comment is longer than %(n)d characters.") % {"n": MAX_COMMENT})
    if not fixed and not comment:
        raise WorkflowError(_("Say what is still not fixed."))
    # The channel a case came in on never changes: read before the lock.
    reported_on = Case.objects.filter(pk=case_id).values_list("channel", flat=True).first()
    if reported_on is None:
        raise CaseNotFound(_("No such case."))
    if reported_on not in RATED_CHANNELS:
        # Grid workers', inspectors' and other systems' reports have no member of the public to ask.
        raise IllegalTransition(_("Only cases reported by the public are rated."))
    made: list[FollowUp] = []

    def mutate(case: Case, now):
        if FollowUp.objects.filter(case=case, round=case.reopen_count).exists():
            raise IllegalTransition(_("This case has already been rated."))
        made.append(FollowUp.objects.create(
            case=case, round=case.reopen_count, rating=rating, fixed=fixed, comment=comment, channel=channel,
            created_at=now,
        ))
        return {"rating": rating, "fixed": fixed, "channel": channel, "follow_up": made[0].pk}

    wf.case_step(case_id=case_id, actor=actor if getattr(actor, "is_authenticated", False) else None,
                 action_key="follow_up", note=comment, mutate=mutate)
    return made[0]


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
