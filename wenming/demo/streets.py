"""Streets (街道, or towns and townships in the counties) and communities (社区, or villages): columns of
communities, each a block of grid cells."""

from __future__ import annotations

from dataclasses import dataclass

from shapely import box, union_all

from wenming.demo.districts import CountyPlan
from wenming.demo.layout import BATCH, CELL_M, COMMUNITIES_PER_STREET, COMMUNITY_H, COMMUNITY_W
from wenming.demo.state import CityBuild
from wenming.org.models import Area, AreaLevel


@dataclass
class StreetSpec:
    code: str
    name: str
    county_code: str


@dataclass
class CommunitySpec:
    code: str
    name: str
    street_code: str
    grids: int
    x0: float  # south-west corner on the plane
    y0: float
    w: int = COMMUNITY_W  # grid cells per row, filled row by row from the south-west corner


def streets_lay_out(build: CityBuild, plan: list[CountyPlan]) -> tuple[list[StreetSpec], list[CommunitySpec]]:
    """Name and shape every street and community (and so every county), filling each street's column with up to
    ``COMMUNITIES_PER_STREET`` communities of up to ``COMMUNITY_W × COMMUNITY_H`` grids."""
    rng = build.rng
    block_w = COMMUNITY_W * CELL_M
    streets, communities = [], []
    for county in plan:
        remaining_grids, remaining_comm = county.grids, county.communities
        street_polys = []
        for s in range(county.streets):
            s_code = f"{county.code}{s + 1:03d}"
            s_name = build.name() + ("街道" if county.urban else rng.choice(["镇", "镇", "乡"]))
            sx = county.x0 + s * block_w
            comm_polys = []
            for c in range(min(COMMUNITIES_PER_STREET, remaining_comm)):
                c_code = f"{s_code}{c + 1:03d}"
                c_name = build.name() + ("社区" if county.urban else "村")
                cy = county.y0 + c * COMMUNITY_H * CELL_M
                g_here = max(1, min(COMMUNITY_W * COMMUNITY_H, remaining_grids - (remaining_comm - 1)))
                poly = community_shape(sx, cy, g_here, COMMUNITY_W)
                build.community_shapes[c_code] = poly
                communities.append(CommunitySpec(c_code, c_name, s_code, g_here, sx, cy))
                comm_polys.append(poly)
                remaining_grids -= g_here
                remaining_comm -= 1
            street_poly = union_all(comm_polys)
            build.street_shapes[s_code] = street_poly
            streets.append(StreetSpec(s_code, s_name, county.code))
            street_polys.append(street_poly)
        build.county_shapes[county.code] = union_all(street_polys)
    return streets, communities


def community_shape(x0: float, y0: float, grids: int, w: int):
    """The cells ``grids`` grid cells fill, ``w`` to a row from the south-west corner (x0, y0): one or two boxes."""
    full_rows = grids // w
    parts = []
    if full_rows:
        parts.append(box(x0, y0, x0 + w * CELL_M, y0 + full_rows * CELL_M))
    if grids % w:
        parts.append(box(x0, y0 + full_rows * CELL_M, x0 + (grids % w) * CELL_M, y0 + (full_rows + 1) * CELL_M))
    return union_all(parts) if len(parts) > 1 else parts[0]


def streets_and_communities_save(build: CityBuild, streets: list[StreetSpec], communities: list[CommunitySpec]) -> None:
    def area(code: str, name: str, level: str, parent: Area, shp) -> Area:
        row = Area(code=code, name=name, level=level, parent=parent, path=f"{parent.path}{code}/")
        build.layout.set_shape(row, shp)
        return row

    created = Area.objects.bulk_create(
        [area(s.code, s.name, AreaLevel.STREET, build.counties[s.county_code], build.street_shapes[s.code]) for s in streets],
        batch_size=BATCH,
    )
    build.streets = {a.code: a for a in created}
    created = Area.objects.bulk_create(
        [area(c.code, c.name, AreaLevel.COMMUNITY, build.streets[c.street_code], build.community_shapes[c.code])
         for c in communities],
        batch_size=BATCH,
    )
    build.communities = {a.code: a for a in created}
    for c in communities:
        build.street_community_codes.setdefault(c.street_code, []).append(c.code)
