"""A synthetic Hengshui: the districts and counties, streets, communities, ~10,000 m² unit grids, units,
sites of every type, roads with road chiefs, storefront duties, facilities, routing rules and a demo
login for every role. The same seed gives the same city.

Geometry is laid out as nested rectangles (grid → community → street → county) so that every grid lies
inside its ancestors, as real boundary data does; the counties sit around Hengshui's real centre.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from shapely import box, union_all
from shapely.geometry import mapping

from wenming.campaign.services.actions import campaign_load
from wenming.campaign.services.categories import categories_load
from wenming.cases.models import Category, Facility, RoutingRule
from wenming.common.geo import EARTH_RADIUS_M
from wenming.common.services.audit import audit_event_record
from wenming.common.services.geography import geography_version_bump
from wenming.org.models import (
    Area,
    AreaLevel,
    Person,
    ResponsibilityGrid,
    RoadChief,
    RoadSegment,
    Role,
    RoleAssignment,
    Site,
    SiteType,
    StorefrontDuty,
    Unit,
    UnitKind,
)

CITY_CODE = "131100"
CITY_NAME = "衡水市"
ORIGIN = (115.50, 37.60)  # south-west corner of the layout; Hengshui's centre is about 115.67, 37.74
CELL_M = 100.0  # a unit grid of about 10,000 m²
COMMUNITY_W, COMMUNITY_H = 6, 4  # grids per community: 24
COMMUNITIES_PER_STREET = 8
BATCH = 2000
DEMO_PASSWORD = "wenming2026"


@functools.cache
def demo_password_hash() -> str:
    """The demo password hashed once per process (hashing takes a good fraction of a second) for every account."""
    return make_password(DEMO_PASSWORD)

# GB/T 2260 codes for the districts and counties; the two development zones carry the statistical codes
# used for them (1311 71/72), which the national list does not define — treat them as local codes.
COUNTIES = [
    ("131102", "桃城区", 0.22, True),
    ("131103", "冀州区", 0.09, True),
    ("131171", "衡水高新区", 0.06, True),
    ("131172", "滨湖新区", 0.05, True),
    ("131121", "枣强县", 0.06, False),
    ("131122", "武邑县", 0.06, False),
    ("131123", "武强县", 0.05, False),
    ("131124", "饶阳县", 0.05, False),
    ("131125", "安平县", 0.06, False),
    ("131126", "故城县", 0.07, False),
    ("131127", "景县", 0.08, False),
    ("131128", "阜城县", 0.06, False),
    ("131182", "深州市", 0.09, False),
]

STEMS = ["和平", "中华", "人民", "育才", "新华", "胜利", "光明", "前进", "东风", "红旗", "建设", "朝阳", "永兴", "河东", "河西", "路北", "滨湖", "彭杜", "赵圈", "邓庄", "何庄", "大麻森", "郑家", "北门", "南关", "西关", "东关", "迎宾", "康宁", "安济", "红星", "团结", "幸福", "文化", "工业", "民主", "振华", "太平", "长安", "吉祥", "瑞丰", "富强", "兴旺", "宝云", "明珠", "盛世", "阳光", "金桥", "广厦", "枣园", "杏林", "槐荫", "柳林", "桃园", "梨园", "宏达", "裕华", "凤凰", "安居", "乐业", "清河", "汇源", "益民", "聚贤", "崇文", "尚德", "怀德", "宜居"]

DEPARTMENTS = [
    # code, name, kind, routing notes live in _routing_rules
    ("CMD", "衡水市创城指挥部", UnitKind.COMMAND),
    ("WMB", "衡水市文明办", UnitKind.DEPARTMENT),
    ("CGJ", "衡水市城市管理综合行政执法局", UnitKind.DEPARTMENT),
    ("CGJ-YL", "衡水市园林绿化服务中心", UnitKind.DEPARTMENT),
    ("JJZD", "衡水市公安局交通警察支队", UnitKind.DEPARTMENT),
    ("GAJ", "衡水市公安局", UnitKind.DEPARTMENT),
    ("ZJJ", "衡水市住房和城乡建设局", UnitKind.DEPARTMENT),
    ("SCJG", "衡水市市场监督管理局", UnitKind.DEPARTMENT),
    ("JYJ", "衡水市教育局", UnitKind.DEPARTMENT),
    ("STHJ", "衡水市生态环境局", UnitKind.DEPARTMENT),
    ("JTJ", "衡水市交通运输局", UnitKind.DEPARTMENT),
    ("WJW", "衡水市卫生健康委员会", UnitKind.DEPARTMENT),
    ("NYNC", "衡水市农业农村局", UnitKind.DEPARTMENT),
    ("WGL", "衡水市文化广电和旅游局", UnitKind.DEPARTMENT),
    ("SPJ", "衡水市行政审批局", UnitKind.DEPARTMENT),
    ("FGW", "衡水市发展和改革委员会", UnitKind.DEPARTMENT),
    ("POWER", "国网衡水供电公司", UnitKind.UTILITY),
    ("WATER", "衡水市供水公司", UnitKind.UTILITY),
    ("GAS", "衡水市燃气公司", UnitKind.UTILITY),
    ("CMCC", "中国移动衡水分公司", UnitKind.TELECOM),
    ("CUCC", "中国联通衡水分公司", UnitKind.TELECOM),
    ("CTCC", "中国电信衡水分公司", UnitKind.TELECOM),
    ("CATV", "河北广电网络衡水分公司", UnitKind.TELECOM),
    ("WY-1", "衡水安居物业服务有限公司", UnitKind.ENTERPRISE),
    ("WY-2", "衡水湖城物业管理有限公司", UnitKind.ENTERPRISE),
]
# Departments with a branch in every district and county.
BRANCHED = {"CGJ": "城市管理综合行政执法局", "JJZD": "交警大队", "SCJG": "市场监督管理局"}

SITE_TYPES = [
    ("market", "农贸市场", 300),
    ("alley", "背街小巷", 0),
    ("compound", "小区", 0),
    ("school", "学校", 200),
    ("station", "车站", 300),
    ("hospital", "医院", 0),
    ("park", "公园", 0),
    ("supermarket", "商超", 300),
    ("toilet", "公厕", 0),
    ("square", "广场", 0),
    ("hall", "政务大厅", 0),
    ("community_centre", "社区服务中心", 300),
    ("practice_station", "新时代文明实践站", 0),
]


@dataclass
class DemoCity:
    seed: int
    grids: int
    counts: dict = field(default_factory=dict)
    logins: list = field(default_factory=list)


class _Layout:
    """Metres on a plane → WGS-84 degrees, around the layout's origin."""

    def __init__(self):
        self.kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(ORIGIN[1] + 0.15))
        self.ky = math.radians(1) * EARTH_RADIUS_M

    def lnglat(self, x: float, y: float) -> tuple[float, float]:
        return round(ORIGIN[0] + x / self.kx, 7), round(ORIGIN[1] + y / self.ky, 7)

    def rect(self, x0: float, y0: float, x1: float, y1: float) -> dict:
        (a, b), (c, d) = self.lnglat(x0, y0), self.lnglat(x1, y1)
        return {"type": "Polygon", "coordinates": [[[a, b], [c, b], [c, d], [a, d], [a, b]]]}

    def geom(self, shp) -> dict:
        from shapely import transform

        return mapping(transform(shp, lambda xy: [self.lnglat(x, y) for x, y in xy]))


def _feature_fields(geometry: dict, bounds, point) -> dict:
    return {
        "geometry": geometry,
        "min_lng": bounds[0],
        "min_lat": bounds[1],
        "max_lng": bounds[2],
        "max_lat": bounds[3],
        "lng": point[0],
        "lat": point[1],
    }


def _split(total: int, shares: list[float]) -> list[int]:
    raw = [total * s / sum(shares) for s in shares]
    counts = [max(1, int(r)) for r in raw]
    i = 0
    while sum(counts) < total:
        counts[i % len(counts)] += 1
        i += 1
    while sum(counts) > total:
        j = counts.index(max(counts))
        counts[j] -= 1
    return counts


def demo_city_build(*, grids: int = 3000, seed: int = 1) -> DemoCity:
    """Build the whole demo city in one transaction. The database must hold no areas yet."""
    if grids < len(COUNTIES):
        raise ValueError(f"--grids must be at least {len(COUNTIES)}")
    if Area.objects.exists():
        raise ValueError("the database already holds areas; demo data goes into an empty database")
    rng = random.Random(seed)
    layout = _Layout()
    city = DemoCity(seed=seed, grids=grids)
    with transaction.atomic():
        campaign = campaign_load()
        categories_load(campaign_code=campaign.code)
        builder = _Builder(rng=rng, layout=layout, grids=grids)
        builder.run()
        city.counts = builder.counts
        city.logins = builder.logins
        geography_version_bump()
        audit_event_record(action="demo.build", summary=f"demo city seed={seed} grids={grids}", data=builder.counts)
    return city


class _Builder:
    def __init__(self, *, rng: random.Random, layout: _Layout, grids: int):
        self.rng, self.layout, self.total_grids = rng, layout, grids
        self.counts: dict[str, int] = {}
        self.logins: list[tuple[str, str, str]] = []
        self.units: dict[str, Unit] = {}
        self.site_types: dict[str, SiteType] = {}
        self.password = demo_password_hash()
        self.stem_i = 0
        self.stems = STEMS[:]
        rng.shuffle(self.stems)

    def name(self) -> str:
        stem = self.stems[self.stem_i % len(self.stems)]
        self.stem_i += 1
        return stem if self.stem_i <= len(STEMS) else f"{stem}{self.rng.choice('一二三四五六七八九')}"

    # -------------------------------------------------------------------------------------------------------
    def run(self) -> None:
        self.make_units()
        self.make_areas()
        self.make_site_types()
        self.make_sites_roads_facilities()
        self.make_routing_rules()
        self.make_people()

    def make_units(self) -> None:
        for code, name, kind in DEPARTMENTS:
            parent = self.units.get("CGJ") if code == "CGJ-YL" else None
            self.units[code] = Unit.objects.create(
                code=code, name=name, kind=kind, parent=parent,
                contact_name="值班室", contact_phone=f"0318-{2100000 + len(self.units):07d}",
            )

    def make_areas(self) -> None:
        L = self.layout
        city = Area(code=CITY_CODE, name=CITY_NAME, level=AreaLevel.CITY)
        city.path = f"/{CITY_CODE}/"
        city.save()
        self.city = city
        grid_counts = _split(self.total_grids, [c[2] for c in COUNTIES])
        county_rows = []
        self.county_urban = {}
        block_w = COMMUNITY_W * CELL_M
        street_h = COMMUNITIES_PER_STREET * COMMUNITY_H * CELL_M
        cursor_x, cursor_y, row_h = 0.0, 0.0, 0.0
        max_row_w = 60_000.0
        # Lay counties left to right in rows with a 1 km gap, each as a row of street columns.
        plan = []
        for (code, name, _share, urban), n_grids in zip(COUNTIES, grid_counts, strict=True):
            n_comm = math.ceil(n_grids / (COMMUNITY_W * COMMUNITY_H))
            n_streets = math.ceil(n_comm / COMMUNITIES_PER_STREET)
            width = n_streets * block_w
            if cursor_x and cursor_x + width > max_row_w:
                cursor_x, cursor_y, row_h = 0.0, cursor_y + row_h + 1000.0, 0.0
            plan.append((code, name, urban, n_grids, n_comm, n_streets, cursor_x, cursor_y))
            cursor_x += width + 1000.0
            row_h = max(row_h, street_h if n_streets > 1 else math.ceil(n_comm) * COMMUNITY_H * CELL_M)

        county_shapes, street_shapes, community_shapes = {}, {}, {}
        grid_specs = []  # (community_code, serial, x0, y0)
        street_specs, community_specs = [], []
        for code, name, urban, n_grids, n_comm, n_streets, x0, y0 in plan:
            self.county_urban[code] = urban
            remaining_grids, remaining_comm = n_grids, n_comm
            street_polys = []
            for s in range(n_streets):
                s_code = f"{code}{s + 1:03d}"
                s_name = self.name() + ("街道" if urban else self.rng.choice(["镇", "镇", "乡"]))
                sx = x0 + s * block_w
                comm_polys = []
                n_here = min(COMMUNITIES_PER_STREET, remaining_comm)
                for c in range(n_here):
                    c_code = f"{s_code}{c + 1:03d}"
                    c_name = self.name() + ("社区" if urban else "村")
                    cy = y0 + c * COMMUNITY_H * CELL_M
                    g_here = min(COMMUNITY_W * COMMUNITY_H, remaining_grids - (remaining_comm - 1))
                    g_here = max(1, g_here)
                    cells = []
                    for g in range(g_here):
                        gx, gy = sx + (g % COMMUNITY_W) * CELL_M, cy + (g // COMMUNITY_W) * CELL_M
                        grid_specs.append((c_code, g + 1, gx, gy))
                        cells.append((gx, gy))
                    full_rows = g_here // COMMUNITY_W
                    parts = []
                    if full_rows:
                        parts.append(box(sx, cy, sx + block_w, cy + full_rows * CELL_M))
                    if g_here % COMMUNITY_W:
                        parts.append(
                            box(sx, cy + full_rows * CELL_M, sx + (g_here % COMMUNITY_W) * CELL_M, cy + (full_rows + 1) * CELL_M)
                        )
                    poly = union_all(parts) if len(parts) > 1 else parts[0]
                    community_shapes[c_code] = poly
                    community_specs.append((c_code, c_name, s_code, g_here))
                    comm_polys.append(poly)
                    remaining_grids -= g_here
                    remaining_comm -= 1
                street_poly = union_all(comm_polys)
                street_shapes[s_code] = street_poly
                street_specs.append((s_code, s_name, code))
                street_polys.append(street_poly)
            county_shapes[code] = union_all(street_polys)
            county_rows.append((code, name))
        self.community_shapes, self.street_shapes, self.county_shapes = community_shapes, street_shapes, county_shapes

        city_shape = union_all(list(county_shapes.values()))
        self._set_shape(city, city_shape)
        city.save()

        def make(code, name, level, parent, shp):
            area = Area(code=code, name=name, level=level, parent=parent, path=f"{parent.path}{code}/")
            self._set_shape(area, shp)
            return area

        counties = Area.objects.bulk_create(
            [make(code, name, AreaLevel.COUNTY, city, county_shapes[code]) for code, name in county_rows]
        )
        self.counties = {a.code: a for a in counties}
        streets = Area.objects.bulk_create(
            [make(c, n, AreaLevel.STREET, self.counties[p], street_shapes[c]) for c, n, p in street_specs], batch_size=BATCH
        )
        self.streets = {a.code: a for a in streets}
        communities = Area.objects.bulk_create(
            [make(c, n, AreaLevel.COMMUNITY, self.streets[s], community_shapes[c]) for c, n, s, _g in community_specs],
            batch_size=BATCH,
        )
        self.communities = {a.code: a for a in communities}

        # Responsibility grids: about six unit grids each.
        rgrids = []
        for c_code, _n, _s, g_here in community_specs:
            for r in range(math.ceil(g_here / 6)):
                rgrids.append(
                    ResponsibilityGrid(
                        code=f"{c_code}R{r + 1:02d}", name=f"{self.communities[c_code].name}第{r + 1}网格",
                        community=self.communities[c_code],
                    )
                )
        rgrids = ResponsibilityGrid.objects.bulk_create(rgrids, batch_size=BATCH)
        self.rgrids = {g.code: g for g in rgrids}

        cell_area = CELL_M * CELL_M
        batch = []
        for c_code, serial, gx, gy in grid_specs:
            community = self.communities[c_code]
            code = f"{c_code}{serial:02d}"
            geometry = L.rect(gx, gy, gx + CELL_M, gy + CELL_M)
            ring = geometry["coordinates"][0]
            area = Area(
                code=code,
                name=f"{community.name}{serial:02d}号网格",
                level=AreaLevel.GRID,
                parent=community,
                path=f"{community.path}{code}/",
                area_m2=cell_area,
                responsibility_grid=self.rgrids[f"{c_code}R{(serial - 1) // 6 + 1:02d}"],
                **_feature_fields(
                    geometry, (ring[0][0], ring[0][1], ring[2][0], ring[2][1]),
                    ((ring[0][0] + ring[2][0]) / 2, (ring[0][1] + ring[2][1]) / 2),
                ),
            )
            batch.append(area)
            if len(batch) >= BATCH:
                Area.objects.bulk_create(batch)
                batch = []
        if batch:
            Area.objects.bulk_create(batch)
        self.counts.update(
            counties=len(counties), streets=len(streets), communities=len(communities),
            responsibility_grids=len(rgrids), grids=len(grid_specs),
        )
        self.street_community_codes: dict[str, list[str]] = {}
        for c_code, _n, s_code, _g in community_specs:
            self.street_community_codes.setdefault(s_code, []).append(c_code)

        # Governments: one per district/county, one office per street, each the default unit of its area.
        govs = Unit.objects.bulk_create(
            [
                Unit(code=f"GOV-{a.code}", name=f"{a.name}人民政府" if "新区" not in a.name and "高新" not in a.name
                     else f"{a.name}管委会", kind=UnitKind.GOVERNMENT, area=a, path=f"/GOV-{a.code}/",
                     contact_name="总值班室", contact_phone=f"0318-{2200000 + i:07d}")
                for i, a in enumerate(counties)
            ]
        )
        self.govs = {u.area_id: u for u in govs}
        offices = Unit.objects.bulk_create(
            [
                Unit(
                    code=f"GOV-{s.code}",
                    name=s.name.replace("街道", "街道办事处") if s.name.endswith("街道") else f"{s.name}人民政府",
                    kind=UnitKind.GOVERNMENT, area=s, parent=self.govs[s.parent_id],
                    path=f"{self.govs[s.parent_id].path}GOV-{s.code}/", contact_name="党政办",
                    contact_phone=f"0318-{2300000 + i:07d}",
                )
                for i, s in enumerate(streets)
            ],
            batch_size=BATCH,
        )
        self.offices = {u.area_id: u for u in offices}
        for a in counties:
            a.default_unit = self.govs[a.id]
        for s in streets:
            s.default_unit = self.offices[s.id]
        Area.objects.bulk_update(counties + streets, ["default_unit"], batch_size=BATCH)
        city.default_unit = self.units["CMD"]
        city.save(update_fields=["default_unit"])
        # Branches of the departments that work district by district.
        branches = []
        for a in counties:
            for parent_code, suffix in BRANCHED.items():
                parent = self.units[parent_code]
                branches.append(
                    Unit(code=f"{parent_code}-{a.code}", name=f"{a.name}{suffix}", kind=UnitKind.DEPARTMENT,
                         parent=parent, area=a, path=f"{parent.path}{parent_code}-{a.code}/")
                )
        for u in Unit.objects.bulk_create(branches):
            self.units[u.code] = u
        self.counts["units"] = Unit.objects.count()

    def _set_shape(self, area: Area, shp) -> None:
        geometry = self.layout.geom(shp)
        p = shp.representative_point()
        (minx, miny), (maxx, maxy) = self.layout.lnglat(*shp.bounds[:2]), self.layout.lnglat(*shp.bounds[2:])
        plng, plat = self.layout.lnglat(p.x, p.y)
        for k, v in _feature_fields(geometry, (minx, miny, maxx, maxy), (plng, plat)).items():
            setattr(area, k, v)
        area.area_m2 = round(shp.area, 1)

    def make_site_types(self) -> None:
        created = SiteType.objects.bulk_create(
            [SiteType(code=c, name=n, surround_radius_m=r, sort=i) for i, (c, n, r) in enumerate(SITE_TYPES)]
        )
        self.site_types = {t.code: t for t in created}

    # -------------------------------------------------------------------------------------------------------
    def make_sites_roads_facilities(self) -> None:
        L, rng = self.layout, self.rng
        cats = {c.code: c for c in Category.objects.filter(kind="component", parent__isnull=False)}
        sites, roads, storefronts, facilities = [], [], [], []
        facility_serial: dict[str, int] = {}
        site_n = 0

        def site(type_code, name, shp, area, unit, address=""):
            nonlocal site_n
            site_n += 1
            geometry = L.geom(shp)
            if shp.geom_type == "Point":
                p = shp
            elif shp.geom_type == "Polygon":
                p = shp.representative_point()
            else:
                p = shp.interpolate(0.5, normalized=True)
            bounds = L.lnglat(*shp.bounds[:2]) + L.lnglat(*shp.bounds[2:])
            sites.append(Site(code=f"S{site_n:06d}", name=name, site_type=self.site_types[type_code], area=area,
                              guarantor_unit=unit, address=address, **_feature_fields(geometry, bounds, L.lnglat(p.x, p.y))))

        def facility(cat_code, x, y, county_code, owner, maintainer=None):
            cat = cats[cat_code]
            key = f"{county_code}{cat_code[2:]}"
            facility_serial[key] = facility_serial.get(key, 0) + 1
            lng, lat = L.lnglat(x, y)
            facilities.append(Facility(code=f"{key}{facility_serial[key]:06d}", category=cat, lng=lng, lat=lat,
                                       owner_unit=owner, maintainer_unit=maintainer))

        from shapely import LineString, Point

        for s_code, street_shape in self.street_shapes.items():
            street = self.streets[s_code]
            county_code = s_code[:6]
            county_area = self.counties[county_code]
            office = self.offices[street.id]
            cgj = self.units[f"CGJ-{county_code}"]
            scjg = self.units[f"SCJG-{county_code}"]
            jj = self.units[f"JJZD-{county_code}"]
            minx, miny, maxx, maxy = street_shape.bounds
            cx = (minx + maxx) / 2
            # A main road runs up the middle of each street's column.
            road_name = f"{street.name.rstrip('街道镇乡')}大街"
            main = LineString([(cx, miny), (cx, maxy)])
            roads.append((RoadSegment(code=f"RD{s_code}M", name=road_name, road_class=rng.choice(["arterial", "secondary"]),
                                      area=street), main, office, cgj))
            # Street furniture along the main road: lamps and poles every 50 m, bins and signs less often.
            y = miny + 25
            k = 0
            while y < maxy:
                facility("BJ0107", cx + 8, y, county_code, cgj)
                facility("BJ0104", cx - 8, y, county_code, self.units["POWER"])
                if k % 2 == 0:
                    facility("BJ0105", cx + 10, y + 10, county_code, self.units[rng.choice(["CMCC", "CUCC", "CTCC", "CATV"])])
                    facility("BJ0301", cx - 6, y + 20, county_code, cgj)
                if k % 4 == 0:
                    facility("BJ0102", cx + 3, y + 5, county_code, cgj)
                    facility("BJ0101", cx - 3, y + 15, county_code, self.units["WATER"])
                    facility("BJ0202", cx + 9, y + 30, county_code, jj)
                if k % 8 == 0:
                    facility("BJ0201", cx, y, county_code, jj)
                    facility("BJ0106", cx + 4, y + 35, county_code, self.units["GAS"])
                y += 50
                k += 1
            # Shops along the main road, each with its storefront duties.
            for j in range(max(2, int((maxy - miny) // 400))):
                sy = miny + 60 + j * 380
                if sy + 20 > maxy:
                    break
                lng0, lat0 = L.lnglat(cx + 12, sy)
                lng1, lat1 = L.lnglat(cx + 12, sy + 20)
                storefronts.append(StorefrontDuty(
                    code=f"MQ{s_code}{j + 1:03d}", shop_name=f"{road_name}{self.name()}{rng.choice(['超市', '饭店', '五金店', '药店', '理发店', '水果店'])}",
                    licence_no=f"91131100MA{rng.randrange(10**7, 10**8)}", keeper_name=rng.choice("王李张刘陈杨赵黄周吴") + "经理",
                    keeper_phone=f"13{rng.randrange(10**8, 10**9)}", address=f"{road_name}{j * 2 + 1}号",
                    duties=["sanitation", "greening", "order", "facilities", "civility"],
                    supervising_unit=office, signed_on=dt.date(2022, 3, 1),
                    **_feature_fields({"type": "LineString", "coordinates": [[lng0, lat0], [lng1, lat1]]},
                                      (lng0, lat0, lng1, lat1), ((lng0 + lng1) / 2, (lat0 + lat1) / 2)),
                ))
            # Street-level sites.
            communities = self.street_community_codes[s_code]
            first = self.community_shapes[communities[0]]
            fx0, fy0, fx1, fy1 = first.bounds
            site("market", f"{street.name.rstrip('街道镇乡')}农贸市场", box(fx0 + 10, fy0 + 10, fx0 + 190, fy0 + 120),
                 self.communities[communities[0]], scjg, f"{road_name}西侧")
            site("school", f"{street.name.rstrip('街道镇乡')}小学", box(fx1 - 180, fy0 + 10, fx1 - 20, fy0 + 150),
                 self.communities[communities[0]], self.units["JYJ"])
            site("square", f"{street.name.rstrip('街道镇乡')}文化广场", box(fx0 + 210, fy0 + 200, fx0 + 330, fy0 + 300),
                 self.communities[communities[0]], cgj)
            site("practice_station", f"{street.name.rstrip('街道镇乡')}新时代文明实践所", Point(fx0 + 50, fy0 + 350),
                 self.communities[communities[0]], office)
            site("toilet", f"{road_name}公厕", Point(cx + 30, fy0 + 260), self.communities[communities[0]], cgj)
            if len(communities) > 1:
                m = communities[min(3, len(communities) - 1)]
                mid = self.community_shapes[m].bounds
                site("supermarket", f"{self.name()}购物广场", box(mid[0] + 20, mid[1] + 20, mid[0] + 160, mid[1] + 110),
                     self.communities[m], scjg)
                site("toilet", f"{road_name}北段公厕", Point(cx - 30, mid[1] + 50), self.communities[m], cgj)
            # Each community: a compound, a back street and its service centre.
            for n, c_code in enumerate(communities):
                c_shape = self.community_shapes[c_code]
                community = self.communities[c_code]
                b = c_shape.bounds
                guarantor = office if rng.random() < 0.5 else self.units[rng.choice(["WY-1", "WY-2"])]
                site("compound", f"{self.name()}小区", box(b[0] + 320, b[1] + 120, min(b[2], b[0] + 580), min(b[3], b[1] + 380)),
                     community, guarantor, f"{road_name}{n * 10 + 5}号")
                alley = LineString([(b[0] + 5, b[1] + 205), (b[0] + 300, b[1] + 205)])
                site("alley", f"{community.name}{self.name()}巷", alley, community, office)
                roads.append((RoadSegment(code=f"RD{c_code}A", name=f"{community.name}巷", road_class="alley", area=community),
                              alley, office, None))
                if n % 2 == 0:
                    site("community_centre", f"{community.name}服务中心", Point(b[0] + 100, b[1] + 300), community, office)
            # County-level sites in each county's first street.
            if s_code.endswith("001"):
                area = self.communities[communities[-1]]
                lb = self.community_shapes[communities[-1]].bounds
                site("hospital", f"{county_area.name}人民医院", box(lb[0] + 10, lb[1] + 10, lb[0] + 200, lb[1] + 150), area, self.units["WJW"])
                site("station", f"{county_area.name}汽车站", box(lb[0] + 300, lb[1] + 200, lb[0] + 500, lb[1] + 350), area, self.units["JTJ"])
                site("park", f"{county_area.name}人民公园", box(lb[0] + 10, lb[1] + 200, lb[0] + 250, lb[1] + 390), area, self.units["CGJ-YL"])
                site("hall", f"{county_area.name}政务服务中心", Point(lb[0] + 400, lb[1] + 60), area, self.units["SPJ"])
                if county_code == "131102":
                    site("station", "衡水火车站", box(lb[0] + 300, lb[1] + 20, lb[0] + 580, lb[1] + 180), area, self.units["JTJ"])

        # Sites get the most local area holding their point: resolve through the grids laid out above.
        Site.objects.bulk_create(sites, batch_size=BATCH)
        segments = RoadSegment.objects.bulk_create([self._road(r, shp) for r, shp, *_ in roads], batch_size=BATCH)
        chiefs = []
        surnames = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
        for seg, (_r, _shp, office, county_unit) in zip(segments, roads, strict=True):
            chiefs.append(RoadChief(segment=seg, level=RoadChief.Level.STREET, name=f"{self.rng.choice(surnames)}路长",
                                    phone=f"139{self.rng.randrange(10**7, 10**8)}", unit=office))
            if county_unit is not None:
                chiefs.append(RoadChief(segment=seg, level=RoadChief.Level.COUNTY, name=f"{self.rng.choice(surnames)}路长",
                                        phone=f"138{self.rng.randrange(10**7, 10**8)}", unit=county_unit))
        RoadChief.objects.bulk_create(chiefs, batch_size=BATCH)
        StorefrontDuty.objects.bulk_create(storefronts, batch_size=BATCH)
        Facility.objects.bulk_create(facilities, batch_size=BATCH)
        self.counts.update(sites=len(sites), road_segments=len(segments), road_chiefs=len(chiefs),
                           storefront_duties=len(storefronts), facilities=len(facilities))

    def _road(self, segment: RoadSegment, shp) -> RoadSegment:
        geometry = self.layout.geom(shp)
        p = shp.interpolate(0.5, normalized=True)
        bounds = self.layout.lnglat(*shp.bounds[:2]) + self.layout.lnglat(*shp.bounds[2:])
        for k, v in _feature_fields(geometry, bounds, self.layout.lnglat(p.x, p.y)).items():
            setattr(segment, k, v)
        return segment

    # -------------------------------------------------------------------------------------------------------
    def make_routing_rules(self) -> None:
        cats = {c.code: c for c in Category.objects.all()}
        u = self.units
        rules = []

        def rule(cat, unit, area=None, site_type=None, note=""):
            rules.append(RoutingRule(category=cats[cat], unit=unit, area=area, site_type=site_type, note=note))

        # City-wide remits.
        for cat in ["SJ0601", "SJ0602", "SJ0603", "SJ0604", "SJ0605"]:
            rule(cat, u["GAJ"], note="犬类管理由公安机关负责")
        rule("SJ0701", u["WGL"], note="娱乐场所、网吧由文广旅部门审批监管")
        rule("SJ0901", u["SPJ"])
        rule("SJ0902", u["FGW"], note="信用体系建设牵头部门")
        rule("SJ0903", u["WMB"])
        rule("SJ0904", u["WMB"])
        rule("SJ0107", u["NYNC"], note="农村厕所改造")
        rule("SJ0302", u["ZJJ"])
        rule("SJ0301", u["STHJ"])
        rule("SJ0501", u["ZJJ"])
        rule("SJ0502", u["WATER"])
        rule("SJ05", u["CGJ"], note="突发事件默认由城管统筹")
        rule("SJ0203", u["WMB"], note="公益广告由市文明办牵头")
        rule("SJ0802", u["ZJJ"], note="无物业小区物业覆盖")
        # District-by-district remits go to each district's branch.
        for county in self.counties.values():
            c = county.code
            for cat in ["SJ0404", "SJ0406", "SJ0407", "SJ0704"]:
                rule(cat, u[f"JJZD-{c}"], area=county)
            for cat in ["SJ0401", "SJ0403", "SJ0408", "SJ0202", "SJ0303"]:
                rule(cat, u[f"CGJ-{c}"], area=county)
            for cat in ["SJ0702", "SJ0703", "SJ0902"]:
                rule(cat, u[f"SCJG-{c}"], area=county)
            # Inside a market, stalls and order are the market regulator's.
            rule("SJ0401", u[f"SCJG-{c}"], area=county, site_type=self.site_types["market"], note="市场内由市场监管负责")
        RoutingRule.objects.bulk_create(rules, batch_size=BATCH)
        self.counts["routing_rules"] = len(rules)

    # -------------------------------------------------------------------------------------------------------
    def make_people(self) -> None:
        taocheng = self.counties["131102"]
        first_street = next(s for s in self.streets.values() if s.parent_id == taocheng.id)
        first_community = self.communities[self.street_community_codes[first_street.code][0]]
        demo = [
            ("admin", "系统管理员", Role.ADMIN, None, self.city, self.units["CMD"]),
            ("shouli", "受理员 刘敏", Role.INTAKE, None, self.city, self.units["CMD"]),
            ("zhiban", "值班长 王强", Role.SHIFT_LEADER, None, self.city, self.units["CMD"]),
            ("paiqian", "派遣员 赵丽", Role.DISPATCHER, None, self.city, self.units["CMD"]),
            ("chengguan", "城管处置员 孙杰", Role.UNIT_HANDLER, self.units["CGJ-131102"], None, self.units["CGJ-131102"]),
            ("chengguan_lead", "城管分局 周局长", Role.UNIT_LEADER, self.units["CGJ-131102"], None, self.units["CGJ-131102"]),
            ("gongdian", "供电公司 吴工", Role.UNIT_HANDLER, self.units["POWER"], None, self.units["POWER"]),
            ("jiedao", f"{first_street.name} 郑主任", Role.UNIT_LEADER, self.offices[first_street.id], None, self.offices[first_street.id]),
            ("taocheng", "桃城区 陈区长", Role.AREA_LEADER, None, taocheng, self.govs[taocheng.id]),
            ("wangge", f"{first_community.name}网格员 李娜", Role.GRID_WORKER, None, first_community, self.offices[first_street.id]),
            ("anfang", "第三方暗访员 A01", Role.INSPECTOR, None, self.city, None),
        ]
        people, assignments = [], []
        for username, display, role, _unit_scope, _area_scope, member_of in demo:
            people.append(Person(username=username, display_name=display, password=self.password, unit=member_of,
                                 is_staff=True, is_superuser=False))
            self.logins.append((username, DEMO_PASSWORD, str(Role(role).label)))
        people = Person.objects.bulk_create(people)
        for person, (_u, _d, role, unit_scope, area_scope, _m) in zip(people, demo, strict=True):
            assignments.append(RoleAssignment(person=person, role=role, unit=unit_scope, area=area_scope))
        # One grid worker per responsibility grid, who cannot log in until an administrator sets a password.
        workers = []
        surnames = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
        rgrids = list(self.rgrids.values())
        for i, rgrid in enumerate(rgrids):
            workers.append(Person(username=f"gw{rgrid.code}", display_name=f"{self.rng.choice(surnames)}网格员",
                                  password="!", unit=self.offices[self.communities_by_id(rgrid.community_id).parent_id],
                                  phone=f"15{self.rng.randrange(10**8, 10**9)}"))
            if len(workers) >= BATCH or i == len(rgrids) - 1:
                created = Person.objects.bulk_create(workers)
                through = ResponsibilityGrid.workers.through
                through.objects.bulk_create(
                    [through(responsibilitygrid_id=rgrids[i - len(created) + 1 + j].id, person_id=p.id) for j, p in enumerate(created)]
                )
                assignments.extend(
                    RoleAssignment(person=p, role=Role.GRID_WORKER, area_id=rgrids[i - len(created) + 1 + j].community_id)
                    for j, p in enumerate(created)
                )
                workers = []
        RoleAssignment.objects.bulk_create(assignments, batch_size=BATCH)
        self.counts["people"] = Person.objects.count()

    def communities_by_id(self, area_id: int) -> Area:
        if not hasattr(self, "_communities_by_id"):
            self._communities_by_id = {a.id: a for a in self.communities.values()}
        return self._communities_by_id[area_id]


def demo_city_clear() -> None:
    """Remove the whole city (geography, units, people other than superusers, rules) in one transaction."""
    with transaction.atomic():
        for model in (Facility, RoutingRule, Site, StorefrontDuty, RoadChief, RoadSegment, RoleAssignment):
            model.objects.all().delete()
        Person.objects.filter(is_superuser=False).delete()
        Area.objects.update(responsibility_grid=None, default_unit=None)
        ResponsibilityGrid.objects.all().delete()
        Unit.objects.update(area=None)
        while Unit.objects.exists():  # leaves first: parents are protected while they have children
            Unit.objects.filter(children__isnull=True).delete()
        for level in reversed(LEVELS):
            Area.objects.filter(level=level).delete()
        SiteType.objects.all().delete()
        geography_version_bump()
        audit_event_record(action="demo.clear", summary="demo city removed")


LEVELS = ["city", "county", "street", "community", "grid"]
