"""The demo Hengshui: the districts and counties, streets, communities, ~10,000 m² unit grids, units,
sites of every type, roads with road chiefs, storefront duties, facilities, routing rules and a demo
login for every role. The same seed gives the same city.

Two layouts, each keeping every grid inside its ancestors as real boundary data does:

- ``hengshui`` (the demo's): the real outlines of the districts and counties and the real names and codes of
  the townships, streets and communities, read from installed packages; the townships' outlines, the
  communities' blocks and the grids are made up inside them (``hengshui.py``, ``divisions.py``);
- ``lattice``: nested rectangles (grid → community → street → county) south-west of Hengshui's centre, all
  names made up. It needs no data package, and the test suite's city is this one because its tests pin its
  coordinates (a gap between counties, a quiet grid, shared edges).

Each level and each kind has its module; ``demo_city_build`` runs them in order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.db import transaction

from wenming.campaign.services.actions import campaign_load
from wenming.campaign.services.categories import categories_load
from wenming.cases.models import Facility, RoutingRule
from wenming.common.services.audit import audit_event_record
from wenming.common.services.geography import caches_bump_all
from wenming.demo.accounts import demo_password_hash
from wenming.demo.campaign import campaign_targets_clear
from wenming.demo.districts import COUNTIES, city_and_counties_save, city_create, counties_plan
from wenming.demo.grids import grids_create, responsibility_grids_create
from wenming.demo.hengshui import ORIGIN as HENGSHUI_ORIGIN
from wenming.demo.hengshui import SCALE_LAT as HENGSHUI_SCALE_LAT
from wenming.demo.hengshui import hengshui_check, hengshui_lay_out
from wenming.demo.layout import Layout
from wenming.demo.people import people_create
from wenming.demo.places import places_create
from wenming.demo.rules import routing_rules_create
from wenming.demo.sites import site_types_create
from wenming.demo.state import CityBuild
from wenming.demo.streets import streets_and_communities_save, streets_lay_out
from wenming.demo.units import branches_create, departments_create, governments_create
from wenming.org.models import (
    Area,
    Person,
    ResponsibilityGrid,
    RoadChief,
    RoadSegment,
    RoleAssignment,
    Site,
    SiteType,
    StorefrontDuty,
    Unit,
)

LEVELS = ["city", "county", "street", "community", "grid"]
HENGSHUI, LATTICE = "hengshui", "lattice"
LAYOUTS = [HENGSHUI, LATTICE]


@dataclass
class DemoCity:
    seed: int
    grids: int
    counts: dict = field(default_factory=dict)
    logins: list = field(default_factory=list)


def demo_city_build(*, grids: int = 3000, seed: int = 1, layout: str = HENGSHUI) -> DemoCity:
    """Build the whole demo city in one transaction. The database must hold no areas yet."""
    if layout not in LAYOUTS:
        raise ValueError(f"--layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    if grids < len(COUNTIES):
        raise ValueError(f"--grids must be at least {len(COUNTIES)}")
    if Area.objects.exists():
        raise ValueError("the database already holds areas; demo data goes into an empty database")
    if layout == HENGSHUI:
        hengshui_check(grids)
    city = DemoCity(seed=seed, grids=grids)
    plane = Layout(HENGSHUI_ORIGIN, HENGSHUI_SCALE_LAT) if layout == HENGSHUI else Layout()
    with transaction.atomic():
        campaign = campaign_load()
        categories_load(campaign_code=campaign.code)
        build = CityBuild(rng=random.Random(seed), layout=plane, grids=grids, password=demo_password_hash())
        _build(build, layout)
        city.counts = build.counts
        city.logins = build.logins
        caches_bump_all()  # bulk writes skip the save signals; every in-process cache reloads
        audit_event_record(action="demo.build", summary=f"demo city seed={seed} grids={grids} layout={layout}",
                           data=build.counts)
    return city


def _build(build: CityBuild, layout: str) -> None:
    """Every step in order: the order is the random draws' and the rows' ids', so it makes the city."""
    departments_create(build)
    # The areas, top down: lay every level out on the plane, then write them level by level.
    city_create(build)
    if layout == HENGSHUI:
        counties, streets, communities = hengshui_lay_out(build)
    else:  # counties, then their streets and communities, which give the counties their shapes
        plan = counties_plan(build)
        streets, communities = streets_lay_out(build, plan)
        counties = [(c.code, c.name) for c in plan]
    city_and_counties_save(build, counties)
    streets_and_communities_save(build, streets, communities)
    responsibility_grids_create(build, communities)
    grid_count = grids_create(build, communities)
    build.counts.update(
        counties=len(build.counties), streets=len(build.streets), communities=len(build.communities),
        responsibility_grids=len(build.rgrids), grids=grid_count,
    )
    governments_create(build)
    branches_create(build)
    build.counts["units"] = Unit.objects.count()
    site_types_create(build)
    places_create(build)
    routing_rules_create(build)
    people_create(build)


def demo_city_clear() -> None:
    """Remove the whole city (geography, units, people other than superusers, rules) in one transaction."""
    with transaction.atomic():
        campaign_targets_clear()  # the target lists point at the city's sites and areas
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
        caches_bump_all()
        audit_event_record(action="demo.clear", summary="demo city removed")
