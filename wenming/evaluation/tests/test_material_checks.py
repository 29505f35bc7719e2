"""Each check an uploaded material passes before it is stored: the real type from the bytes, the size, a PDF's
pages (broken and encrypted PDFs refused), an image's resolution and decompression bomb, the requirement's
formats; each refusal names the file and nothing is written."""

from __future__ import annotations

import io
import zipfile

import pytest

from wenming.evaluation.tests.material_world import cg_material, doc_material, pdf_bytes, png, submit, window  # noqa: F401

# The fixtures come from material_world by import (pytest finds them in the module), hence F811 on each use.
# ruff: noqa: F811
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]


def _check(requirement, name, content):
    from wenming.evaluation.services.material_checks import material_file_check

    return material_file_check(name=name, content=content, requirement=requirement)


def _refused(requirement, name, content) -> str:
    from wenming.evaluation.services.material_checks import MaterialRefused

    with pytest.raises(MaterialRefused) as refused:
        _check(requirement, name, content)
    return str(refused.value)


def test_the_type_comes_from_the_bytes_not_the_name(doc_material, cg_material):
    message = _refused(doc_material, "方案.pdf", b"<html><script>alert(1)</script></html>")
    assert "方案.pdf" in message and "whatever its name says" in message
    # A PNG called .pdf is a PNG: a document that takes PDF only refuses it, naming what it really is.
    message = _refused(doc_material, "方案.pdf", png())
    assert "方案.pdf is a PNG file; this material takes PDF" in message
    # A PDF called photo.jpg is a PDF.
    assert _check(doc_material, "photo.jpg", pdf_bytes(3)).format == "pdf"
    assert _check(cg_material, "a.pdf", png()).format == "png"


def test_office_files_are_recognised_by_their_parts(doc_material):
    from wenming.evaluation.services.material_checks import real_format

    def package(part):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr(part, "<x/>")
        return out.getvalue()

    assert real_format(package("word/document.xml")) == "docx"
    assert real_format(package("xl/workbook.xml")) == "xlsx"
    assert real_format(package("evil.exe")) is None
    assert real_format(b"PK\x03\x04broken") is None


def test_size_is_the_requirements_limit(doc_material):
    big = pdf_bytes(1) + b"%" + b"0" * (1024 * 1024)  # over the 1 MB this requirement allows
    assert "is 1.0 MB; the limit for this material is 1 MB" in _refused(doc_material, "大文件.pdf", big)
    assert "空.pdf is empty" in _refused(doc_material, "空.pdf", b"")


def test_pdf_pages_are_counted_and_broken_or_encrypted_ones_refused(doc_material):
    assert _check(doc_material, "方案.pdf", pdf_bytes(4)).pages == 4
    assert "is a broken PDF" in _refused(doc_material, "坏.pdf", b"%PDF-1.4\nnot really a pdf")
    assert "坏.pdf is a broken PDF" in _refused(doc_material, "坏.pdf", pdf_bytes(2)[:200])
    assert "加密.pdf is an encrypted (password-protected) PDF" in _refused(doc_material, "加密.pdf",
                                                                          pdf_bytes(1, password="secret"))


def test_image_resolution_and_bomb(cg_material, settings):
    checked = _check(cg_material, "整治前.png", png((800, 600)))
    assert (checked.width, checked.height) == (800, 600) and len(checked.sha256) == 64
    assert "小图.png is 300×200 pixels; this material needs at least 400" in _refused(cg_material, "小图.png",
                                                                                    png((300, 200)))
    # A decompression bomb: the header declares more pixels than allowed; refused before decoding.
    settings.WENMING_MAX_IMAGE_PIXELS = 1_000_000
    message = _refused(cg_material, "炸弹.png", png((2000, 2000)))
    assert "炸弹.png" in message and "limit" in message
    assert "截断.png cannot be read as an image" in _refused(cg_material, "截断.png", png()[:60])


def test_a_refused_file_writes_nothing(cg_material, people):
    from wenming.evaluation.models import MaterialEvent, MaterialFile, MaterialSubmission
    from wenming.evaluation.services.material_checks import MaterialRefused

    events = MaterialEvent.objects.count()
    with pytest.raises(MaterialRefused, match="小图.png"):
        submit(cg_material, people["chengguan"], [("好图.png", png()), ("小图.png", png((100, 100)))])
    assert MaterialSubmission.objects.count() == 0 and MaterialFile.objects.count() == 0
    assert MaterialEvent.objects.count() == events


def test_the_same_file_under_another_criterion_is_warned_and_recorded(cg_material, window, people):
    from wenming.evaluation.models import Criterion, MaterialFile
    from wenming.evaluation.services.materials import RequirementValues, material_requirement_save
    from wenming.org.models import Unit

    photo = png(pattern=3)
    submit(cg_material, people["chengguan"], [("a.png", photo), ("b.png", png(pattern=4))])
    other = material_requirement_save(
        actor=people["ceping"], criterion_id=Criterion.objects.get(edition=window.edition, code="P5.1.1").pk,
        values=RequirementValues(kind="photos", title="道路照片", due_on=cg_material.due_on,
                                 lead_unit_id=Unit.objects.get(code="CGJ-131102").pk, responsible_unit_ids=frozenset()))
    result = submit(other, people["chengguan"], [("again.png", photo)])
    assert result.warnings == ["again.png was already submitted under P5.1.2「背街小巷整治前后对比照片」."]
    stored = MaterialFile.objects.get(submission=result.submission)
    assert stored.duplicates == [{"criterion": "P5.1.2", "requirement": "背街小巷整治前后对比照片"}]
    assert result.submission.events.get().data["duplicates"] == result.warnings
