"""Sites (点位) from GeoJSON or a zipped Shapefile, each placed in the area holding it."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.common.geo import geometry_summary
from wenming.common.services.audit import audit_event_record
from wenming.common.services.geography import geography_version_bump
from wenming.common.tabular_import import ImportReport, check_length, stop_if_errors
from wenming.org.models import Site, SiteType, Unit
from wenming.org.services.imports.features import crs_parse, feature_where, geometry_checked, read_features
from wenming.org.services.imports.shared import BATCH, GEOMETRY_FIELDS, filter_in, update_each
from wenming.org.spatial import get_index

SITE_GEOMETRIES = frozenset({"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"})


def sites_import(*, path: Path, crs: str = "wgs84", dry_run: bool = False, actor=None) -> ImportReport:
    """Sites (点位) from GeoJSON or a zipped Shapefile, each placed in the area holding it."""
    path = Path(path)
    report = ImportReport(dry_run=dry_run)
    crs = crs_parse(crs, report)
    features = read_features(path, report)
    stop_if_errors(report)

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
        check_length(report, where, "address", p.get("address", ""), 200)
        site_type = types.get(p.get("type", "").lower())
        if not p.get("type"):
            report.error(where, "type", _("missing"))
        elif site_type is None:
            report.error(where, "type", _('unknown site type "%(type)s"') % {"type": p.get("type", "")})
        if p.get("guarantor_unit") and p["guarantor_unit"] not in unit_ids:
            report.error(where, "guarantor_unit", _('no unit has code "%(code)s"') % {"code": p["guarantor_unit"]})
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
                rows[code] = (p, checked[0], site_type, area_id)
    stop_if_errors(report)

    for code, (p, *_rest, area_id) in rows.items():
        area = index.areas.get(area_id) if area_id else None
        report.change(code in existing, code, p["name"] + (f" → {area.code}" if area else ""))
    if dry_run:
        return report

    with transaction.atomic():
        now = timezone.now()
        stored = {site.code: site for site in filter_in(
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
        update_each(Site, changed, ["name", "site_type", "area", "address", "guarantor_unit", *GEOMETRY_FIELDS,
                                     "updated_at"])
        geography_version_bump()
        audit_event_record(actor=actor, action="import.sites", summary=f"{path.name}: {report.summary()}",
                           data={"file": path.name, "crs": str(crs), "created": report.created, "updated": report.updated})
    return report
