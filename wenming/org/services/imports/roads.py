"""Road segments with their road chiefs (路长制) from XLSX or CSV: one row per chief, the road's columns on the first
of its rows (repeating them is allowed if they agree); a road with no chief yet is a row without chief columns.

Roads are matched by code, chiefs by road and level: a re-import updates them and creates nothing twice. Chiefs
the file does not mention stay as they are.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.common.geo import geometry_summary
from wenming.common.services.audit import audit_event_record
from wenming.common.services.geography import geography_version_bump, routing_config_bump
from wenming.common.tabular_import import PHONE, ImportReport, check_length, choice_lookup, stop_if_errors
from wenming.org.models import Area, Person, RoadChief, RoadSegment, Unit
from wenming.org.services.imports.registers import register_file_read
from wenming.org.services.imports.shared import BATCH, GEOMETRY_FIELDS, update_each
from wenming.org.spatial import get_index

ROAD_COLUMNS = ["road_code", "road_name", "road_class", "area_code", "segment", "start_lng", "start_lat", "end_lng",
                "end_lat", "chief_level", "chief_name", "chief_phone", "chief_unit", "chief_person"]
ROAD_ALIASES = {
    "道路编码": "road_code", "路段编码": "road_code", "道路名称": "road_name", "路段名称": "road_name",
    "道路等级": "road_class", "所属区域编码": "area_code", "路段走向": "segment", "路段": "segment",
    "起点经度": "start_lng", "起点纬度": "start_lat", "终点经度": "end_lng", "终点纬度": "end_lat",
    "路长级别": "chief_level", "路长姓名": "chief_name", "路长": "chief_name", "路长电话": "chief_phone",
    "路长单位编码": "chief_unit", "路长账号": "chief_person",
}
ROAD_FIELDS = ["road_name", "road_class", "area_code", "segment", "start_lng", "start_lat", "end_lng", "end_lat"]
CHIEF_FIELDS = ["chief_level", "chief_name", "chief_phone", "chief_unit", "chief_person"]
SEGMENT_TYPES = frozenset({"LineString", "MultiLineString"})
# Besides the level's number and its labels: the words a city office writes.
LEVEL_WORDS = {"市级": 1, "市": 1, "区级": 2, "县级": 2, "区县级": 2, "街道级": 3, "乡镇级": 3, "社区级": 4, "村级": 4}


def level_lookup() -> dict[str, int]:
    table = {str(value): value for value in RoadChief.Level.values}
    table.update({text: int(value) for text, value in choice_lookup(_LevelText).items()})
    table.update(LEVEL_WORDS)
    return table


class _LevelText:
    """RoadChief.Level's choices with text values, for ``choice_lookup`` (which lower-cases the values)."""

    choices = [(str(value), label) for value, label in RoadChief.Level.choices]


def roads_import(*, path: Path, dry_run: bool = False, actor=None, crs: str = "wgs84",
                      file_name: str = "") -> ImportReport:
    """Road segments and their road chiefs (路长) from XLSX or CSV; all or nothing."""
    path = Path(path)
    file_name = file_name or path.name
    read = register_file_read(path=path, dry_run=dry_run, crs=crs, columns=ROAD_COLUMNS, required=["road_code"],
                              aliases=ROAD_ALIASES)
    report, rows, where_of, geo, col = read.report, read.rows, read.where_of, read.geo, read.col
    stored_roads = set(RoadSegment.objects.values_list("code", flat=True))
    unit_ids = dict(Unit.objects.values_list("code", "id"))
    area_ids = dict(Area.objects.values_list("code", "id"))
    people = dict(Person.objects.values_list("username", "id"))
    classes = choice_lookup(RoadSegment.RoadClass)
    levels = level_lookup()
    stored_chiefs = set(RoadChief.objects.values_list("segment__code", "level"))
    index = get_index()

    roads: dict[str, dict] = {}  # code → {"row": first row number, "values": the road's cells, "geometry": …}
    chiefs: dict[tuple[str, int], dict] = {}  # (road code, level) → cells and row number
    for number, row in rows:
        code = row["road_code"]
        where = where_of(number, code)
        if not code:
            report.error(where, col("road_code"), _("missing"))
            continue
        check_length(report, where, col("road_code"), code, 32)
        road = roads.get(code)
        if road is None:
            road = roads[code] = {"row": number, "values": {}, "geometry": None}
        for name in ROAD_FIELDS:  # a road's cells: given once, or repeated alike
            if not row[name]:
                continue
            before = road["values"].get(name)
            if before is not None and before[1] != row[name]:
                report.error(where, col(name), _('"%(value)s" differs from row %(number)d ("%(before)s")') % {
                    "value": row[name][:40], "number": before[0], "before": before[1][:40]})
            elif before is None:
                road["values"][name] = (number, row[name])
        if any(row[name] for name in CHIEF_FIELDS):
            _chief_checked(report, where, col, row, code, number, levels, unit_ids, people, chiefs, stored_chiefs)

    for code, road in roads.items():
        where = where_of(road["row"], code)
        values = {name: text for name, (_n, text) in road["values"].items()}
        new = code not in stored_roads
        if new and not values.get("road_name"):
            report.error(where, col("road_name"), _("missing (the road is new)"))
        check_length(report, where, col("road_name"), values.get("road_name", ""), 100)
        if values.get("road_class") and values["road_class"].lower() not in classes:
            report.error(where, col("road_class"), _('unknown road class "%(value)s"') % {"value": values["road_class"][:40]})
        elif new and not values.get("road_class"):
            report.error(where, col("road_class"), _("missing (the road is new)"))
        if values.get("area_code") and values["area_code"] not in area_ids:
            report.error(where, col("area_code"), _('no area has code "%(code)s"') % {"code": values["area_code"][:40]})
        ends = [values.get(name, "") for name in ("start_lng", "start_lat", "end_lng", "end_lat")]
        if values.get("segment"):
            road["geometry"] = geo.shape(where, values["segment"], col("segment"), SEGMENT_TYPES)
        elif any(ends):
            start = geo.point(where, ends[0], ends[1], col("start_lng"), col("start_lat"))
            end = geo.point(where, ends[2], ends[3], col("end_lng"), col("end_lat"))
            if start and end:
                road["geometry"] = {"type": "LineString", "coordinates": [start["coordinates"], end["coordinates"]]}
        elif new:
            report.error(where, col("segment"), _("missing (the road is new): give the segment as WKT or "
                                                  "\"lng lat; lng lat\", or its start and end points"))
    stop_if_errors(report)

    for code, road in roads.items():
        report.change(code in stored_roads, code, road["values"].get("road_name", (0, ""))[1])
    for (code, level), chief in chiefs.items():
        report.change(chief["exists"], f"{code}/{level}", chief["name"])
    if dry_run:
        return report

    with transaction.atomic():
        now = timezone.now()
        stored = {r.code: r for r in RoadSegment.objects.filter(code__in=list(roads))}
        new, changed = [], []
        for code, road in roads.items():
            segment = stored.get(code)
            if segment is None:
                segment = RoadSegment(code=code)
                new.append(segment)
            else:
                changed.append(segment)
            values = {name: text for name, (_n, text) in road["values"].items()}
            if values.get("road_name"):
                segment.name = values["road_name"]
            if values.get("road_class"):
                segment.road_class = classes[values["road_class"].lower()]
            if road["geometry"]:
                segment.set_geometry(road["geometry"])
            if values.get("area_code"):
                segment.area_id = area_ids[values["area_code"]]
            elif road["geometry"]:
                _box, (lng, lat) = geometry_summary(road["geometry"])
                segment.area_id = index.locate(lng, lat)
            segment.updated_at = now
        RoadSegment.objects.bulk_create(new, batch_size=BATCH)
        update_each(RoadSegment, changed, ["name", "road_class", "area", *GEOMETRY_FIELDS, "updated_at"])
        segment_ids = dict(RoadSegment.objects.filter(code__in=list(roads)).values_list("code", "id"))
        for (code, level), chief in chiefs.items():
            defaults = {"name": chief["name"], "unit_id": unit_ids[chief["unit"]]}
            if chief["phone"]:
                defaults["phone"] = chief["phone"]
            if chief["person"]:
                defaults["person_id"] = people[chief["person"]]
            RoadChief.objects.update_or_create(segment_id=segment_ids[code], level=level, defaults=defaults)
        geography_version_bump()
        routing_config_bump()
        audit_event_record(actor=actor, action="import.roads", summary=f"{file_name}: {report.summary()}",
                           data={"file": file_name, "created": report.created, "updated": report.updated})
    return report


def _chief_checked(report, where, col, row, code, number, levels, unit_ids, people, chiefs, stored_chiefs) -> None:
    level = levels.get(row["chief_level"].strip().lower()) if row["chief_level"] else None
    if not row["chief_level"]:
        report.error(where, col("chief_level"), _("missing (the row names a road chief)"))
    elif level is None:
        report.error(where, col("chief_level"), _('unknown level "%(value)s": write 市级, 区县级, 街道级 or 社区级 '
                                                  '(or 1–4)') % {"value": row["chief_level"][:40]})
    if not row["chief_name"]:
        report.error(where, col("chief_name"), _("missing (the row names a road chief)"))
    check_length(report, where, col("chief_name"), row["chief_name"], 50)
    if row["chief_phone"] and not PHONE.match(row["chief_phone"]):
        report.error(where, col("chief_phone"), _('"%(phone)s" is neither an 11-digit mobile number nor a landline '
                                                  'like 0318-1234567') % {"phone": row["chief_phone"][:40]})
    if not row["chief_unit"]:
        report.error(where, col("chief_unit"), _("missing (the row names a road chief)"))
    elif row["chief_unit"] not in unit_ids:
        report.error(where, col("chief_unit"), _('no unit has code "%(code)s"') % {"code": row["chief_unit"][:40]})
    if row["chief_person"] and row["chief_person"] not in people:
        report.error(where, col("chief_person"), _('no person has the username "%(username)s"') % {
            "username": row["chief_person"][:40]})
    if level is None:
        return
    key = (code, level)
    if key in chiefs:
        report.error(where, col("chief_level"), _("this road's chief at this level appears twice (first on row "
                                                  "%(number)d)") % {"number": chiefs[key]["row"]})
        return
    chiefs[key] = {
        "row": number, "name": row["chief_name"], "phone": row["chief_phone"], "unit": row["chief_unit"],
        "person": row["chief_person"],
        "exists": key in stored_chiefs,
    }
