"""The in-process spatial index: point → unit grid → ancestors, and "what is within N metres of here".

Built from the database with shapely STRtrees and rebuilt when the geography version moves (see
``GeographyVersion``). Distances are computed in a local metric projection around the city.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from shapely import STRtree
from shapely.geometry import shape

from wenming.common.geo import LocalProjection

# How close a point must be to a point-like or line-like site to count as "at" it.
AT_SITE_POINT_M = 50.0
AT_SITE_LINE_M = 30.0
AT_ROAD_M = 30.0


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


class SpatialIndex:
    def __init__(self, *, version: int):
        self.version = version
        self.areas: dict[int, AreaInfo] = {}
        self.areas_by_code: dict[str, AreaInfo] = {}
        self.projection = LocalProjection(115.67, 37.74)
        self._grid_tree: STRtree | None = None
        self._grid_ids = np.empty(0, dtype=np.int64)
        self._upper_tree: STRtree | None = None
        self._upper_ids = np.empty(0, dtype=np.int64)
        self._upper_depth = np.empty(0, dtype=np.int64)
        self._site_tree: STRtree | None = None
        self._sites: list[tuple] = []
        self._site_kinds: dict[int, str] = {}
        self._road_tree: STRtree | None = None
        self._roads: list[tuple] = []
        self._facility_tree: STRtree | None = None
        self._facilities: list[tuple] = []
        self._facility_cats = np.empty(0, dtype=np.int64)

    # -- building ---------------------------------------------------------------------------------------------
    @classmethod
    def build(cls) -> SpatialIndex:
        from wenming.cases.models import Facility
        from wenming.common.models import GeographyVersion
        from wenming.org.models import Area, AreaLevel, RoadSegment, Site

        version = GeographyVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0
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
            index._grid_tree = STRtree(grid_geoms)
            index._grid_ids = np.array(grid_ids, dtype=np.int64)
        if upper_geoms:
            index._upper_tree = STRtree(upper_geoms)
            index._upper_ids = np.array(upper_ids, dtype=np.int64)
            index._upper_depth = np.array(upper_depth, dtype=np.int64)

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

        facilities = list(
            Facility.objects.filter(in_use=True).values_list("id", "code", "category_id", "lng", "lat")
        )
        if facilities:
            xy = np.array([index.projection.forward(f[3], f[4]) for f in facilities])
            index._facility_tree = STRtree(shapely.points(xy))
            index._facilities = facilities
            index._facility_cats = np.array([f[2] for f in facilities], dtype=np.int64)
        return index

    # -- areas ------------------------------------------------------------------------------------------------
    def locate(self, lng: float, lat: float) -> int | None:
        """The id of the unit grid holding the point, else of the deepest area holding it, else None."""
        point = shapely.Point(lng, lat)
        if self._grid_tree is not None:
            hits = self._grid_tree.query(point, predicate="within")
            if len(hits):
                return int(self._grid_ids[hits.min()])
        if self._upper_tree is not None:
            hits = self._upper_tree.query(point, predicate="within")
            if len(hits):
                return int(self._upper_ids[hits[np.argmax(self._upper_depth[hits])]])
        return None

    def locate_many(self, lng: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Vectorised ``locate`` over unit grids: grid id per point, -1 where no grid holds it."""
        result = np.full(len(lng), -1, dtype=np.int64)
        if self._grid_tree is None:
            return result
        points = shapely.points(np.asarray(lng, dtype=float), np.asarray(lat, dtype=float))
        point_idx, tree_idx = self._grid_tree.query(points, predicate="within")
        # A point on a shared edge matches two grids; keep the lowest index, as ``locate`` does.
        order = np.lexsort((tree_idx, point_idx))
        point_idx, tree_idx = point_idx[order], tree_idx[order]
        first = np.ones(len(point_idx), dtype=bool)
        first[1:] = point_idx[1:] != point_idx[:-1]
        result[point_idx[first]] = self._grid_ids[tree_idx[first]]
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

    def sites_at(self, lng: float, lat: float) -> list[NearbySite]:
        """Sites the point is at: inside a polygon site, or near a point or line site."""
        candidates = self.sites_within(lng, lat, max(AT_SITE_POINT_M, AT_SITE_LINE_M))
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


_lock = threading.Lock()
_index: SpatialIndex | None = None
_checked_at = 0.0


def get_index(*, force_check: bool = False) -> SpatialIndex:
    """The current index, rebuilt if the geography changed since it was built.

    The version is read at most every WENMING_GEO_CHECK_SECONDS (default 2 s) so lookups stay in memory.
    """
    global _index, _checked_at
    from wenming.common.models import GeographyVersion

    now = time.monotonic()
    interval = settings.WENMING_GEO_CHECK_SECONDS
    if _index is not None and not force_check and now - _checked_at < interval:
        return _index
    with _lock:
        version = GeographyVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0
        _checked_at = now
        if _index is None or _index.version != version:
            _index = SpatialIndex.build()
        return _index


def reset_index() -> None:
    global _index, _checked_at
    with _lock:
        _index = None
        _checked_at = 0.0
