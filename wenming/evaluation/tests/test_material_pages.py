"""The materials' pages and REST endpoint per role: a unit sees and acts on its own materials only (404 for
others, like cases), the office reviews; the board's counts and drill-down; the readiness interface; queries
constant in size; no reviewer names to units; hostile input refused with a clear message and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wenming.evaluation.tests.material_world import (  # noqa: F401
    cg_material,
    doc_material,
    pdf_bytes,
    png,
    review,
    submit,
    window,
)

# The fixtures come from material_world by import (pytest finds them in the module), hence F811 on each use.
# ruff: noqa: F811
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]


def _post_step(client, requirement, key, **data):
    from wenming.evaluation.models import MaterialRequirement

    version = MaterialRequirement.objects.get(pk=requirement.pk).version
    return client.post(f"/evaluation/materials/{requirement.pk}/{key}/", {"version": version, **data})


def test_a_unit_uploads_on_the_page_and_the_office_reviews(client, cg_material, people):
    client.force_login(people["chengguan"])
    page = client.get(f"/evaluation/materials/{cg_material.pk}/").content.decode()
    assert 'id="step-submit"' in page and 'id="step-approve"' not in page
    files = [SimpleUploadedFile("前.png", png(pattern=1)), SimpleUploadedFile("后.png", png(pattern=2))]
    response = _post_step(client, cg_material, "submit", files=files, note="两张")
    assert response.status_code == 302
    client.force_login(people["ceping"])
    page = client.get(f"/evaluation/materials/{cg_material.pk}/").content.decode()
    assert 'id="step-return"' in page and 'id="step-approve"' in page and "前.png" in page
    assert _post_step(client, cg_material, "return", note="").status_code == 400  # comments required
    assert _post_step(client, cg_material, "return", note="照片不清晰").status_code == 302
    client.force_login(people["chengguan"])
    page = client.get(f"/evaluation/materials/{cg_material.pk}/").content.decode()
    assert "照片不清晰" in page and people["ceping"].display_name not in page  # no reviewer's name to the unit
    files = [SimpleUploadedFile("前2.png", png(pattern=3)), SimpleUploadedFile("后2.png", png(pattern=4))]
    assert _post_step(client, cg_material, "resubmit", files=files).status_code == 302
    client.force_login(people["ceping"])
    assert _post_step(client, cg_material, "approve", grade="excellent").status_code == 302
    cg_material.refresh_from_db()
    assert cg_material.state == "approved" and cg_material.latest.revision == 2


def test_a_stale_page_and_a_hostile_file_are_refused_on_the_page(client, cg_material, people):
    from wenming.evaluation.models import MaterialFile, MaterialSubmission

    client.force_login(people["chengguan"])
    files = [SimpleUploadedFile("x.png", b"MZ\x90\x00 an exe"), SimpleUploadedFile("y.png", png())]
    response = _post_step(client, cg_material, "submit", files=files)
    assert response.status_code == 400 and "x.png is not a file type Wenming takes" in response.content.decode()
    assert MaterialSubmission.objects.count() == 0 and MaterialFile.objects.count() == 0
    response = client.post(f"/evaluation/materials/{cg_material.pk}/submit/", {
        "version": cg_material.version - 1,
        "files": [SimpleUploadedFile("a.png", png(pattern=1)), SimpleUploadedFile("b.png", png(pattern=2))]})
    assert response.status_code == 409 and "changed this material meanwhile" in response.content.decode()
    assert client.post(f"/evaluation/materials/{cg_material.pk}/nonsense/", {"version": 1}).status_code == 404


def test_another_units_material_answers_404(client, cg_material, doc_material, people):
    client.force_login(people["ceping"])
    submit(cg_material, people["chengguan"], [("a.png", png(pattern=1)), ("b.png", png(pattern=2))])
    stored = cg_material.submissions.get().files.first()
    client.force_login(people["chengguan"])
    assert client.get(f"/evaluation/materials/{doc_material.pk}/").status_code == 404
    assert client.get(f"/api/v1/evaluation/materials/{doc_material.pk}/").status_code == 404
    assert _post_step(client, doc_material, "submit",
                      files=[SimpleUploadedFile("a.pdf", pdf_bytes())]).status_code == 404
    download = client.get(f"/evaluation/materials/files/{stored.pk}/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    for username in ("jiedao", "other_district") if "other_district" in people else ("jiedao",):
        client.force_login(people[username])
        assert client.get(f"/evaluation/materials/{cg_material.pk}/").status_code == 404
        assert client.get(f"/evaluation/materials/files/{stored.pk}/").status_code == 404
    for username in ("wangge", "anfang"):  # the field roles see no materials at all
        client.force_login(people[username])
        assert client.get("/evaluation/materials/").status_code == 404
    # The office's pages are not a unit's.
    client.force_login(people["chengguan"])
    for url in ("/evaluation/materials/window/", "/evaluation/materials/import/", "/evaluation/materials/package.zip",
                f"/evaluation/criteria/{cg_material.criterion_id}/materials/new/",
                f"/evaluation/criteria/{cg_material.criterion_id}/materials/{cg_material.pk}/edit/"):
        assert client.get(url).status_code == 404, url


def test_the_board_counts_by_unit_domain_and_criterion(client, cg_material, doc_material, people):
    submit(cg_material, people["chengguan"], [("a.png", png(pattern=1)), ("b.png", png(pattern=2))])
    review(cg_material, people["ceping"], "return", note="补充")
    client.force_login(people["ceping"])
    page = client.get("/evaluation/materials/").content.decode()
    assert 'id="total-required">2<' in page and 'id="total-missing">1<' in page and 'id="total-returned">1<' in page
    assert 'data-code="P5.1.2"' in page and 'data-code="P1.1.1"' in page and 'id="materials-chart"' in page
    client.force_login(people["chengguan"])
    page = client.get("/evaluation/materials/").content.decode()
    assert 'id="total-required">1<' in page and 'data-code="P1.1.1"' not in page
    listed = client.get("/evaluation/materials/list/?state=returned").content.decode()
    assert "背街小巷整治前后对比照片" in listed
    assert "政务服务工作方案" not in client.get("/evaluation/materials/list/").content.decode()
    assert client.get("/evaluation/materials/list/?state=bogus").status_code == 400
    api = client.get("/api/v1/evaluation/materials/").json()
    assert [r["title"] for r in api["results"]] == ["背街小巷整治前后对比照片"]
    assert api["results"][0]["state"] == "returned" and api["results"][0]["submissions"][0]["review_note"] == "补充"
    assert "reviewed_by" not in api["results"][0]["submissions"][0]


def test_completeness_by_criterion_is_one_query(cg_material, doc_material, people):
    from wenming.evaluation.material_selectors import materials_completeness_by_criterion

    submit(cg_material, people["chengguan"], [("a.png", png(pattern=1)), ("b.png", png(pattern=2))])
    with CaptureQueriesContext(connection) as queries:
        found = materials_completeness_by_criterion(criterion_ids=[cg_material.criterion_id,
                                                                    doc_material.criterion_id, 999999])
    assert len(queries) == 1
    assert found[cg_material.criterion_id] == {"required": 1, "approved": 0, "submitted": 1, "returned": 0,
                                               "missing": 0}
    assert found[doc_material.criterion_id]["missing"] == 1 and 999999 not in found
    assert materials_completeness_by_criterion(criterion_ids=[]) == {}


def test_the_board_reads_a_fixed_number_of_queries(window, people):
    from wenming.evaluation.material_selectors import materials_board
    from wenming.evaluation.models import Criterion, MaterialRequirement

    def queries_for(n):
        criteria = list(Criterion.objects.filter(edition=window.edition)[:n])
        MaterialRequirement.objects.bulk_create([
            MaterialRequirement(edition=window.edition, criterion=c, kind="report", title=f"说明{n}-{i}",
                                formats=["pdf"], due_on=timezone.localdate(), lead_unit_id=c.lead_unit_id)
            for i, c in enumerate(criteria)])
        for username in ("ceping", "chengguan"):
            people[username].__dict__.pop("_wenming_scope", None)
        with CaptureQueriesContext(connection) as office:
            materials_board(people["ceping"], window.edition, timezone.localdate())
        with CaptureQueriesContext(connection) as unit:
            materials_board(people["chengguan"], window.edition, timezone.localdate())
        return len(office), len(unit)

    assert queries_for(3) == queries_for(40)


def test_the_window_page_and_a_requirement_form(client, window, people):
    from wenming.evaluation.models import Criterion, MaterialRequirement

    client.force_login(people["ceping"])
    assert client.get("/evaluation/materials/window/").status_code == 200
    response = client.post("/evaluation/materials/window/", {"version": window.version, "opens_at": "2026-06-01T08:00",
                                                             "closes_at": "2026-05-01T08:00"})
    assert response.status_code == 400 and "close after it opens" in response.content.decode()
    criterion = Criterion.objects.get(edition=window.edition, code="P5.1.3")
    response = client.post(f"/evaluation/criteria/{criterion.pk}/materials/new/", {
        "kind": "table", "title": "市场台账\x07", "required_count": 1, "max_size_mb": 5,
        "due_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat(), "use_criterion_units": "on"})
    assert response.status_code == 302
    saved = MaterialRequirement.objects.get(criterion=criterion)
    assert saved.title == "市场台账" and saved.formats == ["xlsx", "pdf"]  # control characters are stripped
