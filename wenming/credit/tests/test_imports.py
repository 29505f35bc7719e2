"""Imports of a department's export: idempotent, all-or-nothing, natural persons hashed, subjects linked."""

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from wenming.common.credit_code import credit_code_complete
from wenming.credit.errors import NotCreditKeeper
from wenming.credit.models import (
    CreditEvent,
    CreditImport,
    CreditRecord,
    CreditSubject,
    RecordKind,
    SubjectKind,
)
from wenming.credit.services.imports import credit_import
from wenming.org.models import StorefrontDuty, Unit

from .conftest import ACME, HEADER, SCHOOL, SHOP, rows_sample, write_csv

pytestmark = pytest.mark.django_db


def _snapshot():
    return sorted(CreditRecord.objects.values_list("source_record_id", "subject__key", "kind", "decided_by",
                                                   "decided_on", "reason", "effective_from", "effective_until",
                                                   "public", "repaired_on"))


def test_an_import_twice_gives_the_same_records(market, tmp_path):
    path = write_csv(tmp_path / "scjg.csv", HEADER, rows_sample())
    first = credit_import(source_id=market.pk, path=path)
    assert first.status == CreditImport.Status.DONE, first.errors
    assert (first.rows_read, first.rows_written, first.rows_refused) == (4, 4, 0)
    once = _snapshot()
    subjects = CreditSubject.objects.count()
    second = credit_import(source_id=market.pk, path=path)
    assert second.status == CreditImport.Status.DONE
    assert _snapshot() == once
    assert CreditRecord.objects.count() == 4 and CreditSubject.objects.count() == subjects == 4
    assert CreditEvent.objects.filter(action=CreditEvent.Action.IMPORT).count() == 2


def test_kinds_dates_and_public_are_read_as_offices_write_them(market, tmp_path):
    credit_import(source_id=market.pk, path=write_csv(tmp_path / "a.csv", HEADER, rows_sample()))
    acme = CreditRecord.objects.get(source_record_id="SC-001")
    assert acme.kind == RecordKind.DISHONEST and acme.public and str(acme.decided_on) == "2026-03-01"
    assert str(acme.effective_from) == "2026-03-01" and str(acme.effective_until) == "2029-03-01"
    assert acme.subject.kind == SubjectKind.ENTERPRISE and acme.subject.credit_code == ACME
    assert CreditRecord.objects.get(source_record_id="SC-002").subject.kind == SubjectKind.SHOP
    assert CreditRecord.objects.get(source_record_id="SC-003").subject.kind == SubjectKind.UNIT
    person = CreditRecord.objects.get(source_record_id="SC-004")
    # A natural person: never public, and the identity number is not stored (only a keyed hash).
    assert person.subject.kind == SubjectKind.PERSON and not person.public
    assert person.subject.key.startswith("P") and "131102199001011234" not in person.subject.key
    assert person.subject.credit_code == ""
    assert not hasattr(CreditSubject, "phone")


def test_a_file_with_a_bad_line_writes_nothing_and_names_line_and_column(market, transport, tmp_path):
    rows = rows_sample()
    rows[1][2] = SHOP[:-1] + ("0" if SHOP[-1] != "0" else "1")  # wrong check character
    rows[2][1] = "表扬"
    rows[3][6] = "2026-13-40"
    job = credit_import(source_id=market.pk, path=write_csv(tmp_path / "bad.csv", HEADER, rows))
    assert job.status == CreditImport.Status.FAILED and job.rows_written == 0 and job.rows_refused == 3
    text = "\n".join(job.errors)
    assert "nothing was written" in text
    assert "line 3, column 统一社会信用代码" in text and "check character" in text
    assert "line 4, column 记录类型" in text
    assert "line 5, column 决定日期" in text
    assert not CreditRecord.objects.exists() and not CreditSubject.objects.exists()
    # A source that may not send 失信 refuses such lines.
    job = credit_import(source_id=transport.pk, path=write_csv(tmp_path / "t.csv", HEADER, rows_sample()[:1]))
    assert job.status == CreditImport.Status.FAILED and "does not send records of the kind" in job.errors[1]


def test_a_missing_column_is_named(market, tmp_path):
    job = credit_import(source_id=market.pk, path=write_csv(tmp_path / "m.csv", ["主体名称", "记录类型"], [["x", "失信"]]))
    assert job.status == CreditImport.Status.FAILED and "记录编号" in job.errors[0]


def test_xlsx_and_repairs_in_the_export(market, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append([*HEADER[:9], "信用修复日期", "修复原因"])
    sheet.append(["SC-009", "失信", ACME, "衡水某某贸易有限公司", None, "市场监管局", "2025-01-02", "虚假宣传", None,
                  "2026-05-01", "已整改并公开承诺"])
    path = tmp_path / "x.xlsx"
    book.save(path)
    job = credit_import(source_id=market.pk, path=path)
    assert job.status == CreditImport.Status.DONE, job.errors
    record = CreditRecord.objects.get(source_record_id="SC-009")
    assert str(record.repaired_on) == "2026-05-01" and record.status == "repaired"


def test_only_the_department_imports(market, transport_staff, market_staff, tmp_path):
    path = write_csv(tmp_path / "a.csv", HEADER, rows_sample())
    with pytest.raises(NotCreditKeeper):
        credit_import(source_id=market.pk, path=path, actor=transport_staff)
    assert credit_import(source_id=market.pk, path=path, actor=market_staff).status == CreditImport.Status.DONE


def test_subjects_are_linked_to_shops_and_units(market, tmp_path):
    shop = StorefrontDuty.objects.order_by("pk").first()
    shop.licence_no = SHOP
    shop.save()
    unit = Unit.objects.get(code="WY-1")
    property_company = credit_code_complete("91131100MA0000009")
    rows = rows_sample()[:2] + [["SC-010", "行政处罚", property_company, unit.name, "", "市场监管局", "2026-01-01",
                                 "物业收费未公示", "", ""]]
    credit_import(source_id=market.pk, path=write_csv(tmp_path / "a.csv", HEADER, rows))
    assert CreditSubject.objects.get(credit_code=SHOP).storefront == shop
    assert CreditSubject.objects.get(credit_code=property_company).unit == unit


def test_the_command(market, tmp_path):
    path = write_csv(tmp_path / "a.csv", HEADER, rows_sample())
    call_command("credit-import", "scjg", str(path))
    assert CreditRecord.objects.count() == 4
    assert SCHOOL in set(CreditSubject.objects.values_list("credit_code", flat=True))
