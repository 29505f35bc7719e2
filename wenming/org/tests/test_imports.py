"""Imports: good files land whole; any bad feature or row means nothing lands and the error says where."""

import json
import zipfile
from io import StringIO

import pytest
import shapefile
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from wenming.common.geo import to_wgs84
from wenming.common.models import AuditEvent
from wenming.org.models import Area, Person, RoleAssignment, Site, Unit
from wenming.org.services.imports import ImportFailed, areas_import, people_import, sites_import, units_import

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def square(lng, lat, d=0.001):
    return {"type": "Polygon", "coordinates": [[[lng, lat], [lng + d, lat], [lng + d, lat + d], [lng, lat + d], [lng, lat]]]}


def feature(geometry, **props):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def geojson(tmp_path, features, name="areas.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def street():
    return Area.objects.filter(level="street", code__startswith="131102").order_by("code").first()


def new_community(street, lng=116.5, lat=38.5):
    code = f"{street.code}901"
    return [
        feature(square(lng, lat, 0.002), code=code, name="新建社区", level="community", parent_code=street.code),
        feature(square(lng, lat), code=f"{code}01", name="新建社区01号网格", level="grid", parent_code=code,
                responsibility_grid=f"{code}R01"),
        feature(square(lng + 0.001, lat), code=f"{code}02", name="新建社区02号网格", level="grid", parent_code=code,
                responsibility_grid=f"{code}R01"),
    ]


def test_areas_import_builds_the_tree_with_paths_and_boxes(tmp_path, street):
    report = areas_import(path=geojson(tmp_path, new_community(street)))
    assert (report.created, report.updated) == (3, 0)
    grid = Area.objects.get(code=f"{street.code}90101")
    assert grid.path == f"{street.path}{street.code}901/{grid.code}/"
    assert grid.parent.name == "新建社区" and grid.responsibility_grid.code == f"{street.code}901R01"
    assert (grid.min_lng, grid.min_lat, grid.max_lng, grid.max_lat) == pytest.approx((116.5, 38.5, 116.501, 38.501))
    assert 8000 < grid.area_m2 < 10000  # 0.001° square at 38.5° N
    assert AuditEvent.objects.filter(action="import.areas").exists()
    # The spatial index sees the new grid.
    from wenming.org.spatial import get_index

    assert get_index().locate(116.5005, 38.5005) == grid.id


def test_areas_import_updates_by_code_and_dry_run_writes_nothing(tmp_path, street):
    path = geojson(tmp_path, new_community(street))
    dry = areas_import(path=path, dry_run=True)
    assert (dry.created, dry.dry_run) == (3, True) and not Area.objects.filter(code=f"{street.code}901").exists()
    areas_import(path=path)
    features = new_community(street)
    features[0]["properties"]["name"] = "改名社区"
    again = areas_import(path=geojson(tmp_path, features))
    assert (again.created, again.updated) == (0, 3)
    assert Area.objects.get(code=f"{street.code}901").name == "改名社区"


def test_areas_import_from_a_zipped_shapefile(tmp_path, street):
    base = tmp_path / "grids"
    with shapefile.Writer(str(base), shapeType=shapefile.POLYGON, encoding="utf-8") as w:
        for name in ("code", "name", "level", "parent_code"):
            w.field(name, "C", size=40)
        for f in new_community(street):
            p = f["properties"]
            w.poly([ring[::-1] for ring in f["geometry"]["coordinates"]])  # shapefile rings run clockwise
            w.record(p["code"], p["name"], p["level"], p["parent_code"])
    archive = tmp_path / "grids.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for ext in ("shp", "shx", "dbf"):
            z.write(f"{base}.{ext}", f"grids.{ext}")
    assert areas_import(path=archive).created == 3
    assert Area.objects.get(code=f"{street.code}90102").name == "新建社区02号网格"


def test_gcj02_input_is_stored_as_wgs84(tmp_path, street):
    areas_import(path=geojson(tmp_path, new_community(street, lng=115.6, lat=37.7)[:1]), crs="gcj02")
    community = Area.objects.get(code=f"{street.code}901")
    expected = to_wgs84(115.6, 37.7, "gcj02")
    assert community.geometry["coordinates"][0][0] == pytest.approx(list(expected), abs=1e-9)


def _fails(call, *fragments):
    before = Area.objects.count(), Site.objects.count(), Unit.objects.count(), Person.objects.count()
    with pytest.raises(ImportFailed) as exc:
        call()
    text = "\n".join(exc.value.report.errors)
    for fragment in fragments:
        assert fragment in text, text
    assert (Area.objects.count(), Site.objects.count(), Unit.objects.count(), Person.objects.count()) == before
    return text


def test_broken_json(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    _fails(lambda: areas_import(path=path), "broken.geojson: file: cannot be read")


def test_zip_without_dbf(tmp_path):
    archive = tmp_path / "partial.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("x.shp", b"")
        z.writestr("x.shx", b"")
    _fails(lambda: areas_import(path=archive), "lacks .dbf")


def test_bow_tie_polygon_and_wrong_geometry_type(tmp_path, street):
    features = new_community(street)
    features[1]["geometry"] = {"type": "Polygon", "coordinates": [[[116.5, 38.5], [116.501, 38.501], [116.501, 38.5],
                                                                    [116.5, 38.501], [116.5, 38.5]]]}
    features[2]["geometry"] = {"type": "Point", "coordinates": [116.5, 38.5]}
    code = f"{street.code}901"
    _fails(lambda: areas_import(path=geojson(tmp_path, features)),
           f"feature 2 ({code}01): geometry: Self-intersection", f"feature 3 ({code}02): geometry: is a Point")


def test_unknown_parent_unit_and_bad_codes(tmp_path, street):
    features = new_community(street)
    features[0]["properties"]["parent_code"] = "131102999"
    features[0]["properties"]["default_unit_code"] = "NOPE"
    features[1]["properties"]["code"] = "123"
    features[2]["properties"]["code"] = f"{street.code}90202"  # not under its parent 901
    _fails(lambda: areas_import(path=geojson(tmp_path, features)),
           "parent_code: no area has code 131102999", "default_unit_code: no unit has code NOPE",
           "feature 2 (123): code: a grid code has 14 digits", "code: must start with its parent's code")


def test_duplicate_codes_and_level_mismatch(tmp_path, street):
    features = new_community(street)
    features[2]["properties"]["code"] = features[1]["properties"]["code"]
    features.append(feature(square(116.6, 38.6), code=f"{street.code}902", name="x", level="community",
                            parent_code=street.parent.code))
    _fails(lambda: areas_import(path=geojson(tmp_path, features)), "appears twice", "a community must be inside a street")


def test_import_commands_exit_non_zero_naming_the_problem(tmp_path, street):
    features = new_community(street)
    features[1]["properties"]["level"] = "block"
    with pytest.raises(CommandError, match=r"nothing imported[\s\S]*feature 2 .*level"):
        call_command("import-areas", str(geojson(tmp_path, features)))
    out = StringIO()
    call_command("import-areas", str(geojson(tmp_path, new_community(street))), "--dry-run", stdout=out)
    assert "3 created" in out.getvalue() and not Area.objects.filter(code=f"{street.code}901").exists()


def test_sites_import_assigns_the_area_and_checks_types(tmp_path):
    grid = Area.objects.filter(level="grid").order_by("code").first()
    good = [feature({"type": "Point", "coordinates": [grid.lng, grid.lat]}, code="NEW-1", name="新市场", type="农贸市场",
                    guarantor_unit="CGJ"),
            feature({"type": "LineString", "coordinates": [[grid.lng, grid.lat], [grid.lng + 0.001, grid.lat]]},
                    code="NEW-2", name="新巷", type="alley")]
    assert sites_import(path=geojson(tmp_path, good, "sites.geojson")).created == 2
    site = Site.objects.get(code="NEW-1")
    assert site.area_id == grid.id and site.guarantor_unit.code == "CGJ" and site.site_type.code == "market"
    bad = [feature({"type": "Point", "coordinates": [grid.lng, grid.lat]}, code="NEW-3", name="x", type="游乐场"),
           feature({"type": "Point", "coordinates": [grid.lng, grid.lat]}, code="NEW-4", name="y", type="school",
                   guarantor_unit="NOPE")]
    _fails(lambda: sites_import(path=geojson(tmp_path, bad, "bad.geojson")),
           "feature 1 (NEW-3): type: no site type 游乐场", "feature 2 (NEW-4): guarantor_unit: no unit has code NOPE")


def write_csv(tmp_path, text, name="units.csv"):
    path = tmp_path / name
    path.write_bytes(("\ufeff" + text).encode("utf-8"))
    return path


def test_units_import_from_csv_with_chinese_headers_parent_later_in_file(tmp_path):
    path = write_csv(tmp_path, "编码,名称,类型,上级单位编码,辖区编码,联系人,联系电话\n"
                               "HB-2,环卫二队,department,HB,131102,张三,13800001111\n"
                               "HB,环卫处,Government department,,,李四,0318-2123456\n")
    assert units_import(path=path).created == 2
    child = Unit.objects.get(code="HB-2")
    assert child.parent.code == "HB" and child.path == "/HB/HB-2/" and child.area.code == "131102"


def test_units_import_from_xlsx_and_its_errors(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["code", "name", "kind", "parent_code", "area_code", "contact_phone"])
    ws.append(["A", "甲", "department", "B", "", ""])
    ws.append(["B", "乙", "department", "A", "", ""])
    ws.append(["C", "丙", "xyz", "", "999", "12345"])
    path = tmp_path / "units.xlsx"
    wb.save(path)
    _fails(lambda: units_import(path=path), "parent cycle", 'row 4: kind: unknown unit kind "xyz"',
           "row 4: area_code: no area has code 999", "row 4: contact_phone: not a phone number")


def test_corrupt_xlsx_and_non_utf8_csv(tmp_path):
    bad = tmp_path / "units.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    _fails(lambda: units_import(path=bad), "units.xlsx: file: cannot be read")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("编码,名称\n".encode("gbk"))
    _fails(lambda: units_import(path=gbk), "not UTF-8")


def test_people_import_adds_roles_and_checks_scopes(tmp_path):
    path = write_csv(tmp_path, "用户名,姓名,手机,邮箱,所属单位编码,角色,范围单位编码,范围区域编码\n"
                               "zhang,张伟,13912345678,zw@example.cn,CGJ,unit_handler,CGJ,\n"
                               "zhang,张伟,13912345678,zw@example.cn,CGJ,Area leader,,131102\n", "people.csv")
    assert people_import(path=path).created == 1
    zhang = Person.objects.get(username="zhang")
    assert not zhang.has_usable_password() and zhang.unit.code == "CGJ"
    assert set(RoleAssignment.objects.filter(person=zhang).values_list("role", flat=True)) == {"unit_handler", "area_leader"}
    assert people_import(path=path).updated == 1
    assert RoleAssignment.objects.filter(person=zhang).count() == 2  # not duplicated
    bad = write_csv(tmp_path, "username,display_name,phone,email,unit_code,role,scope_unit_code,scope_area_code\n"
                              "li,李,123,not-mail,CGJ,unit_handler,,131102\n"
                              "wang,王,13900000000,,,grid_worker,CGJ,\n"
                              "zhao,赵,13900000001,,,chef,,131102\n", "bad.csv")
    _fails(lambda: people_import(path=bad), "row 2: phone: not a phone number: 123", "row 2: email",
           "row 2: scope_unit_code: a unit role needs", "row 3: scope_area_code: this role needs", 'row 4: role: unknown role "chef"')
