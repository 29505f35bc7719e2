"""Scheme import (dry run, row errors, hostile text, versions) and the scheme pages."""

import pytest
from django.urls import reverse

from wenming.common.errors import NotAllowed
from wenming.common.tabular_import import ImportFailed
from wenming.demo.inspections import scheme_csv, scheme_rows
from wenming.inspections.models import Scheme, SchemeItem
from wenming.inspections.services.schemes import scheme_import

pytestmark = pytest.mark.django_db


def _file(tmp_path, rows, name="scheme.csv"):
    path = tmp_path / name
    path.write_bytes(scheme_csv(rows))
    return path


def _row(**kw):
    row = {"site_type": "market", "scheme_name": "", "code": "农贸市场-09-01", "text": "地面干净", "clause": "",
           "category": "SJ0103", "weight": "2", "sampling_rule": "", "distance_m": "", "min_count": ""}
    row.update(kw)
    return row


def test_the_demo_schemes_load_with_clauses_categories_and_sampling_rules(schemes):
    assert set(schemes) == {"market", "school", "alley"}
    item = SchemeItem.objects.get(code="背街小巷-01-03")
    assert (item.sampling_distance_m, item.sampling_min_count, item.category.code) == (300, 5, "SJ0203")
    assert item.clause is not None and item.clause.criterion.edition.is_current
    assert SchemeItem.objects.filter(scheme=schemes["market"]).count() == 4


def test_a_dry_run_writes_nothing_and_a_second_import_is_a_new_version(schemes, people, tmp_path):
    path = _file(tmp_path, [_row(), _row(code="农贸市场-09-02", text="公平秤")])
    dry = scheme_import(path=path, actor=people["zhiban"], dry_run=True)
    assert dry.report.created == 1 and not dry.schemes and Scheme.objects.count() == 3
    done = scheme_import(path=path, actor=people["zhiban"])
    scheme = done.schemes[0]
    assert (scheme.site_type.code, scheme.version, scheme.items.count()) == ("market", 2, 2)
    assert schemes["market"].items.count() == 4  # the first version is left as it was


def test_every_bad_row_is_named_and_nothing_is_written(schemes, people, tmp_path):
    rows = [_row(site_type="火星"), _row(code="x", category="NOPE"), _row(code="y", clause="P9.9.9-9"),
            _row(code="z", weight="-1"), _row(code="z2", weight="abc"), _row(code="x", text="again")]
    with pytest.raises(ImportFailed) as failed:
        scheme_import(path=_file(tmp_path, rows), actor=people["ceping"])
    errors = "\n".join(failed.value.report.errors)
    for expected in ("row 2", "no such site type", "row 3", "no such case category", "row 4", "no such clause",
                     "row 5", "out of range", "row 6", "not a number", "row 7", "appears twice"):
        assert expected in errors, expected
    assert Scheme.objects.count() == 3


def test_hostile_text_stays_text(schemes, people, tmp_path):
    path = _file(tmp_path, [_row(text="=HYPERLINK(\"http://evil.example\")\x07地面", code="农贸市场-09-03")])
    scheme = scheme_import(path=path, actor=people["ceping"]).schemes[0]
    assert scheme.items.get().text == '=HYPERLINK("http://evil.example")地面'  # stored as typed, control char gone
    huge = tmp_path / "big.csv"
    huge.write_bytes(b"\xff\xfe" + b"x" * 1000)
    with pytest.raises(ImportFailed) as failed:
        scheme_import(path=huge, actor=people["ceping"])
    assert "UTF-8" in failed.value.report.errors[0]


def test_only_planners_import(schemes, people, tmp_path):
    for username in ("chengguan", "taocheng", "anfang"):
        with pytest.raises(NotAllowed):
            scheme_import(path=_file(tmp_path, [_row()]), actor=people[username])


def test_the_scheme_pages_and_the_import_page(client, schemes, people, tmp_path):
    client.force_login(people["ceping"])
    listing = client.get(reverse("inspections:schemes")).content.decode()
    assert "农贸市场暗访方案" in listing
    page = client.get(reverse("inspections:scheme", args=[schemes["alley"].pk])).content.decode()
    assert "背街小巷-01-03" in page and "walk 300 m" in page
    upload = _file(tmp_path, [_row(category="NOPE")])
    with upload.open("rb") as f:
        refused = client.post(reverse("inspections:scheme_import"), {"file": f})
    assert refused.status_code == 400 and "no such case category" in refused.content.decode()
    with _file(tmp_path, scheme_rows()).open("rb") as f:
        done = client.post(reverse("inspections:scheme_import"), {"file": f})
    assert done.status_code == 200 and 'data-dry-run="0"' in done.content.decode()
    assert Scheme.objects.filter(version=2).count() == 3
    client.force_login(people["chengguan"])
    assert client.get(reverse("inspections:schemes")).status_code == 404
