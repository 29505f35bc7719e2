"""The materials tests' small world: the demo framework, an open submission window, and required materials on
P5.1.2 (led by 城管 桃城分局, shared with the power company) and on P1.1.1 (the approval bureau's), plus real
files to upload (PNG, PDF) made on the spot."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from wenming.conftest import photo_bytes


def pdf_bytes(pages: int = 2, *, password: str = "") -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png(size=(800, 600), pattern: int = 0) -> bytes:
    return photo_bytes(size=size, pattern=pattern)


@pytest.fixture
def window(demo_framework, people):
    from wenming.evaluation.services.materials import submission_window_set

    now = timezone.now()
    return submission_window_set(edition_id=demo_framework.pk, actor=people["ceping"],
                                 opens_at=now - dt.timedelta(days=10), closes_at=now + dt.timedelta(days=30),
                                 expected_version=None)


@pytest.fixture
def cg_material(window, people):
    """A photo set of two photos for P5.1.2, led by 城管 桃城分局 and shared with the power company."""
    from wenming.evaluation.models import Criterion
    from wenming.evaluation.services.materials import RequirementValues, material_requirement_save
    from wenming.org.models import Unit

    criterion = Criterion.objects.get(edition=window.edition, code="P5.1.2")
    return material_requirement_save(
        actor=people["ceping"], criterion_id=criterion.pk,
        values=RequirementValues(kind="photos", title="背街小巷整治前后对比照片", required_count=2,
                                 due_on=timezone.localdate() + dt.timedelta(days=2), min_side_px=400,
                                 lead_unit_id=Unit.objects.get(code="CGJ-131102").pk,
                                 responsible_unit_ids=frozenset({Unit.objects.get(code="POWER").pk})))


@pytest.fixture
def doc_material(window, people):
    """An official document (PDF) for P1.1.1, with the criterion's own units (not 城管)."""
    from wenming.evaluation.models import Criterion
    from wenming.evaluation.services.materials import RequirementValues, material_requirement_save

    criterion = Criterion.objects.get(edition=window.edition, code="P1.1.1")
    return material_requirement_save(
        actor=people["ceping"], criterion_id=criterion.pk,
        values=RequirementValues(kind="document", title="政务服务工作方案", due_on=timezone.localdate() + dt.timedelta(days=5),
                                 max_size_mb=1))


def submit(requirement, person, files, key="submit", note=""):
    from wenming.evaluation.models import MaterialRequirement
    from wenming.evaluation.services.materials import MaterialUpload, material_step

    version = MaterialRequirement.objects.get(pk=requirement.pk).version
    return material_step(requirement_id=requirement.pk, actor=person, action_key=key, expected_version=version,
                         note=note, files=[MaterialUpload(name, content) for name, content in files])


def review(requirement, person, key, *, note="", grade=""):
    from wenming.evaluation.models import MaterialRequirement
    from wenming.evaluation.services.materials import material_step

    version = MaterialRequirement.objects.get(pk=requirement.pk).version
    return material_step(requirement_id=requirement.pk, actor=person, action_key=key, expected_version=version,
                         note=note, grade=grade)
