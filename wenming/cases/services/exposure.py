"""The exposure board (创城曝光台) and the rectification showcase (整改进行时).

The command centre's shift leader picks a case, writes a headline and a text for the public, chooses its
photos and draws boxes over faces and number plates; the published copy of each photo is rendered with
those areas blacked out, from the copy that already has no EXIF. Nothing else about the case is
published: never the reporter, an inspector, a handler's name or a note. Text that looks like a phone
number or a number plate is refused. Every step is recorded in the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ImageDraw

from wenming.cases.models import Case, CaseState, Evidence, Exposure, ExposurePhoto
from wenming.cases.services.errors import CaseNotFound, WorkflowError
from wenming.common.access import restrict, scope_for
from wenming.common.files import field_file_save
from wenming.common.images import ImageRefused, image_decode, image_jpeg
from wenming.common.input import strip_controls
from wenming.common.roles import PUBLISHERS
from wenming.common.services.audit import audit_event_record
from wenming.org.models import Area

MAX_BOXES = 40
MAX_PHOTOS = 12
RENDER_SIDE = 1600  # longest side of a published photo
# A mainland mobile number, a landline with its area code, an 18-digit ID number, a number plate.
PERSONAL = [
    re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"),
    re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"),
    re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"),
    re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z]·?[A-HJ-NP-Z0-9]{5,6}"),
]
OFF_BOARD = frozenset({CaseState.REJECTED, CaseState.VOIDED, CaseState.MERGED})


def _publisher(actor) -> None:
    if not scope_for(actor).roles & PUBLISHERS:
        raise WorkflowError(_("Only the shift leader publishes on the exposure board."))


def _case(case_id: int, actor) -> Case:
    case = restrict(Case.objects.all(), actor).filter(pk=case_id).first()
    if case is None:
        raise CaseNotFound(_("No such case."))
    return case


def personal_data_found(text: str) -> bool:
    """Whether ``text`` holds what looks like a phone number, an ID number or a number plate: the board refuses
    such text when it is saved, and every public read (Open311 too) withholds it if one got stored anyway."""
    return any(pattern.search(text or "") for pattern in PERSONAL)


def _check_text(label: str, text: str) -> None:
    if personal_data_found(text):
        raise WorkflowError(_("%(field)s contains what looks like a phone number, an ID number or a number plate: "
                              "the exposure board publishes none.") % {"field": label})


def exposure_save(*, case_id: int, actor, headline: str, summary: str = "") -> Exposure:
    """Create the case's exposure as a draft, or change its text (a published one stays published)."""
    _publisher(actor)
    # Public text goes to feeds and XML: no control character may reach the row, whoever calls.
    headline, summary = strip_controls(headline).strip(), strip_controls(summary).strip()
    if not headline:
        raise WorkflowError(_("Give a headline."))
    limit = Exposure._meta.get_field("headline").max_length
    if len(headline) > limit:
        raise WorkflowError(_("The headline: at most %(n)d characters.") % {"n": limit})
    _check_text(_("The headline"), headline)
    _check_text(_("The text"), summary)
    with transaction.atomic():
        case = _case(case_id, actor)
        if case.state in OFF_BOARD:
            raise WorkflowError(_("A rejected, voided or merged case cannot be exposed."))
        exposure, created = Exposure.objects.select_for_update().get_or_create(
            case=case, defaults={"headline": headline, "summary": summary, "created_by": actor})
        if not created:
            exposure.headline, exposure.summary = headline, summary
            exposure.save(update_fields=["headline", "summary", "updated_at"])
        audit_event_record(actor=actor, action="exposure_save", summary=f"{case.number} {headline}",
                           data={"case": case.pk, "exposure": exposure.pk, "created": created})
    return exposure


def _boxes(raw) -> list[list[float]]:
    if not isinstance(raw, list) or len(raw) > MAX_BOXES:
        raise WorkflowError(_("Draw at most %(n)d boxes on a photo.") % {"n": MAX_BOXES})
    boxes = []
    for box in raw:
        try:
            x, y, w, h = (float(v) for v in box)
        except (TypeError, ValueError):
            raise WorkflowError(_("A box is four numbers: left, top, width, height.")) from None
        if not (0 <= x < 1 and 0 <= y < 1 and 0 < w <= 1 and 0 < h <= 1):
            raise WorkflowError(_("A box lies outside the photo."))
        boxes.append([round(x, 4), round(y, 4), round(min(w, 1 - x), 4), round(min(h, 1 - y), 4)])
    return boxes


def _render(evidence: Evidence, boxes: list[list[float]]) -> bytes:
    """The shared copy (no EXIF) with every box filled black, re-encoded so nothing else survives."""
    with evidence.public_file.open("rb") as handle:
        content = handle.read()
    try:  # the shared copy is Wenming's own JPEG, but it is read with the same limits as any upload
        image = image_decode(content=content, name=str(evidence.pk), max_side=RENDER_SIDE, min_side=RENDER_SIDE).image
    except ImageRefused as exc:
        raise WorkflowError(str(exc)) from None
    draw = ImageDraw.Draw(image)
    width, height = image.size
    for x, y, w, h in boxes:
        draw.rectangle([int(x * width), int(y * height), int((x + w) * width) + 1, int((y + h) * height) + 1], fill=(0, 0, 0))
    return image_jpeg(image)  # image_decode already shrank it to RENDER_SIDE


def exposure_photos_set(*, exposure_id: int, actor, photos: Iterable[tuple[int, list]]) -> Exposure:
    """Choose the photos to publish, each with the boxes that cover faces and plates; photos not listed are
    taken off. Each chosen photo's published copy is rendered now, so what is previewed is what is shown."""
    _publisher(actor)
    chosen = [(int(evidence_id), _boxes(boxes)) for evidence_id, boxes in photos]
    if len(chosen) > MAX_PHOTOS:
        raise WorkflowError(_("Publish at most %(n)d photos.") % {"n": MAX_PHOTOS})
    with transaction.atomic():
        exposure = Exposure.objects.select_for_update().filter(pk=exposure_id).first()
        if exposure is None or _case(exposure.case_id, actor) is None:
            raise CaseNotFound(_("No such case."))
        evidence = {e.pk: e for e in Evidence.objects.filter(case_id=exposure.case_id, pk__in=[c[0] for c in chosen])}
        for evidence_id, _b in chosen:
            item = evidence.get(evidence_id)
            if item is None or not item.public_file or item.kind not in {Evidence.Kind.BEFORE, Evidence.Kind.AFTER}:
                raise WorkflowError(_("Photo %(id)s is not a photo of this case.") % {"id": evidence_id})
        existing = {p.evidence_id: p for p in exposure.photos.all()}
        for evidence_id, boxes in chosen:
            photo = existing.pop(evidence_id, None) or ExposurePhoto(exposure=exposure, evidence=evidence[evidence_id], revision=0)
            if photo.pk and photo.boxes == boxes and photo.rendered:
                continue
            photo.boxes, photo.revision = boxes, photo.revision + 1
            # A random part in the name, and deleted again if this transaction rolls back.
            field_file_save(photo.rendered, stem=f"{evidence_id}-{photo.revision}", extension="jpg",
                            content=_render(evidence[evidence_id], boxes))
            photo.save()
        for photo in existing.values():
            photo.delete()
        audit_event_record(actor=actor, action="exposure_photos", summary=f"{exposure.case_id} {exposure.headline}",
                           data={"exposure": exposure.pk, "photos": {str(k): len(b) for k, b in chosen}})
    return exposure


def exposure_publish(*, exposure_id: int, actor) -> Exposure:
    _publisher(actor)
    with transaction.atomic():
        exposure = Exposure.objects.select_for_update().filter(pk=exposure_id).first()
        if exposure is None or _case(exposure.case_id, actor) is None:
            raise CaseNotFound(_("No such case."))
        if exposure.state == Exposure.State.PUBLISHED:
            raise WorkflowError(_("It is already published."))
        if not exposure.photos.filter(evidence__kind=Evidence.Kind.BEFORE).exists():
            raise WorkflowError(_("Choose at least one photo of the problem, with faces and plates covered."))
        exposure.state, exposure.published_at, exposure.published_by = Exposure.State.PUBLISHED, timezone.now(), actor
        exposure.withdrawn_at = None
        exposure.save(update_fields=["state", "published_at", "published_by", "withdrawn_at", "updated_at"])
        audit_event_record(actor=actor, action="exposure_publish", summary=f"{exposure.case_id} {exposure.headline}",
                           data={"exposure": exposure.pk})
    return exposure


def exposure_withdraw(*, exposure_id: int, actor, note: str) -> Exposure:
    _publisher(actor)
    if not note.strip():
        raise WorkflowError(_("Give a reason."))
    with transaction.atomic():
        exposure = Exposure.objects.select_for_update().filter(pk=exposure_id).first()
        if exposure is None or _case(exposure.case_id, actor) is None:
            raise CaseNotFound(_("No such case."))
        if exposure.state != Exposure.State.PUBLISHED:
            raise WorkflowError(_("Only a published exposure can be withdrawn."))
        exposure.state, exposure.withdrawn_at = Exposure.State.WITHDRAWN, timezone.now()
        exposure.save(update_fields=["state", "withdrawn_at", "updated_at"])
        audit_event_record(actor=actor, action="exposure_withdraw", summary=f"{exposure.case_id} {note.strip()}"[:500],
                           data={"exposure": exposure.pk})
    return exposure


# -- public reads ----------------------------------------------------------------------------------------------

def exposures_published():
    """Published, and still about a case (one rejected, voided or merged since leaves the public pages)."""
    return (Exposure.objects.filter(state=Exposure.State.PUBLISHED).exclude(case__state__in=OFF_BOARD)
            .select_related("case__category", "case__unit", "case__grid").prefetch_related("photos__evidence"))


def exposure_board():
    """On the board: published and not yet put right."""
    return exposures_published().exclude(case__state=CaseState.CLOSED).order_by("-published_at", "-id")


def showcase_entries():
    """整改进行时: published cases that have been put right, the latest first."""
    return exposures_published().filter(case__state=CaseState.CLOSED).order_by("-case__closed_at", "-id")


def exposure_places(exposures) -> dict[int, str]:
    """Where each exposed case is, as the public pages say it: its district and street by name, never its
    coordinates or address (a public read shows no finer place than this)."""
    areas = {a["path"]: a["name"] for a in Area.objects.filter(level__in=["county", "street"]).values("path", "name")}
    out = {}
    for item in exposures:
        path = item.case.area_path or ""
        out[item.pk] = " ".join(name for prefix, name in sorted(areas.items()) if path.startswith(prefix))
    return out
