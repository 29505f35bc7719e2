"""Task status, progress reports, reminders and supervision items (督办事项).

A task's status is computed when read, from its plan and its latest value:

* 已完成 (done): the value reached the target;
* 逾期 (overdue): the deadline has passed and the target is not reached;
* 未开始 (not started): before the start day, or nothing reported yet and nothing planned yet;
* 滞后 (behind): the value is below the planned curve for today — linear from the start (value 0) to
  the deadline (the target), or through the task's milestones when it has any;
* 推进中 (in progress): otherwise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.campaign.models import (
    Campaign,
    Measure,
    Meeting,
    ProgressEvidence,
    ProgressReport,
    TargetKind,
    Task,
    TaskEvent,
    TaskEventAction,
    TaskKind,
    TaskStatus,
)
from wenming.cases.models import Case, Category, Channel
from wenming.cases.services.errors import NotAllowed, WorkflowError
from wenming.common.access import locked_in_scope, scope_for
from wenming.common.files import display_name, field_file_save, sniff
from wenming.common.images import ImageRefused, image_decode, image_jpeg
from wenming.common.input import DATE_MAX, DATE_MIN
from wenming.common.roles import COMMAND_OR_ADMIN, TASK_CREATORS, UNIT_ROLES
from wenming.common.services.notifications import notifications_enqueue
from wenming.org.models import Person

REMIND_DAYS_BEFORE = 1
# Cases that count in no share: voided, and rejected as not a case.
UNCOUNTED_STATES = ("voided", "rejected")


@dataclass
class Upload:
    name: str
    content: bytes


def _today(now: dt.datetime | dt.date | None) -> dt.date:
    if now is None:
        return timezone.localdate()
    if isinstance(now, dt.datetime):
        return timezone.localdate(now) if timezone.is_aware(now) else now.date()
    return now


def planned_value(task: Task, *, on: dt.date, milestones: Iterable | None = None) -> Decimal:
    """The value the plan expects on a day: through the milestones, else linear from start to deadline.

    A task without a deadline or a "done" task without milestones plans nothing before it is done.
    """
    points = sorted((m.due_on, Decimal(m.planned_value)) for m in (milestones if milestones is not None else task.milestones.all()))
    target = Decimal(task.target_total)
    if task.due_on:
        points.append((task.due_on, target))
    elif not points:
        return Decimal(0)
    if task.target_kind == TargetKind.DONE and len(points) == 1:
        return Decimal(0) if on < task.due_on else target
    previous = (task.starts_on, Decimal(0))
    for day, value in points:
        if on <= day:
            span = (day - previous[0]).days
            if span <= 0:
                return value
            done = max(0, (on - previous[0]).days)
            return previous[1] + (value - previous[1]) * Decimal(done) / Decimal(span)
        previous = (day, value)
    return previous[1]


def task_status(task: Task, *, now: dt.datetime | dt.date | None = None, milestones: Iterable | None = None) -> str:
    today = _today(now)
    value = Decimal(task.current_value)
    if value >= Decimal(task.target_total):
        return TaskStatus.DONE
    if task.due_on and today > task.due_on:
        return TaskStatus.OVERDUE
    if today < task.starts_on:
        return TaskStatus.NOT_STARTED
    planned = planned_value(task, on=today, milestones=milestones)
    if value < planned:
        return TaskStatus.BEHIND
    if task.last_reported_at is None and value == 0:
        return TaskStatus.NOT_STARTED
    return TaskStatus.ON_TRACK


def task_status_label(status: str) -> str:
    return str(TaskStatus(status).label)


def _event(task: Task, *, action: str, actor=None, note: str = "", data: dict | None = None, at=None) -> TaskEvent:
    return TaskEvent.objects.create(task=task, action=action, actor=actor, note=note, data=data or {}, at=at or timezone.now())


def can_report(user, task: Task) -> bool:
    """Admin and the command centre may report on any task; a unit only on tasks it leads or cooperates on."""
    if scope_for(user).roles & COMMAND_OR_ADMIN:
        return True
    return bool(_reporting_unit_ids(user, task))


def _reporting_unit_ids(user, task: Task) -> list[int]:
    units = {task.lead_unit_id} | set(task.cooperating_units.values_list("id", flat=True))
    units.discard(None)
    mine = set(user.roles.filter(role__in=UNIT_ROLES, unit__isnull=False).values_list("unit_id", flat=True))
    return sorted(units & mine)


def progress_report(*, task_id: int, actor, value: Decimal | float | int | str, narrative: str,
                    files: Iterable[Upload] = (), unit=None, now: dt.datetime | None = None) -> ProgressReport:
    """Append a progress report: the cumulative value reached, what was done, evidence files.

    The value must be a number between 0 and the target (a percentage at most 100); reports are never
    edited, the task's current value is the latest report's.
    """
    now = now or timezone.now()
    narrative = (narrative or "").strip()
    try:
        number = Decimal(str(value).strip())
    except Exception:
        raise WorkflowError(_("Value: enter a number.")) from None
    if not number.is_finite() or number < 0:
        raise WorkflowError(_("Value: enter a number of zero or more."))
    if not narrative:
        raise WorkflowError(_("What was done: describe the progress."))
    checked = evidence_checked(files)
    with transaction.atomic():
        # Locked through the scope like every workflow step; which unit reports is checked on the locked row.
        task = locked_in_scope(Task.objects.all(), actor, task_id)
        if task.target_kind == TargetKind.PERCENT and number > 100:
            raise WorkflowError(_("Value: a percentage cannot exceed 100."))
        if task.target_kind == TargetKind.DONE and number not in (0, 1):
            raise WorkflowError(_("Value: enter 1 when done, 0 when not yet done."))
        if task.measure != Measure.REPORTED:
            raise WorkflowError(_("This task's progress is counted from cases and sites, not reported."))
        unit_ids = _reporting_unit_ids(actor, task)
        scope = scope_for(actor)
        if unit is None:
            if unit_ids:
                unit_id = unit_ids[0]
            elif scope.roles & COMMAND_OR_ADMIN and task.lead_unit_id:
                unit_id = task.lead_unit_id
            else:
                raise NotAllowed(_("Only the lead and cooperating units report progress on this task."))
        else:
            unit_id = unit.pk if hasattr(unit, "pk") else int(unit)
            if unit_id not in unit_ids and not scope.roles & COMMAND_OR_ADMIN:
                raise NotAllowed(_("Only the lead and cooperating units report progress on this task."))
        report = ProgressReport.objects.create(task=task, unit_id=unit_id, reported_by=actor, value=number,
                                               narrative=narrative, reported_at=now)
        for upload, (content_type, extension) in checked:
            evidence_store(ProgressEvidence(report=report, name=display_name(upload.name, limit=200),
                                            content_type=content_type), upload, extension)
        before = task_status(task, now=now)
        task.current_value = number
        task.last_reported_at = now
        if number >= Decimal(task.target_total) and task.completed_on is None:
            task.completed_on = _today(now)
        task.save(update_fields=["current_value", "last_reported_at", "completed_on", "updated_at"])
        after = task_status(task, now=now)
        _event(task, action=TaskEventAction.PROGRESS, actor=actor, note=narrative[:500], at=now,
               data={"report": report.pk, "value": str(number), "unit": unit_id, "files": len(checked),
                     "status_before": str(before), "status_after": str(after)})
    return report


def evidence_checked(files: Iterable[Upload]) -> list[tuple[Upload, tuple[str, str]]]:
    """Evidence files checked (not empty, within the limit, a photo or a PDF), photos re-encoded without their
    metadata (no EXIF position), like the cases' shared copies. Returns each upload with (content type, extension).
    Shared by progress reports and target lines."""
    checked = []
    for upload in files:
        shown = display_name(upload.name)
        if not upload.content:
            raise WorkflowError(_("Evidence: %(name)s is empty.") % {"name": shown})
        if len(upload.content) > settings.WENMING_MAX_UPLOAD_BYTES:
            raise WorkflowError(_("Evidence: %(name)s is larger than the upload limit.") % {"name": shown})
        sniffed = sniff(upload.content[:32])
        if sniffed is None:
            raise WorkflowError(_("Evidence: %(name)s is not a JPEG, PNG, WebP, HEIC photo or a PDF.") % {"name": shown})
        if sniffed[0].startswith("image/"):
            content = _photo_without_metadata(upload)
            upload, sniffed = Upload(upload.name, content), ("image/jpeg", "jpg")
        checked.append((upload, sniffed))
    return checked


def evidence_store(evidence, upload: Upload, extension: str) -> None:
    """Save an evidence row's file under a random part of its name (deleted again if the transaction rolls back)."""
    digest = hashlib.sha256(upload.content).hexdigest()
    field_file_save(evidence.file, stem=digest, extension=extension, content=upload.content)
    evidence.save()


def _photo_without_metadata(upload: Upload) -> bytes:
    try:
        decoded = image_decode(content=upload.content, name=upload.name)
    except ImageRefused as exc:
        raise WorkflowError(_("Evidence: %(error)s") % {"error": exc}) from None
    return image_jpeg(decoded.image)


def report_due_on(task: Task) -> dt.date:
    """The day the next report is due: ``report_every_days`` after the last report (or the start), or the
    deadline if that comes first."""
    last = _today(task.last_reported_at) if task.last_reported_at else task.starts_on
    due = last + dt.timedelta(days=max(1, task.report_every_days))
    # A deadline sooner than the next cycle (a three-day supervision item) is the day the report is due.
    return min(due, task.due_on) if task.due_on and task.due_on >= last else due


def progress_reminders_scan(*, now: dt.datetime | None = None) -> dict:
    """Remind, once per due day, the lead and cooperating units' handlers and leaders of a report that is due
    (from ``REMIND_DAYS_BEFORE`` days before it; a missed report keeps its due day, so it is not repeated)."""
    now = now or timezone.now()
    today = _today(now)
    counts = {"due": 0, "notified": 0}
    tasks = (Task.objects.filter(measure=Measure.REPORTED, starts_on__lte=today, completed_on__isnull=True)
             .select_related("lead_unit", "owner").prefetch_related("cooperating_units"))
    for task in tasks.iterator(chunk_size=200):
        due = report_due_on(task)
        if (due - today).days > REMIND_DAYS_BEFORE:
            continue
        units = {task.lead_unit_id} | {u.pk for u in task.cooperating_units.all()}
        units.discard(None)
        recipients = list(Person.objects.filter(is_active=True, roles__role__in=UNIT_ROLES, roles__unit_id__in=units).distinct())
        if task.owner_id:
            recipients.append(task.owner)
        if not recipients:
            continue
        counts["due"] += 1
        new = notifications_enqueue(
            recipients=recipients, key=f"task-report:{task.pk}:{due:%Y%m%d}",
            subject=_("Progress report due %(day)s: %(task)s") % {"day": due.isoformat(), "task": f"{task.code} {task.title}"[:150]},
            body=str(task.title), link=f"/campaign/tasks/{task.pk}/",
        )
        if new:
            counts["notified"] += new
            _event(task, action=TaskEventAction.REMINDED, data={"due": due.isoformat(), "recipients": new}, at=now)
    return counts


def supervision_item_create(*, meeting_id: int | None, actor, title: str, owner_unit=None, owner=None,
                            due_on: dt.date | None, action=None, description: str = "",
                            now: dt.datetime | None = None) -> Task:
    """A meeting decision becomes a supervision item (督办事项): a task with an owner and a deadline."""
    now = now or timezone.now()
    title = (title or "").strip()
    if not title:
        raise WorkflowError(_("Decision: describe what must be done."))
    if due_on is None:
        raise WorkflowError(_("Deadline: a supervision item needs a deadline."))
    if owner_unit is None and owner is None:
        raise WorkflowError(_("Owner: name the unit or the person responsible."))
    scope = scope_for(actor)
    if not scope.roles & COMMAND_OR_ADMIN:
        raise NotAllowed(_("Only the command centre and administrators record meeting decisions."))
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting_id) if meeting_id else None
        campaign = meeting.campaign if meeting else (action.campaign if action else None)
        if campaign is None:
            campaign = Campaign.objects.order_by("-starts_on").first()
        seq = Task.objects.filter(campaign=campaign, kind=TaskKind.SUPERVISION).count() + 1
        today = _today(now)
        if due_on < today:
            raise WorkflowError(_("Deadline: %(day)s is already past.") % {"day": due_on.isoformat()})
        if due_on > DATE_MAX:  # as the form: dates past it overflow the day bounds reports and exports compute
            raise WorkflowError(_("%(field)s: enter a date between %(min)s and %(max)s.")
                                % {"field": _("Deadline"), "min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()})
        task = Task.objects.create(
            campaign=campaign, action=action, kind=TaskKind.SUPERVISION, code=f"DB{today:%Y}-{seq:04d}", title=title[:200],
            description=description, lead_unit=owner_unit, owner=owner, meeting=meeting, starts_on=today, due_on=due_on,
            target_kind=TargetKind.DONE, target_value=1, measure=Measure.REPORTED,
        )
        _event(task, action=TaskEventAction.SUPERVISION_CREATED, actor=actor, at=now,
               data={"meeting": meeting.pk if meeting else None, "due": due_on.isoformat()})
    return task


def task_create(*, campaign_id: int, actor, code: str, title: str, due_on: dt.date, description: str = "",
                lead_unit_id: int | None = None, cooperating_unit_ids: Iterable[int] = (),
                task_force_id: int | None = None, starts_on: dt.date | None = None, data: dict | None = None,
                now: dt.datetime | None = None) -> Task:
    """A dated task to be done (target: done or not done) with its owner unit, cooperating units and task force,
    created with its event (``TaskEventAction.CREATED``, ``data`` added to it). Inside the caller's transaction
    when there is one (a 回头看 round creates its measures all or none). Refuses an unknown campaign, a code the
    campaign already has, a past or absurd deadline, and anyone but the command centre, administrators and the
    evaluation office (``TASK_CREATORS``)."""
    if actor is not None and not scope_for(actor).roles & TASK_CREATORS:
        raise NotAllowed(_("Only the command centre, the evaluation office and administrators create tasks."))
    now = now or timezone.now()
    today = _today(now)
    starts_on = starts_on or today
    title = (title or "").strip()
    if not title:
        raise WorkflowError(_("Title: say what must be done."))
    if due_on is None:
        raise WorkflowError(_("Deadline: a task needs a deadline."))
    if due_on < starts_on or due_on > DATE_MAX:
        raise WorkflowError(_("%(field)s: enter a date between %(min)s and %(max)s.")
                            % {"field": _("Deadline"), "min": starts_on.isoformat(), "max": DATE_MAX.isoformat()})
    with transaction.atomic():
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is None:
            raise WorkflowError(_("Campaign: no such campaign."))
        if Task.objects.filter(campaign=campaign, code=code).exists():
            raise WorkflowError(_("Code: the campaign already has a task %(code)s.") % {"code": code})
        task = Task.objects.create(
            campaign=campaign, kind=TaskKind.TASK, code=code[:24], title=title[:200], description=description,
            lead_unit_id=lead_unit_id, task_force_id=task_force_id, starts_on=starts_on, due_on=due_on,
            target_kind=TargetKind.DONE, target_value=1, measure=Measure.REPORTED,
        )
        cooperating = sorted(set(cooperating_unit_ids) - {lead_unit_id, None})
        if cooperating:
            task.cooperating_units.set(cooperating)
        _event(task, action=TaskEventAction.CREATED, actor=actor, at=now,
               data={"due": due_on.isoformat(), "lead_unit": lead_unit_id, "cooperating_units": cooperating,
                     **(data or {})})
    return task


# Rates kept by apps above campaign's layer (the police registers), registered from their AppConfig.ready():
# the source's key (Task.measure_source) → a function giving the city's rate in percent, or None without figures.
MEASURE_SOURCES: dict[str, Callable[[], Decimal | None]] = {}


def measure_source_register(key: str, rate: Callable[[], Decimal | None]) -> None:
    MEASURE_SOURCES[key] = rate


def measured_values_refresh(*, campaign_id: int | None = None) -> int:
    """Values not reported but counted: for tasks measured from cases, the share (%) of their action's cases
    since the task's start that are closed; for tasks measured from findings, the share (%) of the third-party
    inspections' findings (cases on the inspection channel) since the task's start that are closed; for tasks
    measured from a register, the city's latest rate from the register's figures. Voided and rejected cases count
    in neither. Tasks measured from their target list are computed by
    ``campaign.services.targets.targets_refresh``.

    Counted per category in one pass per start day (no join to the category→action table over all cases),
    then summed onto each action. An action without cases yet counts 0, not done.
    """
    scoped = {"campaign_id": campaign_id} if campaign_id else {}
    tasks = list(Task.objects.filter(measure=Measure.CASES, action__isnull=False, **scoped))
    actions_of = defaultdict(list)
    for category_id, action_id in Category.actions.through.objects.values_list("category_id", "action_id"):
        actions_of[category_id].append(action_id)
    per_start: dict[dt.date, dict[int, list[int]]] = {}
    for start in {t.starts_on for t in tasks}:
        sums: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        rows = (Case.objects.filter(reported_at__date__gte=start, category__isnull=False).exclude(state__in=UNCOUNTED_STATES)
                .order_by().values_list("category_id").annotate(total=Count("*"), closed=Count("id", filter=Q(state="closed")))
                .values_list("category_id", "total", "closed"))
        for category_id, total, closed in rows:
            for action_id in actions_of.get(category_id, ()):
                sums[action_id][0] += total
                sums[action_id][1] += closed
        per_start[start] = sums
    values: list[tuple[Task, Decimal]] = []
    for task in tasks:
        total, closed = per_start[task.starts_on].get(task.action_id, [0, 0])
        values.append((task, _share(closed, total)))
    findings: dict[dt.date, tuple[int, int]] = {}
    for task in Task.objects.filter(measure=Measure.FINDINGS, **scoped):
        if task.starts_on not in findings:
            counted = (Case.objects.filter(channel=Channel.INSPECTION, reported_at__date__gte=task.starts_on)
                       .exclude(state__in=UNCOUNTED_STATES).aggregate(total=Count("id"), closed=Count("id", filter=Q(state="closed"))))
            findings[task.starts_on] = (counted["total"], counted["closed"])
        total, closed = findings[task.starts_on]
        values.append((task, _share(closed, total)))
    values += _register_values(Task.objects.filter(measure=Measure.REGISTER, **scoped))
    changed = 0
    for task, value in values:
        if value != task.current_value:
            task.current_value = value
            task.save(update_fields=["current_value", "updated_at"])
            changed += 1
    return changed


def _register_values(tasks) -> list[tuple[Task, Decimal]]:
    out = []
    for task in tasks:
        source = MEASURE_SOURCES.get(task.measure_source)
        rate = source() if source else None
        if rate is not None:  # no register or no figure yet: the value stays as it was, not 0
            out.append((task, Decimal(rate).quantize(Decimal("0.01"))))
    return out


def register_measured_refresh(*, source: str) -> int:
    """The tasks measured from one register, right after its figures changed (a completed import), so they do
    not wait for the worker's next scan."""
    changed = 0
    for task, value in _register_values(Task.objects.filter(measure=Measure.REGISTER, measure_source=source)):
        if value != task.current_value:
            task.current_value = value
            task.save(update_fields=["current_value", "updated_at"])
            changed += 1
    return changed


def _share(closed: int, total: int) -> Decimal:
    return (Decimal(100) * closed / total).quantize(Decimal("0.01")) if total else Decimal(0)
