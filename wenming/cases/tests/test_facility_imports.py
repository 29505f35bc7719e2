"""The facilities (部件) register import: a good file lands whole and places each facility in its grid, routing
finds it at once ("谁的设施谁负责"); broken rows are named and nothing lands; a re-import updates by code."""

import pytest
from django.utils import translation
from openpyxl import Workbook

from wenming.cases.models import Facility
from wenming.cases.services.facility_imports import facilities_import
from wenming.cases.services.routing import case_route
from wenming.common.models import AuditEvent
from wenming.common.tabular_import import ImportFailed
from wenming.org.models import Area
from wenming.org.services.imports.registers import REGISTER_IMPORTS

pytestmark = pytest.mark.django_db

QUIET = "13110200100205"
HEADER = ["部件编码", "部件类别", "经度", "纬度", "权属单位编码", "养护单位编码", "状态", "是否在用"]


@pytest.fixture(autouse=True)
def _english(tmp_path):
    with translation.override("en"):
        yield


@pytest.fixture
def place():
    grid = Area.objects.get(code=QUIET)
    return grid.lng, grid.lat


def xlsx(tmp_path, rows, name="facilities.xlsx"):
    book = Workbook()
    book.active.title = "部件"
    for row in rows:
        book.active.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def good_rows(place):
    lng, lat = place
    return [HEADER,
            ["X999000000000001", "BJ0101", lng, lat, "WATER", "", "完好", "是"],
            ["X999000000000002", "上水井盖", lng + 0.001, lat, "WATER", "CGJ-131102", "damaged", ""]]


def test_the_import_is_offered_on_orgs_page():
    assert REGISTER_IMPORTS["facilities"].service is facilities_import


def test_facilities_land_in_their_grid_and_route_at_once(tmp_path, place):
    report = facilities_import(path=xlsx(tmp_path, good_rows(place)))
    assert (report.created, report.updated) == (2, 0)
    first = Facility.objects.get(code="X999000000000001")
    assert (first.category.code, first.owner_unit.code, first.area.code, first.state, first.in_use) == (
        "BJ0101", "WATER", QUIET, "intact", True)
    second = Facility.objects.get(code="X999000000000002")
    assert (second.maintainer_unit.code, second.state) == ("CGJ-131102", "damaged")
    decision = case_route(lng=place[0], lat=place[1], category="SJ0504")  # 井盖缺失 → the cover's owner
    assert (decision.rule, decision.facility["code"]) == ("facility_owner", "X999000000000001")
    assert AuditEvent.objects.filter(action="import.facilities").count() == 1


def test_reimport_updates_by_code(tmp_path, place):
    facilities_import(path=xlsx(tmp_path, good_rows(place)))
    rows = good_rows(place)
    rows[1][6], rows[1][7] = "丢失", "否"
    report = facilities_import(path=xlsx(tmp_path, rows, name="again.xlsx"))
    assert (report.created, report.updated) == (0, 2)
    assert Facility.objects.filter(code__startswith="X99900000000000").count() == 2
    first = Facility.objects.get(code="X999000000000001")
    assert (first.state, first.in_use) == ("missing", False)


def test_broken_rows_are_named_and_nothing_lands(tmp_path, place):
    lng, lat = place
    rows = good_rows(place) + [
        ["X999000000000003", "SJ0101", lng, lat, "WATER", "", "", ""],  # an event class, not a component
        ["X999000000000004", "BJ0101", 120.0, 30.0, "NO-SUCH", "", "碎了", "也许"],
        ["X9990000000000051", "BJ0101", lng, lat, "", "", "", ""],  # 17 characters, no owner
    ]
    with pytest.raises(ImportFailed) as exc:
        facilities_import(path=xlsx(tmp_path, rows))
    text = "\n".join(exc.value.report.errors)
    assert 'sheet "部件", row 4 (code X999000000000003): 部件类别(category): "SJ0101" is no component class' in text
    assert "row 5 (code X999000000000004): 经度(lng)/纬度(lat): 120.0, 30.0 lies outside the city" in text
    assert 'row 5 (code X999000000000004): 权属单位编码(owner_unit): no unit has code "NO-SUCH"' in text
    assert 'row 5 (code X999000000000004): 状态(state): unknown state "碎了"' in text
    assert 'row 5 (code X999000000000004): 是否在用(in_use): "也许" is neither 是 nor 否' in text
    assert "row 6 (code X9990000000000051): 部件编码(code): longer than 16 characters" in text
    assert "row 6 (code X9990000000000051): 权属单位编码(owner_unit): missing (the facility is new)" in text
    assert not Facility.objects.filter(code__startswith="X99900000000000").exists()
    with translation.override("zh-hans"), pytest.raises(ImportFailed) as exc:
        facilities_import(path=xlsx(tmp_path, rows))
    assert "工作表“部件”第5行（编码 X999000000000004）" in "\n".join(exc.value.report.errors)
    assert "既不是“是”也不是“否”" in "\n".join(exc.value.report.errors)
