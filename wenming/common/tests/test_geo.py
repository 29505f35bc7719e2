"""Coordinate systems against published pairs of points (lng, lat)."""

import pytest
from shapely.geometry import shape

from wenming.common import geo

# WGS-84 → GCJ-02 pairs used by the eviltransform test suite (Shanghai, Shenzhen, Beijing); that library uses a
# slightly different earth radius, so they agree to about a metre.
WGS_GCJ = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
]


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ)
def test_wgs84_to_gcj02(wgs, gcj):
    assert geo.wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-5)
    assert geo.to_wgs84(*gcj, "gcj02") == pytest.approx(wgs, abs=1e-5)


def test_bd09_to_wgs84_goes_through_gcj02():
    gcj = (116.39762729119315, 39.90865673957631)  # BD-09 (116.404, 39.915) in GCJ-02, as published
    assert geo.to_wgs84(116.404, 39.915, "bd09") == pytest.approx(geo.gcj02_to_wgs84(*gcj), abs=1e-9)


def test_same_formula_pairs_to_the_digit():
    # Pairs published with the coordtransform library, which uses the same constants.
    assert geo.bd09_to_gcj02(116.404, 39.915) == pytest.approx((116.39762729119315, 39.90865673957631), abs=1e-9)
    assert geo.gcj02_to_bd09(116.404, 39.915) == pytest.approx((116.41036949371029, 39.92133699351021), abs=1e-9)
    assert geo.wgs84_to_gcj02(116.404, 39.915) == pytest.approx((116.41024449916938, 39.91640428150164), abs=1e-9)


# GCJ-02 is inverted by iteration to far below a centimetre; Baidu's published BD-09 inverse is itself
# approximate (about 10 cm), which bounds the BD-09 round trip.
@pytest.mark.parametrize(("crs", "tolerance"), [("gcj02", 1e-9), ("bd09", 2e-6)])
def test_round_trips(crs, tolerance):
    for lng, lat in [(115.67, 37.74), (121.47, 31.23), (87.6, 43.8)]:
        there = geo.from_wgs84(lng, lat, crs)
        assert geo.to_wgs84(*there, crs) == pytest.approx((lng, lat), abs=tolerance)


def test_outside_china_unchanged():
    assert geo.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert geo.gcj02_to_wgs84(-74.0, 40.7) == (-74.0, 40.7)


def test_unknown_crs_is_refused():
    with pytest.raises(ValueError):
        geo.to_wgs84(115.6, 37.7, "epsg:3857")


def test_distances_and_projection():
    assert geo.haversine_m(115.0, 37.0, 115.0, 38.0) == pytest.approx(111_195, rel=1e-4)
    proj = geo.LocalProjection(115.67, 37.74)
    x, y = proj.forward(115.68, 37.74)
    assert x == pytest.approx(geo.haversine_m(115.67, 37.74, 115.68, 37.74), rel=1e-4) and y == 0


def test_geometry_conversion_and_summary():
    polygon = {"type": "Polygon", "coordinates": [[[115.6, 37.7], [115.61, 37.7], [115.61, 37.71], [115.6, 37.7]]]}
    converted = geo.geometry_to_wgs84(polygon, "gcj02")
    assert converted["coordinates"][0][0] == pytest.approx(geo.to_wgs84(115.6, 37.7, "gcj02"))
    (minx, miny, maxx, maxy), point = geo.geometry_summary(polygon)
    assert (minx, miny, maxx, maxy) == (115.6, 37.7, 115.61, 37.71)
    assert shape(polygon).contains(shape({"type": "Point", "coordinates": point}))
