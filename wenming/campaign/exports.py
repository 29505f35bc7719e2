"""The campaign's tasks as they leave the platform: the filtered task list that the REST API and the workbooks
read, and the XLSX workbooks (the task list; one task with its milestones and progress reports).

A task's status is computed, never stored (``services.tasks.task_status``), so a status filter cannot be one
``WHERE``. ``tasks_filtered`` narrows in SQL to the rows that can have the status asked for (done and overdue
exactly, the three others to "not done, not overdue, started or not"), then computes the status of those
candidates only and keeps the matching ones: the list it returns is exact, so its count is the true count. Without
a status filter it stays a queryset, and ``task_figures`` computes the statuses of the rows a page shows.

Every cell goes through ``wenming.common.tabular``: a title a unit typed as ``=HYPERLINK(…)`` stays text.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from wenming.campaign.models import (
    Campaign,
    Measure,
    Milestone,
    ProgressReport,
    TargetKind,
    TargetRule,
    Task,
    TaskStatus,
)
from wenming.campaign.selectors import target_lines
from wenming.campaign.services.tasks import planned_value, report_due_on, task_status
from wenming.common.access import restrict
from wenming.common.tabular import xlsx_row
from wenming.org.models import Unit

# More tasks than any campaign has (the article's ~100 and years of supervision items); past it the list is cut.
MAX_ROWS = 20_000

# ``Task.target_total`` in SQL (a number per area × the areas — the areas for "at most N in each" —, 1 for done,
# else the value), for the done filter.
_TOTAL = Case(
    When(target_kind=TargetKind.COUNT, target_rule=TargetRule.PER_AREA_MAX, then=F("target_areas") * Value(Decimal(1))),
    When(target_kind=TargetKind.COUNT, then=F("target_value") * F("target_areas")),
    When(target_kind=TargetKind.DONE, then=Value(Decimal(1))),
    default=F("target_value"), output_field=DecimalField(max_digits=24, decimal_places=2),
)


def campaign_named(code: str = "") -> Campaign | None:
    """The campaign of that code, or the current one (the latest to start, as the pages take it) when none is
    named."""
    qs = Campaign.objects.filter(code=code) if code else Campaign.objects.order_by("-starts_on", "code")
    return qs.first()


def task_rows(*, user, campaign: Campaign | None = None) -> QuerySet[Task]:
    """The tasks the person may see (of one campaign, when given), with what a row shows read in the same
    queries: action, task force, lead unit, cooperating units and milestones. In the list's order: the article's
    tasks by action, then the supervision items."""
    qs = Task.objects.all() if campaign is None else Task.objects.filter(campaign=campaign)
    return (restrict(qs, user)
            .select_related("action", "task_force", "lead_unit", "campaign")
            .prefetch_related(Prefetch("cooperating_units", queryset=Unit.objects.order_by("code")),
                              Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "id")))
            .order_by("kind", F("action__sort").asc(nulls_last=True), "sort", "code", "id"))


def _status_candidates(qs: QuerySet[Task], status: str, today: dt.date) -> QuerySet[Task]:
    """The rows that can have ``status`` today (a superset for the three statuses that need the plan)."""
    qs = qs.alias(target_sum=_TOTAL)
    done = Q(current_value__gte=F("target_sum"))
    overdue = Q(due_on__lt=today)
    if status == TaskStatus.DONE:
        return qs.filter(done)
    qs = qs.exclude(done)
    if status == TaskStatus.OVERDUE:
        return qs.filter(overdue)
    qs = qs.exclude(overdue)
    if status == TaskStatus.NOT_STARTED:
        return qs.filter(Q(starts_on__gt=today) | Q(current_value=0, last_reported_at__isnull=True))
    return qs.filter(starts_on__lte=today)  # behind or in progress: started, not done, not overdue


def tasks_filter(qs: QuerySet[Task], f: dict, *, today: dt.date) -> QuerySet[Task]:
    """Every filter but the exact status: action, lead unit, unit (leads or cooperates), task force (codes; an
    unknown code matches nothing), kind, deadline on or after / on or before a day (tasks without a deadline
    drop out), text in the code or title; the status narrowed to its candidates."""
    if f.get("action"):
        qs = qs.filter(action__code=f["action"])
    if f.get("lead_unit"):
        qs = qs.filter(lead_unit__code=f["lead_unit"])
    if f.get("unit"):
        # The tasks' ids first (a small query), so the list is one IN list rather than a join that repeats rows.
        ids = Task.objects.filter(Q(lead_unit__code=f["unit"]) | Q(cooperating_units__code=f["unit"])).values("pk")
        qs = qs.filter(pk__in=ids)
    if f.get("task_force"):
        qs = qs.filter(task_force__code=f["task_force"])
    if f.get("kind"):
        qs = qs.filter(kind=f["kind"])
    if f.get("due_after"):
        qs = qs.filter(due_on__gte=f["due_after"])
    if f.get("due_before"):
        qs = qs.filter(due_on__lte=f["due_before"])
    text = (f.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(code__icontains=text) | Q(title__contains=text))
    if f.get("status"):
        qs = _status_candidates(qs, f["status"], today)
    return qs


def task_figures(tasks: Iterable[Task], *, today: dt.date) -> list[Task]:
    """Each task with its figures of the day, from what was read with it (no query per task): ``status`` and
    ``status_label``, ``planned`` (the value the plan expects today), ``percent`` (0–100 of the target) and
    ``next_report_due`` (None when nothing is reported: done, or measured from cases, sites or target lists)."""
    rows = list(tasks)
    for t in rows:
        milestones = list(t.milestones.all())
        t.status = task_status(t, now=today, milestones=milestones)
        t.status_label = TaskStatus(t.status).label
        t.planned = planned_value(t, on=today, milestones=milestones)
        total = float(t.target_total) or 1.0
        t.percent = max(0, min(100, round(100 * float(t.current_value) / total)))
        reported = t.measure == Measure.REPORTED and t.completed_on is None and t.status != TaskStatus.DONE
        t.next_report_due = report_due_on(t) if reported else None
    return rows


def tasks_filtered(*, user, campaign: Campaign | None, filters: dict, today: dt.date | None = None):
    """The task list as filtered: a queryset without a status filter (its page's figures computed by the
    caller through ``task_figures``), else the exact list of tasks with that status, figures computed."""
    today = today or timezone.localdate()
    qs = tasks_filter(task_rows(user=user, campaign=campaign), filters, today=today)
    if not filters.get("status"):
        return qs
    return [t for t in task_figures(qs[:MAX_ROWS], today=today) if t.status == filters["status"]]


# -- the workbooks ----------------------------------------------------------------------------------------------

_BOLD = Font(bold=True)
DAY = "yyyy-mm-dd"
MINUTE = "yyyy-mm-dd hh:mm"


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """A moment as Beijing wall-clock time without a zone (a spreadsheet cell holds no time zone)."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _row(sheet, values: list, *, header: bool = False) -> list:
    cells = xlsx_row(sheet, values)
    for cell in cells:
        if header:
            cell.font = _BOLD
        elif isinstance(cell.value, dt.datetime):
            cell.number_format = MINUTE
        elif isinstance(cell.value, dt.date):
            cell.number_format = DAY
    return cells


def _sheet(book: Workbook, title: str, widths: Iterable[int]):
    """A sheet whose first row stays in view while scrolling, with its columns' widths."""
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    for position, width in enumerate(widths):
        sheet.column_dimensions[_column(position)].width = width
    return sheet


def _column(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _unit_of(task: Task) -> str:
    return "%" if task.target_kind == TargetKind.PERCENT else task.unit_label


def list_header() -> list[str]:
    return [_("Code"), _("Action"), _("Title"), _("Lead unit"), _("Cooperating units"), _("Task force"),
            _("Starts on"), _("Deadline"), _("Target"), _("Unit of the target"), _("Current value"),
            _("Planned today"), _("Percent done"), _("Status"), _("Last report"), _("Next report due")]


LIST_WIDTHS = (10, 16, 44, 22, 30, 18, 12, 12, 10, 8, 10, 10, 8, 10, 17, 12)


def list_row(t: Task) -> list:
    """One task of the list, as ``task_figures`` left it."""
    return [t.code, f"{t.action.code} {t.action.name}" if t.action_id else "", t.title,
            t.lead_unit.name if t.lead_unit_id else "", "、".join(u.name for u in t.cooperating_units.all()),
            t.task_force.name if t.task_force_id else "", t.starts_on, t.due_on, Decimal(t.target_total), _unit_of(t),
            t.current_value, t.planned.quantize(Decimal("0.01")), t.percent, str(t.status_label),
            _local(t.last_reported_at), t.next_report_due]


def task_list_workbook(tasks: QuerySet[Task] | list[Task], *, today: dt.date) -> bytes:
    """The task list as one sheet: a row per task (at most ``MAX_ROWS``), as ``tasks_filtered`` gave it (a list
    already has its figures; a queryset's are computed for ``today``)."""
    book = Workbook(write_only=True)
    sheet = _sheet(book, _("Tasks"), LIST_WIDTHS)
    sheet.append(_row(sheet, list_header(), header=True))
    rows = tasks if isinstance(tasks, list) else task_figures(tasks[:MAX_ROWS], today=today)
    for t in rows:
        sheet.append(_row(sheet, list_row(t)))
    return _save(book)


def _target_text(t: Task) -> str:
    if t.target_kind == TargetKind.DONE:
        return str(TargetKind(t.target_kind).label)
    text = f"{t.target_value.normalize():f}{_unit_of(t)}"
    if t.target_kind == TargetKind.COUNT and t.target_per:
        text += f" × {t.target_areas} ({t.target_per})"
    return text


def task_workbook(task: Task, *, today: dt.date, user=None) -> bytes:
    """One task: sheet 任务 with its fields, figures and milestones; sheet 进度报送 with its reports, newest first;
    for a task with a target list, sheet 目标清单 with the lines ``user`` sees, the largest gaps first."""
    [t] = task_figures([task], today=today)
    book = Workbook(write_only=True)
    sheet = _sheet(book, pgettext("workbook sheet", "Task"), (18, 60, 14))
    sheet.append(_row(sheet, [_("Field"), _("Value")], header=True))
    fields = [
        (_("Code"), t.code), (_("Title"), t.title), (_("Kind"), t.get_kind_display()),
        (_("Action"), f"{t.action.code} {t.action.name}" if t.action_id else ""),
        (pgettext("task", "Description"), t.description), (_("Scope"), t.scope),
        (_("Lead unit"), t.lead_unit.name if t.lead_unit_id else ""),
        (_("Cooperating units"), "、".join(u.name for u in t.cooperating_units.all())),
        (_("Task force"), t.task_force.name if t.task_force_id else ""),
        (_("Starts on"), t.starts_on), (_("Deadline"), t.due_on), (_("Target"), _target_text(t)),
        (_("Measured by"), t.get_measure_display()), (_("Target to reach"), Decimal(t.target_total)),
        (_("Current value"), t.current_value), (_("Planned today"), t.planned.quantize(Decimal("0.01"))),
        (_("Percent done"), t.percent), (_("Status"), str(t.status_label)),
        (_("Last report"), _local(t.last_reported_at)), (_("Next report due"), t.next_report_due),
        (_("Completed on"), t.completed_on), (_("Figures of"), today),
    ]
    for label, value in fields:
        sheet.append(_row(sheet, [label, value]))
    milestones = list(t.milestones.all())
    if milestones:
        sheet.append([])
        sheet.append(_row(sheet, [_("Milestone"), _("Due on"), _("Planned value")], header=True))
        for m in milestones:
            sheet.append(_row(sheet, [m.title, m.due_on, m.planned_value]))
    reports = _sheet(book, pgettext("workbook sheet", "Progress reports"), (17, 24, 16, 10, 60, 40))
    reports.append(_row(reports, [_("Reported at"), _("Unit"), _("By"), _("Value"), _("What was done"),
                                  _("Evidence")], header=True))
    rows = (ProgressReport.objects.filter(task=t).select_related("unit", "reported_by")
            .prefetch_related("evidence").order_by("-reported_at", "-id"))
    for r in rows.iterator(chunk_size=500):
        reports.append(_row(reports, [_local(r.reported_at), r.unit.name, str(r.reported_by or ""), r.value,
                                      r.narrative, "、".join(e.name for e in r.evidence.all())]))
    if t.target_rule and user is not None:
        _lines_sheet(book, t, user)
    return _save(book)


def _lines_sheet(book: Workbook, task: Task, user) -> None:
    """The target list as this person sees it: one row per line (an area or a site), gaps first."""
    sheet = _sheet(book, pgettext("workbook sheet", "Target list"), (24, 28, 14, 28, 10, 8, 8, 8, 10, 50, 10))
    sheet.append(_row(sheet, [_("Area"), _("Site"), _("Type"), _("Owner unit"), _("Status"), _("Counted"),
                              _("Required"), _("Gap"), _("Nearest (m)"), _("Nearby sites"), _("In scope")],
                      header=True))
    lines = (target_lines(user, task).select_related("site__site_type", "area", "owner_unit")
             .defer("site__geometry", "area__geometry").order_by("-in_scope", "-gap", "area_path", "id"))
    for line in lines[:MAX_ROWS].iterator(chunk_size=2000):
        near = "、".join(f"{n.get('name', '')} {n['distance_m']} m" if n.get("distance_m") is not None
                        else str(n.get("name", "")) for n in (line.near or []))
        sheet.append(_row(sheet, [
            line.area.name if line.area_id else "", line.site.name if line.site_id else "",
            line.site.site_type.name if line.site_id else "", line.owner_unit.name if line.owner_unit_id else "",
            str(line.get_status_display()), line.count, line.required, line.gap, line.distance_m, near,
            _("yes") if line.in_scope else _("no")]))
