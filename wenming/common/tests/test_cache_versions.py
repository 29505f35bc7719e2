"""Every change an in-process cache depends on moves its version row, deletes and bulk rebuilds included, so every
node reloads within WENMING_GEO_CHECK_SECONDS (the two-node test shows it live)."""

import datetime as dt

import pytest

from wenming.common.services.geography import (
    CALENDAR,
    CREDENTIALS,
    GEOGRAPHY,
    ROUTING_CONFIG,
    caches_bump_all,
    version_read,
)

pytestmark = pytest.mark.django_db

ROWS = (GEOGRAPHY, ROUTING_CONFIG, CREDENTIALS, CALENDAR)


def _moved(change) -> set[int]:
    before = {row: version_read(row) for row in ROWS}
    change()
    return {row for row in ROWS if version_read(row) != before[row]}


def test_calendar_days_saved_and_deleted_move_the_calendar_row():
    from wenming.common.models import CalendarDay

    day = CalendarDay(date=dt.date(2032, 1, 5), is_workday=False, name="测试")
    assert _moved(day.save) == {CALENDAR}
    assert _moved(day.delete) == {CALENDAR}


def test_an_area_change_moves_geography_routing_and_credentials():
    from wenming.org.models import Area

    area = Area.objects.filter(level="grid").first()
    area.name += "（改）"
    assert _moved(area.save) == {GEOGRAPHY, ROUTING_CONFIG, CREDENTIALS}


def test_a_routing_rule_deleted_moves_the_routing_row():
    from wenming.cases.models import RoutingRule

    rule = RoutingRule.objects.first()
    assert _moved(rule.delete) == {ROUTING_CONFIG}


def test_an_api_key_revoked_moves_the_credentials_row(people):
    from wenming.api.services.keys import api_key_issue, api_key_revoke

    key, _raw = api_key_issue(name="version test", person=people["shouli"], channel="12345")
    assert CREDENTIALS in _moved(lambda: api_key_revoke(key_id=key.pk))


def test_a_bulk_rebuild_moves_every_row():
    assert _moved(caches_bump_all) == set(ROWS)


def test_a_committed_calendar_change_drops_this_process_overrides(django_capture_on_commit_callbacks):
    from wenming.common import calendar
    from wenming.common.models import CalendarDay

    calendar.is_workday(dt.date(2032, 1, 6))
    assert calendar._overrides is not None
    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(date=dt.date(2032, 1, 6), is_workday=False)
    assert calendar._overrides is None
    assert calendar.is_workday(dt.date(2032, 1, 6)) is False
