"""The target lists' engine: each rule task's lines computed from the site and area registers, in bulk.

Rules (``TargetRule``), with ``scope_site_types`` the anchors and ``target_site_types`` what is listed or counted:

* ``near``: a line per active target site within ``scope_radius_m`` of an active anchor (compounds within 300 m of
  markets, stations, schools…); worked on with evidence (pending → submitted → accepted or returned);
* ``each``: a line per active target site (every market, every back street), worked on the same way;
* ``clear``: a line per anchor (a school), met when no target site (a bar, an internet café) is within the radius;
* ``per_area_min`` / ``per_area_max``: a line per area of the level ``target_per`` names, met when the number of
  target sites in it is at least / at most ``target_value``;
* ``per_place``: a line per anchor (a square, a compound), met when at least ``target_value`` target sites stand
  within the radius.

Distances are metres in a local projection, edge to edge when a site has a drawn geometry, else between points;
pairs come from one STRtree query per task. Per-area counts come from the sites' area paths, grouped in SQL.
Lines are upserted (only changed rows written) and never deleted: a line whose site left the scope is kept and
marked out of scope. A line worked on keeps its status while it stays in the scope.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import shapely
from django.db import connection, transaction
from django.db.models import Count, F, Sum, TextField
from django.db.models.functions import Cast, Least
from django.utils import timezone

from wenming.campaign.models import (
    AREA_RULES,
    EVIDENCE_RULES,
    OK_STATUSES,
    Measure,
    TargetKind,
    TargetLine,
    TargetLineStatus,
    TargetRule,
    Task,
    TaskEvent,
    TaskEventAction,
)
from wenming.common.geo import LocalProjection
from wenming.org.models import Area, AreaLevel, Site, SiteType

# What ``Task.target_per`` names, as an area level; "place" is the anchors of a per_place rule.
PER_LEVEL = {"township": AreaLevel.STREET, "village": AreaLevel.COMMUNITY, "street": AreaLevel.STREET,
             "community": AreaLevel.COMMUNITY, "county": AreaLevel.COUNTY, "grid": AreaLevel.GRID}
NEAR_LIMIT = 10  # sites kept in a line's near-list (the nearest first)
LINE_FIELDS = ["area_id", "area_path", "owner_unit_id", "status", "count", "required", "gap", "near", "distance_m",
               "in_scope"]


@dataclass
class _Sites:
    """The active sites of the kinds the tasks name, as arrays (one row per site)."""

    ids: np.ndarray
    codes: list
    names: list
    types: list
    type_names: list
    area_ids: list
    area_paths: list
    units: list
    geoms: np.ndarray  # projected geometries (None where the site has no position)
    by_type: dict


class _Areas:
    """Areas' paths and default units, loaded once per refresh (the nearest ancestor's unit when an area has none)."""

    def __init__(self):
        self.rows = {pk: (code, name, level, path, unit) for pk, code, name, level, path, unit in
                     Area.objects.values_list("id", "code", "name", "level", "path", "default_unit_id")}
        self.unit_by_path = {path: unit for _pk, (_c, _n, _l, path, unit) in self.rows.items()}
        self._cache: dict[str, int | None] = {}

    def default_unit(self, path: str) -> int | None:
        if not path:
            return None
        if path not in self._cache:
            unit = self.unit_by_path.get(path)
            if unit is None:
                parent = path[:path.rstrip("/").rfind("/") + 1]
                unit = self.default_unit(parent) if parent and parent != path else None
            self._cache[path] = unit
        return self._cache[path]


def _sites_load(types: set[str], areas: _Areas) -> _Sites:
    # One table read (types and area paths from the maps already in memory, no joins): 100,000 sites in a second.
    type_rows = dict(SiteType.objects.filter(code__in=types).values_list("id", "code"))
    type_names = dict(SiteType.objects.filter(code__in=types).values_list("id", "name"))
    rows = [(pk, code, name, type_rows[type_id], type_names[type_id], area_id,
             areas.rows[area_id][3] if area_id in areas.rows else "", unit, lng, lat)
            for pk, code, name, type_id, area_id, unit, lng, lat in
            Site.objects.filter(is_active=True, site_type_id__in=list(type_rows)).order_by("id").values_list(
                "id", "code", "name", "site_type_id", "area_id", "guarantor_unit_id", "lng", "lat")]
    # Drawn shapes (a compound's outline, a street's line) for distances edge to edge; points need no parsing.
    shaped = dict(Site.objects.filter(is_active=True, site_type_id__in=list(type_rows), lat__isnull=False)
                  .exclude(min_lng=F("max_lng"), min_lat=F("max_lat")).exclude(min_lng=None)
                  .values_list("id", "geometry"))
    located = [(r[8], r[9]) for r in rows if r[9] is not None]
    lng0, lat0 = (np.mean([p[0] for p in located]), np.mean([p[1] for p in located])) if located else (0.0, 0.0)
    projection = LocalProjection(float(lng0), float(lat0))
    lng = np.array([r[8] if r[9] is not None else np.nan for r in rows], dtype=float)
    lat = np.array([r[9] if r[9] is not None else np.nan for r in rows], dtype=float)
    x, y = projection.forward(lng, lat)
    geoms = shapely.points(x, y) if len(rows) else np.empty(0, dtype=object)
    if len(rows):
        geoms[np.isnan(lat)] = None
    for i, r in enumerate(rows):
        geometry = shaped.get(r[0])
        if geometry:
            # A broken shape: its point still places it.
            with contextlib.suppress(ValueError, TypeError, AttributeError, KeyError, shapely.errors.GEOSException):
                geoms[i] = projection.geometry(shapely.geometry.shape(geometry))
    by_type: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_type[r[3]].append(i)
    return _Sites(ids=np.array([r[0] for r in rows], dtype=np.int64), codes=[r[1] for r in rows],
                  names=[r[2] for r in rows], types=[r[3] for r in rows], type_names=[r[4] for r in rows],
                  area_ids=[r[5] for r in rows], area_paths=[r[6] or "" for r in rows], units=[r[7] for r in rows],
                  geoms=geoms, by_type={k: np.array(v, dtype=np.int64) for k, v in by_type.items()})


def _indices(sites: _Sites, types) -> np.ndarray:
    parts = [sites.by_type[t] for t in types or () if t in sites.by_type]
    return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)


def _pairs(sites: _Sites, left: np.ndarray, right: np.ndarray, radius: float):
    """(left index, right index, distance) for every pair within ``radius`` metres, the same site never paired."""
    left = left[shapely.is_geometry(sites.geoms[left])] if len(left) else left
    right = right[shapely.is_geometry(sites.geoms[right])] if len(right) else right
    if not len(left) or not len(right):
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    tree = shapely.STRtree(sites.geoms[right])
    a, b = tree.query(sites.geoms[left], predicate="dwithin", distance=radius)
    li, ri = left[a], right[b]
    keep = li != ri
    li, ri = li[keep], ri[keep]
    return li, ri, shapely.distance(sites.geoms[li], sites.geoms[ri])


def _grouped(sites: _Sites, li, ri, dist) -> dict[int, list[tuple[float, int]]]:
    """Per left index, its partners (distance, index) nearest first."""
    order = np.lexsort((dist, li))
    out: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for i, j, d in zip(li[order].tolist(), ri[order].tolist(), dist[order].tolist(), strict=True):
        out[i].append((d, j))
    return out


def _near_list(sites: _Sites, partners) -> list[dict]:
    return [{"code": sites.codes[j], "name": sites.names[j], "type": sites.type_names[j], "distance_m": round(d, 1)}
            for d, j in partners[:NEAR_LIMIT]]


def _site_line(sites: _Sites, areas: _Areas, task: Task, i: int, **values) -> tuple[tuple, dict]:
    path = sites.area_paths[i]
    unit = sites.units[i] or areas.default_unit(path) or task.lead_unit_id
    return ("site", int(sites.ids[i])), {"area_id": sites.area_ids[i], "area_path": path, "owner_unit_id": unit,
                                         **values}


def _lines_compute(task: Task, sites: _Sites, areas: _Areas, area_counts) -> dict[tuple, dict]:
    """The lines the rule gives now: key ("site", id) or ("area", id) → the line's computed fields."""
    rule, radius = task.target_rule, float(task.scope_radius_m or 0)
    required = int(task.target_value)
    targets, anchors = _indices(sites, task.target_site_types), _indices(sites, task.scope_site_types)
    lines: dict[tuple, dict] = {}
    if rule == TargetRule.NEAR:
        for i, partners in _grouped(sites, *_pairs(sites, targets, anchors, radius)).items():
            key, values = _site_line(sites, areas, task, i, count=len(partners), required=None,
                                     near=_near_list(sites, partners), distance_m=round(partners[0][0], 1))
            lines[key] = values
    elif rule == TargetRule.EACH:
        for i in targets.tolist():
            key, values = _site_line(sites, areas, task, i, count=1, required=None, near=[], distance_m=None)
            lines[key] = values
    elif rule in (TargetRule.CLEAR, TargetRule.PER_PLACE):
        grouped = _grouped(sites, *_pairs(sites, anchors, targets, radius))
        need = 0 if rule == TargetRule.CLEAR else required
        for i in anchors.tolist():
            partners = grouped.get(i, [])
            met = not partners if rule == TargetRule.CLEAR else len(partners) >= need
            key, values = _site_line(sites, areas, task, i, count=len(partners), required=need,
                                     near=_near_list(sites, partners),
                                     distance_m=round(partners[0][0], 1) if partners else None,
                                     status=TargetLineStatus.MET if met else TargetLineStatus.GAP)
            lines[key] = values
    elif rule in AREA_RULES:
        level = PER_LEVEL.get(task.target_per, AreaLevel.STREET)
        counts = area_counts(level, tuple(sorted(task.target_site_types or ())))
        for area_id, (_code, _name, area_level, path, unit) in areas.rows.items():
            if area_level != level:
                continue
            count = counts.get(path, 0)
            met = count >= required if rule == TargetRule.PER_AREA_MIN else count <= required
            lines[("area", area_id)] = {
                "area_id": area_id, "area_path": path, "owner_unit_id": unit or areas.default_unit(path) or task.lead_unit_id,
                "count": count, "required": required, "near": [], "distance_m": None,
                "status": TargetLineStatus.MET if met else TargetLineStatus.GAP,
            }
    for values in lines.values():
        met = values.get("status") != TargetLineStatus.GAP
        values["gap"] = 0 if met or values["required"] is None else abs(values["required"] - values["count"])
    return lines


def _area_counter(areas: _Areas):
    """Counts of active sites of some kinds per area of a level, from the sites' area paths (grouped in SQL)."""
    cache: dict[tuple, dict[str, int]] = {}
    depth_of = {level: {path.count("/") for (_c, _n, lv, path, _u) in areas.rows.values() if lv == level}
                for level in AreaLevel.values}

    def counts(level: str, types: tuple) -> dict[str, int]:
        if (level, types) not in cache:
            out: Counter = Counter()
            rows = (Site.objects.filter(is_active=True, site_type__code__in=types, area__isnull=False).order_by()
                    .values_list("area__path").annotate(n=Count("id")).values_list("area__path", "n"))
            for path, n in rows:
                for depth in depth_of[level]:
                    parts = path.split("/")
                    if len(parts) > depth:
                        out["/".join(parts[:depth]) + "/"] += n
            cache[(level, types)] = out
        return cache[(level, types)]
    return counts


def line_figures(task: Task) -> tuple[Decimal, int]:
    """The task's value and number of areas from its stored lines (in scope), with GROUP BY, no geometry."""
    lines = TargetLine.objects.filter(task=task, in_scope=True)
    total = lines.count()
    ok = lines.filter(status__in=OK_STATUSES).count()
    return _value(task, total=total, ok=ok, capped=lambda n: lines.aggregate(s=Sum(Least("count", n)))["s"] or 0)


def _value(task: Task, *, total: int, ok: int, capped) -> tuple[Decimal, int]:
    if task.target_kind == TargetKind.PERCENT:
        return (Decimal(100) * ok / total).quantize(Decimal("0.01")) if total else Decimal(0), task.target_areas
    if task.target_kind == TargetKind.DONE:
        return Decimal(1 if total and ok == total else 0), task.target_areas
    # A number per area: each area counts up to the number it needs, so a surplus in one never covers another's gap.
    n = int(task.target_value)
    if task.target_rule in (TargetRule.PER_AREA_MIN, TargetRule.PER_PLACE):
        return Decimal(capped(n)), max(1, total)
    if task.target_rule == TargetRule.PER_AREA_MAX:  # the areas within the limit, of all areas
        return Decimal(ok), max(1, total)
    return Decimal(ok * n), max(1, total)


def task_figures_set(task: Task, *, value: Decimal, areas: int, now: dt.datetime, actor=None, data: dict | None = None,
                     action: str | None = TaskEventAction.TARGETS_REFRESHED) -> bool:
    """Store the task's value and number of areas; log a ``targets_refreshed`` event when they changed."""
    if task.measure != Measure.TARGETS:
        return False
    value = Decimal(value).quantize(Decimal("0.01"))
    if value == task.current_value and areas == task.target_areas:
        return False
    before = {"value": str(task.current_value), "areas": task.target_areas}
    task.current_value, task.target_areas = value, areas
    fields = ["current_value", "target_areas", "updated_at"]
    if value >= Decimal(task.target_total) and task.completed_on is None:
        task.completed_on = timezone.localdate(now) if timezone.is_aware(now) else now.date()
        fields.append("completed_on")
    task.save(update_fields=fields)
    if action:
        TaskEvent.objects.create(task=task, action=action, actor=actor, at=now,
                                 data={"before": before, "value": str(value), "areas": areas, **(data or {})})
    return True


def targets_refresh(*, task_id: int | None = None, campaign_id: int | None = None,
                    now: dt.datetime | None = None) -> dict:
    """Compute every rule task's lines (or one task's, or one campaign's), upsert them, set the tasks' figures."""
    now = now or timezone.now()
    tasks = Task.objects.exclude(target_rule="").order_by("id")
    if task_id is not None:
        tasks = tasks.filter(pk=task_id)
    if campaign_id is not None:
        tasks = tasks.filter(campaign_id=campaign_id)
    tasks = list(tasks)
    counts = {"tasks": len(tasks), "lines": 0, "created": 0, "updated": 0, "out_of_scope": 0, "changed_tasks": 0}
    if not tasks:
        return counts
    spatial = {t for task in tasks if task.target_rule not in AREA_RULES
               for t in [*(task.target_site_types or []), *(task.scope_site_types or [])]}
    areas = _Areas()
    sites = _sites_load(spatial, areas)
    area_counts = _area_counter(areas)
    for task in tasks:
        lines = _lines_compute(task, sites, areas, area_counts)
        with transaction.atomic():
            task = Task.objects.select_for_update().get(pk=task.pk)
            stats = _lines_store(task, lines, now=now)
            total = len(lines)
            ok = sum(1 for v in stats["statuses"] if v in OK_STATUSES)
            counted = [v["count"] for v in lines.values()]
            value, n_areas = _value(task, total=total, ok=ok, capped=lambda cap, counted=counted: sum(min(c, cap) for c in counted))
            changed = task_figures_set(task, value=value, areas=n_areas, now=now,
                                       data={"lines": total, "ok": ok, "created": stats["created"],
                                             "out_of_scope": stats["out_of_scope"]})
        counts["lines"] += total
        counts["created"] += stats["created"]
        counts["updated"] += stats["updated"]
        counts["out_of_scope"] += stats["out_of_scope"]
        counts["changed_tasks"] += int(changed)
    if connection.vendor == "postgresql" and counts["created"] >= ANALYZE_AFTER:
        # Fresh statistics at once, not at autovacuum's next pass: the lists' pages plan on them.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(TargetLine._meta.db_table)}")
    return counts


def _same_near(stored: str | None, near: list) -> bool:
    if stored is None:
        return not near
    return stored == json.dumps(near) or json.loads(stored) == near


def _lines_store(task: Task, lines: dict[tuple, dict], *, now: dt.datetime) -> dict:
    """Upsert the task's lines: new ones created, changed ones updated, vanished ones marked out of scope."""
    evidence_rule = task.target_rule in EVIDENCE_RULES
    existing = {}
    # The near-lists read as stored text, not decoded: most are unchanged, and equal text settles it (SQLite stores
    # what json.dumps wrote); other text (PostgreSQL's jsonb output) is decoded to compare.
    plain = [f for f in LINE_FIELDS if f != "near"]
    for row in (TargetLine.objects.filter(task=task).annotate(near_text=Cast("near", TextField()))
                .values("id", "site_id", "near_text", *plain)):
        key = ("site", row["site_id"]) if row["site_id"] else ("area", row["area_id"])
        existing[key] = row
    created, updated, statuses = [], [], []
    out = 0
    for key, values in lines.items():
        old = existing.pop(key, None)
        if evidence_rule:
            # A line worked on keeps its status (an accepted compound stays accepted while it is in the scope).
            values["status"] = old["status"] if old and old["status"] not in (TargetLineStatus.MET, TargetLineStatus.GAP) \
                else TargetLineStatus.PENDING
        values["in_scope"] = True
        statuses.append(values["status"])
        if old is None:
            created.append({"task_id": task.pk, "site_id": key[1] if key[0] == "site" else None, "computed_at": now,
                            **values})
        elif any(old[f] != values[f] for f in plain) or not _same_near(old["near_text"], values["near"]):
            updated.append({"id": old["id"], "computed_at": now, **values})
    for old in existing.values():
        if old["in_scope"]:
            out += 1
            updated.append({"id": old["id"], "computed_at": now, **{f: old[f] for f in plain},
                            "near": json.loads(old["near_text"] or "[]"), "in_scope": False})
    _insert_many(created, now=now)
    _update_many(updated, now=now, keep_status=evidence_rule)
    return {"created": len(created), "updated": len(updated), "out_of_scope": out, "statuses": statuses}


WRITE_CHUNK = 1000  # new lines per bulk_create call (the backend splits further by its parameter limit)
ANALYZE_AFTER = 10_000  # new lines after which PostgreSQL's statistics of the table are refreshed


def _insert_many(rows: list[dict], *, now: dt.datetime) -> None:
    """New lines through the ORM, in chunks (tens of thousands on a city's first computation)."""
    TargetLine.objects.bulk_create([TargetLine(**row) for row in rows], batch_size=WRITE_CHUNK)


def _update_many(rows: list[dict], *, now: dt.datetime, keep_status: bool = False) -> None:
    """Changed lines through the ORM, one UPDATE by primary key each: a refresh changes a few thousand lines at
    most, and this is six times faster than ``bulk_update``'s CASE over a batch (bench/targets.py: 7,000 lines in
    1.2 s instead of 8.6–10 s on SQLite). With ``keep_status`` the status is not written: a line's workflow owns it
    (a step taken while the list was being computed is not undone)."""
    fields = [f for f in LINE_FIELDS if not (keep_status and f == "status")] + ["computed_at"]
    for row in rows:
        TargetLine.objects.filter(pk=row["id"]).update(**{f: row[f] for f in fields})


def task_figures_refresh(*, task: Task, now: dt.datetime, actor=None) -> bool:
    """After a line's review: the task's figures again from its stored lines (no geometry)."""
    value, areas = line_figures(task)
    return task_figures_set(task, value=value, areas=areas, now=now, actor=actor, action=None)


def line_counts(task: Task, lines=None) -> dict[str, int]:
    """Lines in scope by status, and those out of scope (one GROUP BY)."""
    qs = lines if lines is not None else TargetLine.objects.filter(task=task)
    out = {str(s): 0 for s in TargetLineStatus}
    out["out_of_scope"] = 0
    for status, in_scope, n in qs.order_by().values_list("status", "in_scope").annotate(n=Count("id")):
        out["out_of_scope" if not in_scope else status] += n
    out["in_scope"] = sum(v for k, v in out.items() if k != "out_of_scope")
    return out

