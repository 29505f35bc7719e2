"""回访 services: a rating only on a closed case and once per closing; "not fixed" lands in the command
centre's queue, which reopens the case or confirms it closed; every step is an event on the case."""

from __future__ import annotations

import pytest

from wenming.cases import selectors
from wenming.cases.models import Case, CaseState, FollowUp
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import CaseNotFound, IllegalTransition, NotAllowed, WorkflowError
from wenming.cases.services.followup import followup_decide, followup_record
from wenming.cases.services.workflow import Upload
from wenming.conftest import photo_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]
S = CaseState


def walk_to_closed(case: Case, p: dict) -> Case:
    wf.case_register(case_id=case.pk, actor=p["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=p["paiqian"])
    wf.case_sign(case_id=case.pk, actor=p["chengguan"])
    wf.case_submit(case_id=case.pk, actor=p["chengguan"], note="已清理", photos=[Upload("after.png", photo_bytes(pattern=3))])
    wf.case_verify(case_id=case.pk, actor=p["anfang"], passed=True)
    return wf.case_close(case_id=case.pk, actor=p["zhiban"])


@pytest.fixture
def closed_case(people, grid):
    case = wf.case_intake(channel="citizen", description="人行道上有摊贩", lng=grid.lng, lat=grid.lat, category="SJ0401",
                          reporter_phone="13912345678")
    return walk_to_closed(case, people)


def queue_ids(user) -> set[int]:
    return set(selectors.case_queue(user=user, queue="not_fixed").values_list("pk", flat=True))


def test_rating_only_when_closed(people, grid):
    case = wf.case_intake(channel="citizen", description="垃圾", lng=grid.lng, lat=grid.lat, category="SJ0401")
    with pytest.raises(IllegalTransition, match="only once it is closed"):
        followup_record(case_id=case.pk, rating="satisfied", fixed=True)
    assert not FollowUp.objects.filter(case=case).exists()


def test_rating_once_per_closing_and_logged(closed_case):
    follow_up = followup_record(case_id=closed_case.pk, rating="basically_satisfied", fixed=True, comment="还行")
    assert follow_up.satisfied and follow_up.round == 0 and follow_up.channel == "web"
    event = closed_case.events.order_by("-seq").first()
    assert (event.action, event.from_state, event.to_state, event.actor) == ("follow_up", S.CLOSED, S.CLOSED, None)
    assert event.data["rating"] == "basically_satisfied" and event.data["fixed"] is True
    with pytest.raises(IllegalTransition, match="already been rated"):
        followup_record(case_id=closed_case.pk, rating="dissatisfied", fixed=False, comment="again")
    assert FollowUp.objects.filter(case=closed_case).count() == 1


def test_bad_rating_input_is_refused(closed_case):
    with pytest.raises(WorkflowError, match="how satisfied"):
        followup_record(case_id=closed_case.pk, rating="great", fixed=True)
    with pytest.raises(WorkflowError, match="still not fixed"):
        followup_record(case_id=closed_case.pk, rating="dissatisfied", fixed=False, comment=" ")
    with pytest.raises(CaseNotFound):
        followup_record(case_id=0, rating="satisfied", fixed=True)


def test_not_fixed_goes_to_the_queue_and_reopen_takes_it_out(closed_case, people):
    zhiban, shouli = people["zhiban"], people["shouli"]
    assert closed_case.pk not in queue_ids(zhiban)
    followup_record(case_id=closed_case.pk, rating="dissatisfied", fixed=False, comment="摊贩又回来了")
    assert closed_case.pk in queue_ids(zhiban) and closed_case.pk in queue_ids(shouli)
    assert "not_fixed" in [q.key for q in selectors.queues_for(zhiban)]
    with pytest.raises(NotAllowed):
        followup_decide(case_id=closed_case.pk, actor=shouli, reopen=True, note="x")
    with pytest.raises(CaseNotFound):  # a unit person does not see the decision at all outside their scope
        followup_decide(case_id=closed_case.pk, actor=people["gongdian"], reopen=True, note="x")
    with pytest.raises(WorkflowError, match="reason"):
        followup_decide(case_id=closed_case.pk, actor=zhiban, reopen=True, note="")
    follow_up = followup_decide(case_id=closed_case.pk, actor=zhiban, reopen=True, note="市民反映未整改到位")
    case = Case.objects.get(pk=closed_case.pk)
    assert case.state == S.REGISTERED and case.reopen_count == 1 and follow_up.decision == "reopened"
    assert follow_up.decided_by == zhiban
    actions = list(case.events.order_by("seq").values_list("action", flat=True))
    assert actions[-3:] == ["follow_up", "reopen", "follow_up_reopen"]
    assert case.pk not in queue_ids(zhiban)
    with pytest.raises(IllegalTransition):
        followup_decide(case_id=case.pk, actor=zhiban, reopen=False, note="x")
    # Closed again: the reporter may rate this closing, and a satisfied rating does not enter the queue.
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"])
    wf.case_sign(case_id=case.pk, actor=people["chengguan"])
    wf.case_submit(case_id=case.pk, actor=people["chengguan"], note="再次清理", photos=[Upload("a.png", photo_bytes(pattern=5))])
    wf.case_verify(case_id=case.pk, actor=people["anfang"], passed=True)
    wf.case_close(case_id=case.pk, actor=zhiban)
    again = followup_record(case_id=case.pk, rating="satisfied", fixed=True)
    assert again.round == 1 and case.pk not in queue_ids(zhiban)


def test_confirm_closed_keeps_it_closed_and_logs_the_decision(closed_case, people):
    zhiban = people["zhiban"]
    followup_record(case_id=closed_case.pk, rating="dissatisfied", fixed=False, comment="还是有摊贩")
    version = Case.objects.get(pk=closed_case.pk).version
    with pytest.raises(wf.StaleCase):
        followup_decide(case_id=closed_case.pk, actor=zhiban, reopen=False, note="现场核实已整改", expected_version=version - 1)
    follow_up = followup_decide(case_id=closed_case.pk, actor=zhiban, reopen=False, note="现场核实已整改",
                                expected_version=version)
    case = Case.objects.get(pk=closed_case.pk)
    assert case.state == S.CLOSED and follow_up.decision == "confirmed" and case.version == version + 1
    last = case.events.order_by("-seq").first()
    assert (last.action, last.actor, last.note) == ("follow_up_confirmed", zhiban, "现场核实已整改")
    assert case.pk not in queue_ids(zhiban)
    with pytest.raises(IllegalTransition, match="waiting for a decision"):
        followup_decide(case_id=case.pk, actor=zhiban, reopen=True, note="x")
