"""The spatial index over the session's demo city (240 grids, seed 7).

The demo lays counties out in a row with 1 km gaps between them; 桃城区 (131102) spans 115.5000-115.5068 E
and the next county starts at 115.5182 E, so the strip between them lies outside every area. Tests that need
a clean place build their own areas and sites there.
"""

import numpy as np
import pytest

from wenming.cases.tests.factories import CategoryFactory, FacilityFactory
from wenming.common.geo import haversine_m
from wenming.org.models import Area, AreaLevel, Site
from wenming.org.spatial import AT_SITE_LINE_M, AT_SITE_POINT_M, get_index
from wenming.org.tests.factories import (
    AreaFactory,
    RoadSegmentFactory,
    SiteFactory,
    SiteTypeFactory,
    east_west_line,
    offset,
    point,
    rectangle,
    square,
)

pytestmark = pytest.mark.django_db

GAP = (115.5125, 37.6025)  # in the strip between 桃城区 and 冀州区: no area, site, road or facility near


def grid(code: str) -> Area:
    return Area.objects.get(code=code)


def test_the_gap_is_empty():
    index = get_index()
    assert index.locate(*GAP) is None
    assert index.sites_within(*GAP, 500) == []
    assert index.nearest_road(*GAP, 500) is None


def test_a_grid_centre_locates_its_grid_and_chain():
    g = grid("13110200100208")  # 桃城区, first street, second community, grid 08
    index = get_index()
    assert index.locate(g.lng, g.lat) == g.id
    chain = index.chain(g.id)
    assert [a.level for a in chain] == ["city", "county", "street", "community", "grid"]
    assert [a.code for a in chain] == ["131100", "131102", "131102001", "131102001002", "13110200100208"]
    assert [a.id for a in chain] == list(g.ancestors().values_list("id", flat=True))
    assert chain[-1].name == g.name and chain[1].name == "桃城区"


def test_every_grid_centre_locates_its_own_grid():
    index = get_index()
    grids = list(Area.objects.filter(level=AreaLevel.GRID).values_list("id", "lng", "lat"))
    assert len(grids) == 240
    assert [index.locate(lng, lat) for _id, lng, lat in grids] == [g[0] for g in grids]
    ids = index.locate_many(np.array([g[1] for g in grids]), np.array([g[2] for g in grids]))
    assert ids.tolist() == [g[0] for g in grids]


def test_outside_every_area_is_none():
    index = get_index()
    assert index.locate(120.0, 30.0) is None  # Hangzhou
    assert index.locate(*GAP) is None
    assert index.locate(115.4999, 37.6004) is None  # 10 m west of the city's western edge
    assert index.chain(None) == [] and index.chain(-5) == []
    assert index.locate_many(np.array([120.0, GAP[0]]), np.array([30.0, GAP[1]])).tolist() == [-1, -1]


def test_points_on_shared_edges_and_corners_still_find_a_grid():
    # Grids 01 and 02 of the first community share the meridian 115.5011374 E.
    first, second = grid("13110200100101"), grid("13110200100102")
    assert first.max_lng == second.min_lng == 115.5011374
    edge = (115.5011374, (first.min_lat + first.max_lat) / 2)
    index = get_index()
    assert index.locate(*edge) in {first.id, second.id}
    assert index.locate_many(np.array([edge[0]]), np.array([edge[1]])).tolist() == [index.locate(*edge)]
    # The city's south-west corner is a vertex of grid 01 only.
    assert index.locate(115.5, 37.6) == first.id


def test_locate_many_agrees_with_locate_on_random_points():
    index = get_index()
    city = Area.objects.get(level=AreaLevel.CITY)
    rng = np.random.default_rng(20260101)
    lng = rng.uniform(city.min_lng - 0.01, city.max_lng + 0.01, 500)
    lat = rng.uniform(city.min_lat - 0.005, city.max_lat + 0.005, 500)
    bulk = index.locate_many(lng, lat)
    grids = set(Area.objects.filter(level=AreaLevel.GRID).values_list("id", flat=True))
    singles = [index.locate(x, y) for x, y in zip(lng, lat, strict=True)]
    assert bulk.tolist() == [s if s in grids else -1 for s in singles]
    # Both kinds of point are in the sample: the city is sparse in its bounding box.
    inside, outside = int((bulk >= 0).sum()), int((bulk < 0).sum())
    assert inside >= 20 and outside >= 300 and inside + outside == 500
    # Every point the index places somewhere is in a grid: communities are tiled by their grids.
    assert all(s is None or s in grids for s in singles)


def test_a_community_without_grids_is_the_deepest_hit():
    county = Area.objects.get(code="131102")
    street = AreaFactory(code="131102950", name="测试街道", level=AreaLevel.STREET, parent=county,
                         geometry=rectangle(115.509, 37.600, 115.515, 37.604))
    community = AreaFactory(code="131102950001", name="无网格社区", level=AreaLevel.COMMUNITY, parent=street,
                            geometry=rectangle(115.510, 37.601, 115.512, 37.603))
    index = get_index()
    assert index.locate(115.511, 37.602) == community.id  # in the street and the community: the deeper wins
    assert index.locate(115.514, 37.6035) == street.id  # in the street only
    assert [a.code for a in index.chain(community.id)] == ["131100", "131102", "131102950", "131102950001"]
    # locate_many is about unit grids only: no grid holds either point.
    assert index.locate_many(np.array([115.511, 115.514]), np.array([37.602, 37.6035])).tolist() == [-1, -1]


def test_sites_within_match_haversine_for_the_demo_point_sites():
    g = grid("13110200100113")
    index = get_index()
    found = index.sites_within(g.lng, g.lat, 400)
    assert found and [s.distance_m for s in found] == sorted(s.distance_m for s in found)
    by_id = {s.id: s for s in found}
    point_sites = {
        site.id: haversine_m(g.lng, g.lat, site.lng, site.lat)
        for site in Site.objects.filter(is_active=True)
        if site.geometry["type"] == "Point"
    }
    expected = {sid for sid, d in point_sites.items() if d <= 400}
    assert expected and expected == {sid for sid in by_id if sid in point_sites}
    for sid in expected:
        assert by_id[sid].distance_m == pytest.approx(point_sites[sid], abs=1.0)
    # Polygon sites holding the point are at distance 0.
    holding = [s for s in found if s.distance_m == 0]
    for s in holding:
        site = Site.objects.get(pk=s.id)
        assert site.min_lng <= g.lng <= site.max_lng and site.min_lat <= g.lat <= site.max_lat


def test_sites_within_own_sites_distances_and_type_filter():
    kiosk, booth = SiteTypeFactory(code="kiosk", name="报刊亭"), SiteTypeFactory(code="booth", name="岗亭")
    layout = {  # name: (type, metres east, metres north)
        "A": (kiosk, 40, 0),
        "B": (kiosk, 0, -120),
        "C": (booth, 150, 150),
        "D": (kiosk, -250, 0),
        "E": (booth, 0, 320),
    }
    sites = {
        name: SiteFactory(name=name, site_type=t, geometry=point(*offset(*GAP, east, north)))
        for name, (t, east, north) in layout.items()
    }
    index = get_index()
    found = index.sites_within(*GAP, 300)
    assert [s.name for s in found] == ["A", "B", "C", "D"]  # nearest first; E is 320 m away
    for s in found:
        assert s.distance_m == pytest.approx(haversine_m(*GAP, sites[s.name].lng, sites[s.name].lat), abs=1.0)
    assert [round(s.distance_m) for s in found] == [40, 120, 212, 250]
    only_kiosks = index.sites_within(*GAP, 300, type_ids={kiosk.id})
    assert [s.name for s in only_kiosks] == ["A", "B", "D"] and {s.type_name for s in only_kiosks} == {"报刊亭"}
    assert [s.name for s in index.sites_within(*GAP, 400, type_ids={booth.id})] == ["C", "E"]
    assert index.sites_within(*GAP, 30) == []
    # An inactive site drops out once the index rebuilds.
    sites["A"].is_active = False
    sites["A"].save()
    assert [s.name for s in get_index().sites_within(*GAP, 300)] == ["B", "C", "D"]


def test_sites_at_polygons_points_and_lines():
    t = SiteTypeFactory()
    SiteFactory(name="广场", site_type=t, geometry=square(*GAP, 40))
    SiteFactory(name="亭", site_type=t, geometry=point(*offset(*GAP, 100, 0)))
    SiteFactory(name="巷", site_type=t, geometry=east_west_line(*GAP, 60, north_m=-150))
    index = get_index()
    assert [s.name for s in index.sites_at(*GAP)] == ["广场"]
    assert [s.name for s in index.sites_at(*offset(*GAP, 39, 0))] == ["广场"]
    assert index.sites_at(*offset(*GAP, 0, 45)) == []  # 5 m outside the square
    assert AT_SITE_POINT_M == 50 and AT_SITE_LINE_M == 30
    assert [s.name for s in index.sites_at(*offset(*GAP, 100, 45))] == ["亭"]  # 45 m from a point site
    assert index.sites_at(*offset(*GAP, 100, 55)) == []
    assert [s.name for s in index.sites_at(*offset(*GAP, 0, -125))] == ["巷"]  # 25 m from a line site
    assert index.sites_at(*offset(*GAP, 0, -115)) == []  # 35 m


def test_nearest_road_and_facility():
    near = RoadSegmentFactory(name="近路", geometry=east_west_line(*GAP, 200, north_m=12))
    RoadSegmentFactory(name="远路", geometry=east_west_line(*GAP, 200, north_m=-25))
    lamp, pole = CategoryFactory(code="TC-LAMP"), CategoryFactory(code="TC-POLE")
    f_lamp = FacilityFactory(category=lamp, lng=offset(*GAP, 0, 18)[0], lat=offset(*GAP, 0, 18)[1])
    f_pole = FacilityFactory(category=pole, lng=offset(*GAP, 9, 0)[0], lat=offset(*GAP, 9, 0)[1])
    index = get_index()
    road_id, dist = index.nearest_road(*GAP)
    assert road_id == near.id and dist == pytest.approx(12.0, abs=0.05)
    assert index.nearest_road(*offset(*GAP, 0, 60)) is None  # 48 m beyond the near road, default radius 30 m
    assert index.nearest_road(*offset(*GAP, 0, 60), radius_m=50)[0] == near.id
    fid, dist = index.nearest_facility(*GAP, 25, {lamp.id, pole.id})
    assert fid == f_pole.id and dist == pytest.approx(9.0, abs=0.05)
    fid, dist = index.nearest_facility(*GAP, 25, {lamp.id})
    assert fid == f_lamp.id and dist == pytest.approx(18.0, abs=0.05)
    assert index.nearest_facility(*GAP, 15, {lamp.id}) is None
    assert index.nearest_facility(*GAP, 25, set()) is None


def test_the_index_rebuilds_after_an_area_is_added():
    before = get_index()
    assert get_index() is before  # nothing changed: the same index
    assert before.locate(*GAP) is None
    community = Area.objects.get(code="131102001001")
    new = AreaFactory(code="13110200100199", name="新网格", level=AreaLevel.GRID, parent=community,
                      geometry=square(*GAP, 50))
    after = get_index()
    assert after is not before and after.version != before.version
    assert after.locate(*GAP) == new.id
    assert [a.code for a in after.chain(new.id)][-2:] == ["131102001001", "13110200100199"]
    assert after.locate_many(np.array([GAP[0]]), np.array([GAP[1]])).tolist() == [new.id]
    # Deleting it moves the version again and the point is outside once more.
    new.delete()
    assert get_index().locate(*GAP) is None
