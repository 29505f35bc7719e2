"""Working-time arithmetic, checked against hand-worked values (default hours 08:30-12:00, 14:30-17:30)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from wenming.common.calendar import deadline_add, is_workday, parse_working_hours, working_time_between
from wenming.common.models import CalendarDay

TZ = ZoneInfo("Asia/Shanghai")
H = dt.timedelta(hours=1)


def at(*args):
    return dt.datetime(*args, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _hours(settings):
    settings.WENMING_WORKING_HOURS = "08:30-12:00,14:30-17:30"


pytestmark = pytest.mark.django_db


def test_inside_one_period():
    assert deadline_add(at(2026, 12, 1, 9, 0), 2, "working_hours") == at(2026, 12, 1, 11, 0)


def test_across_lunch():
    # 10:00 + 3 h: 2 h to noon, then 1 h from 14:30.
    assert deadline_add(at(2026, 12, 1, 10, 0), 3, "working_hours") == at(2026, 12, 1, 15, 30)


def test_across_a_night():
    # 16:30 + 2 h: 1 h to 17:30, then 1 h from 08:30 next day.
    assert deadline_add(at(2026, 12, 1, 16, 30), 2, "working_hours") == at(2026, 12, 2, 9, 30)


def test_across_a_weekend():
    # Friday 4 Dec 2026 17:00 + 1 h: 30 min on Friday, 30 min on Monday 7 Dec.
    assert deadline_add(at(2026, 12, 4, 17, 0), 1, "working_hours") == at(2026, 12, 7, 9, 0)


def test_across_national_day_2025_with_make_up_workdays():
    # Tue 30 Sep 2025 17:00 + 1 h: 1–8 Oct are holidays, Thu 9 Oct is the next working day.
    assert deadline_add(at(2025, 9, 30, 17, 0), 1, "working_hours") == at(2025, 10, 9, 9, 0)
    # Fri 26 Sep 17:00 + 1 h: Sat 27 is off, but Sun 28 Sep is a make-up workday.
    assert deadline_add(at(2025, 9, 26, 17, 0), 1, "working_hours") == at(2025, 9, 28, 9, 0)
    assert is_workday(dt.date(2025, 10, 11)) and not is_workday(dt.date(2025, 10, 8))


def test_make_up_saturday_counts():
    # Sat 28 Feb 2026 is a make-up workday after the Spring Festival.
    assert deadline_add(at(2026, 2, 27, 17, 0), 1, "working_hours") == at(2026, 2, 28, 9, 0)


def test_clock_hours_ignore_the_calendar():
    assert deadline_add(at(2025, 9, 30, 23, 0), 4, "clock_hours") == at(2025, 10, 1, 3, 0)


def test_working_days_are_full_days_of_working_time():
    # 6.5 working hours a day: Monday 16:00 + 1 working day = Tuesday 16:00.
    assert deadline_add(at(2026, 11, 30, 16, 0), 1, "working_days") == at(2026, 12, 1, 16, 0)
    assert deadline_add(at(2026, 11, 30, 8, 30), 5, "working_days") == at(2026, 12, 4, 17, 30)


def test_start_outside_working_hours():
    assert deadline_add(at(2026, 12, 1, 7, 0), 1, "working_hours") == at(2026, 12, 1, 9, 30)
    assert deadline_add(at(2026, 12, 1, 12, 30), 0.5, "working_hours") == at(2026, 12, 1, 15, 0)
    assert deadline_add(at(2026, 12, 5, 10, 0), 1, "working_hours") == at(2026, 12, 7, 9, 30)  # a Saturday


def test_deadline_on_a_period_end_stays_there():
    assert deadline_add(at(2026, 12, 1, 8, 30), 3.5, "working_hours") == at(2026, 12, 1, 12, 0)


def test_working_time_between_over_a_holiday_and_back():
    start, end = at(2025, 9, 30, 16, 0), at(2025, 10, 9, 10, 0)
    assert working_time_between(start, end) == 1.5 * H + 1.5 * H
    assert working_time_between(end, start) == -(3 * H)
    for hours in (0.25, 1, 3.5, 7, 20):
        due = deadline_add(start, hours, "working_hours")
        assert working_time_between(start, due) == hours * H


def test_city_calendar_overrides_both_ways():
    CalendarDay.objects.create(date=dt.date(2026, 12, 2), is_workday=False, name="城市停工日")
    CalendarDay.objects.create(date=dt.date(2026, 12, 5), is_workday=True, name="调休上班")
    assert deadline_add(at(2026, 12, 1, 17, 0), 1, "working_hours") == at(2026, 12, 3, 9, 0)
    assert deadline_add(at(2026, 12, 4, 17, 0), 1, "working_hours") == at(2026, 12, 5, 9, 0)


def test_unknown_year_falls_back_to_weekends():
    assert is_workday(dt.date(2031, 1, 3)) and not is_workday(dt.date(2031, 1, 4))


def test_other_working_hours(settings):
    settings.WENMING_WORKING_HOURS = "09:00-17:00"
    assert deadline_add(at(2026, 12, 1, 16, 0), 2, "working_hours") == at(2026, 12, 2, 10, 0)


def test_refusals():
    with pytest.raises(ValueError, match="aware"):
        deadline_add(dt.datetime(2026, 12, 1, 9), 1, "working_hours")
    with pytest.raises(ValueError, match="negative"):
        deadline_add(at(2026, 12, 1, 9), -1, "working_hours")
    with pytest.raises(ValueError, match="unknown time unit"):
        deadline_add(at(2026, 12, 1, 9), 1, "fortnights")
    with pytest.raises(ValueError, match="overlap"):
        parse_working_hours("08:00-12:00,11:00-17:00")
