"""回访 services: the reporter rates a closed case; "not fixed" goes to the command centre, which reopens
the case or confirms it closed. Each step locks the case, checks its state, and logs one event."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import Case, CaseState, FollowUp, FollowUpChannel, FollowUpDecision, FollowUpRating
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import (
    CaseNotFound,
    IllegalTransition,
    NotAllowed,
    StaleCase,
    WorkflowError,
)
from wenming.common.access import restrict, scope_for

DECIDERS = frozenset({"shift_leader"})  # the same people who may reopen a case (case_reopen)
MAX_COMMENT = 1000


# Channels through which a member of the public reports (and is asked for a rating when it closes).
RATED_CHANNELS = frozenset({"citizen", "hotline", "12345", "media"})

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
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None:
            raise CaseNotFound(_("No such case."))
        if case.channel not in RATED_CHANNELS:
            # Grid workers', inspectors' and other systems' reports have no member of the public to ask.
            raise IllegalTransition(_("Only cases reported by the public are rated."))
        if case.state != CaseState.CLOSED:
            raise IllegalTransition(_("A case can be rated only once it is closed."))
        if FollowUp.objects.filter(case=case, round=case.reopen_count).exists():
            raise IllegalTransition(_("This case has already been rated."))
        now = timezone.now()
        follow_up = FollowUp.objects.create(
            case=case, round=case.reopen_count, rating=rating, fixed=fixed, comment=comment, channel=channel,
            created_at=now,
        )
        case.version += 1
        case.save(update_fields=["version", "updated_at"])
        wf._event(case, action="follow_up", actor=actor if getattr(actor, "is_authenticated", False) else None,
                  from_state=case.state, note=comment, at=now,
                  data={"rating": rating, "fixed": fixed, "channel": channel, "follow_up": follow_up.pk})
    return follow_up


def _open_follow_up(case: Case) -> FollowUp:
    follow_up = FollowUp.objects.select_for_update().filter(case=case, round=case.reopen_count).first()
    if follow_up is None or follow_up.fixed or follow_up.decision:
        raise IllegalTransition(_("No citizen's \"not fixed\" is waiting for a decision on this case."))
    return follow_up


def followup_decide(*, case_id: int, actor, reopen: bool, note: str = "", expected_version: int | None = None) -> FollowUp:
    """The command centre's answer to "not fixed": reopen the case (重新立案) or confirm it closed."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None or not restrict(Case.objects.filter(pk=case_id), actor).exists():
            raise CaseNotFound(_("No such case."))
        if not scope_for(actor).roles & DECIDERS:
            raise NotAllowed(_("Your role may not do this on this case."))
        if case.state != CaseState.CLOSED:
            raise IllegalTransition(
                _("This case is %(state)s; that cannot be done now.") % {"state": CaseState(case.state).label}
            )
        follow_up = _open_follow_up(case)
        now = timezone.now()
        if reopen:
            wf.case_reopen(case_id=case.pk, actor=actor, note=note, expected_version=expected_version)
            case.refresh_from_db()
            action = "follow_up_reopen"
        else:
            if not note.strip():
                raise WorkflowError(_("Give a reason."))
            if expected_version is not None and case.version != expected_version:
                raise StaleCase(_("Someone else changed this case meanwhile; reload it and try again."))
            action = "follow_up_confirmed"
        follow_up.decision = FollowUpDecision.REOPENED if reopen else FollowUpDecision.CONFIRMED
        follow_up.decided_at, follow_up.decided_by = now, actor
        follow_up.save(update_fields=["decision", "decided_at", "decided_by"])
        case.version += 1
        case.save(update_fields=["version", "updated_at"])
        wf._event(case, action=action, actor=actor, from_state=case.state, note=note, at=now,
                  data={"follow_up": follow_up.pk})
    return follow_up
