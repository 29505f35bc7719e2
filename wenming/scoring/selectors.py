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
from wenming.common.roles import COMMAND_OR_ADMIN, UNIT_ROLES, Role, roles
from wenming.org.models import Area, Unit
from wenming.org.spatial import get_index
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


def panel_heatmap(user, *, now: dt.datetime) -> dict:
    """Open cases per grid, as [lng, lat, count] at the grid's centre."""
    # Count by grid, then place each grid at its centre from an in-process table (kept until the geography
    # changes): joining the areas before grouping would join every open case.
    counts = dict(
        restrict(Case.objects.all(), user).filter(state__in=OPEN_STATES, grid__isnull=False)
        .order_by().values("grid_id").annotate(n=Count("*")).values_list("grid_id", "n")
    )
    centres = _grid_centres(counts)
    points = [[centres[pk][0], centres[pk][1], n] for pk, n in counts.items() if centres.get(pk, (None,))[0] is not None]
    return {"points": points, "max": max((p[2] for p in points), default=0)}


_centres: tuple[int, dict] | None = None


def _grid_centres(wanted) -> dict:
    global _centres
    version = get_index().version
    if _centres is None or _centres[0] != version:
        _centres = (version, {pk: (lng, lat) for pk, lng, lat in
                              Area.objects.filter(level="grid").values_list("pk", "lng", "lat")})
    missing = [pk for pk in wanted if pk not in _centres[1]]
    if missing:  # areas added since (or another city in tests): read them
        _centres[1].update({pk: (lng, lat) for pk, lng, lat in
                            Area.objects.filter(pk__in=missing).values_list("pk", "lng", "lat")})
    return _centres[1]


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
