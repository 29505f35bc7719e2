"""A target line's workflow: the owner unit submits evidence, the task's task force (or the command centre) accepts
it or returns it with a note. One table (``LINE_ACTIONS``), one offer (``line_actions_for``), one locked step.

Only lines of the evidence rules (``near``, ``each``) are worked on; the computed lines (met or not met) follow
the registers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.campaign.models import (
    EVIDENCE_RULES,
    TargetEvidence,
    TargetLine,
    TargetLineStatus,
    Task,
    TaskEvent,
    TaskEventAction,
)
from wenming.campaign.services.targets import targets_refresh, task_figures_refresh
from wenming.campaign.services.tasks import Upload, evidence_checked, evidence_store
from wenming.cases.services.errors import NotAllowed, WorkflowError
from wenming.common.access import locked_in_scope, scope_for
from wenming.common.files import display_name
from wenming.common.roles import COMMAND_OR_ADMIN, UNIT_ROLES
from wenming.common.services.notifications import notifications_enqueue
from wenming.org.models import Person

OWNER = "owner"  # a handler or leader of the line's owner unit (or the command centre)
REVIEWER = "reviewer"  # the task's task-force leader or members, its owner, or the command centre


@dataclass(frozen=True)
class LineAction:
    key: str
    label: str
    states: frozenset
    who: str
    event: str
    to_state: str
    note: str = "optional"  # optional or required
    files: str = "none"  # none or required


LINE_ACTIONS = (
    LineAction("submit", gettext_lazy("Submit evidence"), frozenset({TargetLineStatus.PENDING, TargetLineStatus.RETURNED}),
               OWNER, TaskEventAction.LINE_SUBMITTED, TargetLineStatus.SUBMITTED, files="required"),
    LineAction("accept", gettext_lazy("Accept"), frozenset({TargetLineStatus.SUBMITTED}), REVIEWER,
               TaskEventAction.LINE_ACCEPTED, TargetLineStatus.ACCEPTED),
    LineAction("return", gettext_lazy("Return"), frozenset({TargetLineStatus.SUBMITTED}), REVIEWER,
               TaskEventAction.LINE_RETURNED, TargetLineStatus.RETURNED, note="required"),
)
ACTIONS_BY_KEY = {a.key: a for a in LINE_ACTIONS}


def _is_owner(user, line: TargetLine) -> bool:
    if scope_for(user).roles & COMMAND_OR_ADMIN:
        return True
    return bool(line.owner_unit_id) and user.roles.filter(role__in=UNIT_ROLES, unit_id=line.owner_unit_id).exists()


def _is_reviewer(user, task: Task) -> bool:
    if scope_for(user).roles & COMMAND_OR_ADMIN or (task.owner_id and task.owner_id == user.pk):
        return True
    if not task.task_force_id:
        return False
    force = task.task_force
    return force.leader_id == user.pk or force.members.filter(pk=user.pk).exists()


def _may(user, line: TargetLine, who: str) -> bool:
    return _is_owner(user, line) if who == OWNER else _is_reviewer(user, line.task)


def line_actions_for(line: TargetLine, user) -> list[LineAction]:
    """The steps this person may take on this line now (a line the caller read through the scope)."""
    if line.task.target_rule not in EVIDENCE_RULES or not line.in_scope:
        return []
    return [a for a in LINE_ACTIONS if line.status in a.states and _may(user, line, a.who)]


def _event(line: TargetLine, *, action: str, actor, note: str, at: dt.datetime, data: dict) -> TaskEvent:
    return TaskEvent.objects.create(task_id=line.task_id, line=line, action=action, actor=actor, note=note[:500],
                                    data=data, at=at)


def target_line_step(*, line_id: int, actor, action_key: str, note: str = "", files: Iterable[Upload] = (),
                     now: dt.datetime | None = None) -> TargetLine:
    """Take one step of ``LINE_ACTIONS`` on a line: lock it through the scope, check the entry, change it, append
    the event, recompute the task's figures from its lines."""
    entry = ACTIONS_BY_KEY.get(action_key)
    if entry is None:
        raise WorkflowError(_("No such step."))
    now = now or timezone.now()
    note = (note or "").strip()
    if entry.note == "required" and not note:
        raise WorkflowError(_("Note: say what is missing or wrong."))
    checked = evidence_checked(files) if entry.files != "none" else []
    if entry.files == "required" and not checked:
        raise WorkflowError(_("Evidence: add at least one photo or PDF."))
    with transaction.atomic():
        line = locked_in_scope(TargetLine.objects.select_related("task", "task__task_force"), actor, line_id)
        if line.task.target_rule not in EVIDENCE_RULES:
            raise WorkflowError(_("This line is computed from the registers, not worked on."))
        if not line.in_scope:
            raise WorkflowError(_("This line is out of the task's scope now."))
        if line.status not in entry.states:
            raise WorkflowError(_("This line is %(status)s: %(step)s is not possible now.")
                                % {"status": line.get_status_display(), "step": entry.label})
        if not _may(actor, line, entry.who):
            raise NotAllowed(_("Only the owner unit submits evidence for a line.") if entry.who == OWNER else
                             _("Only the task's task force, its owner and the command centre review lines."))
        before = line.status
        line.status = entry.to_state
        line.version += 1
        fields = ["status", "version"]
        if entry.key == "submit":
            line.note, line.submitted_at = note, now
            fields += ["note", "submitted_at"]
            for upload, (content_type, extension) in checked:
                evidence_store(TargetEvidence(line=line, name=display_name(upload.name, limit=200), content_type=content_type,
                                              uploaded_by=actor, at=now), upload, extension)
        else:
            line.reviewed_at, line.reviewed_by, line.review_note = now, actor, note
            fields += ["reviewed_at", "reviewed_by", "review_note"]
        line.save(update_fields=fields)
        _event(line, action=entry.event, actor=actor, note=note, at=now,
               data={"line": line.pk, "site": line.site_id, "from": before, "to": line.status, "files": len(checked)})
        task_figures_refresh(task=Task.objects.select_for_update().get(pk=line.task_id), now=now, actor=actor)
        if entry.key == "return" and line.owner_unit_id:
            recipients = Person.objects.filter(is_active=True, roles__role__in=UNIT_ROLES, roles__unit_id=line.owner_unit_id).distinct()
            name = line.site.name if line.site_id else (line.area.name if line.area_id else "")
            notifications_enqueue(
                recipients=list(recipients), key=f"target-line-returned:{line.pk}:{line.version}",
                subject=_("Evidence returned: %(task)s · %(site)s") % {"task": line.task.code, "site": name},
                body=note, link=f"/campaign/targets/lines/{line.pk}/",
            )
    return line


def target_line_submit(*, line_id: int, actor, note: str = "", files: Iterable[Upload] = (),
                       now: dt.datetime | None = None) -> TargetLine:
    """The owner unit's evidence for a line (at least one photo or PDF): pending or returned → submitted."""
    return target_line_step(line_id=line_id, actor=actor, action_key="submit", note=note, files=files, now=now)


def target_line_review(*, line_id: int, actor, accept: bool, note: str = "", now: dt.datetime | None = None) -> TargetLine:
    """The task force's review: submitted → accepted, or → returned with a note saying why."""
    return target_line_step(line_id=line_id, actor=actor, action_key="accept" if accept else "return", note=note, now=now)


def can_recompute(user, task: Task) -> bool:
    """The command centre, administrators and the task force's leader may recompute a list on demand."""
    if scope_for(user).roles & COMMAND_OR_ADMIN:
        return True
    return bool(task.task_force_id) and task.task_force.leader_id == user.pk


def task_targets_recompute(*, task_id: int, actor, now: dt.datetime | None = None) -> dict:
    """The "重新计算" button: the task's list computed again from the registers now, not at the worker's next scan."""
    task = Task.objects.select_related("task_force").filter(pk=task_id).exclude(target_rule="").first()
    if task is None:
        raise WorkflowError(_("This task has no target list."))
    if not can_recompute(actor, task):
        raise NotAllowed(_("Only the command centre and the task force's leader recompute a target list."))
    return targets_refresh(task_id=task.pk, now=now)
