"""What the charts and the big screen read: rows named in words (never a blank "—"), the data time in Beijing
time, the big screen's poll interval from hostile input."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.cases.services import workflow as wf
from wenming.org.models import Area, Unit
from wenming.scoring import selectors
from wenming.scoring.views import SCREEN_REFRESH, _refresh_seconds

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]


@pytest.fixture
def three_cases(people):
    """One case waiting at the command centre, one dispatched to 城管 桃城分局, one without a category."""
    grids = list(Area.objects.filter(level="grid", code__startswith="131102").order_by("code")[:3])
    waiting, dispatched, loose = (wf.case_intake(channel="hotline", description="占道", lng=g.lng, lat=g.lat,
                                                 category=c, actor=people["shouli"])
                                  for g, c in zip(grids, ["SJ0401", "SJ0401", None], strict=True))
    wf.case_register(case_id=dispatched.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=dispatched.pk, actor=people["paiqian"], unit=Unit.objects.get(code="CGJ-131102"))
    return waiting, dispatched, loose


def test_overdue_rows_name_the_command_centre_for_cases_not_dispatched(three_cases, people):
    later = timezone.now() + dt.timedelta(days=60)  # every running stage is overdue by then
    panel = selectors.panel_overdue(people["zhiban"], now=later)
    names = {r["name"]: r["n"] for r in panel["rows"]}
    assert panel["total"] == 3
    assert names == {"Command centre (not dispatched yet)": 2, Unit.objects.get(code="CGJ-131102").name: 1}
    assert all(r["name"].strip("—– ") for r in panel["rows"])


def test_cases_without_a_category_are_named_in_the_category_panel(three_cases, people):
    rows = selectors.panel_by_category(people["zhiban"], now=timezone.now())["rows"]
    assert {"name": "Not categorised yet", "n": 1} in rows and "—" not in {r["name"] for r in rows}


def test_panels_json_says_when_it_was_read_in_beijing_time(client, people):
    client.force_login(people["zhiban"])
    before = timezone.now().replace(microsecond=0)
    data = json.loads(client.get(reverse("scoring:panels")).content)
    as_of = dt.datetime.fromisoformat(data["as_of"])
    assert data["as_of"].endswith("+08:00") and before <= as_of <= timezone.now()
    assert set(data) == {*selectors.PANELS, "as_of"}


@pytest.mark.parametrize(("given", "used"), [
    (None, SCREEN_REFRESH), ("", SCREEN_REFRESH), ("15", 15), ("0", 2), ("1", 2), ("999999", SCREEN_REFRESH),
    ("86400", 3600), ("-5", SCREEN_REFRESH), ("2.5", SCREEN_REFRESH), ("abc", SCREEN_REFRESH), ("\x00", SCREEN_REFRESH),
    ("٣", SCREEN_REFRESH),  # an Arabic-Indic digit: isdigit() says yes, int() would read 3; refused all the same
])
def test_the_screen_poll_interval_is_bounded(given, used):
    assert _refresh_seconds(given) == used


def test_the_screen_page_carries_its_interval_and_data_time(client, people):
    client.force_login(people["zhiban"])
    page = client.get(reverse("scoring:screen"), {"refresh": "5"}).content.decode()
    assert 'data-refresh="5"' in page and 'data-figure="as_of"' in page and 'datetime="' in page
    assert 'data-refresh="60"' in client.get(reverse("scoring:screen"), {"refresh": "x"}).content.decode()
