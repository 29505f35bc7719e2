"""The weekly meeting's agenda from the week's data, the Word and XLSX pack, and the campaign pages."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from wenming.campaign.models import Campaign, Meeting, Task
from wenming.campaign.services import tasks as svc
from wenming.campaign.services.meetings import agenda_build, meeting_prepare
from wenming.cases.services import workflow as wf
from wenming.demo.campaign import campaign_demo_build
from wenming.org.models import Area
from wenming.reports.meeting import meeting_docx, meeting_xlsx

pytestmark = pytest.mark.django_db
PASSWORD = "wenming2026"


@pytest.fixture
def campaign(db):
    campaign_demo_build()
    return Campaign.objects.get(code="HS-2022")


def test_agenda_counts_cases_by_action_lagging_tasks_places(campaign, people, media_and_english):
    now = timezone.now()
    grid = Area.objects.filter(level="grid").order_by("code").first()
    for text in ["电线杆上小广告", "墙面牛皮癣"]:
        wf.case_intake(channel="citizen", description=text, lng=grid.lng, lat=grid.lat, category=None,
                       actor=people["shouli"])
    from wenming.cases.models import Category

    category = Category.objects.filter(actions__code="R06").first()
    made = wf.case_intake(channel="citizen", description="配电箱上小广告", lng=grid.lng, lat=grid.lat, category=category,
                          actor=people["shouli"])
    task = Task.objects.get(campaign=campaign, code="R05-1")
    Task.objects.filter(pk=task.pk).update(starts_on=timezone.localdate(now) - dt.timedelta(days=10),
                                           due_on=timezone.localdate(now) + dt.timedelta(days=10), current_value=Decimal(10))
    today = timezone.localdate(now)  # the city's day: near midnight UTC's is another
    agenda = agenda_build(campaign=campaign, week_start=today - dt.timedelta(days=today.weekday()), now=now)
    row = next(r for r in agenda["by_action"] if r["code"] == "R06")
    assert row["new"] >= 1
    assert agenda["totals"]["new_cases"] >= 3
    assert "R05-1" in [t["code"] for t in agenda["problem_tasks"] if t["status"] == "behind"]
    assert len(agenda["task_forces"]) == 19
    assert any(g["code"] == grid.code and g["cases"] >= 3 for g in agenda["grids"])
    assert made.pk


def test_meeting_pack_docx_and_xlsx_hold_the_figures_and_decisions(campaign, people, media_and_english):
    now = timezone.now()
    task = Task.objects.get(campaign=campaign, code="R05-1")
    Task.objects.filter(pk=task.pk).update(starts_on=timezone.localdate(now) - dt.timedelta(days=10), due_on=timezone.localdate(now) + dt.timedelta(days=10))
    meeting = meeting_prepare(campaign=campaign, week_start=timezone.localdate(now), actor=people["zhiban"], now=now)
    unit = task.lead_unit
    svc.supervision_item_create(meeting_id=meeting.pk, actor=people["zhiban"], title="一周内完成主干道飞线整治", owner_unit=unit,
                                due_on=timezone.localdate(now) + dt.timedelta(days=7))
    meeting = meeting_prepare(campaign=campaign, week_start=timezone.localdate(now), actor=people["zhiban"], now=now)  # refreshed
    assert [t["title"] for t in meeting.agenda["supervision"]] == ["一周内完成主干道飞线整治"]
    doc = Document(io.BytesIO(meeting_docx(meeting)))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "R05-1" in text and "一周内完成主干道飞线整治" in text and "Behind plan" in text
    wb = load_workbook(io.BytesIO(meeting_xlsx(meeting)))
    assert "Lagging and overdue tasks" in wb.sheetnames and "Open supervision items" in wb.sheetnames
    rows = list(wb["Lagging and overdue tasks"].iter_rows(values_only=True))
    assert rows[0][0] == "Code" and any(r[0] == "R05-1" for r in rows[1:])


def test_pages_render_and_access(client, campaign, people, media_and_english):
    assert client.get("/campaign/").status_code == 302  # login first
    client.force_login(people["chengguan"])
    for url in ["/campaign/", "/campaign/map/", "/campaign/meetings/", "/campaign/supervision/",
                f"/campaign/forces/{campaign.task_forces.first().pk}/"]:
        assert client.get(url).status_code == 200, url
    data = client.get("/campaign/map/data.json", {"action": "R01"}).json()
    assert {t["code"] for t in data["tasks"]} == {"R01-1", "R01-2", "R01-3", "R01-4"}
    # A unit may not prepare meetings or record decisions.
    response = client.post("/campaign/meetings/prepare/", {"week_start": "2026-03-02"})
    assert response.status_code == 302 and not Meeting.objects.exists()
    task = Task.objects.get(campaign=campaign, code="R05-1")
    page = client.get(f"/campaign/tasks/{task.pk}/")
    assert b"progress-form" in page.content
    response = client.post(f"/campaign/tasks/{task.pk}/report/", {"value": "x", "narrative": ""})
    assert response.status_code == 400 and "数值：请填写数字。" in response.content.decode()  # the UI answers in Chinese, naming the field
    response = client.post(f"/campaign/tasks/{task.pk}/report/", {"value": "12", "narrative": "新建12处"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.current_value == 12
    other = Task.objects.get(campaign=campaign, code="R07-4")
    assert b"progress-form" not in client.get(f"/campaign/tasks/{other.pk}/").content
    client.post(f"/campaign/tasks/{other.pk}/report/", {"value": "12", "narrative": "x"})
    other.refresh_from_db()
    assert other.current_value == 0


def test_meeting_pages_and_downloads_for_the_command_centre(client, campaign, people, media_and_english):
    client.force_login(people["zhiban"])
    response = client.post("/campaign/meetings/prepare/", {"week_start": "2026-03-04"})
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and meeting.week_start == dt.date(2026, 3, 2)
    assert client.get(f"/campaign/meetings/{meeting.pk}/").status_code == 200
    response = client.post(f"/campaign/meetings/{meeting.pk}/decide/", {"title": "", "owner_unit": "", "due_on": "x"})
    assert response.status_code == 400 and "决定事项：请说明需要做什么。" in response.content.decode()
    assert client.post(f"/campaign/meetings/{meeting.pk}/minutes/", {"minutes": "听取汇报", "chair": "指挥长"}).status_code == 302
    docx = client.get(f"/reports/meetings/{meeting.pk}/meeting.docx")
    assert docx.status_code == 200 and docx["Content-Type"].endswith("wordprocessingml.document")
    assert "听取汇报" in "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert client.get(f"/reports/meetings/{meeting.pk}/figures.xlsx").status_code == 200
    # Inspectors do not see meetings: 404, like missing.
    client.force_login(people["anfang"])
    assert client.get(f"/reports/meetings/{meeting.pk}/meeting.docx").status_code == 404


def test_evidence_uploaded_on_the_page_is_served_through_the_access_path(client, campaign, people, media_and_english):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wenming.campaign.models import ProgressEvidence
    from wenming.conftest import photo_bytes

    task = Task.objects.get(campaign=campaign, code="R05-1")
    client.force_login(people["chengguan"])
    files = [SimpleUploadedFile("a.png", photo_bytes(), "image/png"), SimpleUploadedFile("b.png", photo_bytes(pattern=3), "image/png")]
    assert client.post(f"/campaign/tasks/{task.pk}/report/", {"value": "2", "narrative": "两处", "files": files}).status_code == 302
    evidence = list(ProgressEvidence.objects.filter(report__task=task))
    assert len(evidence) == 2
    response = client.get(f"/campaign/evidence/{evidence[0].pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    client.logout()
    assert client.get(f"/campaign/evidence/{evidence[0].pk}/").status_code == 302


def test_a_decision_deadline_past_the_platforms_last_day_is_refused_naming_the_field(client, campaign, people,
                                                                                      media_and_english):
    meeting = meeting_prepare(campaign=campaign, week_start=timezone.localdate(), actor=people["zhiban"])
    unit = Task.objects.get(campaign=campaign, code="R05-1").lead_unit
    client.force_login(people["zhiban"])
    response = client.post(f"/campaign/meetings/{meeting.pk}/decide/",
                           {"title": "一周内完成主干道飞线整治", "owner_unit": unit.pk, "due_on": "9999-12-31"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Deadline: enter a date between 2000-01-01 and 2099-12-31." in response.content.decode()
    with pytest.raises(wf.WorkflowError, match="Deadline: enter a date between"):
        svc.supervision_item_create(meeting_id=meeting.pk, actor=people["zhiban"], title="飞线整治", owner_unit=unit,
                                    due_on=dt.date(9999, 12, 31))
    assert not meeting.decisions.exists()


def test_a_refused_progress_value_is_said_once_on_the_page(client, campaign, people, media_and_english):
    client.force_login(people["chengguan"])
    task = Task.objects.get(campaign=campaign, code="R05-1")
    Task.objects.filter(pk=task.pk).update(target_kind="done", target_value=1)
    response = client.post(f"/campaign/tasks/{task.pk}/report/", {"value": "3", "narrative": "已完成"})
    assert response.status_code == 400
    assert response.content.decode().count("完成填 1") == 1


def test_the_home_page_lists_a_task_force_leaders_forces_and_costs_others_one_query(
        client, campaign, people, media_and_english, django_assert_max_num_queries):
    from django.db.models import Q

    from wenming.campaign.models import TaskForce
    from wenming.campaign.selectors import forces_of

    force = campaign.task_forces.first()
    force.leader = people["chengguan_lead"]
    force.save(update_fields=["leader"])
    lead = people["chengguan_lead"]
    theirs = {f.pk for f in TaskForce.objects.filter(campaign=campaign).filter(Q(leader=lead) | Q(members=lead))}
    assert force.pk in theirs and {f.pk for f in forces_of(user=lead)} == theirs
    client.force_login(people["chengguan_lead"])
    assert f'data-force="{force.code}"' in client.get("/").content.decode()
    with django_assert_max_num_queries(2):
        assert forces_of(user=people["shouli"]) == []
