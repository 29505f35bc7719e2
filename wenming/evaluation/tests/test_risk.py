"""The risk watch's services: signals from cases (linked category, near an evaluation site, overdue, escalated),
idempotent; the one open record per criterion; the action table enforced (role, state, version, note, evidence);
督办 of a late record once per deadline; the commander told at once on 触发; incidents; plans and their revisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wenming.conftest import photo_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]

PNG = photo_bytes()


@pytest.fixture
def risk_world(demo_framework, people):
    """P5.1.2 (street scene) led by 城管 桃城分局, linked to category SJ0401 and to schools within 300 m."""
    from wenming.cases.models import Category
    from wenming.evaluation.models import Criterion
    from wenming.evaluation.services.responsibility import Responsibility, criterion_responsibility_set
    from wenming.evaluation.services.risk import linked_categories_invalidate
    from wenming.org.models import SiteType, Unit

    criterion = Criterion.objects.get(edition=demo_framework, code="P5.1.2")
    criterion_responsibility_set(
        criterion_id=criterion.pk, actor=people["ceping"], expected_version=criterion.version,
        value=Responsibility(lead_unit_id=Unit.objects.get(code="CGJ-131102").pk, responsible_unit_ids=frozenset(),
                             category_ids=frozenset({Category.objects.get(code="SJ0401").pk}),
                             site_type_ids=frozenset({SiteType.objects.get(code="school").pk}), radius_m=300,
                             fields=frozenset({"lead_unit_id", "responsible_unit_ids", "category_ids",
                                               "site_type_ids", "radius_m"})))
    # SJ0401 is this criterion's alone here (the demo links it to P5.1.1 as well).
    Criterion.categories.through.objects.filter(category__code="SJ0401").exclude(criterion=criterion).delete()
    linked_categories_invalidate()
    criterion.refresh_from_db()
    return criterion


def _school():
    from wenming.org.models import Area, Site

    county = Area.objects.get(code="131102")
    return Site.objects.filter(site_type__code="school", area__path__startswith=county.path).order_by("code").first()


def _far_point():
    """A point of 桃城区 with no school within 300 m."""
    from wenming.org.models import Area
    from wenming.org.spatial import get_index

    for grid in Area.objects.filter(level="grid", code__startswith="131102").order_by("code"):
        school_ids = {s.id for s in get_index().sites_within(grid.lng, grid.lat, 400) if s.type_name == "学校"}
        if not school_ids:
            return grid.lng, grid.lat
    raise AssertionError("no grid far from every school")


def _intake(people, lng, lat, *, category="SJ0401", text="学校门口流动摊贩占道"):
    from wenming.cases.services import workflow as wf

    return wf.case_intake(channel="hotline", description=text, lng=lng, lat=lat, category=category,
                          actor=people["shouli"])


def test_a_case_near_a_school_gives_a_warning_with_the_site_and_distance(risk_world, people,
                                                                         django_capture_on_commit_callbacks):
    from wenming.evaluation.models import RiskLevel, RiskRecord, RiskSignal, SignalKind

    school = _school()
    with django_capture_on_commit_callbacks(execute=True):
        case = _intake(people, school.lng + 0.0005, school.lat)  # about 40 m east of it
    signal = RiskSignal.objects.get(case=case)
    assert signal.kind == SignalKind.CASE_NEW and signal.level == RiskLevel.WARNING
    assert signal.site_id is not None and 0 <= signal.distance_m <= 300
    record = signal.record
    assert record.criterion == risk_world and record.level == RiskLevel.WARNING and record.state == "open"
    assert record.owner_unit.code == "CGJ-131102" and record.response_due > record.opened_at
    assert list(record.events.values_list("action", flat=True)) == ["opened"]
    # Far from any school the same category is only 关注, and feeds the same open record (never lowers it).
    with django_capture_on_commit_callbacks(execute=True):
        far = _intake(people, *_far_point())
    far_signal = RiskSignal.objects.get(case=far)
    assert far_signal.level == RiskLevel.WATCH and far_signal.site_id is None and far_signal.record == record
    assert RiskRecord.objects.filter(criterion=risk_world).count() == 1
    record.refresh_from_db()
    assert record.level == RiskLevel.WARNING and record.version == 2


def test_an_unlinked_category_gives_nothing_and_costs_no_query(risk_world, people, django_assert_num_queries):
    from wenming.cases.models import Case
    from wenming.evaluation.models import RiskSignal
    from wenming.evaluation.services.risk import case_saved, linked_categories

    linked_categories()  # warm, as in a running process
    case = Case.objects.filter(category__isnull=False).exclude(category__code="SJ0401").first() or _intake(
        people, *_far_point(), category="SJ0402")
    with django_assert_num_queries(0):
        case_saved(Case, case, created=True)
    assert not RiskSignal.objects.exists()


def test_the_scan_finds_new_overdue_and_escalated_cases_once(risk_world, people):
    from wenming.cases.models import Case
    from wenming.cases.services import workflow as wf
    from wenming.cases.services.escalation import notice_issue
    from wenming.evaluation.models import RiskLevel, RiskRecord, RiskSignal, SignalKind
    from wenming.evaluation.services.risk import risks_scan
    from wenming.org.models import Unit

    case = _intake(people, *_far_point())  # no on_commit here: the scan finds it
    now = timezone.now()
    first = risks_scan(now=now)
    assert first["new_cases"] == 1
    assert RiskSignal.objects.get(case=case, kind=SignalKind.CASE_NEW).level == RiskLevel.WATCH
    # Overdue: its registration deadline passed.
    Case.objects.filter(pk=case.pk).update(register_due=now - dt.timedelta(hours=1))
    second = risks_scan(now=now + dt.timedelta(minutes=5))
    assert second["overdue_cases"] == 1 and second["new_cases"] == 0
    overdue = RiskSignal.objects.get(case=case, kind=SignalKind.CASE_OVERDUE)
    assert overdue.level == RiskLevel.WARNING
    record = RiskRecord.objects.get(criterion=risk_world)
    assert record.level == RiskLevel.WARNING  # raised by the overdue signal
    # Scanning again: nothing new (idempotent signals).
    before = RiskSignal.objects.count()
    again = risks_scan(now=now + dt.timedelta(minutes=10))
    assert again["new_cases"] == again["overdue_cases"] == again["escalated_cases"] == 0
    assert RiskSignal.objects.count() == before
    # A red card (督办单) on it: 触发.
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=Unit.objects.get(code="CGJ-131102"))
    notice_issue(case_id=case.pk, actor=people["zhiban"], demand="立即整改", level=3)
    third = risks_scan(now=now + dt.timedelta(minutes=15))
    assert third["escalated_cases"] == 1
    assert RiskSignal.objects.get(case=case, kind=SignalKind.CASE_ESCALATED).level == RiskLevel.TRIGGERED
    record.refresh_from_db()
    assert record.level == RiskLevel.TRIGGERED and record.triggered_at is not None


def test_the_commander_is_told_at_once_on_triggered(risk_world, people):
    from wenming.common.models import Notification
    from wenming.evaluation.models import RiskLevel, SignalKind
    from wenming.evaluation.services.risk import risk_signal_record

    signal = risk_signal_record(criterion_id=risk_world.pk, kind=SignalKind.MEDIA_REPORT, source_id="m1",
                                level=RiskLevel.TRIGGERED, note="媒体曝光")
    told = Notification.objects.filter(key=f"risk:{signal.record_id}:1:triggered")
    channels = set(told.filter(recipient=people["zhiban"]).values_list("channel", flat=True))
    assert channels == {"in_app", "sms"}
    assert told.filter(recipient=people["ceping"]).exists()
    assert told.filter(recipient=people["chengguan_lead"]).exists()  # the lead unit's leader
    assert not told.filter(recipient=people["chengguan"]).exists()  # a handler: the opening notice only
    # The unit's handlers were told the record was opened.
    assert Notification.objects.filter(key=f"risk:{signal.record_id}:1", recipient=people["chengguan"]).exists()


def test_a_late_record_is_supervised_once_per_deadline(risk_world, people):
    from wenming.common.models import Notification
    from wenming.evaluation.models import RiskLevel, RiskRecord, SignalKind
    from wenming.evaluation.services.risk import risk_signal_record, risks_scan

    signal = risk_signal_record(criterion_id=risk_world.pk, kind=SignalKind.DISCIPLINE_CASE, source_id="d1",
                                level=RiskLevel.WARNING)
    record = signal.record
    late = record.response_due + dt.timedelta(hours=1)
    assert risks_scan(now=late)["late_records"] == 1
    record.refresh_from_db()
    assert record.supervised_count == 1 and record.supervised_due == record.response_due
    event = record.events.order_by("-seq").first()
    assert event.action == "supervised" and event.actor is None
    told = Notification.objects.filter(key=f"risk:{record.pk}:{event.seq}")
    assert told.filter(recipient=people["chengguan"], channel="sms").exists()
    assert told.filter(recipient=people["chengguan_lead"]).exists()
    assert risks_scan(now=late + dt.timedelta(hours=2))["late_records"] == 0  # once per deadline
    assert RiskRecord.objects.get(pk=record.pk).supervised_count == 1


def test_the_action_table_is_enforced(risk_world, people):
    from wenming.common.errors import IllegalTransition, NotAllowed, WorkflowError
    from wenming.evaluation.models import RiskLevel, SignalKind
    from wenming.evaluation.services.risk import (
        RiskNotFound,
        StaleRisk,
        Upload,
        risk_signal_record,
        risk_step,
    )
    from wenming.evaluation.services.risk_actions import risk_actions_for

    record = risk_signal_record(criterion_id=risk_world.pk, kind=SignalKind.MEDIA_REPORT, source_id="x",
                                level=RiskLevel.WATCH).record
    unit, office, zhiban = people["chengguan"], people["ceping"], people["zhiban"]
    assert [a.key for a in risk_actions_for(record, unit)] == ["acknowledge", "respond"]
    assert [a.key for a in risk_actions_for(record, zhiban)] == ["raise_level", "supervise"]
    # Wrong role: the office may not acknowledge for the unit; the unit may not raise its own level.
    with pytest.raises(NotAllowed):
        risk_step(record_id=record.pk, actor=office, action_key="acknowledge")
    with pytest.raises(NotAllowed):
        risk_step(record_id=record.pk, actor=unit, action_key="raise_level", note="x")
    # Out of scope: another unit does not find it at all.
    with pytest.raises(RiskNotFound):
        risk_step(record_id=record.pk, actor=people["gongdian"], action_key="acknowledge")
    # A system step is nobody's.
    with pytest.raises(NotAllowed):
        risk_step(record_id=record.pk, actor=zhiban, action_key="late")
    # Stale version.
    with pytest.raises(StaleRisk):
        risk_step(record_id=record.pk, actor=unit, action_key="acknowledge", expected_version=record.version - 1)
    record = risk_step(record_id=record.pk, actor=unit, action_key="acknowledge", expected_version=record.version)
    assert record.state == "responding"
    # Wrong state: acknowledged once only.
    with pytest.raises(IllegalTransition):
        risk_step(record_id=record.pk, actor=unit, action_key="acknowledge")
    # A note is required to respond; closing needs evidence.
    with pytest.raises(WorkflowError):
        risk_step(record_id=record.pk, actor=unit, action_key="respond", note="  ")
    record = risk_step(record_id=record.pk, actor=unit, action_key="respond", note="已组织清理")
    assert record.responded_at is not None
    with pytest.raises(WorkflowError, match="attach at least one"):
        risk_step(record_id=record.pk, actor=office, action_key="close", note="已整改")
    with pytest.raises(WorkflowError, match="not a JPEG"):
        risk_step(record_id=record.pk, actor=office, action_key="close", note="已整改",
                  files=[Upload("x.exe", b"MZ\x90\x00" * 20)])
    record = risk_step(record_id=record.pk, actor=unit, action_key="close", note="已整改",
                       files=[Upload("after.png", PNG)])
    assert record.state == "closed" and record.evidence.count() == 1
    assert [e.action for e in record.events.order_by("seq")] == ["opened", "acknowledged", "responded", "closed"]
    assert [e.seq for e in record.events.order_by("seq")] == [1, 2, 3, 4]
    # Reopened by the office only.
    with pytest.raises(NotAllowed):
        risk_step(record_id=record.pk, actor=unit, action_key="reopen", note="又出现")
    record = risk_step(record_id=record.pk, actor=office, action_key="reopen", note="又出现")
    assert record.state == "open" and record.closed_at is None


def test_raise_and_lower_keep_to_the_levels(risk_world, people):
    from wenming.common.errors import IllegalTransition
    from wenming.evaluation.models import RiskLevel, SignalKind
    from wenming.evaluation.services.risk import risk_signal_record, risk_step

    record = risk_signal_record(criterion_id=risk_world.pk, kind=SignalKind.MEDIA_REPORT, source_id="y",
                                level=RiskLevel.WATCH).record
    with pytest.raises(IllegalTransition):
        risk_step(record_id=record.pk, actor=people["zhiban"], action_key="lower_level", note="不严重")
    record = risk_step(record_id=record.pk, actor=people["zhiban"], action_key="raise_level", note="扩散")
    assert record.level == RiskLevel.WARNING
    record = risk_step(record_id=record.pk, actor=people["zhiban"], action_key="supervise", note="限期处置")
    assert record.supervised_count == 1


def test_one_open_record_per_criterion_and_a_signal_only_raises(risk_world):
    from wenming.evaluation.models import RiskLevel, RiskRecord, SignalKind
    from wenming.evaluation.services.risk import risk_signal_record

    a = risk_signal_record(criterion_id=risk_world.pk, kind=SignalKind.MEDIA_REPORT, source_id="a",
                           level=RiskLevel.WARNING)
    b = risk_signal_record(criterion_id=risk_world.pk, kind=SignalKind.MEDIA_REPORT, source_id="b",
                           level=RiskLevel.WATCH)
    assert a.record_id == b.record_id
    assert RiskRecord.objects.get().level == RiskLevel.WARNING
    assert risk_signal_record(criterion_id=risk_world.pk, kind=SignalKind.MEDIA_REPORT, source_id="a",
                              level=RiskLevel.TRIGGERED) is None  # the same signal again: nothing
    assert RiskRecord.objects.get().level == RiskLevel.WARNING


def test_incidents_by_unit_and_office(risk_world, people, demo_framework):
    from wenming.common.errors import NotAllowed, WorkflowError
    from wenming.evaluation.models import Criterion, RiskLevel, SignalKind
    from wenming.evaluation.services.risk import RiskNotFound, risk_incident_report

    unit = people["chengguan"]
    with pytest.raises(WorkflowError, match="at least"):
        risk_incident_report(criterion_id=risk_world.pk, actor=unit, kind=SignalKind.SERIOUS_INCIDENT,
                             level=RiskLevel.WARNING, note="重大事件")
    with pytest.raises(WorkflowError, match="control characters"):
        risk_incident_report(criterion_id=risk_world.pk, actor=unit, kind=SignalKind.MEDIA_REPORT,
                             level=RiskLevel.WARNING, note="媒体\x00报道")
    signal = risk_incident_report(criterion_id=risk_world.pk, actor=unit, kind=SignalKind.MEDIA_REPORT,
                                  level=RiskLevel.WARNING, note="媒体报道")
    assert signal.record.level == RiskLevel.WARNING and signal.reported_by == unit
    other = Criterion.objects.get(edition=demo_framework, code="P1.1.1")
    with pytest.raises(RiskNotFound):  # not its criterion: not found
        risk_incident_report(criterion_id=other.pk, actor=unit, kind=SignalKind.MEDIA_REPORT,
                             level=RiskLevel.WARNING, note="x")
    # The office chooses any level on any criterion.
    low = risk_incident_report(criterion_id=other.pk, actor=people["ceping"], kind=SignalKind.SERIOUS_INCIDENT,
                               level=RiskLevel.WATCH, note="待核实")
    assert low.level == RiskLevel.WATCH
    # A street office sees P5.1.x? No: jiedao leads nothing; a grid worker reports nothing.
    with pytest.raises((NotAllowed, RiskNotFound)):
        risk_incident_report(criterion_id=risk_world.pk, actor=people["wangge"], kind=SignalKind.MEDIA_REPORT,
                             level=RiskLevel.TRIGGERED, note="x")


def test_plans_are_revised_and_stale_forms_refused(risk_world, people):
    from wenming.common.errors import NotAllowed, WorkflowError
    from wenming.evaluation.models import RiskPlanRevision
    from wenming.evaluation.services.risk import Contact, StaleRisk, Upload, contacts_parse, risk_plan_save
    from wenming.org.models import Unit

    cg = Unit.objects.get(code="CGJ-131102")
    plan = risk_plan_save(criterion_id=risk_world.pk, actor=people["ceping"], expected_revision=0,
                          triggers="学校周边占道经营", measures="立即清理", owner_unit_ids=[cg.pk],
                          contacts=contacts_parse("张三, 13800000000, 科长\n李四，0318-1234567，队长"),
                          review_cycle_days=30, files=[Upload("预案.png", PNG)])
    assert plan.revision == 1 and plan.attachments.count() == 1 and len(plan.contacts) == 2
    assert plan.next_review_on == timezone.localdate() + dt.timedelta(days=30)
    # The lead unit edits it too; the old revision stays readable.
    plan = risk_plan_save(criterion_id=risk_world.pk, actor=people["chengguan"], expected_revision=1,
                          triggers="学校周边占道经营、乱堆乱放", measures="立即清理", owner_unit_ids=[cg.pk],
                          contacts=[Contact("张三", "13800000000", "科长")], review_cycle_days=30, note="补充")
    revisions = list(RiskPlanRevision.objects.filter(plan=plan).order_by("number"))
    assert [r.number for r in revisions] == [1, 2] and revisions[0].triggers == "学校周边占道经营"
    assert revisions[1].actor == people["chengguan"] and revisions[0].attachments == revisions[1].attachments
    with pytest.raises(StaleRisk):
        risk_plan_save(criterion_id=risk_world.pk, actor=people["ceping"], expected_revision=1, triggers="x",
                       measures="y")
    with pytest.raises(NotAllowed):  # sees it (the district) but does not lead it
        risk_plan_save(criterion_id=risk_world.pk, actor=people["taocheng"], expected_revision=2, triggers="x",
                       measures="y")
    for bad in ({"triggers": "a\x07b"}, {"contacts": [Contact("", "138")]}, {"contacts": [Contact("王", "=cmd|")]},
                {"review_cycle_days": 0}, {"files": [Upload("x.html", b"<html><script>")]}):
        with pytest.raises(WorkflowError):
            risk_plan_save(criterion_id=risk_world.pk, actor=people["ceping"], expected_revision=2,
                           **{"triggers": "x", "measures": "y", **bad})
    assert RiskPlanRevision.objects.filter(plan=plan).count() == 2


def test_plan_review_reminders_are_sent_once(risk_world, people):
    from wenming.common.models import Notification
    from wenming.evaluation.services.risk import risk_plan_save, risks_scan

    plan = risk_plan_save(criterion_id=risk_world.pk, actor=people["ceping"], expected_revision=0, triggers="x",
                          measures="y", review_cycle_days=10)
    soon = timezone.now() + dt.timedelta(days=5)
    assert risks_scan(now=soon)["review_due"] == 1
    assert risks_scan(now=soon)["review_due"] == 0
    assert Notification.objects.filter(key__startswith=f"riskplan:{plan.pk}:", recipient=people["chengguan"]).exists()
    assert risks_scan(now=timezone.now() + dt.timedelta(days=12))["review_overdue"] == 1


def test_open_counts_by_criterion_in_constant_queries(risk_world, people, demo_framework,
                                                      django_assert_num_queries):
    from wenming.evaluation.models import Criterion, RiskLevel, SignalKind
    from wenming.evaluation.risk_selectors import risk_open_by_criterion
    from wenming.evaluation.services.risk import risk_signal_record

    other = Criterion.objects.get(edition=demo_framework, code="P1.1.1")
    risk_signal_record(criterion_id=risk_world.pk, kind=SignalKind.MEDIA_REPORT, source_id="1",
                       level=RiskLevel.TRIGGERED)
    risk_signal_record(criterion_id=other.pk, kind=SignalKind.MEDIA_REPORT, source_id="2", level=RiskLevel.WATCH)
    ids = list(Criterion.objects.filter(edition=demo_framework).values_list("pk", flat=True))
    with django_assert_num_queries(1):
        counts = risk_open_by_criterion(criterion_ids=ids)
    assert counts[risk_world.pk] == {"watch": 0, "warning": 0, "triggered": 1, "overdue": 0}
    assert counts[other.pk]["watch"] == 1
    assert counts[ids[0]] == {"watch": 0, "warning": 0, "triggered": 0, "overdue": 0} or ids[0] in (risk_world.pk,
                                                                                                     other.pk)
