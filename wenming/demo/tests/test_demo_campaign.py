"""The demo campaign is in progress on the demo's reference day; the article's dates stay what campaign-load loads."""

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from wenming.campaign.models import Campaign, Milestone, ProgressReport, Task
from wenming.campaign.selectors import tasks_with_status
from wenming.campaign.services.actions import campaign_load
from wenming.demo.campaign import campaign_demo_build

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 5)


def _dates(campaign):
    return {t.code: (t.starts_on, t.due_on) for t in Task.objects.filter(campaign=campaign)}


def _statuses(campaign, today):
    return {t.code: t.status for t in tasks_with_status(Task.objects.filter(campaign=campaign, kind="task"), today=today)}


def test_without_a_reference_day_the_article_dates_stay():
    campaign_demo_build()
    campaign = Campaign.objects.get(code="HS-2022")
    assert campaign.starts_on == dt.date(2022, 1, 1)
    assert Task.objects.get(campaign=campaign, code="R01-2").due_on == dt.date(2022, 8, 31)
    assert not ProgressReport.objects.exists() and not Milestone.objects.exists()


def test_the_demo_campaign_runs_in_the_reference_year_and_is_in_progress():
    counts = campaign_demo_build(today=TODAY)
    campaign = Campaign.objects.get(code="HS-2022")
    assert counts["years_moved"] == 4 and campaign.starts_on == dt.date(2026, 1, 1) <= TODAY
    task = Task.objects.get(campaign=campaign, code="R01-2")
    assert (task.starts_on, task.due_on) == (dt.date(2026, 1, 1), dt.date(2026, 8, 31))  # "8月底前" stays 31 August
    assert all(start.year == 2026 and (due is None or due.year == 2026) for start, due in _dates(campaign).values())
    # Every status a city would see, as of the reference day, and milestones on the timeline.
    statuses = Counter(_statuses(campaign, TODAY).values())
    assert {"done", "on_track", "behind", "overdue"} <= set(statuses), statuses
    assert counts["reports"] > 10 and counts["milestones"] > 10
    assert all(r.reported_at.date() < TODAY for r in ProgressReport.objects.all())


def test_the_demo_campaign_is_idempotent_and_fixed_by_its_reference_day():
    campaign_demo_build(today=TODAY)
    campaign = Campaign.objects.get(code="HS-2022")
    dates, statuses = _dates(campaign), _statuses(campaign, TODAY)
    reports, milestones = ProgressReport.objects.count(), Milestone.objects.count()
    again = campaign_demo_build(today=TODAY)
    assert again["years_moved"] == 0 and again["reports"] == 0 and again["milestones"] == 0
    assert _dates(campaign) == dates and _statuses(campaign, TODAY) == statuses
    assert (ProgressReport.objects.count(), Milestone.objects.count()) == (reports, milestones)


def test_campaign_load_keeps_the_article_dates_and_demo_moves_them(capsys):
    out = io.StringIO()
    call_command("campaign-load", "--demo", "--today", "2027-03-10", stdout=out)
    campaign = Campaign.objects.get(code="HS-2022")
    assert campaign.starts_on == dt.date(2027, 1, 1) and "2027-01-01" in out.getvalue()
    assert _statuses(campaign, dt.date(2027, 3, 10))  # before the August deadlines: nothing is overdue yet
    assert "overdue" not in _statuses(campaign, dt.date(2027, 3, 10)).values()
    call_command("campaign-load", stdout=io.StringIO())  # the article's data, as the article gives it
    campaign.refresh_from_db()
    assert campaign.starts_on == dt.date(2022, 1, 1)
    assert Task.objects.get(campaign=campaign, code="R01-2").due_on == dt.date(2022, 8, 31)
    assert campaign_load().starts_on == dt.date(2022, 1, 1)


@pytest.mark.parametrize("bad", ["2026-13-01", "tomorrow", "2026-02-30", "\x00"])
def test_campaign_load_refuses_a_reference_day_that_is_not_a_date(bad):
    with pytest.raises(CommandError, match="--today"):
        call_command("campaign-load", "--demo", "--today", bad, stdout=io.StringIO())
