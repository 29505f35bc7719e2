"""Areas and grids (GeoJSON or a zipped Shapefile): the city, counties, streets, communities and unit grids,
with the responsibility grids the unit grids belong to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import shapely
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.common.geo import LocalProjection
from wenming.common.services.audit import audit_event_record
from wenming.common.services.geography import credentials_bump, geography_version_bump, routing_config_bump
from wenming.common.tabular_import import ImportReport, check_length, stop_if_errors
from wenming.org.models import Area, AreaLevel, ResponsibilityGrid, Unit
from wenming.org.models.area import LEVEL_ORDER
from wenming.org.services.imports.features import crs_parse, feature_where, geometry_checked, read_features
from wenming.org.services.imports.shared import BATCH, GEOMETRY_FIELDS, filter_in, update_each

# Digits in an area code by level: GB/T 2260 for the city and counties, CJ/T 213 below.
CODE_DIGITS = {AreaLevel.CITY: 6, AreaLevel.COUNTY: 6, AreaLevel.STREET: 9, AreaLevel.COMMUNITY: 12, AreaLevel.GRID: 14}
POLYGONS = frozenset({"Polygon", "MultiPolygon"})


@dataclass
class _AreaRow:
    number: int
    where: str
    code: str
    name: str
    level: str
    parent_code: str
    default_unit_code: str
    rgrid_code: str
    rgrid_name: str
    geometry: dict | None = None
    geom: shapely.Geometry | None = None


def areas_import(*, path: Path, crs: str = "wgs84", dry_run: bool = False, actor=None) -> ImportReport:
    """Areas and grids from GeoJSON or a zipped Shapefile; parents before children, all or nothing."""
    path = Path(path)
    report = ImportReport(dry_run=dry_run)
    crs = crs_parse(crs, report)
    features = read_features(path, report)
    stop_if_errors(report)

    existing = {
        row["code"]: row
        for row in Area.objects.values("id", "code", "level", "path", "parent__code")
    }
    unit_codes = set(Unit.objects.values_list("code", flat=True))
    rgrids = dict(ResponsibilityGrid.objects.values_list("code", "community__code"))
    levels = [str(level) for level in LEVEL_ORDER]

    rows: dict[str, _AreaRow] = {}
    for feature in features:
        p = feature.properties
        code = p.get("code", "")
        where = feature_where(feature.number, code)
        row = _AreaRow(feature.number, where, code, p.get("name", ""), p.get("level", "").lower(),
                       p.get("parent_code", ""), p.get("default_unit_code", ""), p.get("responsibility_grid", ""),
                       p.get("responsibility_grid_name", ""))
        if not row.name:
            report.error(where, "name", _("missing"))
        check_length(report, where, "name", row.name, 100)
        if row.level not in levels:
            report.error(where, "level", _('unknown level "%(level)s"; use %(levels)s') % {
                "level": row.level, "levels": ", ".join(levels)})
        if not code:
            report.error(where, "code", _("missing"))
        elif row.level in levels and (not code.isdigit() or len(code) != CODE_DIGITS[row.level]):
            report.error(where, "code", _('a %(level)s code has %(digits)d digits, not "%(code)s"') % {
                "level": row.level, "digits": CODE_DIGITS[row.level], "code": code})
        if code in rows:
            report.error(where, "code", _("appears twice in the file (first in feature %(number)d)") % {
                "number": rows[code].number})
        if row.default_unit_code and row.default_unit_code not in unit_codes:
            report.error(where, "default_unit_code", _('no unit has code "%(code)s"') % {"code": row.default_unit_code})
        if row.rgrid_code:
            if row.level in levels and row.level != AreaLevel.GRID:
                report.error(where, "responsibility_grid", _("only unit grids belong to a responsibility grid"))
            check_length(report, where, "responsibility_grid", row.rgrid_code, 20)
            check_length(report, where, "responsibility_grid_name", row.rgrid_name, 100)
        checked = geometry_checked(feature.geometry, where, POLYGONS, crs, report)
        if checked:
            row.geometry, row.geom = checked
        if code and code not in rows:
            rows[code] = row

    # Parents: in the file or already stored, exactly one level up, and a prefix of the child's code
    # (counties excepted: a development zone's code need not start with the city's).
    rgrid_community: dict[str, tuple[str, int]] = {}
    for code, row in rows.items():
        if row.level not in levels:
            continue
        stored = existing.get(code)
        if stored and stored["level"] != row.level:
            report.error(row.where, "level", _("the area is a %(stored)s; changing an area's level is not supported") % {
                "stored": stored["level"]})
        if row.level == AreaLevel.CITY:
            if row.parent_code:
                report.error(row.where, "parent_code", _("a city has no parent"))
            continue
        if not row.parent_code:
            report.error(row.where, "parent_code", _("missing (only a city has no parent)"))
            continue
        parent_level = rows[row.parent_code].level if row.parent_code in rows else (
            existing[row.parent_code]["level"] if row.parent_code in existing else None)
        expected = levels[levels.index(row.level) - 1]
        if parent_level is None:
            report.error(row.where, "parent_code", _('no area has code "%(code)s", in the file or stored') % {
                "code": row.parent_code})
        elif parent_level != expected:
            report.error(row.where, "parent_code", _("a %(level)s must be inside a %(expected)s, and %(code)s is a "
                                                     "%(got)s") % {"level": row.level, "expected": expected,
                                                                  "code": row.parent_code, "got": parent_level})
        elif row.level != AreaLevel.COUNTY and not row.code.startswith(row.parent_code):
            report.error(row.where, "code", _("must start with its parent's code %(code)s") % {"code": row.parent_code})
        if stored and stored["parent__code"] and stored["parent__code"] != row.parent_code:
            report.error(row.where, "parent_code", _("the area is inside %(current)s; moving an area to another parent "
                                                     "is not supported") % {"current": stored["parent__code"]})
        if row.rgrid_code and row.level == AreaLevel.GRID:
            community = rgrids.get(row.rgrid_code)
            first = rgrid_community.setdefault(row.rgrid_code, (row.parent_code, row.number))
            if community and community != row.parent_code:
                report.error(row.where, "responsibility_grid", _("%(code)s belongs to community %(community)s") % {
                    "code": row.rgrid_code, "community": community})
            elif first[0] != row.parent_code:
                report.error(row.where, "responsibility_grid", _("feature %(number)d puts %(code)s in community "
                                                                 "%(community)s") % {
                    "number": first[1], "code": row.rgrid_code, "community": first[0]})
    stop_if_errors(report)

    ordered = sorted(rows.values(), key=lambda r: (levels.index(r.level), r.number))
    for row in ordered:
        report.change(row.code in existing, row.code, f"{row.name} ({row.level})")
    if dry_run:
        return report

    with transaction.atomic():
        _areas_write(ordered, existing, levels)
        geography_version_bump()
        routing_config_bump()  # routing rules carry their area's path and name
        credentials_bump()  # bulk writes skip the save signals that tell the API key caches
        audit_event_record(actor=actor, action="import.areas", summary=f"{path.name}: {report.summary()}",
                           data={"file": path.name, "crs": str(crs), "created": report.created, "updated": report.updated})
    return report


def _areas_write(ordered: list[_AreaRow], existing: dict[str, dict], levels: list[str]) -> None:
    now = timezone.now()
    paths = {code: (row["id"], row["path"]) for code, row in existing.items()}
    unit_ids = dict(Unit.objects.values_list("code", "id"))
    rgrid_ids = dict(ResponsibilityGrid.objects.values_list("code", "id"))
    stored = {area.code: area for area in filter_in(
        Area.objects.only("id", "code", "default_unit_id", "responsibility_grid_id"), "code",
        [r.code for r in ordered if r.code in existing])}
    for level in levels:
        at_level = [r for r in ordered if r.level == level]
        if not at_level:
            continue
        if level == AreaLevel.GRID:
            # Responsibility grids named in the file but not stored yet, under the grid's community.
            wanted: dict[str, _AreaRow] = {}
            for r in at_level:
                if r.rgrid_code:
                    wanted.setdefault(r.rgrid_code, r)
            ResponsibilityGrid.objects.bulk_create([
                ResponsibilityGrid(code=code, name=r.rgrid_name or code, community_id=paths[r.parent_code][0])
                for code, r in wanted.items() if code not in rgrid_ids
            ], batch_size=BATCH)
            renamed = filter_in(ResponsibilityGrid.objects.all(), "code", [c for c, r in wanted.items() if r.rgrid_name])
            for rgrid in renamed:
                rgrid.name = wanted[rgrid.code].rgrid_name
            update_each(ResponsibilityGrid, renamed, ["name"])
            rgrid_ids = dict(filter_in(ResponsibilityGrid.objects.values_list("code", "id"), "code", wanted))
        new, changed = [], []
        for r in at_level:
            area = stored.get(r.code)
            if area is None:
                parent = paths.get(r.parent_code)
                area = Area(code=r.code, level=r.level, parent_id=parent[0] if parent else None,
                            path=f"{parent[1] if parent else '/'}{r.code}/")
                new.append(area)
            else:
                changed.append(area)
            area.name = r.name
            area.set_geometry(r.geometry)
            area.area_m2 = _area_m2(r.geom)
            area.updated_at = now
            if r.default_unit_code:
                area.default_unit_id = unit_ids[r.default_unit_code]
            if r.rgrid_code:
                area.responsibility_grid_id = rgrid_ids[r.rgrid_code]
        Area.objects.bulk_create(new, batch_size=BATCH)
        update_each(Area, changed, ["name", *GEOMETRY_FIELDS, "area_m2", "default_unit", "responsibility_grid",
                                     "updated_at"])
        if new:
            for code, area_id, area_path in filter_in(Area.objects.values_list("code", "id", "path"), "code",
                                                       [a.code for a in new]):
                paths[code] = (area_id, area_path)


def _area_m2(geom) -> float:
    centre = geom.centroid
    return round(LocalProjection(centre.x, centre.y).geometry(geom).area, 1)
