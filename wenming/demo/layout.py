"""The demo city's plane: metres east and north of an origin, turned into WGS-84 geometry and back.

Both layouts work on this plane: the lattice of nested rectangles, and Hengshui's real outlines, which are brought
onto it so that streets, communities and 100 m grid cells can be laid out in metres. The plane is an
equirectangular projection at one latitude, so a rectangle on it is a rectangle in longitude and latitude (the
spatial index's fast path for grids) and a 100 m cell is 10,000 m² to within a percent across the city.
"""

from __future__ import annotations

import math

from shapely import transform
from shapely.geometry import mapping

from wenming.common.geo import EARTH_RADIUS_M

ORIGIN = (115.50, 37.60)  # south-west corner of the layout; Hengshui's centre is about 115.67, 37.74
CELL_M = 100.0  # a unit grid of about 10,000 m²
COMMUNITY_W, COMMUNITY_H = 6, 4  # grids per community: 24
COMMUNITIES_PER_STREET = 8
BATCH = 2000


class Layout:
    """Metres on a plane ↔ WGS-84 degrees, around the layout's origin (its point 0, 0)."""

    def __init__(self, origin: tuple[float, float] = ORIGIN, scale_lat: float | None = None):
        self.origin = origin
        scale_lat = origin[1] + 0.15 if scale_lat is None else scale_lat  # the lattice's: the middle of its rows
        self.kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(scale_lat))
        self.ky = math.radians(1) * EARTH_RADIUS_M

    def lnglat(self, x: float, y: float) -> tuple[float, float]:
        return round(self.origin[0] + x / self.kx, 7), round(self.origin[1] + y / self.ky, 7)

    def plane(self, shp):
        """A WGS-84 shape on the plane, in metres."""
        return transform(shp, lambda xy: (xy - self.origin) * (self.kx, self.ky))

    def rect(self, x0: float, y0: float, x1: float, y1: float) -> dict:
        (a, b), (c, d) = self.lnglat(x0, y0), self.lnglat(x1, y1)
        return {"type": "Polygon", "coordinates": [[[a, b], [c, b], [c, d], [a, d], [a, b]]]}

    def geom(self, shp) -> dict:
        return mapping(transform(shp, lambda xy: [self.lnglat(x, y) for x, y in xy]))

    def set_shape(self, area, shp) -> None:
        """An area's geometry, bounding box, representative point and size from a shape on the plane."""
        geometry = self.geom(shp)
        p = shp.representative_point()
        (minx, miny), (maxx, maxy) = self.lnglat(*shp.bounds[:2]), self.lnglat(*shp.bounds[2:])
        plng, plat = self.lnglat(p.x, p.y)
        for k, v in feature_fields(geometry, (minx, miny, maxx, maxy), (plng, plat)).items():
            setattr(area, k, v)
        area.area_m2 = round(shp.area, 1)


def feature_fields(geometry: dict, bounds, point) -> dict:
    return {
        "geometry": geometry,
        "min_lng": bounds[0],
        "min_lat": bounds[1],
        "max_lng": bounds[2],
        "max_lat": bounds[3],
        "lng": point[0],
        "lat": point[1],
    }


def split(total: int, shares: list[float]) -> list[int]:
    """``total`` in whole parts of at least one, in proportion to ``shares``."""
    raw = [total * s / sum(shares) for s in shares]
    counts = [max(1, int(r)) for r in raw]
    i = 0
    while sum(counts) < total:
        counts[i % len(counts)] += 1
        i += 1
    while sum(counts) > total:
        j = counts.index(max(counts))
        counts[j] -= 1
    return counts
