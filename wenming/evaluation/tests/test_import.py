"""The edition import: a good edition loads whole, broken rows are named by sheet, row and column, nothing is
half-loaded, a dry run writes nothing; and the 责任分工 sheet alone."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from wenming.evaluation.tests.conftest import demo_bytes, workbook

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _counts():
    from wenming.evaluation.models import Clause, Criterion, CriterionEvent, Domain, Edition, Indicator

    return [m.objects.count() for m in (Edition, Domain, Indicator, Criterion, Clause, CriterionEvent)]


def test_a_good_edition_loads_whole(tmp_path, people):
    from wenming.common.models import AuditEvent
    from wenming.evaluation.models import (
        Clause,
        Criterion,
        CriterionKind,
        Domain,
        DomainKind,
        Edition,
        Method,
    )
    from wenming.evaluation.services.imports import edition_import

    path = tmp_path / "demo.xlsx"
    path.write_bytes(demo_bytes(2026))
    report = edition_import(path=path, actor=people["admin"])
    edition = Edition.objects.get(code="DEMO-2026")
    assert edition.is_demo and edition.year == 2026 and "非官方" in edition.name
    assert edition.imported_by == people["admin"] and edition.file_name == "demo.xlsx"
    assert Domain.objects.filter(edition=edition, kind=DomainKind.FIELD).count() == 9
    assert Domain.objects.filter(edition=edition, kind=DomainKind.PROJECT).count() == 7
    criteria = Criterion.objects.filter(edition=edition)
    assert criteria.filter(kind=CriterionKind.NEGATIVE).count() == 40
    assert criteria.filter(kind=CriterionKind.OPINION).count() == 41
    contents = criteria.filter(kind=CriterionKind.CONTENT)
    assert contents.count() >= 25 and all(c.indicator_id for c in contents)
    assert not criteria.exclude(kind=CriterionKind.CONTENT).filter(indicator__isnull=False).exists()
    school = Clause.objects.get(criterion__edition=edition, criterion__code="P7.1.1", number=2)
    assert school.methods == [Method.FIELD] and school.method_note == "实地观察"
    several = Clause.objects.get(criterion__edition=edition, criterion__code="P5.1.1", number=1)
    assert several.methods == [Method.FIELD, Method.OBSERVATION]
    assert Domain.objects.get(edition=edition, code="P5").weight == Decimal("20.00")
    assert report.created == 1 + criteria.count() and not report.errors
    assert AuditEvent.objects.filter(action="import.evaluation_edition", actor=people["admin"]).exists()


def test_a_dry_run_writes_nothing(tmp_path):
    from wenming.evaluation.services.imports import edition_import

    path = tmp_path / "demo.xlsx"
    path.write_bytes(demo_bytes(2026))
    before = _counts()
    report = edition_import(path=path, dry_run=True)
    assert report.dry_run and report.created > 100 and "Dry run" in report.summary()
    assert _counts() == before


def test_a_missing_sheet_is_named(tmp_path, demo_sheets):
    from wenming.common.tabular_import import ImportFailed
    from wenming.evaluation.services.imports import edition_import

    del demo_sheets["indicators"]
    before = _counts()
    with pytest.raises(ImportFailed) as failed:
        edition_import(path=workbook(tmp_path, demo_sheets))
    assert failed.value.report.errors == ['edition.xlsx: sheet "指标": the sheet is missing']
    assert _counts() == before


def test_broken_rows_each_named(tmp_path, demo_sheets):
    from wenming.common.tabular_import import ImportFailed
    from wenming.evaluation.services.imports import edition_import

    code = demo_sheets["contents"][2]["code"]
    demo_sheets["contents"][2]["indicator"] = "P9.9"
    demo_sheets["contents"][3]["points"] = "三分"
    demo_sheets["clauses"][0]["methods"] = "听取汇报、飞行检查"
    demo_sheets["clauses"][1]["criterion"] = demo_sheets["clauses"][0]["criterion"]
    demo_sheets["clauses"][1]["number"] = demo_sheets["clauses"][0]["number"]
    demo_sheets["negative"][5]["code"] = demo_sheets["negative"][4]["code"]
    demo_sheets["opinion"][0]["domain"] = "F99"
    demo_sheets["projects"][1]["code"] = "=cmd|' /C calc'!A0"
    demo_sheets["edition"][0]["year"] = "二〇二六"
    path = workbook(tmp_path, demo_sheets)
    with pytest.raises(ImportFailed) as failed:
        edition_import(path=path)
    errors = failed.value.report.errors
    expected = [
        f'sheet "测评内容", row 4 (code {code}): column "指标编码": no 指标 has the code "P9.9" in the sheet "指标"',
        'sheet "测评内容", row 5 (code', 'column "分值": "三分" is not a number',
        'sheet "测评标准", row 2 (code P1.1.1): column "测评方法": unknown evaluation method "飞行检查"',
        'sheet "测评标准", row 3 (code P1.1.1): column "序号": clause 1 of P1.1.1 is already on row 2',
        f'sheet "负面清单", row 7 (code {demo_sheets["negative"][4]["code"]}): column "编码": the code',
        'sheet "评价意见", row 2 (code E01): column "领域编码": no 领域 has the code "F99"',
        'sheet "测评项目", row 3: column "编码": "\'=cmd|\' /C calc\'!A0" is not a code',
        'sheet "版本", row 2: column "年份": "二〇二六" is not a whole number',
    ]
    text = "\n".join(errors)
    for part in expected:
        assert part in text, f"{part!r} not in:\n{text}"


def test_nothing_is_half_loaded_when_a_write_fails(tmp_path, monkeypatch):
    """A failure after the first rows are written (here: the clauses) rolls every row back."""
    from wenming.evaluation.models import Clause
    from wenming.evaluation.services.imports import edition_import

    path = tmp_path / "demo.xlsx"
    path.write_bytes(demo_bytes(2026))
    before = _counts()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Clause.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        edition_import(path=path)
    assert _counts() == before


def test_a_bad_responsibility_row_stops_the_whole_edition(tmp_path, demo_sheets):
    from wenming.common.tabular_import import ImportFailed
    from wenming.evaluation.services.imports import edition_import

    demo_sheets["responsibility"] = [{"code": "P5.1.1", "lead_unit": "CGJ"},
                                     {"code": "P5.1.2", "lead_unit": "NO-SUCH-UNIT"}]
    path = workbook(tmp_path, demo_sheets)
    before = _counts()
    with pytest.raises(ImportFailed) as failed:
        edition_import(path=path)
    assert ('sheet "责任分工", row 3 (code P5.1.2): column "牵头单位": no unit has the code or name "NO-SUCH-UNIT"'
            in failed.value.report.errors)
    assert _counts() == before


def test_an_edition_is_never_overwritten(tmp_path):
    from wenming.common.tabular_import import ImportFailed
    from wenming.evaluation.services.imports import edition_import

    path = tmp_path / "demo.xlsx"
    path.write_bytes(demo_bytes(2026))
    edition_import(path=path)
    with pytest.raises(ImportFailed) as failed:
        edition_import(path=path)
    assert "an edition with the code DEMO-2026 is loaded already" in failed.value.report.errors[0]


def test_not_a_workbook(tmp_path):
    from wenming.common.tabular_import import ImportFailed
    from wenming.evaluation.services.imports import edition_import

    path = tmp_path / "edition.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ImportFailed) as failed:
        edition_import(path=path)
    assert "is not a readable .xlsx workbook" in failed.value.report.errors[0]


def test_a_workbook_beyond_the_bounds_is_refused_unread(tmp_path, monkeypatch):
    from wenming.common import tabular_import
    from wenming.evaluation.services.imports import edition_import

    monkeypatch.setattr(tabular_import, "WORKBOOK_MAX_ROWS", 5)
    path = tmp_path / "demo.xlsx"
    path.write_bytes(demo_bytes(2026))
    with pytest.raises(tabular_import.ImportFailed) as failed:
        edition_import(path=path)
    assert "more than 5 rows: split the workbook" in failed.value.report.errors[0]


def test_control_characters_and_long_text(tmp_path, demo_sheets):
    from wenming.common.tabular_import import ImportFailed
    from wenming.evaluation.models import Criterion
    from wenming.evaluation.services.imports import edition_import

    demo_sheets["contents"][0]["text"] = "主干道\x00整洁\x1b[31m"
    path = workbook(tmp_path, demo_sheets)
    edition_import(path=path)
    assert Criterion.objects.get(edition__code="DEMO-2026", code=demo_sheets["contents"][0]["code"]).text == "主干道整洁[31m"
    demo_sheets["edition"][0]["code"] = "OTHER"
    demo_sheets["contents"][0]["text"] = "长" * 5000
    with pytest.raises(ImportFailed) as failed:
        edition_import(path=workbook(tmp_path, demo_sheets, name="long.xlsx"))
    assert "longer than 4000 characters" in "\n".join(failed.value.report.errors)


# -- the 责任分工 sheet alone -----------------------------------------------------------------------------------------

def _responsibility(tmp_path, rows, name="resp.xlsx"):
    """A 责任分工 sheet with only the columns the rows name (a column left out keeps what is set)."""
    import dataclasses

    from wenming.evaluation.services.imports import RESPONSIBILITY

    keys = {key for row in rows for key in row}
    sheet = dataclasses.replace(RESPONSIBILITY, columns=tuple(c for c in RESPONSIBILITY.columns if c[0] in keys))
    return workbook(tmp_path, {"responsibility": rows}, name=name, order=(sheet,))


def test_the_responsibility_sheet_sets_changes_and_keeps(tmp_path, demo_framework, people):
    from wenming.evaluation.models import Criterion, CriterionEvent, CriterionEventAction
    from wenming.evaluation.services.imports import responsibility_import

    criterion = Criterion.objects.get(edition=demo_framework, code="P5.1.3")
    version, leader = criterion.version, criterion.leader_name
    assert criterion.lead_unit.code == "CGJ" and leader
    rows = [{"code": "P5.1.3", "lead_unit": "衡水市市场监督管理局", "responsible_units": "CGJ、CGJ-131102",
             "categories": "SJ0403", "site_types": "农贸市场", "radius_m": "500"}]
    path = _responsibility(tmp_path, rows)
    dry = responsibility_import(path=path, edition=demo_framework, dry_run=True, actor=people["admin"])
    assert dry.updated == 1 and Criterion.objects.get(pk=criterion.pk).version == version
    report = responsibility_import(path=path, edition=demo_framework, actor=people["admin"])
    assert report.updated == 1
    criterion.refresh_from_db()
    assert criterion.lead_unit.code == "SCJG" and criterion.version == version + 1
    assert sorted(u.code for u in criterion.responsible_units.all()) == ["CGJ", "CGJ-131102"]
    assert [c.code for c in criterion.categories.all()] == ["SJ0403"] and criterion.radius_m == 500
    # Columns the sheet left out (the leader, the task force, the tasks) keep what was set.
    assert criterion.leader_name == leader
    event = CriterionEvent.objects.filter(criterion=criterion).latest("id")
    assert event.action == CriterionEventAction.RESPONSIBILITY_IMPORTED and event.actor == people["admin"]
    assert event.data["before"]["lead_unit"] == ["CGJ"] and event.data["after"]["lead_unit"] == ["SCJG"]
    # The same sheet again changes nothing and writes no event.
    assert responsibility_import(path=path, edition=demo_framework).updated == 0
    assert CriterionEvent.objects.filter(criterion=criterion).count() == 2  # the demo's import, then this one
    # An empty cell clears.
    path = _responsibility(tmp_path, [{"code": "P5.1.3", "lead_unit": "SCJG", "leader_name": "", "radius_m": ""}],
                           name="clear.xlsx")
    responsibility_import(path=path, edition=demo_framework)
    criterion.refresh_from_db()
    assert criterion.leader_name == "" and criterion.radius_m is None


def test_responsibility_rows_refused_by_name(tmp_path, demo_framework):
    from wenming.common.tabular_import import ImportFailed
    from wenming.evaluation.models import CriterionEvent
    from wenming.evaluation.services.imports import responsibility_import

    rows = [{"code": "P5.1.3", "lead_unit": "CGJ", "tasks": "NO-TASK", "site_types": "月球"},
            {"code": "ZZZ", "lead_unit": "CGJ"},
            {"code": "P5.1.3", "lead_unit": "CGJ"},
            {"code": "P5.1.1", "radius_m": "200000", "categories": "SJ0101、XX99"}]
    before = CriterionEvent.objects.count()
    with pytest.raises(ImportFailed) as failed:
        responsibility_import(path=_responsibility(tmp_path, rows), edition=demo_framework)
    text = "\n".join(failed.value.report.errors)
    for part in ('row 2 (code P5.1.3): column "关联任务": no campaign task has the code or name "NO-TASK"',
                 'row 2 (code P5.1.3): column "关联点位类型": no site type has the code or name "月球"',
                 'row 3 (code ZZZ): column "编码": no criterion has the code "ZZZ" in this edition',
                 'row 4 (code P5.1.3): column "编码": appears twice in the sheet (first on row 2)',
                 'row 5 (code P5.1.1): column "点位周边范围（米）": must be between 0 and 100000',
                 'row 5 (code P5.1.1): column "关联案件类别": no case category has the code or name "XX99"'):
        assert part in text, f"{part!r} not in:\n{text}"
    assert CriterionEvent.objects.count() == before


def test_the_edition_workbook_goes_back_in(tmp_path, demo_framework):
    """An edition downloaded with its 责任分工 imports as a new edition with the same tree and responsibility."""
    from wenming.evaluation.models import Clause, Criterion
    from wenming.evaluation.services.imports import edition_import
    from wenming.evaluation.services.workbook import edition_sheets

    sheets = edition_sheets(demo_framework)
    sheets["edition"][0]["code"] = "COPY"
    edition_import(path=workbook(tmp_path, sheets))
    old = Criterion.objects.filter(edition=demo_framework)
    new = Criterion.objects.filter(edition__code="COPY")
    assert sorted(old.values_list("code", "text", "kind", "lead_unit__code", "leader_name")) == sorted(
        new.values_list("code", "text", "kind", "lead_unit__code", "leader_name"))
    assert Clause.objects.filter(criterion__edition__code="COPY").count() == Clause.objects.filter(
        criterion__edition=demo_framework).count()
