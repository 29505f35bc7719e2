"""Reads of the campaign's tasks for the score pages: the task indicators' explanation (from a snapshot's evidence,
see services/task_index.py) and the tasks an accountability record cites or may cite."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from wenming.campaign.models import ProgressReport, Task, TaskStatus
from wenming.campaign.services.tasks import task_status, task_status_label
from wenming.common.access import restrict


def _tasks(ids, viewer) -> dict[int, Task]:
    # Whole rows: the target is a property of several fields (and campaign may add more).
    return {t.pk: t for t in restrict(Task.objects.filter(pk__in=ids), viewer)}


def tasks_explained(*, dues: list, lagging: list, viewer) -> dict:
    """The task indicators' evidence as the explanation lists it: each task (that the viewer may read) with its due
    days, the report that met each or none, and the open tasks with their status and value against the plan."""
    tasks = _tasks({entry[0] for entry in dues} | {entry[0] for entry in lagging}, viewer)
    report_ids = {report for _task, entries in dues for _day, report in entries if report}
    report_ids |= {entry[4] for entry in lagging if entry[4]}
    reports = dict(ProgressReport.objects.filter(pk__in=report_ids, task_id__in=tasks).values_list("pk", "reported_at"))
    due_rows = []
    for task_id, entries in dues:
        if task_id not in tasks:
            continue
        days = [{"day": dt.date.fromisoformat(day), "report": report, "reported_at": reports.get(report)}
                for day, report in entries]
        due_rows.append({"task": tasks[task_id], "days": days, "met": sum(1 for d in days if d["report"]),
                         "missed": [d["day"] for d in days if not d["report"]]})
    lag_rows = []
    for task_id, status, value, planned, report, late in lagging:
        if task_id not in tasks:
            continue
        lag_rows.append({"task": tasks[task_id], "status": status, "status_label": task_status_label(status),
                         "value": Decimal(value), "planned": Decimal(planned), "target": tasks[task_id].target_total,
                         "reported_at": reports.get(report), "lagging": late})
    hidden = len({entry[0] for entry in dues} | {entry[0] for entry in lagging}) - len(tasks)
    return {"dues": due_rows, "lagging": lag_rows, "hidden": hidden}


def tasks_of_unit(unit, viewer):
    """The tasks an accountability record about ``unit`` may cite: those it leads or cooperates on."""
    if unit is None:
        return Task.objects.none()
    return (restrict(Task.objects.all(), viewer).filter(Q(lead_unit=unit) | Q(cooperating_units=unit))
            .distinct().order_by("campaign", "code"))


def tasks_cited(tasks, *, now: dt.datetime | None = None) -> list[dict]:
    """Cited tasks with their status now, as the record page lists them."""
    now = now or timezone.now()
    rows = []
    for task in tasks.select_related("lead_unit").prefetch_related("milestones").order_by("code", "pk"):
        status = task_status(task, now=now, milestones=list(task.milestones.all()))
        rows.append({"task": task, "status": status, "status_label": task_status_label(status),
                     "lagging": status in (TaskStatus.BEHIND, TaskStatus.OVERDUE)})
    return rows
