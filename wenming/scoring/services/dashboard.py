"""The daily event counts behind the trend and by-action panels (see ``models.DailyEventCount``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from wenming.cases.models import CaseEvent
from wenming.scoring.models import DailyEventCount, DailyEventCountDay
from wenming.scoring.services.kpi import day_start

STREET_DEPTH = 3  # city / county / street


def street_path(area_path: str) -> str:
    parts = [p for p in (area_path or "").split("/") if p]
    return "/" + "/".join(parts[:STREET_DEPTH]) + "/" if parts else ""


def daily_counts_refresh(*, days: int = 3, now: dt.datetime | None = None, first: dt.date | None = None) -> int:
    """Recount the last ``days`` whole days (or every day from ``first``) and mark them complete."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    start = first or today - dt.timedelta(days=days)
    rows = 0
    day = start
    while day < today:
        rows += _count_day(day, now)
        day += dt.timedelta(days=1)
    return rows


def _count_day(day: dt.date, now: dt.datetime) -> int:
    counts: Counter = Counter()
    grouped = (
        CaseEvent.objects.filter(created_at__gte=day_start(day), created_at__lt=day_start(day + dt.timedelta(days=1)))
        .order_by().values("action", "case__area_path", "case__unit_id").annotate(n=Count("*"))
    )
    for row in grouped:
        counts[(row["action"], street_path(row["case__area_path"]), row["case__unit_id"])] += row["n"]
    with transaction.atomic():
        DailyEventCount.objects.filter(day=day).delete()
        DailyEventCount.objects.bulk_create(
            [DailyEventCount(day=day, action=a, area_path=p, unit_id=u, n=n) for (a, p, u), n in counts.items()],
            batch_size=2000,
        )
        DailyEventCountDay.objects.update_or_create(day=day, defaults={"refreshed_at": now})
    return len(counts)
