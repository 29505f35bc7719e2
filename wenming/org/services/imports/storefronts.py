"""Storefront duties (门前五包) from XLSX or CSV: the shop, where it is (a point, or its frontage as a line or an
area), the unit supervising it and the duties it signed for.

Matched by code: a re-import updates the shop and creates nothing twice. An empty optional cell leaves what is
stored unchanged; a new shop without duties signs for all five.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.common.credit_code import credit_code_valid
from wenming.common.geo import geometry_summary
from wenming.common.services.audit import audit_event_record
from wenming.common.services.geography import geography_version_bump
from wenming.common.tabular_import import PHONE, ImportReport, check_length, check_row_code, stop_if_errors
from wenming.org.models import RoadSegment, StorefrontDuty, Unit
from wenming.org.models.site import STOREFRONT_DUTIES
from wenming.org.services.imports.registers import register_file_read
from wenming.org.services.imports.shared import BATCH, GEOMETRY_FIELDS, update_each
from wenming.org.spatial import get_index

STOREFRONT_COLUMNS = ["code", "shop_name", "address", "credit_code", "keeper_name", "keeper_phone", "lng", "lat",
                      "frontage", "supervising_unit", "road_code", "duties", "signed_on"]
STOREFRONT_ALIASES = {
    "编码": "code", "门店编码": "code", "店名": "shop_name", "商户名称": "shop_name", "地址": "address",
    "统一社会信用代码": "credit_code", "负责人": "keeper_name", "联系电话": "keeper_phone", "电话": "keeper_phone",
    "经度": "lng", "纬度": "lat", "门前范围": "frontage", "监管单位编码": "supervising_unit",
    "所在道路编码": "road_code", "五包责任": "duties", "签订日期": "signed_on",
}
FRONTAGE_TYPES = frozenset({"Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"})
DUTY_KEYS = [key for key, _label in STOREFRONT_DUTIES]
# The duties by every spelling a city office uses: the key, "包卫生", "卫生", the English word.
DUTY_WORDS = {
    "sanitation": "sanitation", "包卫生": "sanitation", "卫生": "sanitation", "市容": "sanitation",
    "greening": "greening", "包绿化": "greening", "绿化": "greening",
    "order": "order", "包秩序": "order", "秩序": "order",
    "facilities": "facilities", "包设施": "facilities", "设施": "facilities",
    "civility": "civility", "包文明": "civility", "文明": "civility",
}
ALL_DUTIES = {"全部", "五包", "all"}


def duties_parse(text: str) -> list[str] | None:
    """The duties a cell lists (separated by 、，,;/ or spaces), in the model's order; None if one is unknown."""
    words = [w for w in re.split(r"[、，,；;/\s]+", text.strip()) if w]
    if any(w.lower() in ALL_DUTIES for w in words):
        return list(DUTY_KEYS)
    found = set()
    for word in words:
        key = DUTY_WORDS.get(word.lower())
        if key is None:
            return None
        found.add(key)
    return [key for key in DUTY_KEYS if key in found]


def storefronts_import(*, path: Path, dry_run: bool = False, actor=None, crs: str = "wgs84",
                      file_name: str = "") -> ImportReport:
    """Storefront duties (门前五包) from XLSX or CSV; all or nothing."""
    path = Path(path)
    file_name = file_name or path.name
    read = register_file_read(path=path, dry_run=dry_run, crs=crs, columns=STOREFRONT_COLUMNS, required=["code"],
                              aliases=STOREFRONT_ALIASES)
    report, rows, where_of, geo, col = read.report, read.rows, read.where_of, read.geo, read.col
    stored = set(StorefrontDuty.objects.values_list("code", flat=True))
    unit_ids = dict(Unit.objects.values_list("code", "id"))
    road_ids = dict(RoadSegment.objects.values_list("code", "id"))
    in_file: dict[str, dict] = {}
    first_seen: dict[str, int] = {}
    for number, row in rows:
        code = row["code"]
        where = where_of(number, code)
        new = code not in stored
        check_row_code(report, where, col("code"), code, first_seen=first_seen, limit=32)
        if new and not row["shop_name"]:
            report.error(where, col("shop_name"), _("missing (the shop is new)"))
        for name, limit in (("shop_name", 100), ("address", 200), ("keeper_name", 50)):
            check_length(report, where, col(name), row[name], limit)
        credit = row["credit_code"].upper().replace(" ", "")
        if credit and not credit_code_valid(credit):
            report.error(where, col("credit_code"), _('"%(value)s" is no unified social credit code (18 characters '
                                                      'with a correct check character)') % {"value": credit[:40]})
        if row["keeper_phone"] and not PHONE.match(row["keeper_phone"]):
            report.error(where, col("keeper_phone"), _('"%(phone)s" is neither an 11-digit mobile number nor a '
                                                       'landline like 0318-1234567') % {"phone": row["keeper_phone"][:40]})
        if not row["supervising_unit"]:
            if new:
                report.error(where, col("supervising_unit"), _("missing (the shop is new)"))
        elif row["supervising_unit"] not in unit_ids:
            report.error(where, col("supervising_unit"), _('no unit has code "%(code)s"') % {
                "code": row["supervising_unit"][:40]})
        if row["road_code"] and row["road_code"] not in road_ids:
            report.error(where, col("road_code"), _('no road segment has code "%(code)s"') % {"code": row["road_code"][:40]})
        duties = duties_parse(row["duties"]) if row["duties"] else (list(DUTY_KEYS) if new else None)
        if row["duties"] and duties is None:
            report.error(where, col("duties"), _('"%(value)s" names a duty other than 包卫生、包绿化、包秩序、包设施、'
                                                 '包文明') % {"value": row["duties"][:60]})
        signed_on = None
        if row["signed_on"]:
            try:
                signed_on = dt.date.fromisoformat(row["signed_on"][:10].replace("/", "-"))
            except ValueError:
                report.error(where, col("signed_on"), _('"%(value)s" is not a date like 2026-03-01') % {
                    "value": row["signed_on"][:40]})
        geometry = None
        if row["frontage"]:
            geometry = geo.shape(where, row["frontage"], col("frontage"), FRONTAGE_TYPES)
        elif row["lng"] or row["lat"]:
            geometry = geo.point(where, row["lng"], row["lat"], col("lng"), col("lat"))
        elif new:
            report.error(where, col("lng"), _("missing (the shop is new): give its longitude and latitude, or its "
                                              "frontage as WKT or \"lng lat; lng lat\""))
        if code and code not in first_seen:
            first_seen[code] = number
            in_file[code] = {"row": row, "geometry": geometry, "duties": duties, "signed_on": signed_on,
                             "credit": credit}
    stop_if_errors(report)

    for code, item in in_file.items():
        report.change(code in stored, code, item["row"]["shop_name"])
    if dry_run:
        return report

    index = get_index()
    with transaction.atomic():
        now = timezone.now()
        shops = {shop.code: shop for shop in StorefrontDuty.objects.filter(code__in=list(in_file))}
        new_shops, changed = [], []
        for code, item in in_file.items():
            row, shop = item["row"], shops.get(code)
            if shop is None:
                shop = StorefrontDuty(code=code)
                new_shops.append(shop)
            else:
                changed.append(shop)
            for name in ("shop_name", "address", "keeper_name", "keeper_phone"):
                if row[name]:
                    setattr(shop, name, row[name])
            if item["credit"]:
                shop.licence_no = item["credit"]
            if row["supervising_unit"]:
                shop.supervising_unit_id = unit_ids[row["supervising_unit"]]
            if row["road_code"]:
                shop.road_id = road_ids[row["road_code"]]
            if item["duties"] is not None:
                shop.duties = item["duties"]
            if item["signed_on"]:
                shop.signed_on = item["signed_on"]
            if item["geometry"]:
                shop.set_geometry(item["geometry"])
                _box, (lng, lat) = geometry_summary(item["geometry"])
                shop.area_id = index.locate(lng, lat)
            shop.updated_at = now
        StorefrontDuty.objects.bulk_create(new_shops, batch_size=BATCH)
        update_each(StorefrontDuty, changed, ["shop_name", "address", "keeper_name", "keeper_phone", "licence_no",
                                              "supervising_unit", "road", "duties", "signed_on", "area",
                                              *GEOMETRY_FIELDS, "updated_at"])
        geography_version_bump()
        audit_event_record(actor=actor, action="import.storefronts", summary=f"{file_name}: {report.summary()}",
                           data={"file": file_name, "created": report.created, "updated": report.updated})
    return report
