"""Road chiefs' patrols read for pages, the API and other apps: the patrol periods of the city's rule, what a chief
has due, and the indicators (patrol completion, their roads' open problems).

**Periods**: a rule's period is a day, a calendar week (Monday to Sunday) or a calendar month. **Completion** of a
chief (one register row: one chief of one segment) over a span of days: the periods of their rule that start within
the span are due, ``times`` patrols each; a period still running at ``today`` is counted only once its patrols are
done (a chief is not behind on a week that is not over). Each period counts at most ``times`` done patrols (extra
patrols do not make up for a missed period); a patrol counts in the period of the day it was done.

**Open problems** of a road: the open cases the routing placed on the segment (``Case.routing['road']``, set when
the road-chief rule routed them) and the open cases filed from a patrol of the segment.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from wenming.cases.models import OPEN_STATES, Case
from wenming.inspections.models import Patrol, PatrolFinding, PatrolPeriod, PatrolRule, PatrolState
from wenming.org.models import Area, AreaLevel, RoadChief


def period_of(day: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """The first and last day of the period holding ``day``."""
    if period == PatrolPeriod.WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    if period == PatrolPeriod.MONTH:
        start = day.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return start, following - dt.timedelta(days=1)
    return day, day


def periods_starting(start: dt.date, end: dt.date, period: str) -> list[tuple[dt.date, dt.date]]:
    """The periods whose first day lies within [start, end], in order."""
    out = []
    first, last = period_of(start, period)
    if first < start:
        first = last + dt.timedelta(days=1)
    while first <= end:
        _f, last = period_of(first, period)
        out.append((first, last))
        first = last + dt.timedelta(days=1)
    return out


def rules_by_level() -> dict[int, PatrolRule]:
    return {rule.level: rule for rule in PatrolRule.objects.all()}


def _done_days(chief_ids, start: dt.date, end: dt.date) -> dict[int, list[dt.date]]:
    """The local days on which each chief's patrols were done, between start and end."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    days = defaultdict(list)
    rows = Patrol.objects.filter(chief_id__in=chief_ids, state=PatrolState.DONE, ended_at__gte=since,
                                 ended_at__lt=until).values_list("chief_id", "ended_at")
    for chief_id, ended_at in rows:
        days[chief_id].append(timezone.localtime(ended_at, tz).date())
    return days


@dataclass(frozen=True)
class Completion:
    due: int
    done: int

    @property
    def rate(self) -> float | None:
        return self.done / self.due if self.due else None


def completion(rule: PatrolRule | None, days: list[dt.date], start: dt.date, end: dt.date,
               today: dt.date) -> Completion:
    """Patrols due and done by one chief's rule over [start, end] (see the module's docstring)."""
    if rule is None:
        return Completion(0, 0)
    due = done = 0
    days = sorted(days)  # each period's count by two bisections, not a scan of every day
    for first, last in periods_starting(start, end, rule.period):
        if first > today:
            break
        count = min(rule.times, bisect_right(days, last) - bisect_left(days, first))
        if last >= today and count < rule.times:
            continue  # still running and not done yet: not due yet
        due += rule.times
        done += count
    return Completion(due, done)


@dataclass
class RoadStatus:
    """One register row of a chief, for 我的路段: this period's patrols and whether the last period was missed."""

    chief: RoadChief
    rule: PatrolRule | None
    period: tuple[dt.date, dt.date] | None
    done_now: int
    due_now: int
    missed_last: bool
    open_patrol: Patrol | None
    last_done: dt.datetime | None


def my_roads(person, *, today: dt.date | None = None) -> list[RoadStatus]:
    """The register rows naming ``person``, with what is due now and what was missed."""
    today = today or timezone.localdate()
    chiefs = list(RoadChief.objects.filter(person=person).select_related("segment", "unit")
                  .order_by("segment__code", "-level"))
    if not chiefs:
        return []
    rules = rules_by_level()
    days = _done_days([c.pk for c in chiefs], today - dt.timedelta(days=62), today)
    open_patrols = {p.chief_id: p for p in Patrol.objects.filter(chief__in=chiefs, state=PatrolState.OPEN)}
    last = {}
    for chief_id, ended_at in (Patrol.objects.filter(chief__in=chiefs, state=PatrolState.DONE)
                               .order_by("chief_id", "ended_at").values_list("chief_id", "ended_at")):
        last[chief_id] = ended_at
    out = []
    for chief in chiefs:
        rule = rules.get(chief.level)
        if rule is None:
            out.append(RoadStatus(chief, None, None, 0, 0, False, open_patrols.get(chief.pk), last.get(chief.pk)))
            continue
        first, end = period_of(today, rule.period)
        done_now = sum(1 for d in days[chief.pk] if first <= d <= end)
        prev_first, prev_last = period_of(first - dt.timedelta(days=1), rule.period)
        done_prev = sum(1 for d in days[chief.pk] if prev_first <= d <= prev_last)
        out.append(RoadStatus(chief, rule, (first, end), done_now, max(0, rule.times - done_now),
                              done_prev < rule.times, open_patrols.get(chief.pk), last.get(chief.pk)))
    return out


def open_problems_by_segment(segment_ids) -> dict[int, int]:
    """Open cases on each segment: placed there by the routing, or filed from a patrol of it (each case once)."""
    segment_ids = list(segment_ids)
    cases: dict[int, set[int]] = defaultdict(set)
    routed = Case.objects.filter(state__in=OPEN_STATES, routing__road__id__in=segment_ids).values_list(
        "pk", "routing__road__id")
    for case_id, segment_id in routed:
        cases[int(segment_id)].add(case_id)
    found = PatrolFinding.objects.filter(case__state__in=OPEN_STATES, patrol__segment_id__in=segment_ids).values_list(
        "case_id", "patrol__segment_id")
    for case_id, segment_id in found:
        cases[segment_id].add(case_id)
    return {segment_id: len(ids) for segment_id, ids in cases.items()}


def _districts() -> list[tuple[str, Area]]:
    return [(a.path, a) for a in Area.objects.filter(level=AreaLevel.COUNTY).defer("geometry").order_by("code")]


def district_of(path: str | None, districts: list[tuple[str, Area]]) -> Area | None:
    if not path:
        return None
    return next((area for prefix, area in districts if path.startswith(prefix)), None)


def road_chief_indicators(*, period_start: dt.date, period_end: dt.date, area: Area | None = None,
                          chiefs: QuerySet | None = None, today: dt.date | None = None) -> list[dict]:
    """One row per road chief (register row) over [period_start, period_end]: the rule, patrols due and done, the
    completion (done / due, None when nothing was due) and the open problems of their road now.

    ``area`` keeps the chiefs of segments in that area; ``chiefs`` (a queryset, e.g. through ``restrict``) the
    rows the caller may see. For the scoring app too: plain values, no model instances."""
    today = today or timezone.localdate()
    rows = chiefs if chiefs is not None else RoadChief.objects.all()
    if area is not None:
        rows = rows.filter(segment__area__path__startswith=area.path)
    rows = list(rows.select_related("segment", "segment__area", "unit", "person")
                .defer("segment__geometry", "segment__area__geometry").order_by("segment__code", "-level"))
    rules = rules_by_level()
    days = _done_days([c.pk for c in rows], period_start - dt.timedelta(days=31), period_end)
    problems = open_problems_by_segment({c.segment_id for c in rows})
    districts = _districts()
    out = []
    for chief in rows:
        rule = rules.get(chief.level)
        done = completion(rule, days[chief.pk], period_start, period_end, today)
        district = district_of(chief.segment.area.path if chief.segment.area_id else None, districts)
        out.append({
            "chief_id": chief.pk, "name": chief.name, "person_id": chief.person_id,
            "level": chief.level, "level_label": str(chief.get_level_display()),
            "segment_id": chief.segment_id, "segment_code": chief.segment.code, "segment": chief.segment.name,
            "unit_id": chief.unit_id, "unit": chief.unit.name,
            "district_id": district.pk if district else None, "district": district.name if district else "",
            "rule": str(rule.get_period_display()) if rule else "", "times": rule.times if rule else 0,
            "due": done.due, "done": done.done, "completion": done.rate,
            "open_problems": problems.get(chief.segment_id, 0),
        })
    return out


def indicators_by(rows: list[dict], key: str) -> list[dict]:
    """The chiefs' rows added up by ``key`` ("unit" or "district"): due, done, completion, open problems (each
    road's problems once, however many chiefs it has)."""
    groups: dict[str, dict] = {}
    for row in rows:
        g = groups.setdefault(row[key], {"name": row[key], "chiefs": 0, "due": 0, "done": 0, "segments": {}})
        g["chiefs"] += 1
        g["due"] += row["due"]
        g["done"] += row["done"]
        g["segments"][row["segment_id"]] = row["open_problems"]
    out = []
    for g in groups.values():
        out.append({"name": g["name"], "chiefs": g["chiefs"], "due": g["due"], "done": g["done"],
                    "completion": g["done"] / g["due"] if g["due"] else None,
                    "open_problems": sum(g["segments"].values())})
    return sorted(out, key=lambda r: r["name"])
