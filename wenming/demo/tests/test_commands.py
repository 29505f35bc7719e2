"""The demo commands: demo-data builds or refuses, demo-logins prints accounts that log in."""

from io import StringIO

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command

from wenming.demo.campaign import campaign_demo_build
from wenming.demo.cases import demo_cases_build
from wenming.demo.city import demo_city_clear
from wenming.org.models import Area, Person

pytestmark = pytest.mark.django_db


def test_demo_data_refuses_a_city_that_exists_and_dry_run_keeps_nothing():
    with pytest.raises(CommandError, match="already holds areas"):
        call_command("demo-data", "--grids", "50", stdout=StringIO())
    out = StringIO()
    call_command("demo-data", "--grids", "50", "--if-empty", stdout=out)
    assert "left as it is" in out.getvalue()
    demo_city_clear()
    out = StringIO()
    call_command("demo-data", "--grids", "50", "--layout", "lattice", "--dry-run", stdout=out)
    assert "dry run" in out.getvalue() and "grids 50" in out.getvalue()
    assert not Area.objects.exists()
    out = StringIO()
    call_command("demo-data", "--grids", "300", "--dry-run", stdout=out)  # the real outlines by default
    assert "dry run" in out.getvalue() and "grids 300" in out.getvalue() and "streets 118" in out.getvalue()
    assert not Area.objects.exists()
    with pytest.raises(CommandError, match="--grids must be at least"):
        call_command("demo-data", "--grids", "50", stdout=StringIO())


def test_demo_logins_names_the_address_the_demo_serves_on(monkeypatch):
    monkeypatch.setenv("WENMING_PORT", "8765")
    out = StringIO()
    call_command("demo-logins", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8765/login/" in text
    assert "shouli" in text and "wenming2026" in text


def test_every_account_demo_logins_prints_logs_in_with_the_demo_password(client, monkeypatch):
    """The task forces' leaders and the handlers made for cases too (they once had no usable password)."""
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
