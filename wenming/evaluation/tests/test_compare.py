"""Comparing two editions: criteria and clauses matched by code; added, removed, reworded (with the text diff)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]


def test_text_diff_by_characters():
    from wenming.evaluation.selectors import text_diff

    assert text_diff("路面干净，无垃圾", "路面整洁，无暴露垃圾") == [
        ("equal", "路面"), ("delete", "干净"), ("insert", "整洁"), ("equal", "，无"), ("insert", "暴露"), ("equal", "垃圾")]
    assert text_diff("同", "同") == [("equal", "同")]


def test_the_demo_editions_compared(demo_framework):
    from wenming.evaluation.models import Edition
    from wenming.evaluation.selectors import editions_compare

    comparison = editions_compare(Edition.objects.get(code="DEMO-2023"), demo_framework)
    by_code = {(c.level, c.code): c for c in comparison.changes}
    for code in ("P6.1.2", "P4.2.2", "N05"):
        assert by_code[("criterion", code)].change == "added"
    assert by_code[("clause", "P6.1.2-1")].change == "added"
    assert by_code[("criterion", "P3.2.2")].change == "removed"
    assert by_code[("clause", "P3.2.2-1")].change == "removed"
    reworded = by_code[("clause", "P5.1.1-1")]
    assert reworded.change == "reworded" and reworded.old == "路面干净，无垃圾"
    assert ("insert", "暴露") in reworded.diff
    assert {code for (level, code), c in by_code.items() if c.change == "reworded"} == {
        "P5.1.1-1", "P7.1.1-1", "P1.1.1-2", "P4.1.1-1"}
    # Three criteria added with their three clauses; one criterion removed with its clause; four clauses reworded.
    assert comparison.counts == {"added": 6, "removed": 2, "reworded": 4, "methods": 0}
    assert comparison.unchanged > 100


def test_codes_sort_naturally():
    from wenming.evaluation.selectors import _code_key

    assert sorted(["P1.1.10", "P10.1.1", "P1.1.2", "P1.1.2-1", "N05", "E01"], key=_code_key) == [
        "E01", "N05", "P1.1.2", "P1.1.2-1", "P1.1.10", "P10.1.1"]


def test_the_comparison_page_and_its_export(client, demo_framework, people):
    client.force_login(people["ceping"])
    page = client.get("/evaluation/compare/", {"old": "DEMO-2023", "new": "DEMO-2026"})
    assert page.status_code == 200
    html = page.content.decode()
    assert '<tr data-code="P5.1.1-1" data-change="reworded">' in html
    assert "<del>干净</del><ins>整洁</ins>" in html
    assert 'data-count="removed">2<' in html
    export = client.get("/evaluation/compare.xlsx", {"old": "DEMO-2023", "new": "DEMO-2026"}, HTTP_ACCEPT_LANGUAGE="en")
    assert export.status_code == 200 and export["Content-Disposition"].startswith("attachment")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][:4] == ("Kind of change", "Level", "Code", "Kind")
    reworded = next(r for r in rows if r[2] == "P5.1.1-1")
    assert reworded[0] == "reworded" and reworded[4] == "路面干净，无垃圾" and reworded[5] == "路面整洁，无暴露垃圾、无卫生死角"
    assert any(r[2] == "P3.2.2" and r[0] == "removed" for r in rows)


def test_comparing_an_edition_with_itself_is_refused(client, demo_framework, people):
    client.force_login(people["ceping"])
    page = client.get("/evaluation/compare/", {"old": "DEMO-2026", "new": "DEMO-2026"})
    assert page.status_code == 400 and "Choose two different editions." in page.content.decode()
    assert client.get("/evaluation/compare/", {"old": "DEMO-2026", "new": "NOPE"}).status_code == 400
