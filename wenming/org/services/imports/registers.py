"""What the imports of the street registers share (roads with their road chiefs, storefront duties, and the
facilities of ``cases``): reading the first sheet of an XLSX workbook (or a CSV file) so that every error names
the sheet, the row and the column; coordinates as longitude/latitude columns or a line given as WKT or as
"lng lat; lng lat", converted to WGS-84 and checked against the city's bounds.

The importers themselves: ``roads`` and ``storefronts`` here in org, facilities in
``wenming.cases.services.facility_imports`` (org does not import cases). The admins' import page and the
``import-registers`` command find them all in ``REGISTER_IMPORTS``, where each app adds its own.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import shapely
from django.db.models import Max, Min
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely import wkt
from shapely.geometry import LineString, mapping

from wenming.common.geo import CRS, geometry_to_wgs84, to_wgs84
from wenming.common.tabular_import import (
    ImportReport,
    read_rows,
    read_workbook,
    row_where,
    sheet_where,
    stop_if_errors,
    table_rows,
)
from wenming.org.models import Area
from wenming.org.services.imports.features import crs_parse

# A line longer than this many vertices, or a cell longer than this, is no road segment but a mistake or an attack.
MAX_VERTICES = 2000
MAX_GEOMETRY_TEXT = 60_000
# Points this far outside the city's outline box are refused (degrees; about 1 km).
BOUNDS_MARGIN_DEG = 0.01


# -- the registry of register imports ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RegisterImport:
    kind: str
    label: Promise | str
    service: Callable[..., ImportReport]  # service(*, path, dry_run, actor, crs) -> ImportReport
    columns: Promise | str  # a line for the page: the columns the file needs


REGISTER_IMPORTS: dict[str, RegisterImport] = {}


def register_import_add(register: RegisterImport) -> None:
    """Offer an importer on the admins' page and in ``import-registers`` (an app above org adds its own in ready)."""
    REGISTER_IMPORTS[register.kind] = register


def register_imports_of_org() -> None:
    """Org's own register imports: roads with their chiefs, storefront duties, sites and facility registers."""
    from wenming.org.services.imports.roads import roads_import  # noqa: PLC0415 — they import this module
    from wenming.org.services.imports.sites import register_import_of_sites  # noqa: PLC0415 — likewise
    from wenming.org.services.imports.storefronts import storefronts_import  # noqa: PLC0415 — likewise

    register_import_add(RegisterImport(
        kind="roads", label=gettext_lazy("Roads and road chiefs (路长)"), service=roads_import,
        columns=gettext_lazy("道路编码, 道路名称, 道路等级, 路段走向 (WKT or \"lng lat; lng lat\"; or 起点经度, 起点纬度, "
                             "终点经度, 终点纬度), 所属区域编码; one row per chief: 路长级别, 路长姓名, 路长电话, "
                             "路长单位编码, 路长账号"),
    ))
    register_import_add(RegisterImport(
        kind="storefronts", label=gettext_lazy("Storefront duties (门前五包)"), service=storefronts_import,
        columns=gettext_lazy("编码, 店名, 地址, 统一社会信用代码, 负责人, 联系电话, 经度, 纬度 or 门前范围 (WKT or "
                             "\"lng lat; lng lat\"), 监管单位编码, 所在道路编码, 五包责任 (empty: all five), 签订日期"),
    ))
    register_import_of_sites()


# -- reading ----------------------------------------------------------------------------------------------------

def register_rows(
    path: Path, report: ImportReport, columns: list[str], required: list[str], aliases: dict[str, str]
) -> tuple[list[tuple[int, dict[str, str]]], Callable[..., str]]:
    """The rows of the first sheet of an XLSX workbook (each error names the sheet) or of a CSV file, by canonical column name, and the function naming a row."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        tables = read_workbook(path, report)
        if not tables:
            if tables is not None:
                report.error(path.name, _("file"), _("is empty"))
            return [], sheet_where
        sheet, table = next(iter(tables.items()))

        def where(number: int, code: str = "") -> str:
            return sheet_where(sheet, number, code)

        if not table:
            report.error(where(1), _("file"), _("is empty"))
            return [], where
        return table_rows(table, report, columns, required, aliases, where=where), where

    return read_rows(path, report, columns, required, aliases), row_where


@dataclass
class RegisterFile:
    """A register file read and its columns checked: how every register import (roads, storefronts, facilities)
    starts. ``col`` names a column as the file's header does; ``geo`` reads its points and lines."""

    report: ImportReport
    rows: list[tuple[int, dict[str, str]]]
    where_of: Callable[..., str]
    geo: Geo
    aliases: dict[str, str]

    def col(self, name: str) -> str:
        return column_label(name, self.aliases)


def register_file_read(*, path: Path, dry_run: bool, crs: str, columns: list[str], required: list[str],
                       aliases: dict[str, str]) -> RegisterFile:
    """Read a register file; a bad CRS, a missing column or an unreadable file stops here (``stop_if_errors``)."""
    report = ImportReport(dry_run=dry_run)
    crs_value = crs_parse(crs, report)
    rows, where_of = register_rows(path, report, columns, required, aliases)
    stop_if_errors(report)
    return RegisterFile(report=report, rows=rows, where_of=where_of, geo=Geo(report, crs_value, city_bounds()),
                        aliases=aliases)


def column_label(name: str, aliases: dict[str, str]) -> str:
    """A column as the file's reader knows it: the Chinese header and the canonical name, e.g. "经度(lng)"."""
    chinese = next((title for title, canonical in aliases.items() if canonical == name and not title.isascii()), "")
    return f"{chinese}({name})" if chinese else name


# -- the city's bounds and coordinates ----------------------------------------------------------------------------

def city_bounds() -> tuple[float, float, float, float] | None:
    """The box of the city's outline (the top areas), widened by BOUNDS_MARGIN_DEG; None before areas are loaded."""
    box = Area.objects.filter(parent__isnull=True).aggregate(
        Min("min_lng"), Min("min_lat"), Max("max_lng"), Max("max_lat"))
    values = [box["min_lng__min"], box["min_lat__min"], box["max_lng__max"], box["max_lat__max"]]
    if any(v is None for v in values):
        return None
    m = BOUNDS_MARGIN_DEG
    return values[0] - m, values[1] - m, values[2] + m, values[3] + m


@dataclass
class Geo:
    """Checks coordinates of one import: converts them to WGS-84 and refuses those outside the city's box."""

    report: ImportReport
    crs: CRS
    bounds: tuple[float, float, float, float] | None

    def _outside(self, lng: float, lat: float) -> bool:
        if self.bounds is None:
            return not (-180 <= lng <= 180 and -90 <= lat <= 90)
        min_lng, min_lat, max_lng, max_lat = self.bounds
        return not (min_lng <= lng <= max_lng and min_lat <= lat <= max_lat)

    def _outside_error(self, where: str, column: str, lng: float, lat: float) -> None:
        if self.bounds is None:
            self.report.error(where, column, _("%(lng)s, %(lat)s is no longitude and latitude") % {"lng": lng, "lat": lat})
            return
        self.report.error(where, column, _(
            "%(lng)s, %(lat)s lies outside the city (longitude %(min_lng).3f–%(max_lng).3f, latitude "
            "%(min_lat).3f–%(max_lat).3f); were longitude and latitude swapped?") % {
            "lng": lng, "lat": lat, "min_lng": self.bounds[0], "max_lng": self.bounds[2],
            "min_lat": self.bounds[1], "max_lat": self.bounds[3]})

    def point(self, where: str, lng_text: str, lat_text: str, lng_column: str, lat_column: str) -> dict | None:
        """A GeoJSON point in WGS-84 from two cells, or None (and an error naming the column)."""
        values = []
        for text, column in ((lng_text, lng_column), (lat_text, lat_column)):
            try:
                value = float(text)
            except ValueError:
                self.report.error(where, column, _('"%(value)s" is not a number') % {"value": text[:40]})
                return None
            if not math.isfinite(value):
                self.report.error(where, column, _('"%(value)s" is not a number') % {"value": text[:40]})
                return None
            values.append(value)
        lng, lat = values
        if self.crs is not CRS.WGS84 and -180 <= lng <= 180 and -90 <= lat <= 90:
            lng, lat = to_wgs84(lng, lat, self.crs)
        if self._outside(lng, lat):
            self._outside_error(where, f"{lng_column}/{lat_column}", lng, lat)
            return None
        return {"type": "Point", "coordinates": [lng, lat]}

    def shape(self, where: str, text: str, column: str, allowed: frozenset[str]) -> dict | None:
        """A GeoJSON geometry in WGS-84 from a cell holding WKT (LINESTRING (115.6 37.7, 115.61 37.7)…) or points
        "lng lat; lng lat; …" (a line), or None (and an error naming the column)."""
        if len(text) > MAX_GEOMETRY_TEXT:
            self.report.error(where, column, _("longer than %(limit)d characters") % {"limit": MAX_GEOMETRY_TEXT})
            return None
        geom = self._parse(where, text, column)
        if geom is None:
            return None
        if geom.geom_type not in allowed:
            self.report.error(where, column, _("is a %(type)s; expected %(allowed)s") % {
                "type": geom.geom_type, "allowed": " / ".join(sorted(allowed))})
            return None
        if geom.is_empty:
            self.report.error(where, column, _("is empty"))
            return None
        xy = shapely.get_coordinates(geom)
        if len(xy) > MAX_VERTICES:
            self.report.error(where, column, _("more than %(count)d points") % {"count": MAX_VERTICES})
            return None
        geometry = json.loads(json.dumps(mapping(geom)))
        if self.crs is not CRS.WGS84:
            geometry = json.loads(json.dumps(geometry_to_wgs84(geometry, self.crs)))
            xy = shapely.get_coordinates(shapely.geometry.shape(geometry))
        for lng, lat in xy.tolist():
            if not (math.isfinite(lng) and math.isfinite(lat)) or self._outside(lng, lat):
                self._outside_error(where, column, lng, lat)
                return None
        if not shapely.geometry.shape(geometry).is_valid:
            self.report.error(where, column, _("is not a valid shape (it crosses itself or has too few points)"))
            return None
        return geometry

    def _parse(self, where: str, text: str, column: str):
        if re.match(r"^\s*(SRID=\d+;\s*)?[A-Za-z]+\s*(Z\s*)?\(", text):
            try:
                return shapely.force_2d(wkt.loads(re.sub(r"^\s*SRID=\d+;\s*", "", text)))
            except Exception as exc:  # shapely raises GEOSException, ValueError… on bad WKT
                self.report.error(where, column, _("is not readable WKT: %(error)s") % {
                    "error": (str(exc) or type(exc).__name__)[:120]})
                return None
        points = []
        for part in re.split(r"[;；|]", text):
            part = part.strip()
            if not part:
                continue
            numbers = re.split(r"[\s,，]+", part)
            try:
                if len(numbers) != 2:
                    raise ValueError
                points.append((float(numbers[0]), float(numbers[1])))
            except ValueError:
                self.report.error(where, column, _('"%(part)s" is not "longitude latitude"; write points as '
                                                   '"115.68 37.74; 115.69 37.74" or as WKT') % {"part": part[:40]})
                return None
        if len(points) < 2:
            self.report.error(where, column, _("a line needs at least two points"))
            return None
        if len(points) > MAX_VERTICES:
            self.report.error(where, column, _("more than %(count)d points") % {"count": MAX_VERTICES})
            return None
        return LineString(points)


def flag_value(text: str) -> bool | None:
    """是/否, yes/no, 1/0, true/false → True/False; anything else None."""
    lowered = text.strip().lower()
    if lowered in {"是", "y", "yes", "1", "true", "在用"}:
        return True
    if lowered in {"否", "n", "no", "0", "false", "停用"}:
        return False
    return None
