"""What the public may read about a case, by its tracking code: the state and the steps in plain words.

Never a person: no reporter, no inspector, no staff or unit person's name, no note typed by staff (except
the reason a report was not accepted, which is written for the reporter). Departments are named. Photos
are the after-photos of a rectification that passed the on-site check, as the shared copies without
metadata.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from wenming.cases.models import Case, CaseState, EventAction, Evidence, FollowUp

S = CaseState

PLAIN_STATES = {
    S.REPORTED: _("Received, waiting to be accepted"),
    S.REGISTERED: _("Accepted, being sent to a department"),
    S.DISPATCHED: _("Sent to the responsible department"),
    S.RETURN_REQUESTED: _("Being sent to the right department"),
    S.HANDLING: _("Being fixed"),
    S.SHELVED: _("Scheduled as longer-term work"),
    S.SUBMITTED: _("Reported fixed, being checked on site"),
    S.VERIFIED: _("Fixed and checked on site"),
    S.CLOSED: _("Closed"),
    S.REJECTED: _("Not accepted"),
    S.VOIDED: _("Cancelled"),
    S.MERGED: _("Merged with an earlier report of the same problem"),
}

# The steps the public sees of a case, in plain words (the rest are between staff).
PLAIN_STEPS = {
    EventAction.REPORT: _("Received"),
    EventAction.REGISTER: _("Accepted as a case"),
    EventAction.REJECT: _("Not accepted"),
    EventAction.VOID: _("Cancelled"),
    EventAction.MERGE: _("Merged with an earlier report of the same problem"),
    EventAction.DISPATCH: _("Dispatched to %(unit)s"),
    EventAction.RETURN_APPROVED: _("Being sent to the right department"),
    # The centre's recall and re-dispatch read to the reporter as a return and a dispatch do.
    EventAction.RECALL: _("Being sent to the right department"),
    EventAction.REDISPATCH: _("Dispatched to %(unit)s"),
    EventAction.SIGN: _("Being fixed"),
    EventAction.REWORK: _("The on-site check found it not fixed: being fixed again"),
    EventAction.SUBMIT: _("Reported fixed"),
    EventAction.VERIFY_PASSED: _("Fixed: checked on site"),
    EventAction.CLOSE: _("Closed"),
    EventAction.REOPEN: _("Reopened"),
    EventAction.FOLLOW_UP: _("Your rating was received"),
}


@dataclass
class Step:
    at: dt.datetime
    text: str
    detail: str = ""
    photos: list[Evidence] = field(default_factory=list)
    action: str = ""


def tracked_case(code: str) -> Case | None:
    code = (code or "").strip().upper()
    # Codes are ASCII letters and digits; anything else (a NUL byte PostgreSQL refuses, full-width letters) is
    # simply no code, answered like an unknown one.
    if not code or len(code) > 12 or not (code.isascii() and code.isalnum()):
        return None
    return Case.objects.select_related("category").filter(tracking_code=code).first()


def public_step_text(event) -> str | None:
    """An event as the public reads it (the status page, Open311's updates), or None for a step the public does
    not see (notes, requests between staff)."""
    label = PLAIN_STEPS.get(event.action)
    if label is None:
        return None
    if event.action in (EventAction.DISPATCH, EventAction.REDISPATCH):
        return str(label) % {"unit": (event.data or {}).get("unit_name") or _("a department")}
    return str(label)


def public_steps(case: Case) -> list[Step]:
    events = list(case.events.order_by("seq").only("action", "data", "note", "created_at", "seq"))
    after = {}
    for evidence in case.evidence.filter(kind=Evidence.Kind.AFTER).exclude(public_file="").order_by("id"):
        after.setdefault(evidence.event_id, []).append(evidence)
    steps: list[Step] = []
    waiting: Step | None = None  # the last "reported fixed": its photos are shown once the check passes
    waiting_photos: list[Evidence] = []
    for event in events:
        text = public_step_text(event)
        if text is None:
            continue
        step = Step(at=event.created_at, text=text, action=event.action)
        if event.action == EventAction.REJECT:
            step.detail = event.note
        if event.action == EventAction.SUBMIT:
            waiting, waiting_photos = step, after.get(event.pk, [])
        elif event.action == EventAction.VERIFY_PASSED and waiting is not None:
            waiting.photos = waiting_photos + after.get(event.pk, [])
            waiting = None
        elif event.action == EventAction.REWORK:
            waiting = None
        steps.append(step)
    return steps


def shown_photo_ids(case: Case) -> set[int]:
    return {photo.pk for step in public_steps(case) for photo in step.photos}


def can_rate(case: Case) -> bool:
    return case.state == S.CLOSED and not FollowUp.objects.filter(case=case, round=case.reopen_count).exists()


def rating_given(case: Case) -> FollowUp | None:
    return FollowUp.objects.filter(case=case, round=case.reopen_count).first()
