"""The submission package: the approved latest versions only, laid out by domain, criterion and requirement, with
the index workbook; produced by a generator (chunk by chunk, never one buffer), the evaluation office's only."""

from __future__ import annotations

import io
import types
import zipfile

import pytest
from openpyxl import load_workbook

from wenming.evaluation.tests.material_world import cg_material, doc_material, png, review, submit, window  # noqa: F401

# The fixtures come from material_world by import (pytest finds them in the module), hence F811 on each use.
# ruff: noqa: F811
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]


@pytest.fixture
def approved(cg_material, doc_material, people):
    """The photo set approved at its second version; the document submitted but not yet reviewed."""
    submit(cg_material, people["chengguan"], [("旧.png", png(pattern=1)), ("b.png", png(pattern=2))])
    review(cg_material, people["ceping"], "return", note="重拍")
    submit(cg_material, people["chengguan"], [("=HYPERLINK(1).png", png(pattern=3)), ("b/../后.png", png(pattern=4))],
           key="resubmit")
    review(cg_material, people["ceping"], "approve", grade="excellent")
    return cg_material


def test_the_package_layout_and_index(approved, people, client):
    from wenming.evaluation.services.material_package import material_package_stream

    stream = material_package_stream(edition=approved.edition, actor=people["ceping"])
    assert isinstance(stream, types.GeneratorType)
    chunks = list(stream)
    assert len(chunks) > 3
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    names = archive.namelist()
    folder = "P5/P5.1.2/背街小巷整治前后对比照片"
    assert names == [f"{folder}/01-=HYPERLINK(1).png", f"{folder}/02-后.png", "index.xlsx"]
    assert archive.read(names[0])[:8] == b"\x89PNG\r\n\x1a\n"
    sheet = load_workbook(io.BytesIO(archive.read("index.xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:7] == ("Domain", "Criterion", "Required material", "File", "Version", "Quality grade", "Reviewer")
    assert rows[1][:7] == ("P5", "P5.1.2", "背街小巷整治前后对比照片", f"{folder}/01-=HYPERLINK(1).png", 2,
                           "Excellent (优)", people["ceping"].display_name)
    assert len(rows) == 3 and len(rows[1][8]) == 64
    # No cell is a formula, whatever the units named their files: text cells stay text.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_package_streams_from_the_page_for_the_office_only(approved, client, people):
    client.force_login(people["ceping"])
    response = client.get("/evaluation/materials/package.zip")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip" and "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert len(zipfile.ZipFile(io.BytesIO(body)).namelist()) == 3
    for username in ("chengguan", "taocheng", "zhiban"):
        client.force_login(people[username])
        assert client.get("/evaluation/materials/package.zip").status_code == 404


def test_reading_files_in_chunks(approved, people, monkeypatch):
    """Each file is read a chunk at a time and handed on before the next: the generator never holds a file whole."""
    from wenming.evaluation.services import material_package

    monkeypatch.setattr(material_package, "CHUNK", 1024)
    sizes = [len(c) for c in material_package.material_package_stream(edition=approved.edition, actor=people["ceping"])]
    assert max(sizes[:-3]) <= 1024 + 200  # a chunk and at most a header or descriptor
