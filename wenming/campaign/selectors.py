"""Read-side queries for the campaign pages: task forces' boards, tasks with their status, the battle map."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Count, Q
from django.utils import timezone

from wenming.campaign.models import (
    AREA_RULES,
    EVIDENCE_RULES,
    OK_STATUSES,
    Action,
    Campaign,
    TargetLine,
    TargetLineStatus,
    Task,
    TaskForce,
    TaskStatus,
)
from wenming.campaign.services.meetings import OPEN_STATES
from wenming.campaign.services.targets import PER_LEVEL, line_counts
from wenming.campaign.services.tasks import planned_value, task_status
from wenming.cases.models import Case, Category
from wenming.common.access import restrict
from wenming.org.models import Site, Unit

MAP_CASES = 2000


def current_campaign() -> Campaign | None:
    return Campaign.objects.order_by("-starts_on", "code").first()


def tasks_with_status(qs, *, today: dt.date | None = None) -> list[Task]:
    today = today or timezone.localdate()
    rows = list(qs.select_related("action", "task_force", "lead_unit", "owner").prefetch_related("milestones"))
    for t in rows:
        milestones = list(t.milestones.all())
        t.status = task_status(t, now=today, milestones=milestones)
        t.status_label = TaskStatus(t.status).label
        t.planned = planned_value(t, on=today, milestones=milestones)
        total = float(t.target_total) or 1.0
        t.percent = min(100, round(100 * float(t.current_value) / total))
    return rows


def status_counts(tasks: list[Task]) -> dict:
    c = Counter(t.status for t in tasks)
    return {str(s): c[s] for s in TaskStatus}


def _actions_of_categories(campaign: Campaign) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for category_id, action_id in Category.actions.through.objects.filter(action__campaign=campaign).values_list(
            "category_id", "action_id"):
        out[category_id].append(action_id)
    return out


def cases_by_action(user, campaign: Campaign) -> dict[int, dict]:
    """Open and total cases per action, through the categories each action's problems link to (counted per
    category in scope, then summed onto the actions: no join of every case to the category→action table)."""
    actions_of = _actions_of_categories(campaign)
    rows = (restrict(Case.objects.all(), user).filter(category_id__in=list(actions_of)).order_by()
            .values_list("category_id").annotate(total=Count("id"), open=Count("id", filter=Q(state__in=OPEN_STATES)))
            .values_list("category_id", "total", "open"))
    out: dict[int, dict] = defaultdict(lambda: {"total": 0, "open": 0})
    for category_id, total, open_ in rows:
        for action_id in actions_of[category_id]:
            out[action_id]["total"] += total
            out[action_id]["open"] += open_
    return dict(out)


def forces_overview(user, campaign: Campaign) -> list[TaskForce]:
    forces = list(restrict(TaskForce.objects.filter(campaign=campaign), user).select_related("leader").prefetch_related("actions"))
    tasks = tasks_with_status(restrict(Task.objects.filter(campaign=campaign, task_force__isnull=False), user))
    for force in forces:
        mine = [t for t in tasks if t.task_force_id == force.pk]
        force.counts = status_counts(mine)
        force.total = len(mine)
    return forces


def forces_of(*, user) -> list[TaskForce]:
    """The current campaign's task forces the person leads or sits on, for their home page: each with its tasks'
    counts by status."""
    campaign = current_campaign()
    if campaign is None or not user.is_authenticated:
        return []
    mine = set(TaskForce.objects.filter(Q(leader=user) | Q(members=user), campaign=campaign).values_list("pk", flat=True))
    if not mine:  # most people: one small query, not the campaign's task statuses, on every home page
        return []
    return [f for f in forces_overview(user, campaign) if f.pk in mine]


def actions_overview(user, campaign: Campaign) -> list[Action]:
    actions = list(Action.objects.filter(campaign=campaign).order_by("sort"))
    counts = cases_by_action(user, campaign)
    for a in actions:
        a.cases = counts.get(a.pk, {"total": 0, "open": 0})
    return actions


def _task_end(task: Task, campaign: Campaign) -> dt.date:
    """Where a task's bar ends: its deadline, else the campaign's end, else the end of the year it starts in."""
    return task.due_on or campaign.ends_on or dt.date(task.starts_on.year, 12, 31)


def _map_targets(user, campaign: Campaign, task_id: int) -> dict | None:
    """A selected task's lines as coloured markers and its gap list (lines this person sees only)."""
    task = restrict(Task.objects.filter(campaign=campaign).exclude(target_rule=""), user).filter(pk=task_id).first()
    if task is None:
        return None
    section = target_section(user, task)
    return {"task": {"id": task.pk, "code": task.code, "title": task.title}, "lines": coverage_points(user, task),
            "counts": section["counts"],
            "gaps": [{"id": r["line"].pk, "name": (r["line"].site.name if r["line"].site_id else r["line"].area.name),
                      "count": r["line"].count, "required": r["line"].required, "gap": r["gap"]}
                     for r in section["gaps"][:50]]}


def gantt_rows(tasks: list[Task], campaign: Campaign) -> list[dict]:
    """The timeline's rows: what a bar, its tooltip and its label need (who owns the task, its status)."""
    return [{"id": t.pk, "code": t.code, "title": t.title, "action": t.action.code if t.action_id else "",
             "action_name": t.action.name if t.action_id else "",
             "force": t.task_force.name if t.task_force_id else "", "lead_unit": t.lead_unit.name if t.lead_unit_id else "",
             "start": t.starts_on.isoformat(), "end": _task_end(t, campaign).isoformat(),
             "has_deadline": bool(t.due_on), "status": str(t.status), "status_label": str(t.status_label), "percent": t.percent,
             "milestones": [{"title": m.title, "day": m.due_on.isoformat()} for m in t.milestones.all()]}
            for t in tasks]


def map_data(user, campaign: Campaign, *, action_code: str = "", area_path: str = "", task_id: int | None = None,
             today: dt.date | None = None) -> dict:
    """Sites in the tasks' scopes, open cases by action, and the tasks' timeline, filtered by action and area.

    The timeline carries the day its statuses were computed for ("today": the server's day, in Beijing time,
    not the browser's clock) and every status with its label, for the legend.
    """
    today = today or timezone.localdate()
    tasks_qs = restrict(Task.objects.filter(campaign=campaign), user)
    actions = Action.objects.filter(campaign=campaign)
    if action_code:
        tasks_qs = tasks_qs.filter(action__code=action_code)
        actions = actions.filter(code=action_code)
    tasks = tasks_with_status(tasks_qs.order_by("action__sort", "sort", "code"), today=today)
    site_types = sorted({st for t in tasks for st in (t.scope_site_types or [])})
    sites = restrict(Site.objects.filter(site_type__code__in=site_types, is_active=True, lat__isnull=False), user)
    action_ids = set(actions.values_list("pk", flat=True))
    action_code = dict(Action.objects.filter(campaign=campaign).values_list("pk", "code"))
    # A category's cases are shown under the first of its actions that is selected.
    category_action = {c: action_code[next(a for a in acts if a in action_ids)]
                       for c, acts in _actions_of_categories(campaign).items() if action_ids.intersection(acts)}
    cases = restrict(Case.objects.filter(state__in=OPEN_STATES, lat__isnull=False, category_id__in=list(category_action)), user)
    if area_path:
        sites = sites.filter(area__path__startswith=area_path)
        cases = cases.filter(area_path__startswith=area_path)
    now = timezone.now()
    targets = _map_targets(user, campaign, task_id) if task_id else None
    return {
        "targets": targets,
        # Each site and case with what its marker needs: its page (code, id), its legend entry (type, action).
        "sites": [{"code": code, "name": n, "type": t, "type_code": tc, "lat": la, "lng": ln} for code, n, t, tc, la, ln in
                  sites.values_list("code", "name", "site_type__name", "site_type__code", "lat", "lng")[:MAP_CASES]],
        "cases": [{"id": pk, "action": category_action.get(c, ""), "lat": la, "lng": ln, "overdue": bool(due and due < now)}
                  for pk, c, la, ln, due in cases.values_list("pk", "category_id", "lat", "lng", "stage_due")
                  .order_by("-reported_at")[:MAP_CASES]],
        "action_names": dict(Action.objects.filter(campaign=campaign).values_list("code", "name")),
        "tasks": gantt_rows(tasks, campaign),
        "today": today.isoformat(),
        "statuses": [{"code": str(code), "label": str(label)} for code, label in TaskStatus.choices],
    }


# -- target lists ---------------------------------------------------------------------------------------------

LINE_STATUS_FILTERS = [*(str(s) for s in TargetLineStatus), "out_of_scope"]
GAP_LIST = 200  # areas or places shown in a gap list (the largest gaps first)


def target_lines(user, task: Task, *, status: str = "", area_path: str = "", owner_unit: int | None = None,
                 q: str = ""):
    """A task's lines this person sees, filtered; stored rows only (no geometry work in the request)."""
    lines = restrict(TargetLine.objects.filter(task=task), user)
    if status == "out_of_scope":
        lines = lines.filter(in_scope=False)
    elif status in TargetLineStatus.values:
        lines = lines.filter(status=status, in_scope=True)
    if area_path:
        lines = lines.filter(area_path__startswith=area_path)
    if owner_unit:
        lines = lines.filter(owner_unit_id=owner_unit)
    if q:
        lines = lines.filter(Q(site__name__icontains=q) | Q(site__code=q) | Q(area__name__icontains=q))
    return lines


def target_section(user, task: Task) -> dict:
    """What the task page shows above its list: counts by status (GROUP BY), the owner units and the gap list."""
    mine = restrict(TargetLine.objects.filter(task=task), user)
    counts = line_counts(task, mine)
    units = Unit.objects.filter(pk__in=mine.order_by().values("owner_unit_id").distinct()).order_by("code")
    # The largest gaps first: how many an area lacks (at least N), has too many (at most N), venues near a school.
    gaps = (mine.filter(in_scope=True, gap__gt=0).select_related("area", "site", "owner_unit")
            .defer("area__geometry", "site__geometry").order_by("-gap", "area_path"))
    gap_rows = [{"line": line, "gap": line.gap} for line in gaps[:GAP_LIST]]
    return {"counts": counts, "units": units, "gaps": gap_rows[:GAP_LIST], "gap_total": counts.get("gap", 0),
            "area_rule": task.target_rule in AREA_RULES, "evidence_rule": task.target_rule in EVIDENCE_RULES,
            # The level whose outlines the coverage map colours (per-area rules).
            "level": PER_LEVEL.get(task.target_per, "") if task.target_rule in AREA_RULES else "",
            "statuses": [(s, TargetLineStatus(s).label if s in TargetLineStatus.values else None)
                         for s in LINE_STATUS_FILTERS]}


def line_rows(ids: list[int]) -> list[TargetLine]:
    """The lines of ``ids`` (already read through the scope) in that order, with their sites and areas: a list's
    page is cut from the ids first, since joining every line's site before the sort is what made a unit's view of a
    large list slow."""
    found = TargetLine.objects.filter(pk__in=ids).select_related(
        "site", "site__site_type", "area", "owner_unit").defer("site__geometry", "area__geometry").in_bulk()
    return [found[pk] for pk in ids]


def coverage_points(user, task: Task, *, limit: int = MAP_CASES) -> list[dict]:
    """The lines as map points (the site, or the area's representative point) with their colour key."""
    # Two steps: the ids in the status index's order through the scope (no join to the sites of every line before
    # the sort: a unit's view of a 47,000-line list 240 → 60 ms on PostgreSQL), then what the points need.
    ids = list(restrict(TargetLine.objects.filter(task=task), user).order_by("status", "in_scope", "area_path")
               .values_list("id", flat=True)[:limit])
    found = {row[0]: row for row in TargetLine.objects.filter(pk__in=ids).values_list(
        "id", "status", "in_scope", "count", "required", "site__name", "site__lat", "site__lng",
        "area__name", "area__lat", "area__lng", "site_id", "area__code")}
    rows = [found[pk] for pk in ids]
    out = []
    for pk, status, in_scope, count, required, s_name, s_lat, s_lng, a_name, a_lat, a_lng, site_id, a_code in rows:
        colour = "out" if not in_scope else "ok" if status in OK_STATUSES else "submitted" \
            if status == TargetLineStatus.SUBMITTED else "todo"
        lat, lng, name = (s_lat, s_lng, s_name) if site_id else (a_lat, a_lng, a_name)
        out.append({"id": pk, "lat": lat, "lng": lng, "name": name or "", "colour": colour,
                    "area": "" if site_id else a_code,
                    "status": str(TargetLineStatus(status).label), "count": count, "required": required})
    return out
