"""The framework's pages and API per role: a unit sees only the criteria it leads or shares (through the one access
path), the evaluation office sees and changes everything, the field roles see nothing; the responsibility form,
the import page with its dry run, the current edition."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.evaluation.tests.conftest import demo_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]


@pytest.fixture
def cg_criterion(demo_framework, people):
    """P5.1.2 led by 城管 桃城分局 (the unit of chengguan), shared with the power company."""
    from wenming.evaluation.models import Criterion
    from wenming.evaluation.services.responsibility import Responsibility, criterion_responsibility_set
    from wenming.org.models import Unit

    criterion = Criterion.objects.get(edition=demo_framework, code="P5.1.2")
    return criterion_responsibility_set(
        criterion_id=criterion.pk, actor=people["ceping"], expected_version=criterion.version,
        value=Responsibility(lead_unit_id=Unit.objects.get(code="CGJ-131102").pk,
                             responsible_unit_ids=frozenset({Unit.objects.get(code="POWER").pk}),
                             fields=frozenset({"lead_unit_id", "responsible_unit_ids"})))


def _codes(html: str) -> set[str]:
    import re

    return set(re.findall(r'class="criterion-row" data-code="([^"]+)"', html))


def test_a_unit_sees_only_its_criteria(client, cg_criterion, people):
    from wenming.evaluation.models import Criterion

    other = Criterion.objects.get(edition=cg_criterion.edition, code="P1.1.1")
    client.force_login(people["chengguan"])
    # The demo has the branch share the street-scene contents (P5.1.x); here it leads P5.1.2.
    tree = client.get("/evaluation/editions/DEMO-2026/").content.decode()
    assert _codes(tree) == {"P5.1.1", "P5.1.2", "P5.1.3"}
    mine = client.get("/evaluation/mine/").content.decode()
    led, shared = mine.split('id="shared"')
    assert 'data-code="P5.1.2"' in led and 'data-code="P5.1.1"' in shared and 'data-code="P1.1.1"' not in mine
    assert client.get(f"/evaluation/criteria/{cg_criterion.pk}/").status_code == 200
    assert client.get(f"/evaluation/criteria/{other.pk}/").status_code == 404  # as if missing
    api = client.get("/api/v1/evaluation/criteria/").json()
    assert [row["code"] for row in api["results"]] == ["P5.1.1", "P5.1.2", "P5.1.3"]
    assert api["results"][1]["lead_unit"] == "CGJ-131102" and api["results"][1]["responsible_units"] == ["POWER"]
    assert client.get(f"/api/v1/evaluation/criteria/{other.pk}/").status_code == 404
    # The office's own pages are not the unit's.
    for url in ("/evaluation/import/", "/evaluation/compare/", f"/evaluation/criteria/{cg_criterion.pk}/responsibility/",
                "/evaluation/editions/DEMO-2026/export.xlsx", "/evaluation/import/demo.xlsx"):
        assert client.get(url).status_code == 404, url


def test_a_shared_unit_and_the_district_see_it_too(client, cg_criterion, people):
    client.force_login(people["gongdian"])
    mine = client.get("/evaluation/mine/").content.decode()
    assert 'id="shared"' in mine and 'data-code="P5.1.2"' in mine and 'id="led"' not in mine
    client.force_login(people["taocheng"])
    mine = client.get("/evaluation/mine/").content.decode()
    assert 'id="area"' in mine and 'data-code="P5.1.2"' in mine
    client.force_login(people["jiedao"])
    assert _codes(client.get("/evaluation/editions/DEMO-2026/").content.decode()) == set()
    assert "No criterion is assigned to your unit yet." in client.get("/evaluation/mine/").content.decode()


def test_the_evaluation_office_sees_every_criterion(client, demo_framework, people):
    from wenming.evaluation.models import Criterion

    client.force_login(people["ceping"])
    tree = client.get("/evaluation/editions/DEMO-2026/").content.decode()
    assert len(_codes(tree)) == Criterion.objects.filter(edition=demo_framework).count()
    assert "Demo edition, not the official text" in tree
    mine = client.get("/evaluation/mine/").content.decode()
    assert 'id="others"' in mine and 'id="nav-evaluation"' in mine
    searched = client.get("/evaluation/editions/DEMO-2026/", {"q": "学校", "method": "field"}).content.decode()
    assert _codes(searched) == {"P7.1.1"}
    negative = client.get("/evaluation/editions/DEMO-2026/", {"kind": "negative"}).content.decode()
    assert len(_codes(negative)) == 40


def test_field_roles_see_nothing(client, demo_framework, people):
    from wenming.evaluation.models import Criterion

    criterion = Criterion.objects.filter(edition=demo_framework).first()
    for username in ("wangge", "anfang"):
        client.force_login(people[username])
        for url in ("/evaluation/", "/evaluation/mine/", "/evaluation/editions/DEMO-2026/",
                    f"/evaluation/criteria/{criterion.pk}/"):
            assert client.get(url).status_code == 404, (username, url)
        assert client.get("/api/v1/evaluation/criteria/").json()["results"] == []
        assert 'id="nav-evaluation"' not in client.get("/cases/").content.decode()


def test_the_office_sets_responsibility_with_history_and_refuses_a_stale_form(client, cg_criterion, people):
    from wenming.evaluation.models import CriterionEvent
    from wenming.org.models import Unit

    client.force_login(people["ceping"])
    url = f"/evaluation/criteria/{cg_criterion.pk}/responsibility/"
    assert client.get(url).status_code == 200
    scjg = Unit.objects.get(code="SCJG")
    data = {"version": cg_criterion.version, "lead_unit": scjg.pk, "responsible_units": [scjg.pk],
            "leader_name": "马骏", "radius_m": "300"}
    refused = client.post(url, data)
    assert refused.status_code == 400 and "The lead unit is responsible anyway" in refused.content.decode()
    data["responsible_units"] = [Unit.objects.get(code="CGJ-131102").pk]
    done = client.post(url, {**data, "note": "调整牵头单位"})
    assert done.status_code == 302
    cg_criterion.refresh_from_db()
    assert cg_criterion.lead_unit == scjg and cg_criterion.leader_name == "马骏" and cg_criterion.radius_m == 300
    event = CriterionEvent.objects.filter(criterion=cg_criterion).latest("id")
    assert event.actor == people["ceping"] and event.note == "调整牵头单位"
    assert event.data["before"]["lead_unit"] == ["CGJ-131102"] and event.data["after"]["lead_unit"] == ["SCJG"]
    page = client.get(f"/evaluation/criteria/{cg_criterion.pk}/").content.decode()
    assert "调整牵头单位" in page and "衡水市市场监督管理局" in page
    # The same form again: written on the version before, refused.
    stale = client.post(url, data)
    assert stale.status_code == 400 and "Someone changed this criterion" in stale.content.decode()
    # Hostile input: a radius out of bounds, a unit that does not exist.
    bad = client.post(url, {"version": cg_criterion.version, "radius_m": "-1", "lead_unit": "999999"})
    assert bad.status_code == 400 and CriterionEvent.objects.filter(criterion=cg_criterion).count() == 3


def test_a_unit_cannot_set_responsibility_through_the_service(cg_criterion, people):
    from wenming.common.errors import NotAllowed
    from wenming.evaluation.services.responsibility import Responsibility, criterion_responsibility_set

    with pytest.raises(NotAllowed):
        criterion_responsibility_set(criterion_id=cg_criterion.pk, actor=people["chengguan_lead"],
                                     expected_version=cg_criterion.version, value=Responsibility())


def test_the_import_page_checks_then_imports(client, people):
    from wenming.demo.evaluation import office_account
    from wenming.evaluation.models import Criterion, Edition

    client.force_login(office_account())
    upload = SimpleUploadedFile("演示版.xlsx", demo_bytes(2026))
    checked = client.post("/evaluation/import/", {"what": "edition", "file": upload, "dry_run": "on"})
    assert checked.status_code == 200 and 'data-dry-run="1"' in checked.content.decode()
    assert not Edition.objects.exists()
    upload = SimpleUploadedFile("演示版.xlsx", demo_bytes(2026))
    done = client.post("/evaluation/import/", {"what": "edition", "file": upload})
    assert done.status_code == 200 and 'data-dry-run="0"' in done.content.decode()
    edition = Edition.objects.get(code="DEMO-2026")
    assert edition.file_name == "演示版.xlsx" and Criterion.objects.filter(edition=edition).count() > 100
    # Again: refused, with the reason on the page.
    again = client.post("/evaluation/import/", {"what": "edition", "file": SimpleUploadedFile("x.xlsx", demo_bytes(2026))})
    assert again.status_code == 400 and "is loaded already" in again.content.decode()
    # Not a workbook, and the responsibility sheet without its edition.
    wrong = client.post("/evaluation/import/", {"what": "edition", "file": SimpleUploadedFile("x.csv", b"a,b")})
    assert wrong.status_code == 400 and "Use an .xlsx workbook." in wrong.content.decode()
    lost = client.post("/evaluation/import/", {"what": "responsibility", "file": SimpleUploadedFile("x.xlsx", b"x")})
    assert lost.status_code == 400 and "Choose the edition" in lost.content.decode()
    # The current edition.
    assert client.post("/evaluation/editions/DEMO-2026/current/").status_code == 302
    assert Edition.objects.get(is_current=True) == edition


def test_the_demo_builds_once(demo_framework):
    from wenming.demo.evaluation import evaluation_demo_build
    from wenming.evaluation.models import Criterion, Edition

    assert demo_framework.is_current and demo_framework.is_demo
    assert evaluation_demo_build()["editions"] == 0
    assert Edition.objects.count() == 2
    assert not Criterion.objects.filter(edition=demo_framework, lead_unit__isnull=True).exists()


def test_the_criterion_page_shows_linked_work(client, demo_framework, people):
    from wenming.campaign.models import Task
    from wenming.evaluation.models import Criterion

    criterion = Criterion.objects.get(edition=demo_framework, code="P5.1.3")
    client.force_login(people["ceping"])
    page = client.get(f"/evaluation/criteria/{criterion.pk}/").content.decode()
    assert "SJ0403" in page and "农贸市场" in page and 'id="open-cases"' in page
    assert "?queue=all&amp;category=SJ0403" in page
    for task in criterion.tasks.all():
        assert task.code in page
    assert criterion.tasks.exists() == Task.objects.filter(criteria=criterion).exists()


def test_the_api_filters_and_refuses_an_unknown_edition(client, demo_framework, people):
    client.force_login(people["ceping"])
    editions = client.get("/api/v1/evaluation/editions/").json()
    assert [e["code"] for e in editions["results"]] == ["DEMO-2026", "DEMO-2023"]
    assert client.get("/api/v1/evaluation/editions/DEMO-2026/").json()["is_current"] is True
    negative = client.get("/api/v1/evaluation/criteria/", {"edition": "DEMO-2023", "kind": "negative"}).json()
    assert negative["count"] == 39 and all(row["edition"] == "DEMO-2023" for row in negative["results"])
    found = client.get("/api/v1/evaluation/criteria/", {"q": "校园周边", "kind": "content"}).json()
    assert [row["code"] for row in found["results"]] == ["P7.1.1"]
    clauses = found["results"][0]["clauses"]
    assert clauses[0]["number"] == 1 and clauses[0]["methods"] == ["field"]
    assert found["results"][0]["site_types"] == ["school"] and found["results"][0]["radius_m"] == 200
    unknown = client.get("/api/v1/evaluation/criteria/", {"edition": "NOPE"})
    assert unknown.status_code == 400 and "no edition has the code NOPE" in unknown.content.decode()
    assert client.get("/api/v1/evaluation/criteria/", {"kind": "bogus"}).status_code == 400


def test_the_office_downloads_the_matrix_fills_it_in_and_imports_it(client, demo_framework, people):
    import io

    from openpyxl import load_workbook

    from wenming.evaluation.models import Criterion

    client.force_login(people["ceping"])
    export = client.get("/evaluation/editions/DEMO-2026/export.xlsx")
    assert export.status_code == 200 and export["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(export.content))
    sheet = book["责任分工"]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "P7.1.1")
    row[header.index("牵头单位")].value = "衡水市公安局"
    # Text a person typed that looks like a formula (a string cell, as a spreadsheet stores typed text).
    leader = row[header.index("包联领导")]
    leader.value, leader.data_type = "=HYPERLINK(\"http://evil.example\")", "s"
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("责任分工.xlsx", out.getvalue())
    page = client.post("/evaluation/import/", {"what": "responsibility", "edition": "DEMO-2026", "file": upload})
    assert page.status_code == 200 and 'data-updated="1"' in page.content.decode()
    criterion = Criterion.objects.get(edition=demo_framework, code="P7.1.1")
    assert criterion.lead_unit.code == "GAJ" and criterion.leader_name.startswith("=HYPERLINK")
    # Written out again, the formula a person typed stays text.
    again = load_workbook(io.BytesIO(client.get("/evaluation/editions/DEMO-2026/export.xlsx").content))["责任分工"]
    cell = next(r for r in again.iter_rows(min_row=2) if r[0].value == "P7.1.1")[header.index("包联领导")]
    assert cell.data_type == "s" and cell.value.startswith("'=")
