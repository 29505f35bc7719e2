"""The round report (Word, A4): its tables in rank order, the worst findings with their photos (严重不合格 first, at
most 12), no inspector named anywhere in the file, XML-invalid characters stripped, and the download's access
(the round page's rule: a planned round is its planners' only)."""

import dataclasses
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from docx import Document

from wenming.inspections.models import Result
from wenming.inspections.services import results as res
from wenming.inspections.services import rounds as rs
from wenming.inspections.services.round_report import WORST_FINDINGS, round_report_docx
from wenming.org.models import Site

from .conftest import observation

pytestmark = pytest.mark.django_db

INSPECTOR_NAME = "暗访员甲乙丙"
# Weights of the demo schemes: 农贸市场 01-01:2 01-02:1 01-03:2 02-01:1; 学校 01-01:2 01-02:2 01-03:1;
# 背街小巷 01-01:1 01-02:2 01-03:1. Same plan as test_scoring.py: 桃城区 57.50 (35 and 80), the other 0.00.
PLAN = {
    ("131102", "market"): {"农贸市场-01-01": "pass", "农贸市场-01-02": "fail", "农贸市场-01-03": "severe",
                           "农贸市场-02-01": "na"},
    ("131102", "school"): {"学校-01-01": "pass", "学校-01-02": "pass", "学校-01-03": "fail"},
    ("131102", "alley"): {"背街小巷-01-01": "na", "背街小巷-01-02": "na", "背街小巷-01-03": "na"},
    ("131103", "alley"): {"背街小巷-01-01": "severe", "背街小巷-01-02": "severe", "背街小巷-01-03": "severe"},
}


def _record(round_, people, plan, *, note=None):
    for (district, site_type), outcomes in plan.items():
        assignment = (round_.assignments.filter(district__code=district, site__site_type__code=site_type)
                      .select_related("site").order_by("site__code").first())
        observations = [observation(assignment, code, outcome) for code, outcome in outcomes.items()]
        if note:
            observations = [dataclasses.replace(o, note=note) if o.outcome in {"fail", "severe"} else o
                            for o in observations]
        answers = res.results_sync(actor=people["anfang"], observations=observations)
        assert {a.status for a in answers} == {"created"}


@pytest.fixture
def named_inspector(people):
    anfang = people["anfang"]
    anfang.display_name = INSPECTOR_NAME
    anfang.save(update_fields=["display_name"])
    return anfang


@pytest.fixture
def released(demo_round, people, named_inspector):
    # The inspector signs the note: the report must not print it.
    _record(demo_round, people, PLAN, note=f"{INSPECTOR_NAME} 记录")
    rs.round_release(round_id=demo_round.pk, actor=people["zhiban"])
    demo_round.refresh_from_db()
    return demo_round


def _xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith((".xml", ".rels")))


def _rows(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_the_report_has_its_tables_in_rank_order_and_a_photo_per_finding(released, people):
    content = round_report_docx(round_=released)
    doc = Document(io.BytesIO(content))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    text = "\n".join(p.text for p in doc.paragraphs)
    assert released.name in text and released.code in text and released.firm_name in text
    assert "stratified simple random sampling" in text and str(released.seed) in text
    district_table, unit_table = doc.tables[0], doc.tables[1]
    header, *rows = _rows(district_table)
    assert header[:3] == ["Rank", "District", "Score"]
    assert [(r[0], r[2]) for r in rows] == [("1", "57.50"), ("2", "0.00")]
    # 桃城区: 不符合 at the market and the school, 严重不合格 at the market; the other: three 严重不合格.
    assert [r[4:7] for r in rows] == [["2", "1", "0"], ["0", "3", "0"]]
    unit_scores = [Decimal(r[2]) for r in _rows(unit_table)[1:] if r[2] != "—"]
    assert unit_scores == sorted(unit_scores, reverse=True) and unit_scores
    findings = Result.objects.filter(round=released, outcome__in=["fail", "severe"]).count()
    assert findings == 6
    assert len(doc.inline_shapes) == findings  # one photo per finding (fewer than the cap)
    blocks = doc.tables[2:]
    assert len(blocks) == findings
    outcomes = [b.rows[0].cells[1].paragraphs[0].text for b in blocks]
    assert outcomes[:4] == ["Finding 1：Seriously non-compliant (严重不合格)"] + [
        f"Finding {n}：Seriously non-compliant (严重不合格)" for n in (2, 3, 4)]
    assert all("Non-compliant (不符合)" in o for o in outcomes[4:])
    facts = blocks[0].rows[0].cells[1].text
    case_number = Result.objects.filter(round=released, outcome="severe").order_by("pk").first().case.number
    assert any(case_number in b.rows[0].cells[1].text for b in blocks) and "Responsible unit" in facts
    assert "Pass rate" in text and "%" in text


def test_no_inspector_is_named_anywhere_in_the_file(released, named_inspector):
    xml = _xml(round_report_docx(round_=released))
    for secret in (INSPECTOR_NAME, named_inspector.username, "python-docx"):
        assert secret not in xml, secret
    assert released.firm_name in xml  # the firm is the office's own contractor, named on the 通报


def test_worst_findings_are_capped_severe_first(demo_round, people):
    """Every item of every sampled site fails: more findings than the cap; the 严重不合格 come first."""
    for assignment in demo_round.assignments.select_related("site").prefetch_related("scheme__items"):
        items = list(assignment.scheme.items.order_by("sort", "code"))
        res.results_sync(actor=people["anfang"], observations=[
            observation(assignment, item.code, "severe" if n == 0 else "fail") for n, item in enumerate(items)])
    total = Result.objects.filter(round=demo_round).count()
    severe = Result.objects.filter(round=demo_round, outcome="severe").count()
    assert total > WORST_FINDINGS and severe < WORST_FINDINGS
    doc = Document(io.BytesIO(round_report_docx(round_=demo_round)))
    assert len(doc.inline_shapes) == WORST_FINDINGS
    outcomes = [b.rows[0].cells[1].paragraphs[0].text for b in doc.tables[2:]]
    assert len(outcomes) == WORST_FINDINGS
    assert ["严重不合格" in o for o in outcomes] == [True] * severe + [False] * (WORST_FINDINGS - severe)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Draft" in text  # still planned: the planners' draft says so


def test_xml_invalid_characters_are_stripped_and_a_lost_photo_does_not_stop_the_report(released):
    site = Result.objects.filter(round=released, outcome="severe").select_related("assignment__site").first() \
        .assignment.site
    Site.objects.filter(pk=site.pk).update(name="菜市场\x01\x0b\ufffe东")
    released.firm_name = "测评\x1f公司"  # PostgreSQL stores no NUL; \x1f is as invalid in XML
    released.save(update_fields=["firm_name"])
    for result in Result.objects.filter(round=released, case__isnull=False).select_related("case"):
        for evidence in result.case.evidence.all():
            evidence.public_file.delete(save=False)
            evidence.file.delete(save=False)
    doc = Document(io.BytesIO(round_report_docx(round_=released)))
    everything = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows
                                                                for c in r.cells])
    assert "菜市场东" in everything and "测评公司" in everything
    assert len(doc.inline_shapes) == 0 and "(no photo)" in everything


def test_download_follows_the_round_pages_rule(client, demo_round, people):
    _record(demo_round, people, {("131102", "school"): PLAN[("131102", "school")]})
    url = reverse("inspections:round_report", args=[demo_round.pk])
    client.force_login(people["zhiban"])
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert f'filename="{demo_round.code}-report.docx"' in answer["Content-Disposition"]
    assert demo_round.code in answer["Content-Disposition"].split("filename*=")[1]
    page = client.get(reverse("inspections:round", args=[demo_round.pk])).content.decode()
    assert url in page
    for username in ("chengguan", "anfang"):  # unannounced: 404 as for a missing round
        client.force_login(people[username])
        assert client.get(url).status_code == 404, username
    rs.round_release(round_id=demo_round.pk, actor=people["zhiban"])
    client.force_login(people["chengguan"])
    assert client.get(url).status_code == 200
    client.force_login(people["anfang"])
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code in {302, 404}
