"""Orphan files: files in the storage that no row points to, and the sweep that removes them.

``storage_save`` deletes a file when its transaction rolls back, but a worker killed (``kill -9``) between writing a
file and committing runs no rollback, and a database restored from a backup taken before the media folder's leaves
the files of the rows it lost. ``files_sweep`` removes such files once they are older than any request can be, so a
file whose request is still writing its row is never touched.

What references a file is found generically: every FileField (ImageField too) of every installed model. Only folders
the app writes are walked: the fixed part of each FileField's ``upload_to`` and the folders apps register with
``stored_files_register``, never the whole storage.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from functools import reduce
from operator import or_

from django.apps import apps
from django.core.files.storage import Storage, default_storage
from django.db import models
from django.db.models import Q
from django.utils import timezone

from wenming.common.files import stored_files_registered
from wenming.common.services.audit import audit_event_record

log = logging.getLogger(__name__)

SWEEP_AGE = dt.timedelta(minutes=60)  # the periodic sweep's bound: far beyond any request's time limit
_BATCH = 500  # orphan candidates confirmed per query
_SAMPLE = 100  # orphan names kept in the result, for a dry run to show


@dataclasses.dataclass
class SweepResult:
    folders: list[str]
    older_than_minutes: float
    dry_run: bool = False
    files: int = 0  # files looked at
    referenced: int = 0  # kept: a row points to them
    young: int = 0  # kept: no row yet, but newer than the bound (their request may still be writing it)
    orphans: int = 0  # no row and older than the bound: removed, or on a dry run the ones that would be
    removed: int = 0
    failed: int = 0  # orphans the storage would not delete (logged)
    bytes_removed: int = 0
    # No row names any file: the database is not the one these files belong to (a wrong DATABASE_URL, an empty
    # restore), so nothing is removed.
    no_rows: bool = False
    sample: list[str] = dataclasses.field(default_factory=list)

    def counts(self) -> dict:
        """The figures without the sample of names: what the audit log and the task result keep."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "sample"}


def _file_columns() -> list[tuple[type[models.Model], list[str]]]:
    """(model, columns) for every model with a FileField."""
    columns = []
    for model in apps.get_models():
        if model._meta.proxy:  # its table is its parent's, walked once
            continue
        names = sorted(f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField))
        if names:
            columns.append((model, names))
    return columns


def _fixed_folder(upload_to) -> str:
    """The folder a FileField's upload_to names before any date pattern ("progress/%Y/%m/" → "progress/"); ""
    when it names none (a function, or the storage's root, which is never swept whole)."""
    if not isinstance(upload_to, str):
        return ""
    if "%" in upload_to:
        fixed = upload_to.split("%", 1)[0]
        upload_to = fixed.rsplit("/", 1)[0] if "/" in fixed else ""
    folder = upload_to.strip("/")
    return f"{folder}/" if folder and ".." not in folder.split("/") else ""


def _sweep_plan() -> list[tuple[Storage, list[str]]]:
    """Each storage the FileFields write to, with the folders to walk in it (a folder inside another is walked
    with it). Registered folders are in the default storage."""
    plan: dict[int, tuple[Storage, set[str]]] = {id(default_storage): (default_storage, set(stored_files_registered()))}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField) and (folder := _fixed_folder(field.upload_to)):
                plan.setdefault(id(field.storage), (field.storage, set()))[1].add(folder)
    result = []
    for storage, folders in plan.values():
        outer: list[str] = []
        for folder in sorted(folders):
            if not any(folder.startswith(o) for o in outer):
                outer.append(folder)
        if outer:
            result.append((storage, outer))
    return result


def _key(name: str) -> int:
    # A name as 8 bytes of its digest keeps the snapshot small (~75 MB per million files); a collision could only
    # keep an orphan, and every removal is confirmed against the database first.
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big")


def _referenced_snapshot(columns) -> set[int]:
    keys: set[int] = set()
    for model, names in columns:
        # The base manager: a manager that hides rows (archived, soft-deleted) must not hide their files.
        for row in model._base_manager.values_list(*names).iterator(chunk_size=5000):
            keys.update(_key(n) for n in row if n)
    return keys


def _referenced_now(columns, names: list[str]) -> set[str]:
    found: set[str] = set()
    for model, fields in columns:
        query = reduce(or_, (Q(**{f"{field}__in": names}) for field in fields))
        for row in model._base_manager.filter(query).values_list(*fields):
            found.update(row)
    return found


def _walk(storage: Storage, folder: str):
    pending = [folder]
    while pending:
        path = pending.pop()
        try:
            dirs, files = storage.listdir(path)
        except FileNotFoundError:  # the folder was never written, or went while we walked
            continue
        yield from (f"{path}{name}" for name in sorted(files))
        pending.extend(f"{path}{name}/" for name in sorted(dirs, reverse=True))


def files_sweep(*, older_than: dt.timedelta, dry_run: bool = False) -> SweepResult:
    """Remove the files under the app's folders that no row points to and that are older than ``older_than``
    (by the storage's modification time). Return the counts; one audit entry records a sweep that removed any.

    A file is removed only when it was written before ``now - older_than`` and no row named it, neither in the
    snapshot of every file column taken when the sweep started nor in a query just before its removal: only a
    request still running after ``older_than`` could lose its file. When no row names any file at all, the
    database is taken for the wrong one and nothing is removed (``no_rows``).
    """
    if older_than < dt.timedelta(0):
        raise ValueError("older_than must not be negative")
    columns = _file_columns()
    plan = _sweep_plan()
    cutoff = timezone.now() - older_than  # before the snapshot: a row committed after it is confirmed later
    referenced = _referenced_snapshot(columns)
    result = SweepResult(folders=[f for _s, folders in plan for f in folders],
                         older_than_minutes=older_than.total_seconds() / 60, dry_run=dry_run, no_rows=not referenced)

    def remove(storage: Storage, candidates: list[str]) -> None:
        still = _referenced_now(columns, candidates)
        for name in candidates:
            if name in still:
                result.referenced += 1
                continue
            result.orphans += 1
            if len(result.sample) < _SAMPLE:
                result.sample.append(name)
            if dry_run or result.no_rows:
                continue
            try:
                size = storage.size(name)
                storage.delete(name)
            except FileNotFoundError:  # gone meanwhile: nothing left to remove
                continue
            except Exception:  # OSError on disk; an object store raises its own client errors
                result.failed += 1
                log.warning("files sweep: could not remove %s", name, exc_info=True)
                continue
            result.removed += 1
            result.bytes_removed += size

    for storage, folders in plan:
        for folder in folders:
            candidates: list[str] = []
            for name in _walk(storage, folder):
                result.files += 1
                if _key(name) in referenced:
                    result.referenced += 1
                    continue
                try:
                    modified = storage.get_modified_time(name)
                except Exception:  # removed meanwhile (a rollback's cleanup); an object store says so its own way
                    if storage.exists(name):
                        raise
                    result.files -= 1
                    continue
                if modified > cutoff:
                    result.young += 1
                    continue
                candidates.append(name)
                if len(candidates) >= _BATCH:
                    remove(storage, candidates)
                    candidates = []
            if candidates:
                remove(storage, candidates)

    if result.no_rows and result.orphans:
        log.error("files sweep: no row names any stored file, %d files kept: is this their database?", result.orphans)
    if result.removed or result.failed:
        log.warning("files sweep removed %d orphan files (%d bytes), %d could not be removed",
                    result.removed, result.bytes_removed, result.failed)
        audit_event_record(
            action="files.sweep",
            summary=f"files sweep: {result.removed} orphan files removed ({result.bytes_removed} bytes), "
                    f"{result.failed} not removed, older than {result.older_than_minutes:g} min",
            data=result.counts())
    return result
