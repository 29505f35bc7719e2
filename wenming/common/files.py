"""Stored files: what a file really is (from its bytes), writing it only for rows that commit, reading an
upload without trusting it, and serving a stored file so the browser cannot be talked into running it.

Files live outside the database, so a rolled-back transaction would leave them behind (and, on SQLite, a
reused id would put them beside the next case's). ``storage_save`` gives every name a random part and
deletes the file again when the transaction, or the savepoint, it was written in rolls back. A worker killed
(``kill -9``) between writing and committing runs no rollback at all: ``files_sweep``
(``wenming.common.services.files``) removes such files later, under the folders registered here.
"""

from __future__ import annotations

import logging
import secrets
import unicodedata
import weakref
from collections.abc import Iterable
from pathlib import PurePosixPath
from urllib.parse import quote

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.http import FileResponse

log = logging.getLogger(__name__)

HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis", b"avif"}
# Types a browser may show in the page; anything else is offered as a download.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
READ_CHUNK = 256 * 1024

# Folders the sweep walks beyond those it reads off the FileFields (a FileField whose upload_to is a function names
# no folder). Filled by the owning apps in their AppConfig.ready, so common never imports them.
_SWEPT_FOLDERS: set[str] = set()


def stored_files_register(*, folders: Iterable[str]) -> None:
    """Declare folders of the storage that only this app writes (``"evidence/"``), for the orphan-file sweep."""
    for folder in folders:
        clean = folder.strip("/")
        if not clean or clean.startswith(".") or ".." in clean.split("/"):
            raise ValueError(f"not a folder under the storage: {folder!r}")
        _SWEPT_FOLDERS.add(clean + "/")


def stored_files_registered() -> frozenset[str]:
    """The folders registered so far."""
    return frozenset(_SWEPT_FOLDERS)


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from a file's first bytes, for the formats Wenming accepts."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heic", "heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    return None


def display_name(name: str, *, limit: int = 80) -> str:
    """A client's file name fit for a message: no control or direction characters, no folders, not endless."""
    name = PurePosixPath(str(name or "").replace("\\", "/")).name
    clean = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return (clean[: limit - 1] + "…" if len(clean) > limit else clean) or "?"


def upload_read(upload, *, limit: int) -> bytes | None:
    """The bytes of an uploaded file, or None when it is larger than ``limit``: the declared size is checked
    first and the reading stops past the limit, so a large upload is never held in memory whole."""
    if upload.size is not None and upload.size > limit:
        return None
    upload.seek(0)
    parts, total = [], 0
    for chunk in upload.chunks(READ_CHUNK):
        total += len(chunk)
        if total > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


def random_name(stem: str, extension: str) -> str:
    """``stem-<random>.ext``: never the name a rolled-back attempt (or another case) already used."""
    return f"{stem}-{secrets.token_hex(8)}.{extension}"


def storage_save(*, storage: Storage, name: str, content: bytes, using: str | None = None) -> str:
    """Write a file that belongs to rows written in the current transaction; return its stored name.

    Without a transaction the file simply stays. Inside one it is deleted again unless that transaction
    commits: any rollback (of the whole transaction, of the savepoint it was written in, or of a caller's
    transaction around it) drops Django's list of commit callbacks, and the callback marking the file as kept
    is then collected unrun, which deletes the file.
    """
    saved = storage.save(name, ContentFile(content))
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        _delete_unless_committed(storage, saved, using)
    return saved


def field_file_save(field_file, *, stem: str, extension: str, content: bytes) -> None:
    """``storage_save`` for a model's file field: named by the field's ``upload_to`` (the one place a folder is
    chosen), with a random part after ``stem``."""
    name = field_file.field.generate_filename(field_file.instance, random_name(stem, extension))
    field_file.name = storage_save(storage=field_file.storage, name=name, content=content)


def _delete_unless_committed(storage: Storage, name: str, using: str | None) -> None:
    state = {"committed": False}
    connection = transaction.get_connection(using)

    def committed() -> None:
        state["committed"] = True

    def sweep() -> None:
        # Django also drops the hooks still queued when an earlier one raises (a task queue down) after the commit;
        # its flag "a commit's hooks are due" is still set then, and the rows naming the file exist.
        if state["committed"] or getattr(connection, "run_commit_hooks_on_set_autocommit_on", False):
            return
        try:
            storage.delete(name)
        except OSError:  # a file left behind is an orphan, not an error worth failing the rollback for
            log.warning("could not delete %s after a rollback", name, exc_info=True)

    # The callback is referenced only by the connection's list: run on commit, then dropped; dropped unrun on
    # rollback. Either way the finalizer runs once it is gone (or at exit, when the transaction never ended).
    weakref.finalize(committed, sweep)
    transaction.on_commit(committed, using=using)


def download_filename(name: str, extension: str) -> str:
    """The name a download is saved under: the client's stem (cleaned) with the extension of what the bytes
    really are, so ``x.html`` that is a PDF is saved as ``x.pdf``."""
    stem = display_name(name, limit=100)
    stem = stem.rsplit(".", 1)[0] if "." in stem[1:] else stem
    stem = "".join("_" if ch in '/\\:*?"<>|;' else ch for ch in stem).strip(" .") or "file"
    return f"{stem}.{extension}"


def content_disposition(disposition: str, filename: str, *, fallback: str = "") -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''…`` (RFC 6266 / RFC 5987): the plain name for old
    clients (``fallback``, else the name) with anything not printable ASCII replaced, the exact name for the rest."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in fallback or filename)
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(field_file, *, name: str, inline_types: frozenset[str] = INLINE_TYPES) -> FileResponse:
    """Serve a stored file with the type its bytes show (never the type recorded at upload): a photo a browser
    can show inline, everything else as a download, and ``nosniff`` so no browser guesses otherwise.

    Raises FileNotFoundError when the file is gone."""
    handle = field_file.open("rb")
    head = handle.read(32)
    handle.seek(0)
    sniffed = sniff(head)
    content_type, extension = sniffed or ("application/octet-stream", "bin")
    disposition = "inline" if content_type in inline_types else "attachment"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(disposition, download_filename(name, extension))
    response["X-Content-Type-Options"] = "nosniff"
    return response
