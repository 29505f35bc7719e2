"""Reads for the dashboards and score pages. Every panel starts from ``restrict()``: a district leader's
panels cover the district, a unit's only the cases dispatched to it.

Most panels are one grouped, indexed query over the cases (COUNT(*) so PostgreSQL can answer from an
index alone). The trend and by-action panels sum a daily aggregate of the events (``DailyEventCount``,
refreshed hourly by a task) and count only today live: over a million cases the raw join of events to
cases for a district takes ~300 ms. Rankings read the latest published snapshot, which is precomputed.
``bench/dashboards.py`` times every panel against hand-written SQL for the same figure.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import Case, CaseEvent, Category, SupervisionNotice
from wenming.cases.models.case import OPEN_STATES, EventAction
from wenming.cases.models.escalation import EscalationLevel
from wenming.common.access import can, restrict, scope_for
from wenming.common.db_router import primary_reading
from wenming.common.roles import COMMAND_OR_ADMIN, UNIT_ROLES, Role, roles
from wenming.common.services.geography import GEOGRAPHY, version_read
from wenming.org.models import Area, Unit
from wenming.scoring.models import DailyEventCount, DailyEventCountDay, ScoreSnapshot, SnapshotStatus, Subject
from wenming.scoring.services.dashboard import STREET_DEPTH
from wenming.scoring.services.kpi import day_start as kpi_day_start

DEFAULT_DAYS = 30
# The big screen states its data time in Beijing time whatever the server's zone.
BEIJING = ZoneInfo("Asia/Shanghai")
PANELS = ("trend", "by_action", "by_category", "heatmap", "overdue", "escalations", "rankings")

# What each role's home page shows first (the dashboard and the big screen carry every panel). A person with
# several roles gets the first group that matches, in this order.
HOME_PANELS = [
    (COMMAND_OR_ADMIN, ("trend", "overdue", "escalations", "heatmap")),
    (roles(Role.AREA_LEADER), ("heatmap", "overdue", "by_category", "rankings")),
    (UNIT_ROLES, ("trend", "overdue", "by_category", "rankings")),
]


def home_panels(roles: frozenset[str]) -> tuple[str, ...]:
    for group, panels in HOME_PANELS:
        if roles & group:
            return panels
    return ("trend", "overdue")


def _window(now: dt.datetime, days: int) -> tuple[dt.datetime, dt.datetime]:
    local_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return local_today - dt.timedelta(days=days - 1), now


def _event_counts(user, *, now: dt.datetime, days: int) -> Counter:
    """Events per (local day, action) in the window, in the person's scope.

    Whole days already counted come from ``DailyEventCount`` (when the scope can be read there: the whole
    city, areas down to a street, units); today and any day not counted yet are counted live from the events.
    """
    start, end = _window(now, days)
    first_day, today = start.date(), timezone.localtime(now).date()
    counts: Counter = Counter()
    if not can(user, CaseEvent):
        return counts
    scope = scope_for(user)
    usable = scope.everything or all(len([p for p in path.split("/") if p]) <= STREET_DEPTH for path in scope.area_paths)
    covered = set()
    if usable:
        covered = set(DailyEventCountDay.objects.filter(day__gte=first_day, day__lt=today).values_list("day", flat=True))
    if covered:
        rows = DailyEventCount.objects.filter(day__in=covered)
        if not scope.everything:
            where = Q(pk__in=[])
            for path in scope.area_paths:
                where |= Q(area_path__startswith=path)
            if scope.unit_paths:
                units = Q(pk__in=[])
                for path in scope.unit_paths:
                    units |= Q(path__startswith=path)
                where |= Q(unit_id__in=Unit.objects.filter(units).values("pk"))
            rows = rows.filter(where)
        for day, action, n in rows.order_by().values("day", "action").annotate(n=Sum("n")).values_list("day", "action", "n"):
            counts[(day, action)] += n
    live_days = [first_day + dt.timedelta(days=i) for i in range(days)]
    live_days = [d for d in live_days if d not in covered]
    if live_days:
        live_from = kpi_day_start(live_days[0])
        tz = timezone.get_current_timezone()
        live = (restrict(CaseEvent.objects.all(), user).filter(created_at__gte=live_from, created_at__lte=end)
                .annotate(day=TruncDate("created_at", tzinfo=tz)).order_by().values("day", "action")
                .annotate(n=Count("*")).values_list("day", "action", "n"))
        for day, action, n in live:
            if day not in covered:
                counts[(day, action)] += n
    return counts


def panel_trend(user, *, now: dt.datetime, days: int = DEFAULT_DAYS) -> dict:
    """Cases reported and cases closed per day (from the report and close events)."""
    start, _end = _window(now, days)
    counts = _event_counts(user, now=now, days=days)
    days_list = [(start + dt.timedelta(days=i)).date() for i in range(days)]
    return {"days": [d.isoformat() for d in days_list], "reported": [counts.get((d, "report"), 0) for d in days_list],
            "closed": [counts.get((d, "close"), 0) for d in days_list]}


def panel_by_action(user, *, now: dt.datetime, days: int = DEFAULT_DAYS) -> dict:
    """Workflow steps taken in the window, by action."""
    totals: dict[str, int] = {}
    for (_day, action), n in _event_counts(user, now=now, days=days).items():
        totals[action] = totals.get(action, 0) + n
    return {"rows": [{"code": a, "name": str(EventAction(a).label if a in EventAction.values else a), "n": n}
                     for a, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]}


def panel_by_category(user, *, now: dt.datetime, days: int = DEFAULT_DAYS) -> dict:
    """Cases reported in the window by main category (大类)."""
    start, end = _window(now, days)
    counts = (restrict(Case.objects.all(), user).filter(reported_at__gte=start, reported_at__lte=end)
              .order_by().values("category_id").annotate(n=Count("*")))
    categories = {c.pk: c for c in Category.objects.only("id", "name", "parent_id")}
    totals: dict[str, int] = {}
    # A citizen's report may come without a category until intake gives it one: named, not a blank "—".
    uncategorised = _("Not categorised yet")
    for row in counts:
        category = categories.get(row["category_id"])
        top = categories.get(category.parent_id) if category and category.parent_id else category
        name = top.name if top else uncategorised
        totals[name] = totals.get(name, 0) + row["n"]
    return {"rows": [{"name": k, "n": v} for k, v in sorted(totals.items(), key=lambda kv: -kv[1])]}


# The heat map colours, in a view of an area of each level, the areas of a finer level, and draws the outlines
# of another over them: a city or a district by street (a city of 60,000 grids has ~100 streets, each a few
# hundred grids: streets read at a glance where grids would be specks), a street or a community by grid.
HEAT_REGION_LEVEL = {"city": "street", "county": "street", "street": "grid", "community": "grid", "grid": "grid"}
HEAT_FRAME_LEVEL = {"city": "county", "county": "county", "street": "community", "community": "community",
                    "grid": "grid"}
HEAT_VIEWS_MAX = 20  # a person with more separate areas than this sees the first ones (by code)
_LEVEL_RANK = {"city": 0, "county": 1, "street": 2, "community": 3, "grid": 4}


def heatmap_top_areas(user) -> list[Area]:
    """Where a person's heat map starts: the city for the city-wide roles and for units without an area, else
    the outermost areas of the person's scope (a district leader's district, a street office's street)."""
    scope = scope_for(user)
    paths = set(scope.area_paths) | set(scope.jurisdiction_paths)
    if scope.everything or not paths:
        return list(Area.objects.filter(parent__isnull=True).defer("geometry").order_by("code")[:HEAT_VIEWS_MAX])
    tops = sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths))
    return list(Area.objects.filter(path__in=tops).defer("geometry").order_by("path")[:HEAT_VIEWS_MAX])


def heatmap_area(user, *, code: str) -> Area | None:
    """The area a heat map drills into, if it lies within the person's heat map (their top areas); else None."""
    area = Area.objects.filter(code=code).defer("geometry").first()
    if area is None or not any(area.path.startswith(top.path) for top in heatmap_top_areas(user)):
        return None
    return area


def panel_heatmap(user, *, now: dt.datetime, area: Area | None = None) -> dict:
    """Open cases in the areas of a view, for the heat map: the person's top areas, or ``area`` (one the caller
    checked with ``heatmap_area``). Each region carries its count and where a click on it leads: ``to``, the
    area one level down to drill into ("" at the grids, whose click opens the workbench)."""
    tops = heatmap_top_areas(user)
    views = [area] if area is not None else tops
    if not views:
        return {"views": [], "chain": [], "level": "", "frame": "", "regions": [], "max": 0, "total": 0}
    coarsest = min(views, key=lambda a: _LEVEL_RANK.get(a.level, 9)).level
    level, frame = HEAT_REGION_LEVEL.get(coarsest, "grid"), HEAT_FRAME_LEVEL.get(coarsest, "grid")
    within = Q()
    for v in views:
        within |= Q(path__startswith=v.path)
    regions = Area.objects.filter(within, level=level)
    if level not in ("county", "street"):  # districts and streets are public boundaries; finer ones follow scope
        regions = restrict(regions, user)
    regions = list(regions.order_by("path").values("code", "name", "path"))
    by_code = {r["code"]: r for r in regions}

    # Count by grid, then place each grid in its region from an in-process table of grid paths (kept until the
    # geography changes): joining the areas before grouping would join every open case.
    cases = restrict(Case.objects.all(), user).filter(state__in=OPEN_STATES, grid__isnull=False)
    if area is not None or tops[0].parent_id is not None:
        case_within = Q()
        for v in views:
            case_within |= Q(area_path__startswith=v.path)
        cases = cases.filter(case_within)
    counts = dict(cases.order_by().values("grid_id").annotate(n=Count("*")).values_list("grid_id", "n"))
    paths = _grid_paths(counts)
    totals: Counter = Counter()
    for pk, n in counts.items():
        for code in (paths.get(pk) or "").strip("/").split("/"):
            if code in by_code:
                totals[code] += n
                break
    view_codes = {v.code for v in views}
    rows = []
    for r in regions:
        codes = r["path"].strip("/").split("/")
        # The area one level below the view on the way to this region: a click drills into it.
        at = next((i for i, c in enumerate(codes) if c in view_codes), None)
        to = codes[at + 1] if at is not None and at + 1 < len(codes) and level != "grid" else ""
        rows.append({"code": r["code"], "name": r["name"], "n": totals.get(r["code"], 0), "to": to})
    chain = []
    if area is not None:
        top = next(t for t in tops if area.path.startswith(t.path))
        codes = area.path[len(top.path) - len(top.code) - 1:].strip("/").split("/")
        names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
        chain = [{"code": c, "name": names.get(c, c)} for c in codes]
    return {
        "views": [{"code": v.code, "name": v.name, "level": v.level} for v in views],
        "chain": chain, "level": level, "frame": frame, "regions": rows,
        "max": max(totals.values(), default=0), "total": sum(totals.values()),
    }


_grid_path_table: tuple[int, dict[int, str]] | None = None


@primary_reading()
def _grid_paths(wanted) -> dict[int, str]:
    global _grid_path_table
    version = version_read(GEOGRAPHY)
    if _grid_path_table is None or _grid_path_table[0] != version:
        _grid_path_table = (version, dict(Area.objects.filter(level="grid").values_list("pk", "path")))
    table = _grid_path_table[1]
    missing = [pk for pk in wanted if pk not in table]
    if missing:  # areas added since (or another city in tests): read them
        table.update(Area.objects.filter(pk__in=missing).values_list("pk", "path"))
    return table


def panel_overdue(user, *, now: dt.datetime, limit: int = 10) -> dict:
    """Open cases past their stage deadline, by unit (the worst first) and the total.

    A case without a unit is still with the command centre (to register or to dispatch, or returned to it):
    its row says so rather than showing a blank name.
    """
    overdue = restrict(Case.objects.all(), user).filter(stage_due__lt=now)
    rows = overdue.order_by().values("unit_id", "unit__name").annotate(n=Count("*")).order_by("-n", "unit__name")[:limit]
    undispatched = _("Command centre (not dispatched yet)")
    return {"total": overdue.count(), "rows": [{"name": r["unit__name"] or undispatched, "n": r["n"],
                                                "unit": r["unit_id"]} for r in rows]}


def panel_escalations(user, *, now: dt.datetime) -> dict:
    """Supervision notices (督办) not closed yet, by level, and how many are past their answer date."""
    notices = restrict(SupervisionNotice.objects.all(), user).exclude(state=SupervisionNotice.State.CLOSED)
    by_level = notices.order_by().values("level").annotate(
        n=Count("*"), late=Count("id", filter=Q(answer_due__lt=now, state=SupervisionNotice.State.ISSUED))
    )
    labels = dict(EscalationLevel.choices)
    return {"rows": [{"level": r["level"], "name": str(labels.get(r["level"], r["level"])), "n": r["n"],
                      "late": r["late"]} for r in sorted(by_level, key=lambda r: r["level"])]}


def panel_rankings(user, *, now: dt.datetime, limit: int = 10) -> dict:
    """The latest published unit ranking; a unit's people see their own unit's row beside the top."""
    published = ScoreSnapshot.objects.filter(subject=Subject.UNIT, status=SnapshotStatus.PUBLISHED).defer("evidence")
    snapshot = restrict(published, user).order_by("-start").first()
    if snapshot is None:
        return {"snapshot": None, "rows": []}
    rows = sorted((r for r in snapshot.figures["rows"].values() if r["rank"] is not None), key=lambda r: r["rank"])
    scope = scope_for(user)
    own = []
    if not scope.everything and scope.unit_paths:
        own_ids = {str(pk) for pk in restrict(Unit.objects.all(), user).values_list("pk", flat=True)}
        own = [r for r in snapshot.figures["rows"].values() if r["key"] in own_ids]
    pick = lambda r: {"key": r["key"], "name": r["name"], "index": r["index"], "grade": r["grade"],  # noqa: E731
                      "rank": r["rank"], "marked": r["marked"]}
    return {"snapshot": {"id": snapshot.pk, "label": str(snapshot)}, "rows": [pick(r) for r in rows[:limit]],
            "own": [pick(r) for r in own]}


def dashboard(user, *, now: dt.datetime | None = None, panels=PANELS) -> dict:
    now = now or timezone.now()
    functions = {"trend": panel_trend, "by_action": panel_by_action, "by_category": panel_by_category,
                 "heatmap": panel_heatmap, "overdue": panel_overdue, "escalations": panel_escalations,
                 "rankings": panel_rankings}
    return {name: functions[name](user, now=now) for name in panels}


def screen_data(user, *, now: dt.datetime, panels=PANELS) -> dict:
    """The panels and when they were read, in Beijing time ("as_of"): the big screen shows the time, and a
    poll that moves it shows the screen is live."""
    return {**dashboard(user, now=now, panels=panels), "as_of": now.astimezone(BEIJING).isoformat(timespec="seconds")}
