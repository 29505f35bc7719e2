"""Coordinate systems against published pairs of points, all (lng, lat)."""

import math

import numpy as np
import pytest
from shapely.geometry import shape

from wenming.common import geo

# WGS-84 → GCJ-02, from the eviltransform test suite (Shanghai, Shenzhen, Beijing). Wenming's formula gives
# them to the last digit; 1e-5 degrees (about a metre) is the tolerance that suite itself allows.
WGS_GCJ = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
]


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ)
def test_wgs84_to_gcj02_published_pairs(wgs, gcj):
    assert geo.wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-5)
    assert geo.from_wgs84(*wgs, "gcj02") == pytest.approx(gcj, abs=1e-5)


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ)
def test_gcj02_to_wgs84_published_pairs(wgs, gcj):
    assert geo.gcj02_to_wgs84(*gcj) == pytest.approx(wgs, abs=1e-5)
    assert geo.to_wgs84(*gcj, "gcj02") == pytest.approx(wgs, abs=1e-5)
    # The iteration really inverts the forward formula, not just to a metre.
    assert geo.wgs84_to_gcj02(*geo.gcj02_to_wgs84(*gcj)) == pytest.approx(gcj, abs=1e-10)


def test_same_formula_pairs_to_the_digit():
    # Published with the coordtransform library (wandergis), which uses the same constants: 1e-8 degrees.
    assert geo.bd09_to_gcj02(116.404, 39.915) == pytest.approx((116.39762729119315, 39.90865673957631), abs=1e-8)
    assert geo.gcj02_to_bd09(116.404, 39.915) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-8)
    assert geo.wgs84_to_gcj02(116.404, 39.915) == pytest.approx((116.41024449916938, 39.91640428150164), abs=1e-8)
    assert geo.from_wgs84(116.404, 39.915, "gcj02") == pytest.approx((116.41024449916938, 39.91640428150164), abs=1e-8)


def test_bd09_to_wgs84_goes_through_gcj02():
    # BD-09 (116.404, 39.915) is GCJ-02 (116.39762729…, 39.90865673…) as published; to WGS-84 from there.
    gcj = (116.39762729119315, 39.90865673957631)
    wgs = geo.to_wgs84(116.404, 39.915, "bd09")
    # Within Baidu's approximate inverse (2e-6 degrees, about 20 cm) of the published route…
    assert wgs == pytest.approx(geo.gcj02_to_wgs84(*gcj), abs=3e-6)
    # …and exactly the point that maps forward to the BD-09 input.
    assert geo.from_wgs84(*wgs, "bd09") == pytest.approx((116.404, 39.915), abs=1e-10)


# BD-09 → WGS-84 pairs from the eviltransform suite. That library's BD-09 formula uses sin(y·π) and cos(x·π)
# where Baidu's (and coordtransform's, and Wenming's) uses x_pi = π·3000/180, and a one-step GCJ-02 inverse;
# so these pairs are not reachable to 1e-5 with the standard formula. The helper below is eviltransform's
# variant, to show the pairs are reproduced exactly by it and to pin how far the standard formula lands.
EVIL_BD_WGS = [
    ((120.019809, 29.199786), (120.00877901149691, 29.196131605295484), 10.5),
    ((120.036455, 29.210504), (120.0253853970846, 29.206795749156136), 41.5),
]


def _eviltransform_bd2wgs(lng, lat):
    x, y = lng - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * math.pi)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * math.pi)
    glng, glat = z * math.cos(theta), z * math.sin(theta)
    dlng, dlat = geo.wgs84_to_gcj02(glng, glat)
    return 2 * glng - dlng, 2 * glat - dlat


@pytest.mark.parametrize(("bd", "wgs", "metres"), EVIL_BD_WGS)
def test_eviltransform_bd09_pairs_come_from_a_different_formula(bd, wgs, metres):
    assert _eviltransform_bd2wgs(*bd) == pytest.approx(wgs, abs=1e-9)
    ours = geo.to_wgs84(*bd, "bd09")
    assert geo.haversine_m(*ours, *wgs) == pytest.approx(metres, abs=0.1)
    # Ours is the standard route: Baidu's offset removed, then GCJ-02 inverted.
    assert geo.from_wgs84(*ours, "bd09") == pytest.approx(bd, abs=1e-10)


POINTS = [(115.67, 37.74), (121.47, 31.23), (87.6, 43.8), (126.63, 45.75), (109.5, 18.25), (91.1, 29.65)]


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_round_trips_better_than_1e_7_degrees(crs):
    rng = np.random.default_rng(11)
    points = POINTS + list(zip(rng.uniform(74, 135, 200), rng.uniform(18, 53, 200), strict=True))
    for lng, lat in points:
        there = geo.from_wgs84(lng, lat, crs)
        assert geo.haversine_m(lng, lat, *there) > 50  # the conversion does move the point…
        back = geo.to_wgs84(*there, crs)
        assert abs(back[0] - lng) < 1e-7 and abs(back[1] - lat) < 1e-7, (lng, lat, back)  # …and undoes exactly


def test_gcj_bd_round_trip_both_ways():
    for lng, lat in POINTS:
        bd = geo.gcj02_to_bd09(lng, lat)
        assert geo.bd09_to_gcj02(*bd) == pytest.approx((lng, lat), abs=3e-6)  # Baidu's own inverse


def test_points_outside_china_are_unchanged():
    for lng, lat in [(2.35, 48.85), (-74.0, 40.7), (139.69, 35.69), (151.2, -33.9), (100.5, 0.5)]:
        assert geo.out_of_china(lng, lat)
        assert geo.wgs84_to_gcj02(lng, lat) == (lng, lat)
        assert geo.gcj02_to_wgs84(lng, lat) == (lng, lat)
        assert geo.to_wgs84(lng, lat, "gcj02") == (lng, lat)
        assert geo.from_wgs84(lng, lat, "gcj02") == (lng, lat)
    assert not geo.out_of_china(115.67, 37.74)


def test_wgs84_is_the_identity_and_unknown_crs_refused():
    assert geo.to_wgs84(115.6, 37.7) == (115.6, 37.7)
    assert geo.to_wgs84(115.6, 37.7, geo.CRS.WGS84) == (115.6, 37.7)
    assert geo.from_wgs84(115.6, 37.7, "wgs84") == (115.6, 37.7)
    with pytest.raises(ValueError):
        geo.to_wgs84(115.6, 37.7, "epsg:3857")
    with pytest.raises(ValueError):
        geo.from_wgs84(115.6, 37.7, "utm")


def test_haversine():
    # One degree of latitude on the mean-radius sphere: 6371008.8 × π / 180 = 111,195.08 m.
    assert geo.haversine_m(115.0, 37.0, 115.0, 38.0) == pytest.approx(111_195.08, abs=0.01)
    # One degree of longitude at 60° N is half of that.
    assert geo.haversine_m(10.0, 60.0, 11.0, 60.0) == pytest.approx(111_195.08 / 2, rel=1e-4)
    assert geo.haversine_m(115.67, 37.74, 115.67, 37.74) == 0
    # Symmetric, and a quarter of the equator.
    assert geo.haversine_m(0, 0, 90, 0) == pytest.approx(math.pi / 2 * geo.EARTH_RADIUS_M)
    assert geo.haversine_m(115.6, 37.7, 115.7, 37.8) == geo.haversine_m(115.7, 37.8, 115.6, 37.7)


def test_valid_lnglat():
    assert geo.valid_lnglat(115.6, 37.7) and geo.valid_lnglat(-180, -90) and geo.valid_lnglat(180, 90)
    assert not geo.valid_lnglat(180.01, 0) and not geo.valid_lnglat(0, -90.5)
    assert not geo.valid_lnglat(float("nan"), 0) and not geo.valid_lnglat(0, float("inf"))


def test_local_projection_matches_haversine_at_city_scale():
    proj = geo.LocalProjection(115.67, 37.74)
    assert proj.forward(115.67, 37.74) == (0.0, 0.0)
    x, y = proj.forward(115.68, 37.74)
    assert y == 0 and x == pytest.approx(geo.haversine_m(115.67, 37.74, 115.68, 37.74), abs=0.01)
    x, y = proj.forward(115.67, 37.75)
    assert x == 0 and y == pytest.approx(geo.haversine_m(115.67, 37.74, 115.67, 37.75), abs=0.01)
    # A 3 km diagonal 5 km from the centre: within a metre of the great-circle distance.
    (x0, y0), (x1, y1) = proj.forward(115.72, 37.76), proj.forward(115.745, 37.775)
    assert math.hypot(x1 - x0, y1 - y0) == pytest.approx(geo.haversine_m(115.72, 37.76, 115.745, 37.775), abs=1.0)
    # Geometries are projected coordinate by coordinate.
    line = proj.geometry(shape({"type": "LineString", "coordinates": [[115.67, 37.74], [115.68, 37.75]]}))
    assert line.coords[0] == (0.0, 0.0) and line.coords[1] == pytest.approx(proj.forward(115.68, 37.75), abs=1e-9)


def test_geometry_to_wgs84_converts_every_coordinate():
    ring = [[115.6, 37.7], [115.61, 37.7], [115.61, 37.71], [115.6, 37.71], [115.6, 37.7]]
    hole = [[115.603, 37.703], [115.606, 37.703], [115.606, 37.706], [115.603, 37.703]]
    polygon = {"type": "Polygon", "coordinates": [ring, hole]}
    for crs in ("gcj02", "bd09"):
        converted = geo.geometry_to_wgs84(polygon, crs)
        assert converted["type"] == "Polygon" and len(converted["coordinates"]) == 2
        for src_ring, out_ring in zip(polygon["coordinates"], converted["coordinates"], strict=True):
            for (lng, lat), out in zip(src_ring, out_ring, strict=True):
                assert out == pytest.approx(geo.to_wgs84(lng, lat, crs), abs=1e-12)
    line = {"type": "LineString", "coordinates": [[115.6, 37.7], [115.7, 37.8]]}
    assert geo.geometry_to_wgs84(line, "gcj02")["coordinates"][1] == pytest.approx(geo.gcj02_to_wgs84(115.7, 37.8))
    # WGS-84 in, the same geometry out.
    assert geo.geometry_to_wgs84(polygon, "wgs84") == polygon


def test_geometry_summary():
    polygon = {"type": "Polygon", "coordinates": [[[115.6, 37.7], [115.61, 37.7], [115.61, 37.71], [115.6, 37.7]]]}
    (minx, miny, maxx, maxy), point = geo.geometry_summary(polygon)
    assert (minx, miny, maxx, maxy) == (115.6, 37.7, 115.61, 37.71)
    assert shape(polygon).contains(shape({"type": "Point", "coordinates": point}))
    line = {"type": "LineString", "coordinates": [[115.6, 37.7], [115.6, 37.72]]}
    assert geo.geometry_summary(line)[1] == pytest.approx((115.6, 37.71))  # halfway along
    assert geo.geometry_summary({"type": "Point", "coordinates": [115.6, 37.7]})[1] == (115.6, 37.7)
    assert geo.geometry_summary({"type": "Polygon", "coordinates": []}) is None
