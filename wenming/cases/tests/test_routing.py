"""One test per routing precedence step, each building its own situation at a chosen point."""

import json
import math
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from wenming.cases.models import Category, Facility, RoutingRule
from wenming.cases.services.routing import RoutingError, case_route
from wenming.common.geo import EARTH_RADIUS_M, from_wgs84
from wenming.org.models import Area, RoadChief, RoadSegment, Site, SiteType, Unit, UnitKind

pytestmark = pytest.mark.django_db
M_LAT = EARTH_RADIUS_M * math.pi / 180


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def quiet_spot():
    """A grid centre in 桃城区 away from every site, road and facility (so only area rules and defaults apply)."""
    from wenming.org.spatial import get_index

    index = get_index()
    for grid in Area.objects.filter(level="grid", code__startswith="131102").order_by("-code"):
        if not index.sites_at(grid.lng, grid.lat) and not index.nearest_road(grid.lng, grid.lat, 60) and \
                not index.nearest_facility(grid.lng, grid.lat, 60, set(Category.objects.values_list("id", flat=True))):
            return grid
    raise AssertionError("no quiet grid")


def unit(code, **kw):
    return Unit.objects.create(code=code, name=kw.pop("name", code), kind=kw.pop("kind", UnitKind.DEPARTMENT), **kw)


def test_facility_owner_then_maintainer():
    grid = quiet_spot()
    lamp = Category.objects.get(code="BJ0107")
    owner, keeper = unit("LAMP-OWNER"), unit("LAMP-KEEPER")
    facility = Facility.objects.create(code="1311020107999999", category=lamp, lng=grid.lng, lat=grid.lat + 10 / M_LAT,
                                       owner_unit=owner)
    decision = case_route(lng=grid.lng, lat=grid.lat, category="BJ0107")
    assert (decision.rule, decision.unit_id) == ("facility_owner", owner.id)
    assert decision.facility["code"] == facility.code and 9 < decision.facility["distance_m"] < 11
    facility.maintainer_unit = keeper
    facility.save()
    assert case_route(lng=grid.lng, lat=grid.lat, category="BJ0107").unit_id == keeper.id
    # Beyond the category's radius (25 m) the facility does not decide.
    assert case_route(lng=grid.lng, lat=grid.lat - 30 / M_LAT, category="BJ0107").rule != "facility_owner"


def test_small_ads_go_to_the_owner_of_the_pole_they_are_on():
    grid = quiet_spot()
    telecom = unit("TEL-X", kind=UnitKind.TELECOM)
    Facility.objects.create(code="1311020105999999", category=Category.objects.get(code="BJ0105"), lng=grid.lng,
                            lat=grid.lat, owner_unit=telecom)
    decision = case_route(lng=grid.lng, lat=grid.lat + 5 / M_LAT, category="SJ0201")
    assert (decision.rule, decision.unit_id) == ("facility_owner", telecom.id)


def test_site_type_rule_beats_area_rule():
    grid = quiet_spot()
    market_type = SiteType.objects.get(code="market")
    Site.objects.create(code="MKT-T", name="测试市场", site_type=market_type, area=grid,
                        **_square_fields(grid.lng, grid.lat))
    regulator = Unit.objects.get(code="SCJG-131102")
    decision = case_route(lng=grid.lng, lat=grid.lat, category="SJ0401")
    assert (decision.rule, decision.unit_id) == ("site_type_rule", regulator.id)
    assert decision.site["name"] == "测试市场"


def test_area_rule_deeper_area_and_minor_class_win():
    grid = quiet_spot()
    decision = case_route(lng=grid.lng, lat=grid.lat, category="SJ0404")
    assert (decision.rule, decision.unit_name) == ("area_rule", Unit.objects.get(code="JJZD-131102").name)
    street = grid.parent.parent
    local = unit("JJ-LOCAL")
    RoutingRule.objects.create(category=Category.objects.get(code="SJ0404"), area=street, unit=local)
    assert case_route(lng=grid.lng, lat=grid.lat, category="SJ0404").unit_id == local.id
    # A rule on the 大类 (SJ05) loses to one on the 小类 (SJ0502 → water company) in the same area.
    assert Unit.objects.get(pk=case_route(lng=grid.lng, lat=grid.lat, category="SJ0502").unit_id).code == "WATER"
    assert Unit.objects.get(pk=case_route(lng=grid.lng, lat=grid.lat, category="SJ0503").unit_id).code == "CGJ"


def _square_fields(lng, lat, half_m=40):
    d_lat, d_lng = half_m / M_LAT, half_m / (M_LAT * math.cos(math.radians(lat)))
    ring = [[lng - d_lng, lat - d_lat], [lng + d_lng, lat - d_lat], [lng + d_lng, lat + d_lat], [lng - d_lng, lat + d_lat],
            [lng - d_lng, lat - d_lat]]
    site = Site()
    site.set_geometry({"type": "Polygon", "coordinates": [ring]})
    return {k: getattr(site, k) for k in ("geometry", "min_lng", "min_lat", "max_lng", "max_lat", "lng", "lat")}


def test_site_guarantor_then_road_chief_then_area_default():
    grid = quiet_spot()
    guarantor = unit("BAOBAO")
    compound = Site.objects.create(code="CMP-T", name="测试小区", site_type=SiteType.objects.get(code="compound"),
                                   area=grid, guarantor_unit=guarantor, **_square_fields(grid.lng, grid.lat))
    decision = case_route(lng=grid.lng, lat=grid.lat, category="SJ0101")
    assert (decision.rule, decision.unit_id) == ("site_guarantor", guarantor.id)
    compound.delete()
    road = RoadSegment(code="RD-T", name="测试路", road_class="branch", area=grid)
    road.set_geometry({"type": "LineString", "coordinates": [[grid.lng - 0.001, grid.lat], [grid.lng + 0.001, grid.lat]]})
    road.save()
    county_chief, street_chief = unit("CHIEF-COUNTY"), unit("CHIEF-STREET")
    RoadChief.objects.create(segment=road, level=RoadChief.Level.COUNTY, name="区路长", unit=county_chief)
    RoadChief.objects.create(segment=road, level=RoadChief.Level.STREET, name="街路长", unit=street_chief)
    decision = case_route(lng=grid.lng, lat=grid.lat + 10 / M_LAT, category="SJ0101")
    assert (decision.rule, decision.unit_id, decision.road["name"]) == ("road_chief", street_chief.id, "测试路")
    street_chief.is_active = False
    street_chief.save()
    assert case_route(lng=grid.lng, lat=grid.lat, category="SJ0101").unit_id == county_chief.id  # inactive skipped
    road.delete()
    decision = case_route(lng=grid.lng, lat=grid.lat, category="SJ0101")
    street = grid.parent.parent
    assert (decision.rule, decision.unit_id) == ("area_default", street.default_unit_id)
    assert [a["level"] for a in decision.areas] == ["city", "county", "street", "community", "grid"]


def test_local_duty_off_skips_guarantor_and_road():
    grid = quiet_spot()
    Site.objects.create(code="CMP-U", name="小区", site_type=SiteType.objects.get(code="compound"), area=grid,
                        guarantor_unit=unit("G2"), **_square_fields(grid.lng, grid.lat))
    # 犬吠扰民 (local duty off) has a city-wide rule; without it the compound's 包保 unit is still not used.
    RoutingRule.objects.filter(category__code="SJ0604").delete()
    decision = case_route(lng=grid.lng, lat=grid.lat, category="SJ0604")
    assert decision.rule == "area_default"


def test_triage_outside_the_city_and_with_nothing_to_decide():
    decision = case_route(lng=120.0, lat=30.0, category="SJ0101")
    assert (decision.rule, decision.unit_id, decision.areas) == ("triage", None, [])
    grid = quiet_spot()
    Area.objects.filter(pk__in=[a.pk for a in grid.ancestors()]).update(default_unit=None)
    from wenming.common.services.geography import geography_version_bump

    geography_version_bump()
    assert case_route(lng=grid.lng, lat=grid.lat, category="SJ0101").rule == "triage"


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_other_coordinate_systems_give_the_same_decision(crs):
    grid = quiet_spot()
    plain = case_route(lng=grid.lng, lat=grid.lat, category="SJ0404")
    lng, lat = from_wgs84(grid.lng, grid.lat, crs)
    other = case_route(lng=lng, lat=lat, category="SJ0404", crs=crs)
    assert (other.unit_id, other.grid, other.rule) == (plain.unit_id, plain.grid, plain.rule)


def test_errors():
    with pytest.raises(RoutingError, match="Unknown category"):
        case_route(lng=115.6, lat=37.7, category="NOPE")
    with pytest.raises(RoutingError, match="Unknown coordinate system"):
        case_route(lng=115.6, lat=37.7, category="SJ0101", crs="utm")
    with pytest.raises(RoutingError, match="out of range"):
        case_route(lng=215.6, lat=37.7, category="SJ0101")


def test_route_command_prints_the_decision_as_json():
    grid = quiet_spot()
    out = StringIO()
    call_command("route", "--lat", str(grid.lat), "--lng", str(grid.lng), "--category", "SJ0404", stdout=out)
    data = json.loads(out.getvalue())
    assert data["grid"]["code"] == grid.code and data["unit_name"] == "桃城区交警大队" and data["rule"] == "area_rule"
    assert {"areas", "reason", "nearby_sites"} <= set(data)
    with pytest.raises(CommandError, match="Unknown category"):
        call_command("route", "--lat", "37.7", "--lng", "115.6", "--category", "NOPE", stdout=StringIO())
