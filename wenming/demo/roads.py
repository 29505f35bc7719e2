"""Roads with their road chiefs (路长): a main road up each street's column and a back street in each community;
the shops along the main roads with their storefront duties (门前三包)."""

from __future__ import annotations

import datetime as dt

from shapely import LineString

from wenming.demo.layout import BATCH, feature_fields
from wenming.demo.state import CityBuild
from wenming.org.models import Area, RoadChief, RoadSegment, StorefrontDuty, Unit

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
# (segment, shape on the plane, the street's office (street-level chief), the county's unit (county-level chief))
Road = tuple[RoadSegment, LineString, Unit, Unit | None]


def main_road(build: CityBuild, *, s_code: str, cx: float, miny: float, maxy: float, office: Unit) -> Road:
    """The main road up the middle of the street's column."""
    street = build.streets[s_code]
    road_name = main_road_name(street)
    segment = RoadSegment(code=f"RD{s_code}M", name=road_name, road_class=build.rng.choice(["arterial", "secondary"]),
                          area=street)
    return segment, LineString([(cx, miny), (cx, maxy)]), office, build.units[f"CGJ-{s_code[:6]}"]


def main_road_name(street: Area) -> str:
    return f"{street.name.rstrip('街道镇乡')}大街"


def alley_road(community: Area, alley: LineString, office: Unit) -> Road:
    return RoadSegment(code=f"RD{community.code}A", name=f"{community.name}巷", road_class="alley", area=community), alley, office, None


def storefronts_add(build: CityBuild, storefronts: list[StorefrontDuty], *, s_code: str, road_name: str, cx: float,
                    miny: float, maxy: float, office: Unit) -> None:
    """Shops along the main road, each with its storefront duties, supervised by the street's office."""
    layout, rng = build.layout, build.rng
    for j in range(max(2, int((maxy - miny) // 400))):
        sy = miny + 60 + j * 380
        if sy + 20 > maxy:
            break
        lng0, lat0 = layout.lnglat(cx + 12, sy)
        lng1, lat1 = layout.lnglat(cx + 12, sy + 20)
        storefronts.append(StorefrontDuty(
            code=f"MQ{s_code}{j + 1:03d}", shop_name=f"{road_name}{build.name()}{rng.choice(['超市', '饭店', '五金店', '药店', '理发店', '水果店'])}",
            licence_no=f"91131100MA{rng.randrange(10**7, 10**8)}", keeper_name=rng.choice("王李张刘陈杨赵黄周吴") + "经理",
            keeper_phone=f"13{rng.randrange(10**8, 10**9)}", address=f"{road_name}{j * 2 + 1}号",
            duties=["sanitation", "greening", "order", "facilities", "civility"],
            supervising_unit=office, signed_on=dt.date(2022, 3, 1),
            **feature_fields({"type": "LineString", "coordinates": [[lng0, lat0], [lng1, lat1]]},
                             (lng0, lat0, lng1, lat1), ((lng0 + lng1) / 2, (lat0 + lat1) / 2)),
        ))


def roads_create(build: CityBuild, roads: list[Road]) -> tuple[int, int]:
    """The road segments and their chiefs: the street's on every road, the county's on main roads. Returns how
    many of each."""
    segments = RoadSegment.objects.bulk_create([_placed(build, segment, shp) for segment, shp, *_ in roads], batch_size=BATCH)
    chiefs, rng = [], build.rng
    for seg, (_r, _shp, office, county_unit) in zip(segments, roads, strict=True):
        chiefs.append(RoadChief(segment=seg, level=RoadChief.Level.STREET, name=f"{rng.choice(SURNAMES)}路长",
                                phone=f"139{rng.randrange(10**7, 10**8)}", unit=office))
        if county_unit is not None:
            chiefs.append(RoadChief(segment=seg, level=RoadChief.Level.COUNTY, name=f"{rng.choice(SURNAMES)}路长",
                                    phone=f"138{rng.randrange(10**7, 10**8)}", unit=county_unit))
    RoadChief.objects.bulk_create(chiefs, batch_size=BATCH)
    return len(segments), len(chiefs)


def _placed(build: CityBuild, segment: RoadSegment, shp) -> RoadSegment:
    layout = build.layout
    geometry = layout.geom(shp)
    p = shp.interpolate(0.5, normalized=True)
    bounds = layout.lnglat(*shp.bounds[:2]) + layout.lnglat(*shp.bounds[2:])
    for k, v in feature_fields(geometry, bounds, layout.lnglat(p.x, p.y)).items():
        setattr(segment, k, v)
    return segment
