"""The submission package (网报材料包): every approved material's latest version in one zip, laid out as
``<domain code>/<criterion code>/<requirement>/<file>``, with an index workbook (criterion, requirement, file,
version, grade, reviewer, SHA-256) at its end, streamed.

The zip is written by the standard library's ``zipfile`` into a sink that cannot seek (so each entry carries a
data descriptor instead of sizes rewritten in place), and each file is read from storage in chunks: what the
generator holds at any moment is one chunk and the list of entries, however many and large the files are."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from wenming.common.errors import NotAllowed
from wenming.common.files import display_name, download_filename
from wenming.common.tabular import xlsx_row
from wenming.evaluation.models import Edition, MaterialFile, MaterialGrade, MaterialState
from wenming.evaluation.services.materials import can_review_materials

CHUNK = 256 * 1024
_UNSAFE = str.maketrans(dict.fromkeys('/\\:*?"<>|', "_"))


@dataclass(frozen=True)
class PackageEntry:
    path: str  # inside the zip
    stored: str  # the storage name
    domain: str
    criterion: str
    requirement: str
    name: str
    revision: int
    grade: str
    reviewer: str
    sha256: str
    size: int


def _part(text: str, limit: int = 60) -> str:
    """One folder or file name of the zip: no separators, control characters or leading dots."""
    return display_name(str(text), limit=limit).translate(_UNSAFE).strip(" .") or "_"


def package_entries(edition: Edition) -> list[PackageEntry]:
    """The latest version of every approved material of the edition, file by file (one query)."""
    grades = dict(MaterialGrade.choices)
    rows = (MaterialFile.objects.filter(submission__requirement__edition=edition,
                                        submission__requirement__state=MaterialState.APPROVED,
                                        submission__requirement__latest=F("submission"))
            .order_by("submission__requirement__criterion__domain__code", "submission__requirement__criterion__code",
                      "submission__requirement__sort", "submission__requirement_id", "sort", "pk")
            .values_list("file", "name", "format", "sha256", "size", "sort", "submission__revision",
                         "submission__grade", "submission__reviewed_by__display_name",
                         "submission__requirement_id", "submission__requirement__title",
                         "submission__requirement__criterion__code",
                         "submission__requirement__criterion__domain__code"))
    entries = []
    folders: dict[int, str] = {}
    taken: set[str] = set()
    for stored, name, fmt, sha, size, sort, revision, grade, reviewer, req_id, title, criterion, domain in rows:
        folder = folders.get(req_id)
        if folder is None:
            folder = f"{_part(domain, 32)}/{_part(criterion, 32)}/{_part(title)}"
            if folder in taken:  # two requirements whose titles clean to the same folder name
                folder = f"{folder}-{req_id}"
            folders[req_id] = folder
            taken.add(folder)
        file_name = f"{sort + 1:02d}-{_part(download_filename(name, fmt), 100)}"
        path = f"{folder}/{file_name}"
        entries.append(PackageEntry(path=path, stored=stored, domain=domain, criterion=criterion, requirement=title,
                                    name=name, revision=revision, grade=str(grades.get(grade, grade)),
                                    reviewer=reviewer or "", sha256=sha, size=size))
    return entries


def package_index_bytes(entries: list[PackageEntry]) -> bytes:
    """The index workbook (formula-safe cells: file names and titles come from the units)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Index"))
    sheet.append([_("Domain"), _("Criterion"), _("Required material"), _("File"), _("Version"), _("Quality grade"),
                  _("Reviewer"), _("Size (bytes)"), "SHA-256"])
    for e in entries:
        sheet.append(xlsx_row(sheet, [e.domain, e.criterion, e.requirement, e.path, e.revision, e.grade, e.reviewer,
                                      e.size, e.sha256]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class _Sink:
    """Where ``zipfile`` writes: it cannot seek or tell, so the bytes written are taken out as they come."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _stamp(now: dt.datetime) -> tuple:
    local = timezone.localtime(now)
    return (max(local.year, 1980), local.month, local.day, local.hour, local.minute, local.second)


def material_package_stream(*, edition: Edition, actor, now: dt.datetime | None = None,
                            storage=default_storage) -> Iterator[bytes]:
    """The package as a generator of byte chunks (the view streams it). The evaluation office's only."""
    if not can_review_materials(actor):
        raise NotAllowed(_("Only the evaluation office downloads the submission package."))
    entries = package_entries(edition)
    stamp = _stamp(now or timezone.now())
    return _stream(entries, stamp, storage)


def _stream(entries: list[PackageEntry], stamp: tuple, storage) -> Iterator[bytes]:
    """The files first (the first bytes leave at once), the index workbook last."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as package:
        for entry in entries:
            info = zipfile.ZipInfo(entry.path, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED
            with package.open(info, "w", force_zip64=entry.size > 2**31) as target, storage.open(entry.stored,
                                                                                                  "rb") as source:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    data = sink.take()
                    if data:
                        yield data
            yield sink.take()
        package.writestr(zipfile.ZipInfo(_("index") + ".xlsx", date_time=stamp), package_index_bytes(entries))
        yield sink.take()
    yield sink.take()
