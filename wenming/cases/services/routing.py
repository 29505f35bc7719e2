"""Routing: which unit answers for a problem at a place, and why.

Precedence, first match wins:

1. the facility's owner — the category names facility classes and one lies within its radius
   ("谁的设施谁负责"); the maintainer if one is set;
2. a routing rule for the category at the type of site the point is at (most specific first);
3. a routing rule for the category in an area holding the point (deepest area first) — the 职能 rules;
4. the 包保 unit of the site the point is at, for categories where local duty applies;
5. the road chief of the nearest road segment, likewise;
6. the default unit of the deepest area holding the point that has one (属地兜底);
7. none: the command centre's triage queue.

Explicit rules (2, 3) come before local duty (4, 5) because they encode a department's legal remit:
illegal parking in a back street is the traffic police's, not the street's 包保 unit's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

from wenming.cases.models import Category, Facility, RoutingRule
from wenming.common.geo import CRS, to_wgs84, valid_lnglat
from wenming.org.models import RoadChief, Unit
from wenming.org.spatial import AreaInfo, NearbySite, get_index

NEARBY_RADIUS_M = 300.0


class RoutingError(ValueError):
    pass


@dataclass
class RoutingDecision:
    lng: float
    lat: float
    category_code: str
    grid: dict | None
    areas: list[dict]
    unit_id: int | None
    unit_name: str | None
    rule: str
    reason: str
    rule_id: int | None = None
    facility: dict | None = None
    site: dict | None = None
    road: dict | None = None
    nearby_sites: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _area_dict(info: AreaInfo) -> dict:
    return {"id": info.id, "code": info.code, "name": info.name, "level": info.level}


def _site_dict(site: NearbySite) -> dict:
    return {
        "id": site.id,
        "code": site.code,
        "name": site.name,
        "type": site.type_name,
        "distance_m": site.distance_m,
    }


def _rule_specificity(rule: RoutingRule, category: Category) -> tuple:
    area_depth = rule.area.path.count("/") if rule.area_id else 0
    category_rank = 2 if rule.category_id == category.id else 1 if rule.category_id else 0
    return (area_depth, category_rank, rule.priority, -rule.id)


def case_route(
    *, lng: float, lat: float, category: Category | str, crs: CRS | str = CRS.WGS84, nearby_radius_m: float = NEARBY_RADIUS_M
) -> RoutingDecision:
    """Decide the responsible unit for a problem of ``category`` at (lng, lat) given in ``crs``."""
    try:
        crs = CRS(crs)
    except ValueError:
        raise RoutingError(_("Unknown coordinate system %(crs)s: use wgs84, gcj02 or bd09.") % {"crs": crs}) from None
    if not valid_lnglat(lng, lat):
        raise RoutingError(_("Longitude or latitude out of range: %(lng)s, %(lat)s.") % {"lng": lng, "lat": lat})
    if isinstance(category, str):
        try:
            category = Category.objects.select_related("parent").get(code=category, is_active=True)
        except Category.DoesNotExist:
            raise RoutingError(_("Unknown category code %(code)s.") % {"code": category}) from None
    lng, lat = to_wgs84(lng, lat, crs)
    index = get_index()

    area_id = index.locate(lng, lat)
    chain = index.chain(area_id)
    grid = chain[-1] if chain and chain[-1].level == "grid" else None
    area_path = chain[-1].path if chain else ""
    nearby = index.sites_within(lng, lat, nearby_radius_m)
    at_sites = index.sites_at(lng, lat)

    decision = RoutingDecision(
        lng=round(lng, 7),
        lat=round(lat, 7),
        category_code=category.code,
        grid=_area_dict(grid) if grid else None,
        areas=[_area_dict(a) for a in chain],
        unit_id=None,
        unit_name=None,
        rule="triage",
        reason="",
        nearby_sites=[_site_dict(s) for s in nearby],
    )
    if at_sites:
        decision.site = _site_dict(at_sites[0])

    def decide(unit_id: int, rule: str, reason: str, rule_id: int | None = None) -> RoutingDecision:
        decision.unit_id = unit_id
        decision.unit_name = Unit.objects.filter(pk=unit_id).values_list("name", flat=True).first()
        decision.rule, decision.reason, decision.rule_id = rule, reason, rule_id
        return decision

    # 1. The facility's owner.
    if category.facility_radius_m:
        classes = set(category.facility_classes.values_list("id", flat=True)) or {category.id}
        found = index.nearest_facility(lng, lat, category.facility_radius_m, classes)
        if found:
            facility = Facility.objects.select_related("category", "owner_unit", "maintainer_unit").get(pk=found[0])
            unit = facility.responsible_unit
            decision.facility = {
                "id": facility.id,
                "code": facility.code,
                "class": facility.category.name,
                "owner": facility.owner_unit.name,
                "distance_m": round(found[1], 1),
            }
            return decide(
                unit.id,
                "facility_owner",
                _("Facility %(code)s (%(cls)s) %(dist)s m away belongs to %(unit)s: whoever owns a facility answers for it.")
                % {"code": facility.code, "cls": facility.category.name, "dist": round(found[1], 1), "unit": unit.name},
            )

    category_ids = [category.id] + ([category.parent_id] if category.parent_id else [])
    rules = list(
        RoutingRule.objects.filter(is_active=True, unit__is_active=True)
        .filter(category_id__in=category_ids)
        .select_related("area", "unit", "site_type")
    )
    in_area = [r for r in rules if r.area_id is None or area_path.startswith(r.area.path)]

    # 2. A rule for this category at this type of site.
    for site in at_sites:
        matching = [r for r in in_area if r.site_type_id == site.type_id]
        if matching:
            best = max(matching, key=lambda r: _rule_specificity(r, category))
            return decide(
                best.unit_id,
                "site_type_rule",
                _("Rule: %(cat)s at a %(type)s (%(site)s) goes to %(unit)s.")
                % {"cat": category.name, "type": site.type_name, "site": site.name, "unit": best.unit.name},
                best.id,
            )

    # 3. A rule for this category in an area holding the point.
    area_rules = [r for r in in_area if r.site_type_id is None]
    if area_rules:
        best = max(area_rules, key=lambda r: _rule_specificity(r, category))
        where = best.area.name if best.area_id else _("the whole city")
        return decide(
            best.unit_id,
            "area_rule",
            _("Rule: %(cat)s in %(where)s goes to %(unit)s.") % {"cat": category.name, "where": where, "unit": best.unit.name},
            best.id,
        )

    if category.local_duty:
        # 4. The site's 包保 unit.
        for site in at_sites:
            if site.guarantor_unit_id:
                name = Unit.objects.filter(pk=site.guarantor_unit_id, is_active=True).values_list("name", flat=True).first()
                if name:
                    return decide(
                        site.guarantor_unit_id,
                        "site_guarantor",
                        _("The place is at %(site)s (%(type)s), which %(unit)s is responsible for (包保).")
                        % {"site": site.name, "type": site.type_name, "unit": name},
                    )
        # 5. The road chief.
        road = index.nearest_road(lng, lat)
        if road:
            chief = (
                RoadChief.objects.filter(segment_id=road[0], unit__is_active=True)
                .select_related("segment", "unit")
                .order_by("-level")
                .first()
            )
            if chief:
                decision.road = {"id": chief.segment_id, "name": chief.segment.name, "distance_m": round(road[1], 1)}
                return decide(
                    chief.unit_id,
                    "road_chief",
                    _("The place is on %(road)s, whose road chief %(chief)s belongs to %(unit)s.")
                    % {"road": chief.segment.name, "chief": chief.name, "unit": chief.unit.name},
                )

    # 6. The area's default unit (属地兜底).
    for area in reversed(chain):
        if area.default_unit_id:
            name = Unit.objects.filter(pk=area.default_unit_id, is_active=True).values_list("name", flat=True).first()
            if name:
                return decide(
                    area.default_unit_id,
                    "area_default",
                    _("No rule names a unit, so %(area)s's default unit %(unit)s takes it (属地兜底).")
                    % {"area": area.name, "unit": name},
                )

    # 7. Triage.
    decision.reason = (
        _("The place lies outside every grid of the city; the command centre must triage it.")
        if not chain
        else _("No rule or local duty decides; the command centre must triage it.")
    )
    return decision
