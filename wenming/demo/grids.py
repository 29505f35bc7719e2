"""Unit grids (单元网格) of about 10,000 m², and the responsibility grids (责任网格) of about six of them that
grid workers look after."""

from __future__ import annotations

import math

from wenming.demo.layout import BATCH, CELL_M, feature_fields
from wenming.demo.state import CityBuild
from wenming.demo.streets import CommunitySpec
from wenming.org.models import Area, AreaLevel, ResponsibilityGrid

GRIDS_PER_RGRID = 6


def responsibility_grids_create(build: CityBuild, communities: list[CommunitySpec]) -> None:
    rgrids = []
    for spec in communities:
        community = build.communities[spec.code]
        for r in range(math.ceil(spec.grids / GRIDS_PER_RGRID)):
            rgrids.append(ResponsibilityGrid(code=f"{spec.code}R{r + 1:02d}", name=f"{community.name}第{r + 1}网格",
                                             community=community))
    build.rgrids = {g.code: g for g in ResponsibilityGrid.objects.bulk_create(rgrids, batch_size=BATCH)}


def grids_create(build: CityBuild, communities: list[CommunitySpec]) -> int:
    """Each community's grids, row by row from its south-west corner; returns how many."""
    layout, count, batch = build.layout, 0, []
    for spec in communities:
        community = build.communities[spec.code]
        for g in range(spec.grids):
            serial = g + 1
            gx, gy = spec.x0 + (g % spec.w) * CELL_M, spec.y0 + (g // spec.w) * CELL_M
            code = f"{spec.code}{serial:02d}"
            geometry = layout.rect(gx, gy, gx + CELL_M, gy + CELL_M)
            ring = geometry["coordinates"][0]
            batch.append(Area(
                code=code,
                name=f"{community.name}{serial:02d}号网格",
                level=AreaLevel.GRID,
                parent=community,
                path=f"{community.path}{code}/",
                area_m2=CELL_M * CELL_M,
                responsibility_grid=build.rgrids[f"{spec.code}R{(serial - 1) // GRIDS_PER_RGRID + 1:02d}"],
                **feature_fields(
                    geometry, (ring[0][0], ring[0][1], ring[2][0], ring[2][1]),
                    ((ring[0][0] + ring[2][0]) / 2, (ring[0][1] + ring[2][1]) / 2),
                ),
            ))
            count += 1
            if len(batch) >= BATCH:
                Area.objects.bulk_create(batch)
                batch = []
    if batch:
        Area.objects.bulk_create(batch)
    return count
