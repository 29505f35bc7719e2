"""The in-process spatial index: point → unit grid → ancestors, and "what is within N metres of here".

Built from the database with shapely STRtrees and lattices of cells (``_Lattice``: point → area without a
geometry per lookup), and rebuilt when the geography version moves (see ``GeographyVersion``). Distances are
computed in a local metric projection around the city.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from shapely import STRtree
from shapely.geometry import shape

from wenming.common.db_router import primary_reading
from wenming.common.geo import LocalProjection
from wenming.common.services.geography import GEOGRAPHY, version_read
from wenming.org.models import Area, AreaLevel, RoadSegment, Site, StorefrontDuty

# How close a point must be to a point-like or line-like site to count as "at" it.
AT_SITE_POINT_M = 50.0
AT_SITE_LINE_M = 30.0
AT_SITE_RADIUS_M = max(AT_SITE_POINT_M, AT_SITE_LINE_M)
AT_ROAD_M = 30.0
# A shop's frontage (门前): the area drawn for it, else this close to its frontage line, else to its point.
FRONTAGE_POLYGON_M = 3.0
FRONTAGE_LINE_M = 10.0
FRONTAGE_POINT_M = 15.0
FRONTAGE_MAX_M = max(FRONTAGE_POLYGON_M, FRONTAGE_LINE_M, FRONTAGE_POINT_M)


@dataclass(frozen=True, slots=True)
class AreaInfo:
    id: int
    code: str
    name: str
    level: str
    path: str
    default_unit_id: int | None


@dataclass(frozen=True, slots=True)
class NearbySite:
    id: int
    code: str
    name: str
    type_id: int
    type_name: str
    guarantor_unit_id: int | None
    distance_m: float


@dataclass(frozen=True, slots=True)
class StorefrontAt:
    id: int
    code: str
    shop_name: str
    supervising_unit_id: int
    distance_m: float


def frontage_limit_m(geom_type: str) -> float:
    """How far from a storefront's geometry a point still lies in front of the shop."""
    return FRONTAGE_POLYGON_M if "Polygon" in geom_type else FRONTAGE_LINE_M if "Line" in geom_type else FRONTAGE_POINT_M


class _Lattice:
    """Which areas hold a point, without building a geometry per lookup: a uniform lattice of cells.

    Each cell lists, in index order, the areas whose bounding box touches it. A lookup computes its cell with
    two multiplications, then tests the listed areas in order: a bounding-box comparison settles areas that are
    axis-aligned rectangles (what the demo city and most grid surveys produce), ``shapely.intersects_xy`` on
    the prepared polygon settles any other shape. The answers are those of an STRtree "intersects" query
    (boundary points included), in index order: ``first`` is the STRtree's lowest-index hit.

    The cell of a point and the cells of a bounding box come from the same float operations (subtract, multiply,
    truncate), which are monotone, so a point inside a box always lands in one of the box's cells.
    """

    __slots__ = ("x0", "y0", "x1", "y1", "inv_w", "inv_h", "nx", "cells", "boxes", "geoms",
                 "keys", "starts", "items", "bounds", "kind")

    # At most this many (area, cell) entries per area, on average, and this many cells per area.
    MAX_ENTRIES_PER_AREA = 8
    MAX_CELLS_PER_AREA = 4

    def __init__(self, geoms: np.ndarray):
        n = len(geoms)
        bounds = shapely.bounds(geoms)
        usable = np.isfinite(bounds).all(axis=1)  # empty geometries hold no point
        self.geoms, self.bounds = geoms, bounds
        # How each area decides "holds the point" once the point is inside its bounding box: RECT areas need no
        # more; VALID polygons ask their prepared geometry; INVALID ones (self-touching rings, bow-ties) ask the
        # way the STRtree's query did — a prepared point against the polygon — since GEOS only agrees with
        # itself on invalid input when asked the same way round.
        self.kind = np.full(n, _INVALID, dtype=np.int8)
        self.kind[_axis_aligned_rectangles(geoms, bounds)] = _RECT
        others = np.flatnonzero(self.kind != _RECT)
        self.kind[others[shapely.is_valid(geoms[others])]] = _VALID
        valid = np.flatnonzero(self.kind == _VALID)
        shapely.prepare(geoms[valid])
        # GEOS builds a prepared polygon's point locator on its first query. Do that here, once, so that lookups
        # from several threads only ever read it.
        shapely.intersects_xy(geoms[valid], bounds[valid, 0], bounds[valid, 1])
        idx = np.flatnonzero(usable)
        b = bounds[idx]
        # (minx, miny, maxx, maxy, kind, index) per area, shared by every cell that lists the area.
        self.boxes = [(*bx, k, i) for i, (bx, k) in enumerate(zip(bounds.tolist(), self.kind.tolist(), strict=True))]
        if not len(idx):  # nothing can hold a point: every comparison with an infinite lattice fails
            self.x0 = self.y0 = math.inf
            self.x1 = self.y1 = -math.inf
            self.inv_w = self.inv_h = 1.0
            self.nx = 1
            self.keys, self.starts, self.items = np.empty(0, np.int64), np.zeros(1, np.int64), np.empty(0, np.int64)
            self.cells = {}
            return
        self.x0, self.y0 = float(b[:, 0].min()), float(b[:, 1].min())
        self.x1, self.y1 = float(b[:, 2].max()), float(b[:, 3].max())
        span_x, span_y = max(self.x1 - self.x0, 1e-9), max(self.y1 - self.y0, 1e-9)
        # Cells about the size of a typical area, enlarged until the lattice stays small.
        w, h = float(np.median(b[:, 2] - b[:, 0])), float(np.median(b[:, 3] - b[:, 1]))
        w, h = max(w, span_x / 2**20), max(h, span_y / 2**20)
        while True:
            nx, ny = int(span_x / w) + 1, int(span_y / h) + 1
            if nx * ny > self.MAX_CELLS_PER_AREA * n + 1024:
                w, h = w * 1.5, h * 1.5
                continue
            inv_w, inv_h = 1.0 / w, 1.0 / h
            ix0 = ((b[:, 0] - self.x0) * inv_w).astype(np.int64)
            ix1 = ((b[:, 2] - self.x0) * inv_w).astype(np.int64)
            iy0 = ((b[:, 1] - self.y0) * inv_h).astype(np.int64)
            iy1 = ((b[:, 3] - self.y0) * inv_h).astype(np.int64)
            span = (ix1 - ix0 + 1) * (iy1 - iy0 + 1)
            if int(span.sum()) <= self.MAX_ENTRIES_PER_AREA * n + 1024:
                break
            w, h = w * 1.5, h * 1.5
        # The lattice's last column and row hold x1 and y1 exactly: (x1 - x0) * inv_w truncates to nx - 1.
        self.nx = int((self.x1 - self.x0) * inv_w) + 1
        self.inv_w, self.inv_h = inv_w, inv_h
        # Every (cell, area) pair, sorted by cell then by area: each cell's list is in index order.
        owner = np.repeat(idx, span)
        first = np.cumsum(span) - span
        k = np.arange(int(span.sum())) - np.repeat(first, span)
        width = np.repeat(ix1 - ix0 + 1, span)
        cx = np.repeat(ix0, span) + k % width
        cy = np.repeat(iy0, span) + k // width
        key = cy * self.nx + cx
        order = np.lexsort((owner, key))
        key, owner = key[order], owner[order]
        self.keys, self.starts = np.unique(key, return_index=True)
        self.starts = np.append(self.starts, len(key)).astype(np.int64)
        self.items = owner.astype(np.int64)
        # Plain Python containers for the one-point path: indexing numpy arrays one element at a time is slow.
        items = self.items.tolist()
        starts = self.starts.tolist()
        boxes = self.boxes
        self.cells = {
            c: tuple([boxes[i] for i in items[starts[j]:starts[j + 1]]]) for j, c in enumerate(self.keys.tolist())
        }

    def first(self, x: float, y: float) -> int | None:
        """Index of the first area holding the point, or None."""
        # Written so that NaN fails every comparison and falls through to None.
        if not (self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1):
            return None
        cell = self.cells.get(int((y - self.y0) * self.inv_h) * self.nx + int((x - self.x0) * self.inv_w))
        if cell is None:
            return None
        for minx, miny, maxx, maxy, kind, i in cell:
            if minx <= x <= maxx and miny <= y <= maxy and (
                kind == _RECT or (kind == _VALID and shapely.intersects_xy(self.geoms[i], x, y))
                or (kind == _INVALID and _point_intersects(shapely.points(x, y), self.geoms[i]))
            ):
                return i
        return None

    def all(self, x: float, y: float) -> list[int]:
        """Indexes of every area holding the point, in index order."""
        if not (self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1):
            return []
        cell = self.cells.get(int((y - self.y0) * self.inv_h) * self.nx + int((x - self.x0) * self.inv_w))
        if cell is None:
            return []
        return [
            i
            for minx, miny, maxx, maxy, kind, i in cell
            if minx <= x <= maxx and miny <= y <= maxy and (
                kind == _RECT or (kind == _VALID and shapely.intersects_xy(self.geoms[i], x, y))
                or (kind == _INVALID and _point_intersects(shapely.points(x, y), self.geoms[i]))
            )
        ]

    def first_many(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point positions, area indexes): the first area holding each point that is in one."""
        pts = np.flatnonzero((x >= self.x0) & (x <= self.x1) & (y >= self.y0) & (y <= self.y1))
        key = ((y[pts] - self.y0) * self.inv_h).astype(np.int64) * self.nx + (
            (x[pts] - self.x0) * self.inv_w
        ).astype(np.int64)
        pos = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        found = self.keys[pos] == key
        pts, pos = pts[found], pos[found]
        start = self.starts[pos]
        count = self.starts[pos + 1] - start
        # One row per (point, candidate area), points in order, each point's candidates in index order.
        pair_pt = np.repeat(pts, count)
        k = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        cand = self.items[np.repeat(start, count) + k]
        px, py = x[pair_pt], y[pair_pt]
        b = self.bounds[cand]
        hit = (b[:, 0] <= px) & (px <= b[:, 2]) & (b[:, 1] <= py) & (py <= b[:, 3])
        kind = self.kind[cand]
        for code, test in ((_VALID, shapely.intersects_xy), (_INVALID, _xy_point_intersects)):
            some = hit & (kind == code)
            if some.any():
                hit[some] = test(self.geoms[cand[some]], px[some], py[some])
        pair_pt, cand = pair_pt[hit], cand[hit]
        first = np.ones(len(pair_pt), dtype=bool)
        first[1:] = pair_pt[1:] != pair_pt[:-1]
        return pair_pt[first], cand[first]


_RECT, _VALID, _INVALID = 0, 1, 2


def _point_intersects(points, geoms):
    shapely.prepare(points)
    return shapely.intersects(points, geoms)


def _xy_point_intersects(geoms, x, y):
    return _point_intersects(shapely.points(x, y), geoms)


def _axis_aligned_rectangles(geoms: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Which geometries are polygons equal to their bounding box (so "holds the point" is a box comparison).

    A polygon qualifies when it has no holes and its ring is four distinct corners of its bounding box joined by
    horizontal and vertical edges; for such a polygon GEOS's intersects is exactly the closed-box test.
    """
    rect = np.zeros(len(geoms), dtype=bool)
    simple = np.flatnonzero(
        (shapely.get_type_id(geoms) == 3)
        & (shapely.get_num_coordinates(geoms) == 5)
        & (shapely.get_num_interior_rings(geoms) == 0)
    )
    if not len(simple):
        return rect
    ring = shapely.get_coordinates(geoms[simple]).reshape(-1, 5, 2)
    b = bounds[simple]
    on_x = np.where(ring[:, :, 0] == b[:, None, 0], 0, np.where(ring[:, :, 0] == b[:, None, 2], 1, -1))
    on_y = np.where(ring[:, :, 1] == b[:, None, 1], 0, np.where(ring[:, :, 1] == b[:, None, 3], 2, -1))
    corner = on_x + on_y  # 0..3 for the four corners, negative if the vertex is not a corner
    ok = (b[:, 0] < b[:, 2]) & (b[:, 1] < b[:, 3]) & (on_x >= 0).all(axis=1) & (on_y >= 0).all(axis=1)
    ok &= (np.sort(corner[:, :4], axis=1) == np.arange(4)).all(axis=1)  # four distinct corners
    ok &= (ring[:, 4] == ring[:, 0]).all(axis=1)
    same_x = ring[:, 1:, 0] == ring[:, :-1, 0]
    same_y = ring[:, 1:, 1] == ring[:, :-1, 1]
    ok &= (same_x != same_y).all(axis=1)  # every edge horizontal or vertical
    rect[simple[ok]] = True
    return rect


class SpatialIndex:
    def __init__(self, *, version: int):
        self.version = version
        self.areas: dict[int, AreaInfo] = {}
        self.areas_by_code: dict[str, AreaInfo] = {}
        self.projection = LocalProjection(115.67, 37.74)
        self._grid_lattice: _Lattice | None = None
        self._grid_ids = np.empty(0, dtype=np.int64)
        self._grid_id_list: list[int] = []
        self._upper_tree: STRtree | None = None
        self._upper_ids = np.empty(0, dtype=np.int64)
        self._upper_depth = np.empty(0, dtype=np.int64)
        self._upper_lattice: _Lattice | None = None
        self._upper_id_list: list[int] = []
        self._upper_depth_list: list[int] = []
        self._site_tree: STRtree | None = None
        self._sites: list[tuple] = []
        self._site_kinds: dict[int, str] = {}
        self._road_tree: STRtree | None = None
        self._roads: list[tuple] = []
        self._storefront_tree: STRtree | None = None
        self._storefronts: list[tuple] = []
        self._storefront_limits = np.empty(0, dtype=float)
        self._facility_tree: STRtree | None = None
        self._facilities: list[tuple] = []
        self._facility_cats = np.empty(0, dtype=np.int64)

    # -- building ---------------------------------------------------------------------------------------------
    @classmethod
    @primary_reading()
    def build(cls) -> SpatialIndex:
        version = version_read(GEOGRAPHY)
        index = cls(version=version)
        city = Area.objects.filter(parent__isnull=True).exclude(lng=None).values_list("lng", "lat").first()
        if city:
            index.projection = LocalProjection(*city)

        grid_geoms, grid_ids, upper_geoms, upper_ids, upper_depth = [], [], [], [], []
        rows = Area.objects.values_list("id", "code", "name", "level", "path", "default_unit_id", "geometry")
        for area_id, code, name, level, path, default_unit_id, geometry in rows.iterator(chunk_size=5000):
            info = AreaInfo(area_id, code, name, level, path, default_unit_id)
            index.areas[area_id] = info
            index.areas_by_code[code] = info
            if not geometry:
                continue
            if level == AreaLevel.GRID:
                grid_geoms.append(shape(geometry))
                grid_ids.append(area_id)
            else:
                upper_geoms.append(shape(geometry))
                upper_ids.append(area_id)
                upper_depth.append(path.count("/"))
        if grid_geoms:
            index._grid_lattice = _Lattice(np.array(grid_geoms, dtype=object))
            index._grid_ids = np.array(grid_ids, dtype=np.int64)
            index._grid_id_list = grid_ids
        if upper_geoms:
            index._upper_tree = STRtree(upper_geoms)
            index._upper_ids = np.array(upper_ids, dtype=np.int64)
            index._upper_depth = np.array(upper_depth, dtype=np.int64)
            index._upper_lattice = _Lattice(np.array(upper_geoms, dtype=object))
            index._upper_id_list, index._upper_depth_list = upper_ids, upper_depth

        site_geoms = []
        sites = Site.objects.filter(is_active=True).exclude(geometry=None).values_list(
            "id", "code", "name", "site_type_id", "site_type__name", "guarantor_unit_id", "geometry"
        )
        for site_id, code, name, type_id, type_name, guarantor_id, geometry in sites.iterator(chunk_size=5000):
            geom = index.projection.geometry(shape(geometry))
            site_geoms.append(geom)
            index._sites.append((site_id, code, name, type_id, type_name, guarantor_id, geom.geom_type))
        if site_geoms:
            index._site_tree = STRtree(site_geoms)
        index._site_kinds = {row[0]: row[6] for row in index._sites}

        road_geoms = []
        for road_id, name, geometry in RoadSegment.objects.exclude(geometry=None).values_list("id", "name", "geometry"):
            road_geoms.append(index.projection.geometry(shape(geometry)))
            index._roads.append((road_id, name))
        if road_geoms:
            index._road_tree = STRtree(road_geoms)

        shop_geoms = []
        shops = StorefrontDuty.objects.exclude(geometry=None).values_list(
            "id", "code", "shop_name", "supervising_unit_id", "geometry"
        )
        for shop_id, code, shop_name, unit_id, geometry in shops.iterator(chunk_size=5000):
            geom = index.projection.geometry(shape(geometry))
            shop_geoms.append(geom)
            index._storefronts.append((shop_id, code, shop_name, unit_id, frontage_limit_m(geom.geom_type)))
        if shop_geoms:
            index._storefront_tree = STRtree(shop_geoms)
            index._storefront_limits = np.array([row[4] for row in index._storefronts], dtype=float)

        facilities = [row for source in _facility_sources for row in source()]
        if facilities:
            xy = np.array([index.projection.forward(f[3], f[4]) for f in facilities])
            index._facility_tree = STRtree(shapely.points(xy))
            index._facilities = facilities
            index._facility_cats = np.array([f[2] for f in facilities], dtype=np.int64)
        return index

    # -- areas ------------------------------------------------------------------------------------------------
    def locate(self, lng: float, lat: float) -> int | None:
        """The id of the unit grid holding the point, else of the deepest area holding it, else None."""
        # "intersects", not "within": a point on a boundary (grids share their edges) is in the area; on a
        # shared edge the grid listed first wins.
        x, y = float(lng), float(lat)
        if self._grid_lattice is not None:
            i = self._grid_lattice.first(x, y)
            if i is not None:
                return self._grid_id_list[i]
        if self._upper_lattice is not None:
            hits = self._upper_lattice.all(x, y)
            if len(hits) == 1:
                return self._upper_id_list[hits[0]]
            if hits:
                depths = [self._upper_depth_list[i] for i in hits]
                deepest = max(depths)
                if depths.count(deepest) == 1:
                    return self._upper_id_list[hits[depths.index(deepest)]]
                # Two areas of the same depth hold the point (it is on their shared edge): the STRtree decides,
                # as it always has, so the answer does not change with the lattice.
                hits = self._upper_tree.query(shapely.Point(lng, lat), predicate="intersects")
                return int(self._upper_ids[hits[np.argmax(self._upper_depth[hits])]])
        return None

    def locate_many(self, lng: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Vectorised ``locate`` over unit grids: grid id per point, -1 where no grid holds it."""
        result = np.full(len(lng), -1, dtype=np.int64)
        if self._grid_lattice is None:
            return result
        # A point on a shared edge matches two grids; the lowest index wins, as in ``locate``.
        point_idx, grid_idx = self._grid_lattice.first_many(np.asarray(lng, dtype=float), np.asarray(lat, dtype=float))
        result[point_idx] = self._grid_ids[grid_idx]
        return result

    def chain(self, area_id: int | None) -> list[AreaInfo]:
        """The area and its ancestors, from the city down."""
        if area_id is None or area_id not in self.areas:
            return []
        codes = self.areas[area_id].path.strip("/").split("/")
        return [self.areas_by_code[c] for c in codes if c in self.areas_by_code]

    # -- sites, roads, facilities -----------------------------------------------------------------------------
    def sites_within(
        self, lng: float, lat: float, radius_m: float, *, type_ids: set[int] | None = None
    ) -> list[NearbySite]:
        if self._site_tree is None:
            return []
        point = shapely.Point(*self.projection.forward(lng, lat))
        hits = self._site_tree.query(point, predicate="dwithin", distance=radius_m)
        if not len(hits):
            return []
        distances = shapely.distance(self._site_tree.geometries.take(hits), point)
        found = []
        for i, dist in zip(hits.tolist(), distances.tolist(), strict=True):
            site_id, code, name, type_id, type_name, guarantor_id, _kind = self._sites[i]
            if type_ids is None or type_id in type_ids:
                found.append(NearbySite(site_id, code, name, type_id, type_name, guarantor_id, round(dist, 1)))
        found.sort(key=lambda s: (s.distance_m, s.code))
        return found

    def sites_at(self, lng: float, lat: float, *, nearby: list[NearbySite] | None = None) -> list[NearbySite]:
        """Sites the point is at: inside a polygon site, or near a point or line site.

        ``nearby``: the point's ``sites_within`` a radius of at least AT_SITE_RADIUS_M, when the caller has it."""
        candidates = self.sites_within(lng, lat, AT_SITE_RADIUS_M) if nearby is None else nearby
        at = []
        for site in candidates:
            kind = self._site_kinds[site.id]
            limit = 0.0 if "Polygon" in kind else AT_SITE_LINE_M if "Line" in kind else AT_SITE_POINT_M
            if site.distance_m <= limit:
                at.append(site)
        return at

    def nearest_road(self, lng: float, lat: float, radius_m: float = AT_ROAD_M) -> tuple[int, float] | None:
        if self._road_tree is None:
            return None
        point = shapely.Point(*self.projection.forward(lng, lat))
        hits = self._road_tree.query(point, predicate="dwithin", distance=radius_m)
        if not len(hits):
            return None
        distances = shapely.distance(self._road_tree.geometries.take(hits), point)
        best = int(np.argmin(distances))
        return self._roads[int(hits[best])][0], float(distances[best])

    def storefront_at(self, lng: float, lat: float) -> StorefrontAt | None:
        """The registered shop whose frontage holds the point (``frontage_limit_m`` of its geometry), nearest
        first, then by code; None when the point is in front of no shop. One tree query, no scan."""
        if self._storefront_tree is None:
            return None
        point = shapely.Point(*self.projection.forward(lng, lat))
        hits = self._storefront_tree.query(point, predicate="dwithin", distance=FRONTAGE_MAX_M)
        if not len(hits):
            return None
        distances = shapely.distance(self._storefront_tree.geometries.take(hits), point)
        inside = distances <= self._storefront_limits[hits]
        if not inside.any():
            return None
        best = min(
            ((float(d), self._storefronts[int(i)]) for i, d in zip(hits[inside].tolist(), distances[inside].tolist(), strict=True)),
            key=lambda pair: (pair[0], pair[1][1]),
        )
        dist, (shop_id, code, shop_name, unit_id, _limit) = best[0], best[1]
        return StorefrontAt(shop_id, code, shop_name, unit_id, round(dist, 1))

    def nearest_facility(
        self, lng: float, lat: float, radius_m: float, category_ids: set[int]
    ) -> tuple[int, float] | None:
        if self._facility_tree is None or not category_ids:
            return None
        point = shapely.Point(*self.projection.forward(lng, lat))
        hits = self._facility_tree.query(point, predicate="dwithin", distance=radius_m)
        if not len(hits):
            return None
        hits = hits[np.isin(self._facility_cats[hits], list(category_ids))]
        if not len(hits):
            return None
        distances = shapely.distance(self._facility_tree.geometries.take(hits), point)
        best = int(np.argmin(distances))
        return int(self._facilities[int(hits[best])][0]), float(distances[best])


# Where the facilities come from: the apps that own them (cases) register a source in their AppConfig.ready, since
# org does not import the apps above it. A source returns rows (id, code, category_id, lng, lat) of facilities in use.
_facility_sources: list[Callable[[], Iterable[tuple]]] = []


def facility_source_register(source: Callable[[], Iterable[tuple]]) -> None:
    """Add a source of facilities to every index built from now on (``nearest_facility`` finds them)."""
    if source not in _facility_sources:
        _facility_sources.append(source)


_lock = threading.Lock()
_index: SpatialIndex | None = None
_checked_at = 0.0


def get_index(*, force_check: bool = False) -> SpatialIndex:
    """The current index, rebuilt if the geography changed since it was built.

    The version is read at most every WENMING_GEO_CHECK_SECONDS (default 2 s) so lookups stay in memory.
    """
    global _index, _checked_at
    now = time.monotonic()
    interval = settings.WENMING_GEO_CHECK_SECONDS
    if _index is not None and not force_check and now - _checked_at < interval:
        return _index
    with _lock:
        version = version_read(GEOGRAPHY)
        _checked_at = now
        if _index is None or _index.version != version:
            _index = SpatialIndex.build()
        return _index


def reset_index() -> None:
    global _index, _checked_at
    with _lock:
        _index = None
        _checked_at = 0.0
