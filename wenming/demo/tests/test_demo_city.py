"""The lattice city the test session builds (wenming/conftest.py); the real outlines are in test_hengshui.py."""

import math

import pytest

from wenming.cases.models import Category, Facility, RoutingRule
from wenming.demo.city import LATTICE, demo_city_build, demo_city_clear
from wenming.demo.districts import COUNTIES
from wenming.org.models import Area, AreaLevel, Person, Role, RoleAssignment, Site, SiteType, Unit

pytestmark = pytest.mark.django_db


def test_city_has_every_level_and_grid_count():
    assert Area.objects.filter(level=AreaLevel.GRID).count() == 240
    assert Area.objects.filter(level=AreaLevel.COUNTY).count() == len(COUNTIES)
    names = set(Area.objects.filter(level=AreaLevel.COUNTY).values_list("name", flat=True))
    assert {"桃城区", "冀州区", "衡水高新区", "滨湖新区"} <= names


def test_codes_follow_cj_t_213_lengths():
    for level, length in [(AreaLevel.COUNTY, 6), (AreaLevel.STREET, 9), (AreaLevel.COMMUNITY, 12), (AreaLevel.GRID, 14)]:
        lengths = {len(c) for c in Area.objects.filter(level=level).values_list("code", flat=True)}
        assert lengths == {length}, level


def test_every_grid_path_starts_with_its_parents():
    for grid in Area.objects.filter(level=AreaLevel.GRID).select_related("parent")[:50]:
        assert grid.path == f"{grid.parent.path}{grid.code}/"
        assert grid.code.startswith(grid.parent.code)


def test_every_role_has_a_demo_login():
    roles = set(RoleAssignment.objects.filter(person__is_staff=True).values_list("role", flat=True))
    assert roles == set(Role.values)
    assert Person.objects.get(username="admin").check_password("wenming2026")


def test_reference_data_is_present():
    assert SiteType.objects.filter(name__in=["农贸市场", "背街小巷", "小区", "学校", "车站", "医院", "公园", "商超", "公厕"]).count() == 9
    # Halls, banks and the utilities' business halls get their sites with the service windows (demo-cases).
    window_types = ["hall", "bank", "power_office", "water_office"]
    assert all(Site.objects.filter(site_type=t).exists() for t in SiteType.objects.exclude(code__in=window_types))
    assert Facility.objects.exists() and RoutingRule.objects.exists()
    assert Unit.objects.filter(name__contains="供电").exists() and Unit.objects.filter(name__contains="移动").exists()
    assert Category.objects.get(code="SJ0104").name == "污水横流"


def test_same_seed_same_city():
    before = list(Area.objects.order_by("code").values_list("code", "name", "geometry"))
    units_before = list(Unit.objects.order_by("code").values_list("code", "name"))
    demo_city_clear()
    assert not Area.objects.exists() and not Unit.objects.exists()
    demo_city_build(grids=240, seed=7, layout=LATTICE)
    assert list(Area.objects.order_by("code").values_list("code", "name", "geometry")) == before
    assert list(Unit.objects.order_by("code").values_list("code", "name")) == units_before


def test_another_seed_another_city():
    before = list(Area.objects.order_by("code").values_list("name", flat=True))
    demo_city_clear()
    demo_city_build(grids=240, seed=8, layout=LATTICE)
    assert list(Area.objects.order_by("code").values_list("name", flat=True)) != before


def test_refuses_a_non_empty_database():
    with pytest.raises(ValueError, match="already holds areas"):
        demo_city_build(grids=100, seed=1, layout=LATTICE)


def _metres(a: Site, b: Site) -> float:
    """Between two sites' representative points (equirectangular; the demo city is small)."""
    dx = (a.lng - b.lng) * 111_320 * math.cos(math.radians((a.lat + b.lat) / 2))
    return math.hypot(dx, (a.lat - b.lat) * 110_540)


def test_facility_registers_have_deliberate_gaps():
    def per_area(code: str, level: str) -> dict[str, int]:
        counts = dict.fromkeys(Area.objects.filter(level=level).values_list("path", flat=True), 0)
        for path in Site.objects.filter(site_type__code=code, is_active=True).values_list("area__path", flat=True):
            counts[next(p for p in counts if path.startswith(p))] += 1
        return counts

    palaces = per_area("youth_palace", AreaLevel.STREET)
    assert 2 in palaces.values() and 4 in palaces.values() and min(palaces.values()) >= 2
    stations = per_area("practice_station", AreaLevel.COMMUNITY)
    assert len(stations) / 2 < sum(1 for n in stations.values() if n) < len(stations)
    institutes = Site.objects.filter(site_type__code="practice_institute")
    assert institutes.count() == Area.objects.filter(level=AreaLevel.STREET).count()
    assert not Site.objects.filter(site_type__code="practice_station", name__endswith="实践所").exists()
    assert set(per_area("practice_centre", AreaLevel.COUNTY).values()) == {1}
    lots = Site.objects.filter(site_type__code="parking_lot")
    assert lots.exists() and all(lot.capacity and lot.operator_unit_id for lot in lots)
    # Notice boards at most squares and compounds, not all.
    places = Site.objects.filter(site_type__code__in=["square", "compound"]).count()
    assert places / 2 < Site.objects.filter(site_type__code="notice_board", name__endswith="小区公共信息发布栏").count() + \
        Site.objects.filter(site_type__code="notice_board", name__endswith="广场公共信息发布栏").count() < places
    # One internet café within 200 m of a school, one KTV beyond it from another.
    schools = list(Site.objects.filter(site_type__code="school").order_by("code"))
    cafe = Site.objects.get(site_type__code="internet_cafe")
    ktv = Site.objects.get(site_type__code="entertainment")
    assert 170 < _metres(cafe, schools[0]) < 200 and 380 < _metres(ktv, schools[1]) < 420
