"""The working calendar: which days are working days, and working time between instants.

National public holidays and make-up workdays come from the chinese-calendar package; the city's own
``CalendarDay`` rows override it (and cover years the package does not know yet, where weekends are the
fallback). Working hours are the WENMING_WORKING_HOURS setting. Every deadline and every overdue figure
in Wenming goes through ``deadline_add`` and ``working_time_between``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from functools import lru_cache

import chinese_calendar
from django.conf import settings
from django.utils import timezone

from wenming.common.db_router import primary_reading
from wenming.common.models import CalendarDay
from wenming.common.services.geography import CALENDAR, version_read

WORKING_HOURS = "working_hours"
WORKING_DAYS = "working_days"
CLOCK_HOURS = "clock_hours"

_MAX_DAYS = 3 * 366  # a deadline further away than this is a configuration error, not a deadline

# The city's overrides, held with the version token they were read under (see ``_city_overrides``).
_overrides_lock = threading.Lock()
_overrides: tuple[int, dict[dt.date, bool]] | None = None
_checked_at = 0.0

def parse_working_hours(spec: str) -> list[tuple[dt.time, dt.time]]:
    periods = []
    for part in spec.split(","):
        start, end = part.strip().split("-")
        periods.append((dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip())))
    periods.sort()
    for (_s1, e1), (s2, _e2) in zip(periods, periods[1:], strict=False):
        if s2 < e1:
            raise ValueError(f"working hours overlap: {spec}")
    if any(s >= e for s, e in periods):
        raise ValueError(f"a working period ends before it starts: {spec}")
    return periods


def working_periods() -> list[tuple[dt.time, dt.time]]:
    return _parsed(settings.WENMING_WORKING_HOURS)


@lru_cache(maxsize=8)
def _parsed(spec: str) -> list[tuple[dt.time, dt.time]]:
    return parse_working_hours(spec)


def seconds_per_working_day() -> float:
    return sum(
        (dt.datetime.combine(dt.date.min, e) - dt.datetime.combine(dt.date.min, s)).total_seconds()
        for s, e in working_periods()
    )


def invalidate_overrides() -> None:
    """Forget the overrides in this process (after a commit that changed them, and between tests)."""
    global _overrides, _checked_at
    with _overrides_lock:
        _overrides, _checked_at = None, 0.0


def _city_overrides() -> dict[dt.date, bool]:
    """The ``CalendarDay`` rows, reloaded when their version row moves (any save or delete bumps it, see
    ``common.signals``), which each process checks at most every WENMING_GEO_CHECK_SECONDS like the other caches:
    a day changed on one node counts on every node within that bound."""
    global _overrides, _checked_at
    now = time.monotonic()
    # Read the global once: another thread may invalidate it (set it to None) between a check and a return.
    held = _overrides
    if held is not None and now - _checked_at < settings.WENMING_GEO_CHECK_SECONDS:
        return held[1]
    with _overrides_lock:
        version = version_read(CALENDAR)
        held = _overrides
        if held is None or held[0] != version:
            with primary_reading():
                held = (version, dict(CalendarDay.objects.values_list("date", "is_workday")))
            _overrides = held
        _checked_at = now
    return held[1]


@lru_cache(maxsize=4096)
def _national_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # The package does not know this year's schedule yet: weekends only, until the city adds the rest.
        return day.weekday() < 5


def is_workday(day: dt.date) -> bool:
    override = _city_overrides().get(day)
    if override is not None:
        return override
    return _national_workday(day)


def _local(instant: dt.datetime) -> dt.datetime:
    if timezone.is_naive(instant):
        raise ValueError("working-time arithmetic needs an aware datetime")
    # Working hours are the city's wall-clock hours (TIME_ZONE), whatever time zone a request activated.
    return timezone.localtime(instant, timezone.get_default_timezone())


def _periods_on(day: dt.date, tz) -> list[tuple[dt.datetime, dt.datetime]]:
    if not is_workday(day):
        return []
    return [(dt.datetime.combine(day, s, tzinfo=tz), dt.datetime.combine(day, e, tzinfo=tz)) for s, e in working_periods()]


def deadline_add(start: dt.datetime, amount: Decimal | float | int, unit: str) -> dt.datetime:
    """The instant ``amount`` of ``unit`` after ``start``.

    Working days count as that many full working days of working time (so a case taken in at 16:00 with
    one working day is due at the same working moment on the next working day).
    """
    amount = Decimal(str(amount))
    if amount < 0:
        raise ValueError("a time limit cannot be negative")
    local = _local(start)
    if unit == CLOCK_HOURS:
        return local + dt.timedelta(seconds=float(amount * 3600))
    if unit == WORKING_HOURS:
        remaining = dt.timedelta(seconds=float(amount * 3600))
    elif unit == WORKING_DAYS:
        remaining = dt.timedelta(seconds=float(amount) * seconds_per_working_day())
    else:
        raise ValueError(f"unknown time unit: {unit}")
    if remaining <= dt.timedelta(0):
        return local
    tz = local.tzinfo
    day = local.date()
    for _ in range(_MAX_DAYS):
        for period_start, period_end in _periods_on(day, tz):
            if local >= period_end:
                continue
            segment_start = max(local, period_start)
            available = period_end - segment_start
            if remaining <= available:
                return segment_start + remaining
            remaining -= available
        day += dt.timedelta(days=1)
    raise ValueError("deadline is more than three years away; check the time limit")


def working_time_between(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Working time from ``start`` to ``end`` (negative if ``end`` comes first)."""
    a, b = _local(start), _local(end)
    if b < a:
        return -working_time_between(b, a)
    tz = a.tzinfo
    total = dt.timedelta(0)
    day = a.date()
    while day <= b.date():
        for period_start, period_end in _periods_on(day, tz):
            lo, hi = max(a, period_start), min(b, period_end)
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return total
