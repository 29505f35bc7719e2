"""The demo's online materials (网报材料): a submission window around today for the current edition, a required
material or two for each of its content criteria (units from the responsibility matrix), and uploads walked
through the real services into every state (submitted, returned, resubmitted, approved with a grade), with small
generated PNG and PDF files. Idempotent: an edition that already has required materials is left as it is.

Called by ``evaluation_demo_build`` (after the framework and its responsibility matrix)."""

from __future__ import annotations

import datetime as dt
import io

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw
from pypdf import PdfWriter

from wenming.common.roles import UNIT_ROLES
from wenming.evaluation.models import (
    Criterion,
    CriterionKind,
    Edition,
    MaterialRequirement,
    MaterialSubmission,
)
from wenming.evaluation.services import materials as mat
from wenming.org.models import Person, RoleAssignment

# (kind, title) by position: each criterion asks for the first one, every third also for the second.
REQUIREMENTS = [
    ("photos", "整治前后对比照片"),
    ("document", "工作方案（正式文件）"),
    ("report", "工作开展情况说明"),
    ("table", "工作台账"),
]
# What happens to the n-th material with a unit to submit it: None leaves it missing.
WALK = ["approved", "submitted", "returned", "resubmitted", None, "approved", None, "submitted"]
GRADES = ["excellent", "good", "fair", "good"]


def demo_png(label: int, size=(1280, 960)) -> bytes:
    image = Image.new("RGB", size, (40 + label * 37 % 200, 120, 160))
    draw = ImageDraw.Draw(image)
    for i in range(6):
        draw.rectangle([(label * 53 + i * 150) % size[0], i * 140, (label * 53 + i * 150) % size[0] + 120, i * 140 + 90],
                       fill=(230, (label * 29 + i * 40) % 255, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def demo_pdf(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _files(requirement: MaterialRequirement, seed: int) -> list[mat.MaterialUpload]:
    count = requirement.required_count
    if requirement.kind == "photos":
        return [mat.MaterialUpload(f"{requirement.criterion.code}-照片{i + 1}.png", demo_png(seed * 7 + i))
                for i in range(count)]
    # PDFs of a few pages, each its own (different page counts, so different bytes).
    return [mat.MaterialUpload(f"{requirement.criterion.code}-{requirement.title}.pdf", demo_pdf(1 + (seed + i) % 4))
            for i in range(count)]


def _submitters() -> list[tuple[str, Person]]:
    """(unit path, person) of every unit handler or leader, handlers first."""
    rows = (RoleAssignment.objects.filter(role__in=UNIT_ROLES, unit__isnull=False, person__is_active=True)
            .select_related("unit", "person").order_by("-role", "unit__path"))
    return [(r.unit.path, r.person) for r in rows]


def _submitter(requirement: MaterialRequirement, people: list[tuple[str, Person]]) -> Person | None:
    for unit in ([requirement.lead_unit] if requirement.lead_unit_id else []) + list(requirement.responsible_units.all()):
        for path, person in people:
            if unit.path.startswith(path):
                return person
    return None


def evaluation_materials_demo_build(*, edition: Edition | None = None, office: Person | None = None) -> dict:
    """The window, the requirements and the walked uploads of the current edition (see the module's docstring)."""
    edition = edition or Edition.objects.filter(is_current=True).first()
    office = office or Person.objects.filter(username="ceping").first()
    counts = {"requirements": 0, "submitted": 0}
    if edition is None or office is None or MaterialRequirement.objects.filter(edition=edition).exists():
        return counts
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        window = mat.window_of(edition.pk)
        mat.submission_window_set(edition_id=edition.pk, actor=office, opens_at=now - dt.timedelta(days=20),
                                  closes_at=now + dt.timedelta(days=40),
                                  expected_version=window.version if window else None)
        criteria = list(Criterion.objects.filter(edition=edition, kind=CriterionKind.CONTENT)
                        .order_by("domain__code", "sort", "code"))
        made = []
        for n, criterion in enumerate(criteria):
            chosen = [REQUIREMENTS[n % len(REQUIREMENTS)]]
            if n % 3 == 0:
                chosen.append(REQUIREMENTS[(n + 1) % len(REQUIREMENTS)])
            for position, (kind, title) in enumerate(chosen):
                made.append(mat.material_requirement_save(
                    actor=office, criterion_id=criterion.pk, values=mat.RequirementValues(
                        kind=kind, title=title, due_on=today + dt.timedelta(days=(n * 3 + position) % 35 - 4),
                        required_count=2 if kind == "photos" else 1,
                        min_side_px=800 if kind == "photos" else None,
                        description="演示数据：" + title)))
        counts["requirements"] = len(made)
        people = _submitters()
        walked = 0
        for requirement in made:
            person = _submitter(requirement, people)
            if person is None:
                continue
            outcome = WALK[walked % len(WALK)]
            walked += 1
            if outcome is None:
                continue
            _walk(requirement, person, office, outcome, seed=walked)
        counts["submitted"] = MaterialSubmission.objects.filter(requirement__edition=edition).count()
    return counts


def _walk(requirement: MaterialRequirement, person: Person, office: Person, outcome: str, *, seed: int) -> None:
    def step(actor, key, **kw):
        current = MaterialRequirement.objects.get(pk=requirement.pk)
        mat.material_step(requirement_id=requirement.pk, actor=actor, action_key=key,
                          expected_version=current.version, **kw)

    step(person, "submit", files=_files(requirement, seed), note="请审核")
    if outcome == "submitted":
        return
    if outcome in ("returned", "resubmitted"):
        step(office, "return", note="材料不完整：请补充整治后的照片并注明拍摄日期")
        if outcome == "resubmitted":
            step(person, "resubmit", files=_files(requirement, seed + 100), note="已补充")
        return
    step(office, "approve", grade=GRADES[seed % len(GRADES)], note="材料齐全")
