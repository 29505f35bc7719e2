"""Imports of the city's own data: areas and grids, sites (GeoJSON or zipped Shapefile), units and people
(CSV or XLSX).

Every import reads and checks the whole file first and collects every problem (up to ``MAX_ERRORS``),
each naming the feature or row, the code when it is known, and the field. If there is any, nothing is
written and ``ImportFailed`` carries the report. A dry run stops after the checks and lists what would be
created and updated. Otherwise everything is written in one transaction, with one audit event.

Rows are matched by code (people by username): an existing code is updated. An empty optional value
leaves what is stored unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import shapefile
import shapely
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

from wenming.common.geo import CRS, LocalProjection, geometry_summary, geometry_to_wgs84
from wenming.common.input import strip_controls
from wenming.common.services.audit import audit_event_record
from wenming.common.services.geography import credentials_bump, geography_version_bump, routing_config_bump
from wenming.org.models import (
    Area,
    AreaLevel,
    Person,
    ResponsibilityGrid,
    RoleAssignment,
    Site,
    SiteType,
    Unit,
    UnitKind,
)
from wenming.org.models.area import LEVEL_ORDER
from wenming.org.models.person import UNIT_ROLES, Role

MAX_ERRORS = 100
BATCH = 500
# Digits in an area code by level: GB/T 2260 for the city and counties, CJ/T 213 below.
CODE_DIGITS = {AreaLevel.CITY: 6, AreaLevel.COUNTY: 6, AreaLevel.STREET: 9, AreaLevel.COMMUNITY: 12, AreaLevel.GRID: 14}
# A mainland mobile number, or a landline with its area code (0318-1234567).
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
POLYGONS = frozenset({"Polygon", "MultiPolygon"})
SITE_GEOMETRIES = frozenset({"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"})


# -- the report ----------------------------------------------------------------------------------------------

@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)
    dry_run: bool = False
    # What was (or, in a dry run, would be) written: ("create" | "update", code, description).
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    # Worth a look but not blocking, e.g. a site outside every area.
    warnings: list[str] = field(default_factory=list)
    # Errors found beyond the first MAX_ERRORS.
    errors_omitted: int = 0

    def error(self, where: str, field_name: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"{where}: {field_name}: {message}")
        else:
            self.errors_omitted += 1

    def warn(self, where: str, field_name: str, message: str) -> None:
        if len(self.warnings) < MAX_ERRORS:
            self.warnings.append(f"{where}: {field_name}: {message}")

    def change(self, exists: bool, code: str, description: str = "") -> None:
        self.changes.append(("update" if exists else "create", code, description))
        if exists:
            self.updated += 1
        else:
            self.created += 1

    def error_lines(self) -> list[str]:
        lines = list(self.errors)
        if self.errors_omitted:
            lines.append(_("… and %(count)d more errors not shown") % {"count": self.errors_omitted})
        return lines

    def change_lines(self) -> list[str]:
        if self.dry_run:
            labels = {"create": _("would create"), "update": _("would update")}
        else:
            labels = {"create": _("created"), "update": _("updated")}
        return [f"{labels[action]} {code} {description}".rstrip() for action, code, description in self.changes]

    def summary(self) -> str:
        values = {"created": self.created, "updated": self.updated}
        if self.dry_run:
            return _("Dry run, nothing written: %(created)d would be created, %(updated)d updated.") % values
        return _("%(created)d created, %(updated)d updated.") % values


class ImportFailed(Exception):
    """The file has problems; nothing was written. ``report.errors`` says what and where."""

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__("\n".join(report.error_lines()))


def _stop_if_errors(report: ImportReport) -> None:
    if report.errors:
        raise ImportFailed(report)


def _feature_where(number: int, code: str = "") -> str:
    if code:
        return _("feature %(number)d (code %(code)s)") % {"number": number, "code": code}
    return _("feature %(number)d") % {"number": number}


def _row_where(number: int, code: str = "", key: str = "code") -> str:
    if code:
        return _("row %(number)d (%(key)s %(code)s)") % {"number": number, "key": key, "code": code}
    return _("row %(number)d") % {"number": number}


def _text(value) -> str:
    """A cell or property as text: numbers typed into Excel or a DBF come back without a trailing ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    # Files come from other systems: a control character in a cell would be stored and break feeds and XML later.
    return strip_controls(str(value)).strip()


def _check_length(report: ImportReport, where: str, field_name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        report.error(where, field_name, _("longer than %(limit)d characters") % {"limit": limit})


def _choice_lookup(choices) -> dict[str, str]:
    """Value by every accepted spelling: the value, the English and Chinese labels, the label's bracketed
    Chinese part ("受理员" for "Intake operator (受理员)"); case-insensitive."""
    table: dict[str, str] = {}
    for value, label in choices.choices:
        table[value.lower()] = value
        for language in ("en", "zh-hans", translation.get_language() or "en"):
            with translation.override(language):
                text = str(label)
            table[text.lower()] = value
            bracketed = re.search(r"[(（]([^()（）]+)[)）]\s*$", text)
            if bracketed:
                table[bracketed.group(1).strip().lower()] = value
    return table


# -- reading geographic files --------------------------------------------------------------------------------

@dataclass
class _Feature:
    number: int
    properties: dict[str, str]
    geometry: dict | None


# Shapefile field names stop at 10 characters; these short names stand for the full property names.
PROPERTY_ALIASES = {
    "parent_cod": "parent_code",
    "parent": "parent_code",
    "default_un": "default_unit_code",
    "unit_code": "default_unit_code",
    "resp_grid": "responsibility_grid",
    "responsibi": "responsibility_grid",
    "resp_name": "responsibility_grid_name",
    "guarantor_": "guarantor_unit",
    "site_type": "type",
}


def _properties(raw: dict) -> dict[str, str]:
    properties = {}
    for key, value in raw.items():
        name = str(key).strip().lower()
        properties[PROPERTY_ALIASES.get(name, name)] = _text(value)
    return properties


def _read_features(path: Path, report: ImportReport) -> list[_Feature]:
    where = path.name
    if not path.is_file():
        report.error(where, _("file"), _("no such file"))
        return []
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _read_shapefile_zip(path, report)
    if suffix in {".geojson", ".json"}:
        return _read_geojson(path, report)
    report.error(where, _("file"), _("use a GeoJSON file (.geojson, .json) or a zipped Shapefile (.zip)"))
    return []


def _read_geojson(path: Path, report: ImportReport) -> list[_Feature]:
    where = path.name
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        report.error(where, _("file"), _("is not UTF-8 text"))
        return []
    except json.JSONDecodeError as exc:
        report.error(where, _("file"), _("invalid JSON: %(error)s at line %(line)d column %(column)d") % {
            "error": exc.msg, "line": exc.lineno, "column": exc.colno})
        return []
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        report.error(where, _("file"), _("is not a GeoJSON FeatureCollection"))
        return []
    features = []
    for number, item in enumerate(data["features"], 1):
        if not isinstance(item, dict) or item.get("type") != "Feature":
            report.error(_feature_where(number), "type", _("is not a GeoJSON Feature"))
            continue
        properties = item.get("properties") or {}
        if not isinstance(properties, dict):
            report.error(_feature_where(number), "properties", _("must be an object"))
            continue
        features.append(_Feature(number, _properties(properties), item.get("geometry")))
    return features


def _read_shapefile_zip(path: Path, report: ImportReport) -> list[_Feature]:
    where = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        report.error(where, _("file"), _("is not a readable zip archive: %(error)s") % {"error": exc})
        return []
    with archive:
        members: dict[tuple[str, str], str] = {}
        for name in archive.namelist():
            member = PurePosixPath(name)
            if name.endswith("/") or "__MACOSX" in member.parts or member.name.startswith("."):
                continue
            members[(str(member.with_suffix("")), member.suffix.lower())] = name
        stems = sorted(stem for stem, suffix in members if suffix == ".shp")
        if len(stems) > 1:
            report.error(where, _("file"), _("holds several Shapefiles (%(names)s); put one in each archive") % {
                "names": ", ".join(f"{s}.shp" for s in stems)})
            return []
        stem = stems[0] if stems else PurePosixPath(path.name).stem
        missing = [f"{stem}{suffix}" for suffix in (".shp", ".shx", ".dbf") if (stem, suffix) not in members]
        if missing:
            report.error(where, _("file"), _("the archive lacks %(names)s (a Shapefile needs .shp, .shx and .dbf)") % {
                "names": ", ".join(missing)})
            return []
        parts = {suffix: archive.read(members[(stem, suffix)]) for suffix in (".shp", ".shx", ".dbf")}
        declared = archive.read(members[(stem, ".cpg")]).decode("ascii", "ignore").strip() if (stem, ".cpg") in members else ""
    # Without a .cpg, try UTF-8 and then GBK, which Chinese GIS software commonly writes.
    if re.fullmatch(r"(ANSI )?\d+", declared, flags=re.IGNORECASE):  # ArcGIS writes code pages: "936", "ANSI 936"
        declared = f"cp{declared.split()[-1]}"
    encodings = [declared] if declared else ["utf-8", "gbk"]
    for encoding in encodings:
        try:
            reader = shapefile.Reader(
                shp=io.BytesIO(parts[".shp"]), shx=io.BytesIO(parts[".shx"]), dbf=io.BytesIO(parts[".dbf"]),
                encoding=encoding,
            )
            names = [f[0] for f in reader.fields[1:]]
            features = []
            for number, item in enumerate(reader.iterShapeRecords(), 1):
                geometry = None if item.shape.shapeType == shapefile.NULL else item.shape.__geo_interface__
                features.append(_Feature(number, _properties(dict(zip(names, list(item.record), strict=False))), geometry))
            return features
        except (UnicodeDecodeError, LookupError):
            continue
        except Exception as exc:  # pyshp raises struct.error, ShapefileException, IndexError… on a damaged file
            if isinstance(exc, shapefile.ShapefileException) and "decode" in str(exc):
                continue
            report.error(where, _("file"), _("cannot be read as a Shapefile: %(error)s") % {"error": exc})
            return []
    report.error(where, _("file"), _("the attribute table (.dbf) cannot be decoded as %(encodings)s; add a .cpg file "
                                     "naming its encoding") % {"encodings": " / ".join(encodings)})
    return []


def _geometry(
    raw: dict | None, where: str, allowed: frozenset[str], crs: CRS, report: ImportReport
) -> tuple[dict, shapely.Geometry] | None:
    """The feature's geometry checked and converted to WGS-84, as GeoJSON and as shapely; None if it is bad."""
    if not raw:
        report.error(where, "geometry", _("missing"))
        return None
    try:
        geom = shapely.force_2d(shape(raw))
    except Exception as exc:  # shape() raises KeyError, IndexError, ValueError, GEOSException… on bad input
        report.error(where, "geometry", _("cannot be read: %(error)s") % {"error": str(exc) or type(exc).__name__})
        return None
    if geom.geom_type not in allowed:
        report.error(where, "geometry", _("is a %(type)s; expected %(allowed)s") % {
            "type": geom.geom_type, "allowed": " / ".join(sorted(allowed))})
        return None
    if geom.is_empty:
        report.error(where, "geometry", _("is empty"))
        return None
    xy = shapely.get_coordinates(geom)
    bad = ~(np.isfinite(xy).all(axis=1) & (np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90))
    if bad.any():
        x, y = xy[int(np.argmax(bad))]
        report.error(where, "geometry", _("coordinates out of range at %(x)s %(y)s: longitude and latitude are needed, "
                                          "not projected metres") % {"x": x, "y": y})
        return None
    if not geom.is_valid:
        reason = explain_validity(geom)
        located = re.fullmatch(r"(.*)\[(\S+) (\S+)\]", reason)
        if located:
            reason = _("%(reason)s at or near point %(x)s %(y)s") % {
                "reason": located.group(1), "x": located.group(2), "y": located.group(3)}
        report.error(where, "geometry", reason)
        return None
    geometry = json.loads(json.dumps(mapping(geom)))  # tuples → lists, as the database will hand them back
    if crs is not CRS.WGS84:
        geometry = json.loads(json.dumps(geometry_to_wgs84(geometry, crs)))
        geom = shape(geometry)
    return geometry, geom


def _crs(value: str, report: ImportReport) -> CRS:
    try:
        return CRS(str(value).lower())
    except ValueError:
        report.error("crs", "crs", _('unknown coordinate system "%(crs)s"; use wgs84, gcj02 or bd09') % {"crs": value})
        return CRS.WGS84


def _area_m2(geom) -> float:
    centre = geom.centroid
    return round(LocalProjection(centre.x, centre.y).geometry(geom).area, 1)


def _filter_in(queryset, field_name: str, values) -> list:
    """``queryset.filter(<field_name>__in=values)`` in chunks: SQLite caps the parameters of one statement."""
    values, found = list(values), []
    for start in range(0, len(values), 1000):
        found.extend(queryset.filter(**{f"{field_name}__in": values[start:start + 1000]}))
    return found


def _update_each(model, objects, fields: list[str]) -> None:
    """Write ``fields`` of stored rows, one UPDATE each: several times faster than ``bulk_update``, whose
    CASE expressions cost more to build than the queries they save."""
    attnames = [model._meta.get_field(name).attname for name in fields]
    for obj in objects:
        model._base_manager.filter(pk=obj.pk).update(**{name: getattr(obj, name) for name in attnames})


GEOMETRY_FIELDS = ["geometry", "min_lng", "min_lat", "max_lng", "max_lat", "lng", "lat"]


# -- areas ---------------------------------------------------------------------------------------------------

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
    crs = _crs(crs, report)
    features = _read_features(path, report)
    _stop_if_errors(report)

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
        where = _feature_where(feature.number, code)
        row = _AreaRow(feature.number, where, code, p.get("name", ""), p.get("level", "").lower(),
                       p.get("parent_code", ""), p.get("default_unit_code", ""), p.get("responsibility_grid", ""),
                       p.get("responsibility_grid_name", ""))
        if not row.name:
            report.error(where, "name", _("missing"))
        _check_length(report, where, "name", row.name, 100)
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
            _check_length(report, where, "responsibility_grid", row.rgrid_code, 20)
            _check_length(report, where, "responsibility_grid_name", row.rgrid_name, 100)
        checked = _geometry(feature.geometry, where, POLYGONS, crs, report)
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
    _stop_if_errors(report)

    ordered = sorted(rows.values(), key=lambda r: (levels.index(r.level), r.number))
    for row in ordered:
        report.change(row.code in existing, row.code, f"{row.name} ({row.level})")
    if dry_run:
        return report

    with transaction.atomic():
        _areas_write(ordered, existing, levels)
        geography_version_bump()
        credentials_bump()  # bulk writes skip the save signals that tell the API key caches
        audit_event_record(actor=actor, action="import.areas", summary=f"{path.name}: {report.summary()}",
                           data={"file": path.name, "crs": str(crs), "created": report.created, "updated": report.updated})
    return report


def _areas_write(ordered: list[_AreaRow], existing: dict[str, dict], levels: list[str]) -> None:
    now = timezone.now()
    paths = {code: (row["id"], row["path"]) for code, row in existing.items()}
    unit_ids = dict(Unit.objects.values_list("code", "id"))
    rgrid_ids = dict(ResponsibilityGrid.objects.values_list("code", "id"))
    stored = {area.code: area for area in _filter_in(
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
            renamed = _filter_in(ResponsibilityGrid.objects.all(), "code", [c for c, r in wanted.items() if r.rgrid_name])
            for rgrid in renamed:
                rgrid.name = wanted[rgrid.code].rgrid_name
            _update_each(ResponsibilityGrid, renamed, ["name"])
            rgrid_ids = dict(_filter_in(ResponsibilityGrid.objects.values_list("code", "id"), "code", wanted))
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
        _update_each(Area, changed, ["name", *GEOMETRY_FIELDS, "area_m2", "default_unit", "responsibility_grid",
                                     "updated_at"])
        if new:
            for code, area_id, area_path in _filter_in(Area.objects.values_list("code", "id", "path"), "code",
                                                       [a.code for a in new]):
                paths[code] = (area_id, area_path)


# -- sites ---------------------------------------------------------------------------------------------------

def sites_import(*, path: Path, crs: str = "wgs84", dry_run: bool = False, actor=None) -> ImportReport:
    """Sites (点位) from GeoJSON or a zipped Shapefile, each placed in the area holding it."""
    from wenming.org.spatial import get_index

    path = Path(path)
    report = ImportReport(dry_run=dry_run)
    crs = _crs(crs, report)
    features = _read_features(path, report)
    _stop_if_errors(report)

    site_types = list(SiteType.objects.all())
    types = {t.name.lower(): t for t in site_types} | {t.code.lower(): t for t in site_types}
    unit_ids = dict(Unit.objects.values_list("code", "id"))
    existing = set(Site.objects.values_list("code", flat=True))
    index = get_index()
    rows: dict[str, tuple[dict, dict, SiteType, int | None]] = {}
    first_seen: dict[str, int] = {}
    for feature in features:
        p = feature.properties
        code = p.get("code", "")
        where = _feature_where(feature.number, code)
        if not code:
            report.error(where, "code", _("missing"))
        elif code in first_seen:
            report.error(where, "code", _("appears twice in the file (first in feature %(number)d)") % {
                "number": first_seen[code]})
        _check_length(report, where, "code", code, 32)
        if not p.get("name"):
            report.error(where, "name", _("missing"))
        _check_length(report, where, "name", p.get("name", ""), 100)
        _check_length(report, where, "address", p.get("address", ""), 200)
        site_type = types.get(p.get("type", "").lower())
        if not p.get("type"):
            report.error(where, "type", _("missing"))
        elif site_type is None:
            report.error(where, "type", _('unknown site type "%(type)s"') % {"type": p.get("type", "")})
        if p.get("guarantor_unit") and p["guarantor_unit"] not in unit_ids:
            report.error(where, "guarantor_unit", _('no unit has code "%(code)s"') % {"code": p["guarantor_unit"]})
        checked = _geometry(feature.geometry, where, SITE_GEOMETRIES, crs, report)
        area_id = None
        if checked:
            _box, (lng, lat) = geometry_summary(checked[0])
            area_id = index.locate(lng, lat)
            if area_id is None:
                report.warn(where, "geometry", _("lies outside every area; the site gets no area"))
        if code and code not in first_seen:
            first_seen[code] = feature.number
            if checked and site_type:
                rows[code] = (p, checked[0], site_type, area_id)
    _stop_if_errors(report)

    for code, (p, *_rest, area_id) in rows.items():
        area = index.areas.get(area_id) if area_id else None
        report.change(code in existing, code, p["name"] + (f" → {area.code}" if area else ""))
    if dry_run:
        return report

    with transaction.atomic():
        now = timezone.now()
        stored = {site.code: site for site in _filter_in(
            Site.objects.only("id", "code", "guarantor_unit_id", "address"), "code", rows)}
        new, changed = [], []
        for code, (p, geometry, site_type, area_id) in rows.items():
            site = stored.get(code)
            if site is None:
                site = Site(code=code)
                new.append(site)
            else:
                changed.append(site)
            site.name, site.site_type, site.area_id, site.updated_at = p["name"], site_type, area_id, now
            site.set_geometry(geometry)
            if p.get("address"):
                site.address = p["address"]
            if p.get("guarantor_unit"):
                site.guarantor_unit_id = unit_ids[p["guarantor_unit"]]
        Site.objects.bulk_create(new, batch_size=BATCH)
        _update_each(Site, changed, ["name", "site_type", "area", "address", "guarantor_unit", *GEOMETRY_FIELDS,
                                     "updated_at"])
        geography_version_bump()
        audit_event_record(actor=actor, action="import.sites", summary=f"{path.name}: {report.summary()}",
                           data={"file": path.name, "crs": str(crs), "created": report.created, "updated": report.updated})
    return report


# -- reading tables ------------------------------------------------------------------------------------------

def read_rows(
    path: Path, report: ImportReport, columns: list[str], required: list[str], aliases: dict[str, str]
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV (UTF-8, BOM allowed) or XLSX file (first sheet) by canonical column name, with their
    row numbers (the header is row 1). Blank rows are skipped."""
    where = path.name
    if not path.is_file():
        report.error(where, _("file"), _("no such file"))
        return []
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            report.error(where, _("file"), _("is not UTF-8 text (byte %(position)d); save it as \"CSV UTF-8\"") % {
                "position": exc.start + 1})
            return []
        try:
            table = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            report.error(where, _("file"), _("is not valid CSV: %(error)s") % {"error": exc})
            return []
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
            try:
                table = [list(values) for values in workbook.worksheets[0].iter_rows(values_only=True)]
            finally:
                workbook.close()
        except Exception as exc:  # openpyxl raises BadZipFile, KeyError, InvalidFileException… on a broken file
            report.error(where, _("file"), _("is not a readable .xlsx workbook: %(error)s") % {
                "error": str(exc) or type(exc).__name__})
            return []
    else:
        report.error(where, _("file"), _("use a .csv (UTF-8) or .xlsx file"))
        return []
    if not table:
        report.error(where, _("file"), _("is empty"))
        return []

    header: list[str | None] = []
    for position, cell in enumerate(table[0], 1):
        title = _text(cell).lstrip("\ufeff").strip()
        name = aliases.get(title, title.lower().replace(" ", "_"))
        if not title:
            header.append(None)
        elif name not in columns:
            report.warn(_row_where(1), _("column %(number)d") % {"number": position},
                        _('unknown column "%(title)s" is ignored') % {"title": title})
            header.append(None)
        elif name in header:
            report.error(_row_where(1), name, _("the column appears twice"))
            header.append(None)
        else:
            header.append(name)
    for name in required:
        if name not in header:
            report.error(_row_where(1), name, _("the column is missing"))
    rows = []
    for number, values in enumerate(table[1:], 2):
        row = {name: _text(value) for name, value in zip(header, values, strict=False) if name}
        if any(row.values()):
            rows.append((number, {name: row.get(name, "") for name in columns}))
    return rows


# -- units ---------------------------------------------------------------------------------------------------

UNIT_COLUMNS = ["code", "name", "kind", "parent_code", "area_code", "contact_name", "contact_phone", "address"]
UNIT_ALIASES = {"编码": "code", "名称": "name", "类型": "kind", "上级单位编码": "parent_code", "辖区编码": "area_code",
                "联系人": "contact_name", "联系电话": "contact_phone", "地址": "address"}


def units_import(*, path: Path, dry_run: bool = False, actor=None) -> ImportReport:
    """Units (责任单位) from CSV or XLSX; a parent may come later in the file, cycles are refused."""
    path = Path(path)
    report = ImportReport(dry_run=dry_run)
    rows = read_rows(path, report, UNIT_COLUMNS, ["code", "name", "kind"], UNIT_ALIASES)
    _stop_if_errors(report)

    stored = {code: (unit_id, parent) for unit_id, code, parent in Unit.objects.values_list("id", "code", "parent__code")}
    area_ids = dict(Area.objects.values_list("code", "id"))
    kinds = _choice_lookup(UnitKind)
    in_file: dict[str, tuple[int, dict[str, str]]] = {}
    file_codes = {row["code"] for _number, row in rows}
    for number, row in rows:
        code = row["code"]
        where = _row_where(number, code)
        if not code:
            report.error(where, "code", _("missing"))
        elif code in in_file:
            report.error(where, "code", _("appears twice in the file (first on row %(number)d)") % {
                "number": in_file[code][0]})
        _check_length(report, where, "code", code, 32)
        if not row["name"]:
            report.error(where, "name", _("missing"))
        _check_length(report, where, "name", row["name"], 100)
        if not row["kind"]:
            report.error(where, "kind", _("missing"))
        elif row["kind"].lower() not in kinds:
            report.error(where, "kind", _('unknown unit kind "%(kind)s"') % {"kind": row["kind"]})
        parent = row["parent_code"]
        if parent and parent not in stored and parent not in file_codes:
            report.error(where, "parent_code", _('no unit has code "%(code)s", in the file or stored') % {"code": parent})
        if row["area_code"] and row["area_code"] not in area_ids:
            report.error(where, "area_code", _('no area has code "%(code)s"') % {"code": row["area_code"]})
        if row["contact_phone"] and not PHONE.match(row["contact_phone"]):
            report.error(where, "contact_phone", _('"%(phone)s" is neither an 11-digit mobile number nor a landline '
                                                   'like 0318-1234567') % {"phone": row["contact_phone"]})
        _check_length(report, where, "contact_name", row["contact_name"], 50)
        _check_length(report, where, "address", row["address"], 200)
        if code and code not in in_file:
            in_file[code] = (number, row)

    # The tree after the import: stored parents, replaced by the file's. Walk it from every unit in the
    # file; coming back to a unit on the current walk is a cycle.
    parents = {code: parent for code, (_id, parent) in stored.items()}
    parents.update({code: row["parent_code"] or parents.get(code) for code, (_n, row) in in_file.items()})
    done: set[str] = set()
    for start in in_file:
        chain: list[str] = []
        code = start
        while code and code not in done:
            if code in chain:
                cycle = chain[chain.index(code):] + [code]
                first = next(c for c in cycle if c in in_file)
                number = in_file[first][0]
                report.error(_row_where(number, first), "parent_code", _("parent cycle: %(chain)s") % {
                    "chain": " → ".join(cycle)})
                break
            chain.append(code)
            code = parents.get(code)
        done.update(chain)
    _stop_if_errors(report)

    for code, (_number, row) in in_file.items():
        report.change(code in stored, code, row["name"])
    if dry_run:
        return report

    with transaction.atomic():
        _units_write(in_file, parents, kinds, area_ids)
        routing_config_bump()
        credentials_bump()  # bulk writes skip the save signals that tell the API key caches
        audit_event_record(actor=actor, action="import.units", summary=f"{path.name}: {report.summary()}",
                           data={"file": path.name, "created": report.created, "updated": report.updated})
    return report


def _units_write(in_file: dict[str, tuple[int, dict]], parents: dict[str, str | None], kinds: dict[str, str],
                 area_ids: dict[str, int]) -> None:
    now = timezone.now()
    paths: dict[str, str] = {}

    def path_of(code: str) -> str:
        if code not in paths:
            parent = parents.get(code)
            paths[code] = f"{path_of(parent) if parent else '/'}{code}/"
        return paths[code]

    stored = {unit.code: unit for unit in _filter_in(Unit.objects.all(), "code", in_file)}
    new, changed = [], []
    for code, (_number, row) in in_file.items():
        unit = stored.get(code)
        if unit is None:
            unit = Unit(code=code)
            new.append(unit)
        else:
            changed.append(unit)
        unit.name, unit.kind, unit.path, unit.updated_at = row["name"], kinds[row["kind"].lower()], path_of(code), now
        for name in ("contact_name", "contact_phone", "address"):
            if row[name]:
                setattr(unit, name, row[name])
        if row["area_code"]:
            unit.area_id = area_ids[row["area_code"]]
    # New units go in without their parent, which may be new too; then every unit gets its parent.
    Unit.objects.bulk_create(new, batch_size=BATCH)
    ids = dict(Unit.objects.values_list("code", "id"))
    for unit in [*new, *changed]:
        parent = parents.get(unit.code)
        unit.parent_id = ids[parent] if parent else None
    _update_each(Unit, [unit for unit in new if unit.parent_id], ["parent"])
    _update_each(Unit, changed, ["name", "kind", "parent", "path", "area", "contact_name", "contact_phone", "address",
                                 "updated_at"])
    # A unit moved to another parent takes its stored descendants along: their paths follow.
    moved = [unit for unit in Unit.objects.only("id", "code", "path")
             if unit.code not in in_file and unit.path != path_of(unit.code)]
    for unit in moved:
        unit.path = path_of(unit.code)
    _update_each(Unit, moved, ["path"])


# -- people --------------------------------------------------------------------------------------------------

PEOPLE_COLUMNS = ["username", "display_name", "phone", "email", "unit_code", "role", "scope_unit_code", "scope_area_code"]
PEOPLE_ALIASES = {"用户名": "username", "姓名": "display_name", "手机": "phone", "邮箱": "email", "所属单位编码": "unit_code",
                  "角色": "role", "范围单位编码": "scope_unit_code", "范围区域编码": "scope_area_code"}
PERSON_FIELDS = ["display_name", "phone", "email", "unit_code"]


def people_import(*, path: Path, dry_run: bool = False, actor=None) -> ImportReport:
    """People and their scoped roles from CSV or XLSX; several rows for one username add several roles."""
    path = Path(path)
    report = ImportReport(dry_run=dry_run)
    rows = read_rows(path, report, PEOPLE_COLUMNS, ["username", "role"], PEOPLE_ALIASES)
    _stop_if_errors(report)

    unit_ids = dict(Unit.objects.values_list("code", "id"))
    area_ids = dict(Area.objects.values_list("code", "id"))
    roles = _choice_lookup(Role)
    username_validator = UnicodeUsernameValidator()
    people: dict[str, dict] = {}
    for number, row in rows:
        username = row["username"]
        where = _row_where(number, username, "username")
        if not username:
            report.error(where, "username", _("missing"))
        else:
            try:
                username_validator(username)
            except ValidationError:
                report.error(where, "username", _("use letters, digits and @ . + - _ only"))
            _check_length(report, where, "username", username, 150)
        _check_length(report, where, "display_name", row["display_name"], 50)
        invalid = set()
        if row["phone"] and not PHONE.match(row["phone"]):
            invalid.add("phone")
            report.error(where, "phone", _('"%(phone)s" is neither an 11-digit mobile number nor a landline like '
                                           '0318-1234567') % {"phone": row["phone"]})
        if row["email"]:
            try:
                validate_email(row["email"])
            except ValidationError:
                invalid.add("email")
                report.error(where, "email", _('"%(email)s" is not an e-mail address') % {"email": row["email"]})
        if row["unit_code"] and row["unit_code"] not in unit_ids:
            invalid.add("unit_code")
            report.error(where, "unit_code", _('no unit has code "%(code)s"') % {"code": row["unit_code"]})

        role = roles.get(row["role"].lower()) if row["role"] else None
        scope_unit, scope_area = row["scope_unit_code"], row["scope_area_code"]
        assignment = None
        if not row["role"]:
            report.error(where, "role", _("missing"))
        elif role is None:
            report.error(where, "role", _('unknown role "%(role)s"') % {"role": row["role"]})
        elif role in UNIT_ROLES:
            if scope_area:
                report.error(where, "scope_area_code", _("%(role)s is scoped to a unit: fill scope_unit_code and "
                                                         "leave scope_area_code empty") % {"role": role})
            elif not scope_unit:
                report.error(where, "scope_unit_code", _("%(role)s needs the unit it works for") % {"role": role})
            elif scope_unit not in unit_ids:
                report.error(where, "scope_unit_code", _('no unit has code "%(code)s"') % {"code": scope_unit})
            else:
                assignment = (role, unit_ids[scope_unit], None)
        else:
            if scope_unit:
                report.error(where, "scope_unit_code", _("%(role)s is scoped to an area: fill scope_area_code and "
                                                         "leave scope_unit_code empty") % {"role": role})
            elif not scope_area:
                report.error(where, "scope_area_code", _("%(role)s needs the area it covers") % {"role": role})
            elif scope_area not in area_ids:
                report.error(where, "scope_area_code", _('no area has code "%(code)s"') % {"code": scope_area})
            else:
                assignment = (role, None, area_ids[scope_area])
        if not username:
            continue
        person = people.setdefault(username, {"number": number, "values": {}, "first": {}, "roles": []})
        # The person's own columns may be repeated on each of their rows, but must not disagree.
        for name in PERSON_FIELDS:
            value = row[name]
            if not value or name in invalid:
                continue
            if name in person["values"] and person["values"][name] != value:
                report.error(where, name, _('row %(number)d says "%(value)s" for the same person') % {
                    "number": person["first"][name], "value": person["values"][name]})
            else:
                person["values"].setdefault(name, value)
                person["first"].setdefault(name, number)
        if assignment and assignment not in person["roles"]:
            person["roles"].append(assignment)
    _stop_if_errors(report)

    existing = set(_filter_in(Person.objects.values_list("username", flat=True), "username", people))
    role_labels = dict(Role.choices)
    for username, person in people.items():
        report.change(username in existing, username, ", ".join(str(role_labels[r]) for r, _u, _a in person["roles"]))
    if dry_run:
        return report

    with transaction.atomic():
        stored = {person.username: person for person in _filter_in(Person.objects.all(), "username", people)}
        new, changed = [], []
        for username, person in people.items():
            record = stored.get(username)
            if record is None:
                record = Person(username=username, is_staff=True)
                record.set_unusable_password()
                new.append(record)
            else:
                changed.append(record)
            values = person["values"]
            for name in ("display_name", "phone", "email"):
                if values.get(name):
                    setattr(record, name, values[name])
            if values.get("unit_code"):
                record.unit_id = unit_ids[values["unit_code"]]
        Person.objects.bulk_create(new, batch_size=BATCH)
        _update_each(Person, changed, ["display_name", "phone", "email", "unit"])
        ids = dict(_filter_in(Person.objects.values_list("username", "id"), "username", people))
        held = set(_filter_in(RoleAssignment.objects.values_list("person_id", "role", "unit_id", "area_id"),
                              "person_id", ids.values()))
        added = [
            RoleAssignment(person_id=ids[username], role=role, unit_id=unit_id, area_id=area_id)
            for username, person in people.items()
            for role, unit_id, area_id in person["roles"]
            if (ids[username], role, unit_id, area_id) not in held
        ]
        RoleAssignment.objects.bulk_create(added, batch_size=BATCH)
        credentials_bump()  # bulk writes skip the save signals that tell the API key caches
        audit_event_record(actor=actor, action="import.people", summary=f"{path.name}: {report.summary()}",
                           data={"file": path.name, "created": report.created, "updated": report.updated,
                                 "roles_added": len(added)})
    return report
