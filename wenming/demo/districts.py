"""The city and its districts and counties: where each county lies on the plane and how many grids it holds."""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely import union_all

from wenming.demo.layout import CELL_M, COMMUNITIES_PER_STREET, COMMUNITY_H, COMMUNITY_W, split
from wenming.demo.state import CityBuild
from wenming.org.models import Area, AreaLevel

CITY_CODE = "131100"
CITY_NAME = "衡水市"

# GB/T 2260 codes for the districts and counties; the two development zones carry the statistical codes
# used for them (1311 71/72), which the national list does not define — treat them as local codes.
# (code, name, share of the grids, urban: streets and communities rather than towns and villages)
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
MAX_ROW_W = 60_000.0  # metres of counties side by side before the next row starts


@dataclass
class CountyPlan:
    code: str
    name: str
    urban: bool
    grids: int
    communities: int
    streets: int
    x0: float  # south-west corner on the plane
    y0: float


def city_create(build: CityBuild) -> None:
    """The city's row, first: its shape is the union of the counties, set once they are laid out."""
    city = Area(code=CITY_CODE, name=CITY_NAME, level=AreaLevel.CITY)
    city.path = f"/{CITY_CODE}/"
    city.save()
    build.city = city


def counties_plan(build: CityBuild) -> list[CountyPlan]:
    """Each county's grids, communities and streets, laid left to right in rows with a 1 km gap, each county as
    a row of street columns."""
    grid_counts = split(build.total_grids, [c[2] for c in COUNTIES])
    block_w = COMMUNITY_W * CELL_M
    street_h = COMMUNITIES_PER_STREET * COMMUNITY_H * CELL_M
    cursor_x, cursor_y, row_h = 0.0, 0.0, 0.0
    plan = []
    for (code, name, _share, urban), n_grids in zip(COUNTIES, grid_counts, strict=True):
        n_comm = math.ceil(n_grids / (COMMUNITY_W * COMMUNITY_H))
        n_streets = math.ceil(n_comm / COMMUNITIES_PER_STREET)
        width = n_streets * block_w
        if cursor_x and cursor_x + width > MAX_ROW_W:
            cursor_x, cursor_y, row_h = 0.0, cursor_y + row_h + 1000.0, 0.0
        plan.append(CountyPlan(code, name, urban, n_grids, n_comm, n_streets, cursor_x, cursor_y))
        cursor_x += width + 1000.0
        row_h = max(row_h, street_h if n_streets > 1 else math.ceil(n_comm) * COMMUNITY_H * CELL_M)
    return plan


def city_and_counties_save(build: CityBuild, counties_in_order: list[tuple[str, str]]) -> None:
    """The city's shape and the counties' rows (code, name), once the counties have their shapes."""
    city = build.city
    build.layout.set_shape(city, union_all(list(build.county_shapes.values())))
    city.save()
    counties = []
    for code, name in counties_in_order:
        area = Area(code=code, name=name, level=AreaLevel.COUNTY, parent=city, path=f"{city.path}{code}/")
        build.layout.set_shape(area, build.county_shapes[code])
        counties.append(area)
    build.counties = {a.code: a for a in Area.objects.bulk_create(counties)}
