"""Task status (each of the five, with a fixed day), progress reports, reminders and supervision items."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from wenming.campaign.models import Campaign, Milestone, ProgressReport, Task, TaskEvent, TaskStatus
from wenming.campaign.services import tasks as svc
from wenming.cases.services.errors import NotAllowed, WorkflowError
from wenming.common.models import Notification
from wenming.conftest import photo_bytes
from wenming.demo.campaign import campaign_demo_build

pytestmark = pytest.mark.django_db
START, DUE = dt.date(2026, 1, 1), dt.date(2026, 1, 31)


@pytest.fixture
def campaign(db):
    campaign_demo_build()
    return Campaign.objects.get(code="HS-2022")


def make_task(campaign, **kw):
    defaults = {"campaign": campaign, "code": "T-1", "title": "测试任务", "starts_on": START, "due_on": DUE,
                "target_kind": "percent", "target_value": Decimal(100)}
    defaults.update(kw)
    return Task.objects.create(**defaults)


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def test_not_started_before_the_start_and_before_any_report(campaign):
    task = make_task(campaign)
    assert svc.task_status(task, now=dt.date(2025, 12, 20)) == TaskStatus.NOT_STARTED
    # On the first day nothing is planned yet and nothing reported: not started.
    assert svc.task_status(task, now=START) == TaskStatus.NOT_STARTED


def test_on_track_behind_done_overdue(campaign):
    task = make_task(campaign, current_value=Decimal(50), last_reported_at=at(dt.date(2026, 1, 15)))
    # Day 15 of 30: the linear plan expects 50.
    assert svc.planned_value(task, on=dt.date(2026, 1, 16)) == Decimal(50)
    assert svc.task_status(task, now=dt.date(2026, 1, 16)) == TaskStatus.ON_TRACK
    assert svc.task_status(task, now=dt.date(2026, 1, 25)) == TaskStatus.BEHIND
    assert svc.task_status(task, now=dt.date(2026, 2, 1)) == TaskStatus.OVERDUE
    task.current_value = Decimal(100)
    assert svc.task_status(task, now=dt.date(2026, 2, 1)) == TaskStatus.DONE


def test_milestones_shape_the_plan(campaign):
    task = make_task(campaign, current_value=Decimal(20), last_reported_at=at(dt.date(2026, 1, 5)))
    Milestone.objects.create(task=task, title="先完成八成", due_on=dt.date(2026, 1, 11), planned_value=Decimal(80))
    # Linear would expect 20 on day 6; the milestone expects 60.
    assert svc.task_status(task, now=dt.date(2026, 1, 7), milestones=[]) == TaskStatus.ON_TRACK
    assert svc.task_status(task, now=dt.date(2026, 1, 7)) == TaskStatus.BEHIND


def test_count_target_per_area_and_done_target(campaign):
    palaces = Task.objects.get(campaign=campaign, code="I01-3")
    palaces.current_value = palaces.target_total
    assert svc.task_status(palaces, now=dt.date(2022, 12, 1)) == TaskStatus.DONE
    done = make_task(campaign, code="T-2", target_kind="done", target_value=1)
    assert svc.task_status(done, now=dt.date(2026, 1, 30)) == TaskStatus.NOT_STARTED
    assert svc.task_status(done, now=dt.date(2026, 2, 1)) == TaskStatus.OVERDUE


def test_unit_reports_progress_with_evidence_and_history_appends(campaign, people, media_and_english):
    from PIL import Image

    task = Task.objects.get(campaign=campaign, code="R05-1")
    chengguan = people["chengguan"]
    assert svc.can_report(chengguan, task)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    first = svc.progress_report(task_id=task.pk, actor=chengguan, value=10, narrative="新建发布栏10处",
                                files=[svc.Upload("a.jpg", photo_bytes(fmt="JPEG", exif=exif))])
    second = svc.progress_report(task_id=task.pk, actor=chengguan, value=25, narrative="又建15处")
    task.refresh_from_db()
    assert task.current_value == 25 and task.last_reported_at is not None
    assert list(ProgressReport.objects.filter(task=task).order_by("id")) == [first, second]
    evidence = first.evidence.get()
    assert first.value == 10 and evidence.content_type == "image/jpeg"  # re-encoded without metadata
    assert not Image.open(evidence.file.open("rb")).getexif()
    assert first.unit.code == "CGJ-131102"
    assert TaskEvent.objects.filter(task=task, action="progress").count() == 2


def test_only_lead_and_cooperating_units_report(campaign, people, media_and_english):
    task = Task.objects.get(campaign=campaign, code="R07-4")  # led by agriculture, not the city-management branch
    with pytest.raises(NotAllowed):
        svc.progress_report(task_id=task.pk, actor=people["chengguan"], value=10, narrative="x")
    assert not svc.can_report(people["chengguan"], task)
    assert svc.can_report(people["paiqian"], task)
    assert not ProgressReport.objects.filter(task=task).exists()


@pytest.mark.parametrize("value, narrative, message", [
    ("abc", "ok", "Value: enter a number."), (-1, "ok", "zero or more"), (101, "ok", "cannot exceed 100"), (5, " ", "What was done"),
])
def test_bad_reports_are_refused_with_the_field(campaign, people, media_and_english, value, narrative, message):
    task = Task.objects.get(campaign=campaign, code="R05-1")
    with pytest.raises(WorkflowError, match=message):
        svc.progress_report(task_id=task.pk, actor=people["paiqian"], value=value, narrative=narrative)
    task.refresh_from_db()
    assert task.current_value == 0 and not task.reports.exists()


def test_bad_evidence_is_refused_and_nothing_is_written(campaign, people, media_and_english):
    task = Task.objects.get(campaign=campaign, code="R05-1")
    with pytest.raises(WorkflowError, match="not a JPEG"):
        svc.progress_report(task_id=task.pk, actor=people["chengguan"], value=3, narrative="x",
                            files=[svc.Upload("evil.exe", b"MZ\x90\x00" * 10)])
    assert not task.reports.exists()


def test_reminders_before_a_report_is_due_once(campaign, people, media_and_english):
    task = Task.objects.get(campaign=campaign, code="R05-1")
    svc.progress_report(task_id=task.pk, actor=people["chengguan"], value=5, narrative="x", now=at(dt.date(2026, 3, 2)))
    svc.progress_reminders_scan(now=at(dt.date(2026, 3, 4)))  # due 03-09: too early to remind
    assert not Notification.objects.filter(key__startswith=f"task-report:{task.pk}:").exists()
    counts = svc.progress_reminders_scan(now=at(dt.date(2026, 3, 8)))  # due 03-09
    key = f"task-report:{task.pk}:20260309"
    assert counts["notified"] > 0
    recipients = set(Notification.objects.filter(key=key).values_list("recipient__username", flat=True))
    assert "chengguan" in recipients
    again = svc.progress_reminders_scan(now=at(dt.date(2026, 3, 9)))
    assert Notification.objects.filter(key=key).count() == len(recipients)
    assert again["notified"] == 0 or not Notification.objects.filter(key=key).exclude(recipient__username__in=recipients).exists()
    assert TaskEvent.objects.filter(task=task, action="reminded").count() == 1


def test_supervision_item_is_tracked_like_a_task(campaign, people, media_and_english):
    from wenming.campaign.services.meetings import meeting_prepare

    now = at(dt.date(2026, 3, 4))
    meeting = meeting_prepare(campaign=campaign, week_start=dt.date(2026, 3, 4), actor=people["zhiban"], now=now)
    assert meeting.week_start == dt.date(2026, 3, 2)
    unit = Task.objects.get(campaign=campaign, code="R05-1").cooperating_units.get(code="CGJ-131102")
    item = svc.supervision_item_create(meeting_id=meeting.pk, actor=people["zhiban"], title="三天内清理和平路小广告",
                                       owner_unit=unit, due_on=dt.date(2026, 3, 7), now=now)
    assert item.kind == "supervision" and item.meeting == meeting and item.lead_unit == unit
    assert svc.task_status(item, now=dt.date(2026, 3, 5)) == TaskStatus.NOT_STARTED
    assert svc.task_status(item, now=dt.date(2026, 3, 8)) == TaskStatus.OVERDUE
    svc.progress_report(task_id=item.pk, actor=people["chengguan"], value=1, narrative="已清理", now=at(dt.date(2026, 3, 6)))
    item.refresh_from_db()
    assert svc.task_status(item, now=dt.date(2026, 3, 8)) == TaskStatus.DONE and item.completed_on == dt.date(2026, 3, 6)
    with pytest.raises(WorkflowError, match="Deadline"):
        svc.supervision_item_create(meeting_id=meeting.pk, actor=people["zhiban"], title="x", owner_unit=unit, due_on=None)
    with pytest.raises(NotAllowed):
        svc.supervision_item_create(meeting_id=meeting.pk, actor=people["chengguan"], title="x", owner_unit=unit,
                                    due_on=dt.date(2026, 3, 9), now=now)


def test_values_counted_from_cases(campaign, people, media_and_english):
    from wenming.cases.models import Category
    from wenming.cases.services import workflow as wf
    from wenming.org.models import Area

    task = Task.objects.get(campaign=campaign, code="R04-1")  # dogs: measured from cases
    Task.objects.filter(campaign=campaign, measure="cases").update(starts_on=timezone.localdate())
    svc.measured_values_refresh()
    task.refresh_from_db()
    assert task.current_value == 0
    category = Category.objects.filter(actions=task.action).first()
    grid = Area.objects.filter(level="grid").order_by("code").first()
    made = [wf.case_intake(channel="citizen", description=f"犬只扰民{i}", lng=grid.lng, lat=grid.lat, category=category,
                           actor=people["shouli"]) for i in range(4)]
    from wenming.cases.models import Case

    Case.objects.filter(pk=made[0].pk).update(state="closed")
    assert svc.measured_values_refresh() >= 1
    task.refresh_from_db()
    assert task.current_value == Decimal(25)
    assert svc.task_status(task) in {TaskStatus.ON_TRACK, TaskStatus.BEHIND}
    with pytest.raises(WorkflowError, match="counted from cases"):
        svc.progress_report(task_id=task.pk, actor=people["paiqian"], value=50, narrative="x")


def test_a_short_supervision_item_is_reminded_before_its_deadline(campaign, people, media_and_english):
    unit = Task.objects.get(campaign=campaign, code="R05-1").cooperating_units.get(code="CGJ-131102")
    now = at(dt.date(2026, 3, 4))
    item = svc.supervision_item_create(meeting_id=None, actor=people["zhiban"], title="清理小广告", owner_unit=unit,
                                       due_on=dt.date(2026, 3, 6), now=now)
    assert svc.report_due_on(item) == dt.date(2026, 3, 6)
    svc.progress_reminders_scan(now=at(dt.date(2026, 3, 5)))
    assert Notification.objects.filter(key=f"task-report:{item.pk}:20260306", recipient__username="chengguan").exists()
