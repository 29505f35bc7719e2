"""Imports of the police systems' exports into a register, streamed: the file is read row by row (CSV, or XLSX
through openpyxl's read-only mode) and written in batches, so a million rows take flat memory.

Two kinds of file:

- **records**, a full snapshot as of a date: one line per e-bike or dog (number, status, community, dates, the
  dangerous-breed mark). Lines are upserted on (register, number) in batches, each batch its own transaction that
  also moves the import row's counters on. Then, in one last transaction, the records the snapshot no longer lists
  are made inactive and the figures of that date are computed. An import stopped midway leaves the figures as they
  were (they are written last); a file whose lines are all bad writes nothing.
- **counts** per area, when that is all the department gives: area code, total, compliant (and dangerous breeds).
  Any bad line refuses the whole file; the figures are rolled up from the level given to the city.

Only the columns named in ``RECORD_COLUMNS``/``COUNT_COLUMNS`` are read. Every other column (owner names, phones, ID
numbers, addresses…) is dropped unread; the import log lists the dropped columns' titles.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.campaign.services.tasks import register_measured_refresh
from wenming.common.tabular_import import FileUnreadable, cell_text, table_stream
from wenming.org.models import Area, AreaLevel
from wenming.registries.errors import NotRegistryKeeper, RegistryError
from wenming.registries.models import (
    KIND_STATUSES,
    RecordStatus,
    Registry,
    RegistryFigure,
    RegistryImport,
    RegistryKind,
    RegistryRecord,
)
from wenming.registries.selectors import registry_kept_by
from wenming.registries.services.figures import Tally, figures_compute, figures_write, tallies_rolled_up

BATCH = 5000
MAX_ERRORS = 100
# Numbers of refused lines are remembered so that a record whose line was bad is not retired as absent; beyond this
# many refused lines the snapshot retires nothing (documented in docs/registries.md).
MAX_KEPT = 100_000
NUMBER_MAX = 32
# An import still marked running after this long was stopped (killed, crashed): it no longer blocks the next one.
RUNNING_STALE = dt.timedelta(hours=2)
NUMBER = re.compile(r"^[0-9A-Z\u3400-\u9fff·.\-_/]+$")

# Canonical column → the titles it is read from (the police systems' own, then English).
RECORD_COLUMNS = {
    "number": ("号牌号码", "登记证号", "牌照号码", "号牌", "许可证号", "养犬登记证号", "number"),
    "status": ("状态", "status"),
    "community_code": ("所属社区代码", "社区代码", "community_code"),
    "community_name": ("社区名称", "所属社区", "community_name"),
    "registered_on": ("登记日期", "备案日期", "registered_on"),
    "expires_on": ("有效期至", "有效期", "expires_on"),
    "dangerous": ("是否烈性犬", "烈性犬", "dangerous"),
}
COUNT_COLUMNS = {
    "area_code": ("区域代码", "area_code"),
    "total": ("总数", "total"),
    "compliant": ("已挂牌", "已办证", "持证数", "compliant"),
    "dangerous": ("烈性犬数", "烈性犬", "dangerous"),
}
STATUS_WORDS = {
    RegistryKind.EBIKE: {"已挂牌": RecordStatus.PLATED, "挂牌": RecordStatus.PLATED, "plated": RecordStatus.PLATED,
                         "已备案未挂牌": RecordStatus.UNPLATED, "未挂牌": RecordStatus.UNPLATED,
                         "已备案": RecordStatus.UNPLATED, "unplated": RecordStatus.UNPLATED},
    RegistryKind.DOG: {"有效": RecordStatus.VALID, "正常": RecordStatus.VALID, "valid": RecordStatus.VALID,
                       "过期": RecordStatus.EXPIRED, "已过期": RecordStatus.EXPIRED, "expired": RecordStatus.EXPIRED,
                       "注销": RecordStatus.CANCELLED, "已注销": RecordStatus.CANCELLED,
                       "cancelled": RecordStatus.CANCELLED},
}
YES = {"是", "y", "yes", "1", "true", "烈性犬"}
NO = {"", "否", "n", "no", "0", "false"}


def number_normalise(raw: str) -> str:
    """A plate or licence number as stored and looked up: full-width to half-width (NFKC), upper case, no spaces."""
    raw = raw or ""
    if raw.isascii():
        return "".join(raw.split()).upper()
    return "".join(unicodedata.normalize("NFKC", raw).split()).upper()


def number_problem(number: str) -> str:
    """Why a normalised number cannot be one (empty when it can)."""
    if not number:
        return _("is empty")
    if len(number) > NUMBER_MAX:
        return _("longer than %(limit)d characters") % {"limit": NUMBER_MAX}
    if not NUMBER.match(number):
        return _("holds characters a plate or licence number does not have")
    return ""


@lru_cache(maxsize=8192)  # exports repeat the same few thousand dates
def date_parse(text: str) -> dt.date | None:
    """2024-01-05, 2024/1/5, 2024.1.5, 20240105, 2024年1月5日, or an Excel date; None when empty.
    ValueError when it is none of these."""
    text = text.strip()
    if not text:
        return None
    if len(text) == 8 and text.isdigit():
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    match = re.match(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T ].*)?$", text)
    if not match:
        raise ValueError(text)
    return dt.date(*(int(part) for part in match.groups()))




class _Log:
    """The import's counters and first errors, written to its row as the import goes."""

    def __init__(self, job: RegistryImport):
        self.job = job

    def error(self, line: int, column: str, message: str) -> None:
        if len(self.job.errors) < MAX_ERRORS:
            self.job.errors.append(_("line %(line)d, column %(column)s: %(message)s") % {
                "line": line, "column": column, "message": message})

    def fatal(self, message: str) -> None:
        self.job.errors.insert(0, message)

    def save(self, *fields: str) -> None:
        self.job.save(update_fields=["rows_read", "rows_written", "rows_refused", "errors", *fields])


def _header(row: list, columns: dict[str, tuple[str, ...]]) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Position and title of each known column; the titles of the columns dropped unread."""
    positions, titles, ignored = {}, {}, []
    by_title = {title.lower(): name for name, aliases in columns.items() for title in aliases}
    for position, cell in enumerate(row):
        title = cell_text(cell).lstrip("\ufeff").strip()
        name = by_title.get(title.lower())
        if name and name not in positions:
            positions[name], titles[name] = position, title
        elif title:
            ignored.append(title)
    return positions, titles, ignored


def _cell(values: list, positions: dict[str, int], name: str) -> str:
    position = positions.get(name)
    if position is None or position >= len(values):
        return ""
    value = values[position]
    # A CSV cell is text already (the million-row path); what is stored is checked against a pattern or a table,
    # so a control character never reaches the database.
    return value.strip() if value.__class__ is str else cell_text(value)


def registry_import(*, registry_id: int, path: Path, kind: str, as_of: dt.date, actor=None,
                    file_name: str = "") -> RegistryImport:
    """Import one export into the register (see the module's docstring) and return its log row. ``actor`` None is
    the system (a command, the demo, the benchmark); a person must be of the owning department or an administrator."""
    if kind not in RegistryImport.Kind.values:
        raise RegistryError(_("Unknown kind of file %(kind)s.") % {"kind": kind})
    registry = Registry.objects.select_related("owner_unit").get(pk=registry_id)
    if actor is not None and not registry_kept_by(actor, registry):
        raise NotRegistryKeeper(_("Only the department that keeps this register imports into it."))
    with transaction.atomic():
        # One import of a register at a time: two snapshots interleaved would retire each other's records. The
        # register's row is the lock; an import still "running" after RUNNING_STALE was killed and no longer counts.
        Registry.objects.select_for_update().filter(pk=registry.pk).first()
        now = timezone.now()
        running = RegistryImport.objects.filter(registry=registry, status=RegistryImport.Status.RUNNING,
                                                started_at__gte=now - RUNNING_STALE).first()
        if running is not None:
            raise RegistryError(_("Another import of this register is running (started %(at)s): wait for it to "
                                  "end.") % {"at": timezone.localtime(running.started_at).strftime("%Y-%m-%d %H:%M")})
        job = RegistryImport.objects.create(registry=registry, kind=kind, file_name=(file_name or path.name)[:200],
                                            as_of=as_of, imported_by=actor, started_at=now)
    log = _Log(job)
    try:
        if kind == RegistryImport.Kind.RECORDS:
            _records_import(registry, job, log, path)
        else:
            _counts_import(registry, job, log, path)
    except FileUnreadable as exc:
        log.fatal(_("file: %(problem)s") % {"problem": exc})
    if job.status == RegistryImport.Status.RUNNING:  # ended without writing its figures
        job.status = RegistryImport.Status.FAILED
    job.finished_at = timezone.now()
    log.save("ignored_columns", "status", "finished_at")
    if job.status == RegistryImport.Status.DONE:
        register_measured_refresh(source=registry.kind)  # the campaign's tasks measured from this register
    return job


# -- records ---------------------------------------------------------------------------------------------------

def _communities() -> tuple[dict[str, int], dict[str, int | None]]:
    """Community ids by code, and by name (None for a name several communities share)."""
    by_code, by_name = {}, {}
    for pk, code, name in Area.objects.filter(level=AreaLevel.COMMUNITY).values_list("pk", "code", "name"):
        by_code[code] = pk
        by_name[name] = None if name in by_name else pk
    return by_code, by_name


_COLUMNS = ("registry_id", "number", "status", "dangerous", "area_id", "registered_on", "expires_on", "active",
            "last_import_id")
_UPDATED = [c.removesuffix("_id") for c in _COLUMNS[2:]]


def _upsert(rows: list[tuple]) -> None:
    """Insert or update the batch's records on (register, number), in the caller's transaction: one
    ``INSERT … ON CONFLICT DO UPDATE`` per batch through the ORM (bench/registry_import.py: 1,000,000 records well
    inside the two minutes on SQLite and PostgreSQL, so no COPY or hand-written SQL)."""
    RegistryRecord.objects.bulk_create(
        [RegistryRecord(**dict(zip(_COLUMNS, row, strict=True))) for row in rows], update_conflicts=True,
        unique_fields=["registry", "number"], update_fields=_UPDATED)


def _numbers_touch(registry: Registry, job: RegistryImport, numbers: list[str]) -> None:
    """Mark records whose line was refused as listed, so the snapshot does not retire them."""
    for start in range(0, len(numbers), 500):
        RegistryRecord.objects.filter(registry=registry, number__in=numbers[start:start + 500]).update(last_import=job)


def _records_import(registry: Registry, job: RegistryImport, log: _Log, path: Path) -> None:
    rows = table_stream(path)
    header = next(rows, None)
    if header is None:
        raise FileUnreadable(_("is empty"))
    positions, titles, job.ignored_columns = _header(header, RECORD_COLUMNS)
    missing = [RECORD_COLUMNS[name][0] for name in ("number", "status") if name not in positions]
    if "community_code" not in positions and "community_name" not in positions:
        missing.append(f"{RECORD_COLUMNS['community_code'][0]} / {RECORD_COLUMNS['community_name'][0]}")
    if missing:
        log.fatal(_("line 1: the column %(columns)s is missing; nothing was written") % {"columns": "、".join(missing)})
        return
    statuses = STATUS_WORDS[registry.kind]
    allowed = "、".join(str(s.label) for s in KIND_STATUSES[registry.kind])
    by_code, by_name = _communities()
    is_dog = registry.kind == RegistryKind.DOG
    batch: dict[str, tuple] = {}
    kept: list[str] = []
    kept_overflow = False

    def flush() -> None:
        with transaction.atomic():
            _upsert(list(batch.values()))
            job.rows_written += len(batch)
            log.save()
        batch.clear()

    for line, values in enumerate(rows, 2):
        cells = {name: _cell(values, positions, name) for name in positions}
        if not any(cells.values()):
            continue
        job.rows_read += 1
        problems: list[tuple[str, str]] = []
        number = number_normalise(cells["number"])
        if problem := number_problem(number):
            problems.append((titles["number"], problem))
        status_text = cells["status"]
        status = statuses.get(status_text.lower())
        if status is None:
            problems.append((titles["status"], _("unknown status \"%(value)s\": use %(allowed)s") % {
                "value": status_text, "allowed": allowed}))
        code = cells.get("community_code", "")
        name = cells.get("community_name", "")
        area_id = by_code.get(code) if code else by_name.get(name)
        if area_id is None:
            if code:
                problems.append((titles["community_code"], _("no community has the code %(code)s") % {"code": code}))
            elif name and name in by_name:
                problems.append((titles["community_name"], _("several communities are called %(name)s: give the "
                                                              "code") % {"name": name}))
            elif name:
                problems.append((titles["community_name"], _("no community is called %(name)s") % {"name": name}))
            else:
                problems.append((titles.get("community_code") or titles["community_name"], _("is empty")))
        dates = []
        for field_name in ("registered_on", "expires_on"):
            text = cells.get(field_name, "")
            try:
                dates.append(date_parse(text))
            except ValueError:
                problems.append((titles[field_name], _("\"%(value)s\" is not a date (2024-01-31)") % {"value": text}))
        dangerous = False
        if is_dog and "dangerous" in positions:
            mark = cells["dangerous"].lower()
            if mark in YES:
                dangerous = True
            elif mark not in NO:
                problems.append((titles["dangerous"], _("write 是 or 否")))
        if problems:
            job.rows_refused += 1
            for column, message in problems:
                log.error(line, column, message)
            if number and not number_problem(number) and not kept_overflow:
                kept.append(number)
                kept_overflow = len(kept) > MAX_KEPT
            continue
        batch[number] = (registry.pk, number, status, dangerous, area_id, dates[0], dates[1], True, job.pk)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    if not job.rows_written:
        log.fatal(_("No line could be read: nothing was written."))
        return
    with transaction.atomic():
        if kept and not kept_overflow:
            _numbers_touch(registry, job, kept)
        if not kept_overflow:
            job.deactivated = (RegistryRecord.objects.filter(registry=registry, active=True)
                               .exclude(last_import=job).update(active=False))
        figures_compute(registry=registry, as_of=job.as_of)
        job.status = RegistryImport.Status.DONE
        job.finished_at = timezone.now()
        log.save("deactivated", "ignored_columns", "status", "finished_at")


# -- counts per area ----------------------------------------------------------------------------------------------

def _count(text: str) -> int:
    value = int(text.replace(",", ""))
    if value < 0:
        raise ValueError(text)
    return value


def _counts_import(registry: Registry, job: RegistryImport, log: _Log, path: Path) -> None:
    rows = table_stream(path)
    header = next(rows, None)
    if header is None:
        raise FileUnreadable(_("is empty"))
    positions, titles, job.ignored_columns = _header(header, COUNT_COLUMNS)
    missing = [COUNT_COLUMNS[name][0] for name in ("area_code", "total", "compliant") if name not in positions]
    if missing:
        log.fatal(_("line 1: the column %(columns)s is missing; nothing was written") % {"columns": "、".join(missing)})
        return
    areas = {code: (pk, level) for pk, code, level in Area.objects.values_list("pk", "code", "level")}
    tallies: dict[int, Tally] = {}
    level_given = None
    for line, values in enumerate(rows, 2):
        if not any(cell_text(v) for v in values):
            continue
        job.rows_read += 1
        problems: list[tuple[str, str]] = []
        code = _cell(values, positions, "area_code")
        area = areas.get(code)
        if area is None:
            problems.append((titles["area_code"], _("no area has the code %(code)s") % {"code": code}))
        elif area[0] in tallies:
            problems.append((titles["area_code"], _("the area %(code)s appears twice") % {"code": code}))
        elif level_given and area[1] != level_given:
            problems.append((titles["area_code"], _("give every area at the same level (the first line's)")))
        else:
            level_given = level_given or area[1]
        numbers = {}
        for field_name in ("total", "compliant", "dangerous"):
            text = _cell(values, positions, field_name)
            try:
                numbers[field_name] = _count(text) if text else 0
            except ValueError:
                problems.append((titles[field_name], _("\"%(value)s\" is not a whole number") % {"value": text}))
        if not problems and numbers["compliant"] > numbers["total"]:
            problems.append((titles["compliant"], _("more than the total")))
        if problems:
            job.rows_refused += 1
            for column, message in problems:
                log.error(line, column, message)
            continue
        tallies[area[0]] = Tally(numbers["total"], numbers["compliant"], numbers["dangerous"])
    if job.rows_refused or not tallies:
        log.fatal(_("The counts are taken whole or not at all: nothing was written."))
        return
    with transaction.atomic():
        job.rows_written = figures_write(registry=registry, as_of=job.as_of, tallies=tallies_rolled_up(tallies),
                                         source=RegistryFigure.Source.IMPORTED)
        job.status = RegistryImport.Status.DONE
        job.finished_at = timezone.now()
        log.save("ignored_columns", "status", "finished_at")
