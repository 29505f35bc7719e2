"""Facilities (部件: manhole covers, poles, lamps…) with their owners and maintainers from XLSX or CSV, for
"谁的设施谁负责" routing. It lives in cases, beside ``Facility``; org's admins' page offers it through
``register_import_add`` (see ``CasesConfig.ready``).

Matched by code: a re-import updates the facility and creates nothing twice. An empty optional cell leaves what
is stored unchanged.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.cases.models import Category, CategoryKind, Facility
from wenming.common.services.audit import audit_event_record
from wenming.common.services.geography import geography_version_bump, routing_config_bump
from wenming.common.tabular_import import (
    ImportReport,
    check_row_code,
    choice_lookup,
    stop_if_errors,
)
from wenming.org.models import Unit
from wenming.org.services.imports.registers import (
    RegisterImport,
    flag_value,
    register_file_read,
    register_import_add,
)
from wenming.org.services.imports.shared import BATCH, update_each
from wenming.org.spatial import get_index

FACILITY_COLUMNS = ["code", "category", "lng", "lat", "owner_unit", "maintainer_unit", "state", "in_use"]
FACILITY_ALIASES = {
    "部件编码": "code", "编码": "code", "部件类别": "category", "部件类别编码": "category", "经度": "lng", "纬度": "lat",
    "权属单位编码": "owner_unit", "养护单位编码": "maintainer_unit", "状态": "state", "是否在用": "in_use",
}


def facilities_import(*, path: Path, dry_run: bool = False, actor=None, crs: str = "wgs84",
                      file_name: str = "") -> ImportReport:
    """Facilities (部件) from XLSX or CSV, each placed in the unit grid holding it; all or nothing."""
    path = Path(path)
    file_name = file_name or path.name
    read = register_file_read(path=path, dry_run=dry_run, crs=crs, columns=FACILITY_COLUMNS, required=["code"],
                              aliases=FACILITY_ALIASES)
    report, rows, where_of, geo, col = read.report, read.rows, read.where_of, read.geo, read.col
    stored = set(Facility.objects.values_list("code", flat=True))
    unit_ids = dict(Unit.objects.values_list("code", "id"))
    components = {}
    for cat_id, code, name in Category.objects.filter(kind=CategoryKind.COMPONENT, parent__isnull=False,
                                                      is_active=True).values_list("id", "code", "name"):
        components[code.lower()] = components[name.lower()] = cat_id
    states = choice_lookup(Facility.State)
    in_file: dict[str, dict] = {}
    first_seen: dict[str, int] = {}
    for number, row in rows:
        code = row["code"]
        where = where_of(number, code)
        new = code not in stored
        check_row_code(report, where, col("code"), code, first_seen=first_seen, limit=16)
        category_id = components.get(row["category"].lower()) if row["category"] else None
        if not row["category"]:
            if new:
                report.error(where, col("category"), _("missing (the facility is new)"))
        elif category_id is None:
            report.error(where, col("category"), _('"%(value)s" is no component class (部件小类) by code or name') % {
                "value": row["category"][:40]})
        for name in ("owner_unit", "maintainer_unit"):
            if row[name] and row[name] not in unit_ids:
                report.error(where, col(name), _('no unit has code "%(code)s"') % {"code": row[name][:40]})
        if new and not row["owner_unit"]:
            report.error(where, col("owner_unit"), _("missing (the facility is new)"))
        if row["state"] and row["state"].lower() not in states:
            report.error(where, col("state"), _('unknown state "%(value)s"') % {"value": row["state"][:40]})
        in_use = flag_value(row["in_use"]) if row["in_use"] else None
        if row["in_use"] and in_use is None:
            report.error(where, col("in_use"), _('"%(value)s" is neither 是 nor 否') % {"value": row["in_use"][:40]})
        point = None
        if row["lng"] or row["lat"] or new:
            point = geo.point(where, row["lng"], row["lat"], col("lng"), col("lat"))
        if code and code not in first_seen:
            first_seen[code] = number
            in_file[code] = {"row": row, "point": point, "category_id": category_id, "in_use": in_use}
    stop_if_errors(report)

    for code, item in in_file.items():
        report.change(code in stored, code, row_label(item["row"]))
    if dry_run:
        return report

    index = get_index()
    with transaction.atomic():
        now = timezone.now()
        facilities = {f.code: f for f in Facility.objects.filter(code__in=list(in_file))}
        new_rows, changed = [], []
        for code, item in in_file.items():
            row, facility = item["row"], facilities.get(code)
            if facility is None:
                facility = Facility(code=code)
                new_rows.append(facility)
            else:
                changed.append(facility)
            if item["category_id"]:
                facility.category_id = item["category_id"]
            if item["point"]:
                facility.lng, facility.lat = item["point"]["coordinates"]
                facility.area_id = index.locate(facility.lng, facility.lat)
            if row["owner_unit"]:
                facility.owner_unit_id = unit_ids[row["owner_unit"]]
            if row["maintainer_unit"]:
                facility.maintainer_unit_id = unit_ids[row["maintainer_unit"]]
            if row["state"]:
                facility.state = states[row["state"].lower()]
            if item["in_use"] is not None:
                facility.in_use = item["in_use"]
            facility.updated_at = now
        Facility.objects.bulk_create(new_rows, batch_size=BATCH)
        update_each(Facility, changed, ["category", "lng", "lat", "area", "owner_unit", "maintainer_unit", "state",
                                        "in_use", "updated_at"])
        geography_version_bump()
        routing_config_bump()
        audit_event_record(actor=actor, action="import.facilities", summary=f"{file_name}: {report.summary()}",
                           data={"file": file_name, "created": report.created, "updated": report.updated})
    return report


def row_label(row: dict) -> str:
    return row["category"]


def facility_import_register() -> None:
    """Offer this import on org's admins' page and in ``import-registers`` (called from CasesConfig.ready)."""
    register_import_add(RegisterImport(
        kind="facilities", label=gettext_lazy("Facilities (部件)"), service=facilities_import,
        columns=gettext_lazy("部件编码, 部件类别 (code or name of the 部件小类), 经度, 纬度, 权属单位编码, 养护单位编码, "
                             "状态, 是否在用"),
    ))
