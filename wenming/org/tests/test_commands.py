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


def test_demo_data_refuses_a_city_that_exists_and_dry_run_keeps_nothing():
    from wenming.org.models import Area
    from wenming.org.services.demo import demo_city_clear

    with pytest.raises(CommandError, match="already holds areas"):
        call_command("demo-data", "--grids", "50", stdout=StringIO())
    out = StringIO()
    call_command("demo-data", "--grids", "50", "--if-empty", stdout=out)
    assert "left as it is" in out.getvalue()
    demo_city_clear()
    out = StringIO()
    call_command("demo-data", "--grids", "50", "--dry-run", stdout=out)
    assert "dry run" in out.getvalue() and "grids 50" in out.getvalue()
    assert not Area.objects.exists()


def test_demo_logins_names_the_address_the_demo_serves_on(monkeypatch):
    monkeypatch.setenv("WENMING_PORT", "8765")
    out = StringIO()
    call_command("demo-logins", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8765/login/" in text
    assert "shouli" in text and "wenming2026" in text


def test_every_account_demo_logins_prints_logs_in_with_the_demo_password(client, monkeypatch):
    """The task forces' leaders and the handlers made for cases too (they once had no usable password)."""
    from django.contrib.auth.hashers import check_password

    from wenming.campaign.services.demo import campaign_demo_build
    from wenming.cases.services.demo import demo_cases_build
    from wenming.org.models import Person

    campaign_demo_build()
    demo_cases_build(count=40, exposures=0)
    out = StringIO()
    call_command("demo-logins", stdout=out)
    printed = [line.split()[0] for line in out.getvalue().splitlines() if line.startswith("  ")]
    assert any(name.startswith("zb") for name in printed) and any(name.startswith("h-") for name in printed)
    people = Person.objects.filter(username__in=printed)
    assert people.count() == len(printed)
    # One check per distinct hash (hashing is slow); every printed account has one of them.
    hashes = set(people.values_list("password", flat=True))
    assert all(check_password("wenming2026", encoded) for encoded in hashes), "an account printed cannot log in"
    for username in (next(n for n in printed if n.startswith("zb")), next(n for n in printed if n.startswith("h-"))):
        assert client.login(username=username, password="wenming2026"), username
    # A deactivated account (停用) is not offered either.
    Person.objects.filter(username=printed[0]).update(is_active=False)
    out = StringIO()
    call_command("demo-logins", stdout=out)
    assert f"  {printed[0]} " not in out.getvalue() and f"  {printed[1]} " in out.getvalue()
