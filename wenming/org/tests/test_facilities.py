"""Facility registers (设施台账): the site-type loader, the site imports' new columns (运营单位, 容量/车位数, 启用日期),
and the register page — counts per area with drill-down and the areas that have none, parking spaces, the XLSX
export (formula-safe) and scope (a unit sees the facilities it runs or answers for, nothing else).

The world is the demo city (seed 7): 桃城区 131102 and its streets; each test adds its own site type so the demo's
facilities do not count.
"""

import csv
import datetime as dt
import io
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from wenming.common.models import AuditEvent
from wenming.common.tabular_import import ImportFailed
from wenming.common.tests.test_access import person
from wenming.org.facility_selectors import facility_register, facility_types
from wenming.org.models import Area, Site, SiteType, Unit
from wenming.org.services.imports.registers import REGISTER_IMPORTS
from wenming.org.services.imports.sites import site_register_import, sites_import
from wenming.org.services.site_types import (
    DEFAULT_FILE,
    FACILITY_TYPE_CODES,
    SiteTypeDataError,
    site_types_load,
    site_types_read,
)
from wenming.org.tests.factories import SiteFactory, SiteTypeFactory, offset, point

pytestmark = pytest.mark.django_db

QUIET = "13110200100205"  # a grid of 桃城区's first street with nothing on it
COUNTY = "131102"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def csv_file(tmp_path, rows, name="sites.csv"):
    out = StringIO()
    csv.writer(out).writerows(rows)
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    return path


def errors_of(call) -> list[str]:
    with pytest.raises(ImportFailed) as exc:
        call()
    return exc.value.report.errors


# -- the site-type loader ----------------------------------------------------------------------------------------

def test_the_shipped_file_holds_the_contract_codes_and_the_demo_loaded_it():
    codes = {row.code for row in site_types_read()}
    assert set(FACILITY_TYPE_CODES) | {"commercial_area", "market", "alley", "compound", "school", "square"} <= codes
    # The demo built its types from the same file: loading it again changes nothing.
    result = site_types_load()
    assert (result.created, result.renamed, result.unchanged) == ([], [], len(codes))


def types_file(tmp_path, extra=()):
    """The shipped file with more types at its end."""
    rows = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))["site_types"] + list(extra)
    path = tmp_path / "types.json"
    path.write_text(json.dumps({"site_types": rows}, ensure_ascii=False), encoding="utf-8")
    return path, rows


def test_the_loader_creates_missing_types_renames_by_code_and_never_deletes(tmp_path):
    SiteType.objects.filter(code="youth_palace").update(name="少年宫")
    keep = SiteTypeFactory(code="city_own", name="本市自有类型")
    path, rows = types_file(tmp_path, [{"code": "reading_room", "name": "农家书屋", "surround_radius_m": 50, "sort": 90}])

    dry = site_types_load(path=path, dry_run=True)
    assert (dry.created, dry.renamed) == (["reading_room"], ["youth_palace"])
    assert not SiteType.objects.filter(code="reading_room").exists()
    assert SiteType.objects.get(code="youth_palace").name == "少年宫"

    first = site_types_load(path=path)
    assert (first.created, first.renamed) == (["reading_room"], ["youth_palace"])
    assert SiteType.objects.get(code="youth_palace").name == "复兴少年宫"
    added = SiteType.objects.get(code="reading_room")
    assert (added.name, added.surround_radius_m, added.sort) == ("农家书屋", 50, 90)
    assert SiteType.objects.filter(pk=keep.pk).exists()  # not in the file, kept
    assert AuditEvent.objects.filter(action="site_types.load").count() == 1

    again = site_types_load(path=path)
    assert (again.created, again.renamed, again.unchanged) == ([], [], len(rows))
    assert AuditEvent.objects.filter(action="site_types.load").count() == 1


def test_the_loader_refuses_a_name_held_by_another_code_and_a_bad_file(tmp_path):
    path = tmp_path / "types.json"
    path.write_text(json.dumps({"site_types": [{"code": "parking_garage", "name": "停车场"}]}, ensure_ascii=False),
                    encoding="utf-8")
    with pytest.raises(SiteTypeDataError, match="parking_garage: the name \"停车场\" belongs to the site type parking_lot"):
        site_types_load(path=path)
    assert not SiteType.objects.filter(code="parking_garage").exists()
    path.write_text(json.dumps({"site_types": [{"code": "x", "name": "甲", "surround_radius_m": -5},
                                               {"code": "x", "name": "乙"}]}), encoding="utf-8")
    with pytest.raises(SiteTypeDataError) as exc:
        site_types_read(path=path)
    assert "entry 1 (x): surround_radius_m must be a whole number" in str(exc.value)
    assert "entry 2 (x): code \"x\" is also in entry 1" in str(exc.value)


def test_load_site_types_command(tmp_path):
    path, _rows = types_file(tmp_path, [{"code": "reading_room", "name": "农家书屋"}])
    out = StringIO()
    call_command("load-site-types", str(path), "--dry-run", stdout=out)
    assert "+ reading_room" in out.getvalue() and not SiteType.objects.filter(code="reading_room").exists()
    call_command("load-site-types", str(path), stdout=StringIO())
    assert SiteType.objects.filter(code="reading_room").exists()
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    with pytest.raises(CommandError, match="no site-type file"):
        call_command("load-site-types", str(bad))


# -- imports: the new columns ------------------------------------------------------------------------------------

@pytest.fixture
def grid():
    return Area.objects.get(code=QUIET)


def test_the_register_import_takes_operator_capacity_and_opening_date(tmp_path, grid):
    assert "sites" in REGISTER_IMPORTS
    unit = Unit.objects.get(code="WY-1")
    path = csv_file(tmp_path, [
        ["编码", "名称", "类型", "经度", "纬度", "包保单位", "运营单位", "车位数", "启用日期", "是否在用"],
        ["P-1", "人民路停车场", "停车场", grid.lng, grid.lat, "CGJ-131102", "WY-1", "120", "2024-05-01", "是"],
        ["P-2", "和平路停车场", "parking_lot", grid.lng, grid.lat, "", unit.name, "80", "2023/9/1", ""],
    ])
    report = site_register_import(path=path)
    assert (report.created, report.updated) == (2, 0)
    first, second = Site.objects.get(code="P-1"), Site.objects.get(code="P-2")
    assert (first.operator_unit, first.guarantor_unit.code, first.capacity, first.opened_on, first.area) == (
        unit, "CGJ-131102", 120, dt.date(2024, 5, 1), grid)
    assert (second.operator_unit, second.capacity, second.opened_on) == (unit, 80, dt.date(2023, 9, 1))
    # A second file with only some columns updates those and leaves the rest.
    again = csv_file(tmp_path, [["编码", "车位数", "是否在用"], ["P-1", "150", "否"]], name="again.csv")
    assert site_register_import(path=again).updated == 1
    first.refresh_from_db()
    assert (first.capacity, first.is_active, first.operator_unit, first.name, first.area) == (150, False, unit,
                                                                                               "人民路停车场", grid)


def test_the_register_import_names_each_bad_row(tmp_path, grid):
    Unit.objects.create(code="TWIN-1", name="同名单位")
    Unit.objects.create(code="TWIN-2", name="同名单位")
    path = csv_file(tmp_path, [
        ["编码", "名称", "类型", "经度", "纬度", "运营单位", "容量", "启用日期"],
        ["F-1", "少年宫", "youth_palace", grid.lng, grid.lat, "NOPE", "", ""],
        ["F-2", "少年宫", "youth_palace", grid.lng, grid.lat, "", "-5", ""],
        ["F-3", "少年宫", "youth_palace", grid.lng, grid.lat, "", "12.5", "2024-13-01"],
        ["F-4", "少年宫", "youth_palace", grid.lng, grid.lat, "同名单位", "", "not a date"],
        ["F-5", "", "游乐场", "", "", "", "", ""],
    ])
    errors = errors_of(lambda: site_register_import(path=path))
    assert 'row 2 (code F-1): 运营单位(operator_unit): no unit has the code or name "NOPE"' in errors
    assert 'row 3 (code F-2): 容量(capacity): "-5" is not a whole number from 0 to 100000 (parking spaces or places)' in errors
    assert 'row 4 (code F-3): 容量(capacity): "12.5" is not a whole number from 0 to 100000 (parking spaces or places)' in errors
    assert 'row 4 (code F-3): 启用日期(opened_on): "2024-13-01" is not a date like 2026-03-01' in errors
    assert 'row 5 (code F-4): 运营单位(operator_unit): 2 units are named "同名单位"; give the unit\'s code' in errors
    assert 'row 5 (code F-4): 启用日期(opened_on): "not a date" is not a date like 2026-03-01' in errors
    assert any(e.startswith("row 6 (code F-5): 名称(name): missing") for e in errors)
    assert 'row 6 (code F-5): 类型(type): unknown site type "游乐场"' in errors
    assert any(e.startswith("row 6 (code F-5): 经度(lng): missing (the site is new)") for e in errors)
    assert not Site.objects.filter(code__startswith="F-").exists()


def test_the_geojson_import_takes_the_new_properties(tmp_path, grid):
    features = [
        {"type": "Feature", "geometry": point(grid.lng, grid.lat),
         "properties": {"code": "G-1", "name": "灭烟柱", "type": "smoking_post", "运营单位": "CGJ-131102",
                        "容量": 1, "启用日期": "2025-01-02"}},
        {"type": "Feature", "geometry": point(grid.lng, grid.lat),
         "properties": {"code": "G-2", "name": "停车场", "type": "parking_lot", "capacity": "-1", "opened_on": "x"}},
    ]
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    errors = errors_of(lambda: sites_import(path=path))
    assert 'feature 2 (code G-2): capacity: "-1" is not a whole number from 0 to 100000 (parking spaces or places)' in errors
    assert 'feature 2 (code G-2): opened_on: "x" is not a date like 2026-03-01' in errors
    features.pop()
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    assert sites_import(path=path).created == 1
    site = Site.objects.get(code="G-1")
    assert (site.operator_unit.code, site.capacity, site.opened_on) == ("CGJ-131102", 1, dt.date(2025, 1, 2))


# -- the register page -------------------------------------------------------------------------------------------

@pytest.fixture
def palaces():
    """A type of its own: 2 in 桃城区's first village (and one closed there), 4 in 冀州区, none elsewhere. The test
    city has one street in each county; 桃城区's has three villages."""
    kind = SiteTypeFactory(code="test_palace", name="测试少年宫")
    street = Area.objects.get(parent__code=COUNTY, level="street")
    villages = list(Area.objects.filter(parent=street, level="community").order_by("code"))
    other = Area.objects.filter(path__startswith="/131100/131103/", level="community").order_by("code").first()
    for area, n in ((villages[0], 2), (other, 4)):
        for i in range(n):
            lng, lat = offset(area.lng, area.lat, east_m=20 * i)
            SiteFactory(site_type=kind, area=area, geometry=point(lng, lat), capacity=100 + i, name=f"{area.name}少年宫{i}")
    SiteFactory(site_type=kind, area=villages[0], is_active=False, name="停用的少年宫")
    return kind, street, villages


def test_counts_per_area_with_the_areas_that_have_none(palaces):
    kind, street, villages = palaces
    admin = person("admin")
    city = facility_register(user=admin, site_type=kind)
    counties = Area.objects.filter(level="county").count()
    assert {r.code: (r.count, r.inactive) for r in city.rows if r.count or r.inactive} == {COUNTY: (2, 1), "131103": (4, 0)}
    assert len(city.rows) == counties and city.without == counties - 2
    assert (city.total, city.inactive, city.capacity) == (6, 1, 100 + 101 + 100 + 101 + 102 + 103)
    county = facility_register(user=admin, site_type=kind, area=Area.objects.get(code=COUNTY))
    assert [(r.code, r.count, r.drillable) for r in county.rows] == [(street.code, 2, True)]
    by_village = facility_register(user=admin, site_type=kind, area=street)
    assert [(r.code, r.count) for r in by_village.rows] == [(v.code, 2 if v == villages[0] else 0) for v in villages]
    assert by_village.without == len(villages) - 1 and not any(r.drillable for r in by_village.rows)
    assert facility_register(user=admin, site_type=kind, area=villages[0]).rows == []


def test_the_page_drills_down_from_the_city_to_the_villages(client, palaces):
    kind, street, villages = palaces
    client.force_login(person("admin"))
    url = reverse("org:facilities")
    city = client.get(url, {"type": kind.code})
    assert city.status_code == 200 and city.context["page"].paginator.count == 7
    assert f'href="?type={kind.code}&amp;area={COUNTY}"'.encode() in city.content
    assert b'data-area="131103" data-count="4"' in city.content
    county = client.get(url, {"type": kind.code, "area": COUNTY})
    assert county.context["page"].paginator.count == 3
    assert f'data-area="{street.code}" data-count="2"'.encode() in county.content
    by_village = client.get(url, {"type": kind.code, "area": street.code})
    assert f'data-area="{villages[1].code}" data-count="0" data-capacity="0" class="none"'.encode() in by_village.content
    village = client.get(url, {"type": kind.code, "area": villages[0].code})
    assert village.context["register"].rows == [] and village.context["page"].paginator.count == 3
    assert len(village.context["points"]) == 2  # the closed one has no place on the map
    assert [name for _code, name in village.context["chain"]] == [Area.objects.get(code=COUNTY).name, street.name]
    assert client.get(url, {"type": kind.code, "area": "NO-SUCH"}).status_code == 404


def test_facility_types_come_first():
    codes = [t.code for t in facility_types()]
    assert codes[:len(FACILITY_TYPE_CODES)] == list(FACILITY_TYPE_CODES)


def test_parking_lots_show_their_spaces(client):
    client.force_login(person("admin"))
    response = client.get(reverse("org:facilities"), {"type": "parking_lot"}, HTTP_ACCEPT_LANGUAGE="en")
    register = response.context["register"]
    lots = Site.objects.filter(site_type__code="parking_lot", is_active=True)
    assert register.is_parking and register.total == lots.count() > 0
    assert register.capacity == sum(s.capacity or 0 for s in lots) > 0
    assert sum(r.capacity for r in register.rows) + (register.unplaced.capacity if register.unplaced else 0) == register.capacity
    assert b"Parking spaces" in response.content


def test_the_export_is_formula_safe(client, palaces):
    kind, _street, _villages = palaces
    Site.objects.filter(site_type=kind, area__path__startswith="/131100/131102/", name__endswith="少年宫0").update(
        name='=HYPERLINK("http://evil.example","x")')
    client.force_login(person("admin"))
    response = client.get(reverse("org:facilities_export"), {"type": kind.code})
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(response.content))
    counts, listing = book.worksheets
    values = list(counts.iter_rows(values_only=True))
    assert ("131103", Area.objects.get(code="131103").name, 4, 0, 406) in values
    names = [row[1] for row in listing.iter_rows(min_row=2, values_only=True)]
    assert len(names) == 7 and "'=HYPERLINK(\"http://evil.example\",\"x\")" in names
    for row in listing.iter_rows(min_row=2):
        assert row[1].data_type == "s"


def test_a_unit_sees_only_the_facilities_it_runs_or_answers_for(client, palaces):
    kind, _street, _villages = palaces
    power = Unit.objects.get(code="POWER")
    village = Area.objects.filter(path__startswith="/131100/131121/", level="community").order_by("code").first()
    run = SiteFactory(site_type=kind, area=village, operator_unit=power, geometry=point(village.lng, village.lat))
    user = person("gongdian")  # the power company: no area of its own
    register = facility_register(user=user, site_type=kind)
    assert register.total == 1 and [(r.code, r.count) for r in register.rows] == [("131121", 1)]
    client.force_login(user)
    url = reverse("org:facilities")
    page = client.get(url, {"type": kind.code})
    assert [s.code for s in page.context["page"]] == [run.code]
    assert [p["code"] for p in page.context["points"]] == [run.code]
    # It may drill into the areas holding its facility, not into the others (404 as for a missing area).
    assert client.get(url, {"type": kind.code, "area": "131121"}).status_code == 200
    assert client.get(url, {"type": kind.code, "area": COUNTY}).status_code == 404
    # A street office has no area role: it sees what it answers for or runs, here nothing of this type.
    assert facility_register(user=person("jiedao"), site_type=kind).total == 0
    # 桃城区's own login sees its district's two (and the closed one), not 冀州区's four.
    district = facility_register(user=person("taocheng"), site_type=kind)
    assert (district.total, district.inactive) == (2, 1)


def test_the_register_links_to_the_import_for_administrators_only(client):
    client.force_login(person("admin"))
    assert b'id="facility-import"' in client.get(reverse("org:facilities")).content
    client.force_login(person("taocheng"))
    response = client.get(reverse("org:facilities"))
    assert response.status_code == 200 and b'id="facility-import"' not in response.content
    assert b'id="facility-export"' in response.content


def test_import_registers_sites_command(tmp_path, grid):
    path = csv_file(tmp_path, [["编码", "名称", "类型", "经度", "纬度", "车位数"],
                               ["P-9", "南关停车场", "parking_lot", grid.lng, grid.lat, "60"]])
    out = StringIO()
    call_command("import-registers", "sites", str(path), "--dry-run", stdout=out)
    assert "P-9" in out.getvalue() and not Site.objects.filter(code="P-9").exists()
    call_command("import-registers", "sites", str(path), stdout=StringIO())
    assert Site.objects.get(code="P-9").capacity == 60
