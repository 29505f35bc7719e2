"""What the facility register page (设施台账) reads: the facilities of one type as far as the person may see them
(``restrict``: an area's sites, or those a unit answers for or runs), counted per area one level down from the
area chosen (city → county → township → village), with the areas that have none, the list and the map's points.

An area appears when the person may see it or when it holds one of the facilities the person sees (whose area
the site list already names), so a unit that runs three parking lots sees their townships and no other.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, QuerySet, Value, When

from wenming.common.access import restrict

from .models import Area, AreaLevel, Site, SiteType
from .services.site_types import FACILITY_TYPE_CODES, PARKING_LOT

# The levels the register counts by, and the level whose areas are counted below each.
DRILL_LEVELS = (AreaLevel.COUNTY, AreaLevel.STREET, AreaLevel.COMMUNITY)
CHILD_LEVEL = {None: AreaLevel.COUNTY, AreaLevel.CITY: AreaLevel.COUNTY, AreaLevel.COUNTY: AreaLevel.STREET,
               AreaLevel.STREET: AreaLevel.COMMUNITY}
# More markers than this are not sent to the map (the list and the counts still hold them all).
MAP_POINTS_MAX = 5000


def facility_types() -> list[SiteType]:
    """Every site type, the facility registers first (in FACILITY_TYPE_CODES' order), then the others."""
    order = Case(*[When(code=code, then=Value(n)) for n, code in enumerate(FACILITY_TYPE_CODES)],
                 default=Value(len(FACILITY_TYPE_CODES)), output_field=IntegerField())
    return list(SiteType.objects.annotate(facility_order=order).order_by("facility_order", "sort", "code"))


@dataclass
class AreaCount:
    code: str
    name: str
    level: str
    count: int = 0  # active facilities
    inactive: int = 0
    capacity: int = 0  # the active facilities' capacity summed (parking spaces for parking lots)
    drillable: bool = False  # a level further down is counted


@dataclass
class FacilityRegister:
    site_type: SiteType
    area: Area | None  # the area drilled into; None for the whole city
    rows: list[AreaCount] = field(default_factory=list)
    unplaced: AreaCount | None = None  # facilities seen but outside the areas listed (no area)
    total: int = 0
    inactive: int = 0
    capacity: int = 0
    without: int = 0  # areas listed that have none
    is_parking: bool = False


def facility_sites(*, user, site_type: SiteType, area: Area | None = None) -> QuerySet[Site]:
    """The facilities of one type the person may see, inside ``area`` when given, for the list and the export."""
    qs = restrict(Site.objects.filter(site_type=site_type), user)
    if area is not None:
        qs = qs.filter(area__path__startswith=area.path)
    return qs.select_related("area", "operator_unit", "guarantor_unit").defer(
        "geometry", "area__geometry").order_by("area__path", "code")


def facility_area_get(*, user, code: str) -> Area | None:
    """The area to drill into, if the person may see it or sees a site inside it; None otherwise (the page then
    answers 404 like for a missing area)."""
    area = Area.objects.defer("geometry").filter(code=code, level__in=[AreaLevel.CITY, *DRILL_LEVELS]).first()
    if area is None:
        return None
    if restrict(Area.objects.filter(pk=area.pk), user).exists():
        return area
    if restrict(Site.objects.filter(area__path__startswith=area.path), user).exists():
        return area
    return None


def facility_register(*, user, site_type: SiteType, area: Area | None = None) -> FacilityRegister:
    """The facilities of ``site_type`` counted per area one level below ``area`` (per county for the city)."""
    register = FacilityRegister(site_type=site_type, area=area, is_parking=site_type.code == PARKING_LOT)
    child_level = CHILD_LEVEL.get(area.level if area else None)
    sites = restrict(Site.objects.filter(site_type=site_type), user)
    if area is not None:
        sites = sites.filter(area__path__startswith=area.path)
    depth = len(area.path.strip("/").split("/")) if area is not None else None
    counts: dict[str, AreaCount] = {}
    seen_codes: Counter = Counter()
    rows = list(sites.values_list("area__path", "area__level", "is_active", "capacity"))
    if child_level is not None:
        children = Area.objects.filter(level=child_level)
        if area is not None:
            children = children.filter(parent=area)
        visible = restrict(children, user).values_list("code", "name", "level")
        for code, name, level in visible:
            counts[code] = AreaCount(code=code, name=name, level=level, drillable=level != AreaLevel.COMMUNITY)
        if depth is not None:
            position = depth
        else:  # the counties' place in the paths: second under a city, first where counties are the top
            sample = Area.objects.filter(level=child_level).values_list("path", flat=True).first() or "/"
            position = len(sample.strip("/").split("/")) - 1
        for path, _level, _active, _capacity in rows:
            codes = path.strip("/").split("/") if path else []
            if len(codes) > position:
                seen_codes[codes[position]] += 1
        missing = [code for code in seen_codes if code not in counts]
        for code, name, level in Area.objects.filter(code__in=missing, level=child_level).values_list(
                "code", "name", "level"):
            counts[code] = AreaCount(code=code, name=name, level=level, drillable=level != AreaLevel.COMMUNITY)
    else:
        position = None
    unplaced = AreaCount(code="", name="", level="")
    for path, _level, active, capacity in rows:
        codes = path.strip("/").split("/") if path else []
        target = counts.get(codes[position]) if position is not None and len(codes) > position else None
        if target is None:
            target = unplaced
        if active:
            target.count += 1
            target.capacity += capacity or 0
            register.total += 1
            register.capacity += capacity or 0
        else:
            target.inactive += 1
            register.inactive += 1
    register.rows = sorted(counts.values(), key=lambda r: r.code)
    register.without = sum(1 for r in register.rows if r.count == 0)
    if child_level is not None and (unplaced.count or unplaced.inactive):
        register.unplaced = unplaced
    return register


def facility_points(*, user, site_type: SiteType, area: Area | None = None) -> list[dict]:
    """The facilities' points for the map (at most MAP_POINTS_MAX), with what a marker's tooltip says."""
    qs = restrict(Site.objects.filter(site_type=site_type).exclude(lat=None), user)
    if area is not None:
        qs = qs.filter(area__path__startswith=area.path)
    return [
        {"code": code, "name": name, "lat": lat, "lng": lng, "active": active, "capacity": capacity}
        for code, name, lat, lng, active, capacity in qs.order_by("code").values_list(
            "code", "name", "lat", "lng", "is_active", "capacity")[:MAP_POINTS_MAX]
    ]


def facility_area_chain(*, user, area: Area | None) -> list[tuple[str, str]]:
    """The drill-down's breadcrumb: (code, name) of the area's ancestors the register counts by, city excluded."""
    if area is None:
        return []
    codes = [c for c in area.path.strip("/").split("/") if c]
    names = dict(Area.objects.filter(code__in=codes).exclude(level=AreaLevel.CITY).values_list("code", "name"))
    return [(code, names[code]) for code in codes[:-1] if code in names]

