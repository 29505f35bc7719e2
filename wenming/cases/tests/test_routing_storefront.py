"""Routing by the storefront duty (门前五包): a shop-front problem in front of a registered shop goes to the unit
supervising the shop, before rules, the site's 包保 unit, the road chief and the area's default unit.

The place is the quiet grid of ``test_routing`` (no site, road or facility within 60 m in the demo city).
"""

import pytest
from django.urls import reverse
from django.utils import translation

from wenming.cases.models import Category
from wenming.cases.services.routing import PRECEDENCE, case_route
from wenming.cases.tests.factories import CategoryFactory, RoutingRuleFactory
from wenming.common.tests.test_access import person
from wenming.org.models import Area, RoadChief, SiteType
from wenming.org.spatial import FRONTAGE_LINE_M, FRONTAGE_POINT_M, get_index
from wenming.org.tests.factories import (
    RoadChiefFactory,
    RoadSegmentFactory,
    SiteFactory,
    StorefrontDutyFactory,
    UnitFactory,
    east_west_line,
    offset,
    point,
    square,
)

pytestmark = pytest.mark.django_db

QUIET = "13110200100205"


@pytest.fixture(autouse=True)
def _english(tmp_path):
    with translation.override("en"):
        yield


@pytest.fixture
def place():
    grid = Area.objects.get(code=QUIET)
    return grid.lng, grid.lat


@pytest.fixture
def street(place):
    """A road 10 m north of the place with its street-level chief, and a shop on it whose frontage line runs
    along the road's south side through the place."""
    road = RoadSegmentFactory(name="测试大街", geometry=east_west_line(*place, 150, north_m=10))
    chief = RoadChiefFactory(segment=road, level=RoadChief.Level.STREET, name="街路长")
    supervisor = UnitFactory(name="中华街道门前五包办")
    shop = StorefrontDutyFactory(shop_name="老王水果店", supervising_unit=supervisor,
                                 geometry=east_west_line(*place, 10))
    return road, chief, supervisor, shop


def route(lnglat, category):
    return case_route(lng=lnglat[0], lat=lnglat[1], category=category)


def test_the_categories_say_whether_they_are_shop_front_problems():
    flagged = set(Category.objects.filter(storefront_duty=True).values_list("code", flat=True))
    assert {"SJ0402", "SJ0409"} <= flagged  # 店外经营, 乱堆物料 (and the 门前卫生 ones)
    assert "SJ0404" not in flagged and "SJ0401" not in flagged  # parking, street vendors: departments' remit


def test_shop_front_case_at_a_registered_shop_goes_to_its_supervising_unit(place, street):
    _road, _chief, supervisor, shop = street
    decision = route(place, "SJ0402")
    assert (decision.rule, decision.unit_id) == ("storefront_duty", supervisor.id)
    assert decision.unit_name == "中华街道门前五包办"
    assert decision.storefront == {"id": shop.id, "code": shop.code, "shop_name": "老王水果店", "distance_m": 0.0}
    assert decision.reason.startswith("门前五包 (老王水果店)")
    assert str(decision.rule_label) == "Storefront duty (门前五包)"
    with translation.override("zh-hans"):
        chinese = route(place, "SJ0402")
        assert chinese.rule_label == "门前五包"
    assert chinese.reason.startswith("门前五包（老王水果店）") and "中华街道门前五包办" in chinese.reason


def test_same_place_another_category_routes_as_before(place, street):
    _road, chief, _supervisor, _shop = street
    # Parking (a traffic-police rule) and a flagless local-duty category are untouched by the shop.
    assert route(place, "SJ0404").rule == "area_rule"
    plain = CategoryFactory(parent=Category.objects.get(code="SJ04"))
    assert not plain.storefront_duty
    decision = route(place, plain.code)
    assert (decision.rule, decision.unit_id, decision.storefront) == ("road_chief", chief.unit_id, None)


def test_outside_the_frontage_routes_as_before(place, street):
    _road, chief, _supervisor, _shop = street
    # South of the frontage line by more than its reach, still within the road chief's 30 m of the road.
    beyond = offset(*place, 0, -(FRONTAGE_LINE_M + 5))
    decision = route(beyond, "SJ0402")
    assert (decision.rule, decision.unit_id, decision.storefront) == ("road_chief", chief.unit_id, None)
    # Just within it, the shop decides.
    assert route(offset(*place, 0, -(FRONTAGE_LINE_M - 1)), "SJ0402").rule == "storefront_duty"
    # Past the end of the 20 m frontage line along the road: the neighbour's front, not this shop's.
    assert route(offset(*place, 25, 0), "SJ0402").rule == "road_chief"


def test_a_shop_registered_by_its_point_has_a_small_frontage_around_it(place):
    supervisor = UnitFactory()
    StorefrontDutyFactory(supervising_unit=supervisor, geometry=point(*place))
    assert route(offset(*place, FRONTAGE_POINT_M - 2, 0), "SJ0409").unit_id == supervisor.id
    assert route(offset(*place, FRONTAGE_POINT_M + 3, 0), "SJ0409").rule == "area_default"


def test_a_frontage_drawn_as_an_area_holds_the_points_inside_it(place):
    supervisor = UnitFactory()
    StorefrontDutyFactory(supervising_unit=supervisor, geometry=square(*offset(*place, 20, 0), 8))
    assert route(offset(*place, 20, 0), "SJ0402").unit_id == supervisor.id
    assert route(offset(*place, 20, 10), "SJ0402").unit_id == supervisor.id  # 2 m outside: within its 3 m
    assert route(offset(*place, 20, 15), "SJ0402").rule == "area_default"


def test_the_nearest_of_two_shops_decides(place):
    near, far = UnitFactory(), UnitFactory()
    StorefrontDutyFactory(supervising_unit=far, geometry=point(*offset(*place, 8, 0)))
    StorefrontDutyFactory(supervising_unit=near, geometry=point(*offset(*place, -3, 0)))
    assert route(place, "SJ0402").unit_id == near.id


def test_storefront_comes_after_the_facility_owner_and_before_everything_else(place, street):
    _road, _chief, supervisor, _shop = street
    names = [rule.__name__ for rule in PRECEDENCE]
    assert names.index("_storefront_duty") == names.index("_facility_owner") + 1
    # A rule for the category, a 包保 site and the road chief are all there; the shop still decides.
    RoutingRuleFactory(category=Category.objects.get(code="SJ0402"), unit=UnitFactory())
    SiteFactory(site_type=SiteType.objects.get(code="compound"), guarantor_unit=UnitFactory(), geometry=square(*place, 40))
    assert route(place, "SJ0402").unit_id == supervisor.id


def test_an_inactive_supervising_unit_falls_through(place, street):
    _road, chief, supervisor, _shop = street
    supervisor.is_active = False
    supervisor.save()
    assert route(place, "SJ0402").unit_id == chief.unit_id


def test_the_flag_is_the_administrators_to_set(place, street):
    _road, chief, _supervisor, _shop = street
    Category.objects.filter(code="SJ0402").update(storefront_duty=False)
    Category.objects.get(code="SJ0402").save()  # a save bumps the routing configuration, as the admin's does
    assert route(place, "SJ0402").rule == "road_chief"


def test_a_new_or_moved_shop_is_in_the_index_at_once(place):
    assert get_index().storefront_at(*place) is None
    shop = StorefrontDutyFactory(geometry=point(*place))
    assert get_index(force_check=True).storefront_at(*place).id == shop.id
    shop.set_geometry(point(*offset(*place, 200, 0)))
    shop.save()
    assert get_index(force_check=True).storefront_at(*place) is None


def test_the_routing_check_page_shows_the_reason_in_chinese(client, place, street):
    _road, _chief, _supervisor, shop = street
    client.force_login(person("paiqian"))
    with translation.override("zh-hans"):
        response = client.get(reverse("routing:check"), {"lat": place[1], "lng": place[0], "crs": "wgs84",
                                                          "category": "SJ0402"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-rule="storefront_duty">门前五包<' in page
    assert "门前五包（老王水果店）" in page and "中华街道门前五包办" in page
    assert f"{shop.shop_name} · {shop.code}" in page
    # The map draws the shop's frontage, named.
    names = [f["properties"]["name"] for f in response.context["check"].features["features"]]
    assert "门前五包：老王水果店" in names
