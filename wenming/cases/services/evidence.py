"""Evidence files: the real type is read from the bytes, never from the name.

Photos are opened with Pillow (HEIC through pillow-heif), checked against byte and pixel limits, their
EXIF position and time read, and stored three times: the original (command centre only), a copy with
all metadata removed, and a thumbnail without metadata. A perceptual hash lets the verifier see when an
after-photo is the before-photo again, or a picture already used on another case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import warnings
from zoneinfo import ZoneInfo

import imagehash
import pillow_heif
from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from wenming.cases.models import Case, CaseEvent, Evidence
from wenming.cases.services.errors import EvidenceError
from wenming.common.geo import haversine_m

pillow_heif.register_heif_opener()

HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis", b"avif"}
THUMB_SIZE = (320, 320)
SAME_PICTURE_DISTANCE = 3  # Hamming distance between 64-bit perceptual hashes
GPS_IFD, EXIF_IFD = 0x8825, 0x8769
DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 36867, 36881


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


def _rational(value) -> float:
    return float(value[0]) / float(value[1]) if isinstance(value, tuple) else float(value)


def _gps(exif) -> tuple[float, float] | None:
    gps = exif.get_ifd(GPS_IFD)
    try:
        lat = sum(_rational(v) / 60**i for i, v in enumerate(gps[2]))
        lng = sum(_rational(v) / 60**i for i, v in enumerate(gps[4]))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    if gps.get(1) in ("S", b"S"):
        lat = -lat
    if gps.get(3) in ("W", b"W"):
        lng = -lng
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (lat == 0 and lng == 0):
        return None
    return lng, lat


def _taken_at(exif) -> dt.datetime | None:
    sub = exif.get_ifd(EXIF_IFD)
    raw = sub.get(DATETIME_ORIGINAL) or exif.get(306)  # 306: DateTime
    if not raw:
        return None
    try:
        naive = dt.datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = sub.get(OFFSET_TIME_ORIGINAL)
    if offset:
        try:
            return dt.datetime.fromisoformat(f"{naive.isoformat()}{str(offset).strip()}")
        except ValueError:
            pass
    # Phones write local time without a zone; cameras in the city are on Beijing time.
    return naive.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))


def _jpeg(image: Image.Image, size: tuple[int, int] | None = None) -> bytes:
    copy = image.convert("RGB")
    if size:
        copy.thumbnail(size)
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=85, optimize=True)  # a fresh file: no EXIF, no XMP, no ICC comments
    return out.getvalue()


def evidence_add(*, case: Case, kind: str, name: str, content: bytes, actor=None, event: CaseEvent | None = None) -> Evidence:
    limit = settings.WENMING_MAX_UPLOAD_BYTES
    if not content:
        raise EvidenceError(_("%(name)s is empty.") % {"name": name})
    if len(content) > limit:
        raise EvidenceError(
            _("%(name)s is %(size)d bytes; the limit is %(limit)d.") % {"name": name, "size": len(content), "limit": limit}
        )
    sniffed = sniff(content[:32])
    is_photo = sniffed is not None and sniffed[0].startswith("image/")
    if sniffed is None or (kind != Evidence.Kind.DOCUMENT and not is_photo):
        raise EvidenceError(_("%(name)s is not a JPEG, PNG, WebP or HEIC photo.") % {"name": name})
    content_type, extension = sniffed
    digest = hashlib.sha256(content).hexdigest()
    evidence = Evidence(
        case=case, event=event, kind=kind, content_type=content_type, extension=extension, size=len(content),
        sha256=digest, uploaded_by=actor,
    )
    if is_photo:
        _read_photo(evidence, name, content)
    evidence.file.save(f"{digest}.{extension}", ContentFile(content), save=False)
    evidence.save()
    return evidence


def _read_photo(evidence: Evidence, name: str, content: bytes) -> None:
    max_pixels = settings.WENMING_MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            if image.width * image.height > max_pixels:
                raise EvidenceError(
                    _("%(name)s is %(w)d×%(h)d pixels; the limit is %(limit)d pixels.")
                    % {"name": name, "w": image.width, "h": image.height, "limit": max_pixels}
                )
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise EvidenceError(_("%(name)s cannot be read as an image: %(error)s") % {"name": name, "error": exc}) from exc
    exif = image.getexif()
    evidence.taken_at = _taken_at(exif)
    position = _gps(exif)
    if position:
        evidence.gps_lng, evidence.gps_lat = position
    upright = ImageOps.exif_transpose(image)
    evidence.width, evidence.height = upright.size
    phash = str(imagehash.phash(upright))
    evidence.phash = phash
    evidence.phash_b0, evidence.phash_b1, evidence.phash_b2, evidence.phash_b3 = (phash[i : i + 4] for i in range(0, 16, 4))
    evidence.public_file.save(f"{evidence.sha256}.jpg", ContentFile(_jpeg(upright)), save=False)
    evidence.thumbnail.save(f"{evidence.sha256}.jpg", ContentFile(_jpeg(upright, THUMB_SIZE)), save=False)


def _hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def evidence_warnings(*, case: Case) -> list[dict]:
    """What the verifier should look at twice before passing a rectification."""
    found = []
    after = list(case.evidence.filter(kind=Evidence.Kind.AFTER).order_by("id"))
    before = [e for e in case.evidence.filter(kind=Evidence.Kind.BEFORE) if e.phash]
    max_distance = settings.WENMING_EVIDENCE_MAX_DISTANCE_M
    for photo in after:
        if photo.taken_at and case.dispatched_at and photo.taken_at < case.dispatched_at:
            found.append({"evidence": photo.pk, "code": "taken_before_dispatch",
                          "message": _("Photo %(id)s was taken at %(taken)s, before the case was dispatched.")
                          % {"id": photo.pk, "taken": photo.taken_at.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%d %H:%M")}})
        if photo.gps_lng is not None and case.lng is not None:
            distance = haversine_m(photo.gps_lng, photo.gps_lat, case.lng, case.lat)
            if distance > max_distance:
                found.append({"evidence": photo.pk, "code": "far_from_case", "distance_m": round(distance),
                              "message": _("Photo %(id)s was taken %(d)d m from the case.") % {"id": photo.pk, "d": round(distance)}})
        if not photo.phash:
            continue
        for original in before:
            if _hamming(photo.phash, original.phash) <= SAME_PICTURE_DISTANCE:
                found.append({"evidence": photo.pk, "code": "same_as_before",
                              "message": _("Photo %(id)s is the same picture as the before-photo.") % {"id": photo.pk}})
                break
        bands = Q(phash_b0=photo.phash_b0) | Q(phash_b1=photo.phash_b1) | Q(phash_b2=photo.phash_b2) | Q(phash_b3=photo.phash_b3)
        for other in Evidence.objects.filter(bands).exclude(case=case).only("id", "case_id", "phash")[:200]:
            if _hamming(photo.phash, other.phash) <= SAME_PICTURE_DISTANCE:
                found.append({"evidence": photo.pk, "code": "used_on_other_case", "other_case": other.case_id,
                              "message": _("Photo %(id)s is the same picture as one on case %(other)s.")
                              % {"id": photo.pk, "other": other.case_id}})
                break
    return found
