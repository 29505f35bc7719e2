"""Coordinates and small geometry helpers.

Chinese map pickers hand out GCJ-02 (AMap, Tencent) or BD-09 (Baidu) coordinates; Wenming stores WGS-84.
The offsets are the published GCJ-02 and BD-09 formulas; GCJ-02 → WGS-84 has no closed form, so it is
solved by fixed-point iteration to well under a centimetre. The published BD-09 → GCJ-02 formula is itself
only approximate (about 20 cm off), so ``to_wgs84`` refines it the same way: a point shown in a map picker
and saved back unmoved stays where it was.
"""

from __future__ import annotations

import math
from enum import StrEnum

import shapely
from shapely.geometry import shape

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as GCJ-02 uses
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
EARTH_RADIUS_M = 6371008.8


class CRS(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def out_of_china(lng: float, lat: float) -> bool:
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _delta(lng: float, lat: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + common
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + common
    dlng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlng, dlat


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    if out_of_china(lng, lat):
        return lng, lat
    dlng, dlat = _delta(lng, lat)
    return lng + dlng, lat + dlat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    if out_of_china(lng, lat):
        return lng, lat
    wlng, wlat = lng, lat
    for _ in range(30):
        glng, glat = wgs84_to_gcj02(wlng, wlat)
        dlng, dlat = glng - lng, glat - lat
        wlng, wlat = wlng - dlng, wlat - dlat
        if abs(dlng) < 1e-10 and abs(dlat) < 1e-10:
            break
    return wlng, wlat


def gcj02_to_bd09(lng: float, lat: float) -> tuple[float, float]:
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    """Baidu's published inverse of ``gcj02_to_bd09``: approximate, to about 2e-6 degrees."""
    x, y = lng - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def _bd09_to_gcj02_exact(lng: float, lat: float) -> tuple[float, float]:
    """``gcj02_to_bd09`` inverted by fixed-point iteration from the published approximate inverse."""
    glng, glat = bd09_to_gcj02(lng, lat)
    for _ in range(30):
        blng, blat = gcj02_to_bd09(glng, glat)
        dlng, dlat = blng - lng, blat - lat
        glng, glat = glng - dlng, glat - dlat
        if abs(dlng) < 1e-12 and abs(dlat) < 1e-12:
            break
    return glng, glat


def to_wgs84(lng: float, lat: float, crs: CRS | str = CRS.WGS84) -> tuple[float, float]:
    """Convert a point given in ``crs`` to WGS-84."""
    crs = CRS(crs)
    if crs is CRS.GCJ02:
        return gcj02_to_wgs84(lng, lat)
    if crs is CRS.BD09:
        return gcj02_to_wgs84(*_bd09_to_gcj02_exact(lng, lat))
    return lng, lat


def from_wgs84(lng: float, lat: float, crs: CRS | str) -> tuple[float, float]:
    crs = CRS(crs)
    if crs is CRS.GCJ02:
        return wgs84_to_gcj02(lng, lat)
    if crs is CRS.BD09:
        return gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))
    return lng, lat


def geometry_to_wgs84(geometry: dict, crs: CRS | str) -> dict:
    """Convert every coordinate of a GeoJSON geometry to WGS-84."""
    crs = CRS(crs)
    if crs is CRS.WGS84:
        return geometry
    geom = shape(geometry)
    converted = shapely.transform(geom, lambda xy: [to_wgs84(x, y, crs) for x, y in xy])
    return shapely.geometry.mapping(converted)


def valid_lnglat(lng: float, lat: float) -> bool:
    return -180.0 <= lng <= 180.0 and -90.0 <= lat <= 90.0 and math.isfinite(lng) and math.isfinite(lat)


def haversine_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def geometry_summary(geometry: dict) -> tuple[tuple[float, float, float, float], tuple[float, float]] | None:
    """Bounding box and a point guaranteed to lie on the geometry."""
    geom = shape(geometry)
    if geom.is_empty:
        return None
    point = geom.point_on_surface() if geom.geom_type in ("Polygon", "MultiPolygon") else geom.centroid
    if geom.geom_type in ("LineString", "MultiLineString"):
        point = geom.interpolate(0.5, normalized=True)
    return geom.bounds, (point.x, point.y)


class LocalProjection:
    """Equirectangular metres around a city's centre: at city scale the error is far below a metre per km."""

    def __init__(self, lng0: float, lat0: float):
        self.lng0, self.lat0 = lng0, lat0
        self.kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
        self.ky = math.radians(1) * EARTH_RADIUS_M

    def forward(self, lng, lat):
        return (lng - self.lng0) * self.kx, (lat - self.lat0) * self.ky

    def geometry(self, geom):
        return shapely.transform(geom, lambda xy: ((xy - (self.lng0, self.lat0)) * (self.kx, self.ky)))
