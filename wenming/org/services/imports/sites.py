"""Sites (点位) and facility registers (设施台账): from GeoJSON or a zipped Shapefile (``sites_import``, command
``import-sites``), or from an XLSX/CSV register with coordinates (``site_register_import``, offered on the
admins' import page and in ``import-registers``). Both check every row the same way (``SiteChecker``) and write
the same way (``_sites_write``): each site placed in the area holding it, with its type, 包保 unit, operating
unit (运营单位, by code or name), capacity (parking spaces for a parking lot) and opening date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.common.geo import geometry_summary
from wenming.common.services.audit import audit_event_record
from wenming.common.services.geography import geography_version_bump
from wenming.common.tabular_import import ImportReport, check_length, check_row_code, stop_if_errors
from wenming.org.models import Site, SiteType, Unit
from wenming.org.services.imports.features import crs_parse, feature_where, geometry_checked, read_features
from wenming.org.services.imports.registers import (
    RegisterImport,
    flag_value,
    register_file_read,
    register_import_add,
)
from wenming.org.services.imports.shared import BATCH, GEOMETRY_FIELDS, filter_in, update_each
from wenming.org.spatial import get_index

SITE_GEOMETRIES = frozenset({"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"})
# Property names of GeoJSON and Shapefile sites beyond the canonical ones (Shapefile fields stop at 10 characters).
SITE_PROPERTY_ALIASES = {
    "operator_u": "operator_unit", "operator": "operator_unit", "运营单位": "operator_unit", "管理单位": "operator_unit",
    "包保单位": "guarantor_unit", "容量": "capacity", "车位数": "capacity", "opened": "opened_on",
    "启用日期": "opened_on", "is_active": "active", "是否在用": "active",
}
# The register file (XLSX or CSV): one row per site, a point (经度, 纬度) or a shape (WKT or "lng lat; lng lat").
SITE_COLUMNS = ["code", "name", "type", "lng", "lat", "shape", "address", "guarantor_unit", "operator_unit",
                "capacity", "opened_on", "active"]
SITE_ALIASES = {
    "编码": "code", "点位编码": "code", "设施编码": "code", "名称": "name", "点位名称": "name", "设施名称": "name",
    "类型": "type", "点位类型": "type", "设施类型": "type", "经度": "lng", "纬度": "lat", "范围": "shape",
    "地址": "address", "包保单位": "guarantor_unit", "包保单位编码": "guarantor_unit", "运营单位": "operator_unit",
    "运营单位编码": "operator_unit", "管理单位": "operator_unit", "容量": "capacity", "车位数": "capacity",
    "启用日期": "opened_on", "是否在用": "active",
}
DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T\s].*)?$")
# A capacity above this is a typing mistake (the largest parking garages hold a few thousand cars).
CAPACITY_MAX = 100_000


@dataclass
class SiteRow:
    """One checked row, ready to write. ``None`` values leave what is stored unchanged."""

    code: str
    name: str
    site_type: SiteType
    geometry: dict | None
    area_id: int | None
    address: str = ""
    guarantor_unit_id: int | None = None
    operator_unit_id: int | None = None
    capacity: int | None = None
    opened_on: dt.date | None = None
    is_active: bool | None = None


class SiteChecker:
    """What both site imports check per row: type, units by code or name, capacity, opening date, active flag.
    Each problem goes to the report naming the row (``where``) and the column (``col``)."""

    def __init__(self, report: ImportReport):
        self.report = report
        site_types = list(SiteType.objects.all())
        self.types = {t.name.lower(): t for t in site_types} | {t.code.lower(): t for t in site_types}
        self.unit_ids = dict(Unit.objects.values_list("code", "id"))
        self.units_named: dict[str, list[int]] = defaultdict(list)
        for unit_id, name in Unit.objects.values_list("id", "name"):
            self.units_named[name].append(unit_id)

    def site_type(self, where: str, column: str, text: str) -> SiteType | None:
        if not text:
            self.report.error(where, column, _("missing"))
            return None
        site_type = self.types.get(text.lower())
        if site_type is None:
            self.report.error(where, column, _('unknown site type "%(type)s"') % {"type": text[:40]})
        return site_type

    def unit(self, where: str, column: str, text: str) -> int | None:
        """A unit by its code, else by its name when one unit alone has that name."""
        if not text:
            return None
        if text in self.unit_ids:
            return self.unit_ids[text]
        named = self.units_named.get(text, [])
        if len(named) == 1:
            return named[0]
        if named:
            self.report.error(where, column, _('%(count)d units are named "%(name)s"; give the unit\'s code') % {
                "count": len(named), "name": text[:40]})
        else:
            self.report.error(where, column, _('no unit has the code or name "%(value)s"') % {"value": text[:40]})
        return None

    def capacity(self, where: str, column: str, text: str) -> int | None:
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            value = None
        if value is None or not value.is_integer() or not 0 <= value <= CAPACITY_MAX:
            self.report.error(where, column, _('"%(value)s" is not a whole number from 0 to %(max)d (parking spaces '
                                               'or places)') % {"value": text[:40], "max": CAPACITY_MAX})
            return None
        return int(value)

    def opened_on(self, where: str, column: str, text: str) -> dt.date | None:
        if not text:
            return None
        # 2026-03-01, 2026/3/1, 2026.3.1 or 2026年3月1日; an Excel date cell reads as 2026-03-01T00:00:00.
        match = DATE.match(text)
        try:
            return dt.date(*(int(g) for g in match.groups())) if match else dt.date.fromisoformat(text)
        except ValueError:
            self.report.error(where, column, _('"%(value)s" is not a date like 2026-03-01') % {"value": text[:40]})
            return None

    def active(self, where: str, column: str, text: str) -> bool | None:
        if not text:
            return None
        value = flag_value(text)
        if value is None:
            self.report.error(where, column, _('"%(value)s" is neither 是 nor 否') % {"value": text[:40]})
        return value

    def fields(self, where: str, p: dict[str, str], col=str) -> dict:
        """The checked optional fields of a row, by ``SiteRow`` attribute."""
        check_length(self.report, where, col("address"), p.get("address", ""), 200)
        return {
            "address": p.get("address", ""),
            "guarantor_unit_id": self.unit(where, col("guarantor_unit"), p.get("guarantor_unit", "")),
            "operator_unit_id": self.unit(where, col("operator_unit"), p.get("operator_unit", "")),
            "capacity": self.capacity(where, col("capacity"), p.get("capacity", "")),
            "opened_on": self.opened_on(where, col("opened_on"), p.get("opened_on", "")),
            "is_active": self.active(where, col("active"), p.get("active", "")),
        }


def sites_import(*, path: Path, crs: str = "wgs84", dry_run: bool = False, actor=None) -> ImportReport:
    """Sites (点位) from GeoJSON or a zipped Shapefile, each placed in the area holding it."""
    path = Path(path)
    report = ImportReport(dry_run=dry_run)
    crs = crs_parse(crs, report)
    features = read_features(path, report)
    stop_if_errors(report)

    checker = SiteChecker(report)
    index = get_index()
    rows: dict[str, SiteRow] = {}
    first_seen: dict[str, int] = {}
    for feature in features:
        p = {SITE_PROPERTY_ALIASES.get(k, k): v for k, v in feature.properties.items()}
        code = p.get("code", "")
        where = feature_where(feature.number, code)
        if not code:
            report.error(where, "code", _("missing"))
        elif code in first_seen:
            report.error(where, "code", _("appears twice in the file (first in feature %(number)d)") % {
                "number": first_seen[code]})
        check_length(report, where, "code", code, 32)
        if not p.get("name"):
            report.error(where, "name", _("missing"))
        check_length(report, where, "name", p.get("name", ""), 100)
        site_type = checker.site_type(where, "type", p.get("type", ""))
        fields = checker.fields(where, p)
        checked = geometry_checked(feature.geometry, where, SITE_GEOMETRIES, crs, report)
        area_id = None
        if checked:
            _box, (lng, lat) = geometry_summary(checked[0])
            area_id = index.locate(lng, lat)
            if area_id is None:
                report.warn(where, "geometry", _("lies outside every area; the site gets no area"))
        if code and code not in first_seen:
            first_seen[code] = feature.number
            if checked and site_type:
                rows[code] = SiteRow(code=code, name=p["name"], site_type=site_type, geometry=checked[0],
                                     area_id=area_id, **fields)
    stop_if_errors(report)
    return _sites_write(rows=rows, report=report, actor=actor, file_name=path.name, crs=str(crs))


def site_register_import(*, path: Path, dry_run: bool = False, actor=None, crs: str = "wgs84",
                         file_name: str = "") -> ImportReport:
    """Sites and facility registers (设施台账) from XLSX or CSV, each placed in the area holding its point; all or
    nothing. A new site needs its name, type and place; an existing one (same code) may leave them empty."""
    path = Path(path)
    read = register_file_read(path=path, dry_run=dry_run, crs=crs, columns=SITE_COLUMNS, required=["code"],
                              aliases=SITE_ALIASES)
    report, where_of, geo, col = read.report, read.where_of, read.geo, read.col
    checker = SiteChecker(report)
    index = get_index()
    stored = {code: (name, type_id) for code, name, type_id in Site.objects.values_list("code", "name", "site_type_id")}
    types_by_id = {t.pk: t for t in checker.types.values()}
    rows: dict[str, SiteRow] = {}
    first_seen: dict[str, int] = {}
    for number, row in read.rows:
        code = row["code"]
        where = where_of(number, code)
        new = code not in stored
        check_row_code(report, where, col("code"), code, first_seen=first_seen, limit=32)
        if new and not row["name"]:
            report.error(where, col("name"), _("missing (the site is new)"))
        check_length(report, where, col("name"), row["name"], 100)
        site_type = None
        if row["type"] or new:
            site_type = checker.site_type(where, col("type"), row["type"])
        elif code:
            site_type = types_by_id[stored[code][1]]
        fields = checker.fields(where, row, col)
        geometry = None
        if row["shape"]:
            geometry = geo.shape(where, row["shape"], col("shape"), SITE_GEOMETRIES)
        elif row["lng"] or row["lat"]:
            geometry = geo.point(where, row["lng"], row["lat"], col("lng"), col("lat"))
        elif new:
            report.error(where, col("lng"), _("missing (the site is new): give its longitude and latitude, or its "
                                              "shape as WKT or \"lng lat; lng lat\""))
        area_id = None
        if geometry:
            _box, (lng, lat) = geometry_summary(geometry)
            area_id = index.locate(lng, lat)
            if area_id is None:
                report.warn(where, col("lng"), _("lies outside every area; the site gets no area"))
        if code and code not in first_seen:
            first_seen[code] = number
            if site_type:
                rows[code] = SiteRow(code=code, name=row["name"] or stored.get(code, ("",))[0], site_type=site_type,
                                     geometry=geometry, area_id=area_id, **fields)
    stop_if_errors(report)
    return _sites_write(rows=rows, report=report, actor=actor, file_name=file_name or path.name, crs=crs)


def _sites_write(*, rows: dict[str, SiteRow], report: ImportReport, actor, file_name: str, crs: str) -> ImportReport:
    existing = set(filter_in(Site.objects.values_list("code", flat=True), "code", rows))
    index = get_index()
    for code, row in rows.items():
        area = index.areas.get(row.area_id) if row.area_id else None
        report.change(code in existing, code, row.name + (f" → {area.code}" if area else ""))
    if report.dry_run:
        return report

    with transaction.atomic():
        now = timezone.now()
        stored = {site.code: site for site in filter_in(Site.objects.all(), "code", rows)}
        new, changed = [], []
        for code, row in rows.items():
            site = stored.get(code)
            if site is None:
                site = Site(code=code)
                new.append(site)
            else:
                changed.append(site)
            site.name, site.site_type, site.updated_at = row.name, row.site_type, now
            if row.geometry:
                site.set_geometry(row.geometry)
                site.area_id = row.area_id
            if row.address:
                site.address = row.address
            # An empty cell leaves what is stored: a register re-imported without a column keeps its values.
            for name in ("guarantor_unit_id", "operator_unit_id", "capacity", "opened_on", "is_active"):
                value = getattr(row, name)
                if value is not None:
                    setattr(site, name, value)
        Site.objects.bulk_create(new, batch_size=BATCH)
        fields = ["name", "site_type", "area", "address", "guarantor_unit", "operator_unit", "capacity", "opened_on",
                  "is_active", "updated_at"]
        if any(row.geometry for row in rows.values()):
            fields += GEOMETRY_FIELDS
        update_each(Site, changed, fields)
        geography_version_bump()
        audit_event_record(actor=actor, action="import.sites", summary=f"{file_name}: {report.summary()}",
                           data={"file": file_name, "crs": crs, "created": report.created, "updated": report.updated})
    return report


def register_import_of_sites() -> None:
    """Offer the site register on the admins' import page and in ``import-registers`` (from ``OrgConfig.ready``)."""
    register_import_add(RegisterImport(
        kind="sites", label=gettext_lazy("Sites and facility registers (点位、设施台账)"), service=site_register_import,
        columns=gettext_lazy("编码, 名称, 类型 (code or name, e.g. youth_palace or 复兴少年宫), 经度, 纬度 or 范围 (WKT or "
                             "\"lng lat; lng lat\"), 地址, 包保单位, 运营单位 (unit code or name), 容量/车位数, 启用日期 "
                             "(2026-03-01), 是否在用 (是/否)"),
    ))
