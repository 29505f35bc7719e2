"""Checks on an uploaded material file before anything is stored: what it really is (from its bytes, never its
name), its size, a PDF's pages (a broken or encrypted PDF is refused), an image's resolution and decompression
bomb (``common.images``), and the formats the requirement allows. Every refusal names the file, in the user's
language. The same bytes submitted under another criterion are found by the service (it needs the database)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from wenming.common.errors import WorkflowError
from wenming.common.files import display_name, sniff
from wenming.common.images import ImageRefused, image_check, image_decode
from wenming.evaluation.models import IMAGE_FORMATS, MaterialFormat, MaterialRequirement

MB = 1024 * 1024
# Whatever a requirement says, no single file beyond this (the web server's upload limit is set to match).
HARD_MAX_BYTES = 50 * MB
MAX_PDF_PAGES = 2000
SNIFFED = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic",
           "application/pdf": "pdf"}
# An Office Open XML package is a zip: its part names say which it is (the parts are not unpacked here).
OOXML_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx"}
MAX_ZIP_ENTRIES = 10_000


class MaterialRefused(WorkflowError):
    """An uploaded file cannot be taken; the message names it and says why."""

    code = "file_refused"


@dataclass(frozen=True)
class CheckedFile:
    name: str  # the client's name, cleaned for display and storage
    content: bytes
    format: str  # a MaterialFormat value, from the bytes
    size: int
    sha256: str
    pages: int | None = None
    width: int | None = None
    height: int | None = None


def real_format(content: bytes) -> str | None:
    """The file's format from its bytes (a MaterialFormat value), None when it is none Wenming takes."""
    sniffed = sniff(content[:32])
    if sniffed:
        return SNIFFED.get(sniffed[0])
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as package:
                names = package.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if len(names) > MAX_ZIP_ENTRIES or "[Content_Types].xml" not in names:
            return None
        for part, found in OOXML_PARTS.items():
            if part in names:
                return found
    return None


def pdf_pages(content: bytes, shown: str) -> int:
    """The number of pages; a PDF that is encrypted, broken or has no page is refused."""
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise MaterialRefused(_("%(name)s is an encrypted (password-protected) PDF: save it without a password "
                                    "and upload it again.") % {"name": shown})
        pages = len(reader.pages)
    except MaterialRefused:
        raise
    except (PyPdfError, PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError,
            AssertionError, NotImplementedError):
        raise MaterialRefused(_("%(name)s is a broken PDF that cannot be opened: export it again and upload the "
                                "new file.") % {"name": shown}) from None
    if pages < 1:
        raise MaterialRefused(_("%(name)s is a PDF without any page.") % {"name": shown})
    if pages > MAX_PDF_PAGES:
        raise MaterialRefused(_("%(name)s has %(pages)d pages; at most %(limit)d are taken in one file.")
                              % {"name": shown, "pages": pages, "limit": MAX_PDF_PAGES})
    return pages


def material_file_check(*, name: str, content: bytes, requirement: MaterialRequirement) -> CheckedFile:
    """Check one uploaded file against the requirement; raises MaterialRefused naming the file."""
    shown = display_name(name, limit=120)
    size = len(content)
    limit = min(requirement.max_size_mb * MB, HARD_MAX_BYTES)
    if size > limit:
        raise MaterialRefused(_("%(name)s is %(size).1f MB; the limit for this material is %(limit)d MB.")
                              % {"name": shown, "size": size / MB, "limit": limit // MB})
    if size == 0:
        raise MaterialRefused(_("%(name)s is empty.") % {"name": shown})
    found = real_format(content)
    if found is None:
        raise MaterialRefused(_("%(name)s is not a file type Wenming takes (PDF, JPEG, PNG, WebP, HEIC, .docx, "
                                ".xlsx), whatever its name says.") % {"name": shown})
    allowed = requirement.formats or []
    if found not in allowed:
        labels = dict(MaterialFormat.choices)
        raise MaterialRefused(_("%(name)s is a %(found)s file; this material takes %(allowed)s.") % {
            "name": shown, "found": labels[found], "allowed": "、".join(str(labels[f]) for f in allowed if f in labels)})
    pages = width = height = None
    if found == MaterialFormat.PDF:
        pages = pdf_pages(content, shown)
    elif found in IMAGE_FORMATS:
        try:
            image_check(file=io.BytesIO(content), name=shown)  # the header's pixel count first: a bomb stops here
            decoded = image_decode(content=content, name=shown, max_side=1024)
        except ImageRefused as exc:
            raise MaterialRefused(str(exc)) from None
        width, height = decoded.width, decoded.height
        decoded.image.close()
        least = requirement.min_side_px
        if least and min(width, height) < least:
            raise MaterialRefused(_("%(name)s is %(w)d×%(h)d pixels; this material needs at least %(least)d pixels "
                                    "on the shorter side.") % {"name": shown, "w": width, "h": height,
                                                               "least": least})
    return CheckedFile(name=shown, content=content, format=found, size=size,
                       sha256=hashlib.sha256(content).hexdigest(), pages=pages, width=width, height=height)
