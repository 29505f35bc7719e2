"""Settling a sync conflict (the round page's "Sync conflicts"): the refused result is logged as a ``CONFLICT``
round event; a planner settles it once, either keeping the first result (with a note saying why, e.g. what the
firm said) or ordering a re-inspection (复查) of that site's item on a day by an inspector. Either way a
``SETTLED`` round event cites the conflict's event, so the round's log stays append-only and the page shows who
settled it, when and how.

A re-inspection here is the same assignment the follow-up's re-inspection service makes (``kind=reinspect``,
tied to the result that stands), without waiting for a case deadline: the point is to learn which result is
right. It goes through ``round_step`` (lock, action table, version, event) like every round change.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from wenming.common.errors import WorkflowError
from wenming.common.input import strip_controls
from wenming.common.roles import Role
from wenming.inspections.models import Assignment, AssignmentKind, Result, Round, RoundEvent, RoundEventAction
from wenming.inspections.services.rounds import round_step
from wenming.org.models import Person

KEEP, REINSPECT = "keep", "reinspect"
MAX_NOTE = 500


def settlements(round_: Round) -> dict[int, RoundEvent]:
    """The settling event of each settled conflict, by the conflict event's id."""
    out: dict[int, RoundEvent] = {}
    for event in (RoundEvent.objects.filter(round=round_, action=RoundEventAction.SETTLED)
                  .select_related("actor").order_by("pk")):
        conflict = event.data.get("conflict")
        if isinstance(conflict, int):
            out.setdefault(conflict, event)
    return out


def conflict_settle(*, round_id: int, actor, conflict_id: int, decision: str, note: str = "",
                    inspector: Person | None = None, day: dt.date | None = None,
                    expected_version: int | None = None) -> RoundEvent:
    """Settle one refused result: keep the first (a note is required) or order a re-inspection of the item."""
    note = strip_controls(note or "").strip()
    if decision not in {KEEP, REINSPECT}:
        raise WorkflowError(_("Choose how to settle the conflict."))
    if len(note) > MAX_NOTE:
        raise WorkflowError(_("The note is longer than %(limit)d characters.") % {"limit": MAX_NOTE})
    if decision == KEEP and not note:
        raise WorkflowError(_("Say why the first result stands (the note)."))
    if decision == REINSPECT:
        if inspector is None or day is None:
            raise WorkflowError(_("A re-inspection needs an inspector and a day."))
        if not inspector.is_active or not inspector.roles.filter(role=Role.INSPECTOR).exists():
            raise WorkflowError(_("Every inspector of a round must hold the inspector role."))

    def mutate(round_: Round, now):
        conflict = RoundEvent.objects.filter(round=round_, pk=conflict_id, action=RoundEventAction.CONFLICT).first()
        if conflict is None:
            raise WorkflowError(_("No such conflict in this round."))
        if RoundEvent.objects.filter(round=round_, action=RoundEventAction.SETTLED,
                                     data__conflict=conflict.pk).exists():
            raise WorkflowError(_("This conflict is settled already."))
        data = {"conflict": conflict.pk, "decision": decision, "note": note, "site": conflict.data.get("site"),
                "item": conflict.data.get("item")}
        if decision == REINSPECT:
            kept = (Result.objects.select_related("assignment").filter(round=round_, pk=conflict.data.get("kept"))
                    .first())
            if kept is None:
                raise WorkflowError(_("The result that stands is not in this round."))
            if kept.reinspections.exists():
                raise WorkflowError(_("This site's item has a re-inspection already."))
            made = Assignment.objects.create(
                round=round_, site=kept.assignment.site, scheme=kept.assignment.scheme, assignee=inspector, day=day,
                kind=AssignmentKind.REINSPECT, finding=kept, district=kept.assignment.district,
                stratum=kept.assignment.stratum)
            round_.inspectors.add(inspector)
            data.update({"assignment": made.pk, "assignee": inspector.pk, "day": day.isoformat()})
        return data

    round_step(round_id=round_id, actor=actor, action_key="settle", mutate=mutate, expected_version=expected_version)
    return RoundEvent.objects.filter(round_id=round_id, action=RoundEventAction.SETTLED).order_by("-pk").first()
