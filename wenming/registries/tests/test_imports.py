"""The import of the police exports: normalised numbers, per-area rates, area counts, bad lines, snapshots."""

import datetime as dt

import pytest
from openpyxl import Workbook

from wenming.registries.models import RecordStatus, RegistryFigure, RegistryImport, RegistryRecord
from wenming.registries.selectors import registry_city_rate, registry_rates
from wenming.registries.services.imports import number_normalise, registry_import

from .conftest import AS_OF, write_csv

pytestmark = pytest.mark.django_db

HEADER = ["号牌号码", "状态", "所属社区代码", "登记日期", "车主姓名", "联系电话"]


def test_numbers_are_normalised():
    assert number_normalise(" 衡Ａ　１２３ ｂc ") == "衡A123BC"
    assert number_normalise("hs-2024-001") == "HS-2024-001"


def _import(registry, path, *, kind="records", as_of=AS_OF, actor=None):
    return registry_import(registry_id=registry.pk, path=path, kind=kind, as_of=as_of, actor=actor)


def _hand_made(tmp_path):
    # A: 3 of 4 plated; B: 1 of 2. The owner's name and phone columns are dropped unread.
    rows = [["A1", "已挂牌", "T90A", "2024-01-05", "张三", "13800000000"],
            ["A2", "已挂牌", "T90A", "2024/1/6", "", ""],
            ["ａ３", "已挂牌", "T90A", "20240107", "", ""],
            ["A4", "已备案未挂牌", "T90A", "", "", ""],
            ["B1", "已挂牌", "T90B", "2024年2月1日", "", ""],
            ["B2", "未挂牌", "T90B", "", "", ""]]
    return write_csv(tmp_path / "ebikes.csv", HEADER, rows)


def test_records_give_the_rate_per_area(ebikes, street, tmp_path):
    job = _import(ebikes, _hand_made(tmp_path))
    assert job.status == RegistryImport.Status.DONE, job.errors
    assert (job.rows_read, job.rows_written, job.rows_refused) == (6, 6, 0)
    assert job.ignored_columns == ["车主姓名", "联系电话"]
    assert RegistryRecord.objects.get(number="A3").status == RecordStatus.PLATED
    assert not hasattr(RegistryRecord, "owner_name")
    communities = registry_rates(kind="ebike", level="community")
    assert communities == {"T90A": (4, 3), "T90B": (2, 1)}
    assert registry_rates(kind="ebike", level="street") == {"T90": (6, 4)}
    county = street.parent
    assert registry_rates(kind="ebike", level="county") == {county.code: (6, 4)}
    assert str(registry_city_rate(kind="ebike")) == "66.7"


def test_a_file_of_bad_lines_writes_nothing_and_names_lines_and_columns(ebikes, street, tmp_path):
    good = _import(ebikes, _hand_made(tmp_path))
    before = list(RegistryFigure.objects.values_list("area__code", "total", "compliant"))
    bad = write_csv(tmp_path / "bad.csv", HEADER, [["A1", "丢失", "T90A", "", "", ""],
                                                    ["", "已挂牌", "T90A", "", "", ""],
                                                    ["A2", "已挂牌", "NOPE", "2024-13-40", "", ""]])
    job = _import(ebikes, bad, as_of=AS_OF + dt.timedelta(days=1))
    assert job.status == RegistryImport.Status.FAILED
    assert job.rows_written == 0 and job.rows_refused == 3
    text = "\n".join(job.errors)
    assert "line 2, column 状态" in text and "line 3, column 号牌号码" in text
    assert "line 4, column 所属社区代码" in text and "line 4, column 登记日期" in text
    assert list(RegistryFigure.objects.values_list("area__code", "total", "compliant")) == before
    assert set(RegistryRecord.objects.values_list("last_import", flat=True)) == {good.pk}
    assert RegistryRecord.objects.filter(active=True).count() == 6


def test_a_missing_column_refuses_the_file(ebikes, street, tmp_path):
    job = _import(ebikes, write_csv(tmp_path / "x.csv", ["号牌号码", "所属社区代码"], [["A1", "T90A"]]))
    assert job.status == RegistryImport.Status.FAILED
    assert "状态" in job.errors[0]
    assert not RegistryRecord.objects.exists()


def test_reimport_retires_missing_records_and_keeps_bad_lines(ebikes, street, tmp_path):
    _import(ebikes, _hand_made(tmp_path))
    # A4 is plated now, A2 is gone, B2's line is bad (kept as it was, not retired).
    later = write_csv(tmp_path / "later.csv", HEADER, [["A1", "已挂牌", "T90A", "", "", ""],
                                                      ["A3", "已挂牌", "T90A", "", "", ""],
                                                      ["A4", "已挂牌", "T90A", "", "", ""],
                                                      ["B1", "已挂牌", "T90B", "", "", ""],
                                                      ["B2", "?", "T90B", "", "", ""]])
    job = _import(ebikes, later, as_of=AS_OF + dt.timedelta(days=30))
    assert job.status == RegistryImport.Status.DONE
    assert job.deactivated == 1
    assert set(RegistryRecord.objects.filter(active=False).values_list("number", flat=True)) == {"A2"}
    assert registry_rates(kind="ebike", level="community") == {"T90A": (3, 3), "T90B": (2, 1)}
    # The earlier date keeps its figures: the trend has two points.
    assert registry_rates(kind="ebike", level="street", as_of=AS_OF) == {"T90": (6, 4)}


def test_area_counts(ebikes, street, tmp_path):
    path = write_csv(tmp_path / "counts.csv", ["区域代码", "总数", "已挂牌"], [["T90A", "10", "9"], ["T90B", "10", "5"]])
    job = _import(ebikes, path, kind="counts")
    assert job.status == RegistryImport.Status.DONE, job.errors
    assert registry_rates(kind="ebike", level="street") == {"T90": (20, 14)}
    assert RegistryFigure.objects.filter(source=RegistryFigure.Source.IMPORTED).count() >= 4
    refused = write_csv(tmp_path / "c2.csv", ["区域代码", "总数", "已挂牌"], [["T90A", "10", "11"], ["T90", "3", "1"]])
    job = _import(ebikes, refused, kind="counts", as_of=AS_OF + dt.timedelta(days=1))
    assert job.status == RegistryImport.Status.FAILED
    assert len(job.errors) == 3  # more than the total; another level; the refusal
    assert registry_rates(kind="ebike", level="street") == {"T90": (20, 14)}


def test_dogs_from_xlsx(dogs, street, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["登记证号", "状态", "社区名称", "有效期至", "是否烈性犬", "身份证号"])
    sheet.append(["D1", "有效", "甲社区", dt.date(2027, 1, 1), "否", "130000"])
    sheet.append(["D2", "有效", "甲社区", dt.date(2026, 1, 1), "是", ""])  # past its date on AS_OF
    sheet.append(["D3", "过期", "乙社区", None, "", ""])
    sheet.append(["D4", "注销", "乙社区", None, "", ""])  # not counted
    path = tmp_path / "dogs.xlsx"
    book.save(path)
    job = _import(dogs, path)
    assert job.status == RegistryImport.Status.DONE, job.errors
    assert job.ignored_columns == ["身份证号"]
    assert registry_rates(kind="dog", level="street") == {"T90": (3, 1)}
    assert RegistryFigure.objects.get(area__code="T90", registry=dogs).dangerous == 1


def test_the_demo_registers(db):
    from wenming.demo.registries import registries_demo_build

    assert registries_demo_build(communities=6, per_community=10) == 6
    assert RegistryImport.objects.filter(status=RegistryImport.Status.DONE).count() == 6
    for kind in ("ebike", "dog"):
        assert registry_city_rate(kind=kind) is not None
        assert RegistryFigure.objects.filter(registry__kind=kind).values("as_of").distinct().count() == 3
    assert registries_demo_build() == 0  # once only


def test_one_import_of_a_register_at_a_time(ebikes, street, tmp_path):
    from django.utils import timezone

    from wenming.registries.errors import RegistryError

    running = RegistryImport.objects.create(registry=ebikes, kind="records", file_name="a.csv", as_of=AS_OF,
                                            started_at=timezone.now())
    with pytest.raises(RegistryError, match="Another import"):
        _import(ebikes, _hand_made(tmp_path))
    # One still "running" hours later was killed: it no longer blocks.
    RegistryImport.objects.filter(pk=running.pk).update(started_at=timezone.now() - dt.timedelta(hours=3))
    assert _import(ebikes, _hand_made(tmp_path)).status == RegistryImport.Status.DONE


def test_the_command(ebikes, street, tmp_path):
    from django.core.management import call_command

    call_command("registry-import", "ebike", str(_hand_made(tmp_path)), "--as-of", "2026-06-30")
    assert registry_rates(kind="ebike", level="street") == {"T90": (6, 4)}


def test_the_campaign_task_follows_the_register(ebikes, street, tmp_path):
    """R03-4 (牌照应挂尽挂) is measured from the e-bike register: the city's latest plated rate, 4 of 6."""
    from wenming.campaign.models import Measure, Task
    from wenming.campaign.services.tasks import measured_values_refresh

    task = Task.objects.get(code="R03-4")
    assert (task.measure, task.measure_source) == (Measure.REGISTER, "ebike")
    before = task.current_value
    measured_values_refresh()
    task.refresh_from_db()
    assert task.current_value == before  # no figures yet: the value is left as it was, not set to 0
    _import(ebikes, _hand_made(tmp_path))  # the import itself brings the task up to date
    task.refresh_from_db()
    assert str(task.current_value) == "66.70"
    assert Task.objects.get(code="R04-2").measure_source == "dog"
