"""Reading the tables a city office sends (CSV or XLSX) and reporting every problem in them.

Shared by every importer (``org`` reads areas, units, people and sites; ``cases`` reads the provincial and
12345 exports): the file is read whole, each cell as text, the header mapped to canonical column names, and
each problem collected in an ``ImportReport`` naming the row, the code when it is known, and the field.
Writing spreadsheets safely is ``common.tabular``'s job; this module only reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from wenming.common.input import strip_controls

MAX_ERRORS = 100
# A mainland mobile number, or a landline with its area code (0318-1234567).
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


# -- the report ----------------------------------------------------------------------------------------------

@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)
    dry_run: bool = False
    # What was (or, in a dry run, would be) written: ("create" | "update", code, description).
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    # Worth a look but not blocking, e.g. a site outside every area.
    warnings: list[str] = field(default_factory=list)
    # Errors found beyond the first MAX_ERRORS.
    errors_omitted: int = 0

    def error(self, where: str, field_name: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"{where}: {field_name}: {message}")
        else:
            self.errors_omitted += 1

    def warn(self, where: str, field_name: str, message: str) -> None:
        if len(self.warnings) < MAX_ERRORS:
            self.warnings.append(f"{where}: {field_name}: {message}")

    def change(self, exists: bool, code: str, description: str = "") -> None:
        self.changes.append(("update" if exists else "create", code, description))
        if exists:
            self.updated += 1
        else:
            self.created += 1

    def error_lines(self) -> list[str]:
        lines = list(self.errors)
        if self.errors_omitted:
            lines.append(_("… and %(count)d more errors not shown") % {"count": self.errors_omitted})
        return lines

    def change_lines(self) -> list[str]:
        if self.dry_run:
            labels = {"create": _("would create"), "update": _("would update")}
        else:
            labels = {"create": _("created"), "update": _("updated")}
        return [f"{labels[action]} {code} {description}".rstrip() for action, code, description in self.changes]

    def summary(self) -> str:
        values = {"created": self.created, "updated": self.updated}
        if self.dry_run:
            return _("Dry run, nothing written: %(created)d would be created, %(updated)d updated.") % values
        return _("%(created)d created, %(updated)d updated.") % values


class ImportFailed(Exception):
    """The file has problems; nothing was written. ``report.errors`` says what and where."""

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__("\n".join(report.error_lines()))


def stop_if_errors(report: ImportReport) -> None:
    if report.errors:
        raise ImportFailed(report)


def row_where(number: int, code: str = "", key: str = "code") -> str:
    if code:
        return _("row %(number)d (%(key)s %(code)s)") % {"number": number, "key": key, "code": code}
    return _("row %(number)d") % {"number": number}


def cell_text(value) -> str:
    """A cell or property as text: numbers typed into Excel or a DBF come back without a trailing ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    # Files come from other systems: a control character in a cell would be stored and break feeds and XML later.
    return strip_controls(str(value)).strip()


def check_length(report: ImportReport, where: str, field_name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        report.error(where, field_name, _("longer than %(limit)d characters") % {"limit": limit})


def check_row_code(report: ImportReport, where: str, field_name: str, code: str, *, first_seen: dict[str, int],
                   limit: int) -> None:
    """A row's code, the key a re-import matches on: present, not on an earlier row of the file, not too long."""
    if not code:
        report.error(where, field_name, _("missing"))
    elif code in first_seen:
        report.error(where, field_name, _("appears twice in the file (first on row %(number)d)") % {
            "number": first_seen[code]})
    check_length(report, where, field_name, code, limit)


def choice_lookup(choices) -> dict[str, str]:
    """Value by every accepted spelling: the value, the English and Chinese labels, the label's bracketed
    Chinese part ("受理员" for "Intake operator (受理员)"); case-insensitive."""
    table: dict[str, str] = {}
    for value, label in choices.choices:
        table[value.lower()] = value
        for language in ("en", "zh-hans", translation.get_language() or "en"):
            with translation.override(language):
                text = str(label)
            table[text.lower()] = value
            bracketed = re.search(r"[(（]([^()（）]+)[)）]\s*$", text)
            if bracketed:
                table[bracketed.group(1).strip().lower()] = value
    return table


# -- reading tables ------------------------------------------------------------------------------------------

def read_rows(
    path: Path, report: ImportReport, columns: list[str], required: list[str], aliases: dict[str, str]
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV (UTF-8, BOM allowed) or XLSX file (first sheet) by canonical column name, with their
    row numbers (the header is row 1). Blank rows are skipped."""
    where = path.name
    if not path.is_file():
        report.error(where, _("file"), _("no such file"))
        return []
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            report.error(where, _("file"), _("is not UTF-8 text (byte %(position)d); save it as \"CSV UTF-8\"") % {
                "position": exc.start + 1})
            return []
        try:
            table = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            report.error(where, _("file"), _("is not valid CSV: %(error)s") % {"error": exc})
            return []
    elif suffix == ".xlsx":
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
            try:
                table = [list(values) for values in workbook.worksheets[0].iter_rows(values_only=True)]
            finally:
                workbook.close()
        except Exception as exc:  # openpyxl raises BadZipFile, KeyError, InvalidFileException… on a broken file
            report.error(where, _("file"), _("is not a readable .xlsx workbook: %(error)s") % {
                "error": str(exc) or type(exc).__name__})
            return []
    else:
        report.error(where, _("file"), _("use a .csv (UTF-8) or .xlsx file"))
        return []
    if not table:
        report.error(where, _("file"), _("is empty"))
        return []
    return table_rows(table, report, columns, required, aliases)


def table_rows(
    table: list[list], report: ImportReport, columns: list[str], required: list[str], aliases: dict[str, str],
    where=row_where,
) -> list[tuple[int, dict[str, str]]]:
    """The rows of a table read whole (header first) by canonical column name, with their row numbers; blank rows
    skipped. ``where(number)`` names a row in the report (a sheet's importer adds the sheet's name)."""
    header: list[str | None] = []
    for position, cell in enumerate(table[0], 1):
        title = cell_text(cell).lstrip("\ufeff").strip()
        name = aliases.get(title, title.lower().replace(" ", "_"))
        if not title:
            header.append(None)
        elif name not in columns:
            report.warn(where(1), _("column %(number)d") % {"number": position},
                        _('unknown column "%(title)s" is ignored') % {"title": title})
            header.append(None)
        elif name in header:
            report.error(where(1), name, _("the column appears twice"))
            header.append(None)
        else:
            header.append(name)
    for name in required:
        if name not in header:
            report.error(where(1), name, _("the column is missing"))
    rows = []
    for number, values in enumerate(table[1:], 2):
        row = {name: cell_text(value) for name, value in zip(header, values, strict=False) if name}
        if any(row.values()):
            rows.append((number, {name: row.get(name, "") for name in columns}))
    return rows


# -- workbooks of several sheets -------------------------------------------------------------------------------

def sheet_where(sheet: str, number: int, code: str = "") -> str:
    """A row of a named sheet, for a workbook whose sheets each hold one kind of row."""
    if code:
        return _('sheet "%(sheet)s", row %(number)d (code %(code)s)') % {"sheet": sheet, "number": number, "code": code}
    return _('sheet "%(sheet)s", row %(number)d') % {"sheet": sheet, "number": number}


# A workbook's size on disk says little about its size unpacked: rows and columns are read up to these bounds.
WORKBOOK_MAX_ROWS = 50_000
WORKBOOK_MAX_COLUMNS = 60
WORKBOOK_MAX_SHEETS = 30


def read_workbook(path: Path, report: ImportReport) -> dict[str, list[list]] | None:
    """Every sheet of an XLSX workbook as a table of cell values, by the sheet's title; None (and an error in the
    report) when the file is no readable workbook or holds more than the bounds above."""
    where = path.name
    if not path.is_file():
        report.error(where, _("file"), _("no such file"))
        return None
    if path.suffix.lower() != ".xlsx":
        report.error(where, _("file"), _("use an .xlsx workbook"))
        return None
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            if len(workbook.worksheets) > WORKBOOK_MAX_SHEETS:
                report.error(where, _("file"), _("more than %(count)d sheets") % {"count": WORKBOOK_MAX_SHEETS})
                return None
            tables = {}
            for sheet in workbook.worksheets:
                table = []
                for values in sheet.iter_rows(values_only=True, max_col=WORKBOOK_MAX_COLUMNS):
                    if len(table) > WORKBOOK_MAX_ROWS:
                        report.error(where, sheet.title.strip(), _("more than %(count)d rows: split the workbook") % {
                            "count": WORKBOOK_MAX_ROWS})
                        return None
                    table.append(list(values))
                tables[sheet.title.strip()] = table
            return tables
        finally:
            workbook.close()
    except Exception as exc:  # openpyxl raises BadZipFile, KeyError, InvalidFileException… on a broken file
        report.error(where, _("file"), _("is not a readable .xlsx workbook: %(error)s") % {
            "error": str(exc) or type(exc).__name__})
        return None


class FileUnreadable(Exception):
    """The file as a whole cannot be read (encoding, format); the message says why, after the file's name."""


def table_stream(path: Path, *, max_col: int | None = None) -> Iterator[list]:
    """The file's rows as lists of cells, header first, one at a time (streamed: a million-line export is never
    held in memory); ``max_col`` caps an XLSX row's width."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                yield from csv.reader(handle)
        except UnicodeDecodeError as exc:
            raise FileUnreadable(_("is not UTF-8 text; save it as \"CSV UTF-8\"")) from exc
        except csv.Error as exc:
            raise FileUnreadable(_("is not valid CSV: %(error)s") % {"error": exc}) from exc
    elif suffix == ".xlsx":
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises BadZipFile, KeyError, InvalidFileException… on a broken file
            raise FileUnreadable(_("is not a readable .xlsx workbook")) from exc
        try:
            for values in workbook.worksheets[0].iter_rows(values_only=True, max_col=max_col):
                yield list(values)
        finally:
            workbook.close()
    else:
        raise FileUnreadable(_("use a .csv (UTF-8) or .xlsx file"))
