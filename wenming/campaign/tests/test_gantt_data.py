"""The battle map's timeline data: each task with its name, owners and status; the day and the statuses."""

import datetime as dt

import pytest
from django.utils import translation

from wenming.campaign.models import Campaign, Task, TaskStatus
from wenming.campaign.selectors import map_data
from wenming.demo.campaign import campaign_demo_build

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 5)


def test_the_timeline_rows_carry_names_owners_status_and_milestones(people):
    campaign_demo_build(today=TODAY)
    campaign = Campaign.objects.get(code="HS-2022")
    with translation.override("zh-hans"):
        data = map_data(people["zhiban"], campaign, today=TODAY)
        labels = {str(code): str(label) for code, label in TaskStatus.choices}
    assert data["today"] == "2026-12-05"
    assert [s["code"] for s in data["statuses"]] == list(TaskStatus.values)
    assert {s["code"]: s["label"] for s in data["statuses"]} == labels and labels["overdue"] == "逾期"
    rows = {t["code"]: t for t in data["tasks"]}
    task = Task.objects.select_related("task_force", "lead_unit").get(campaign=campaign, code="R01-2")
    row = rows["R01-2"]
    assert row["title"] == task.title and row["force"] == task.task_force.name and row["lead_unit"] == task.lead_unit.name
    assert (row["start"], row["end"], row["has_deadline"]) == ("2026-01-01", "2026-08-31", True)
    assert row["milestones"] and all(m["day"].startswith("2026-") for m in row["milestones"])
    assert rows["R01-1"]["end"] == "2026-12-31" and rows["R01-1"]["has_deadline"] is False  # to the year's end
    assert {t["status"] for t in data["tasks"]} >= {"done", "overdue"}

