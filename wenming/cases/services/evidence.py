"""Evidence files: the real type is read from the bytes, never from the name.

Photos are checked against byte and pixel limits before anything is decoded (``wenming.common.images``),
their EXIF position and time read, and stored three times: the original (command centre only), a copy with
all metadata removed, and a thumbnail without metadata. A perceptual hash lets the verifier see when an
after-photo is the before-photo again, or a picture already used on another case. Files are written under
names with a random part and deleted again if the transaction that wrote them rolls back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import imagehash
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from wenming.cases.models import Case, CaseEvent, Evidence
from wenming.cases.services.errors import EvidenceError
from wenming.common.files import display_name, field_file_save, sniff
from wenming.common.geo import haversine_m
from wenming.common.images import THUMB_SIZE, ImageRefused, image_decode, image_jpeg

__all__ = ["evidence_add", "evidence_read", "evidence_store", "evidence_warnings", "sniff"]

SAME_PICTURE_DISTANCE = 3  # Hamming distance between 64-bit perceptual hashes
GPS_IFD, EXIF_IFD = 0x8825, 0x8769
DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 36867, 36881


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


@dataclass(frozen=True)
class EvidenceRead:
    """An upload checked and, for a photo, decoded: everything ``evidence_store`` writes, read without the database."""

    fields: dict  # Evidence's fields but its case, event and uploader
    content: bytes
    copies: dict[str, bytes]  # a photo's shared copy and thumbnail (JPEG), by field


def evidence_add(*, case: Case, kind: str, name: str, content: bytes, actor=None, event: CaseEvent | None = None) -> Evidence:
    """Check, read and store one upload. A caller holding a lock reads first (``evidence_read``) and stores under the
    lock (``evidence_store``), so no photo is decoded while others wait."""
    return evidence_store(case=case, read=evidence_read(kind=kind, name=name, content=content), actor=actor, event=event)


def evidence_read(*, kind: str, name: str, content: bytes) -> EvidenceRead:
    limit = settings.WENMING_MAX_UPLOAD_BYTES
    shown = display_name(name)
    if not content:
        raise EvidenceError(_("%(name)s is empty.") % {"name": shown})
    if len(content) > limit:
        raise EvidenceError(
            _("%(name)s is %(size)d bytes; the limit is %(limit)d.") % {"name": shown, "size": len(content), "limit": limit}
        )
    sniffed = sniff(content[:32])
    is_photo = sniffed is not None and sniffed[0].startswith("image/")
    if sniffed is None or (kind != Evidence.Kind.DOCUMENT and not is_photo):
        raise EvidenceError(_("%(name)s is not a JPEG, PNG, WebP or HEIC photo.") % {"name": shown})
    content_type, extension = sniffed
    fields = {"kind": kind, "content_type": content_type, "extension": extension, "size": len(content),
              "sha256": hashlib.sha256(content).hexdigest()}
    copies = _read_photo(fields, name, content) if is_photo else {}
    return EvidenceRead(fields=fields, content=content, copies=copies)


def evidence_store(*, case: Case, read: EvidenceRead, actor=None, event: CaseEvent | None = None) -> Evidence:
    evidence = Evidence(case=case, event=event, uploaded_by=actor, **read.fields)
    # Written inside a transaction of its own (joined to the caller's, if any) so that a failed insert, or any
    # later rollback, deletes the files again.
    with transaction.atomic(savepoint=False):
        field_file_save(evidence.file, stem=evidence.sha256, extension=evidence.extension, content=read.content)
        for field, data in read.copies.items():
            field_file_save(getattr(evidence, field), stem=evidence.sha256, extension="jpg", content=data)
        evidence.save()
    return evidence


def _read_photo(fields: dict, name: str, content: bytes) -> dict[str, bytes]:
    """Add what the photo says about itself to ``fields``; return its shared copy and thumbnail (JPEG bytes)."""
    try:
        decoded = image_decode(content=content, name=name)
    except ImageRefused as exc:
        raise EvidenceError(str(exc)) from None
    fields["taken_at"] = _taken_at(decoded.exif)
    position = _gps(decoded.exif)
    if position:
        fields["gps_lng"], fields["gps_lat"] = position
    fields["width"], fields["height"] = decoded.width, decoded.height
    phash = str(imagehash.phash(decoded.image))
    fields["phash"] = phash
    fields.update(zip(("phash_b0", "phash_b1", "phash_b2", "phash_b3"), (phash[i : i + 4] for i in range(0, 16, 4)), strict=True))
    return {"public_file": image_jpeg(decoded.image), "thumbnail": image_jpeg(decoded.image, size=THUMB_SIZE)}


def _hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def _exif_missing(photo: Evidence) -> list[dict]:
    """A photo that says nothing of when or where it was taken (EXIF stripped by a messaging app, a screenshot,
    a picture saved from the web) cannot be checked against the case's time and place: the verifier is told."""
    if not photo.content_type.startswith("image/"):
        return []
    no_time, no_place = photo.taken_at is None, photo.gps_lng is None
    if no_time and no_place:
        return [{"evidence": photo.pk, "code": "no_exif",
                 "message": _("Photo %(id)s carries no time and no place (no EXIF): when and where it was taken "
                              "cannot be checked.") % {"id": photo.pk}}]
    if no_time:
        return [{"evidence": photo.pk, "code": "no_exif_time",
                 "message": _("Photo %(id)s carries no time (EXIF): when it was taken cannot be checked.")
                 % {"id": photo.pk}}]
    if no_place:
        return [{"evidence": photo.pk, "code": "no_exif_place",
                 "message": _("Photo %(id)s carries no place (EXIF GPS): where it was taken cannot be checked.")
                 % {"id": photo.pk}}]
    return []


def evidence_warnings(*, case: Case) -> list[dict]:
    """What the verifier should look at twice before passing a rectification."""
    found = []
    after = list(case.evidence.filter(kind=Evidence.Kind.AFTER).order_by("id"))
    before = [e for e in case.evidence.filter(kind=Evidence.Kind.BEFORE) if e.phash]
    max_distance = settings.WENMING_EVIDENCE_MAX_DISTANCE_M
    for photo in after:
        found.extend(_exif_missing(photo))
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
