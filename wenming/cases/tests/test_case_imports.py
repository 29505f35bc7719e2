"""Bulk import of provincial-platform and 12345 exports: checks per row, idempotence, strict mode, views."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from wenming.cases.models import Case, CaseEvent, CaseImport, CaseImportMapping
from wenming.cases.services.case_imports import CaseImportRefused, cases_import
from wenming.org.models import Area

pytestmark = pytest.mark.django_db
HEADER = ["工单编号", "来电时间", "诉求内容", "诉求分类", "紧急程度", "事发地址", "经度", "纬度", "来电人", "来电号码"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def mapping():
    # The shipped 12345 mapping, in WGS-84 so the test's grid centres are taken as they are.
    row, _ = CaseImportMapping.objects.update_or_create(name="12345 热线", defaults={
        "channel": "12345", "crs": "wgs84",
        "columns": {"external_id": "工单编号", "reported_at": "来电时间", "description": "诉求内容", "category": "诉求分类",
                    "urgency": "紧急程度", "address": "事发地址", "lng": "经度", "lat": "纬度", "reporter_name": "来电人",
                    "reporter_phone": "来电号码"},
        "category_map": {"城市管理-占道经营": "SJ0401"}, "is_active": True})
    return row



@pytest.fixture
def grid():
    return Area.objects.filter(level="grid", code__startswith="131102").order_by("code").first()


def write_csv(path, rows, header=HEADER):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    return path


def good(grid, number="GD001", **over):
    row = {"工单编号": number, "来电时间": "2026-11-20 08:30", "诉求内容": "小区门口有人占道卖菜",
           "诉求分类": "城市管理-占道经营", "紧急程度": "一般", "事发地址": "人民路 1 号", "经度": str(grid.lng),
           "纬度": str(grid.lat), "来电人": "王先生", "来电号码": "13800000001"}
    row.update(over)
    return [row[h] for h in HEADER]


def test_rows_are_imported_routed_and_kept_as_sent(tmp_path, mapping, grid, people):
    path = write_csv(tmp_path / "12345.csv", [good(grid, "GD001"), good(grid, "GD002", 诉求分类="SJ0101", 紧急程度="紧急")])
    result = cases_import(path=path, mapping=mapping, actor=people["shouli"])
    assert (result.accepted, result.skipped, result.refused) == (2, 0, 0) and result.pk
    case = Case.objects.get(channel="12345", external_id="GD001")
    assert case.category.code == "SJ0401" and case.grid == grid and case.reporter_phone == "13800000001"
    assert timezone.localtime(case.reported_at).replace(tzinfo=None) == dt.datetime(2026, 11, 20, 8, 30)
    assert case.routing.get("unit_name")  # routed like any case
    assert Case.objects.get(external_id="GD002").urgency == "urgent"
    assert CaseEvent.objects.filter(case=case, action="report").count() == 1
    assert [r["case"] for r in result.rows] == [case.pk, Case.objects.get(external_id="GD002").pk]


def test_a_file_sent_again_is_skipped_row_by_row(tmp_path, mapping, grid, people):
    path = write_csv(tmp_path / "12345.csv", [good(grid, "GD001")])
    cases_import(path=path, mapping=mapping, actor=people["shouli"])
    write_csv(path, [good(grid, "GD001"), good(grid, "GD003")])
    again = cases_import(path=path, mapping=mapping, actor=people["shouli"])
    assert (again.accepted, again.skipped, again.refused) == (1, 1, 0)
    assert Case.objects.filter(channel="12345", external_id="GD001").count() == 1
    assert again.rows[0]["status"] == "skipped" and again.rows[0]["case"] == Case.objects.get(external_id="GD001").pk


def test_each_bad_row_is_refused_with_its_field_and_the_rest_imported(tmp_path, mapping, grid, people):
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    rows = [
        good(grid, "OK1"),
        good(grid, "", ),
        good(grid, "E2", 诉求内容=""),
        good(grid, "E3", 来电时间="昨天"),
        good(grid, "E4", 来电时间=future),
        good(grid, "E5", 诉求分类="外星人入侵"),
        good(grid, "E6", 来电号码="12"),
        good(grid, "E7", 经度="东经115"),
        good(grid, "E8", 经度="", 纬度="", 事发地址=""),
        good(grid, "OK1"),
        good(grid, "E10", 紧急程度="十万火急"),
        good(grid, "OK2", 经度="", 纬度=""),  # an address without coordinates: taken in for the command centre to locate
    ]
    result = cases_import(path=write_csv(tmp_path / "bad.csv", rows), mapping=mapping, actor=people["shouli"])
    by_row = {r["row"]: r for r in result.rows}
    assert (result.accepted, result.refused) == (2, 10)
    expected = {3: "external id: is empty", 4: "description: is empty", 5: "reported at: 昨天",
                6: "lies in the future", 7: "外星人入侵", 8: "reporter phone", 9: "longitude", 10: "give coordinates or an address",
                11: "the same as row 2", 12: "十万火急"}
    for number, text in expected.items():
        assert by_row[number]["status"] == "refused" and text in by_row[number]["reason"], (number, by_row[number])
    assert set(Case.objects.filter(channel="12345").values_list("external_id", flat=True)) == {"OK1", "OK2"}
    assert Case.objects.get(external_id="OK2").grid is None


def test_strict_refuses_the_whole_file_for_one_bad_row(tmp_path, mapping, grid, people):
    path = write_csv(tmp_path / "strict.csv", [good(grid, "S1"), good(grid, "S2", 诉求内容="")])
    result = cases_import(path=path, mapping=mapping, actor=people["shouli"], strict=True)
    assert not Case.objects.filter(channel="12345").exists()
    assert [r["status"] for r in result.rows] == ["not_imported", "refused"] and result.pk  # the refusal is logged


def test_a_dry_run_writes_nothing(tmp_path, mapping, grid, people):
    result = cases_import(path=write_csv(tmp_path / "dry.csv", [good(grid, "D1")]), mapping=mapping,
                          actor=people["shouli"], dry_run=True)
    assert result.accepted == 1 and result.pk is None
    assert not Case.objects.filter(channel="12345").exists() and not CaseImport.objects.exists()


def test_a_file_that_does_not_match_the_mapping_is_refused_whole(tmp_path, mapping, people):
    path = write_csv(tmp_path / "wrong.csv", [["1", "x"]], header=["编号", "内容"])
    with pytest.raises(CaseImportRefused) as refused:
        cases_import(path=path, mapping=mapping, actor=people["shouli"])
    assert "external_id: the column is missing" in str(refused.value)
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(CaseImportRefused):
        cases_import(path=tmp_path / "x.txt", mapping=mapping, actor=people["shouli"])
    assert not CaseImport.objects.exists()


def test_xlsx_with_date_cells_numbers_and_gcj02(tmp_path, mapping, grid, people):
    from openpyxl import Workbook

    mapping.crs = "gcj02"
    mapping.save()
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([20261120001, dt.datetime(2026, 11, 20, 9, 15), "井盖缺失", "SJ0504", "特急", "", grid.lng, grid.lat, "", ""])
    book.save(tmp_path / "export.xlsx")
    result = cases_import(path=tmp_path / "export.xlsx", mapping=mapping, actor=people["shouli"])
    assert result.accepted == 1, result.rows
    case = Case.objects.get(external_id="20261120001")
    assert case.urgency == "emergency" and timezone.localtime(case.reported_at).hour == 9
    assert case.lng != pytest.approx(grid.lng, abs=1e-6)  # converted from GCJ-02 to WGS-84


def test_the_command_reports_and_refuses_unknown_mappings(tmp_path, mapping, grid):
    path = write_csv(tmp_path / "cmd.csv", [good(grid, "C1"), good(grid, "C2", 诉求内容="")])
    out = io.StringIO()
    call_command("import-cases", str(path), "--mapping", "12345 热线", "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue() and "1 accepted" in out.getvalue() and "row 3" in out.getvalue()
    assert not Case.objects.filter(channel="12345").exists()
    with pytest.raises(CommandError, match="strict"):
        call_command("import-cases", str(path), "--mapping", "12345 热线", "--strict", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No active mapping"):
        call_command("import-cases", str(path), "--mapping", "nope", stdout=io.StringIO())


def test_the_import_page_checks_then_imports(client, tmp_path, mapping, grid, people):
    client.force_login(people["shouli"])
    page = client.get(reverse("cases:import"))
    assert page.status_code == 200 and "12345 热线" in page.content.decode()
    content = write_csv(tmp_path / "web.csv", [good(grid, "W1"), good(grid, "W2", 诉求内容="")]).read_bytes()

    def send(**extra):
        return client.post(reverse("cases:import"), {"mapping": mapping.pk, "file": SimpleUploadedFile("web.csv", content), **extra})

    checked = send(dry_run="on").content.decode()
    assert 'data-accepted="1"' in checked and 'data-refused="1"' in checked
    assert not Case.objects.filter(channel="12345").exists()
    done = send().content.decode()
    assert 'data-status="accepted"' in done and Case.objects.filter(channel="12345", external_id="W1").exists()
    assert "web.csv" in client.get(reverse("cases:import")).content.decode()  # in the recent imports
    wrong = client.post(reverse("cases:import"), {"mapping": mapping.pk, "file": SimpleUploadedFile("a.pdf", b"%PDF")})
    with translation.override("zh-hans"):  # the page speaks Chinese
        assert translation.gettext("Use a .xlsx or a .csv (UTF-8) file.") in wrong.content.decode()
    client.force_login(people["chengguan"])
    assert client.get(reverse("cases:import")).status_code == 404


def test_control_characters_in_a_file_are_not_stored(tmp_path, mapping, grid, people):
    """Files come from other systems: a control character in a cell would later break the feeds and Open311 XML."""
    path = write_csv(tmp_path / "ctl.csv", [good(grid, "GD\x0b9", 诉求内容="小区门口\x0b有人\x1b占道\x01卖菜")])
    result = cases_import(path=path, mapping=mapping, actor=people["shouli"])
    assert result.accepted == 1, result.rows
    case = Case.objects.get(pk=result.rows[0]["case"])
    assert case.description == "小区门口有人占道卖菜" and case.external_id == "GD9"
