"""Evidence files: the real type is read from the bytes, never from the name."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from wenming.cases.models import Case, CaseEvent, Evidence
from wenming.cases.services.errors import EvidenceError

HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis", b"avif"}


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


def evidence_add(*, case: Case, kind: str, name: str, content: bytes, actor=None, event: CaseEvent | None = None) -> Evidence:
    limit = settings.WENMING_MAX_UPLOAD_BYTES
    if not content:
        raise EvidenceError(_("%(name)s is empty.") % {"name": name})
    if len(content) > limit:
        raise EvidenceError(
            _("%(name)s is %(size)d bytes; the limit is %(limit)d.") % {"name": name, "size": len(content), "limit": limit}
        )
    sniffed = sniff(content[:32])
    if sniffed is None or (kind != Evidence.Kind.DOCUMENT and not sniffed[0].startswith("image/")):
        raise EvidenceError(_("%(name)s is not a JPEG, PNG, WebP or HEIC photo.") % {"name": name})
    content_type, extension = sniffed
    digest = hashlib.sha256(content).hexdigest()
    evidence = Evidence(
        case=case, event=event, kind=kind, content_type=content_type, extension=extension, size=len(content),
        sha256=digest, uploaded_by=actor,
    )
    evidence.file.save(f"{digest}.{extension}", ContentFile(content), save=False)
    evidence.save()
    return evidence
