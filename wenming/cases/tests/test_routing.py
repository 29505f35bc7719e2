"""One test per routing precedence step, each building its own situation with factories.

The place is the centre of grid 13110200100205 (中华社区05号网格, 桃城区): in the demo city (seed 7) no site, road
or facility lies within 60 m of it, no rule names its community or grid, and its street office
(GOV-131102001) is the deepest default unit. ``test_the_quiet_place_is_quiet`` checks that premise.
"""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from wenming.cases.models import Category, RoutingRule
from wenming.cases.services.routing import RoutingError, case_route
from wenming.cases.tests.factories import CategoryFactory, FacilityFactory, RoutingRuleFactory
from wenming.common.geo import from_wgs84
from wenming.org.models import Area, RoadChief, SiteType, Unit
from wenming.org.spatial import get_index
from wenming.org.tests.factories import (
    RoadChiefFactory,
    RoadSegmentFactory,
    SiteFactory,
    UnitFactory,
    east_west_line,
    offset,
    point,
    square,
)

pytestmark = pytest.mark.django_db

QUIET = "13110200100205"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def place():
    grid = Area.objects.get(code=QUIET)
    return grid.lng, grid.lat


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def cat(code: str) -> Category:
    return Category.objects.get(code=code)


def route(lnglat, category, **kw):
    return case_route(lng=lnglat[0], lat=lnglat[1], category=category, **kw)


def deactivate(u: Unit) -> None:
    u.is_active = False
    u.save()


def test_the_quiet_place_is_quiet(place):
    index = get_index()
    assert not index.sites_within(*place, 60) and not index.nearest_road(*place, 60)
    assert not index.nearest_facility(*place, 60, set(Category.objects.values_list("id", flat=True)))
    grid = Area.objects.get(code=QUIET)
    assert [a.default_unit.code if a.default_unit else None for a in grid.ancestors()] == [
        "CMD", "GOV-131102", "GOV-131102001", None, None,
    ]
    assert not RoutingRule.objects.filter(area__in=[grid, grid.parent]).exists()


# -- 1. facility owner ------------------------------------------------------------------------------------------


def test_facility_owner_then_maintainer(place):
    owner, keeper = UnitFactory(name="路灯权属单位"), UnitFactory(name="路灯养护公司")
    lamp = FacilityFactory(category=cat("BJ0107"), owner_unit=owner, lng=place[0], lat=offset(*place, 0, 10)[1])
    decision = route(place, "BJ0107")
    assert (decision.rule, decision.unit_id, decision.unit_name) == ("facility_owner", owner.id, "路灯权属单位")
    assert decision.facility["code"] == lamp.code and decision.facility["distance_m"] == pytest.approx(10.0, abs=0.1)
    assert decision.facility["class"] == "路灯" and lamp.code in decision.reason
    lamp.maintainer_unit = keeper
    lamp.save()
    decision = route(place, "BJ0107")
    assert (decision.rule, decision.unit_id) == ("facility_owner", keeper.id)
    assert decision.facility["owner"] == "路灯权属单位"


def test_facility_beyond_the_radius_or_out_of_use_does_not_decide(place):
    owner = UnitFactory()
    # BJ0107's radius is 25 m: a lamp 30 m away does not decide; the street office does.
    lamp = FacilityFactory(category=cat("BJ0107"), owner_unit=owner, lng=place[0], lat=offset(*place, 0, 30)[1])
    decision = route(place, "BJ0107")
    assert (decision.rule, decision.unit_id, decision.facility) == ("area_default", unit("GOV-131102001").id, None)
    assert route(offset(*place, 0, 6), "BJ0107").unit_id == owner.id  # 24 m from it: inside the radius
    lamp.in_use = False
    lamp.save()
    assert route(offset(*place, 0, 6), "BJ0107").rule == "area_default"


def test_small_ads_go_to_the_owner_of_the_nearest_facility_of_a_listed_class(place):
    # SJ0201 (非法小广告) lists power, telecom, lamp, signal and sign poles, within 20 m.
    assert set(cat("SJ0201").facility_classes.values_list("code", flat=True)) == {
        "BJ0104", "BJ0105", "BJ0107", "BJ0201", "BJ0202",
    }
    telecom = UnitFactory(name="测试电信")
    FacilityFactory(category=cat("BJ0101"), owner_unit=unit("WATER"), lng=offset(*place, 3, 0)[0], lat=place[1])
    FacilityFactory(category=cat("BJ0104"), owner_unit=unit("POWER"), lng=offset(*place, 8, 0)[0], lat=place[1])
    FacilityFactory(category=cat("BJ0105"), owner_unit=telecom, lng=offset(*place, -15, 0)[0], lat=place[1])
    decision = route(place, "SJ0201")
    # The water manhole 3 m away is not a listed class; the power pole 8 m away is the nearest listed one.
    assert (decision.rule, decision.unit_id) == ("facility_owner", unit("POWER").id)
    assert decision.facility["distance_m"] == pytest.approx(8.0, abs=0.1)
    # 12 m west of the place the telecom pole (3 m) is nearer than the power pole (20 m).
    assert route(offset(*place, -12, 0), "SJ0201").unit_id == telecom.id
    # A category with no class list looks for facilities of its own class only: BJ0101 → the water company.
    assert route(place, "BJ0101").unit_id == unit("WATER").id


def test_inactive_facility_units_are_skipped(place):
    owner, keeper = UnitFactory(), UnitFactory()
    FacilityFactory(category=cat("BJ0107"), owner_unit=owner, maintainer_unit=keeper, lng=place[0], lat=place[1])
    deactivate(keeper)
    decision = route(place, "BJ0107")
    assert (decision.rule, decision.unit_id) == ("facility_owner", owner.id)  # the owner answers
    deactivate(owner)
    decision = route(place, "BJ0107")
    assert (decision.rule, decision.unit_id) == ("area_default", unit("GOV-131102001").id)


# -- 2. site-type rule ------------------------------------------------------------------------------------------


def test_site_type_rule_at_a_market_beats_the_area_rule(place):
    stalls = cat("SJ0401")
    before = route(place, "SJ0401")
    assert (before.rule, before.unit_id) == ("area_rule", unit("CGJ-131102").id)
    market_type = SiteType.objects.get(code="market")
    SiteFactory(name="测试农贸市场", site_type=market_type, guarantor_unit=UnitFactory(), geometry=square(*place, 40))
    decision = route(place, "SJ0401")
    market_rule = RoutingRule.objects.get(category=stalls, site_type=market_type, area__code="131102")
    assert (decision.rule, decision.unit_id, decision.rule_id) == ("site_type_rule", unit("SCJG-131102").id, market_rule.id)
    assert decision.site["name"] == "测试农贸市场" and decision.site["type"] == "农贸市场"
    # A more local site-type rule (the street) beats the county's.
    street_regulator = UnitFactory()
    RoutingRuleFactory(category=stalls, site_type=market_type, area=Area.objects.get(code="131102001"),
                       unit=street_regulator)
    assert route(place, "SJ0401").unit_id == street_regulator.id
    # The rule is for markets only: 100 m south, outside the market, the area rule is back.
    assert route(offset(*place, 0, -100), "SJ0401").rule == "area_rule"


def test_site_type_rule_at_a_point_site(place):
    kiosk = SiteType.objects.create(code="test_kiosk", name="报刊亭")
    SiteFactory(site_type=kiosk, geometry=point(*offset(*place, 30, 0)))
    newsagent = UnitFactory()
    RoutingRuleFactory(category=cat("SJ0402"), site_type=kiosk, unit=newsagent)  # city-wide
    assert route(place, "SJ0402").unit_id == newsagent.id  # 30 m from a point site counts as at it
    assert route(offset(*place, -30, 0), "SJ0402").rule != "site_type_rule"  # 60 m does not


# -- 3. area rules ----------------------------------------------------------------------------------------------


def test_deeper_area_and_minor_class_win(place):
    grid = Area.objects.get(code=QUIET)
    community, street = grid.parent, grid.parent.parent
    parking, street_order = cat("SJ0404"), cat("SJ04")
    decision = route(place, "SJ0404")
    assert (decision.rule, decision.unit_name) == ("area_rule", "桃城区交警大队")
    assert "桃城区" in decision.reason
    # A street rule beats the county rule.
    on_street = RoutingRuleFactory(category=parking, area=street, unit=UnitFactory()).unit
    assert route(place, "SJ0404").unit_id == on_street.id
    # A rule on the 大类 SJ04 in the community is deeper still, so it beats the street's 小类 rule.
    on_community_major = RoutingRuleFactory(category=street_order, area=community, unit=UnitFactory()).unit
    assert route(place, "SJ0404").unit_id == on_community_major.id
    # In the same community a 小类 rule beats the 大类 rule.
    on_community_minor = RoutingRuleFactory(category=parking, area=community, unit=UnitFactory()).unit
    assert route(place, "SJ0404").unit_id == on_community_minor.id
    # Same area and class: the higher priority wins.
    urgent = RoutingRuleFactory(category=parking, area=community, unit=UnitFactory(), priority=5).unit
    assert route(place, "SJ0404").unit_id == urgent.id
    # A grid-level rule beats them all, and another grid's rule does not apply here.
    RoutingRuleFactory(category=parking, area=Area.objects.get(code="13110200100206"), unit=UnitFactory())
    on_grid = RoutingRuleFactory(category=parking, area=grid, unit=UnitFactory()).unit
    assert route(place, "SJ0404").unit_id == on_grid.id


def test_inactive_rules_and_units_are_skipped(place):
    street = Area.objects.get(code="131102001")
    rule = RoutingRuleFactory(category=cat("SJ0404"), area=street, unit=UnitFactory())
    assert route(place, "SJ0404").unit_id == rule.unit_id
    deactivate(rule.unit)
    assert route(place, "SJ0404").unit_name == "桃城区交警大队"
    rule.unit.is_active = True
    rule.unit.save()
    rule.is_active = False
    rule.save()
    assert route(place, "SJ0404").unit_name == "桃城区交警大队"


def test_city_wide_rules_minor_class_beats_major_class(place):
    # SJ05 (突发事件) → 城管 city-wide; SJ0502 (供水管道破裂) → the water company city-wide.
    assert route(place, "SJ0502").unit_id == unit("WATER").id
    decision = route(place, "SJ0503")
    assert (decision.rule, decision.unit_id) == ("area_rule", unit("CGJ").id)
    assert "the whole city" in decision.reason


def test_a_rule_without_a_category_covers_every_category(place):
    community = Area.objects.get(code=QUIET).parent
    anything = RoutingRuleFactory(category=None, area=community, unit=UnitFactory())
    decision = route(place, "SJ0101")  # no rule names SJ0101
    assert (decision.rule, decision.unit_id, decision.rule_id) == ("area_rule", anything.unit_id, anything.id)
    # In the same area a rule naming the category wins.
    specific = RoutingRuleFactory(category=cat("SJ0101"), area=community, unit=UnitFactory())
    assert route(place, "SJ0101").unit_id == specific.unit_id
    # Elsewhere in the county the category-less rule does not reach.
    other = Area.objects.get(code="13110200100120")  # a quiet grid of the neighbouring community
    assert route((other.lng, other.lat), "SJ0101").rule == "area_default"


# -- 4. site guarantor (包保) -------------------------------------------------------------------------------------


def test_site_guarantor(place):
    guarantor = UnitFactory(name="包保单位")
    SiteFactory(name="测试小区", site_type=SiteType.objects.get(code="compound"), guarantor_unit=guarantor,
                           geometry=square(*place, 40))
    decision = route(place, "SJ0101")
    assert (decision.rule, decision.unit_id) == ("site_guarantor", guarantor.id)
    assert decision.site["name"] == "测试小区" and "测试小区" in decision.reason
    # An explicit rule still comes first: parking in the compound is the traffic police's.
    assert route(place, "SJ0404").rule == "area_rule"
    # Where local duty does not apply, the 包保 unit is not asked.
    quiet_dogs = CategoryFactory(parent=cat("SJ06"), local_duty=False)
    assert route(place, quiet_dogs.code).rule == "area_default"
    # An inactive guarantor is skipped.
    deactivate(guarantor)
    assert route(place, "SJ0101").rule == "area_default"


# -- 5. road chief ----------------------------------------------------------------------------------------------


def test_road_chief_most_local_level_wins(place):
    road = RoadSegmentFactory(name="测试路", geometry=east_west_line(*place, 150, north_m=10))
    county_chief = RoadChiefFactory(segment=road, level=RoadChief.Level.COUNTY, name="区路长")
    street_chief = RoadChiefFactory(segment=road, level=RoadChief.Level.STREET, name="街路长")
    decision = route(place, "SJ0101")
    assert (decision.rule, decision.unit_id) == ("road_chief", street_chief.unit_id)
    assert decision.road["name"] == "测试路" and decision.road["distance_m"] == pytest.approx(10.0, abs=0.1)
    assert "街路长" in decision.reason
    community_chief = RoadChiefFactory(segment=road, level=RoadChief.Level.COMMUNITY, name="社区路长")
    assert route(place, "SJ0101").unit_id == community_chief.unit_id
    deactivate(community_chief.unit)
    assert route(place, "SJ0101").unit_id == street_chief.unit_id
    deactivate(street_chief.unit)
    assert route(place, "SJ0101").unit_id == county_chief.unit_id
    # 35 m from the road is beyond its reach (30 m).
    assert route(offset(*place, 0, -25), "SJ0101").rule == "area_default"


def test_guarantor_comes_before_road_chief(place):
    guarantor = UnitFactory()
    SiteFactory(site_type=SiteType.objects.get(code="compound"), guarantor_unit=guarantor, geometry=square(*place, 40))
    road = RoadSegmentFactory(geometry=east_west_line(*place, 150, north_m=10))
    RoadChiefFactory(segment=road, level=RoadChief.Level.STREET)
    decision = route(place, "SJ0101")
    assert decision.rule == "site_guarantor"
    # The road is recorded all the same, so the road chief's open problems count the case.
    assert decision.road["id"] == road.id and decision.road["distance_m"] == pytest.approx(10.0, abs=0.1)
    # Not for a category outside local duty: the chief does not answer for it.
    quiet_dogs = CategoryFactory(parent=cat("SJ06"), local_duty=False)
    assert route(place, quiet_dogs.code).road is None


# -- 6. area default (属地兜底) ------------------------------------------------------------------------------------


def test_area_default_deepest_area_with_an_active_default(place):
    grid = Area.objects.get(code=QUIET)
    community = grid.parent
    decision = route(place, "SJ0101")
    assert (decision.rule, decision.unit_id) == ("area_default", unit("GOV-131102001").id)
    assert [a["level"] for a in decision.areas] == ["city", "county", "street", "community", "grid"]
    assert decision.grid["code"] == QUIET and decision.rule_id is None
    community.default_unit = UnitFactory(name="社区居委会")
    community.save()
    decision = route(place, "SJ0101")
    assert (decision.unit_name, decision.rule) == ("社区居委会", "area_default")
    assert community.name in decision.reason
    grid.default_unit = UnitFactory(name="网格单位")
    grid.save()
    assert route(place, "SJ0101").unit_name == "网格单位"
    deactivate(grid.default_unit)
    assert route(place, "SJ0101").unit_name == "社区居委会"


# -- 7. triage --------------------------------------------------------------------------------------------------


def test_triage_outside_the_city():
    decision = case_route(lng=120.0, lat=30.0, category="SJ0101")
    assert (decision.rule, decision.unit_id, decision.unit_name) == ("triage", None, None)
    assert decision.areas == [] and decision.grid is None and "outside" in decision.reason


def test_triage_when_nothing_decides(place):
    for area in Area.objects.get(code=QUIET).ancestors():
        area.default_unit = None
        area.save()
    decision = route(place, "SJ0101")
    assert (decision.rule, decision.unit_id) == ("triage", None)
    assert decision.grid["code"] == QUIET and "No rule" in decision.reason
    # A rule still decides where one exists.
    assert route(place, "SJ0404").rule == "area_rule"


# -- coordinate systems, errors, the command --------------------------------------------------------------------


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
@pytest.mark.parametrize("category", ["SJ0404", "SJ0201", "SJ0101"])
def test_gcj02_and_bd09_input_give_the_same_decision(place, crs, category):
    FacilityFactory(category=cat("BJ0104"), owner_unit=unit("POWER"), lng=offset(*place, 8, 0)[0], lat=place[1])
    plain = route(place, category)
    lng, lat = from_wgs84(*place, crs)
    assert abs(lng - place[0]) > 0.004  # the input really is offset by hundreds of metres
    other = case_route(lng=lng, lat=lat, category=category, crs=crs)
    # The decision keeps the WGS-84 point rounded to 7 digits; this grid centre's latitude ends in …695, so
    # the last digit may round either way: compare the point to 1e-7 and everything else exactly.
    theirs, ours = other.as_dict(), plain.as_dict()
    assert (theirs.pop("lng"), theirs.pop("lat")) == pytest.approx((ours.pop("lng"), ours.pop("lat")), abs=1.1e-7)
    assert theirs == ours
    assert ours["unit_id"] is not None


def test_category_object_and_code_route_alike(place):
    assert route(place, cat("SJ0404")).as_dict() == route(place, "SJ0404").as_dict()


def test_errors():
    with pytest.raises(RoutingError, match="Unknown category code NOPE"):
        case_route(lng=115.5, lat=37.6, category="NOPE")
    retired = CategoryFactory(is_active=False)
    with pytest.raises(RoutingError, match="Unknown category"):
        case_route(lng=115.5, lat=37.6, category=retired.code)
    with pytest.raises(RoutingError, match="Unknown coordinate system"):
        case_route(lng=115.5, lat=37.6, category="SJ0101", crs="utm")
    for lng, lat in [(215.6, 37.7), (-180.5, 37.7), (115.6, 90.1), (115.6, -91), (float("nan"), 37.7)]:
        with pytest.raises(RoutingError, match="out of range"):
            case_route(lng=lng, lat=lat, category="SJ0101")


def test_route_command_prints_the_decision_as_json(place):
    out = StringIO()
    call_command("route", "--lat", str(place[1]), "--lng", str(place[0]), "--category", "SJ0404", stdout=out)
    data = json.loads(out.getvalue())
    assert data["grid"]["code"] == QUIET
    assert [a["code"] for a in data["areas"]] == ["131100", "131102", "131102001", "131102001002", QUIET]
    assert (data["unit_name"], data["rule"]) == ("桃城区交警大队", "area_rule")
    assert data["unit_id"] == unit("JJZD-131102").id and data["category_code"] == "SJ0404"
    assert "桃城区" in data["reason"]
    assert isinstance(data["nearby_sites"], list) and data["nearby_sites"]
    distances = [s["distance_m"] for s in data["nearby_sites"]]
    assert distances == sorted(distances) and all(60 < d <= 300 for d in distances)
    # The same place given in GCJ-02 prints the same unit.
    out = StringIO()
    lng, lat = from_wgs84(*place, "gcj02")
    call_command("route", "--lat", str(lat), "--lng", str(lng), "--category", "SJ0404", "--crs", "gcj02", stdout=out)
    assert json.loads(out.getvalue())["unit_name"] == "桃城区交警大队"


def test_route_command_refuses_bad_input():
    with pytest.raises(CommandError, match="Unknown category code NOPE"):
        call_command("route", "--lat", "37.6", "--lng", "115.5", "--category", "NOPE", stdout=StringIO())
    with pytest.raises(CommandError, match="out of range"):
        call_command("route", "--lat", "95", "--lng", "115.5", "--category", "SJ0101", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("route", "--lat", "37.6", "--lng", "115.5", "--category", "SJ0101", "--crs", "utm",
                     stdout=StringIO())
