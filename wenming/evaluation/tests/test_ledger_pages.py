"""The ledger's pages, export and REST reads per role: a unit sees only its own criteria's entries (404 for the
others', as if missing) and cannot assess others'; the office assesses, runs a round from its pages; the workbook
in the offices' layout with formula prefixes neutralised."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from wenming.evaluation.tests.test_ledger import (  # noqa: F401 — the fixture
    NOW,
    assess,
    measure_title,
    open_round,
    record_all,
    world_fixture,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]


def _codes(html: str) -> set[str]:
    table = html.split('id="ledger"', 1)[1].split("</table>", 1)[0]
    return set(re.findall(r'<tr data-code="([^"]+)"', table))


def test_a_unit_sees_only_its_criteria_in_the_ledger(client, world, people):
    assess(world, status="not_met", note="路面破损")
    assess(world, criterion=world["other"], status="met", note="机密的审批局评语")
    client.force_login(people["chengguan"])
    page = client.get(f"/evaluation/ledger/?period={world['q4'].pk}")
    assert page.status_code == 200
    codes = _codes(page.content.decode())
    assert "P5.1.2" in codes and "P1.1.1" not in codes and all(c.startswith("P5.1.") for c in codes)
    assert client.get(f"/evaluation/ledger/criteria/{world['criterion'].pk}/").status_code == 200
    assert client.get(f"/evaluation/ledger/criteria/{world['other'].pk}/").status_code == 404
    # Not another unit's criterion: a POST answers as if it were missing and writes nothing.
    answer = client.post(f"/evaluation/ledger/criteria/{world['other'].pk}/?period={world['q4'].pk}",
                         {"version": 1, "status": "not_met"})
    assert answer.status_code == 404 and world["other"].ledger_entries.get().status == "met"
    api = client.get("/api/v1/evaluation/ledger/").json()
    assert [r["criterion"] for r in api["results"]] == ["P5.1.2"]
    other_entry = world["other"].ledger_entries.get()
    assert client.get(f"/api/v1/evaluation/ledger/{other_entry.pk}/").status_code == 404
    export = client.get(f"/evaluation/ledger/export.xlsx?period={world['q4'].pk}")
    assert export.status_code == 200 and "机密的审批局评语".encode() not in export.content
    book = load_workbook(io.BytesIO(export.content))
    assert "P1.1.1" not in " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row)


def test_a_shared_unit_reads_but_does_not_assess_and_field_roles_see_nothing(client, world, people):
    assess(world, status="not_met")
    client.force_login(people["gongdian"])
    url = f"/evaluation/ledger/criteria/{world['criterion'].pk}/?period={world['q4'].pk}"
    page = client.get(url)
    assert page.status_code == 200 and 'id="assess-form"' not in page.content.decode()
    assert client.post(url, {"version": 1, "status": "met"}).status_code == 404
    client.force_login(people["anfang"])
    for path in ("/evaluation/ledger/", url, "/evaluation/ledger/rounds/"):
        assert client.get(path).status_code == 404, path
    assert client.get("/api/v1/evaluation/ledger/").json()["results"] == []


def test_the_lead_unit_self_assesses_from_the_page(client, world, people):
    from wenming.org.models import Unit as OrgUnit

    # chengguan's branch leads P5.1.2 in this world.
    assert world["criterion"].lead_unit == OrgUnit.objects.get(code="CGJ-131102")
    client.force_login(people["chengguan"])
    url = f"/evaluation/ledger/criteria/{world['criterion'].pk}/?period={world['q4'].pk}"
    assert 'id="assess-form"' in client.get(url).content.decode()
    answer = client.post(url, {"version": 0, "status": "partly", "note": "自评", "cases": ""})
    assert answer.status_code == 302
    entry = world["criterion"].ledger_entries.get()
    assert entry.self_assessed and entry.status == "partly"
    # A form filled in before: refused, nothing changes.
    stale = client.post(url, {"version": 0, "status": "met", "cases": ""})
    assert stale.status_code == 409 and "meanwhile" in stale.content.decode()


def test_the_office_assesses_with_evidence_and_the_history_shows_on_the_criterion_page(client, world, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wenming.conftest import photo_bytes

    client.force_login(world["office"])
    url = f"/evaluation/ledger/criteria/{world['criterion'].pk}/?period={world['q3'].pk}"
    answer = client.post(url, {"version": 0, "status": "not_met", "note": "井盖缺失", "cases": "",
                               "files": [SimpleUploadedFile("现场.png", photo_bytes(), "image/png")]})
    assert answer.status_code == 302
    assess(world, status="met", period=world["q4"])
    page = client.get(f"/evaluation/criteria/{world['criterion'].pk}/").content.decode()
    history = page.split('id="ledger-history"', 1)[1]
    assert "2026年第三季度" in history and "2026年第四季度" in history and "Not met (未达标)" in history
    evidence = world["criterion"].ledger_entries.get(period=world["q3"]).evidence.get()
    download = client.get(f"/evaluation/ledger/evidence/{evidence.pk}/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    client.force_login(people["gongdian"])  # shares the criterion: sees its evidence
    assert client.get(f"/evaluation/ledger/evidence/{evidence.pk}/").status_code == 200
    client.force_login(people["jiedao"])
    assert client.get(f"/evaluation/ledger/evidence/{evidence.pk}/").status_code == 404
    # A hostile file is refused with a clear message and writes nothing.
    bad = client.post(url, {"version": 1, "status": "met", "cases": "",
                            "files": [SimpleUploadedFile("x.png", b"MZ\x90\x00 not an image", "image/png")]})
    client.force_login(world["office"])
    assert bad.status_code == 404  # jiedao: not found at all
    bad = client.post(url, {"version": 1, "status": "met", "cases": "",
                            "files": [SimpleUploadedFile("x.png", b"MZ\x90\x00 not an image", "image/png")]})
    assert bad.status_code == 400 and "x.png" in bad.content.decode()
    assert world["criterion"].ledger_entries.get(period=world["q3"]).version == 1


def test_the_export_is_the_offices_layout_with_formulas_neutralised(client, world):
    from wenming.evaluation.services.ledger import review_round_close

    assess(world, status="not_met", note="x", inspection_results="=HYPERLINK(\"http://evil\")")
    assess(world, criterion=world["other"], status="met")
    review_round = open_round(world)
    record_all(review_round, world["office"], {"P5.1.2": "not_met"})
    review_round_close(round_id=review_round.pk, actor=world["office"], now=NOW)
    client.force_login(world["office"])
    answer = client.get(f"/evaluation/ledger/export.xlsx?period={world['q4'].pk}")
    assert answer.status_code == 200 and answer["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["Met (已达标)", "Not met (未达标)", "Other (不适用、未评估)"]
    not_met = book["Not met (未达标)"]
    header = [c.value for c in not_met[2]]
    assert header == ["No. (序号)", "Domain / project (领域/测评项目)", "Indicator (指标)", "Content (测评内容)",
                      "Standards (测评标准)", "Lead unit (牵头单位)", "Responsible units (责任单位)",
                      "City leader in charge (包联领导)", "Status (状态)", "Evidence (佐证材料)",
                      "Measures (整改措施)", "Deadline (完成时限)", "Assessed by (评估人)", "Assessed at (评估时间)"]
    rows = {str(r[3]).split()[0]: r for r in not_met.iter_rows(min_row=3, values_only=True)}
    row = rows["P5.1.2"]
    assert row[0] >= 1 and row[1].startswith("P5 ") and row[2].startswith("P5.1 ")
    assert row[4].startswith("1. ") and row[5] == world["criterion"].lead_unit.name and row[6] == "国网衡水供电公司"
    assert row[8] == "Not met (未达标)" and measure_title("P5.1.2") in row[10]
    assert row[11].date() == dt.date(2026, 12, 20) and row[12] == str(world["office"])
    assert "'=HYPERLINK" in row[9]  # the formula prefix neutralised
    met = {str(r[3]).split()[0] for r in book["Met (已达标)"].iter_rows(min_row=3, values_only=True)}
    assert "P1.1.1" in met and "P5.1.2" not in met


def test_the_office_runs_a_round_from_its_pages_and_units_cannot(client, world, people):
    from wenming.evaluation.models import Domain, ReviewRound

    domain = Domain.objects.get(edition=world["edition"], code="P5")
    client.force_login(people["chengguan"])
    assert client.post("/evaluation/ledger/rounds/", {"name": "x"}).status_code == 404
    client.force_login(world["office"])
    answer = client.post("/evaluation/ledger/rounds/", {
        "name": "四季度回头看", "period": world["q4"].pk, "domain": domain.pk, "campaign": world["campaign"].pk,
        "measure_due_on": "2099-01-31"})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    review_round = ReviewRound.objects.get()
    items = {i.criterion.code: i for i in review_round.items.select_related("criterion")}
    data = {"domain": str(domain.pk)}
    for code, item in items.items():
        data[f"status-{item.pk}"] = "not_met" if code == "P5.1.2" else "met"
        data[f"v-{item.pk}"] = str(item.version)
    assert client.post(f"/evaluation/ledger/rounds/{review_round.pk}/record/", data).status_code == 302
    # The same form again, its versions old now: refused.
    assert client.post(f"/evaluation/ledger/rounds/{review_round.pk}/record/", {
        **data, f"status-{items['P5.1.2'].pk}": "met"}).status_code == 409
    for person in ("chengguan", "gongdian"):
        client.force_login(people[person])
        assert client.post(f"/evaluation/ledger/rounds/{review_round.pk}/close/").status_code == 404
        page = client.get(f"/evaluation/ledger/rounds/{review_round.pk}/").content.decode()
        assert 'data-code="P5.1.2"' in page and "round-close" not in page
    client.force_login(world["office"])
    assert client.post(f"/evaluation/ledger/rounds/{review_round.pk}/close/").status_code == 302
    assert client.post(f"/evaluation/ledger/rounds/{review_round.pk}/close/").status_code == 302  # idempotent
    page = client.get(f"/evaluation/ledger/rounds/{review_round.pk}/").content.decode()
    task = items["P5.1.2"].criterion.tasks.get(code__startswith="HTK")
    assert f'href="/campaign/tasks/{task.pk}/"' in page and page.count(task.title) == 1
    api = client.get(f"/api/v1/evaluation/ledger-rounds/{review_round.pk}/").json()
    assert api["state"] == "closed" and {i["criterion"]: i["measure"] for i in api["items"]}["P5.1.2"] == task.code
    client.force_login(people["chengguan"])
    mine = client.get(f"/api/v1/evaluation/ledger-rounds/{review_round.pk}/").json()
    assert {i["criterion"] for i in mine["items"]} <= {c for c in items if c.startswith("P5.1.")}
