"""The bulk import of windows (窗口): a CSV (UTF-8) or XLSX file with Chinese headers, one counter a row, matched by
its public code (窗口编码, the code printed as the counter's QR code). The same file imported twice changes nothing;
a changed row updates its window; nothing is ever deleted. All or nothing: every problem is listed with its row and
column, and any problem refuses the whole file.

Scoped: the command centre and administrators (and the command line, which runs as the system) import any window;
a unit's staff only windows their unit (or a unit under it) answers for, before and after the change.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.common.access import scope_for
from wenming.common.roles import COMMAND_OR_ADMIN, UNIT_ROLES
from wenming.common.services.audit import audit_event_record
from wenming.common.tabular import is_formula_like
from wenming.common.tabular_import import (
    FileUnreadable,
    ImportFailed,
    ImportReport,
    cell_text,
    check_length,
    check_row_code,
    row_where,
    stop_if_errors,
    table_stream,
)
from wenming.org.models import Site, Unit
from wenming.windows.errors import NotAllowed
from wenming.windows.models import ServiceWindow, WindowEventKind
from wenming.windows.services.records import event_append

MAX_ROWS = 5000  # a city's counters are a few thousand at most
MAX_COLUMNS = 30
# The public code: letters, digits and hyphens, as printed under the QR code (never a formula, never a path).
CODE = re.compile(r"^[A-Z0-9-]{4,16}$")
COLUMNS = ("code", "site_code", "unit_code", "name", "number", "active")
REQUIRED = ("code", "site_code", "unit_code", "name")
ALIASES = {
    "窗口编码": "code", "窗口代码": "code", "二维码编码": "code",
    "点位编码": "site_code", "场所编码": "site_code",
    "单位编码": "unit_code", "责任单位编码": "unit_code",
    "窗口名称": "name", "名称": "name",
    "窗口号": "number", "窗口编号": "number",
    "是否启用": "active", "启用": "active", "状态": "active",
}
LABELS = {
    "code": gettext_lazy("Window code (窗口编码)"), "site_code": gettext_lazy("Site code (点位编码)"),
    "unit_code": gettext_lazy("Unit code (单位编码)"), "name": gettext_lazy("Counter name (窗口名称)"),
    "number": gettext_lazy("Counter number (窗口号)"), "active": gettext_lazy("Active (是否启用)"),
}
YES = {"是", "启用", "在用", "1", "true", "yes", "y"}
NO = {"否", "停用", "关闭", "0", "false", "no", "n"}


def _label(name: str) -> str:
    return str(LABELS[name])


def _header(cells: list, report: ImportReport) -> list[str | None]:
    where = row_where(1)
    header: list[str | None] = []
    for position, cell in enumerate(cells, 1):
        title = cell_text(cell).lstrip("\ufeff").strip()
        name = ALIASES.get(title, title.lower().replace(" ", "_"))
        if not title:
            header.append(None)
        elif name not in COLUMNS:
            report.warn(where, _("column %(number)d") % {"number": position},
                        _('unknown column "%(title)s" is ignored') % {"title": title})
            header.append(None)
        elif name in header:
            report.error(where, _label(name), _("the column appears twice"))
            header.append(None)
        else:
            header.append(name)
    for name in REQUIRED:
        if name not in header:
            report.error(where, _label(name), _("the column is missing"))
    return header


def _read(path: Path, report: ImportReport, file_name: str) -> list[tuple[int, dict[str, str]]]:
    """The file's rows by column, with their numbers as the spreadsheet shows them (the header is row 1)."""
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        stream = table_stream(path, max_col=MAX_COLUMNS)
        first = next(stream, None)
        if first is None:
            report.error(file_name, _("file"), _("is empty"))
            return []
        header = _header(first, report)
        for number, values in enumerate(stream, 2):
            row = {name: cell_text(value) for name, value in zip(header, values, strict=False) if name}
            if not any(row.values()):
                continue
            if len(rows) >= MAX_ROWS:
                report.error(file_name, _("file"), _("more than %(count)d rows: split the file") % {"count": MAX_ROWS})
                return []
            rows.append((number, {name: row.get(name, "") for name in COLUMNS}))
    except FileUnreadable as exc:
        report.error(file_name, _("file"), str(exc))
        return []
    if not rows and not report.errors:
        report.error(file_name, _("file"), _("has no rows under the header"))
    return rows


def _text(report: ImportReport, where: str, name: str, value: str, limit: int) -> None:
    check_length(report, where, _label(name), value, limit)
    if value and is_formula_like(value):
        report.error(where, _label(name), _("may not start with = + - or @ (a spreadsheet would run it as a formula)"))


def _may_keep(scope, unit: Unit) -> bool:
    """Whether this person imports windows of ``unit``: the city-wide roles any, a unit's staff their unit's."""
    if scope.roles & COMMAND_OR_ADMIN or scope.everything:
        return True
    return any(unit.path.startswith(path) for path in scope.unit_paths)


def windows_import(*, path: Path | str, actor=None, dry_run: bool = False, file_name: str = "") -> ImportReport:
    """Create or update windows from the file, by code; all or nothing. ``actor`` None is the system (the command
    line): every unit. Raises ``ImportFailed`` (its report names each row and column) and writes nothing then."""
    scope = scope_for(actor) if actor is not None else None
    if scope is not None and not scope.roles & (COMMAND_OR_ADMIN | UNIT_ROLES) and not scope.everything:
        raise NotAllowed(_("Your role may not import windows."))
    path = Path(path)
    file_name = file_name or path.name
    report = ImportReport(dry_run=dry_run)
    rows = _read(path, report, file_name)
    stop_if_errors(report)
    sites = {s.code: s for s in Site.objects.filter(code__in={r["site_code"] for _n, r in rows}, is_active=True)}
    units = {u.code: u for u in Unit.objects.filter(code__in={r["unit_code"] for _n, r in rows}, is_active=True)}
    codes = {r["code"].upper() for _n, r in rows}
    existing = {w.code: w for w in ServiceWindow.objects.filter(code__in=codes).select_related("unit", "site")}
    first_seen: dict[str, int] = {}
    planned: list[tuple[int, str, dict]] = []
    for number, row in rows:
        code = row["code"].upper()
        where = row_where(number, code, key=_("window code")) if code else row_where(number)
        check_row_code(report, where, _label("code"), code, first_seen=first_seen, limit=16)
        if code and code not in first_seen:
            first_seen[code] = number
        if code and len(code) <= 16 and not CODE.match(code):
            report.error(where, _label("code"), _("use 4 to 16 letters, digits or hyphens"))
        site = sites.get(row["site_code"])
        if not row["site_code"]:
            report.error(where, _label("site_code"), _("missing"))
        elif site is None:
            report.error(where, _label("site_code"), _('no active site has code "%(code)s"') % {
                "code": row["site_code"][:64]})
        elif site.lng is None or site.lat is None:
            # Complaints about the window are placed at its site: without coordinates routing's rule 0 is lost.
            report.error(where, _label("site_code"), _("the site has no coordinates; place it on the map first"))
        unit = units.get(row["unit_code"])
        if not row["unit_code"]:
            report.error(where, _label("unit_code"), _("missing"))
        elif unit is None:
            report.error(where, _label("unit_code"), _('no active unit has code "%(code)s"') % {
                "code": row["unit_code"][:64]})
        elif scope is not None and not _may_keep(scope, unit):
            report.error(where, _label("unit_code"), _("you may import only your own unit's windows"))
        if not row["name"]:
            report.error(where, _label("name"), _("missing"))
        _text(report, where, "name", row["name"], 100)
        _text(report, where, "number", row["number"], 20)
        active = None
        if row["active"]:
            flag = row["active"].lower()
            if flag not in YES | NO:
                report.error(where, _label("active"), _("write 是 or 否"))
            active = flag in YES
        window = existing.get(code)
        if window is not None and scope is not None and not _may_keep(scope, window.unit):
            report.error(where, _label("code"), _("this code belongs to a window of another unit"))
        if report.errors:
            continue
        fields = {"site": site, "unit": unit, "name": row["name"], "number": row["number"] or None,
                  "is_active": active}
        planned.append((number, code, fields))
    stop_if_errors(report)
    with transaction.atomic():
        for _number, code, fields in planned:
            window = existing.get(code)
            if window is None:
                report.change(False, code, f"{fields['site'].name} {fields['name']}")
                if not dry_run:
                    window = ServiceWindow.objects.create(
                        code=code, site=fields["site"], unit=fields["unit"], name=fields["name"],
                        number=fields["number"] or "", is_active=fields["is_active"] is not False)
                    event_append(window, kind=WindowEventKind.CREATED, actor=actor, unit=window.unit_id,
                                 site=window.site_id, source="import", file=file_name[:200])
                continue
            # An empty optional cell leaves the stored value as it is (docs/imports.md).
            wanted = {"site_id": fields["site"].pk, "unit_id": fields["unit"].pk, "name": fields["name"]}
            if fields["number"] is not None:
                wanted["number"] = fields["number"]
            if fields["is_active"] is not None:
                wanted["is_active"] = fields["is_active"]
            old = {key: getattr(window, key) for key, value in wanted.items() if getattr(window, key) != value}
            if not old:
                continue
            report.change(True, code, f"{fields['site'].name} {fields['name']}")
            if not dry_run:
                locked = ServiceWindow.objects.select_for_update().get(pk=window.pk)
                for key in old:
                    setattr(locked, key, wanted[key])
                locked.save(update_fields=list(old))
                event_append(locked, kind=WindowEventKind.IMPORTED, actor=actor, source="import",
                             file=file_name[:200], old=old, new={key: wanted[key] for key in old})
        if not dry_run and (report.created or report.updated):
            audit_event_record(actor=actor if getattr(actor, "pk", None) else None, action="import.windows",
                               summary=report.summary(),
                               data={"file": file_name[:200], "created": report.created, "updated": report.updated})
    return report


__all__ = ["ImportFailed", "windows_import"]
