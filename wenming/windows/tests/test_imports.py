"""The bulk import of windows: by code (a second import updates, never duplicates), all or nothing with each error
naming its row and column, formula prefixes refused and control characters dropped, scoped to the importer's unit;
the command with --dry-run and the upload page."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from wenming.common.models import AuditEvent
from wenming.org.models import Site
from wenming.windows.errors import NotAllowed
from wenming.windows.models import ServiceWindow, WindowEvent, WindowEventKind
from wenming.windows.services.imports import ImportFailed, windows_import

pytestmark = pytest.mark.django_db
HEADER = "窗口编码,点位编码,单位编码,窗口名称,窗口号,是否启用\n"


def _csv(tmp_path: Path, body: str, name: str = "windows.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_importing_the_same_file_twice_gives_the_same_windows(tmp_path, hall):
    path = _csv(tmp_path, f"HS-A01,{hall.code},POWER,供电业务窗口,A01,是\nHS-A02,{hall.code},WATER,供水业务窗口,A02,\n")
    report = windows_import(path=path)
    assert (report.created, report.updated) == (2, 0)
    power = ServiceWindow.objects.get(code="HS-A01")
    assert (power.site, power.unit.code, power.name, power.number, power.is_active) == (
        hall, "POWER", "供电业务窗口", "A01", True)
    again = windows_import(path=path)
    assert (again.created, again.updated) == (0, 0)
    assert ServiceWindow.objects.filter(code__in=["HS-A01", "HS-A02"]).count() == 2
    # A changed row updates its window and logs the change; an empty optional cell leaves the stored value.
    changed = _csv(tmp_path, f"hs-a01,{hall.code},POWER,供电营业窗口,,否\n", name="changed.csv")
    assert windows_import(path=changed).updated == 1
    power.refresh_from_db()
    assert (power.name, power.number, power.is_active) == ("供电营业窗口", "A01", False)
    event = WindowEvent.objects.get(window=power, kind=WindowEventKind.IMPORTED)
    assert event.data["old"] == {"name": "供电业务窗口", "is_active": True}
    assert WindowEvent.objects.filter(window=power, kind=WindowEventKind.CREATED).count() == 1
    assert AuditEvent.objects.filter(action="import.windows").count() == 2


def test_a_bad_row_refuses_the_whole_file_naming_row_and_column(tmp_path, hall):
    path = _csv(tmp_path, f"HS-B01,{hall.code},POWER,好窗口,B01,\n"
                          f"HS-B02,NO-SUCH-SITE,POWER,坏点位,B02,\n"
                          f"HS-B03,{hall.code},NOUNIT,坏单位,B03,也许\n"
                          f"HS-B01,{hall.code},POWER,重复,B04,\n")
    with pytest.raises(ImportFailed) as failed:
        windows_import(path=path)
    errors = failed.value.report.errors
    assert not ServiceWindow.objects.filter(code__startswith="HS-B").exists()  # not even row 2
    assert any(e.startswith("row 3 ") and "Site code" in e and "NO-SUCH-SITE" in e for e in errors)
    assert any(e.startswith("row 4 ") and "Unit code" in e for e in errors)
    assert any(e.startswith("row 4 ") and "Active" in e for e in errors)
    assert any(e.startswith("row 5 ") and "appears twice in the file (first on row 2)" in e for e in errors)
    missing = tmp_path / "missing.csv"
    missing.write_text("窗口编码,窗口名称\nX-1,名\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        windows_import(path=missing)
    assert any("row 1" in e and "Site code" in e and "missing" in e for e in failed.value.report.errors)


def test_formula_prefixes_are_refused_and_control_characters_dropped(tmp_path, hall):
    path = _csv(tmp_path, f'HS-C01,{hall.code},POWER,"=HYPERLINK(""http://x"",""点"")",C01,\n'
                          f"=cmd,{hall.code},POWER,窗口,C02,\n"
                          f"HS-C03,{hall.code},POWER,窗口,@SUM(1),\n")
    with pytest.raises(ImportFailed) as failed:
        windows_import(path=path)
    errors = failed.value.report.errors
    assert any(e.startswith("row 2 ") and "Counter name" in e and "formula" in e for e in errors)
    assert any(e.startswith("row 3 ") and "Window code" in e for e in errors)
    assert any(e.startswith("row 4 ") and "Counter number" in e and "formula" in e for e in errors)
    assert not ServiceWindow.objects.filter(site=hall).exists()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["窗口编码", "点位编码", "单位编码", "窗口名称", "窗口号"])
    sheet.append(["HS-C09", hall.code, "POWER", "供电窗口", 9])  # a number typed into Excel stays "9"
    xlsx = tmp_path / "windows.xlsx"
    workbook.save(xlsx)
    windows_import(path=xlsx)
    assert ServiceWindow.objects.get(code="HS-C09").number == "9"
    # Control characters (which an XLSX cannot hold, a CSV can) are dropped from every cell.
    windows_import(path=_csv(tmp_path, f"HS-C10,{hall.code},POWER,供电\x07窗口\x1b,\x00C10,\n", name="ctl.csv"))
    assert ServiceWindow.objects.filter(code="HS-C10").values_list("name", "number").get() == ("供电窗口", "C10")


def test_a_unit_imports_only_its_own_windows(tmp_path, hall, people, power_window):
    gongdian = people["gongdian"]
    mine = _csv(tmp_path, f"HS-D01,{hall.code},POWER,供电二号窗口,D01,\n")
    assert windows_import(path=mine, actor=gongdian).created == 1
    theirs = _csv(tmp_path, f"HS-D02,{hall.code},WATER,供水窗口,D02,\n", name="theirs.csv")
    with pytest.raises(ImportFailed) as failed:
        windows_import(path=theirs, actor=gongdian)
    assert "your own unit" in failed.value.report.errors[0]
    # Nor take over a window of another unit by its code.
    water = ServiceWindow.objects.create(site=hall, unit=ServiceWindow.objects.get(code="HS-D01").unit.__class__
                                         .objects.get(code="WATER"), name="供水", code="HS-WATER")
    grab = _csv(tmp_path, f"{water.code},{hall.code},POWER,抢来的窗口,,\n", name="grab.csv")
    with pytest.raises(ImportFailed) as failed:
        windows_import(path=grab, actor=gongdian)
    assert "another unit" in failed.value.report.errors[0]
    water.refresh_from_db()
    assert water.name == "供水"
    # The command centre imports any unit's windows; an area leader or an inspector none.
    assert windows_import(path=theirs, actor=people["paiqian"]).created == 1
    with pytest.raises(NotAllowed):
        windows_import(path=mine, actor=people["taocheng"])


def test_the_command_checks_with_dry_run_then_imports(tmp_path, hall):
    path = _csv(tmp_path, f"HS-E01,{hall.code},POWER,供电窗口,E01,\n")
    out = io.StringIO()
    call_command("import-windows", str(path), "--dry-run", stdout=out)
    assert "HS-E01" in out.getvalue() and not ServiceWindow.objects.filter(code="HS-E01").exists()
    call_command("import-windows", str(path), stdout=io.StringIO())
    assert ServiceWindow.objects.filter(code="HS-E01").exists()
    bad = _csv(tmp_path, "HS-E02,,POWER,窗口,,\n", name="bad.csv")
    with pytest.raises(CommandError, match="row 2"):
        call_command("import-windows", str(bad), stdout=io.StringIO())


def test_the_upload_page(client, hall, people):
    client.force_login(people["gongdian"])
    listing = client.get(reverse("windows:list"))
    assert b'id="windows-import-form"' in listing.content
    url = reverse("windows:windows_import")
    body = (HEADER + f"HS-F01,{hall.code},POWER,供电窗口,F01,\n").encode()
    checked = client.post(url, {"file": SimpleUploadedFile("w.csv", body), "dry_run": "on"})
    assert checked.status_code == 200 and b"HS-F01" in checked.content
    assert not ServiceWindow.objects.filter(code="HS-F01").exists()
    done = client.post(url, {"file": SimpleUploadedFile("w.csv", body)})
    assert done.status_code == 200 and ServiceWindow.objects.filter(code="HS-F01").exists()
    bad = client.post(url, {"file": SimpleUploadedFile("w.csv", (HEADER + "HS-F02,NOPE,POWER,x,,\n").encode())})
    assert bad.status_code == 400 and b"row 2" in bad.content
    assert client.post(url, {"file": SimpleUploadedFile("w.txt", b"x")}).status_code == 400
    client.force_login(people["taocheng"])  # an area leader reads windows, does not import them
    assert client.get(url).status_code == 404
    assert not Site.objects.filter(code="HS-F01").exists()
