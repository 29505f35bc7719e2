"""Routing configuration held in memory: categories, time limits, rules, units, road chiefs, facilities.

Intake routes every case; reading these small tables from the database each time cost more than the
case's own inserts. The cache reloads when the routing-config token moves (any save or delete of those
models bumps it, see ``cases.signals``), checked at most every WENMING_GEO_CHECK_SECONDS.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from wenming.cases.models import Category, Facility, RoutingRule, TimeLimit, Webhook
from wenming.common.db_router import primary_reading
from wenming.common.services.geography import ROUTING_CONFIG, version_read
from wenming.org.models import RoadChief, Unit


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    id: int
    code: str
    name: str
    parent_id: int | None
    facility_radius_m: int
    facility_class_ids: frozenset[int]
    local_duty: bool
    is_active: bool
    storefront_duty: bool = False


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: int
    category_id: int | None
    area_path: str | None
    area_name: str | None
    site_type_id: int | None
    unit_id: int
    priority: int


@dataclass
class RoutingConfig:
    version: int
    categories_by_code: dict[str, CategoryInfo] = field(default_factory=dict)
    categories: dict[int, CategoryInfo] = field(default_factory=dict)
    rules_by_category: dict[int, list[RuleInfo]] = field(default_factory=dict)
    units: dict[int, tuple[str, bool]] = field(default_factory=dict)
    time_limits: dict[tuple[int, str, str], tuple[Decimal, str]] = field(default_factory=dict)
    chiefs: dict[int, tuple[int, str, str]] = field(default_factory=dict)  # segment → (unit, chief, road name)
    facilities: dict[int, tuple[str, str, str, int]] = field(default_factory=dict)  # → (code, class, owner, unit)
    # Active outbound webhooks and the actions each wants (empty: all). Read on every case event, so they
    # ride along with the other configuration instead of costing a query each time.
    webhooks: tuple[tuple[int, frozenset[str]], ...] = ()

    def unit_name(self, unit_id: int | None, *, active_only: bool = True) -> str | None:
        info = self.units.get(unit_id) if unit_id else None
        if info is None or (active_only and not info[1]):
            return None
        return info[0]

    @classmethod
    @primary_reading()
    def load(cls, version: int) -> RoutingConfig:

        config = cls(version=version)
        classes: dict[int, set[int]] = {}
        for cat_id, class_id in Category.facility_classes.through.objects.values_list("from_category_id", "to_category_id"):
            classes.setdefault(cat_id, set()).add(class_id)
        for row in Category.objects.values_list(
            "id", "code", "name", "parent_id", "facility_radius_m", "local_duty", "is_active", "storefront_duty"
        ):
            info = CategoryInfo(row[0], row[1], row[2], row[3], row[4], frozenset(classes.get(row[0], ())), row[5], row[6],
                                row[7])
            config.categories[info.id] = info
            config.categories_by_code[info.code] = info
        config.units = {uid: (name, active) for uid, name, active in Unit.objects.values_list("id", "name", "is_active")}
        # Only rules whose unit can take cases (a unit's change reloads this config).
        for row in RoutingRule.objects.filter(is_active=True).values_list(
            "id", "category_id", "area__path", "area__name", "site_type_id", "unit_id", "priority"
        ):
            rule = RuleInfo(*row)
            if config.unit_name(rule.unit_id) is not None:
                config.rules_by_category.setdefault(rule.category_id, []).append(rule)
        config.time_limits = {
            (cat, urgency, stage): (amount, unit)
            for cat, urgency, stage, amount, unit in TimeLimit.objects.values_list("category_id", "urgency", "stage", "amount", "unit")
        }
        # The most local chief of each segment (highest level number) among active units.
        for seg, _level, name, unit_id, road in RoadChief.objects.values_list(
            "segment_id", "level", "name", "unit_id", "segment__name"
        ).order_by("segment_id", "level"):
            if config.units.get(unit_id, ("", False))[1]:
                config.chiefs[seg] = (unit_id, name, road)
        for fid, code, cls_name, owner_name, owner_id, maintainer_id in Facility.objects.values_list(
            "id", "code", "category__name", "owner_unit__name", "owner_unit_id", "maintainer_unit_id"
        ):
            config.facilities[fid] = (code, cls_name, owner_name, maintainer_id or owner_id)
        config.webhooks = tuple(
            (hook_id, frozenset(actions or ())) for hook_id, actions in Webhook.objects.filter(is_active=True).values_list("id", "actions")
        )
        return config


_lock = threading.Lock()
_config: RoutingConfig | None = None
_checked_at = 0.0


def get_routing_config() -> RoutingConfig:
    global _config, _checked_at
    now = time.monotonic()
    if _config is not None and now - _checked_at < settings.WENMING_GEO_CHECK_SECONDS:
        return _config
    with _lock:
        version = version_read(ROUTING_CONFIG)
        _checked_at = now
        if _config is None or _config.version != version:
            _config = RoutingConfig.load(version)
        return _config


def reset_routing_config() -> None:
    global _config, _checked_at
    with _lock:
        _config = None
        _checked_at = 0.0


def facility_points() -> list[tuple]:
    """The facilities in use, for org's spatial index (registered in CasesConfig.ready): (id, code, category_id,
    lng, lat)."""
    return list(Facility.objects.filter(in_use=True).values_list("id", "code", "category_id", "lng", "lat"))
