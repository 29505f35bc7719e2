"""Units (责任单位) from CSV or XLSX."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.common.services.audit import audit_event_record
from wenming.common.services.geography import credentials_bump, routing_config_bump
from wenming.common.tabular_import import (
    PHONE,
    ImportReport,
    check_length,
    choice_lookup,
    read_rows,
    row_where,
    stop_if_errors,
)
from wenming.org.models import Area, Unit, UnitKind
from wenming.org.services.imports.shared import BATCH, filter_in, update_each

UNIT_COLUMNS = ["code", "name", "kind", "parent_code", "area_code", "contact_name", "contact_phone", "address"]
UNIT_ALIASES = {"编码": "code", "名称": "name", "类型": "kind", "上级单位编码": "parent_code", "辖区编码": "area_code",
                "联系人": "contact_name", "联系电话": "contact_phone", "地址": "address"}


def units_import(*, path: Path, dry_run: bool = False, actor=None) -> ImportReport:
    """Units (责任单位) from CSV or XLSX; a parent may come later in the file, cycles are refused."""
    path = Path(path)
    report = ImportReport(dry_run=dry_run)
    rows = read_rows(path, report, UNIT_COLUMNS, ["code", "name", "kind"], UNIT_ALIASES)
    stop_if_errors(report)

    stored = {code: (unit_id, parent) for unit_id, code, parent in Unit.objects.values_list("id", "code", "parent__code")}
    area_ids = dict(Area.objects.values_list("code", "id"))
    kinds = choice_lookup(UnitKind)
    in_file: dict[str, tuple[int, dict[str, str]]] = {}
    file_codes = {row["code"] for _number, row in rows}
    for number, row in rows:
        code = row["code"]
        where = row_where(number, code)
        if not code:
            report.error(where, "code", _("missing"))
        elif code in in_file:
            report.error(where, "code", _("appears twice in the file (first on row %(number)d)") % {
                "number": in_file[code][0]})
        check_length(report, where, "code", code, 32)
        if not row["name"]:
            report.error(where, "name", _("missing"))
        check_length(report, where, "name", row["name"], 100)
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
        check_length(report, where, "contact_name", row["contact_name"], 50)
        check_length(report, where, "address", row["address"], 200)
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
                report.error(row_where(number, first), "parent_code", _("parent cycle: %(chain)s") % {
                    "chain": " → ".join(cycle)})
                break
            chain.append(code)
            code = parents.get(code)
        done.update(chain)
    stop_if_errors(report)

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

    stored = {unit.code: unit for unit in filter_in(Unit.objects.all(), "code", in_file)}
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
    update_each(Unit, [unit for unit in new if unit.parent_id], ["parent"])
    update_each(Unit, changed, ["name", "kind", "parent", "path", "area", "contact_name", "contact_phone", "address",
                                 "updated_at"])
    # A unit moved to another parent takes its stored descendants along: their paths follow.
    moved = [unit for unit in Unit.objects.only("id", "code", "path")
             if unit.code not in in_file and unit.path != path_of(unit.code)]
    for unit in moved:
        unit.path = path_of(unit.code)
    update_each(Unit, moved, ["path"])
