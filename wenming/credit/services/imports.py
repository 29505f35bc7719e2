"""Imports of a department's export (CSV or XLSX) into its credit source, streamed: the file is read row by row
(CSV, or XLSX through openpyxl's read-only mode) so a million rows take flat memory.

Two passes over the file. The first checks every line (``rows.record_read``: the same checks as the REST push) and
writes nothing; a file with any bad line is refused whole, with the first errors and their line numbers. The second
upserts the lines in batches on (source, record id) through the ORM (``bulk_create(update_conflicts=True)``), the
subjects first (on their key: the credit code, or a natural person's hashed identity number). Importing the same
file twice gives the same records. Then subjects are linked to the platform's shops and units, and the import is
logged (``CreditImport`` and one ``CreditEvent``).

Only the columns named in ``rows.COLUMNS`` are read; any other (addresses, phones, legal representatives…) is
dropped unread, and an identity number is kept only as a keyed hash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.common.tabular_import import FileUnreadable, cell_text, table_stream
from wenming.credit.errors import CreditError, NotCreditKeeper
from wenming.credit.models import CreditEvent, CreditImport, CreditRecord, CreditSource, CreditSubject
from wenming.credit.selectors import sources_kept
from wenming.credit.services.records import subjects_link
from wenming.credit.services.rows import COLUMNS, RecordInput, record_read

BATCH = 5000
MAX_ERRORS = 100
# An import still marked running after this long was stopped (killed, crashed): it no longer blocks the next one.
RUNNING_STALE = dt.timedelta(hours=2)

_RECORD_FIELDS = ("subject", "kind", "decided_by", "decided_on", "reason", "effective_from", "effective_until",
                  "public", "updated_at")
_REPAIR_FIELDS = (*_RECORD_FIELDS, "repaired_on", "repair_reason")




def _header(row: list) -> tuple[dict[str, int], dict[str, str]]:
    positions, titles = {}, {}
    by_title = {title.lower(): name for name, aliases in COLUMNS.items() for title in aliases}
    for position, cell in enumerate(row):
        title = cell_text(cell).lstrip("\ufeff").strip()
        name = by_title.get(title.lower())
        if name and name not in positions:
            positions[name], titles[name] = position, title
    return positions, titles


def _lines(path: Path, positions: dict[str, int]) -> Iterator[tuple[int, dict[str, str]]]:
    rows = table_stream(path, max_col=60)
    next(rows, None)
    for line, values in enumerate(rows, 2):
        cells = {}
        for name, position in positions.items():
            value = values[position] if position < len(values) else None
            # A CSV cell is text already (the million-row path); an XLSX cell goes through cell_text, which drops
            # control characters. Every stored text is checked against a pattern, a table or a length.
            cells[name] = value if value.__class__ is str else cell_text(value)
        if any(cells.values()):
            yield line, cells


class _Log:
    def __init__(self, job: CreditImport):
        self.job = job

    def error(self, line: int, column: str, message: str) -> None:
        if len(self.job.errors) < MAX_ERRORS:
            self.job.errors.append(_("line %(line)d, column %(column)s: %(message)s") % {
                "line": line, "column": column, "message": message})

    def fatal(self, message: str) -> None:
        self.job.errors.insert(0, message)

    def save(self, *fields: str) -> None:
        self.job.save(update_fields=["rows_read", "rows_written", "rows_refused", "errors", *fields])


def credit_import(*, source_id: int, path: Path, actor=None, file_name: str = "") -> CreditImport:
    """Import one export into the source (see the module's docstring) and return its log row. ``actor`` None is the
    system (the command, the demo, the benchmark); a person must keep the source (its department, or an
    administrator)."""
    source = CreditSource.objects.select_related("owner_unit").get(pk=source_id)
    if actor is not None and not sources_kept(actor).filter(pk=source.pk).exists():
        raise NotCreditKeeper(_("Only the department that keeps this source imports into it."))
    with transaction.atomic():
        # One import of a source at a time; the source's row is the lock.
        CreditSource.objects.select_for_update().filter(pk=source.pk).first()
        now = timezone.now()
        running = CreditImport.objects.filter(source=source, status=CreditImport.Status.RUNNING,
                                              started_at__gte=now - RUNNING_STALE).first()
        if running is not None:
            raise CreditError(_("Another import of this source is running (started %(at)s): wait for it to end.") % {
                "at": timezone.localtime(running.started_at).strftime("%Y-%m-%d %H:%M")})
        job = CreditImport.objects.create(source=source, file_name=(file_name or path.name)[:200], imported_by=actor,
                                          started_at=now)
    log = _Log(job)
    try:
        _import(source, job, log, path)
    except FileUnreadable as exc:
        log.fatal(_("file: %(problem)s") % {"problem": exc})
    if job.status == CreditImport.Status.RUNNING:
        job.status = CreditImport.Status.FAILED
    job.finished_at = timezone.now()
    log.save("status", "finished_at")
    return job


def _check(source: CreditSource, job: CreditImport, log: _Log, path: Path) -> dict[str, int] | None:
    """Pass 1: check every line, write nothing. The columns' positions when the file may be written, else None
    (the problems are in the job's errors)."""
    header = next(table_stream(path, max_col=60), None)
    if header is None:
        raise FileUnreadable(_("is empty"))
    positions, titles = _header(header)
    missing = [COLUMNS[name][0] for name in ("record_id", "kind", "name") if name not in positions]
    if "credit_code" not in positions and "id_number" not in positions:
        missing.append(f"{COLUMNS['credit_code'][0]} / {COLUMNS['id_number'][0]}")
    if missing:
        log.fatal(_("line 1: the column %(columns)s is missing; nothing was written") % {"columns": "、".join(missing)})
        return None
    kinds = list(source.kinds)
    today = timezone.localdate()
    for line, cells in _lines(path, positions):
        job.rows_read += 1
        item, problems = record_read(cells, kinds=kinds, today=today)
        if item is None:
            job.rows_refused += 1
            for field, message in problems:
                log.error(line, titles.get(field, COLUMNS[field][0]), message)
    if job.rows_refused:
        log.fatal(_("%(count)d lines have errors: nothing was written. Correct them and import the file again.") % {
            "count": job.rows_refused})
        return None
    if not job.rows_read:
        log.fatal(_("The file holds no records: nothing was written."))
        return None
    return positions


def credit_import_check(*, source_id: int, path: Path) -> CreditImport:
    """A dry run: the file checked as the import checks it, nothing written (the returned log row is not saved)."""
    source = CreditSource.objects.get(pk=source_id)
    job = CreditImport(source=source, file_name=path.name, started_at=timezone.now())
    try:
        if _check(source, job, _Log(job), path) is not None:
            job.status = CreditImport.Status.DONE
    except FileUnreadable as exc:
        _Log(job).fatal(_("file: %(problem)s") % {"problem": exc})
        job.status = CreditImport.Status.FAILED
    return job


def _import(source: CreditSource, job: CreditImport, log: _Log, path: Path) -> None:
    positions = _check(source, job, log, path)
    if positions is None:
        return
    kinds = list(source.kinds)
    today = timezone.localdate()
    # Pass 2: upsert in batches.
    batch: dict[str, RecordInput] = {}
    codes: set[str] = set()

    def flush() -> None:
        with transaction.atomic():
            _write(source, list(batch.values()))
            job.rows_written += len(batch)
            log.save()
        codes.update(item.credit_code for item in batch.values() if item.credit_code)
        batch.clear()

    for _line, cells in _lines(path, positions):
        item, _problems = record_read(cells, kinds=kinds, today=today)
        if item is None:  # the file changed between the passes
            raise FileUnreadable(_("changed while it was being imported"))
        batch[item.record_id] = item
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    with transaction.atomic():
        subjects_link()
        job.status = CreditImport.Status.DONE
        job.finished_at = timezone.now()
        log.save("status", "finished_at")
        CreditEvent.objects.create(source=source, actor=job.imported_by, action=CreditEvent.Action.IMPORT,
                                   data={"import": job.pk, "file": job.file_name, "rows": job.rows_written})


def _write(source: CreditSource, items: list[RecordInput]) -> None:
    """Upsert the batch's subjects (on their key) and records (on source and record id), in the caller's
    transaction: two ``INSERT … ON CONFLICT DO UPDATE`` per batch through the ORM (three when lines carry repairs)."""
    subjects: dict[str, CreditSubject] = {}
    for item in items:
        subjects[item.subject_key] = CreditSubject(key=item.subject_key, credit_code=item.credit_code, name=item.name,
                                                   kind=item.subject_kind)
    written = CreditSubject.objects.bulk_create(list(subjects.values()), update_conflicts=True, unique_fields=["key"],
                                                update_fields=["name"])
    ids = {s.key: s.pk for s in written}
    if any(pk is None for pk in ids.values()):  # a backend that returns no ids on conflict: read them
        ids = dict(CreditSubject.objects.filter(key__in=list(ids)).values_list("key", "pk"))
    now = timezone.now()
    plain, repaired = [], []
    for item in items:
        record = CreditRecord(
            source=source, source_record_id=item.record_id, subject_id=ids[item.subject_key], kind=item.kind,
            decided_by=item.decided_by, decided_on=item.decided_on, reason=item.reason,
            effective_from=item.effective_from, effective_until=item.effective_until, public=item.public,
            repaired_on=item.repaired_on, repair_reason=item.repair_reason, updated_at=now)
        (repaired if item.repaired_on else plain).append(record)
    # A line without a repair leaves a repair made in the platform as it is.
    if plain:
        CreditRecord.objects.bulk_create(plain, update_conflicts=True, unique_fields=["source", "source_record_id"],
                                         update_fields=list(_RECORD_FIELDS))
    if repaired:
        CreditRecord.objects.bulk_create(repaired, update_conflicts=True, unique_fields=["source", "source_record_id"],
                                         update_fields=list(_REPAIR_FIELDS))
