"""The weekly meeting (周例会): its agenda figures, built from the week's data, and the meeting record.

The agenda holds: each task force's tasks by status, the lagging and overdue tasks, open supervision
items, new and overdue cases by action, the places (sites, grids) with the most cases in the week, and
the units ranked by a simple on-time handling rate (cases submitted in the week by their handling deadline).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.campaign.models import Action, Campaign, Meeting, Task, TaskForce, TaskKind, TaskStatus
from wenming.campaign.services.tasks import _today, measured_values_refresh, task_status
from wenming.cases.models import Case, Category
from wenming.cases.services.errors import NotAllowed, WorkflowError
from wenming.common.access import scope_for
from wenming.common.roles import COMMAND_OR_ADMIN
from wenming.common.services.audit import audit_event_record

OPEN_STATES = ["reported", "registered", "dispatched", "return_requested", "handling", "submitted"]
TOP_PLACES = 10


def week_start_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _bounds(week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(week_start, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=7)


def _task_row(task: Task, status: str) -> dict:
    return {
        "id": task.pk, "code": task.code, "title": task.title, "kind": task.kind,
        "action": task.action.code if task.action_id else "", "task_force": task.task_force.name if task.task_force_id else "",
        "lead_unit": task.lead_unit.name if task.lead_unit_id else (str(task.owner) if task.owner_id else ""),
        "status": str(status), "status_label": str(TaskStatus(status).label),
        "value": float(task.current_value), "target": float(task.target_total),
        "due_on": task.due_on.isoformat() if task.due_on else "",
    }


def agenda_build(*, campaign: Campaign, week_start: dt.date, now: dt.datetime | None = None) -> dict:
    """The week's figures, as plain data (stored on the meeting, rendered in the page, the docx and the xlsx)."""
    now = now or timezone.now()
    start, end = _bounds(week_start)
    as_of = min(now, end)
    today = _today(as_of)
    tasks = list(Task.objects.filter(campaign=campaign).select_related("action", "task_force", "lead_unit", "owner")
                 .prefetch_related("milestones").order_by("kind", "sort", "code"))
    status_of = {t.pk: task_status(t, now=today, milestones=t.milestones.all()) for t in tasks}

    forces = []
    by_force = defaultdict(Counter)
    for t in tasks:
        if t.task_force_id:
            by_force[t.task_force_id][status_of[t.pk]] += 1
    for force in TaskForce.objects.filter(campaign=campaign).select_related("leader").order_by("sort"):
        c = by_force[force.pk]
        forces.append({"id": force.pk, "code": force.code, "name": force.name, "leader": str(force.leader or ""),
                       "total": sum(c.values()), **{str(s): c[s] for s in TaskStatus}})

    problem = [_task_row(t, status_of[t.pk]) for t in tasks
               if t.kind == TaskKind.TASK and status_of[t.pk] in (TaskStatus.BEHIND, TaskStatus.OVERDUE)]
    supervision = [_task_row(t, status_of[t.pk]) for t in tasks
                   if t.kind == TaskKind.SUPERVISION and status_of[t.pk] != TaskStatus.DONE]

    actions = list(Action.objects.filter(campaign=campaign).order_by("sort"))
    # Counted per category first (one index-friendly pass, no join), then summed onto the actions the
    # category's problems belong to: a million cases join to the category→action table far slower.
    actions_of = defaultdict(list)
    for category_id, action_id in Category.actions.through.objects.filter(action__campaign=campaign).values_list(
            "category_id", "action_id"):
        actions_of[category_id].append(action_id)
    new_by_action, overdue_by_action = Counter(), Counter()
    for target, rows in (
        (new_by_action, Case.objects.filter(reported_at__gte=start, reported_at__lt=end, category__isnull=False)),
        (overdue_by_action, Case.objects.filter(state__in=OPEN_STATES, stage_due__lt=as_of, category__isnull=False)),
    ):
        for category_id, n in rows.order_by().values_list("category_id").annotate(n=Count("*")).values_list("category_id", "n"):
            for action_id in actions_of.get(category_id, ()):
                target[action_id] += n
    by_action = [{"code": a.code, "name": a.name, "new": new_by_action.get(a.pk, 0), "overdue": overdue_by_action.get(a.pk, 0)}
                 for a in actions]

    week = Case.objects.filter(reported_at__gte=start, reported_at__lt=end)
    sites = [{"name": name or "", "area": area or "", "cases": n} for name, area, n in
             week.filter(site__isnull=False).values_list("site").annotate(n=Count("id")).order_by("-n")
             .values_list("site__name", "site__area__name", "n")[:TOP_PLACES]]
    grids = [{"name": name or "", "code": code or "", "cases": n} for name, code, n in
             week.filter(grid__isnull=False).values_list("grid").annotate(n=Count("id")).order_by("-n")
             .values_list("grid__name", "grid__code", "n")[:TOP_PLACES]]

    handled = (Case.objects.filter(submitted_at__gte=start, submitted_at__lt=end, unit__isnull=False)
               .values_list("unit").annotate(total=Count("id"), on_time=Count("id", filter=Q(submitted_at__lte=F("handle_due"))))
               .values_list("unit__name", "total", "on_time"))
    ranking = sorted(({"unit": name, "handled": total, "on_time": on_time, "rate": round(100 * on_time / total, 1)}
                      for name, total, on_time in handled if total), key=lambda r: (-r["rate"], -r["handled"], r["unit"]))
    return {
        "campaign": campaign.name, "week_start": week_start.isoformat(),
        "week_end": (week_start + dt.timedelta(days=6)).isoformat(), "as_of": as_of.isoformat(timespec="minutes"),
        "task_forces": forces, "problem_tasks": problem, "supervision": supervision, "by_action": by_action,
        "sites": sites, "grids": grids, "ranking": ranking,
        "totals": {"tasks": sum(1 for t in tasks if t.kind == TaskKind.TASK),
                   "behind": sum(1 for r in problem if r["status"] == TaskStatus.BEHIND),
                   "overdue": sum(1 for r in problem if r["status"] == TaskStatus.OVERDUE),
                   "new_cases": week.count(), "supervision_open": len(supervision)},
    }


def meeting_prepare(*, campaign: Campaign, week_start: dt.date, actor, chair: str = "", now: dt.datetime | None = None) -> Meeting:
    """Create (or refresh the figures of) the week's meeting."""
    if not scope_for(actor).roles & COMMAND_OR_ADMIN:
        raise NotAllowed(_("Only the command centre and administrators prepare the weekly meeting."))
    week_start = week_start_of(week_start)
    measured_values_refresh(campaign_id=campaign.pk)
    agenda = agenda_build(campaign=campaign, week_start=week_start, now=now)
    with transaction.atomic():
        meeting, created = Meeting.objects.select_for_update().get_or_create(
            campaign=campaign, week_start=week_start,
            defaults={"held_on": week_start + dt.timedelta(days=4), "created_by": actor, "chair": chair, "agenda": agenda},
        )
        if not created:
            meeting.agenda = agenda
            meeting.save(update_fields=["agenda", "updated_at"])
        audit_event_record(actor=actor, action="campaign.meeting_prepare", summary=str(meeting), data={"meeting": meeting.pk})
    return meeting


def meeting_minutes_record(*, meeting_id: int, actor, minutes: str, chair: str = "") -> Meeting:
    if not scope_for(actor).roles & COMMAND_OR_ADMIN:
        raise NotAllowed(_("Only the command centre and administrators record the minutes."))
    minutes = (minutes or "").strip()
    if not minutes:
        raise WorkflowError(_("Minutes: write what the meeting heard and decided."))
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
        meeting.minutes = minutes
        if chair:
            meeting.chair = chair[:100]
        meeting.save(update_fields=["minutes", "chair", "updated_at"])
        audit_event_record(actor=actor, action="campaign.meeting_minutes", summary=str(meeting), data={"meeting": meeting.pk})
    return meeting
