"""Sites (点位) of every type: markets, schools and squares in each street, a compound, a back street and a
service centre in each community, a hospital, a station, a park and a service hall in each county."""

from __future__ import annotations

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

    def add(self, type_code: str, name: str, shp, area: Area, unit: Unit | None, address: str = "") -> None:
        layout = self.build.layout
        geometry = layout.geom(shp)
        if shp.geom_type == "Point":
            p = shp
        elif shp.geom_type == "Polygon":
            p = shp.representative_point()
        else:
            p = shp.interpolate(0.5, normalized=True)
        bounds = layout.lnglat(*shp.bounds[:2]) + layout.lnglat(*shp.bounds[2:])
        self.append(Site(code=f"S{len(self) + 1:06d}", name=name, site_type=self.build.site_types[type_code], area=area,
                         guarantor_unit=unit, address=address,
                         **feature_fields(geometry, bounds, layout.lnglat(p.x, p.y))))


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
