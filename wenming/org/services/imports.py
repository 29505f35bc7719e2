"""Imports of the city's own data: areas and grids, sites (GeoJSON or zipped Shapefile), units and people
(CSV or XLSX).

Every import reads and checks the whole file first and collects every problem, each naming the feature
or row and the field. If there is any, nothing is written and ``ImportFailed`` carries the report. A dry
run stops after the checks. Otherwise everything is written in one transaction, with an audit event.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import shapefile
import shapely
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

from wenming.common.geo import CRS, LocalProjection, geometry_to_wgs84
from wenming.common.services.audit import audit_event_record
from wenming.common.services.geography import geography_version_bump
from wenming.org.models import (
    Area,
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
CODE_LENGTHS = {"city": 6, "county": 6, "street": 9, "community": 12, "grid": 14}
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)
    dry_run: bool = False

    def error(self, where: str, field_name: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"{where}: {field_name}: {message}")

    def summary(self) -> str:
        verb = _("would be") if self.dry_run else _("were")
        return _("%(created)d created and %(updated)d updated %(verb)s.") % {
            "created": self.created, "updated": self.updated, "verb": verb,
        }


class ImportFailed(Exception):
    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__("\n".join(report.errors))


# -- reading files ------------------------------------------------------------------------------------------

@dataclass
class Feature:
    number: int
    properties: dict
    geometry: dict | None


def _read_features(path: Path, report: ImportReport) -> list[Feature]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".zip":
            return list(_read_shapefile_zip(path))
        if suffix in {".geojson", ".json"}:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
                report.error(path.name, "type", _("not a GeoJSON FeatureCollection"))
                return []
            return [
                Feature(i, dict(f.get("properties") or {}), f.get("geometry")) for i, f in enumerate(data["features"], 1)
            ]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, zipfile.BadZipFile, shapefile.ShapefileException) as exc:
        report.error(path.name, _("file"), _("cannot be read: %(error)s") % {"error": exc})
        return []
    report.error(path.name, _("file"), _("use a .geojson file or a zipped Shapefile (.zip)"))
    return []


def _read_shapefile_zip(path: Path) -> Iterator[Feature]:
    with zipfile.ZipFile(path) as archive:
        names = {Path(n).suffix.lower(): n for n in archive.namelist() if not n.startswith("__MACOSX")}
        missing = [ext for ext in (".shp", ".shx", ".dbf") if ext not in names]
        if missing:
            raise shapefile.ShapefileException(
                _("the archive lacks %(parts)s (a Shapefile needs .shp, .shx and .dbf)") % {"parts": ", ".join(missing)}
            )
        encoding = "utf-8"
        if ".cpg" in names:
            encoding = archive.read(names[".cpg"]).decode("ascii", "ignore").strip() or "utf-8"
        reader = shapefile.Reader(
            shp=io.BytesIO(archive.read(names[".shp"])), shx=io.BytesIO(archive.read(names[".shx"])),
            dbf=io.BytesIO(archive.read(names[".dbf"])), encoding=encoding,
        )
        fields = [_dbf_name(f[0]) for f in reader.fields[1:]]
        for i, record in enumerate(reader.iterShapeRecords(), 1):
            geometry = record.shape.__geo_interface__ if record.shape.shapeType != shapefile.NULL else None
            yield Feature(i, dict(zip(fields, list(record.record), strict=False)), geometry)


GEO_PROPERTIES = ("code", "name", "level", "parent_code", "default_unit_code", "responsibility_grid",
                  "responsibility_grid_name", "type", "guarantor_unit", "address")


def _dbf_name(name: str) -> str:
    """DBF field names stop at 10 characters: "parent_cod" means parent_code."""
    if name in GEO_PROPERTIES or len(name) < 10:
        return name
    return next((full for full in GEO_PROPERTIES if full.startswith(name)), name)


def _read_rows(path: Path, report: ImportReport, aliases: dict[str, str]) -> list[tuple[int, dict]]:
    """Rows of a CSV (UTF-8, BOM allowed) or XLSX file as dicts with canonical column names; row 1 is the header."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            text = path.read_bytes().decode("utf-8-sig")
            table = list(csv.reader(io.StringIO(text)))
        elif suffix == ".xlsx":
            from openpyxl import load_workbook

            sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
            table = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        else:
            report.error(path.name, _("file"), _("use a .csv (UTF-8) or .xlsx file"))
            return []
    except UnicodeDecodeError:
        report.error(path.name, _("file"), _("is not UTF-8 text; save the CSV as UTF-8"))
        return []
    except Exception as exc:  # openpyxl raises many kinds on a broken workbook
        report.error(path.name, _("file"), _("cannot be read: %(error)s") % {"error": exc})
        return []
    if not table:
        report.error(path.name, _("file"), _("is empty"))
        return []
    header = [aliases.get(h.strip(), aliases.get(h.strip().lower(), h.strip().lower())) for h in table[0]]
    rows = []
    for number, values in enumerate(table[1:], 2):
        if not any(str(v).strip() for v in values):
            continue
        rows.append((number, {h: str(v).strip() for h, v in zip(header, values, strict=False)}))
    return rows


def _geometry(feature: Feature, where: str, allowed: set[str], crs: str, report: ImportReport) -> dict | None:
    if not feature.geometry:
        report.error(where, "geometry", _("missing"))
        return None
    try:
        geom = shape(feature.geometry)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
        report.error(where, "geometry", _("cannot be read: %(error)s") % {"error": exc})
        return None
    if geom.geom_type not in allowed:
        report.error(where, "geometry", _("is a %(type)s; expected %(allowed)s") % {
            "type": geom.geom_type, "allowed": " / ".join(sorted(allowed))})
        return None
    minx, miny, maxx, maxy = geom.bounds
    if geom.is_empty or not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        report.error(where, "geometry", _("coordinates out of range"))
        return None
    if not geom.is_valid:
        report.error(where, "geometry", explain_validity(geom))
        return None
    return geometry_to_wgs84(mapping(geom), crs) if crs != CRS.WGS84 else json.loads(json.dumps(mapping(geom)))


# -- areas ---------------------------------------------------------------------------------------------------

def areas_import(*, path: Path, crs: str = "wgs84", dry_run: bool = False, actor=None) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    crs = CRS(crs)
    features = _read_features(Path(path), report)
    if report.errors:
        raise ImportFailed(report)
    existing = {a.code: a for a in Area.objects.all().only("id", "code", "level", "path", "parent_id")}
    units = set(Unit.objects.values_list("code", flat=True))
    parsed: dict[str, dict] = {}
    for f in features:
        p = {k: ("" if v is None else str(v).strip()) for k, v in f.properties.items()}
        code = p.get("code", "")
        where = _("feature %(n)d") % {"n": f.number} + (f" ({code})" if code else "")
        level = p.get("level", "")
        if not code:
            report.error(where, "code", _("missing"))
        if not p.get("name"):
            report.error(where, "name", _("missing"))
        if level not in CODE_LENGTHS:
            report.error(where, "level", _("must be one of %(levels)s") % {"levels": ", ".join(CODE_LENGTHS)})
        elif code and (not code.isdigit() or len(code) != CODE_LENGTHS[level]):
            report.error(where, "code", _("a %(level)s code has %(n)d digits") % {"level": level, "n": CODE_LENGTHS[level]})
        if code in parsed:
            report.error(where, "code", _("appears twice in the file"))
        unit = p.get("default_unit_code", "")
        if unit and unit not in units:
            report.error(where, "default_unit_code", _("no unit has code %(code)s") % {"code": unit})
        if p.get("responsibility_grid") and level != "grid":
            report.error(where, "responsibility_grid", _("only unit grids belong to a responsibility grid"))
        geometry = _geometry(f, where, {"Polygon", "MultiPolygon"}, crs, report)
        parsed[code] = {"where": where, "p": p, "level": level, "geometry": geometry}
    # Parents: in the file or in the database, exactly one level up, and a prefix of the child's code.
    for code, item in parsed.items():
        level, parent_code, where = item["level"], item["p"].get("parent_code", ""), item["where"]
        if level not in CODE_LENGTHS:
            continue
        if level == "city":
            if parent_code:
                report.error(where, "parent_code", _("a city has no parent"))
            continue
        parent_level = parsed.get(parent_code, {}).get("level") or getattr(existing.get(parent_code), "level", None)
        if not parent_code:
            report.error(where, "parent_code", _("missing"))
        elif parent_level is None:
            report.error(where, "parent_code", _("no area has code %(code)s") % {"code": parent_code})
        elif LEVEL_ORDER.index(level) != LEVEL_ORDER.index(parent_level) + 1:
            report.error(where, "parent_code", _("a %(level)s must be inside a %(expected)s, not a %(got)s") % {
                "level": level, "expected": LEVEL_ORDER[LEVEL_ORDER.index(level) - 1], "got": parent_level})
        elif level != "county" and not code.startswith(parent_code):
            report.error(where, "code", _("must start with its parent's code %(code)s") % {"code": parent_code})
        if code in existing and existing[code].parent_id is not None and parent_code:
            old_parent = next((a for a in existing.values() if a.id == existing[code].parent_id), None)
            if old_parent and old_parent.code != parent_code:
                report.error(where, "parent_code", _("moving an area to another parent is not supported"))
    if report.errors:
        raise ImportFailed(report)
    report.created = sum(1 for c in parsed if c not in existing)
    report.updated = len(parsed) - report.created
    if dry_run:
        return report

    projection = None
    with transaction.atomic():
        by_code = dict(existing)
        unit_ids = dict(Unit.objects.values_list("code", "id"))
        for code, item in sorted(parsed.items(), key=lambda kv: LEVEL_ORDER.index(kv[1]["level"])):
            p = item["p"]
            area = by_code.get(code) if code in existing else Area(code=code)
            if code in existing:
                area = Area.objects.get(pk=existing[code].id)
            area.name, area.level = p["name"], item["level"]
            area.parent = by_code.get(p.get("parent_code")) if p.get("parent_code") else None
            area.set_geometry(item["geometry"])
            geom = shape(item["geometry"])
            projection = projection or LocalProjection(geom.centroid.x, geom.centroid.y)
            area.area_m2 = round(projection.geometry(geom).area, 1)
            if p.get("default_unit_code"):
                area.default_unit_id = unit_ids[p["default_unit_code"]]
            if p.get("responsibility_grid"):
                rgrid, _created = ResponsibilityGrid.objects.get_or_create(
                    code=p["responsibility_grid"],
                    defaults={"name": p.get("responsibility_grid_name") or p["responsibility_grid"], "community": area.parent},
                )
                area.responsibility_grid = rgrid
            area.save()
            by_code[code] = area
        geography_version_bump()
        audit_event_record(actor=actor, action="import.areas", summary=f"{Path(path).name}: {report.summary()}",
                           data={"created": report.created, "updated": report.updated})
    return report


# -- sites ---------------------------------------------------------------------------------------------------

def sites_import(*, path: Path, crs: str = "wgs84", dry_run: bool = False, actor=None) -> ImportReport:
    from wenming.org.spatial import get_index

    report = ImportReport(dry_run=dry_run)
    crs = CRS(crs)
    features = _read_features(Path(path), report)
    if report.errors:
        raise ImportFailed(report)
    types = {t.code: t for t in SiteType.objects.all()} | {t.name: t for t in SiteType.objects.all()}
    units = dict(Unit.objects.values_list("code", "id"))
    existing = set(Site.objects.values_list("code", flat=True))
    rows, seen = [], set()
    for f in features:
        p = {k: ("" if v is None else str(v).strip()) for k, v in f.properties.items()}
        code = p.get("code", "")
        where = _("feature %(n)d") % {"n": f.number} + (f" ({code})" if code else "")
        if not code:
            report.error(where, "code", _("missing"))
        elif code in seen:
            report.error(where, "code", _("appears twice in the file"))
        seen.add(code)
        if not p.get("name"):
            report.error(where, "name", _("missing"))
        if p.get("type", "") not in types:
            report.error(where, "type", _("no site type %(type)s") % {"type": p.get("type", "")})
        if p.get("guarantor_unit") and p["guarantor_unit"] not in units:
            report.error(where, "guarantor_unit", _("no unit has code %(code)s") % {"code": p["guarantor_unit"]})
        allowed = {"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"}
        rows.append((code, p, _geometry(f, where, allowed, crs, report)))
    if report.errors:
        raise ImportFailed(report)
    report.created = sum(1 for code, _p, _g in rows if code not in existing)
    report.updated = len(rows) - report.created
    if dry_run:
        return report
    index = get_index()
    with transaction.atomic():
        for code, p, geometry in rows:
            site = Site.objects.filter(code=code).first() or Site(code=code)
            site.name, site.site_type = p["name"], types[p["type"]]
            site.address = p.get("address", "")
            site.guarantor_unit_id = units.get(p.get("guarantor_unit")) if p.get("guarantor_unit") else None
            site.set_geometry(geometry)
            site.area_id = index.locate(site.lng, site.lat)
            site.save()
        geography_version_bump()
        audit_event_record(actor=actor, action="import.sites", summary=f"{Path(path).name}: {report.summary()}",
                           data={"created": report.created, "updated": report.updated})
    return report


# -- units ---------------------------------------------------------------------------------------------------

UNIT_ALIASES = {"编码": "code", "名称": "name", "类型": "kind", "上级单位编码": "parent_code", "辖区编码": "area_code",
                "联系人": "contact_name", "联系电话": "contact_phone", "地址": "address"}


def _unit_kind(value: str) -> str | None:
    for kind, label in UnitKind.choices:
        if value in (kind, str(label)):
            return kind
    return None


def units_import(*, path: Path, dry_run: bool = False, actor=None) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    rows = _read_rows(Path(path), report, UNIT_ALIASES)
    if report.errors:
        raise ImportFailed(report)
    existing = {u.code: u for u in Unit.objects.all().only("id", "code", "parent_id", "path")}
    areas = dict(Area.objects.values_list("code", "id"))
    in_file: dict[str, tuple[int, dict]] = {}
    for number, row in rows:
        where = _("row %(n)d") % {"n": number}
        code = row.get("code", "")
        if not code:
            report.error(where, "code", _("missing"))
        elif code in in_file:
            report.error(where, "code", _("appears twice in the file (first on row %(n)d)") % {"n": in_file[code][0]})
        if not row.get("name"):
            report.error(where, "name", _("missing"))
        if _unit_kind(row.get("kind", "")) is None:
            report.error(where, "kind", _("unknown unit kind \"%(kind)s\"") % {"kind": row.get("kind", "")})
        parent = row.get("parent_code", "")
        if parent and parent not in existing and parent not in {r.get("code") for _n, r in rows}:
            report.error(where, "parent_code", _("no unit has code %(code)s") % {"code": parent})
        if row.get("area_code") and row["area_code"] not in areas:
            report.error(where, "area_code", _("no area has code %(code)s") % {"code": row["area_code"]})
        if row.get("contact_phone") and not PHONE.match(row["contact_phone"]):
            report.error(where, "contact_phone", _("not a phone number: %(phone)s") % {"phone": row["contact_phone"]})
        if code:
            in_file.setdefault(code, (number, row))
    # Order parents before children and refuse cycles.
    order, state = [], {}

    def visit(code: str, chain: list[str]) -> None:
        if state.get(code) == "done" or code not in in_file:
            return
        if state.get(code) == "visiting":
            report.error(_("row %(n)d") % {"n": in_file[code][0]}, "parent_code",
                         _("parent cycle: %(chain)s") % {"chain": " → ".join([*chain, code])})
            return
        state[code] = "visiting"
        visit(in_file[code][1].get("parent_code", ""), [*chain, code])
        state[code] = "done"
        order.append(code)

    for code in in_file:
        visit(code, [])
    if report.errors:
        raise ImportFailed(report)
    report.created = sum(1 for c in in_file if c not in existing)
    report.updated = len(in_file) - report.created
    if dry_run:
        return report
    with transaction.atomic():
        saved: dict[str, Unit] = {}
        for code in order:
            _number, row = in_file[code]
            unit = Unit.objects.filter(code=code).first() or Unit(code=code)
            unit.name, unit.kind = row["name"], _unit_kind(row["kind"])
            parent = row.get("parent_code", "")
            unit.parent = saved.get(parent) or (Unit.objects.get(code=parent) if parent else None)
            unit.area_id = areas.get(row.get("area_code")) if row.get("area_code") else None
            unit.contact_name, unit.contact_phone = row.get("contact_name", ""), row.get("contact_phone", "")
            unit.address = row.get("address", "")
            unit.save()
            saved[code] = unit
        audit_event_record(actor=actor, action="import.units", summary=f"{Path(path).name}: {report.summary()}",
                           data={"created": report.created, "updated": report.updated})
    return report


# -- people --------------------------------------------------------------------------------------------------

PEOPLE_ALIASES = {"用户名": "username", "姓名": "display_name", "手机": "phone", "邮箱": "email", "所属单位编码": "unit_code",
                  "角色": "role", "范围单位编码": "scope_unit_code", "范围区域编码": "scope_area_code"}


def _role(value: str) -> str | None:
    for role, label in Role.choices:
        if value in (role, str(label)) or (value and value in str(label)):
            return role
    return None


def people_import(*, path: Path, dry_run: bool = False, actor=None) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    rows = _read_rows(Path(path), report, PEOPLE_ALIASES)
    if report.errors:
        raise ImportFailed(report)
    units = dict(Unit.objects.values_list("code", "id"))
    areas = dict(Area.objects.values_list("code", "id"))
    existing = set(Person.objects.values_list("username", flat=True))
    people: dict[str, dict] = {}
    for number, row in rows:
        where = _("row %(n)d") % {"n": number}
        username = row.get("username", "")
        if not username:
            report.error(where, "username", _("missing"))
            continue
        if row.get("phone") and not PHONE.match(row["phone"]):
            report.error(where, "phone", _("not a phone number: %(phone)s") % {"phone": row["phone"]})
        if row.get("email"):
            try:
                validate_email(row["email"])
            except ValidationError:
                report.error(where, "email", _("not an e-mail address: %(email)s") % {"email": row["email"]})
        if row.get("unit_code") and row["unit_code"] not in units:
            report.error(where, "unit_code", _("no unit has code %(code)s") % {"code": row["unit_code"]})
        role = _role(row.get("role", ""))
        scope_unit, scope_area = row.get("scope_unit_code", ""), row.get("scope_area_code", "")
        if role is None:
            report.error(where, "role", _("unknown role \"%(role)s\"") % {"role": row.get("role", "")})
        elif role in UNIT_ROLES:
            if not scope_unit or scope_area:
                report.error(where, "scope_unit_code", _("a unit role needs scope_unit_code and no scope_area_code"))
            elif scope_unit not in units:
                report.error(where, "scope_unit_code", _("no unit has code %(code)s") % {"code": scope_unit})
        else:
            if not scope_area or scope_unit:
                report.error(where, "scope_area_code", _("this role needs scope_area_code and no scope_unit_code"))
            elif scope_area not in areas:
                report.error(where, "scope_area_code", _("no area has code %(code)s") % {"code": scope_area})
        person = people.setdefault(username, {"row": row, "roles": []})
        person["roles"].append((role, units.get(scope_unit) if role in UNIT_ROLES else None,
                                areas.get(scope_area) if role not in UNIT_ROLES else None))
    if report.errors:
        raise ImportFailed(report)
    report.created = sum(1 for u in people if u not in existing)
    report.updated = len(people) - report.created
    if dry_run:
        return report
    with transaction.atomic():
        for username, item in people.items():
            row = item["row"]
            person = Person.objects.filter(username=username).first()
            if person is None:
                person = Person(username=username, is_staff=True)
                person.set_unusable_password()
            person.display_name = row.get("display_name") or person.display_name
            person.phone, person.email = row.get("phone", person.phone), row.get("email", person.email)
            if row.get("unit_code"):
                person.unit_id = units[row["unit_code"]]
            person.save()
            for role, unit_id, area_id in item["roles"]:
                RoleAssignment.objects.get_or_create(person=person, role=role, unit_id=unit_id, area_id=area_id)
        audit_event_record(actor=actor, action="import.people", summary=f"{Path(path).name}: {report.summary()}",
                           data={"created": report.created, "updated": report.updated})
    return report
