"""The round's findings followed up as a batch (督办单 for the late ones in one action) and re-inspected (复查): the
re-inspection's result is recorded against the original finding; still failing makes a new case citing the first."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.cases.models import Case, SupervisionNotice
from wenming.cases.services import workflow as wf
from wenming.conftest import photo_bytes
from wenming.inspections.models import Assignment, AssignmentKind, Result
from wenming.inspections.services import results as res
from wenming.inspections.services import rounds as rs
from wenming.org.models import Unit

from .conftest import observation

pytestmark = pytest.mark.django_db
UNIT_CODE = "CGJ-131102"


@pytest.fixture
def two_findings(demo_round, people):
    """Two findings in 桃城区, both dispatched to 城管 桃城分局 and signed; the first also fixed (submitted)."""
    made = []
    for assignment in demo_round.assignments.filter(district__code="131102").select_related("site").order_by("pk")[:2]:
        item = assignment.scheme.items.order_by("sort").first()
        answer = res.result_record(actor=people["anfang"], observation=observation(assignment, item.code, "fail"))
        case = Result.objects.get(pk=answer.result_id).case
        wf.case_register(case_id=case.pk, actor=people["shouli"])
        wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=Unit.objects.get(code=UNIT_CODE))
        wf.case_sign(case_id=case.pk, actor=people["chengguan"])
        made.append(Result.objects.select_related("case").get(pk=answer.result_id))
    wf.case_submit(case_id=made[0].case_id, actor=people["chengguan"], note="已整改",
                   photos=[wf.Upload("after.png", photo_bytes())])
    made[0].case.refresh_from_db()
    return made


def _later(days):
    return mock.patch.object(timezone, "now", return_value=timezone.now() + dt.timedelta(days=days))


def test_notices_go_to_the_late_findings_only_in_one_action(client, two_findings, demo_round, people):
    assert rs.late_findings(demo_round, timezone.now()) == []
    with pytest.raises(rs.WorkflowError):
        rs.round_notices_issue(round_id=demo_round.pk, actor=people["zhiban"], demand="限期整改")
    with _later(30):
        late = rs.late_findings(demo_round, timezone.now())
        assert {f.pk for f in late} == {f.pk for f in two_findings if f.case.state == "handling"}
        rs.round_notices_issue(round_id=demo_round.pk, actor=people["zhiban"], demand="限期整改并回复")
    notices = SupervisionNotice.objects.filter(case__in=[f.case for f in two_findings])
    assert [n.case_id for n in notices] == [two_findings[1].case_id]
    event = demo_round.events.get(action="notices")
    assert event.data["issued"] == [two_findings[1].case.number] and event.data["refused"] == []


def test_a_planner_without_the_notice_right_is_told_per_case(two_findings, demo_round, people):
    with _later(30):
        rs.round_notices_issue(round_id=demo_round.pk, actor=people["ceping"], demand="限期整改")
    assert not SupervisionNotice.objects.exists()
    refused = demo_round.events.get(action="notices").data["refused"]
    assert [r["case"] for r in refused] == [two_findings[1].case.number]


def test_the_followup_page_lists_every_finding_with_its_case_state(client, two_findings, demo_round, people):
    client.force_login(people["zhiban"])
    page = client.get(reverse("inspections:followup", args=[demo_round.pk])).content.decode()
    for f in two_findings:
        assert f.case.number in page and f'data-item="{f.item.code}"' in page
    client.force_login(people["ceping"])  # may follow the round, not open the unit's cases
    page = client.get(reverse("inspections:followup", args=[demo_round.pk])).content.decode()
    assert 'id="findings"' in page and two_findings[0].case.number not in page
    with _later(30):
        client.force_login(people["zhiban"])
        response = client.post(reverse("inspections:notices", args=[demo_round.pk]),
                               {"version": demo_round.version, "demand": "限期整改", "hours": "4"})
    assert response.status_code == 302 and SupervisionNotice.objects.count() == 1
    client.force_login(people["chengguan"])
    assert client.get(reverse("inspections:followup", args=[demo_round.pk])).status_code == 404


def test_reinspection_passed_and_still_failing(client, two_findings, demo_round, people):
    done, late = two_findings
    day = timezone.localdate() + dt.timedelta(days=3)
    # Only the finding fixed (submitted) is due now; after its deadline the other one too.
    made = rs.round_reinspections_assign(round_id=demo_round.pk, actor=people["zhiban"], day=day,
                                         inspector=people["anfang"])
    assert [a.finding_id for a in made] == [done.pk]
    with _later(30):
        made = rs.round_reinspections_assign(round_id=demo_round.pk, actor=people["zhiban"], day=day,
                                             inspector=people["anfang"])
        assert [a.finding_id for a in made] == [late.pk]
        with pytest.raises(rs.WorkflowError):  # each finding is re-inspected once
            rs.round_reinspections_assign(round_id=demo_round.pk, actor=people["zhiban"], day=day,
                                          inspector=people["anfang"])
    passed_at = Assignment.objects.get(finding=done, kind=AssignmentKind.REINSPECT)
    failed_at = Assignment.objects.get(finding=late, kind=AssignmentKind.REINSPECT)
    # A re-inspection checks the finding's item only.
    other_item = passed_at.scheme.items.exclude(pk=done.item_id).first()
    assert res.result_record(actor=people["anfang"], observation=observation(passed_at, other_item.code)).status == "error"
    ok = res.result_record(actor=people["anfang"], observation=observation(passed_at, done.item.code, "pass"))
    assert ok.status == "created" and not ok.case_number
    cases = Case.objects.count()
    still = res.result_record(actor=people["anfang"], observation=observation(failed_at, late.item.code, "fail"))
    assert still.status == "created" and Case.objects.count() == cases + 1
    new_case = Result.objects.get(pk=still.result_id).case
    assert late.case.number in new_case.description and new_case.channel == "inspection"
    # Recorded against the original finding; the round's score counts the first visit only.
    assert Result.objects.get(pk=ok.result_id).assignment.finding_id == done.pk
    client.force_login(people["zhiban"])
    page = client.get(reverse("inspections:followup", args=[demo_round.pk])).content.decode()
    assert new_case.number in page
    # The inspector's day lists the re-inspections.
    client.force_login(people["anfang"])
    page = client.get(reverse("inspections:my_day"), {"date": day.isoformat()}).content.decode()
    assert f'data-assignment="{passed_at.pk}"' in page and "Re-inspection" in page


def test_reinspections_are_the_planners(two_findings, demo_round, people):
    with pytest.raises(rs.RoundNotFound):
        rs.round_reinspections_assign(round_id=demo_round.pk, actor=people["chengguan"], day=timezone.localdate(),
                                      inspector=people["anfang"])
    with pytest.raises(rs.WorkflowError):
        rs.round_reinspections_assign(round_id=demo_round.pk, actor=people["zhiban"], day=timezone.localdate(),
                                      inspector=people["chengguan"])
