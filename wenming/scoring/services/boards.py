"""红黑榜 (drafted from a published snapshot, published after approval) and accountability records (通报,
约谈, 问责) with their follow-up. Every change is logged: board changes in the audit log, record changes as
append-only follow-ups."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import Case
from wenming.cases.services.errors import NotAllowed, WorkflowError
from wenming.common.access import locked_in_scope, restrict, scope_for
from wenming.common.roles import PUBLISHERS, UNIT_ROLES, Role, roles
from wenming.common.services.audit import audit_event_record
from wenming.common.services.notifications import notifications_enqueue
from wenming.inspections.selectors import findings_citable as citable_findings
from wenming.org.models import Person
from wenming.scoring.models import (
    AccountabilityFollowUp,
    AccountabilityKind,
    AccountabilityRecord,
    AccountabilityStatus,
    BoardStatus,
    RedBlackList,
    ScoreSnapshot,
    Subject,
)
from wenming.scoring.task_selectors import tasks_of_unit

# Any of the command centre but intake drafts a list; the publishers approve it, never the list's own drafter.
DRAFTERS = roles(Role.SHIFT_LEADER, Role.DISPATCHER, Role.ADMIN)
APPROVERS = PUBLISHERS
MAX_SIZE = 20
BOARD_SUBJECTS = frozenset({Subject.UNIT, Subject.DISTRICT})
# A follow-up is due within this many days: a later date is a typing slip, not a plan.
MAX_DUE_DAYS = 366


def _require(actor, roles) -> None:
    if not (scope_for(actor).roles & roles):
        raise NotAllowed(_("Your role may not do this."))


def _check_due(due_date: dt.date, *, now: dt.datetime) -> None:
    today = timezone.localtime(now).date()
    if due_date < today:
        raise WorkflowError(_("Follow-up due: the date is in the past."))
    if due_date > today + dt.timedelta(days=MAX_DUE_DAYS):
        raise WorkflowError(_("Follow-up due: choose a date within a year from today."))


def _board_logged(board: RedBlackList, *, actor, verb: str, **data) -> None:
    """The one record of a board change: an audit event (a board has no event table of its own)."""
    audit_event_record(actor=actor, action=f"scoring.board_{verb}", summary=str(board), data={"board": board.pk, **data})


def _follow_up_append(record: AccountabilityRecord, *, actor, note: str, from_status: str, due_date: dt.date | None,
                      at: dt.datetime) -> AccountabilityFollowUp:
    """The one record of an accountability change: an append-only follow-up, to the record's status now."""
    return AccountabilityFollowUp.objects.create(record=record, note=note, from_status=from_status, to_status=record.status,
                                                 due_date=due_date, author=actor, created_at=at)


def _entry(row: dict) -> dict:
    return {"key": row["key"], "name": row["name"], "index": row["index"], "grade": row["grade"], "rank": row["rank"],
            "volume": row["volume"]}


def red_black_list_draft(*, snapshot_id: int, actor, size: int = 3, note: str = "") -> RedBlackList:
    """Top ``size`` ranked subjects on the red list, bottom ``size`` on the black list; unranked (too few
    cases) never appear. Only from a published snapshot, so the list never disagrees with a figure."""
    _require(actor, DRAFTERS)
    if not 1 <= int(size) <= MAX_SIZE:
        raise WorkflowError(_("Entries per list: choose between 1 and %(max)s.") % {"max": MAX_SIZE})
    with transaction.atomic():
        snapshot = locked_in_scope(ScoreSnapshot.objects.all(), actor, snapshot_id)
        if not snapshot.is_published:
            raise WorkflowError(_("Publish the snapshot before drafting its red/black list."))
        # A red/black list is published to units and the public; the inspectors' ranking names undercover
        # inspectors and stays in the command centre.
        if snapshot.subject not in BOARD_SUBJECTS:
            raise WorkflowError(_("A red/black list ranks units or districts; the inspectors' ranking stays in the "
                                  "command centre."))
        if snapshot.boards.exclude(status=BoardStatus.WITHDRAWN).exists():
            raise WorkflowError(_("This snapshot already has a red/black list; withdraw it first."))
        ranked = sorted((r for r in snapshot.figures["rows"].values() if r["rank"] is not None), key=lambda r: r["rank"])
        if not ranked:
            raise WorkflowError(_("Nobody in this snapshot has enough cases to be ranked."))
        red = ranked[:size]
        black = [r for r in reversed(ranked[-size:]) if r not in red]
        board = RedBlackList.objects.create(snapshot=snapshot, size=size, red=[_entry(r) for r in red],
                                            black=[_entry(r) for r in black], note=note, drafted_by=actor)
        _board_logged(board, actor=actor, verb="draft", drafted_by=actor.pk)
    return board


def red_black_list_publish(*, board_id: int, actor, note: str = "", now: dt.datetime | None = None) -> RedBlackList:
    """Approve and publish a draft: only the shift leader or an administrator, and never its drafter (four
    eyes: a public ranking is drafted by one person and approved by another)."""
    _require(actor, APPROVERS)
    with transaction.atomic():
        board = locked_in_scope(RedBlackList.objects.all(), actor, board_id)
        if board.status != BoardStatus.DRAFT:
            raise WorkflowError(_("Only a draft can be approved; this list is %(status)s.")
                                % {"status": board.get_status_display()})
        if awaits_another_approver(board, actor):
            raise NotAllowed(_("You drafted this red/black list; another approver must publish it."))
        board.status, board.approved_by, board.published_at = BoardStatus.PUBLISHED, actor, now or timezone.now()
        if note:
            board.note = (board.note + "\n" + note).strip()
        board.save()
        _board_logged(board, actor=actor, verb="publish", drafted_by=board.drafted_by_id, approved_by=actor.pk)
    return board


def awaits_another_approver(board: RedBlackList, actor) -> bool:
    """Whether ``actor`` drafted this draft, so someone else must approve it (the page hides the button)."""
    return board.status == BoardStatus.DRAFT and board.drafted_by_id == actor.pk


def red_black_list_withdraw(*, board_id: int, actor, note: str) -> RedBlackList:
    _require(actor, APPROVERS)
    if not note.strip():
        raise WorkflowError(_("Give a reason."))
    with transaction.atomic():
        board = locked_in_scope(RedBlackList.objects.all(), actor, board_id)
        if board.status == BoardStatus.WITHDRAWN:
            raise WorkflowError(_("This list is already withdrawn."))
        board.status = BoardStatus.WITHDRAWN
        board.note = (board.note + "\n" + note).strip()
        board.save()
        _board_logged(board, actor=actor, verb="withdraw", note=note)
    return board


def accountability_create(*, kind: str, title: str, reason: str, unit, due_date: dt.date, actor, people=(), cases=(),
                          findings: list[int] = (), tasks=(), snapshot=None,
                          now: dt.datetime | None = None) -> AccountabilityRecord:
    """Record a 通报, 约谈 or 问责 of a unit; the cases must be ones the actor can see and the unit's, the findings
    (inspection results) failed items of released rounds about the unit (see ``citable_findings``), the tasks
    campaign tasks the unit leads or cooperates on."""
    _require(actor, APPROVERS)
    if kind not in AccountabilityKind.values:
        raise WorkflowError(_("Kind: choose notice, talk or accountability."))
    if not title.strip():
        raise WorkflowError(_("Title: this field is required."))
    if not reason.strip():
        raise WorkflowError(_("Reason: this field is required."))
    now = now or timezone.now()
    _check_due(due_date, now=now)
    cases = list(cases)
    visible = set(restrict(Case.objects.filter(pk__in=[c.pk for c in cases]), actor).values_list("pk", flat=True))
    missing = [c.pk for c in cases if c.pk not in visible]
    if missing:
        raise WorkflowError(_("Cases: no such case %(ids)s.") % {"ids": ", ".join(map(str, missing))})
    findings = list(dict.fromkeys(findings))
    cited = citable_findings(ids=findings, unit=unit)
    refused = [pk for pk in findings if pk not in cited]
    if refused:
        raise WorkflowError(_("Inspection findings: %(ids)s are not findings of a released round about %(unit)s.")
                            % {"ids": ", ".join(map(str, refused)), "unit": unit.name})
    task_ids = list(dict.fromkeys(t.pk if hasattr(t, "pk") else int(t) for t in tasks))
    theirs = set(tasks_of_unit(unit, actor).filter(pk__in=task_ids).values_list("pk", flat=True))
    foreign = [pk for pk in task_ids if pk not in theirs]
    if foreign:
        raise WorkflowError(_("Tasks: %(ids)s are not tasks %(unit)s leads or cooperates on.")
                            % {"ids": ", ".join(map(str, foreign)), "unit": unit.name})
    strangers = [p for p in people if p.unit_id and p.unit_id != unit.pk]
    if strangers:
        raise WorkflowError(_("People: %(names)s do not belong to %(unit)s.")
                            % {"names": ", ".join(str(p) for p in strangers), "unit": unit.name})
    with transaction.atomic():
        record = AccountabilityRecord.objects.create(kind=kind, title=title.strip(), reason=reason.strip(), unit=unit,
                                                     due_date=due_date, snapshot=snapshot, created_by=actor)
        record.people.set(people)
        record.cases.set(cases)
        record.findings.set(findings)
        record.tasks.set(task_ids)
        _follow_up_append(record, actor=actor, note=reason.strip(), from_status="", due_date=due_date, at=now)
        _notify_unit(record)
    return record


def _notify_unit(record: AccountabilityRecord) -> None:
    """The unit's leaders (and the people named) hear of the record in the app."""
    leaders = Person.objects.filter(is_active=True, roles__role=Role.UNIT_LEADER, roles__unit_id=record.unit_id)
    notifications_enqueue(
        recipients=[*leaders, *record.people.all()], key=f"accountability:{record.pk}",
        subject=_("%(kind)s: %(title)s") % {"kind": record.get_kind_display(), "title": record.title},
        body=record.reason[:140], link=f"/scoring/accountability/{record.pk}/",
    )


def _is_unit_member(actor, unit) -> bool:
    return any(unit.path.startswith(a.unit.path)
               for a in actor.roles.select_related("unit").filter(role__in=UNIT_ROLES, unit__isnull=False))


def accountability_follow_up(*, record_id: int, actor, note: str, status: str | None = None,
                             due_date: dt.date | None = None, now: dt.datetime | None = None) -> AccountabilityFollowUp:
    """Append a follow-up note. The unit reports progress (to 'rectifying'); only the command centre sets a
    new due date or closes the record ('done')."""
    now = now or timezone.now()
    if not note or not note.strip():
        raise WorkflowError(_("Note: this field is required."))
    with transaction.atomic():
        try:
            record = locked_in_scope(AccountabilityRecord.objects.all(), actor, record_id)
        except AccountabilityRecord.DoesNotExist:
            raise WorkflowError(_("No such record.")) from None
        command = bool(scope_for(actor).roles & APPROVERS)
        if not command and not _is_unit_member(actor, record.unit):
            raise NotAllowed(_("Your role may not do this."))
        if record.status == AccountabilityStatus.DONE:
            raise WorkflowError(_("This record is done; nothing more can be added."))
        status = status or record.status
        if status not in AccountabilityStatus.values:
            raise WorkflowError(_("Status: choose open, rectifying or done."))
        if not command and (status == AccountabilityStatus.DONE or due_date is not None):
            raise NotAllowed(_("Only the command centre closes a record or moves its due date."))
        if due_date is not None:
            _check_due(due_date, now=now)
        from_status, record.status = record.status, status
        if due_date is not None:
            record.due_date = due_date
        record.save(update_fields=["status", "due_date", "updated_at"])
        follow_up = _follow_up_append(record, actor=actor, note=note.strip(), from_status=from_status, due_date=due_date,
                                      at=now)
    return follow_up
