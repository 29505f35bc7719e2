import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from wenming.common.geo import haversine_m
from wenming.org.models import Site

pytestmark = pytest.mark.django_db


def _run(*args) -> list[dict]:
    out = StringIO()
    call_command("sites-near", *args, stdout=out)
    return json.loads(out.getvalue())


def test_sites_near_lists_sites_of_a_type_within_the_radius_sorted_by_distance():
    market = Site.objects.filter(site_type__code="market").first()
    rows = _run("--lat", str(market.lat), "--lng", str(market.lng), "--radius", "300", "--type", "compound")
    assert rows, "the demo city has compounds within 300 m of its markets"
    assert {r["type"] for r in rows} == {"小区"}
    assert [r["distance_m"] for r in rows] == sorted(r["distance_m"] for r in rows)
    assert all(r["distance_m"] <= 300 for r in rows)
    # Polygon distance is never more than the distance to the site's representative point.
    for row in rows:
        site = Site.objects.get(code=row["code"])
        assert row["distance_m"] <= haversine_m(market.lng, market.lat, site.lng, site.lat) + 1


def test_sites_near_without_a_type_includes_the_site_itself():
    school = Site.objects.filter(site_type__code="school").first()
    rows = _run("--lat", str(school.lat), "--lng", str(school.lng), "--radius", "200")
    assert rows[0]["code"] == school.code and rows[0]["distance_m"] == 0


def test_sites_near_rejects_unknown_types_and_bad_radius():
    with pytest.raises(CommandError, match="unknown site type: 游乐场"):
        _run("--lat", "37.6", "--lng", "115.5", "--type", "游乐场")
    with pytest.raises(CommandError, match="out of range"):
        _run("--lat", "37.6", "--lng", "115.5", "--radius", "-1")
