"""Imports of the street registers: roads with their road chiefs, and storefront duties (门前五包) — good files land
whole, a broken row is named by sheet, row and column and nothing lands, a second import updates and creates
nothing twice; the page is the administrators' alone, and the command has --dry-run.

The world is the demo city (seed 7): 桃城区 around (115.69, 37.74), its street office GOV-131102001.
"""

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from wenming.common.credit_code import credit_code_valid
from wenming.common.models import AuditEvent
from wenming.common.tabular_import import ImportFailed
from wenming.common.tests.test_access import person
from wenming.org.models import Area, RoadChief, RoadSegment, StorefrontDuty
from wenming.org.services.imports.registers import city_bounds
from wenming.org.services.imports.roads import roads_import
from wenming.org.services.imports.storefronts import duties_parse, storefronts_import
from wenming.org.spatial import get_index

pytestmark = pytest.mark.django_db

QUIET = "13110200100205"
OFFICE = "GOV-131102001"
COUNTY_CG = "CGJ-131102"


@pytest.fixture(autouse=True)
def _english(tmp_path):
    with translation.override("en"):
        yield


@pytest.fixture
def place():
    grid = Area.objects.get(code=QUIET)
    return grid.lng, grid.lat


def xlsx(tmp_path, rows, name="register.xlsx", sheet="道路"):
    book = Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def csv_file(tmp_path, rows, name="register.csv"):
    out = StringIO()
    csv.writer(out).writerows(rows)
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    return path


def line(lng, lat, d=0.001):
    return f"{lng:.6f} {lat:.6f}; {lng + d:.6f} {lat:.6f}"


ROAD_HEADER = ["道路编码", "道路名称", "道路等级", "路段走向", "路长级别", "路长姓名", "路长电话", "路长单位编码", "路长账号"]


def road_rows(place):
    lng, lat = place
    return [
        ROAD_HEADER,
        ["RDX001", "测试大街", "主干道", line(lng, lat), "街道级", "王路长", "13900000001", OFFICE, "jiedao"],
        ["RDX001", "", "", "", "区县级", "李路长", "", COUNTY_CG, ""],
        ["RDX002", "测试小巷", "背街小巷", f"LINESTRING ({lng} {lat + 0.001}, {lng + 0.001} {lat + 0.001})", "", "", "", "", ""],
    ]


# -- roads and road chiefs ----------------------------------------------------------------------------------------

def test_roads_with_their_chiefs_land_whole(tmp_path, place):
    report = roads_import(path=xlsx(tmp_path, road_rows(place)))
    assert (report.created, report.updated) == (4, 0)  # two roads, two chiefs
    road = RoadSegment.objects.get(code="RDX001")
    assert (road.name, road.road_class, road.area.code) == ("测试大街", "arterial", QUIET)
    assert road.geometry["type"] == "LineString" and road.lng == pytest.approx(place[0] + 0.0005)
    chiefs = {c.level: c for c in road.chiefs.all()}
    assert chiefs[RoadChief.Level.STREET].name == "王路长" and chiefs[RoadChief.Level.STREET].unit.code == OFFICE
    assert chiefs[RoadChief.Level.STREET].person.username == "jiedao"
    assert chiefs[RoadChief.Level.COUNTY].unit.code == COUNTY_CG
    assert RoadSegment.objects.get(code="RDX002").road_class == "alley"
    assert not RoadSegment.objects.get(code="RDX002").chiefs.exists()
    assert AuditEvent.objects.filter(action="import.roads").count() == 1
    # The index and the routing configuration see them at once: a problem on the road goes to the street's chief.
    from wenming.cases.services.routing import case_route  # noqa: PLC0415 — org's tests may use cases

    decision = case_route(lng=place[0] + 0.0005, lat=place[1], category="SJ0405")
    assert (decision.rule, decision.road["name"]) == ("road_chief", "测试大街")


def test_roads_reimport_updates_and_creates_nothing_twice(tmp_path, place):
    roads_import(path=xlsx(tmp_path, road_rows(place)))
    rows = road_rows(place)
    rows[1][1] = "测试大街（改）"
    rows[1][5] = "赵路长"
    report = roads_import(path=xlsx(tmp_path, rows, name="again.xlsx"))
    assert (report.created, report.updated) == (0, 4)
    assert RoadSegment.objects.filter(code__startswith="RDX").count() == 2
    assert RoadChief.objects.filter(segment__code="RDX001").count() == 2
    road = RoadSegment.objects.get(code="RDX001")
    assert road.name == "测试大街（改）"
    assert road.chiefs.get(level=RoadChief.Level.STREET).name == "赵路长"


def test_road_ends_as_four_columns_and_csv(tmp_path, place):
    lng, lat = place
    rows = [["road_code", "road_name", "road_class", "start_lng", "start_lat", "end_lng", "end_lat"],
            ["RDX010", "端点路", "branch", lng, lat, lng + 0.002, lat]]
    roads_import(path=csv_file(tmp_path, rows))
    assert RoadSegment.objects.get(code="RDX010").geometry["coordinates"] == [[lng, lat], [lng + 0.002, lat]]


def test_broken_road_rows_are_named_by_sheet_row_and_column_and_nothing_lands(tmp_path, place):
    lng, lat = place
    rows = road_rows(place) + [
        ["RDX003", "城外路", "主干道", line(120.0, 30.0), "", "", "", "", ""],  # outside the city
        ["RDX004", "坏路", "高速公路", "115.7 37.7", "", "", "", "", ""],  # unknown class, one point
        ["RDX005", "无路长单位", "支路", line(lng, lat), "街道级", "张三", "123", "NO-SUCH", ""],
        ["RDX001", "", "", "", "街道级", "重复", "", OFFICE, ""],  # the street-level chief twice
        ["RDX006", "", "", "", "", "", "", "", ""],  # new road without name, class or segment
    ]
    with pytest.raises(ImportFailed) as exc:
        roads_import(path=xlsx(tmp_path, rows))
    errors = exc.value.report.errors
    text = "\n".join(errors)
    assert 'sheet "道路", row 5 (code RDX003): 路段走向(segment): 120.0, 30.0 lies outside the city' in text
    assert 'row 6 (code RDX004): 道路等级(road_class): unknown road class "高速公路"' in text
    assert "row 6 (code RDX004): 路段走向(segment): a line needs at least two points" in text
    assert 'row 7 (code RDX005): 路长单位编码(chief_unit): no unit has code "NO-SUCH"' in text
    assert "row 7 (code RDX005): 路长电话(chief_phone)" in text
    assert "row 8 (code RDX001): 路长级别(chief_level): this road's chief at this level appears twice (first on row 2)" in text
    assert "row 9 (code RDX006): 道路名称(road_name): missing (the road is new)" in text
    assert not RoadSegment.objects.filter(code__startswith="RDX").exists()
    assert not AuditEvent.objects.filter(action="import.roads").exists()


def test_the_errors_read_in_chinese(tmp_path, place):
    rows = road_rows(place) + [["RDX003", "城外路", "主干道", line(120.0, 30.0), "", "", "", "", ""]]
    with translation.override("zh-hans"), pytest.raises(ImportFailed) as exc:
        roads_import(path=xlsx(tmp_path, rows))
    assert exc.value.report.errors[0].startswith("工作表“道路”第5行")
    assert "超出本市范围" in exc.value.report.errors[0]


def test_hostile_cells_are_refused_without_writing(tmp_path, place):
    lng, lat = place
    huge = "; ".join(["115.5 37.6"] * 2100)  # within an XLSX cell's 32,767 characters
    rows = [ROAD_HEADER[:4], ["RDX020", "巨路", "支路", huge], ["RDX021", "坏WKT", "支路", "LINESTRING (1 2, 3"],
            ["RDX022", "点路", "支路", f"POINT ({lng} {lat})"], ["RDX023", "x" * 101, "支路", line(lng, lat)]]
    with pytest.raises(ImportFailed) as exc:
        roads_import(path=xlsx(tmp_path, rows))
    text = "\n".join(exc.value.report.errors)
    assert "row 2 (code RDX020): 路段走向(segment): more than 2000 points" in text
    assert "row 3 (code RDX021): 路段走向(segment): is not readable WKT" in text
    assert "row 4 (code RDX022): 路段走向(segment): is a Point; expected LineString / MultiLineString" in text
    assert "row 5 (code RDX023): 道路名称(road_name): longer than 100 characters" in text
    assert not RoadSegment.objects.filter(code__startswith="RDX").exists()
    # Control characters in a CSV cell are dropped before anything is stored.
    roads_import(path=csv_file(tmp_path, [ROAD_HEADER[:4], ["RDX024", "控制\x07字符\x1b路", "支路", line(lng, lat)]]))
    assert RoadSegment.objects.get(code="RDX024").name == "控制字符路"


def test_dry_run_lists_and_writes_nothing(tmp_path, place):
    report = roads_import(path=xlsx(tmp_path, road_rows(place)), dry_run=True)
    assert report.dry_run and report.created == 4
    assert any("RDX001" in line for line in report.change_lines())
    assert not RoadSegment.objects.filter(code__startswith="RDX").exists()


def test_city_bounds_come_from_the_city_outline(place):
    min_lng, min_lat, max_lng, max_lat = city_bounds()
    assert min_lng < place[0] < max_lng and min_lat < place[1] < max_lat
    city = Area.objects.get(parent=None)
    assert (min_lng, max_lat) == pytest.approx((city.min_lng - 0.01, city.max_lat + 0.01))


# -- storefront duties ------------------------------------------------------------------------------------------

SHOP_HEADER = ["编码", "店名", "地址", "统一社会信用代码", "负责人", "联系电话", "经度", "纬度", "门前范围", "监管单位编码",
               "五包责任", "签订日期"]
CREDIT = "91350100M000100Y43"  # a well-formed code (check character 3)


def shop_rows(place):
    lng, lat = place
    return [
        SHOP_HEADER,
        ["MQX001", "老王水果店", "测试大街1号", CREDIT, "王经理", "13800000000", lng, lat, "", OFFICE, "", "2026-03-01"],
        ["MQX002", "便民超市", "测试大街3号", "", "", "", "", "", line(lng, lat + 0.0005, 0.0002), OFFICE, "包卫生、包秩序", ""],
    ]


def test_credit_codes_and_duties_are_read_as_offices_write_them():
    assert credit_code_valid(CREDIT) and not credit_code_valid(CREDIT[:-1] + "4") and not credit_code_valid("123")
    assert duties_parse("包卫生、包秩序") == ["sanitation", "order"]
    assert duties_parse("全部") == ["sanitation", "greening", "order", "facilities", "civility"]
    assert duties_parse("包吃饭") is None


def test_storefronts_land_whole_and_route_at_once(tmp_path, place):
    report = storefronts_import(path=xlsx(tmp_path, shop_rows(place), sheet="门前五包"))
    assert (report.created, report.updated) == (2, 0)
    shop = StorefrontDuty.objects.get(code="MQX001")
    assert (shop.shop_name, shop.licence_no, shop.supervising_unit.code, str(shop.signed_on)) == (
        "老王水果店", CREDIT, OFFICE, "2026-03-01")
    assert shop.duties == ["sanitation", "greening", "order", "facilities", "civility"]
    assert shop.geometry == {"type": "Point", "coordinates": [place[0], place[1]]} and shop.area.code == QUIET
    other = StorefrontDuty.objects.get(code="MQX002")
    assert other.geometry["type"] == "LineString" and other.duties == ["sanitation", "order"]
    assert get_index().storefront_at(*place).code == "MQX001"
    from wenming.cases.services.routing import case_route  # noqa: PLC0415 — org's tests may use cases

    decision = case_route(lng=place[0], lat=place[1], category="SJ0402")
    assert (decision.rule, decision.unit_name) == ("storefront_duty", shop.supervising_unit.name)


def test_storefronts_reimport_is_idempotent_and_keeps_what_a_blank_cell_leaves(tmp_path, place):
    storefronts_import(path=xlsx(tmp_path, shop_rows(place)))
    rows = shop_rows(place)
    rows[1][1] = "老王鲜果店"
    rows[1][3] = ""  # blank: the stored credit code stays
    report = storefronts_import(path=csv_file(tmp_path, rows))
    assert (report.created, report.updated) == (0, 2)
    assert StorefrontDuty.objects.filter(code__startswith="MQX").count() == 2
    shop = StorefrontDuty.objects.get(code="MQX001")
    assert (shop.shop_name, shop.licence_no) == ("老王鲜果店", CREDIT)


def test_broken_storefront_rows_are_named_and_nothing_lands(tmp_path, place):
    lng, lat = place
    rows = shop_rows(place) + [
        ["MQX003", "坏店", "", "91350100M000100Y44", "", "12", lat, lng, "", OFFICE, "包吃饭", "昨天"],
        ["MQX004", "", "", "", "", "", "", "", "", "NO-SUCH", "", ""],
        ["MQX001", "重复", "", "", "", "", lng, lat, "", OFFICE, "", ""],
    ]
    with pytest.raises(ImportFailed) as exc:
        storefronts_import(path=xlsx(tmp_path, rows, sheet="门前五包"))
    text = "\n".join(exc.value.report.errors)
    assert 'sheet "门前五包", row 4 (code MQX003): 统一社会信用代码(credit_code): "91350100M000100Y44" is no unified' in text
    assert "row 4 (code MQX003): 联系电话(keeper_phone)" in text
    assert "row 4 (code MQX003): 经度(lng)/纬度(lat): " in text and "were longitude and latitude swapped?" in text
    assert 'row 4 (code MQX003): 五包责任(duties): "包吃饭" names a duty' in text
    assert 'row 4 (code MQX003): 签订日期(signed_on): "昨天" is not a date' in text
    assert "row 5 (code MQX004): 店名(shop_name): missing (the shop is new)" in text
    assert 'row 5 (code MQX004): 监管单位编码(supervising_unit): no unit has code "NO-SUCH"' in text
    assert "row 5 (code MQX004): 经度(lng): missing (the shop is new)" in text
    assert "row 6 (code MQX001): 编码(code): appears twice in the file (first on row 2)" in text
    assert not StorefrontDuty.objects.filter(code__startswith="MQX").exists()


# -- the page and the command -------------------------------------------------------------------------------------

URL = "/org/imports/"


def test_the_page_is_the_administrators_alone(client):
    assert reverse("org:registers_import") == URL
    for username in ("paiqian", "jiedao", "chengguan", "anfang", "ceping"):
        client.force_login(person(username))
        assert client.get(URL).status_code == 404, username
        assert client.post(URL, {}).status_code == 404, username
    client.logout()
    assert client.get(URL).status_code == 302


def test_the_site_list_links_the_page_for_administrators_only(client):
    client.force_login(person("admin"))
    assert URL in client.get(reverse("org:site_list")).content.decode()
    client.force_login(person("paiqian"))
    assert URL not in client.get(reverse("org:site_list")).content.decode()


def test_an_administrator_checks_then_imports_a_file_in_chinese(client, tmp_path, place):
    client.force_login(person("admin"))
    path = xlsx(tmp_path, shop_rows(place), sheet="门前五包")
    with translation.override("zh-hans"):
        page = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "导入街路台账" in page and "门前五包" in page
        with path.open("rb") as f:
            checked = client.post(URL, {"kind": "storefronts", "file": f, "crs": "wgs84", "dry_run": "on"},
                                  HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert checked.status_code == 200 and 'data-dry-run="1"' in checked.content.decode()
        assert not StorefrontDuty.objects.filter(code__startswith="MQX").exists()
        with path.open("rb") as f:
            done = client.post(URL, {"kind": "storefronts", "file": f, "crs": "wgs84"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'data-created="2"' in done.content.decode()
    assert StorefrontDuty.objects.filter(code__startswith="MQX").count() == 2
    assert AuditEvent.objects.get(action="import.storefronts").summary.startswith("register.xlsx")


def test_the_page_lists_every_error_in_chinese_and_writes_nothing(client, tmp_path, place):
    client.force_login(person("admin"))
    rows = shop_rows(place) + [["MQX009", "城外店", "", "", "", "", 120.0, 30.0, "", OFFICE, "", ""]]
    path = xlsx(tmp_path, rows, sheet="门前五包")
    with translation.override("zh-hans"), path.open("rb") as f:
        response = client.post(URL, {"kind": "storefronts", "file": f, "crs": "wgs84"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = response.content.decode()
    assert 'id="import-errors"' in page and "未导入任何数据" in page
    assert "工作表“门前五包”第4行（编码 MQX009）" in page and "超出本市范围" in page
    assert not StorefrontDuty.objects.filter(code__startswith="MQX").exists()


def test_the_page_refuses_other_files(client, tmp_path):
    client.force_login(person("admin"))
    path = tmp_path / "roads.exe"
    path.write_bytes(b"MZ")
    with path.open("rb") as f:
        response = client.post(URL, {"kind": "roads", "file": f, "crs": "wgs84"})
    assert response.status_code == 200 and response.context["form"].errors["file"]


def test_the_command_checks_with_dry_run_then_imports(tmp_path, place):
    path = xlsx(tmp_path, road_rows(place))
    out = StringIO()
    call_command("import-registers", "roads", str(path), "--dry-run", stdout=out)
    assert "would create RDX001" in out.getvalue() and not RoadSegment.objects.filter(code="RDX001").exists()
    call_command("import-registers", "roads", str(path), stdout=StringIO())
    assert RoadSegment.objects.filter(code__startswith="RDX").count() == 2
    with pytest.raises(CommandError, match="unknown register"):
        call_command("import-registers", "shops", str(path))
    broken = xlsx(tmp_path, [*road_rows(place), ["RDX009", "", "", "", "", "", "", "", ""]], name="broken.xlsx")
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import-registers", "roads", str(broken))
