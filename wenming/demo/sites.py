"""Sites (点位) of every type: markets, schools and squares in each street, a compound, a back street and a
service centre in each community, a hospital, a station, a park and a service hall in each county; then the
facility registers (设施台账: 少年宫, 实践中心/所/站, 信息发布栏, 停车场…) with deliberate gaps for the campaign's
per-area targets (``facility_sites_add``)."""

from __future__ import annotations

import datetime as dt
import random

from shapely import LineString, Point, box

from wenming.demo.layout import feature_fields
from wenming.demo.state import CityBuild
from wenming.org.models import Area, Site, SiteType, Unit
from wenming.org.services.site_types import site_types_read

# (code, name, radius of its surroundings in metres): the shipped site types (``wenming load-site-types`` loads
# the same file into a real city), in the file's order so the first types keep their ids.
SITE_TYPES = [(t.code, t.name, t.surround_radius_m) for t in site_types_read()]


def site_types_create(build: CityBuild) -> None:
    created = SiteType.objects.bulk_create(
        [SiteType(code=c, name=n, surround_radius_m=r, sort=i) for i, (c, n, r) in enumerate(SITE_TYPES)]
    )
    build.site_types = {t.code: t for t in created}


class SiteList(list):
    """The sites to create, numbered in the order they are added."""

    def __init__(self, build: CityBuild):
        super().__init__()
        self.build = build
        self.shapes: list = []  # each site's shape on the plane, for the facilities placed at it

    def add(self, type_code: str, name: str, shp, area: Area, unit: Unit | None, address: str = "", *,
            operator: Unit | None = None, capacity: int | None = None, opened_on: dt.date | None = None,
            is_active: bool = True) -> None:
        layout = self.build.layout
        if shp.geom_type == "Point":  # the same as layout.geom, without shapely's transform (most facilities)
            lng, lat = layout.lnglat(shp.x, shp.y)
            self.append(Site(code=f"S{len(self) + 1:06d}", name=name, site_type=self.build.site_types[type_code],
                             area=area, guarantor_unit=unit, address=address, operator_unit=operator, capacity=capacity,
                             opened_on=opened_on, is_active=is_active,
                             **feature_fields({"type": "Point", "coordinates": [lng, lat]}, (lng, lat, lng, lat),
                                              (lng, lat))))
            self.shapes.append(shp)
            return
        geometry = layout.geom(shp)
        if shp.geom_type == "Point":
            p = shp
        elif shp.geom_type == "Polygon":
            p = shp.representative_point()
        else:
            p = shp.interpolate(0.5, normalized=True)
        bounds = layout.lnglat(*shp.bounds[:2]) + layout.lnglat(*shp.bounds[2:])
        self.append(Site(code=f"S{len(self) + 1:06d}", name=name, site_type=self.build.site_types[type_code], area=area,
                         guarantor_unit=unit, address=address, operator_unit=operator, capacity=capacity,
                         opened_on=opened_on, is_active=is_active,
                         **feature_fields(geometry, bounds, layout.lnglat(p.x, p.y))))
        self.shapes.append(shp)


def street_sites_add(build: CityBuild, sites: SiteList, *, s_code: str, road_name: str, cx: float, office: Unit) -> None:
    """A market, a school, a square, a practice institute (实践所) and toilets in the street's first community; a
    supermarket further up."""
    street = build.streets[s_code]
    county_code = s_code[:6]
    cgj, scjg = build.units[f"CGJ-{county_code}"], build.units[f"SCJG-{county_code}"]
    communities = build.street_community_codes[s_code]
    first = build.community_shapes[communities[0]]
    fx0, fy0, fx1, fy1 = first.bounds
    sites.add("market", f"{street.name.rstrip('街道镇乡')}农贸市场", box(fx0 + 10, fy0 + 10, fx0 + 190, fy0 + 120),
              build.communities[communities[0]], scjg, f"{road_name}西侧")
    sites.add("school", f"{street.name.rstrip('街道镇乡')}小学", box(fx1 - 180, fy0 + 10, fx1 - 20, fy0 + 150),
              build.communities[communities[0]], build.units["JYJ"])
    sites.add("square", f"{street.name.rstrip('街道镇乡')}文化广场", box(fx0 + 210, fy0 + 200, fx0 + 330, fy0 + 300),
              build.communities[communities[0]], cgj)
    sites.add("practice_institute", f"{street.name.rstrip('街道镇乡')}新时代文明实践所", Point(fx0 + 50, fy0 + 350),
              build.communities[communities[0]], office)
    sites.add("toilet", f"{road_name}公厕", Point(cx + 30, fy0 + 260), build.communities[communities[0]], cgj)
    if len(communities) > 1:
        m = communities[min(3, len(communities) - 1)]
        mid = build.community_shapes[m].bounds
        sites.add("supermarket", f"{build.name()}购物广场", box(mid[0] + 20, mid[1] + 20, mid[0] + 160, mid[1] + 110),
                  build.communities[m], scjg)
        sites.add("toilet", f"{road_name}北段公厕", Point(cx - 30, mid[1] + 50), build.communities[m], cgj)


def community_sites_add(build: CityBuild, sites: SiteList, *, s_code: str, road_name: str,
                        office: Unit) -> list[tuple[Area, LineString]]:
    """Each community's compound, back street and (every other community) service centre; returns the back
    streets, which are roads too."""
    rng, alleys = build.rng, []
    for n, c_code in enumerate(build.street_community_codes[s_code]):
        community = build.communities[c_code]
        b = build.community_shapes[c_code].bounds
        guarantor = office if rng.random() < 0.5 else build.units[rng.choice(["WY-1", "WY-2"])]
        sites.add("compound", f"{build.name()}小区", box(b[0] + 320, b[1] + 120, min(b[2], b[0] + 580), min(b[3], b[1] + 380)),
                  community, guarantor, f"{road_name}{n * 10 + 5}号")
        alley = LineString([(b[0] + 5, b[1] + 205), (b[0] + 300, b[1] + 205)])
        sites.add("alley", f"{community.name}{build.name()}巷", alley, community, office)
        alleys.append((community, alley))
        if n % 2 == 0:
            sites.add("community_centre", f"{community.name}服务中心", Point(b[0] + 100, b[1] + 300), community, office)
    return alleys


def county_sites_add(build: CityBuild, sites: SiteList, *, s_code: str) -> None:
    """A hospital, a bus station, a park and a service hall in the county's last community of its first street;
    the railway station in the city's main district."""
    county_code = s_code[:6]
    county_area = build.counties[county_code]
    communities = build.street_community_codes[s_code]
    area = build.communities[communities[-1]]
    lb = build.community_shapes[communities[-1]].bounds
    units = build.units
    sites.add("hospital", f"{county_area.name}人民医院", box(lb[0] + 10, lb[1] + 10, lb[0] + 200, lb[1] + 150), area, units["WJW"])
    sites.add("station", f"{county_area.name}汽车站", box(lb[0] + 300, lb[1] + 200, lb[0] + 500, lb[1] + 350), area, units["JTJ"])
    sites.add("park", f"{county_area.name}人民公园", box(lb[0] + 10, lb[1] + 200, lb[0] + 250, lb[1] + 390), area, units["CGJ-YL"])
    sites.add("hall", f"{county_area.name}政务服务中心", Point(lb[0] + 400, lb[1] + 60), area, units["SPJ"])
    if county_code == "131102":
        sites.add("station", "衡水火车站", box(lb[0] + 300, lb[1] + 20, lb[0] + 580, lb[1] + 180), area, units["JTJ"])


# -- the facility registers -------------------------------------------------------------------------------------
# Added after every other site, with their own random source, so the sites above keep their codes and the rest of
# the city its random draws. Points sit at grid corners (5 m in), never within 55 m of a grid's centre, where tests
# and the demo's cases often stand, nor on another site's point or line; polygons' own facilities inside them.
SPOTS = [(105, 105), (205, 105), (5, 305), (105, 5), (205, 5), (405, 5), (505, 5), (5, 105)]
# Shares of the communities (villages) with each kind, and of the townships whose 实践所 is closed (the gaps).
STATION_SHARE, DRY_TOILET_SHARE, PARENT_SCHOOL_SHARE, MINORS_CENTRE_SHARE = 0.85, 0.12, 0.3, 0.2
NOTICE_BOARD_SHARE, INSTITUTE_CLOSED_SHARE = 0.8, 0.12
# (metres north of a school's middle, type, name): one venue within 200 m of a school, one beyond.
VENUES_NEAR_SCHOOLS = [(185, "internet_cafe", "星空网咖"), (400, "entertainment", "金嗓子KTV")]


class _Spots:
    """Free places for point facilities, community by community."""

    def __init__(self, build: CityBuild):
        self.build, self.used = build, {}

    def take(self, c_code: str) -> Point:
        shape = self.build.community_shapes[c_code]
        x0, y0 = shape.bounds[:2]
        n = self.used.get(c_code, 0)
        while n < len(SPOTS):
            p = Point(x0 + SPOTS[n][0], y0 + SPOTS[n][1])
            n += 1
            if shape.contains(p):
                self.used[c_code] = n
                return p
        # A small community has no free spot left: north of its middle, 12 m further east each time.
        self.used[c_code] = n + 1
        p = shape.representative_point()
        return Point(p.x + 12 * ((n - len(SPOTS)) % 5), p.y + 55)


def _inside(shp, dx: float = 12.0) -> Point:
    """A point inside a polygon site, a little east of its representative point (not on it)."""
    p = shp.representative_point()
    q = Point(p.x + dx, p.y)
    return q if shp.contains(q) else p


def facility_sites_add(build: CityBuild, sites: SiteList) -> dict[str, int]:
    """The facility registers of the demo city; returns how many of each type."""
    rng = random.Random(repr(build.rng.getstate()[1][:8]))  # seeded by the city's seed, drawing none of its numbers
    spots, units = _Spots(build), build.units
    opened = dt.date(2019, 1, 1)
    existing = len(sites)

    def when() -> dt.date:
        return opened + dt.timedelta(days=rng.randrange(0, 6 * 365))

    first_streets: dict[str, str] = {}
    for k, s_code in enumerate(build.street_shapes):
        street, communities = build.streets[s_code], build.street_community_codes[s_code]
        county_code = s_code[:6]
        office, short = build.offices[street.id], street.name.rstrip("街道镇乡")
        # 复兴少年宫: the article wants at least 3 per township; some have 2, some 4.
        palaces = 2 if k == 0 else 4 if k == 1 else rng.choice((2, 3, 3, 4))
        for i in range(palaces):
            c_code = communities[i % len(communities)]
            sites.add("youth_palace", f"{short}复兴少年宫{'一二三四'[i]}校区", spots.take(c_code), build.communities[c_code],
                      None, operator=units["JYJ"], capacity=rng.choice((120, 200, 300)), opened_on=when())
        for n, c_code in enumerate(communities):
            community = build.communities[c_code]
            if rng.random() < STATION_SHARE:
                sites.add("practice_station", f"{community.name}新时代文明实践站", spots.take(c_code), community, None,
                          operator=office, opened_on=when())
            if rng.random() < DRY_TOILET_SHARE:
                sites.add("dry_toilet", f"{community.name}旱厕", spots.take(c_code), community, None, operator=office)
            if rng.random() < PARENT_SCHOOL_SHARE:
                sites.add("parent_school", f"{community.name}家长学校", spots.take(c_code), community, None,
                          operator=units["JYJ"], capacity=rng.choice((40, 60, 80)), opened_on=when())
            if rng.random() < MINORS_CENTRE_SHARE:
                sites.add("minors_centre", f"{community.name}未成年人活动中心", spots.take(c_code), community, None,
                          operator=units["WMB"], capacity=rng.choice((50, 100)), opened_on=when())
            if (n == 0 and k % 2 == 0) or rng.random() < 0.1:
                sites.add("parking_lot", f"{community.name}公共停车场", spots.take(c_code), community, None,
                          operator=units[rng.choice(["WY-1", "WY-2", "JTJ"])], capacity=rng.randrange(30, 400, 10),
                          opened_on=when())
        if first_streets.setdefault(county_code, s_code) == s_code:
            county = build.counties[county_code]
            # 繁华商业区: a strip by the supermarket's community, clear of the grids' centres; most get a notice board.
            m = communities[min(3, len(communities) - 1)]
            mx, my = build.community_shapes[m].bounds[:2]
            strip = box(mx + 165, my + 5, mx + 260, my + 45)
            sites.add("commercial_area", f"{county.name}{short}商业街", strip, build.communities[m], None)
            if rng.random() < NOTICE_BOARD_SHARE:
                sites.add("notice_board", f"{county.name}{short}商业街公共信息发布栏", _inside(strip), build.communities[m],
                          None, operator=office)
            c_code = communities[min(1, len(communities) - 1)]
            sites.add("practice_centre", f"{county.name}新时代文明实践中心", spots.take(c_code), build.communities[c_code],
                      None, operator=build.govs[county.id], opened_on=when())
            for j in range(1 + rng.randrange(2)):
                sites.add("practice_base", f"{county.name}{['青少年农业科普', '红色教育', '劳动实践'][j]}基地",
                          spots.take(c_code), build.communities[c_code], None, operator=units["JYJ"],
                          capacity=rng.choice((200, 500)), opened_on=when())

    # At the sites added above: notice boards at most squares and compounds, smoking posts at squares and
    # stations, the venues near two schools, a 实践所 closed here and there.
    schools = 0
    for i in range(existing):
        site, shp = sites[i], sites.shapes[i]
        code = site.site_type.code
        if code in ("square", "compound") and rng.random() < NOTICE_BOARD_SHARE:
            sites.add("notice_board", f"{site.name}公共信息发布栏", _inside(shp), site.area, None,
                      operator=site.guarantor_unit)
        if code in ("square", "station"):
            sites.add("smoking_post", f"{site.name}灭烟柱", _inside(shp, -12.0), site.area, None,
                      operator=site.guarantor_unit)
        if code == "school" and schools < len(VENUES_NEAR_SCHOOLS):
            north, type_code, name = VENUES_NEAR_SCHOOLS[schools]
            middle = shp.centroid
            sites.add(type_code, name, Point(middle.x, middle.y + north), _community_at(build, middle.x, middle.y + north,
                      site.area), None, address=f"{site.name}北{north}米")
            schools += 1
        if code == "practice_institute" and rng.random() < INSTITUTE_CLOSED_SHARE:
            site.is_active = False  # 停用: closed for repairs, so the township lacks one
            site.address = site.address or "装修停用"
    return {code: sum(1 for s in sites[existing:] if s.site_type.code == code) for code in FACILITY_COUNTED}


FACILITY_COUNTED = ("youth_palace", "practice_centre", "practice_station", "practice_base", "parent_school",
                    "minors_centre", "notice_board", "smoking_post", "parking_lot", "dry_toilet", "entertainment",
                    "internet_cafe", "commercial_area")


def _community_at(build: CityBuild, x: float, y: float, default: Area) -> Area:
    """The community holding a point on the plane (a venue may stand in the next community), else ``default``."""
    p = Point(x, y)
    for c_code, shape in build.community_shapes.items():
        if shape.contains(p):
            return build.communities[c_code]
    return default
