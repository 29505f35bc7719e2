"""Reads for the dashboards and score pages. Every panel starts from ``restrict()``: a district leader's
panels cover the district, a unit's only the cases dispatched to it.

Each panel is one grouped, indexed query over the cases or their events (see ``bench/dashboards.py`` for
its timing over a million cases against the same figure in hand-written SQL); rankings read the latest
published snapshot, which is precomputed.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from wenming.cases.models import Case, CaseEvent, CaseState, Category, SupervisionNotice
from wenming.cases.models.case import ACTION_LABELS, OPEN_STATES
from wenming.common.access import restrict, scope_for
from wenming.scoring.models import ScoreSnapshot, SnapshotStatus, Subject

DEFAULT_DAYS = 30
PANELS = ("trend", "by_action", "by_category", "heatmap", "overdue", "escalations", "rankings")


def _window(now: dt.datetime, days: int) -> tuple[dt.datetime, dt.datetime]:
    local_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return local_today - dt.timedelta(days=days - 1), now


def panel_trend(user, *, now: dt.datetime, days: int = DEFAULT_DAYS) -> dict:
    """Cases reported and cases closed per day."""
    start, end = _window(now, days)
    cases = restrict(Case.objects.all(), user)
    tz = timezone.get_current_timezone()
    reported = dict(
        cases.filter(reported_at__gte=start, reported_at__lte=end).annotate(day=TruncDate("reported_at", tzinfo=tz))
        .order_by().values("day").annotate(n=Count("id")).values_list("day", "n")
    )
    closed = dict(
        cases.filter(closed_at__gte=start, closed_at__lte=end, state=CaseState.CLOSED)
        .annotate(day=TruncDate("closed_at", tzinfo=tz)).order_by().values("day").annotate(n=Count("id"))
        .values_list("day", "n")
    )
    days_list = [(start + dt.timedelta(days=i)).date() for i in range(days)]
    return {"days": [d.isoformat() for d in days_list], "reported": [reported.get(d, 0) for d in days_list],
            "closed": [closed.get(d, 0) for d in days_list]}


def panel_by_action(user, *, now: dt.datetime, days: int = DEFAULT_DAYS) -> dict:
    """Workflow steps taken in the window, by action."""
    start, end = _window(now, days)
    events = restrict(CaseEvent.objects.all(), user).filter(created_at__gte=start, created_at__lte=end)
    rows = events.order_by().values("action").annotate(n=Count("id")).order_by("-n")
    return {"rows": [{"code": r["action"], "name": str(ACTION_LABELS.get(r["action"], r["action"])), "n": r["n"]}
                     for r in rows]}


def panel_by_category(user, *, now: dt.datetime, days: int = DEFAULT_DAYS) -> dict:
    """Cases reported in the window by main category (大类)."""
    start, end = _window(now, days)
    counts = (restrict(Case.objects.all(), user).filter(reported_at__gte=start, reported_at__lte=end)
              .order_by().values("category_id").annotate(n=Count("id")))
    categories = {c.pk: c for c in Category.objects.only("id", "name", "parent_id")}
    totals: dict[str, int] = {}
    for row in counts:
        category = categories.get(row["category_id"])
        top = categories.get(category.parent_id) if category and category.parent_id else category
        name = top.name if top else "—"
        totals[name] = totals.get(name, 0) + row["n"]
    return {"rows": [{"name": k, "n": v} for k, v in sorted(totals.items(), key=lambda kv: -kv[1])]}


def panel_heatmap(user, *, now: dt.datetime) -> dict:
    """Open cases per grid, as [lng, lat, count] at the grid's centre."""
    from wenming.org.models import Area

    counts = dict(
        restrict(Case.objects.all(), user).filter(state__in=OPEN_STATES, grid__isnull=False)
        .order_by().values("grid_id").annotate(n=Count("id")).values_list("grid_id", "n")
    )
    centres = Area.objects.filter(pk__in=list(counts)).values_list("pk", "lng", "lat")
    points = [[lng, lat, counts[pk]] for pk, lng, lat in centres if lng is not None]
    return {"points": points, "max": max(counts.values(), default=0)}


def panel_overdue(user, *, now: dt.datetime, limit: int = 10) -> dict:
    """Open cases past their stage deadline, by unit (the worst first) and the total."""
    from wenming.org.models import Unit

    overdue = restrict(Case.objects.all(), user).filter(stage_due__lt=now)
    rows = list(overdue.order_by().values("unit_id").annotate(n=Count("id")).order_by("-n")[:limit])
    names = dict(Unit.objects.filter(pk__in=[r["unit_id"] for r in rows if r["unit_id"]]).values_list("pk", "name"))
    return {"total": overdue.count(),
            "rows": [{"name": names.get(r["unit_id"], "—"), "n": r["n"]} for r in rows]}


def panel_escalations(user, *, now: dt.datetime) -> dict:
    """Supervision notices (督办) not closed yet, by level, and how many are past their answer date."""
    notices = restrict(SupervisionNotice.objects.all(), user).exclude(state=SupervisionNotice.State.CLOSED)
    by_level = notices.order_by().values("level").annotate(
        n=Count("id"), late=Count("id", filter=Q(answer_due__lt=now, state=SupervisionNotice.State.ISSUED))
    )
    from wenming.cases.models.escalation import EscalationLevel

    labels = dict(EscalationLevel.choices)
    return {"rows": [{"level": r["level"], "name": str(labels.get(r["level"], r["level"])), "n": r["n"],
                      "late": r["late"]} for r in sorted(by_level, key=lambda r: r["level"])]}


def panel_rankings(user, *, now: dt.datetime, limit: int = 10) -> dict:
    """The latest published unit ranking; a unit's people see their own unit's row beside the top."""
    snapshot = restrict(ScoreSnapshot.objects.filter(subject=Subject.UNIT, status=SnapshotStatus.PUBLISHED), user)\
        .order_by("-start").first()
    if snapshot is None:
        return {"snapshot": None, "rows": []}
    rows = sorted((r for r in snapshot.figures["rows"].values() if r["rank"] is not None), key=lambda r: r["rank"])
    scope = scope_for(user)
    own = []
    if not scope.everything and scope.unit_paths:
        from wenming.org.models import Unit

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
