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
from wenming.common.models import AuditEvent, GeographyVersion
from wenming.common.tabular_import import MAX_ERRORS, ImportFailed
from wenming.org.models import Area, Person, ResponsibilityGrid, RoleAssignment, Site, Unit
from wenming.org.services.imports.areas import areas_import
from wenming.org.services.imports.people import people_import
from wenming.org.services.imports.sites import sites_import
from wenming.org.services.imports.units import units_import
from wenming.org.spatial import get_index

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# -- building files ------------------------------------------------------------------------------------------

def square(lng, lat, d=0.001):
    return {"type": "Polygon", "coordinates": [[[lng, lat], [lng + d, lat], [lng + d, lat + d], [lng, lat + d], [lng, lat]]]}


BOW_TIE = {"type": "Polygon", "coordinates": [[[116.5, 38.5], [116.501, 38.501], [116.501, 38.5], [116.5, 38.501],
                                               [116.5, 38.5]]]}


def feature(geometry, **props):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def geojson(tmp_path, features, name="areas.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


def zipped_shapefile(tmp_path, features, *, fields=("code", "name", "level", "parent"), encoding="utf-8",
                     members=("shp", "shx", "dbf"), shape_type=shapefile.POLYGON, name="grids"):
    """Features written with pyshp and zipped; property names are the DBF field names."""
    base = tmp_path / name
    with shapefile.Writer(str(base), shapeType=shape_type, encoding=encoding) as writer:
        for field in fields:
            writer.field(field, "C", size=40)
        for f in features:
            geometry = f["geometry"]
            if geometry["type"] == "Polygon":
                writer.poly([ring[::-1] for ring in geometry["coordinates"]])  # Shapefile outer rings run clockwise
            else:
                writer.point(*geometry["coordinates"])
            writer.record(*[f["properties"].get(field, "") for field in fields])
    archive = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for ext in members:
            z.write(f"{base}.{ext}", f"{name}/{name}.{ext}")
    return archive


def write_csv(tmp_path, text, name="units.csv"):
    path = tmp_path / name
    path.write_bytes(("\ufeff" + text).encode("utf-8"))  # as Excel's "CSV UTF-8" saves it, with a BOM
    return path


def write_xlsx(tmp_path, rows, name="units.xlsx"):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


@pytest.fixture
def street():
    return Area.objects.filter(level="street", code__startswith="131102").order_by("code").first()


def new_community(street, lng=116.5, lat=38.5):
    """A new community under an existing street, with two unit grids in one responsibility grid."""
    code = f"{street.code}901"
    return [
        feature(square(lng, lat, 0.002), code=code, name="新建社区", level="community", parent_code=street.code),
        feature(square(lng, lat), code=f"{code}01", name="新建社区01号网格", level="grid", parent_code=code,
                responsibility_grid=f"{code}R01", responsibility_grid_name="新建社区第一责任网格"),
        feature(square(lng + 0.001, lat), code=f"{code}02", name="新建社区02号网格", level="grid", parent_code=code,
                responsibility_grid=f"{code}R01", default_unit_code="CGJ"),
    ]


def counts():
    return {model.__name__: model.objects.count()
            for model in (Area, ResponsibilityGrid, Site, Unit, Person, RoleAssignment, AuditEvent)}


def fails(call, *fragments):
    """The import raises ImportFailed whose errors hold every fragment, and no table changed."""
    before = counts()
    with pytest.raises(ImportFailed) as exc:
        call()
    text = "\n".join(exc.value.report.errors)
    for fragment in fragments:
        assert fragment in text, text
    assert counts() == before
    return exc.value.report


# -- areas ---------------------------------------------------------------------------------------------------

def test_areas_import_builds_the_tree_with_paths_boxes_and_areas(tmp_path, street):
    version = GeographyVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    report = areas_import(path=geojson(tmp_path, new_community(street)))
    assert (report.created, report.updated, report.errors, report.dry_run) == (3, 0, [], False)

    community = Area.objects.get(code=f"{street.code}901")
    assert community.parent == street and community.level == "community"
    assert community.path == f"{street.path}{street.code}901/"
    grid = Area.objects.get(code=f"{street.code}90101")
    assert grid.parent == community and grid.path == f"{community.path}{grid.code}/"
    assert (grid.min_lng, grid.min_lat, grid.max_lng, grid.max_lat) == pytest.approx((116.5, 38.5, 116.501, 38.501))
    assert 116.5 < grid.lng < 116.501 and 38.5 < grid.lat < 38.501
    assert 9600 < grid.area_m2 < 9750  # 0.001° × 0.001° at 38.5° N: 111.2 m × 87.0 m
    rgrid = grid.responsibility_grid
    assert (rgrid.code, rgrid.name, rgrid.community) == (f"{street.code}901R01", "新建社区第一责任网格", community)
    assert Area.objects.get(code=f"{street.code}90102").responsibility_grid == rgrid
    assert Area.objects.get(code=f"{street.code}90102").default_unit.code == "CGJ"
    # Recorded, and the geography moved so every spatial index rebuilds and sees the new grids.
    event = AuditEvent.objects.get(action="import.areas")
    assert event.data["created"] == 3 and "areas.geojson" in event.summary
    assert GeographyVersion.objects.get(pk=1).version != version
    assert get_index(force_check=True).locate(116.5005, 38.5005) == grid.id


def test_areas_import_updates_existing_codes(tmp_path, street):
    areas_import(path=geojson(tmp_path, new_community(street)))
    features = new_community(street)
    features[0]["properties"]["name"] = "改名社区"
    features[1]["geometry"] = square(116.5, 38.5, 0.0005)
    del features[2]["properties"]["default_unit_code"]  # an empty optional value keeps what is stored
    report = areas_import(path=geojson(tmp_path, features))
    assert (report.created, report.updated) == (0, 3)
    assert Area.objects.filter(code__startswith=f"{street.code}901").count() == 3
    assert Area.objects.get(code=f"{street.code}901").name == "改名社区"
    grid = Area.objects.get(code=f"{street.code}90101")
    assert grid.max_lng == pytest.approx(116.5005) and 2380 < grid.area_m2 < 2450
    assert Area.objects.get(code=f"{street.code}90102").default_unit.code == "CGJ"
    # An existing street re-imported with its stored parent is an update too.
    street_feature = feature(square(116.4, 38.4, 0.01), code=street.code, name=street.name, level="street",
                             parent_code=street.parent.code)
    assert areas_import(path=geojson(tmp_path, [street_feature])).updated == 1
    street.refresh_from_db()
    assert street.min_lng == pytest.approx(116.4) and street.path == f"/131100/131102/{street.code}/"


def test_areas_dry_run_writes_nothing_and_lists_the_changes(tmp_path, street):
    before = counts()
    features = new_community(street)
    features.append(feature(square(116.4, 38.4), code=street.code, name="改名街道", level="street",
                            parent_code=street.parent.code))
    report = areas_import(path=geojson(tmp_path, features), dry_run=True)
    assert (report.created, report.updated, report.dry_run) == (3, 1, True)
    assert counts() == before and Area.objects.get(pk=street.pk).name == street.name
    lines = report.change_lines()
    assert f"would update {street.code} 改名街道 (street)" in lines
    assert f"would create {street.code}90101 新建社区01号网格 (grid)" in lines


def test_areas_import_from_a_zipped_shapefile(tmp_path, street):
    archive = zipped_shapefile(tmp_path, [
        {**f, "properties": {**f["properties"], "parent": f["properties"]["parent_code"]}} for f in new_community(street)
    ])
    report = areas_import(path=archive)
    assert report.created == 3
    grid = Area.objects.get(code=f"{street.code}90102")
    assert grid.name == "新建社区02号网格" and grid.parent.code == f"{street.code}901"
    assert grid.min_lng == pytest.approx(116.501) and grid.geometry["type"] == "Polygon"


def test_a_shapefile_in_gbk_without_a_cpg_is_read(tmp_path, street):
    archive = zipped_shapefile(tmp_path, [
        {**f, "properties": {**f["properties"], "parent": f["properties"]["parent_code"]}}
        for f in new_community(street)[:1]
    ], encoding="gbk")
    assert areas_import(path=archive).created == 1
    assert Area.objects.get(code=f"{street.code}901").name == "新建社区"


def test_gcj02_input_is_stored_as_wgs84(tmp_path, street):
    features = new_community(street, lng=115.6, lat=37.7)[:1]
    areas_import(path=geojson(tmp_path, features), crs="gcj02")
    community = Area.objects.get(code=f"{street.code}901")
    for stored, given in zip(community.geometry["coordinates"][0], features[0]["geometry"]["coordinates"][0],
                             strict=True):
        assert stored == pytest.approx(list(to_wgs84(*given, "gcj02")), abs=1e-9)
    corners = [to_wgs84(*c, "gcj02") for c in features[0]["geometry"]["coordinates"][0]]
    assert community.min_lng == pytest.approx(min(x for x, _y in corners), abs=1e-9)
    # Hengshui's GCJ-02 offset is a few hundred metres; the stored shape really moved.
    assert abs(community.min_lng - 115.6) > 0.001


def test_invalid_json(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    fails(lambda: areas_import(path=path), "broken.geojson: file: invalid JSON", "line 1 column")


def test_a_zip_without_its_dbf(tmp_path, street):
    archive = zipped_shapefile(tmp_path, new_community(street), members=("shp", "shx"))
    fails(lambda: areas_import(path=archive), "grids.zip: file: the archive lacks grids/grids.dbf")


def test_a_bow_tie_polygon(tmp_path, street):
    features = new_community(street)
    features[1]["geometry"] = BOW_TIE
    fails(lambda: areas_import(path=geojson(tmp_path, features)),
          f"feature 2 (code {street.code}90101): geometry: Self-intersection at or near point 116.5005 38.5005")


def test_a_point_where_a_polygon_is_needed(tmp_path, street):
    features = new_community(street)
    features[2]["geometry"] = {"type": "Point", "coordinates": [116.5, 38.5]}
    fails(lambda: areas_import(path=geojson(tmp_path, features)),
          f"feature 3 (code {street.code}90102): geometry: is a Point; expected MultiPolygon / Polygon")


def test_projected_coordinates_are_out_of_range(tmp_path, street):
    features = new_community(street)
    features[0]["geometry"] = square(500000.0, 4180000.0, 100.0)  # metres of a Gauss-Krüger zone
    fails(lambda: areas_import(path=geojson(tmp_path, features)),
          f"feature 1 (code {street.code}901): geometry: coordinates out of range")


def test_an_unknown_parent_code(tmp_path, street):
    features = new_community(street)
    features[0]["properties"]["parent_code"] = "131102999"
    fails(lambda: areas_import(path=geojson(tmp_path, features)),
          f'feature 1 (code {street.code}901): parent_code: no area has code "131102999"')


def test_an_unknown_unit_code(tmp_path, street):
    features = new_community(street)
    features[2]["properties"]["default_unit_code"] = "NOPE"
    fails(lambda: areas_import(path=geojson(tmp_path, features)),
          f'feature 3 (code {street.code}90102): default_unit_code: no unit has code "NOPE"')


def test_a_code_of_the_wrong_length(tmp_path, street):
    features = new_community(street)
    features[1]["properties"]["code"] = "123"
    fails(lambda: areas_import(path=geojson(tmp_path, features)),
          'feature 2 (code 123): code: a grid code has 14 digits, not "123"')


def test_a_code_not_prefixed_by_its_parent(tmp_path, street):
    features = new_community(street)
    features[2]["properties"]["code"] = f"{street.code}90202"
    fails(lambda: areas_import(path=geojson(tmp_path, features)),
          f"feature 3 (code {street.code}90202): code: must start with its parent's code {street.code}901")


def test_a_duplicate_code(tmp_path, street):
    features = new_community(street)
    features[2]["properties"]["code"] = features[1]["properties"]["code"]
    fails(lambda: areas_import(path=geojson(tmp_path, features)),
          f"feature 3 (code {street.code}90101): code: appears twice in the file (first in feature 2)")


def test_a_level_that_skips_one(tmp_path, street):
    features = [feature(square(116.6, 38.6), code=f"{street.code}90201", name="x", level="grid", parent_code=street.code)]
    fails(lambda: areas_import(path=geojson(tmp_path, features)),
          f"feature 1 (code {street.code}90201): parent_code: a grid must be inside a community, and {street.code} is a street")


def test_moving_an_area_to_another_parent_is_refused(tmp_path, street):
    grid = Area.objects.filter(level="grid", path__startswith=street.path).order_by("code").first()
    other = Area.objects.filter(level="community").exclude(pk=grid.parent_id).order_by("code").first()
    moved = feature(grid.geometry, code=grid.code, name=grid.name, level="grid", parent_code=other.code)
    report = fails(lambda: areas_import(path=geojson(tmp_path, [moved])), f"feature 1 (code {grid.code}): parent_code: ")
    assert "moving an area to another parent is not supported" in report.errors[-1]


def test_one_bad_feature_at_the_end_keeps_the_good_ones_out(tmp_path, street):
    features = new_community(street)
    features.append(feature(square(116.7, 38.7), code="131102", name="x", level="county"))
    fails(lambda: areas_import(path=geojson(tmp_path, features)), "feature 4 (code 131102): parent_code: missing")
    assert not Area.objects.filter(code__startswith=f"{street.code}901").exists()


def test_every_error_is_listed_up_to_the_cap(tmp_path, street):
    features = [feature(BOW_TIE, code=f"{street.code}{800 + n}", name="x", level="community", parent_code=street.code)
                for n in range(MAX_ERRORS + 20)]
    report = fails(lambda: areas_import(path=geojson(tmp_path, features)), "feature 1 (code", "feature 100 (code")
    assert len(report.errors) == MAX_ERRORS and report.errors_omitted == 20
    assert report.error_lines()[-1] == "… and 20 more errors not shown"


def test_import_areas_command(tmp_path, street):
    path = geojson(tmp_path, new_community(street))
    out = StringIO()
    call_command("import-areas", str(path), "--dry-run", stdout=out)
    assert f"would create {street.code}901 新建社区 (community)" in out.getvalue()
    assert "3 would be created, 0 updated" in out.getvalue()
    assert not Area.objects.filter(code=f"{street.code}901").exists()
    out = StringIO()
    call_command("import-areas", str(path), "--crs", "wgs84", stdout=out)
    assert "3 created, 0 updated." in out.getvalue() and Area.objects.filter(code=f"{street.code}901").exists()


def test_import_areas_command_fails_with_every_error(tmp_path, street):
    features = new_community(street)
    features[1]["properties"]["level"] = "block"
    features[2]["geometry"] = BOW_TIE
    before = Area.objects.count()
    with pytest.raises(CommandError) as exc:
        call_command("import-areas", str(geojson(tmp_path, features)))
    lines = str(exc.value).splitlines()
    assert lines[0].endswith("areas.geojson: nothing imported.")
    assert lines[1] == f'feature 2 (code {street.code}90101): level: unknown level "block"; use city, county, street, community, grid'
    assert lines[2].startswith(f"feature 3 (code {street.code}90102): geometry: Self-intersection")
    assert Area.objects.count() == before


# -- sites ---------------------------------------------------------------------------------------------------

@pytest.fixture
def grid():
    return Area.objects.filter(level="grid").order_by("code").first()


def good_sites(grid):
    return [
        feature({"type": "Point", "coordinates": [grid.lng, grid.lat]}, code="NEW-1", name="新市场", type="农贸市场",
                guarantor_unit="CGJ", address="人民路1号"),
        feature({"type": "LineString", "coordinates": [[grid.min_lng, grid.lat], [grid.max_lng, grid.lat]]},
                code="NEW-2", name="新巷", type="alley"),
        feature(square(grid.min_lng + 0.0001, grid.min_lat + 0.0001, 0.0002), code="NEW-3", name="新小区",
                type="Compound"),
    ]


def test_sites_import_places_each_site_in_its_area(tmp_path, grid):
    report = sites_import(path=geojson(tmp_path, good_sites(grid), "sites.geojson"))
    assert (report.created, report.updated, report.warnings) == (3, 0, [])
    market = Site.objects.get(code="NEW-1")
    assert market.area == grid and market.guarantor_unit.code == "CGJ" and market.site_type.code == "market"
    assert (market.lng, market.lat, market.address) == (pytest.approx(grid.lng), pytest.approx(grid.lat), "人民路1号")
    alley = Site.objects.get(code="NEW-2")
    assert alley.site_type.code == "alley" and alley.area == grid and alley.guarantor_unit is None
    assert (alley.min_lng, alley.max_lng) == pytest.approx((grid.min_lng, grid.max_lng))
    assert Site.objects.get(code="NEW-3").site_type.code == "compound"
    assert AuditEvent.objects.filter(action="import.sites", data__created=3).exists()
    assert {s.code for s in get_index(force_check=True).sites_at(grid.lng, grid.lat)} >= {"NEW-1"}


def test_sites_import_updates_and_dry_runs(tmp_path, grid):
    existing = Site.objects.order_by("code").first()
    moved = feature({"type": "Point", "coordinates": [grid.lng, grid.lat]}, code=existing.code, name="改名点位",
                    type="school")
    path = geojson(tmp_path, [moved, *good_sites(grid)[:1]], "sites.geojson")
    before = counts()
    dry = sites_import(path=path, dry_run=True)
    assert (dry.created, dry.updated, dry.dry_run) == (1, 1, True)
    assert f"would update {existing.code} 改名点位 → {grid.code}" in dry.change_lines()
    assert counts() == before and Site.objects.get(pk=existing.pk).name == existing.name
    report = sites_import(path=path)
    assert (report.created, report.updated) == (1, 1)
    existing.refresh_from_db()
    assert (existing.name, existing.site_type.code, existing.area) == ("改名点位", "school", grid)


def test_sites_from_a_zipped_shapefile_in_gcj02(tmp_path, grid):
    gcj = [grid.lng + 0.006, grid.lat + 0.001]  # roughly where AMap shows this grid
    archive = zipped_shapefile(
        tmp_path, [feature({"type": "Point", "coordinates": gcj}, code="NEW-9", name="公厕", type="toilet")],
        fields=("code", "name", "type"), shape_type=shapefile.POINT, name="sites")
    assert sites_import(path=archive, crs="gcj02").created == 1
    site = Site.objects.get(code="NEW-9")
    assert (site.lng, site.lat) == pytest.approx(to_wgs84(*gcj, "gcj02"), abs=1e-9)


def test_a_site_outside_every_area_is_a_warning(tmp_path):
    far = [feature({"type": "Point", "coordinates": [100.0, 30.0]}, code="NEW-F", name="远方", type="park")]
    report = sites_import(path=geojson(tmp_path, far, "sites.geojson"))
    assert report.warnings == ["feature 1 (code NEW-F): geometry: lies outside every area; the site gets no area"]
    assert Site.objects.get(code="NEW-F").area is None


def test_an_unknown_site_type(tmp_path, grid):
    features = good_sites(grid)
    features[2]["properties"]["type"] = "游乐场"
    fails(lambda: sites_import(path=geojson(tmp_path, features, "sites.geojson")),
          'feature 3 (code NEW-3): type: unknown site type "游乐场"')
    assert not Site.objects.filter(code__startswith="NEW-").exists()


def test_sites_with_an_unknown_unit_and_a_bad_geometry(tmp_path, grid):
    features = good_sites(grid)
    features[0]["properties"]["guarantor_unit"] = "NOPE"
    features[1]["geometry"] = {"type": "LineString", "coordinates": [[116.5, 38.5]]}
    features[2]["geometry"] = BOW_TIE
    fails(lambda: sites_import(path=geojson(tmp_path, features, "sites.geojson")),
          'feature 1 (code NEW-1): guarantor_unit: no unit has the code or name "NOPE"',
          "feature 2 (code NEW-2): geometry: cannot be read",
          "feature 3 (code NEW-3): geometry: Self-intersection at or near point")


def test_import_sites_command(tmp_path, grid):
    out = StringIO()
    call_command("import-sites", str(geojson(tmp_path, good_sites(grid), "sites.geojson")), stdout=out)
    assert "3 created, 0 updated." in out.getvalue() and Site.objects.filter(code="NEW-3").exists()
    with pytest.raises(CommandError, match=r"feature 1 \(code NEW-F\): type: unknown site type"):
        call_command("import-sites", str(geojson(tmp_path, [
            feature({"type": "Point", "coordinates": [grid.lng, grid.lat]}, code="NEW-F", name="x", type="?")
        ], "bad.geojson")), "--crs", "bd09")


# -- units ---------------------------------------------------------------------------------------------------

UNIT_HEADER = "编码,名称,类型,上级单位编码,辖区编码,联系人,联系电话,地址\n"


def test_units_import_csv_with_chinese_headers_and_a_parent_further_down(tmp_path):
    path = write_csv(tmp_path, UNIT_HEADER +
                     "HB-2,环卫二队,department,HB,131102,张三,13800001111,人民路2号\n"
                     "HB,环卫处,政府部门,CGJ,,李四,0318-2123456,\n")
    report = units_import(path=path)
    assert (report.created, report.updated) == (2, 0)
    child, parent = Unit.objects.get(code="HB-2"), Unit.objects.get(code="HB")
    assert child.parent == parent and parent.parent.code == "CGJ"
    assert parent.path == "/CGJ/HB/" and child.path == "/CGJ/HB/HB-2/"
    assert (child.kind, parent.kind, child.area.code) == ("department", "department", "131102")
    assert (child.contact_name, child.contact_phone, child.address) == ("张三", "13800001111", "人民路2号")
    assert AuditEvent.objects.filter(action="import.units", data__created=2).exists()


def test_units_import_xlsx_updates_and_moves_a_subtree(tmp_path):
    gov = Unit.objects.get(code="GOV-131102")
    offices = list(Unit.objects.filter(parent=gov).values_list("code", flat=True))
    assert offices
    path = write_xlsx(tmp_path, [
        ["code", "name", "kind", "parent_code", "area_code", "contact_phone"],
        ["GOV-131102", "桃城区人民政府(新)", "District or street government", "CMD", 131102, None],
        ["NEW-U", "新单位", "enterprise", "GOV-131102", None, 13912345678],
    ])
    report = units_import(path=path)
    assert (report.created, report.updated) == (1, 1)
    gov.refresh_from_db()
    assert (gov.name, gov.parent.code, gov.path) == ("桃城区人民政府(新)", "CMD", "/CMD/GOV-131102/")
    assert Unit.objects.get(code="NEW-U").contact_phone == "13912345678"
    # The stored street offices moved with their parent.
    for office in Unit.objects.filter(code__in=offices):
        assert office.path == f"/CMD/GOV-131102/{office.code}/"


def test_units_dry_run_writes_nothing(tmp_path):
    before = counts()
    report = units_import(path=write_csv(tmp_path, UNIT_HEADER + "HB,环卫处,department,,,,,\nCGJ,城管局,department,,,,,\n"),
                          dry_run=True)
    assert (report.created, report.updated, report.dry_run) == (1, 1, True)
    assert report.change_lines() == ["would create HB 环卫处", "would update CGJ 城管局"]
    assert counts() == before and Unit.objects.get(code="CGJ").name != "城管局"


def test_a_parent_cycle_in_units(tmp_path):
    path = write_xlsx(tmp_path, [["code", "name", "kind", "parent_code"],
                                 ["A", "甲", "department", "B"], ["B", "乙", "department", "A"],
                                 ["C", "丙", "department", "CGJ"]])
    fails(lambda: units_import(path=path), "row 2 (code A): parent_code: parent cycle: A → B → A")
    assert not Unit.objects.filter(code="C").exists()


def test_a_cycle_through_stored_units(tmp_path):
    child = Unit.objects.filter(parent__code="GOV-131102").order_by("code").first()
    path = write_csv(tmp_path, f"code,name,kind,parent_code\nGOV-131102,x,government,{child.code}\n")
    fails(lambda: units_import(path=path), f"row 2 (code GOV-131102): parent_code: parent cycle: GOV-131102 → {child.code} → GOV-131102")


def test_units_with_an_unknown_kind_parent_area_and_a_bad_phone(tmp_path):
    path = write_csv(tmp_path, UNIT_HEADER +
                     "OK,好单位,department,,,,,\n"
                     "C,丙,xyz,NOPE,999,,12345,\n")
    fails(lambda: units_import(path=path), 'row 3 (code C): kind: unknown unit kind "xyz"',
          'row 3 (code C): parent_code: no unit has code "NOPE"', 'row 3 (code C): area_code: no area has code "999"',
          'row 3 (code C): contact_phone: "12345" is neither an 11-digit mobile number nor a landline')
    assert not Unit.objects.filter(code="OK").exists()


def test_units_with_a_duplicate_code_and_a_missing_column(tmp_path):
    fails(lambda: units_import(path=write_csv(tmp_path, "code,name,kind\nA,甲,department\nA,乙,department\n")),
          "row 3 (code A): code: appears twice in the file (first on row 2)")
    fails(lambda: units_import(path=write_csv(tmp_path, "code,name\nA,甲\n", "no-kind.csv")),
          "row 1: kind: the column is missing")


def test_a_corrupt_xlsx(tmp_path):
    bad = tmp_path / "units.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    fails(lambda: units_import(path=bad), "units.xlsx: file: is not a readable .xlsx workbook")


def test_a_csv_that_is_not_utf8(tmp_path):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((UNIT_HEADER + "HB,环卫处,department,,,,,\n").encode("gbk"))
    fails(lambda: units_import(path=gbk), 'gbk.csv: file: is not UTF-8 text (byte 1); save it as "CSV UTF-8"')


def test_import_units_command(tmp_path):
    out = StringIO()
    call_command("import-units", str(write_csv(tmp_path, UNIT_HEADER + "HB,环卫处,department,,,,,\n")), stdout=out)
    assert "1 created, 0 updated." in out.getvalue() and Unit.objects.filter(code="HB").exists()
    with pytest.raises(CommandError, match=r"nothing imported\.\nrow 2 \(code X\): kind: unknown unit kind"):
        call_command("import-units", str(write_csv(tmp_path, "code,name,kind\nX,x,?\n", "bad.csv")))


# -- people --------------------------------------------------------------------------------------------------

PEOPLE_HEADER = "用户名,姓名,手机,邮箱,所属单位编码,角色,范围单位编码,范围区域编码\n"


def test_people_import_creates_people_with_several_roles(tmp_path):
    path = write_csv(tmp_path, PEOPLE_HEADER +
                     "zhang,张伟,13912345678,zw@example.cn,CGJ,unit_handler,CGJ,\n"
                     "zhang,,,,,属地领导,,131102\n"
                     "li,李娜,0318-2123456,,,Grid worker (网格员),,131102001\n", "people.csv")
    report = people_import(path=path)
    assert (report.created, report.updated) == (2, 0)
    zhang = Person.objects.get(username="zhang")
    assert not zhang.has_usable_password() and zhang.is_staff
    assert (zhang.display_name, zhang.phone, zhang.email, zhang.unit.code) == ("张伟", "13912345678", "zw@example.cn", "CGJ")
    assert set(RoleAssignment.objects.filter(person=zhang).values_list("role", "unit__code", "area__code")) == {
        ("unit_handler", "CGJ", None), ("area_leader", None, "131102")}
    assert list(RoleAssignment.objects.filter(person__username="li").values_list("role", "area__code")) == [
        ("grid_worker", "131102001")]
    assert AuditEvent.objects.filter(action="import.people", data__roles_added=3).exists()


def test_people_import_updates_without_duplicating_roles(tmp_path):
    existing = Person.objects.filter(roles__role="dispatcher").order_by("username").first()
    held = RoleAssignment.objects.filter(person=existing).count()
    path = write_xlsx(tmp_path, [
        ["username", "display_name", "phone", "email", "unit_code", "role", "scope_unit_code", "scope_area_code"],
        [existing.username, "新名字", 13900000000, None, None, "dispatcher", None, "131100"],
        [existing.username, None, None, None, None, "inspector", None, "131100"],
    ], "people.xlsx")
    first = people_import(path=path)
    again = people_import(path=path)
    assert (first.created, first.updated, again.updated) == (0, 1, 1)
    existing.refresh_from_db()
    assert (existing.display_name, existing.phone) == ("新名字", "13900000000")
    assert existing.has_usable_password()  # an update leaves the login alone
    assert RoleAssignment.objects.filter(person=existing).count() == held + 1  # inspector added once
    assert RoleAssignment.objects.filter(person=existing, role="dispatcher", area__code="131100").count() == 1


def test_people_dry_run_writes_nothing(tmp_path):
    before = counts()
    report = people_import(path=write_csv(tmp_path, PEOPLE_HEADER + "zhang,张伟,,,,unit_leader,CGJ,\n", "p.csv"),
                           dry_run=True)
    assert (report.created, report.dry_run) == (1, True) and report.change_lines() == ["would create zhang Unit leader"]
    assert counts() == before


def test_a_bad_role_and_scope_combination(tmp_path):
    path = write_csv(tmp_path, PEOPLE_HEADER +
                     "ok,好,,,,inspector,,131100\n"
                     "li,李,,,,unit_handler,,131102\n"
                     "wang,王,,,,grid_worker,CGJ,\n"
                     "zhao,赵,,,,area_leader,,\n"
                     "qian,钱,,,,chef,,131102\n", "people.csv")
    fails(lambda: people_import(path=path),
          "row 3 (username li): scope_area_code: unit_handler is scoped to a unit",
          "row 4 (username wang): scope_unit_code: grid_worker is scoped to an area",
          "row 5 (username zhao): scope_area_code: area_leader needs the area it covers",
          'row 6 (username qian): role: unknown role "chef"')
    assert not Person.objects.filter(username="ok").exists()


def test_a_bad_phone_and_email(tmp_path):
    path = write_csv(tmp_path, PEOPLE_HEADER +
                     "li,李,123,not-mail,,inspector,,131100\n"
                     "li,李,13900000000,,,inspector,,131100\n"
                     "li,李,13900000001,,,dispatcher,,131100\n", "people.csv")
    fails(lambda: people_import(path=path),
          'row 2 (username li): phone: "123" is neither an 11-digit mobile number nor a landline like 0318-1234567',
          'row 2 (username li): email: "not-mail" is not an e-mail address',
          'row 4 (username li): phone: row 3 says "13900000000" for the same person')


def test_people_with_unknown_units_and_areas(tmp_path):
    path = write_csv(tmp_path, PEOPLE_HEADER + "li,李,,,NOPE,unit_leader,NOPE2,\nwu,吴,,,,admin,,999\n", "people.csv")
    fails(lambda: people_import(path=path), 'row 2 (username li): unit_code: no unit has code "NOPE"',
          'row 2 (username li): scope_unit_code: no unit has code "NOPE2"',
          'row 3 (username wu): scope_area_code: no area has code "999"')


def test_import_people_command(tmp_path):
    path = write_csv(tmp_path, PEOPLE_HEADER + "zhang,张伟,,,,unit_leader,CGJ,\n", "people.csv")
    out = StringIO()
    call_command("import-people", str(path), "--dry-run", stdout=out)
    assert "would create zhang Unit leader" in out.getvalue() and not Person.objects.filter(username="zhang").exists()
    call_command("import-people", str(path), stdout=StringIO())
    assert Person.objects.get(username="zhang").roles.get().unit.code == "CGJ"
    with pytest.raises(CommandError, match=r"no such file"):
        call_command("import-people", str(tmp_path / "missing.csv"))
