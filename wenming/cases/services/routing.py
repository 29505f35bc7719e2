"""Routing: which unit answers for a problem at a place, and why.

Precedence, first match wins (``PRECEDENCE`` below: one function per rule, each returning a decision or None):

0. the unit the report names as its subject's (``subject_unit_id``: a complaint made at a service window's QR code
   names the window's unit — several windows of different units share one hall, so the place cannot tell);
1. the facility's owner — the category names facility classes and one lies within its radius
   ("谁的设施谁负责"); the maintainer if one is set;
2. the storefront duty (门前五包) — the category is a shop-front problem (``Category.storefront_duty``, set by
   the administrators) and the point lies in the frontage of a registered shop: the unit supervising the shop;
3. a routing rule for the category at the type of site the point is at (most specific first);
4. a routing rule for the category in an area holding the point (deepest area first) — the 职能 rules;
5. the 包保 unit of the site the point is at, for categories where local duty applies;
6. the road chief of the nearest road segment, likewise;
7. the default unit of the deepest area holding the point that has one (属地兜底);
8. none: the command centre's triage queue.

Explicit rules (3, 4) come before local duty (5, 6) because they encode a department's legal remit:
illegal parking in a back street is the traffic police's, not the street's 包保 unit's. The storefront duty
(2) comes before them: flagging a category as a shop-front problem is itself the administrators' explicit
choice that, in front of a registered shop, the shop's supervising unit answers for it (the shop signed for
its frontage); a category that a department must handle even there is simply not flagged. A broken facility
in front of a shop is still its owner's (1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.cases.models import Category, Facility
from wenming.cases.routing_cache import RuleInfo, get_routing_config
from wenming.common.geo import CRS, to_wgs84, valid_lnglat
from wenming.org.spatial import AT_SITE_RADIUS_M, AreaInfo, NearbySite, get_index

NEARBY_RADIUS_M = 300.0

RULE_LABELS = {
    "subject_unit": gettext_lazy("The unit the report is about (窗口单位)"),
    "facility_owner": gettext_lazy("Facility owner (谁的设施谁负责)"),
    "storefront_duty": gettext_lazy("Storefront duty (门前五包)"),
    "site_type_rule": gettext_lazy("Rule for this type of site"),
    "area_rule": gettext_lazy("Rule for this area"),
    "site_guarantor": gettext_lazy("Site's responsible unit (包保)"),
    "road_chief": gettext_lazy("Road chief (路长)"),
    "area_default": gettext_lazy("Area's default unit (属地兜底)"),
    "triage": gettext_lazy("Command centre triage"),
}


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
    storefront: dict | None = None
    nearby_sites: list[dict] = field(default_factory=list)

    @property
    def rule_label(self) -> str:
        return str(RULE_LABELS.get(self.rule, self.rule))

    def as_dict(self, *, nearby_limit: int | None = None) -> dict:
        # Built by hand: dataclasses.asdict deep-copies every nested dict, which showed in intake profiles.
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["areas"] = list(self.areas)
        data["nearby_sites"] = self.nearby_sites[:nearby_limit] if nearby_limit is not None else list(self.nearby_sites)
        return data


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


def _facility_unit(config, facility_id: int) -> int | None:
    """The facility's maintainer, else its owner, whichever is active first; None when neither is."""
    unit_id = config.facilities[facility_id][3]
    if config.unit_name(unit_id) is not None:
        return unit_id
    owner_id = Facility.objects.filter(pk=facility_id).values_list("owner_unit_id", flat=True).first()
    return owner_id if config.unit_name(owner_id) is not None else None


def _rule_specificity(rule: RuleInfo, category_id: int) -> tuple:
    area_depth = rule.area_path.count("/") if rule.area_path else 0
    category_rank = 2 if rule.category_id == category_id else 1 if rule.category_id else 0
    return (area_depth, category_rank, rule.priority, -rule.id)


class _Place:
    """What every rule reads about one routing question: the point, the category, the areas and sites there,
    and the decision being filled in."""

    # Slots, and rules_here() cached by hand rather than by functools.cached_property (which takes a lock on
    # Python 3.11): a place is built for every decision, and routing runs on every intake.
    __slots__ = ("lng", "lat", "cat", "config", "index", "chain", "area_path", "at_sites", "decision", "_rules_here",
                 "road_looked_up", "chief_road", "subject_unit_id")

    def __init__(self, *, lng: float, lat: float, cat, config, index, nearby_radius_m: float,
                 subject_unit_id: int | None = None):
        self.lng, self.lat, self.cat, self.config, self.index = lng, lat, cat, config, index
        self.subject_unit_id = subject_unit_id
        self._rules_here: list[RuleInfo] | None = None
        self.road_looked_up, self.chief_road = False, None
        area_id = index.locate(lng, lat)
        self.chain = index.chain(area_id)
        grid = self.chain[-1] if self.chain and self.chain[-1].level == "grid" else None
        self.area_path = self.chain[-1].path if self.chain else ""
        nearby = index.sites_within(lng, lat, nearby_radius_m)
        self.at_sites = index.sites_at(lng, lat, nearby=nearby if nearby_radius_m >= AT_SITE_RADIUS_M else None)
        self.decision = RoutingDecision(
            lng=round(lng, 7),
            lat=round(lat, 7),
            category_code=cat.code,
            grid=_area_dict(grid) if grid else None,
            areas=[_area_dict(a) for a in self.chain],
            unit_id=None,
            unit_name=None,
            rule="triage",
            reason="",
            nearby_sites=[_site_dict(s) for s in nearby],
        )
        if self.at_sites:
            self.decision.site = _site_dict(self.at_sites[0])

    def rules_here(self) -> list[RuleInfo]:
        """Rules on the 小类, on its 大类, and rules without a category (they cover every category), whose area
        holds the point; only rules of active units."""
        if self._rules_here is None:
            cat, rules_by_category, area_path = self.cat, self.config.rules_by_category, self.area_path
            category_keys = (cat.id, cat.parent_id, None) if cat.parent_id else (cat.id, None)
            rules = [r for cid in category_keys for r in rules_by_category.get(cid, ())]
            self._rules_here = [r for r in rules if r.area_path is None or area_path.startswith(r.area_path)]
        return self._rules_here

    def decide(self, unit_id: int, rule: str, reason: str, rule_id: int | None = None) -> RoutingDecision:
        decision = self.decision
        decision.unit_id = unit_id
        decision.unit_name = self.config.unit_name(unit_id, active_only=False)
        decision.rule, decision.reason, decision.rule_id = rule, reason, rule_id
        return decision


def _subject_unit(place: _Place) -> RoutingDecision | None:
    """0. The unit the report names as answering for its subject (a service window's unit), if it is active."""
    if place.subject_unit_id is None:
        return None
    name = place.config.unit_name(place.subject_unit_id)
    if name is None:
        return None
    return place.decide(place.subject_unit_id, "subject_unit",
                        _("The report is about a service of %(unit)s, which answers for it.") % {"unit": name})


def _facility_owner(place: _Place) -> RoutingDecision | None:
    """1. The owner of a facility of the category's classes within its radius."""
    cat, config = place.cat, place.config
    if not cat.facility_radius_m:
        return None
    found = place.index.nearest_facility(place.lng, place.lat, cat.facility_radius_m, set(cat.facility_class_ids) or {cat.id})
    unit_id = _facility_unit(config, found[0]) if found and found[0] in config.facilities else None
    if unit_id is None:
        return None
    code_, class_name, owner_name, _unit = config.facilities[found[0]]
    place.decision.facility = {
        "id": found[0], "code": code_, "class": class_name, "owner": owner_name, "distance_m": round(found[1], 1),
    }
    return place.decide(
        unit_id,
        "facility_owner",
        _("Facility %(code)s (%(cls)s) %(dist)s m away belongs to %(unit)s: whoever owns a facility answers for it.")
        % {"code": code_, "cls": class_name, "dist": round(found[1], 1), "unit": config.unit_name(unit_id)},
    )


def _storefront_duty(place: _Place) -> RoutingDecision | None:
    """2. The unit supervising the storefront duty (门前五包) of the shop whose frontage holds the point, for
    shop-front categories. One spatial-index query (``storefront_at``), only for those categories."""
    if not place.cat.storefront_duty:
        return None
    shop = place.index.storefront_at(place.lng, place.lat)
    if shop is None:
        return None
    name = place.config.unit_name(shop.supervising_unit_id)
    if name is None:
        return None
    place.decision.storefront = {
        "id": shop.id, "code": shop.code, "shop_name": shop.shop_name, "distance_m": shop.distance_m,
    }
    return place.decide(
        shop.supervising_unit_id,
        "storefront_duty",
        _("门前五包 (%(shop)s): the place is in front of %(shop)s, whose storefront duties %(unit)s supervises.")
        % {"shop": shop.shop_name, "unit": name},
    )


def _site_type_rule(place: _Place) -> RoutingDecision | None:
    """3. A rule for this category at the type of site the point is at."""
    cat, config = place.cat, place.config
    for site in place.at_sites:
        matching = [r for r in place.rules_here() if r.site_type_id == site.type_id]
        if matching:
            best = max(matching, key=lambda r: _rule_specificity(r, cat.id))
            return place.decide(
                best.unit_id,
                "site_type_rule",
                _("Rule: %(cat)s at a %(type)s (%(site)s) goes to %(unit)s.")
                % {"cat": cat.name, "type": site.type_name, "site": site.name, "unit": config.unit_name(best.unit_id)},
                best.id,
            )
    return None


def _area_rule(place: _Place) -> RoutingDecision | None:
    """4. A rule for this category in an area holding the point."""
    cat, config = place.cat, place.config
    area_rules = [r for r in place.rules_here() if r.site_type_id is None]
    if not area_rules:
        return None
    best = max(area_rules, key=lambda r: _rule_specificity(r, cat.id))
    where = best.area_name if best.area_path else _("the whole city")
    return place.decide(
        best.unit_id,
        "area_rule",
        _("Rule: %(cat)s in %(where)s goes to %(unit)s.")
        % {"cat": cat.name, "where": where, "unit": config.unit_name(best.unit_id)},
        best.id,
    )


def _site_guarantor(place: _Place) -> RoutingDecision | None:
    """5. The 包保 unit of the site the point is at, for categories of local duty."""
    if not place.cat.local_duty:
        return None
    for site in place.at_sites:
        name = place.config.unit_name(site.guarantor_unit_id)
        if name:
            return place.decide(
                site.guarantor_unit_id,
                "site_guarantor",
                _("The place is at %(site)s (%(type)s), which %(unit)s is responsible for (包保).")
                % {"site": site.name, "type": site.type_name, "unit": name},
            )
    return None


def _chief_road(place: _Place) -> tuple | None:
    """The nearest road segment within reach that has a road chief, for categories of local duty (the chief answers
    for them), recorded on the decision; looked up once per place."""
    if not place.cat.local_duty:
        return None
    if place.road_looked_up:
        return place.chief_road
    place.road_looked_up = True
    road = place.index.nearest_road(place.lng, place.lat)
    if road and road[0] in place.config.chiefs:
        place.chief_road = road
        place.decision.road = {"id": road[0], "name": place.config.chiefs[road[0]][2], "distance_m": round(road[1], 1)}
    return place.chief_road


def _road_chief(place: _Place) -> RoutingDecision | None:
    """6. The road chief of the nearest road segment, for categories of local duty."""
    road = _chief_road(place)
    if road is None:
        return None
    unit_id, chief, road_name = place.config.chiefs[road[0]]
    return place.decide(
        unit_id,
        "road_chief",
        _("The place is on %(road)s, whose road chief %(chief)s belongs to %(unit)s.")
        % {"road": road_name, "chief": chief, "unit": place.config.unit_name(unit_id)},
    )


def _area_default(place: _Place) -> RoutingDecision | None:
    """7. The default unit of the deepest area holding the point that has one (属地兜底)."""
    for area in reversed(place.chain):
        name = place.config.unit_name(area.default_unit_id)
        if name:
            return place.decide(
                area.default_unit_id,
                "area_default",
                _("No rule names a unit, so %(area)s's default unit %(unit)s takes it (属地兜底).")
                % {"area": area.name, "unit": name},
            )
    return None


def _triage(place: _Place) -> RoutingDecision:
    """8. Nobody: the command centre's triage queue."""
    place.decision.reason = (
        _("The place lies outside every grid of the city; the command centre must triage it.")
        if not place.chain
        else _("No rule or local duty decides; the command centre must triage it.")
    )
    return place.decision


# Where a case's subject unit (rule 0) comes from besides its own routing: apps above cases that know what a case is
# about register ``source(case) -> unit id | None`` in their ``AppConfig.ready()`` (the windows app: the unit of the
# window a complaint is linked to). Cases may not import them.
_SUBJECT_UNIT_SOURCES: list = []


def subject_unit_source_register(source) -> None:
    """Add a source once (``ready()`` may run more than once in tests)."""
    if source not in _SUBJECT_UNIT_SOURCES:
        _SUBJECT_UNIT_SOURCES.append(source)


def case_subject_unit_id(case) -> int | None:
    """The unit the case is about, for re-routing it (a corrected category): a registered source's answer, else the
    unit rule 0 proposed when the case came in. Without this a re-route would forget it and let the place decide."""
    for source in _SUBJECT_UNIT_SOURCES:
        unit_id = source(case)
        if unit_id is not None:
            return unit_id
    routing = case.routing or {}
    return routing.get("unit_id") if routing.get("rule") == "subject_unit" else None


# The precedence of the module's docstring, declared once: the first rule that decides wins; triage always does.
PRECEDENCE = (
    _subject_unit, _facility_owner, _storefront_duty, _site_type_rule, _area_rule, _site_guarantor, _road_chief,
    _area_default, _triage,
)


def case_route(
    *, lng: float, lat: float, category: Category | str, crs: CRS | str = CRS.WGS84, nearby_radius_m: float = NEARBY_RADIUS_M,
    subject_unit_id: int | None = None,
) -> RoutingDecision:
    """Decide the responsible unit for a problem of ``category`` at (lng, lat) given in ``crs``; ``subject_unit_id``
    is the unit the report names as its subject's (rule 0), if any."""
    try:
        crs = CRS(crs)
    except ValueError:
        raise RoutingError(_("Unknown coordinate system %(crs)s: use wgs84, gcj02 or bd09.") % {"crs": crs}) from None
    if not valid_lnglat(lng, lat):
        raise RoutingError(_("Longitude or latitude out of range: %(lng)s, %(lat)s.") % {"lng": lng, "lat": lat})
    config = get_routing_config()
    code = category if isinstance(category, str) else category.code
    cat = config.categories_by_code.get(code)
    if cat is None or not cat.is_active:
        raise RoutingError(_("Unknown category code %(code)s.") % {"code": code})
    lng, lat = to_wgs84(lng, lat, crs)
    place = _Place(lng=lng, lat=lat, cat=cat, config=config, index=get_index(), nearby_radius_m=nearby_radius_m,
                   subject_unit_id=subject_unit_id)
    for rule in PRECEDENCE:
        decision = rule(place)
        if decision is not None:
            # Whoever takes a local-duty problem, the road it lies on is recorded: the road chief's "open problems"
            # count it (inspections.patrol_selectors), e.g. when a shop's duty or a site's 包保 unit decided.
            _chief_road(place)
            return decision
    raise AssertionError("triage always decides")  # unreachable: _triage is the last rule
