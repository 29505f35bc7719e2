import numpy as np
import pytest

from wenming.common.geo import haversine_m
from wenming.org.models import Area, AreaLevel, Site
from wenming.org.spatial import get_index

pytestmark = pytest.mark.django_db


def test_a_grid_centre_locates_its_grid_and_chain():
    grid = Area.objects.filter(level=AreaLevel.GRID).order_by("code")[7]
    index = get_index()
    assert index.locate(grid.lng, grid.lat) == grid.id
    chain = index.chain(grid.id)
    assert [a.level for a in chain] == ["city", "county", "street", "community", "grid"]
    assert [a.code for a in chain] == [a.code for a in grid.ancestors()]


def test_outside_every_area_is_none():
    assert get_index().locate(120.0, 30.0) is None


def test_bulk_agrees_with_single_lookups():
    index = get_index()
    city = Area.objects.get(parent__isnull=True)
    rng = np.random.default_rng(3)
    lng = rng.uniform(city.min_lng - 0.01, city.max_lng + 0.01, 500)
    lat = rng.uniform(city.min_lat - 0.01, city.max_lat + 0.01, 500)
    bulk = index.locate_many(lng, lat)
    grids = set(Area.objects.filter(level=AreaLevel.GRID).values_list("id", flat=True))
    for x, y, b in zip(lng, lat, bulk, strict=True):
        single = index.locate(x, y)
        assert b == (single if single in grids else -1)
    assert (bulk >= 0).sum() > 10  # some points do fall in grids (the small city is sparse in its box)


def test_a_community_without_grids_is_the_deepest_hit():
    street = Area.objects.filter(level=AreaLevel.STREET).first()
    community = Area(code=f"{street.code}950", name="无网格社区", level=AreaLevel.COMMUNITY, parent=street)
    community.set_geometry({"type": "Polygon", "coordinates": [[[116.9, 38.9], [116.91, 38.9], [116.91, 38.91],
                                                                [116.9, 38.91], [116.9, 38.9]]]})
    community.save()
    assert get_index().locate(116.905, 38.905) == community.id


def test_sites_within_match_haversine_and_filter_by_type():
    market = Site.objects.filter(site_type__code="market").first()
    index = get_index()
    found = index.sites_within(market.lng, market.lat, 300)
    assert found[0].id == market.id and found[0].distance_m == 0
    points = [s for s in found if Site.objects.get(pk=s.id).geometry["type"] == "Point"]
    for s in points:
        site = Site.objects.get(pk=s.id)
        assert s.distance_m == pytest.approx(haversine_m(market.lng, market.lat, site.lng, site.lat), abs=1.0)
    compound_type = Site.objects.filter(site_type__code="compound").first().site_type_id
    only = index.sites_within(market.lng, market.lat, 300, type_ids={compound_type})
    assert only and all(s.type_id == compound_type for s in only)


def test_the_index_rebuilds_when_the_geography_changes():
    index = get_index()
    assert index.locate(117.5, 39.5) is None
    community = Area.objects.filter(level=AreaLevel.COMMUNITY).first()
    grid = Area(code=f"{community.code}99", name="新网格", level=AreaLevel.GRID, parent=community)
    grid.set_geometry({"type": "Polygon", "coordinates": [[[117.5, 39.5], [117.51, 39.5], [117.51, 39.51], [117.5, 39.51],
                                                           [117.5, 39.5]]]})
    grid.save()
    assert get_index().locate(117.505, 39.505) == grid.id
