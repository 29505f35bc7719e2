"""Working-time arithmetic against hand-worked values.

Default hours 08:30-12:00 and 14:30-17:30: 3.5 h + 3 h = 6.5 working hours a day. Every expected instant below
is worked out by hand in the comment beside it.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.utils import timezone

from wenming.common.calendar import (
    CLOCK_HOURS,
    WORKING_DAYS,
    WORKING_HOURS,
    deadline_add,
    is_workday,
    parse_working_hours,
    seconds_per_working_day,
    working_time_between,
)
from wenming.common.models import CalendarDay

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
H = dt.timedelta(hours=1)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _default_hours(settings):
    settings.WENMING_WORKING_HOURS = "08:30-12:00,14:30-17:30"


# -- the facts the holiday tests rely on, checked against the package itself ----------------------------------


def test_national_day_2025_facts_from_chinese_calendar():
    off = [dt.date(2025, 10, d) for d in range(1, 9)]
    assert not any(chinese_calendar.is_workday(d) for d in off)
    assert chinese_calendar.is_workday(dt.date(2025, 9, 28)) and dt.date(2025, 9, 28).weekday() == 6  # Sunday
    assert chinese_calendar.is_workday(dt.date(2025, 10, 11)) and dt.date(2025, 10, 11).weekday() == 5  # Saturday
    assert not chinese_calendar.is_workday(dt.date(2025, 9, 27))  # the Saturday before stays off
    # and Wenming's own calendar says the same
    assert [is_workday(d) for d in off] == [False] * 8
    assert is_workday(dt.date(2025, 9, 28)) and is_workday(dt.date(2025, 10, 11))
    assert not is_workday(dt.date(2025, 9, 27)) and not is_workday(dt.date(2025, 10, 12))


def test_a_working_day_is_six_and_a_half_hours():
    assert seconds_per_working_day() == 6.5 * 3600


# -- deadline_add -----------------------------------------------------------------------------------------------


def test_inside_one_period():
    # Tue 1 Dec 2026 09:00 + 2 h = 11:00, before the lunch break.
    assert deadline_add(at(2026, 12, 1, 9, 0), 2, WORKING_HOURS) == at(2026, 12, 1, 11, 0)
    assert deadline_add(at(2026, 12, 1, 14, 45), 0.25, WORKING_HOURS) == at(2026, 12, 1, 15, 0)


def test_spanning_lunch():
    # 10:00 + 3 h: 2 h to 12:00, the last 1 h from 14:30 → 15:30.
    assert deadline_add(at(2026, 12, 1, 10, 0), 3, WORKING_HOURS) == at(2026, 12, 1, 15, 30)
    # 11:45 + 0.5 h: 15 min before lunch, 15 min after → 14:45.
    assert deadline_add(at(2026, 12, 1, 11, 45), 0.5, WORKING_HOURS) == at(2026, 12, 1, 14, 45)


def test_spanning_a_night():
    # 16:30 + 2 h: 1 h to 17:30, then 1 h from 08:30 on Wed 2 Dec → 09:30.
    assert deadline_add(at(2026, 12, 1, 16, 30), 2, WORKING_HOURS) == at(2026, 12, 2, 9, 30)
    # 16:30 + 5 h: 1 h today; 3.5 h to noon tomorrow leaves 0.5 h after lunch → 15:00.
    assert deadline_add(at(2026, 12, 1, 16, 30), 5, WORKING_HOURS) == at(2026, 12, 2, 15, 0)


def test_spanning_a_weekend():
    # Fri 4 Dec 2026 17:00 + 1 h: 30 min on Friday, Sat 5 and Sun 6 are off, 30 min on Mon 7 Dec → 09:00.
    assert dt.date(2026, 12, 4).weekday() == 4
    assert deadline_add(at(2026, 12, 4, 17, 0), 1, WORKING_HOURS) == at(2026, 12, 7, 9, 0)


def test_across_national_day_2025():
    # Tue 30 Sep 2025 16:00 + 3 h: 1.5 h on 30 Sep; 1-8 Oct are off; 1.5 h on Thu 9 Oct from 08:30 → 10:00.
    assert deadline_add(at(2025, 9, 30, 16, 0), 3, WORKING_HOURS) == at(2025, 10, 9, 10, 0)
    # Two working days from 30 Sep 08:30 use up 30 Sep and 9 Oct entirely.
    assert deadline_add(at(2025, 9, 30, 8, 30), 2, WORKING_DAYS) == at(2025, 10, 9, 17, 30)


def test_make_up_days_count_as_working_days():
    # Fri 26 Sep 2025 17:00 + 1 h: Sat 27 is off, Sun 28 Sep is a make-up workday → Sun 28 Sep 09:00.
    assert deadline_add(at(2025, 9, 26, 17, 0), 1, WORKING_HOURS) == at(2025, 9, 28, 9, 0)
    # Fri 10 Oct 2025 17:00 + 1 h: Sat 11 Oct is a make-up workday → Sat 11 Oct 09:00.
    assert deadline_add(at(2025, 10, 10, 17, 0), 1, WORKING_HOURS) == at(2025, 10, 11, 9, 0)
    # …and the Sunday after it is off again: Sat 11 Oct 17:00 + 1 h → Mon 13 Oct 09:00.
    assert deadline_add(at(2025, 10, 11, 17, 0), 1, WORKING_HOURS) == at(2025, 10, 13, 9, 0)


def test_clock_hours_ignore_the_calendar():
    # Across midnight into National Day, and across a weekend night, hour for hour.
    assert deadline_add(at(2025, 9, 30, 23, 0), 4, CLOCK_HOURS) == at(2025, 10, 1, 3, 0)
    assert deadline_add(at(2026, 12, 5, 12, 0), 36, CLOCK_HOURS) == at(2026, 12, 7, 0, 0)
    # The emergency registration limit, 0.17 h = 10 min 12 s.
    assert deadline_add(at(2025, 10, 3, 11, 55), 0.17, CLOCK_HOURS) == at(2025, 10, 3, 12, 5, 12)


def test_working_days_are_whole_days_of_working_time():
    # Mon 30 Nov 2026 16:00 + 1 working day (6.5 h) = Tue 16:00, the same working moment.
    assert deadline_add(at(2026, 11, 30, 16, 0), 1, WORKING_DAYS) == at(2026, 12, 1, 16, 0)
    # 08:30 Monday + 5 working days = Friday 17:30.
    assert deadline_add(at(2026, 11, 30, 8, 30), 5, WORKING_DAYS) == at(2026, 12, 4, 17, 30)
    # Half a working day = 3.25 h: from 08:30 → 3.25 h before noon → 11:45.
    assert deadline_add(at(2026, 11, 30, 8, 30), 0.5, WORKING_DAYS) == at(2026, 11, 30, 11, 45)


def test_working_days_follow_the_configured_hours(settings):
    settings.WENMING_WORKING_HOURS = "09:00-17:00"  # 8 h a day, no lunch break
    assert seconds_per_working_day() == 8 * 3600
    # Mon 10:00 + 1 working day = Tue 10:00; Mon 09:00 + 2.5 working days = 20 h → Wed 09:00 + 4 h = 13:00.
    assert deadline_add(at(2026, 11, 30, 10, 0), 1, WORKING_DAYS) == at(2026, 12, 1, 10, 0)
    assert deadline_add(at(2026, 11, 30, 9, 0), 2.5, WORKING_DAYS) == at(2026, 12, 2, 13, 0)
    # 16:00 + 2 working hours: 1 h today, 1 h from 09:00 tomorrow.
    assert deadline_add(at(2026, 12, 1, 16, 0), 2, WORKING_HOURS) == at(2026, 12, 2, 10, 0)


def test_three_periods_a_day(settings):
    settings.WENMING_WORKING_HOURS = "19:00-21:00, 08:00-11:00,13:00-16:00"  # unordered on purpose: 8 h
    assert seconds_per_working_day() == 8 * 3600
    # 10:00 + 5 h: 1 h to 11:00, 3 h 13:00-16:00, 1 h from 19:00 → 20:00.
    assert deadline_add(at(2026, 12, 1, 10, 0), 5, WORKING_HOURS) == at(2026, 12, 1, 20, 0)


def test_start_outside_working_hours():
    # Before work: 07:00 + 1 h → starts at 08:30 → 09:30.
    assert deadline_add(at(2026, 12, 1, 7, 0), 1, WORKING_HOURS) == at(2026, 12, 1, 9, 30)
    # At lunch: 12:30 + 0.5 h → 14:30 + 0.5 h = 15:00.
    assert deadline_add(at(2026, 12, 1, 12, 30), 0.5, WORKING_HOURS) == at(2026, 12, 1, 15, 0)
    # In the evening: 20:00 + 1 h → next day 09:30.
    assert deadline_add(at(2026, 12, 1, 20, 0), 1, WORKING_HOURS) == at(2026, 12, 2, 9, 30)
    # On a Saturday: → Monday 09:30.
    assert deadline_add(at(2026, 12, 5, 10, 0), 1, WORKING_HOURS) == at(2026, 12, 7, 9, 30)
    # On a holiday: 3 Oct 2025 → Thu 9 Oct 09:30.
    assert deadline_add(at(2025, 10, 3, 10, 0), 1, WORKING_HOURS) == at(2025, 10, 9, 9, 30)


def test_deadline_landing_exactly_on_a_period_end():
    # 08:30 + 3.5 h ends the morning: due at 12:00, not pushed to 14:30.
    assert deadline_add(at(2026, 12, 1, 8, 30), 3.5, WORKING_HOURS) == at(2026, 12, 1, 12, 0)
    # 16:00 + 1.5 h ends the day: due at 17:30 the same day, not the next morning.
    assert deadline_add(at(2026, 12, 1, 16, 0), 1.5, WORKING_HOURS) == at(2026, 12, 1, 17, 30)
    # A whole working day from 08:30 ends at 17:30 the same day.
    assert deadline_add(at(2026, 12, 1, 8, 30), 1, WORKING_DAYS) == at(2026, 12, 1, 17, 30)


def test_zero_amount_is_the_start_itself():
    assert deadline_add(at(2026, 12, 5, 10, 0), 0, WORKING_HOURS) == at(2026, 12, 5, 10, 0)


def test_aware_input_in_another_zone_is_read_in_city_time():
    utc = dt.UTC
    # 01:00 UTC is 09:00 in Shanghai: + 2 h → 11:00 Shanghai.
    due = deadline_add(dt.datetime(2026, 12, 1, 1, 0, tzinfo=utc), 2, WORKING_HOURS)
    assert due == at(2026, 12, 1, 11, 0) and due.utcoffset() == 8 * H


def test_working_hours_stay_city_hours_when_a_request_activated_another_zone():
    # A view may activate the user's time zone; the city's working hours must not move with it.
    with timezone.override(ZoneInfo("UTC")):
        assert deadline_add(at(2026, 12, 1, 9, 0), 2, WORKING_HOURS) == at(2026, 12, 1, 11, 0)
        assert working_time_between(at(2026, 12, 1, 8, 0), at(2026, 12, 1, 18, 0)) == 6.5 * H


# -- working_time_between ---------------------------------------------------------------------------------------


def test_working_time_between_within_a_day():
    # 10:00 → 15:30: 2 h before noon, 1 h after 14:30.
    assert working_time_between(at(2026, 12, 1, 10, 0), at(2026, 12, 1, 15, 30)) == 3 * H
    # All of lunch counts for nothing; a whole day counts 6.5 h.
    assert working_time_between(at(2026, 12, 1, 12, 0), at(2026, 12, 1, 14, 30)) == dt.timedelta(0)
    assert working_time_between(at(2026, 12, 1, 0, 0), at(2026, 12, 2, 0, 0)) == 6.5 * H


def test_working_time_between_over_a_holiday_and_backwards():
    start, end = at(2025, 9, 30, 16, 0), at(2025, 10, 9, 10, 0)
    # 1.5 h on 30 Sep, nothing 1-8 Oct, 1.5 h on 9 Oct.
    assert working_time_between(start, end) == 3 * H
    assert working_time_between(end, start) == -3 * H
    # The whole week-long break, midnight to midnight, is no working time at all.
    assert working_time_between(at(2025, 10, 1, 0, 0), at(2025, 10, 9, 0, 0)) == dt.timedelta(0)
    # A week that includes the make-up Saturday 11 Oct: Thu, Fri, Sat = 3 × 6.5 h.
    assert working_time_between(at(2025, 10, 9, 0, 0), at(2025, 10, 13, 0, 0)) == 19.5 * H


@pytest.mark.parametrize(
    "start",
    [
        at(2025, 9, 30, 16, 0),  # just before National Day
        at(2025, 9, 26, 17, 10),  # before the make-up Sunday
        at(2025, 10, 4, 11, 0),  # on a holiday
        at(2026, 12, 1, 12, 15),  # at lunch
        at(2026, 12, 4, 19, 0),  # Friday evening
    ],
)
@pytest.mark.parametrize("hours", [0.25, 1, 3.5, 6.5, 7, 20, 41.75])
def test_deadline_then_working_time_gives_the_amount_back(start, hours):
    due = deadline_add(start, hours, WORKING_HOURS)
    assert working_time_between(start, due) == hours * H
    # Working days likewise, in 6.5 h units.
    due = deadline_add(start, hours / 6.5, WORKING_DAYS)
    assert abs(working_time_between(start, due) - hours * H) < dt.timedelta(microseconds=10)


# -- the city's own calendar ------------------------------------------------------------------------------------


def test_calendar_day_rows_override_both_ways():
    # Wed 2 Dec 2026 becomes a day off, Sat 5 Dec 2026 a working day.
    CalendarDay.objects.create(date=dt.date(2026, 12, 2), is_workday=False, name="城市停工日")
    CalendarDay.objects.create(date=dt.date(2026, 12, 5), is_workday=True, name="调休上班")
    assert not is_workday(dt.date(2026, 12, 2)) and is_workday(dt.date(2026, 12, 5))
    # Tue 1 Dec 17:00 + 1 h: 30 min Tuesday, Wednesday off, 30 min Thursday → 09:00.
    assert deadline_add(at(2026, 12, 1, 17, 0), 1, WORKING_HOURS) == at(2026, 12, 3, 9, 0)
    # Fri 4 Dec 17:00 + 1 h: Saturday now works → Sat 09:00.
    assert deadline_add(at(2026, 12, 4, 17, 0), 1, WORKING_HOURS) == at(2026, 12, 5, 9, 0)
    assert working_time_between(at(2026, 12, 1, 0, 0), at(2026, 12, 8, 0, 0)) == 5 * 6.5 * H


def test_calendar_day_rows_override_the_national_schedule():
    # The city works on 8 Oct 2025, a national holiday: 30 Sep 17:00 + 1 h → 8 Oct 09:00.
    row = CalendarDay.objects.create(date=dt.date(2025, 10, 8), is_workday=True, name="本地调整")
    assert deadline_add(at(2025, 9, 30, 17, 0), 1, WORKING_HOURS) == at(2025, 10, 8, 9, 0)
    # …and the make-up Sunday 28 Sep is cancelled locally.
    CalendarDay.objects.create(date=dt.date(2025, 9, 28), is_workday=False)
    assert deadline_add(at(2025, 9, 26, 17, 0), 1, WORKING_HOURS) == at(2025, 9, 29, 9, 0)
    # Deleting a row restores the national schedule at once.
    row.delete()
    assert deadline_add(at(2025, 9, 30, 17, 0), 1, WORKING_HOURS) == at(2025, 10, 9, 9, 0)


def test_a_year_the_package_does_not_know_falls_back_to_weekends():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(dt.date(2031, 1, 3))
    # Wed 1 Jan 2031 (New Year's Day) is not known as a holiday: weekdays work, weekends do not.
    assert is_workday(dt.date(2031, 1, 1)) and is_workday(dt.date(2031, 1, 3))
    assert not is_workday(dt.date(2031, 1, 4)) and not is_workday(dt.date(2031, 1, 5))
    # Fri 3 Jan 2031 17:00 + 1 h → Mon 6 Jan 09:00.
    assert deadline_add(at(2031, 1, 3, 17, 0), 1, WORKING_HOURS) == at(2031, 1, 6, 9, 0)
    # The city adds the holiday itself: Tue 31 Dec 2030 17:00 + 1 h → Thu 2 Jan 2031 09:00.
    CalendarDay.objects.create(date=dt.date(2031, 1, 1), is_workday=False, name="元旦")
    assert deadline_add(at(2030, 12, 31, 17, 0), 1, WORKING_HOURS) == at(2031, 1, 2, 9, 0)


# -- refusals ---------------------------------------------------------------------------------------------------


def test_naive_datetimes_are_refused():
    naive = dt.datetime(2026, 12, 1, 9, 0)
    with pytest.raises(ValueError, match="aware"):
        deadline_add(naive, 1, WORKING_HOURS)
    with pytest.raises(ValueError, match="aware"):
        deadline_add(naive, 1, CLOCK_HOURS)
    with pytest.raises(ValueError, match="aware"):
        working_time_between(naive, naive + H)
    # One aware, one naive: the same clear error, not a TypeError from comparing them.
    with pytest.raises(ValueError, match="aware"):
        working_time_between(at(2026, 12, 1, 9, 0), naive)


def test_negative_amounts_and_unknown_units_are_refused():
    with pytest.raises(ValueError, match="negative"):
        deadline_add(at(2026, 12, 1, 9, 0), -1, WORKING_HOURS)
    with pytest.raises(ValueError, match="negative"):
        deadline_add(at(2026, 12, 1, 9, 0), -0.5, CLOCK_HOURS)
    with pytest.raises(ValueError, match="unknown time unit"):
        deadline_add(at(2026, 12, 1, 9, 0), 1, "fortnights")


def test_bad_working_hours_are_refused():
    with pytest.raises(ValueError, match="overlap"):
        parse_working_hours("08:00-12:00,11:00-17:00")
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_working_hours("12:00-08:00")
    assert parse_working_hours("14:30-17:30, 08:30-12:00") == [
        (dt.time(8, 30), dt.time(12, 0)),
        (dt.time(14, 30), dt.time(17, 30)),
    ]
