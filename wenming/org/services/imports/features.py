"""Reading the geographic files of the area and site imports (GeoJSON or a zipped Shapefile) and checking
each feature's geometry."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import shapefile
import shapely
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

from wenming.common.geo import CRS, geometry_to_wgs84
from wenming.common.tabular_import import ImportReport, cell_text

# -- reading geographic files --------------------------------------------------------------------------------

def feature_where(number: int, code: str = "") -> str:
    if code:
        return _("feature %(number)d (code %(code)s)") % {"number": number, "code": code}
    return _("feature %(number)d") % {"number": number}


@dataclass
class Feature:
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
        properties[PROPERTY_ALIASES.get(name, name)] = cell_text(value)
    return properties


def read_features(path: Path, report: ImportReport) -> list[Feature]:
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


def _read_geojson(path: Path, report: ImportReport) -> list[Feature]:
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
            report.error(feature_where(number), "type", _("is not a GeoJSON Feature"))
            continue
        properties = item.get("properties") or {}
        if not isinstance(properties, dict):
            report.error(feature_where(number), "properties", _("must be an object"))
            continue
        features.append(Feature(number, _properties(properties), item.get("geometry")))
    return features


def _read_shapefile_zip(path: Path, report: ImportReport) -> list[Feature]:
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
                features.append(Feature(number, _properties(dict(zip(names, list(item.record), strict=False))), geometry))
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


def geometry_checked(
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


def crs_parse(value: str, report: ImportReport) -> CRS:
    try:
        return CRS(str(value).lower())
    except ValueError:
        report.error("crs", "crs", _('unknown coordinate system "%(crs)s"; use wgs84, gcj02 or bd09') % {"crs": value})
        return CRS.WGS84
