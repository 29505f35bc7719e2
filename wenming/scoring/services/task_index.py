"""Task work in the unit index: 进度报送及时率 (``task_report_on_time_rate``) and 任务滞后率 (``tasks_lagging_rate``).

Both read the campaign's tasks and their append-only progress reports, never a counter, so a figure computed again
later is the same unless the past changed (a report back-dated by an import, a task's plan edited).

进度报送及时率, for each task a unit leads that is measured by reports (``Measure.REPORTED``): the task's report due
days are its cadence, ``report_every_days`` after ``starts_on`` and every cycle after, plus the deadline itself when
it falls between two of them, up to the deadline, the day the task was completed and the period's end. A due day
in the period counts once its day is over by the cutoff (or once it was met). It is met when the unit filed a
progress report in (due − cycle, due], the due day's end included; the deadline's own window starts after the
cadence day before it, so one report never meets two due days. Rate = met / due. Only the lead unit's own reports
(or the command centre's, filed for it) count: the cadence is the task's, one report a cycle, and the lead
answers for it; cooperating units are reminded but not scored.

任务滞后率 (negative): at the cutoff, of the unit's open led tasks measured by reports (started, not done), the share
behind plan or overdue. Each task's status is campaign's ``task_status`` on a copy of the task holding the value it
had then — its last report on or before the cutoff — so a later report does not rewrite a past period. Tasks
measured from cases or sites keep no value history yet, so they are left out of both indicators.

A subject with no due report (no open led task) has no figure, and the index's other weights are renormalised, as
for any indicator without a denominator.

The evidence kept beside the figures, per unit: under ``TASK_DUES`` one entry per task, [task id, [[due day, report
id or None], …]]; under ``TASK_LAGGING`` one entry per open task, [task id, status, value, planned value, report id
or None, lagging]. The explanation page lists them with links to the tasks.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from wenming.campaign.models import Measure, ProgressReport, Task, TaskStatus
from wenming.campaign.services.tasks import planned_value, task_status
from wenming.org.models import Unit
from wenming.scoring.services import kpi

REPORTS = "task_report_on_time_rate"
LAGGING = "tasks_lagging_rate"
CODES = (REPORTS, LAGGING)
# The evidence's keys: per-task entries, not lists of cases like the case indicators'.
TASK_DUES = "task_due_days"
TASK_LAGGING = "task_lagging"
LAGGING_STATUSES = frozenset({TaskStatus.BEHIND, TaskStatus.OVERDUE})


def due_days(task: Task, *, until: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The task's report due days up to ``until`` (inclusive), each with the first day of its window."""
    cycle = dt.timedelta(days=max(1, task.report_every_days))
    last = until
    if task.due_on:
        last = min(last, task.due_on)
    if task.completed_on:
        last = min(last, task.completed_on)
    days = []
    day = task.starts_on + cycle
    while day <= last:
        days.append((day, day - cycle + dt.timedelta(days=1)))
        day += cycle
    if task.due_on and task.starts_on < task.due_on <= last and (not days or days[-1][0] < task.due_on):
        # The deadline between two cadence days: its window starts after the one before (less than a cycle).
        previous = days[-1][0] if days else task.starts_on
        days.append((task.due_on, previous + dt.timedelta(days=1)))
    return days


def _tasks(end: dt.date):
    return list(Task.objects.filter(measure=Measure.REPORTED, lead_unit__isnull=False, starts_on__lt=end)
                .select_related("lead_unit").prefetch_related("milestones").order_by("lead_unit_id", "code", "pk"))


def task_component(*, subject: str, start: dt.date, end: dt.date, cutoff: dt.datetime) -> dict[str, dict]:
    """{unit id: {"name", "figures": {code: figure}, "dues", "lagging"}} for the period [start, end) at ``cutoff``."""
    if subject != "unit":
        return {}
    tasks = _tasks(end)
    if not tasks:
        return {}
    reports: dict[int, list[dict]] = defaultdict(list)
    for row in (ProgressReport.objects.filter(task_id__in=[t.pk for t in tasks], reported_at__lt=cutoff)
                .order_by("reported_at", "id").values("id", "task_id", "unit_id", "value", "reported_at")):
        reports[row["task_id"]].append(row)
    cutoff_day = timezone.localtime(cutoff, kpi.local_tz()).date()
    out: dict[str, dict] = {}
    for task in tasks:
        unit = out.setdefault(str(task.lead_unit_id), {"name": task.lead_unit.name, "dues": [], "lagging": []})
        own = [r for r in reports[task.pk] if r["unit_id"] == task.lead_unit_id]
        # Report due days in the period whose day is over by the cutoff, or met already.
        entries = []
        for due, first in due_days(task, until=end - dt.timedelta(days=1)):
            if due < start:
                continue
            window_from, window_to = kpi.day_start(first), kpi.day_start(due + dt.timedelta(days=1))
            met = next((r["id"] for r in own if window_from <= r["reported_at"] < window_to), None)
            if met is None and window_to > cutoff:
                continue  # not met, but not over yet either
            entries.append([due.isoformat(), met])
        if entries:
            unit["dues"].append([task.pk, entries])
        # The task as it stood at the cutoff: its last report then (whoever filed it) is its value.
        if task.starts_on > cutoff_day:
            continue
        last = reports[task.pk][-1] if reports[task.pk] else None
        then = copy.copy(task)
        then.current_value = Decimal(last["value"]) if last else Decimal(0)
        then.last_reported_at = last["reported_at"] if last else None
        milestones = list(task.milestones.all())
        status = task_status(then, now=cutoff, milestones=milestones)
        if status == TaskStatus.DONE:
            continue
        planned = planned_value(then, on=cutoff_day, milestones=milestones)
        unit["lagging"].append([task.pk, str(status), str(then.current_value), str(planned.quantize(Decimal("0.01"))),
                                last["id"] if last else None, status in LAGGING_STATUSES])
    for unit in out.values():
        due = sum(len(entries) for _task, entries in unit["dues"])
        met = sum(1 for _task, entries in unit["dues"] for _day, report in entries if report is not None)
        open_ = len(unit["lagging"])
        late = sum(1 for entry in unit["lagging"] if entry[5])
        unit["figures"] = {
            REPORTS: {"num": met, "den": due, "value": round(met / due, 6) if due else None},
            LAGGING: {"num": late, "den": open_, "value": round(late / open_, 6) if open_ else None},
        }
    # A unit renamed since keeps its current name, like the case indicators' subjects.
    names = dict(Unit.objects.filter(pk__in=[int(k) for k in out]).values_list("pk", "name"))
    for key, unit in out.items():
        unit["name"] = names.get(int(key), unit["name"])
    return out
