"""What the org pages read, always through ``restrict``: a row outside the person's scope is never returned."""

from __future__ import annotations

import json
from dataclasses import dataclass

import shapely
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from shapely.geometry import mapping, shape

from wenming.common.access import get_or_404, restrict
from wenming.common.db_router import primary_reading
from wenming.common.services.geography import GEOGRAPHY, version_read

from .models import Area, Person, Site, StorefrontDuty, Unit


def area_list(*, user, q: str = "", level: str = "") -> QuerySet[Area]:
    # Lists never need the geometries (they can be large polygons); detail pages read them for the map.
    qs = restrict(Area.objects.select_related("parent", "default_unit"), user).defer("geometry", "parent__geometry")
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(Q(code__startswith=q) | Q(name__contains=q))
    return qs.order_by("path")


def area_get(*, user, code: str) -> Area:
    """The area with this code, or 404 when it is missing or outside the person's scope."""
    return get_or_404(Area.objects.select_related("parent", "default_unit", "responsibility_grid"), user, code=code)


def area_children(*, user, area: Area) -> QuerySet[Area]:
    return restrict(area.children.select_related("default_unit"), user).defer("geometry").order_by("code")


@dataclass(frozen=True)
class ChainLink:
    code: str
    name: str
    visible: bool  # in the person's scope, so the page may link to it


def area_chain(*, user, codes: list[str], names: dict[str, str] | None = None) -> list[ChainLink]:
    """Areas from the city down, each marked with whether the person may open it.

    ``names`` saves the query for the names when the caller already has them (a routing decision does).
    """
    if not codes:
        return []
    if names is None:
        names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    visible = set(restrict(Area.objects.filter(code__in=codes), user).values_list("code", flat=True))
    return [ChainLink(code=c, name=names.get(c, c), visible=c in visible) for c in codes if c in names]


def area_path_codes(area: Area) -> list[str]:
    return [c for c in area.path.strip("/").split("/") if c]


def area_site_count(*, user, area: Area) -> int:
    """How many sites in the person's scope lie inside the area."""
    return restrict(Site.objects.filter(area__path__startswith=area.path), user).count()


def _outlines(rows, tolerance_deg: float) -> dict:
    features = []
    for row in rows:
        geom = shapely.set_precision(shape(row["geometry"]).simplify(tolerance_deg, preserve_topology=True), 1e-6)
        features.append({
            "type": "Feature",
            "geometry": mapping(geom),
            "properties": {"kind": row["level"], "name": row["name"], "code": row["code"]},
        })
    return {"type": "FeatureCollection", "features": features}


def area_outlines(*, user, tolerance_deg: float = 0.0003) -> dict:
    """Simplified outlines of the districts and streets in scope, so a map without tiles still shows where
    one is (a grid worker, whose scope is one community, gets the community)."""
    rows = []
    for levels in (("county", "street"), ("community",)):
        rows = list(
            restrict(Area.objects.filter(level__in=levels, geometry__isnull=False), user)
            .order_by("path")
            .values("code", "name", "level", "geometry")
        )
        if rows:
            break
    return _outlines(rows, tolerance_deg)


_public_outlines: tuple[int, str] | None = None  # (geography version, text); replaced whole, never changed


@primary_reading()
def public_outlines_json() -> str:
    """The city's district and street outlines as GeoJSON text, for the citizen's map, so that a map without
    tiles still shows where one is. Administrative boundaries are public; the text is built once per geography
    version (the page reads one small row to check it)."""
    global _public_outlines
    version = version_read(GEOGRAPHY)
    cached = _public_outlines
    if cached is not None and cached[0] == version:
        return cached[1]
    rows = list(Area.objects.filter(level__in=("county", "street"), geometry__isnull=False).order_by("path")
                .values("code", "name", "level", "geometry"))
    text = json.dumps(_outlines(rows, 0.0003), ensure_ascii=False)
    _public_outlines = (version, text)
    return text


def area_child_outlines(*, user, area: Area, tolerance_deg: float = 0.0001) -> dict:
    """The outlines of the areas directly inside ``area`` that the person may see, for its map."""
    rows = restrict(area.children.filter(geometry__isnull=False), user).order_by("code").values(
        "code", "name", "level", "geometry"
    )
    return _outlines(rows, tolerance_deg)


# -- outlines for the maps, by level, within areas and inside a box ---------------------------------------------

# Levels a map draws, from the coarsest, and how far each is simplified (degrees; ~0.0003° ≈ 30 m): a grid is
# a few hundred metres across, so its outline keeps more detail than a district's.
OUTLINE_LEVELS = ("county", "street", "community", "grid")
OUTLINE_TOLERANCE = {"county": 0.0005, "street": 0.0003, "community": 0.0001, "grid": 0.00002}
# Districts and streets are public (the citizen's map shows them); communities and grids follow the scope.
PUBLIC_OUTLINE_LEVELS = frozenset({"county", "street"})
WITHIN_PUBLIC_LEVELS = PUBLIC_OUTLINE_LEVELS | {"city"}  # the city itself is no secret either
# The most features one answer carries: a street holds a few hundred grids, a city up to 60,000, so grids are
# asked for within a street or inside the visible box, and an answer past this says it was cut short.
OUTLINE_LIMIT = 2500
_SIMPLIFIED_MAX = 40_000  # simplified outlines kept per process (a 60,000-grid city: the grids seen lately)
_simplified: tuple[int, dict[int, dict]] = (-1, {})  # (geography version, area id → simplified GeoJSON)


@primary_reading()
def _simplified_geometries(ids: list[int], level_of: dict[int, str]) -> dict[int, dict]:
    """Simplified outlines of these areas, from a per-process table kept until the geography changes: parsing
    and simplifying is most of an outline answer's cost, and outlines change only when the geography does."""
    global _simplified
    version = version_read(GEOGRAPHY)
    if _simplified[0] != version or len(_simplified[1]) > _SIMPLIFIED_MAX:
        _simplified = (version, {})
    table = _simplified[1]
    missing = [pk for pk in ids if pk not in table]
    for start in range(0, len(missing), 500):
        for pk, geometry in Area.objects.filter(pk__in=missing[start:start + 500]).values_list("pk", "geometry"):
            geom = shape(geometry).simplify(OUTLINE_TOLERANCE.get(level_of[pk], 0.0001), preserve_topology=True)
            table[pk] = mapping(shapely.set_precision(geom, 1e-6)) if not geom.is_empty else None
    return {pk: table.get(pk) for pk in ids}


def outline_features(
    *,
    user,
    levels: list[str],
    within: list[Area] | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    limit: int = OUTLINE_LIMIT,
) -> dict:
    """Outlines of the areas of these levels, within these areas and touching the box (west, south, east, north),
    as GeoJSON with each area's code, name, level, parent's code and label point; ``truncated`` when more than
    ``limit`` matched (none is then sent for the level cut short, so a map never shows half a level).

    Districts and streets are the city's public boundaries; communities and grids only those in the person's
    scope (one access path: ``restrict``).
    """
    features: list[dict] = []
    truncated: list[str] = []
    for level in [lv for lv in OUTLINE_LEVELS if lv in levels]:
        qs = Area.objects.filter(level=level, geometry__isnull=False)
        if level not in PUBLIC_OUTLINE_LEVELS:
            qs = restrict(qs, user)
        if within is not None:
            paths = Q()
            for area in within:
                paths |= Q(path__startswith=area.path)
            qs = qs.filter(paths)
        if bbox is not None:
            west, south, east, north = bbox
            qs = qs.filter(max_lng__gte=west, min_lng__lte=east, max_lat__gte=south, min_lat__lte=north)
        rows = list(qs.order_by("path").values("pk", "code", "name", "level", "lng", "lat", "parent__code")[:limit + 1])
        if len(rows) > limit:
            truncated.append(level)
            continue
        geometries = _simplified_geometries([r["pk"] for r in rows], {r["pk"]: r["level"] for r in rows})
        for r in rows:
            if geometries[r["pk"]] is None:
                continue
            features.append({
                "type": "Feature",
                "geometry": geometries[r["pk"]],
                "properties": {"kind": r["level"], "code": r["code"], "name": r["name"], "parent": r["parent__code"],
                               "label": [r["lng"], r["lat"]] if r["lng"] is not None else None},
            })
    return {"type": "FeatureCollection", "features": features, "truncated": truncated}


def outline_areas(*, user, codes: list[str]) -> list[Area]:
    """The areas these codes name that the person may see (districts and streets are public), for ``within``;
    raises ``Area.DoesNotExist`` naming nothing when any is missing or out of scope (the caller answers 404)."""
    if not codes:
        return []
    found = {a.code: a for a in Area.objects.filter(code__in=codes, level__in=WITHIN_PUBLIC_LEVELS).defer("geometry")}
    rest = [c for c in codes if c not in found]
    if rest:
        found.update((a.code, a) for a in restrict(Area.objects.filter(code__in=rest), user).defer("geometry"))
    if len(found) != len(set(codes)):
        raise Area.DoesNotExist
    return list(found.values())


def unit_list(*, user, q: str = "", kind: str = "") -> QuerySet[Unit]:
    qs = restrict(Unit.objects.select_related("parent", "area"), user).defer("area__geometry")
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(code__startswith=q) | Q(name__contains=q))
    return qs.order_by("path")


def unit_get(*, user, code: str) -> Unit:
    return get_or_404(Unit.objects.select_related("parent", "area").defer("area__geometry"), user, code=code)


def unit_related(*, user, unit: Unit, site_limit: int = 200) -> dict:
    """The unit's people and the sites it is responsible for (包保), as far as the person may see them."""
    sites = restrict(Site.objects.filter(guarantor_unit=unit).select_related("site_type", "area"), user)
    return {
        "members": restrict(Person.objects.filter(unit=unit), user).order_by("username"),
        "sites": sites.defer("geometry", "area__geometry").order_by("code")[:site_limit],
        "site_count": sites.count(),
        "parent_visible": bool(unit.parent_id) and restrict(Unit.objects.filter(pk=unit.parent_id), user).exists(),
        "area_visible": bool(unit.area_id) and restrict(Area.objects.filter(pk=unit.area_id), user).exists(),
    }


def site_list(*, user, q: str = "", site_type=None, area: str = "", unit: str = "") -> QuerySet[Site]:
    qs = restrict(Site.objects.select_related("site_type", "area", "guarantor_unit"), user).defer(
        "geometry", "area__geometry"
    )
    if site_type:
        qs = qs.filter(site_type=site_type)
    if area:
        path = Area.objects.filter(code=area).values_list("path", flat=True).first()
        qs = qs.filter(area__path__startswith=path) if path else qs.none()
    if unit:
        qs = qs.filter(guarantor_unit__code=unit)
    if q:
        qs = qs.filter(Q(code__startswith=q) | Q(name__contains=q) | Q(address__contains=q))
    return qs.order_by("code")


def site_get(*, user, code: str) -> Site:
    return get_or_404(Site.objects.select_related("site_type", "area", "guarantor_unit", "operator_unit"), user, code=code)


def site_links(*, user, site: Site) -> dict:
    """Which of the site's area chain and responsible unit the person may open."""
    chain = area_chain(user=user, codes=area_path_codes(site.area)) if site.area_id else []
    unit_visible = bool(site.guarantor_unit_id) and restrict(Unit.objects.filter(pk=site.guarantor_unit_id), user).exists()
    return {"chain": chain, "unit_visible": unit_visible}


@dataclass(frozen=True)
class RouteCheck:
    """A routing decision as one person may see it: nearby sites, areas and the unit only within scope."""

    decision: object
    chain: list[ChainLink]
    nearby_sites: list[dict]
    unit_code: str | None  # set when the person may open the unit's page
    site: dict | None  # the site the point is at, when the person may see it
    features: dict  # GeoJSON for the map

    def as_dict(self) -> dict:
        """The decision's data with what the person may not see left out (for the JSON view on the page)."""
        data = self.decision.as_dict()
        data["nearby_sites"] = self.nearby_sites
        data["site"] = self.site
        return data


def route_check(*, user, decision) -> RouteCheck:
    codes = [a["code"] for a in decision.areas]
    chain = area_chain(user=user, codes=codes, names={a["code"]: a["name"] for a in decision.areas})
    site_ids = [s["id"] for s in decision.nearby_sites]
    visible_sites = {
        row["id"]: row
        for row in restrict(Site.objects.filter(pk__in=site_ids), user).values("id", "geometry", "site_type__name", "name")
    }
    nearby = [s for s in decision.nearby_sites if s["id"] in visible_sites]
    unit_code = None
    if decision.unit_id:
        unit_code = restrict(Unit.objects.filter(pk=decision.unit_id), user).values_list("code", flat=True).first()

    features = []
    if decision.grid:
        grid = restrict(Area.objects.filter(pk=decision.grid["id"]), user).values("name", "geometry").first()
        if grid and grid["geometry"]:
            features.append({"type": "Feature", "geometry": grid["geometry"], "properties": {"kind": "grid", "name": grid["name"]}})
    for s in nearby:
        row = visible_sites[s["id"]]
        if row["geometry"]:
            features.append({
                "type": "Feature",
                "geometry": row["geometry"],
                "properties": {"kind": "site", "name": f"{row['name']}（{row['site_type__name']}） {s['distance_m']} m"},
            })
    shop = getattr(decision, "storefront", None)
    if shop:  # the shop whose frontage decided (门前五包), drawn like a site
        row = restrict(StorefrontDuty.objects.filter(pk=shop["id"]), user).values("geometry").first()
        if row and row["geometry"]:
            features.append({"type": "Feature", "geometry": row["geometry"], "properties": {
                "kind": "site", "name": f"{gettext('Storefront duty (门前五包)')}：{shop['shop_name']}"}})
    features.append({
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [decision.lng, decision.lat]},
        "properties": {"kind": "point", "name": decision.unit_name or ""},
    })
    return RouteCheck(
        decision=decision,
        chain=chain,
        nearby_sites=nearby,
        unit_code=unit_code,
        site=decision.site if decision.site and decision.site["id"] in visible_sites else None,
        features={"type": "FeatureCollection", "features": features},
    )


# More unit grids than this on a field reporter's map would bury the pin: a wider scope gets districts and streets.
FIELD_GRIDS_MAX = 200


def field_outlines(*, user, tolerance_deg: float = 0.00005) -> dict:
    """The outlines a field reporter's map draws around the pin: the unit grids of the responsibility grids they
    patrol (责任网格), else those of the communities and grids their roles hold, with those communities; a person
    whose scope is wider (a city-wide inspector) gets the districts and streets of ``area_outlines``."""
    grids = restrict(Area.objects.filter(level="grid", geometry__isnull=False, responsibility_grid__workers=user), user)
    rows = list(grids.order_by("path").values("code", "name", "level", "geometry")[:FIELD_GRIDS_MAX + 1])
    if not rows:
        held = list(restrict(Area.objects.filter(role_assignments__person=user, level__in=("community", "grid")), user)
                    .values_list("path", flat=True))
        if held:
            under = Q()
            for path in held:
                under |= Q(path__startswith=path)
            rows = list(restrict(Area.objects.filter(under, level__in=("community", "grid"), geometry__isnull=False), user)
                        .order_by("path").values("code", "name", "level", "geometry")[:FIELD_GRIDS_MAX + 1])
    if not rows or len(rows) > FIELD_GRIDS_MAX:
        return area_outlines(user=user)
    return _outlines(rows, tolerance_deg)


def register_imports_recent(*, user, limit: int = 10) -> list:
    """The last imports of the street registers (roads, storefronts, facilities, sites), from the audit log; only for
    administrators, who alone may import them."""
    from wenming.common.access import scope_for  # noqa: PLC0415
    from wenming.common.models import AuditEvent  # noqa: PLC0415 — only this page reads the audit log here
    from wenming.common.roles import ADMIN_ONLY  # noqa: PLC0415

    if not scope_for(user).roles & ADMIN_ONLY:
        return []
    actions = ["import.roads", "import.storefronts", "import.facilities", "import.sites"]
    return list(AuditEvent.objects.filter(action__in=actions).select_related("actor")[:limit])
