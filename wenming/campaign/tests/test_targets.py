"""Target lists with hand-made geometry: the scoped list (near), schools clear of venues, per-area and per-place
counts, the line workflow (evidence, review, events, scope), access, and the findings measure of C01-3.

The session's demo city is around (115.67, 37.74); these sites lie far from it, and use site types of their own,
so the demo's sites never enter these lists.
"""

from decimal import Decimal

import pytest
from django.utils import timezone

from wenming.campaign.models import (
    Campaign,
    Measure,
    TargetLine,
    TargetLineStatus,
    TargetRule,
    Task,
    TaskEvent,
    TaskEventAction,
)
from wenming.campaign.services import target_lines as lines_svc
from wenming.campaign.services.targets import line_counts, targets_refresh
from wenming.campaign.services.tasks import Upload, measured_values_refresh
from wenming.cases.services.errors import NotAllowed, WorkflowError
from wenming.common.access import restrict
from wenming.common.models import Notification
from wenming.conftest import photo_bytes
from wenming.org.models import Area, AreaLevel
from wenming.org.tests.factories import (
    AreaFactory,
    SiteFactory,
    offset,
    square,
)

from .conftest import BASE, at, task_with

pytestmark = pytest.mark.django_db
def test_compounds_within_300_m_of_a_market_are_listed_not_those_beyond(target_campaign, types):
    market = SiteFactory(site_type=types["market"], name="老街市场", geometry=at())
    near = SiteFactory(site_type=types["compound"], name="近邻小区", geometry=at(east_m=250))
    far = SiteFactory(site_type=types["compound"], name="远处小区", geometry=at(north_m=350))
    task = task_with(target_campaign, "R01-2T", TargetRule.NEAR, target=["compound"], anchors=["market"], radius=300)
    counts = targets_refresh(task_id=task.pk)
    assert counts["created"] == 1
    [line] = TargetLine.objects.filter(task=task)
    assert line.site_id == near.pk and line.status == TargetLineStatus.PENDING and line.in_scope
    assert line.distance_m == pytest.approx(250, abs=1)
    assert line.near[0]["code"] == market.code and line.near[0]["distance_m"] == pytest.approx(250, abs=1)
    assert not TargetLine.objects.filter(site=far).exists()
    task.refresh_from_db()
    assert task.current_value == 0
    # Run again: nothing changes, nothing written, no second event.
    assert targets_refresh(task_id=task.pk)["updated"] == 0
    assert TaskEvent.objects.filter(task=task, action=TaskEventAction.TARGETS_REFRESHED).count() <= 1


def test_distance_is_edge_to_edge_for_drawn_compounds(target_campaign, types):
    SiteFactory(site_type=types["market"], geometry=at())
    # The compound's centre is 380 m away but its outline (a 200 m square) comes within 280 m.
    compound = SiteFactory(site_type=types["compound"], geometry=square(*offset(*BASE, east_m=380), 100))
    task = task_with(target_campaign, "R01-2E", TargetRule.NEAR, target=["compound"], anchors=["market"], radius=300)
    targets_refresh(task_id=task.pk)
    line = TargetLine.objects.get(task=task)
    assert line.site_id == compound.pk and line.distance_m == pytest.approx(280, abs=1)


def test_a_school_with_an_internet_cafe_at_180_m_is_a_gap_until_the_cafe_closes(target_campaign, types):
    school = SiteFactory(site_type=types["school"], name="实验小学", geometry=at())
    cafe = SiteFactory(site_type=types["internet_cafe"], name="极速网吧", geometry=at(east_m=180))
    SiteFactory(site_type=types["internet_cafe"], name="远处网吧", geometry=at(east_m=260))
    task = task_with(target_campaign, "R08-2T", TargetRule.CLEAR, target=["internet_cafe"], anchors=["school"], radius=200)
    targets_refresh(task_id=task.pk)
    line = TargetLine.objects.get(task=task)
    assert (line.site_id, line.status, line.count, line.required) == (school.pk, TargetLineStatus.GAP, 1, 0)
    assert [v["name"] for v in line.near] == ["极速网吧"] and line.near[0]["distance_m"] == pytest.approx(180, abs=1)
    task.refresh_from_db()
    assert task.current_value == 0
    cafe.is_active = False
    cafe.save()
    targets_refresh(task_id=task.pk)
    line.refresh_from_db()
    task.refresh_from_db()
    assert (line.status, line.count, line.near) == (TargetLineStatus.MET, 0, [])
    assert task.current_value == 100
    # Logged when the figures changed: 0 → 100 (the first run left 0 as it was).
    assert TaskEvent.objects.filter(task=task, action=TaskEventAction.TARGETS_REFRESHED).count() == 1


@pytest.fixture
def county():
    return Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").first()


def test_a_surplus_in_one_township_does_not_cover_anothers_gap(target_campaign, types, county):
    two = AreaFactory(code="991001", name="二宫镇", level=AreaLevel.STREET, parent=county)
    four = AreaFactory(code="991002", name="四宫镇", level=AreaLevel.STREET, parent=county)
    village = AreaFactory(code="991002001", name="四宫村", level=AreaLevel.COMMUNITY, parent=four)
    for i in range(2):
        SiteFactory(site_type=types["youth_palace"], area=two, geometry=at(east_m=100 * i))
    for i in range(4):  # two in the township itself, two in one of its villages
        SiteFactory(site_type=types["youth_palace"], area=four if i < 2 else village, geometry=at(north_m=100 * i))
    task = task_with(target_campaign, "I01-3T", TargetRule.PER_AREA_MIN, target=["youth_palace"], kind="count", value=3,
                     per="township")
    targets_refresh(task_id=task.pk)
    lines = {line.area_id: line for line in TargetLine.objects.filter(task=task)}
    streets = Area.objects.filter(level=AreaLevel.STREET).count()
    assert len(lines) == streets  # every township has its line
    assert (lines[two.pk].count, lines[two.pk].status, lines[two.pk].gap) == (2, TargetLineStatus.GAP, 1)
    assert (lines[four.pk].count, lines[four.pk].status, lines[four.pk].gap) == (4, TargetLineStatus.MET, 0)
    task.refresh_from_db()
    # 2 + min(4, 3) = 5, never 6: the fourth palace does not count for the township with two.
    assert task.current_value == 5 and task.target_areas == streets and task.target_total == 3 * streets


def test_no_dry_toilet_in_a_village(target_campaign, types, county):
    town = AreaFactory(code="992001", name="旱厕镇", level=AreaLevel.STREET, parent=county)
    dirty = AreaFactory(code="992001001", name="甲村", level=AreaLevel.COMMUNITY, parent=town)
    clean = AreaFactory(code="992001002", name="乙村", level=AreaLevel.COMMUNITY, parent=town)
    SiteFactory(site_type=types["dry_toilet"], area=dirty, geometry=at())
    task = task_with(target_campaign, "R07-2T", TargetRule.PER_AREA_MAX, target=["dry_toilet"], kind="count", value=0,
                     per="village")
    targets_refresh(task_id=task.pk)
    lines = {line.area_id: line for line in TargetLine.objects.filter(task=task)}
    assert (lines[dirty.pk].status, lines[dirty.pk].gap) == (TargetLineStatus.GAP, 1)
    assert lines[clean.pk].status == TargetLineStatus.MET
    task.refresh_from_db()
    villages = Area.objects.filter(level=AreaLevel.COMMUNITY).count()
    # Villages without a dry toilet, of all villages.
    assert (task.current_value, task.target_total) == (villages - 1, villages)


def test_a_notice_board_near_each_square(target_campaign, types):
    served = SiteFactory(site_type=types["square"], name="人民广场", geometry=at())
    SiteFactory(site_type=types["notice_board"], geometry=at(east_m=100))
    bare = SiteFactory(site_type=types["square"], name="东广场", geometry=at(east_m=2000))
    task = task_with(target_campaign, "R06-2T", TargetRule.PER_PLACE, target=["notice_board"], anchors=["square"], radius=150,
                     kind="count", value=1, per="place")
    targets_refresh(task_id=task.pk)
    lines = {line.site_id: line for line in TargetLine.objects.filter(task=task)}
    assert (lines[served.pk].status, lines[served.pk].count) == (TargetLineStatus.MET, 1)
    assert (lines[bare.pk].status, lines[bare.pk].gap) == (TargetLineStatus.GAP, 1)
    task.refresh_from_db()
    assert (task.current_value, task.target_areas) == (1, 2)


def test_submit_needs_evidence_review_needs_the_task_force_and_a_note_to_return(worked, media_and_english):
    line, handler, leader = worked["line"], worked["handler"], worked["leader"]
    assert [a.key for a in lines_svc.line_actions_for(line, handler)] == ["submit"]
    with pytest.raises(WorkflowError, match="at least one photo or PDF"):
        lines_svc.target_line_submit(line_id=line.pk, actor=handler, note="已整治")
    with pytest.raises(TargetLine.DoesNotExist):  # another unit's line is out of its scope: not found
        lines_svc.target_line_submit(line_id=line.pk, actor=worked["outsider"], files=[Upload("a.png", photo_bytes())])
    lines_svc.target_line_submit(line_id=line.pk, actor=handler, note="已整治", files=[Upload("整治后.png", photo_bytes())])
    line.refresh_from_db()
    assert line.status == TargetLineStatus.SUBMITTED and line.evidence.count() == 1
    assert line.evidence.get().content_type == "image/jpeg"  # re-encoded without metadata
    with pytest.raises(NotAllowed):
        lines_svc.target_line_review(line_id=line.pk, actor=handler, accept=True)
    with pytest.raises(WorkflowError, match="Note"):
        lines_svc.target_line_review(line_id=line.pk, actor=leader, accept=False)
    lines_svc.target_line_review(line_id=line.pk, actor=leader, accept=False, note="照片看不清")
    line.refresh_from_db()
    assert line.status == TargetLineStatus.RETURNED and line.review_note == "照片看不清"
    assert Notification.objects.filter(recipient=handler, key__startswith=f"target-line-returned:{line.pk}:").exists()
    lines_svc.target_line_submit(line_id=line.pk, actor=handler, note="重拍", files=[Upload("b.pdf", b"%PDF-1.4\n%%EOF\n")])
    lines_svc.target_line_review(line_id=line.pk, actor=leader, accept=True)
    line.refresh_from_db()
    task = Task.objects.get(pk=worked["task"].pk)
    assert line.status == TargetLineStatus.ACCEPTED and task.current_value == 50  # one of two compounds
    actions = list(TaskEvent.objects.filter(line=line).order_by("id").values_list("action", flat=True))
    assert actions == ["line_submitted", "line_returned", "line_submitted", "line_accepted"]
    with pytest.raises(WorkflowError, match="not possible"):
        lines_svc.target_line_review(line_id=line.pk, actor=leader, accept=False, note="再看")


def test_a_line_leaving_the_scope_is_kept_with_its_status(worked, media_and_english):
    line, handler, leader = worked["line"], worked["handler"], worked["leader"]
    lines_svc.target_line_submit(line_id=line.pk, actor=handler, files=[Upload("a.png", photo_bytes())])
    lines_svc.target_line_review(line_id=line.pk, actor=leader, accept=True)
    targets_refresh(task_id=line.task_id)
    line.refresh_from_db()
    assert line.status == TargetLineStatus.ACCEPTED  # a refresh keeps the accepted compound green
    worked["compound"].is_active = False
    worked["compound"].save()
    targets_refresh(task_id=line.task_id)
    line.refresh_from_db()
    assert (line.in_scope, line.status) == (False, TargetLineStatus.ACCEPTED)
    assert line_counts(line.task)["out_of_scope"] == 1
    with pytest.raises(WorkflowError, match="out of the task's scope"):
        lines_svc.target_line_submit(line_id=line.pk, actor=handler, files=[Upload("a.png", photo_bytes())])
    worked["compound"].is_active = True
    worked["compound"].save()
    targets_refresh(task_id=line.task_id)
    line.refresh_from_db()
    assert (line.in_scope, line.status) == (True, TargetLineStatus.ACCEPTED)


def test_a_unit_sees_only_its_own_lines_the_lead_unit_all(worked):
    task = worked["task"]
    assert list(restrict(TargetLine.objects.filter(task=task), worked["handler"]).values_list("site__name", flat=True)) == ["幸福小区"]
    assert restrict(TargetLine.objects.filter(task=task), worked["outsider"]).get().site.name == "别家小区"
    assert restrict(TargetLine.objects.filter(task=task), worked["leader"]).count() == 2


def test_computed_lines_are_not_worked_on(target_campaign, types, media_and_english, people):
    SiteFactory(site_type=types["school"], geometry=at())
    task = task_with(target_campaign, "R08-2W", TargetRule.CLEAR, target=["internet_cafe"], anchors=["school"], radius=200)
    targets_refresh(task_id=task.pk)
    line = TargetLine.objects.get(task=task)
    assert lines_svc.line_actions_for(line, people["zhiban"]) == []
    with pytest.raises(WorkflowError, match="computed"):
        lines_svc.target_line_submit(line_id=line.pk, actor=people["zhiban"], files=[Upload("a.png", photo_bytes())])


def test_findings_measure_is_the_share_of_inspection_cases_closed(db, people):
    from wenming.cases.models import Case
    from wenming.cases.services import workflow as wf

    campaign = Campaign.objects.create(code="T-FIND", name="测试", starts_on=timezone.localdate())
    task = Task.objects.create(campaign=campaign, code="C01-3T", title="暗访跟踪督办", starts_on=timezone.localdate(),
                               target_kind="percent", target_value=100, measure=Measure.FINDINGS)
    grid = Area.objects.filter(level="grid").order_by("code").first()
    made = [wf.case_intake(channel="citizen", description=f"暗访发现{i}", lng=grid.lng, lat=grid.lat,
                           actor=people["shouli"]) for i in range(4)]
    Case.objects.filter(pk__in=[c.pk for c in made]).update(channel="inspection")  # as the inspectors' sync files them
    wf.case_intake(channel="citizen", description="市民上报", lng=grid.lng, lat=grid.lat, actor=people["shouli"])
    Case.objects.filter(pk=made[0].pk).update(state="closed")
    Case.objects.filter(pk=made[1].pk).update(state="voided")
    measured_values_refresh(campaign_id=campaign.pk)
    task.refresh_from_db()
    assert task.current_value == Decimal("33.33")  # 1 closed of 3 counted (the voided one left out)


def test_targets_refresh_command_dry_runs(target_campaign, types):
    from io import StringIO

    from django.core.management import call_command

    SiteFactory(site_type=types["market"], geometry=at())
    task = task_with(target_campaign, "R09-2T", TargetRule.EACH, target=["market"])
    out = StringIO()
    call_command("targets-refresh", "--task", str(task.pk), "--dry-run", stdout=out)
    assert "dry run" in out.getvalue() and "lines=1" in out.getvalue() and not TargetLine.objects.filter(task=task).exists()
    call_command("targets-refresh", "--task", str(task.pk), stdout=out)
    assert TargetLine.objects.filter(task=task).count() == 1


def test_the_worker_recomputes_the_lists_as_soon_as_the_sites_change(target_campaign, types):
    from django.core.cache import cache

    from wenming.campaign.tasks import scan_campaign

    cache.clear()
    task = task_with(target_campaign, "R09-2W", TargetRule.EACH, target=["market"])
    assert "targets" in scan_campaign.call()  # the first scan of the ten minutes computes
    assert "targets" not in scan_campaign.call()  # nothing changed within the ten minutes: no recomputation
    SiteFactory(site_type=types["market"], geometry=at())  # saving a site moves the geography version
    assert "targets" in scan_campaign.call()
    assert TargetLine.objects.filter(task=task).count() == 1
