"""What the register pages and other apps read: who keeps a register, the per-area rates (from the figures only),
the gap list, the trend, and the records for their keepers.

``registry_rates`` and ``registry_city_rate`` are the public functions other apps (the campaign's measured
targets) call; they read a few hundred figure rows whatever the size of the register.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from wenming.common.access import restrict, scope_for
from wenming.common.roles import ADMIN_ONLY, UNIT_ROLES
from wenming.org.models import Area, AreaLevel
from wenming.registries.models import Registry, RegistryFigure, RegistryImport, RegistryRecord

# The levels the rate page drills through, top down.
DRILL = (AreaLevel.CITY, AreaLevel.COUNTY, AreaLevel.STREET, AreaLevel.COMMUNITY)


def registry_kept_by(user, registry: Registry) -> bool:
    """Is this person of the department that keeps the register (a unit role in its unit or one above it), or an
    administrator? Only they read records and import."""
    scope = scope_for(user)
    if getattr(user, "is_superuser", False) or scope.roles & ADMIN_ONLY:
        return True
    if not scope.roles & UNIT_ROLES:
        return False
    return any(registry.owner_unit.path.startswith(path) for path in scope.unit_paths)


def percent(compliant: int, total: int) -> Decimal | None:
    if not total:
        return None
    return (Decimal(compliant) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def latest_as_of(registry: Registry) -> dt.date | None:
    return (RegistryFigure.objects.filter(registry=registry).order_by("-as_of")
            .values_list("as_of", flat=True).first())


# -- for other apps ------------------------------------------------------------------------------------------------

def registry_rates(*, kind: str, level: str, as_of: dt.date | None = None) -> dict[str, tuple[int, int]]:
    """Area code → (total, compliant) of the register of ``kind`` for the areas of ``level`` (an ``AreaLevel``), on
    ``as_of`` (the latest date with figures by default). Empty when there is no such register or no figure."""
    registry = Registry.objects.filter(kind=kind).first()
    if registry is None:
        return {}
    as_of = as_of or latest_as_of(registry)
    rows = (RegistryFigure.objects.filter(registry=registry, as_of=as_of, area__level=level)
            .values_list("area__code", "total", "compliant"))
    return {code: (total, compliant) for code, total, compliant in rows}


def registry_city_rate(*, kind: str) -> Decimal | None:
    """The city's rate (percent, one decimal) on the latest date: plated ÷ registered e-bikes (应挂尽挂率), valid
    licences ÷ known dogs (持证率). None without figures."""
    rates = registry_rates(kind=kind, level=AreaLevel.CITY)
    if len(rates) != 1:
        return None
    total, compliant = next(iter(rates.values()))
    return percent(compliant, total)


# -- the pages ----------------------------------------------------------------------------------------------------

@dataclass
class AreaRate:
    code: str
    name: str
    level: str
    total: int
    compliant: int
    dangerous: int
    rate: Decimal | None
    gap: int  # how many more compliant to reach the target
    drill: bool  # has areas below with figures


def registries_visible(user) -> list[Registry]:
    return list(restrict(Registry.objects.select_related("owner_unit"), user))


def registry_summary(registry: Registry) -> dict:
    """The city's figure on the latest date, for the list."""
    as_of = latest_as_of(registry)
    city = (RegistryFigure.objects.filter(registry=registry, as_of=as_of, area__parent__isnull=True).first()
            if as_of else None)
    return {"as_of": as_of, "total": city.total if city else None, "compliant": city.compliant if city else None,
            "rate": percent(city.compliant, city.total) if city else None,
            "dangerous": city.dangerous if city else None}


def _gap(registry: Registry, total: int, compliant: int) -> int:
    return max(0, math.ceil(registry.target_percent * total / 100) - compliant)


def area_rates(*, registry: Registry, area: Area | None, as_of: dt.date) -> list[AreaRate]:
    """The areas just below ``area`` (below the city when None), each with its rate and gap, the ones furthest
    below the target first (gap list order), then by rate."""
    figures = RegistryFigure.objects.filter(registry=registry, as_of=as_of).select_related("area")
    if area is None:
        figures = figures.filter(area__parent__parent__isnull=True, area__parent__isnull=False)
    else:
        figures = figures.filter(area__parent=area)
    figures = list(figures.defer("area__geometry"))
    below = set(RegistryFigure.objects.filter(registry=registry, as_of=as_of,
                                              area__parent__in=[f.area_id for f in figures])
                .values_list("area__parent_id", flat=True))
    rows = [AreaRate(code=f.area.code, name=f.area.name, level=f.area.level, total=f.total, compliant=f.compliant,
                     dangerous=f.dangerous, rate=percent(f.compliant, f.total),
                     gap=_gap(registry, f.total, f.compliant), drill=f.area_id in below) for f in figures]
    rows.sort(key=lambda r: (r.gap == 0, r.rate if r.rate is not None else Decimal(101), r.code))
    return rows


def area_trend(*, registry: Registry, area: Area | None) -> list[dict]:
    """The area's rate on every date with figures (the city's when None), oldest first."""
    figures = RegistryFigure.objects.filter(registry=registry)
    figures = figures.filter(area=area) if area is not None else figures.filter(area__parent__isnull=True)
    return [{"as_of": f.as_of.isoformat(), "rate": float(r) if (r := percent(f.compliant, f.total)) is not None
             else None, "total": f.total, "compliant": f.compliant}
            for f in figures.order_by("as_of")]


def area_breadcrumb(area: Area | None) -> list[Area]:
    if area is None:
        return []
    codes = area.path.strip("/").split("/")[1:]  # the city is the trail's first link already
    by_code = {a.code: a for a in Area.objects.filter(code__in=codes).defer("geometry")}
    return [by_code[c] for c in codes if c in by_code]


def records_for(*, registry: Registry, user, number: str = "", area_code: str = "", status: str = ""):
    """The register's records the person may read (its keepers only; nothing for anyone else), filtered."""
    if not registry_kept_by(user, registry):
        return RegistryRecord.objects.none()
    records = restrict(RegistryRecord.objects.filter(registry=registry), user).select_related("area")
    if number:
        records = records.filter(number__startswith=number)
    if area_code:
        records = records.filter(area__code=area_code)
    if status:
        records = records.filter(status=status)
    return records.defer("area__geometry").order_by("number")


def imports_for(*, registry: Registry, user):
    if not registry_kept_by(user, registry):
        return RegistryImport.objects.none()
    return restrict(RegistryImport.objects.filter(registry=registry), user).select_related("imported_by")
