"""撤回 / 改派: the shift leader takes a dispatched case back from its unit, or moves it straight to another unit;
a reason is required, a pending request is dropped and recorded, and the unit that lost the case is told."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from wenming.cases.models import Case, CaseState, EventAction, SupervisionNotice
from wenming.cases.services import workflow as wf
from wenming.cases.services.escalation import notice_answer, notice_issue
from wenming.common.models import Notification
from wenming.org.models import Area

pytestmark = pytest.mark.django_db
S = CaseState


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def dispatched(people):
    unit = people["chengguan"].unit
    grid = Area.objects.filter(level="grid", path__startswith=unit.area.path).first()
    case = wf.case_intake(channel="grid", description="垃圾堆积", lng=grid.lng, lat=grid.lat, category="SJ0101")
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    return wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=unit)


def _told(case: Case, *, lost: bool) -> dict[str, set[str]]:
    rows = Notification.objects.filter(key=f"case:{case.pk}:{case.version}" + (":lost" if lost else ""))
    return {ch: set(rows.filter(channel=ch).values_list("recipient__username", flat=True)) for ch in ("in_app", "sms")}


def test_recall_from_a_dispatched_case_goes_back_to_registered_and_tells_the_unit(dispatched, people):
    with pytest.raises(wf.WorkflowError, match="Give a reason"):
        wf.case_recall(case_id=dispatched.pk, actor=people["zhiban"], note=" ")
    case = wf.case_recall(case_id=dispatched.pk, actor=people["zhiban"], note="单位无人值守，撤回另派")
    assert case.state == S.REGISTERED and case.unit is None
    assert case.dispatched_at is None and case.sign_due is None and case.handle_due is None
    assert case.dispatch_due is not None and case.return_count == 0
    event = case.events.order_by("-seq").first()
    assert event.action == EventAction.RECALL and event.note == "单位无人值守，撤回另派"
    assert event.data["from_unit"] == people["chengguan"].unit.pk and "cleared_request" not in event.data
    told = _told(case, lost=True)
    assert {"chengguan", "chengguan_lead"} <= told["in_app"] and {"chengguan", "chengguan_lead"} <= told["sms"]
    assert Notification.objects.get(recipient=people["chengguan"], key=f"case:{case.pk}:{case.version}:lost",
                                    channel="in_app").subject == f"Case {case.number}: recalled from your unit by the command centre"
    # Back at the centre, it is dispatched as any registered case.
    case = wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=people["chengguan"].unit)
    assert case.state == S.DISPATCHED


def test_recall_drops_a_pending_request_and_records_it(dispatched, people):
    wf.case_sign(case_id=dispatched.pk, actor=people["chengguan"])
    wf.case_request_extension(case_id=dispatched.pk, actor=people["chengguan"], amount=2, unit="working_days",
                              note="等材料")
    case = wf.case_recall(case_id=dispatched.pk, actor=people["zhiban"], note="久拖不办")
    assert case.pending_request == "" and case.pending_amount is None and case.signed_at is None
    cleared = case.events.order_by("-seq").first().data["cleared_request"]
    assert cleared == {"request": "extension", "note": "等材料", "amount": "2.00", "unit": "working_days"}


def test_a_return_request_is_superseded_by_a_redispatch(dispatched, people):
    wf.case_request_return(case_id=dispatched.pk, actor=people["chengguan"], note="属电力设施")
    power = people["gongdian"].unit
    case = wf.case_redispatch(case_id=dispatched.pk, actor=people["zhiban"], unit=power, note="改派供电公司")
    assert case.state == S.DISPATCHED and case.unit == power
    assert case.sign_due is not None and case.handle_due is not None and case.dispatched_at is not None
    event = case.events.order_by("-seq").first()
    assert event.action == EventAction.REDISPATCH
    assert event.data["unit"] == power.pk and event.data["from_unit"] == people["chengguan"].unit.pk
    assert event.data["cleared_request"] == {"request": "return"}
    assert event.data["handle_due"] == case.handle_due.isoformat()
    # Both units are told: the one that lost it, and the new one with the dispatch message.
    lost, new = _told(case, lost=True), _told(case, lost=False)
    assert {"chengguan", "chengguan_lead"} <= lost["in_app"] and "gongdian" not in lost["in_app"]
    assert "gongdian" in new["in_app"] and "gongdian" in new["sms"] and "chengguan" not in new["in_app"]
    assert Notification.objects.get(recipient=people["gongdian"], key=f"case:{case.pk}:{case.version}",
                                    channel="in_app").subject == f"Case {case.number}: dispatched to your unit"
    # The new unit works it; the old one no longer may.
    with pytest.raises(wf.CaseNotFound):
        wf.case_sign(case_id=case.pk, actor=people["chengguan"])
    assert wf.case_sign(case_id=case.pk, actor=people["gongdian"]).state == S.HANDLING


def test_redispatch_needs_another_unit_a_reason_and_the_shift_leader(dispatched, people):
    with pytest.raises(wf.WorkflowError, match="another unit"):
        wf.case_redispatch(case_id=dispatched.pk, actor=people["zhiban"], unit=people["chengguan"].unit, note="x")
    with pytest.raises(wf.WorkflowError, match="Give a reason"):
        wf.case_redispatch(case_id=dispatched.pk, actor=people["zhiban"], unit=people["gongdian"].unit, note="")
    for name in ("paiqian", "shouli"):
        with pytest.raises(wf.NotAllowed):
            wf.case_redispatch(case_id=dispatched.pk, actor=people[name], unit=people["gongdian"].unit, note="x")
        with pytest.raises(wf.NotAllowed):
            wf.case_recall(case_id=dispatched.pk, actor=people[name], note="x")
    with pytest.raises(wf.NotAllowed):
        wf.case_recall(case_id=dispatched.pk, actor=people["chengguan_lead"], note="x")
    assert Case.objects.get(pk=dispatched.pk).version == dispatched.version


def test_the_case_page_and_the_api_recall_and_redispatch(dispatched, people, client):
    client.force_login(people["zhiban"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(reverse("cases:detail", args=[dispatched.pk])).content.decode()
    assert 'id="act-recall"' in page and 'id="act-redispatch"' in page
    power = people["gongdian"].unit
    answer = client.post(reverse("cases:action", args=[dispatched.pk, "redispatch"]),
                         {"redispatch-version": dispatched.version, "redispatch-unit": power.pk, "redispatch-note": ""})
    assert answer.status_code == 200 and "Give a reason" in answer.content.decode()
    answer = client.post(reverse("cases:action", args=[dispatched.pk, "redispatch"]),
                         {"redispatch-version": dispatched.version, "redispatch-unit": power.pk,
                          "redispatch-note": "改派供电公司"})
    assert answer.status_code == 302
    case = Case.objects.get(pk=dispatched.pk)
    assert case.unit == power
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f"{people['chengguan'].unit.name} → {power.name}" in page
    answer = client.post(reverse("api:case-recall", args=[case.pk]), {"version": case.version, "note": "撤回"},
                         content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert Case.objects.get(pk=case.pk).state == S.REGISTERED


def test_the_reporter_reads_a_recall_and_a_redispatch_as_a_return_and_a_dispatch(dispatched, people):
    from wenming.public.selectors import public_steps

    wf.case_recall(case_id=dispatched.pk, actor=people["zhiban"], note="撤回")
    wf.case_dispatch(case_id=dispatched.pk, actor=people["paiqian"], unit=people["chengguan"].unit)
    power = people["gongdian"].unit
    case = wf.case_redispatch(case_id=dispatched.pk, actor=people["zhiban"], unit=power, note="改派")
    texts = [step.text for step in public_steps(case)]
    assert "Being sent to the right department" in texts and texts[-1] == f"Dispatched to {power.name}"


def test_recall_and_redispatch_close_the_notices_the_losing_unit_can_no_longer_answer(dispatched, people):
    first = notice_issue(case_id=dispatched.pk, actor=people["zhiban"], demand="今日内处置")
    second = notice_issue(case_id=dispatched.pk, actor=people["zhiban"], demand="说明原因")
    notice_answer(notice_id=second.pk, actor=people["chengguan"], answer="已安排")
    case = wf.case_recall(case_id=dispatched.pk, actor=people["zhiban"], note="单位无人值守")
    event = case.events.order_by("-seq").first()
    assert event.data["notices_withdrawn"] == sorted([first.pk, second.pk])
    assert set(SupervisionNotice.objects.filter(case=case).values_list("state", flat=True)) == {"closed"}
    # The next unit's notices are its own: a re-dispatch closes only those of the unit that loses the case.
    unit = people["chengguan"].unit
    case = wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=unit)
    third = notice_issue(case_id=case.pk, actor=people["zhiban"], demand="再次督办")
    target = type(unit).objects.exclude(pk=unit.pk).filter(is_active=True).first()
    case = wf.case_redispatch(case_id=case.pk, actor=people["zhiban"], unit=target, note="职责不符，改派")
    assert case.events.order_by("-seq").first().data["notices_withdrawn"] == [third.pk]
    assert SupervisionNotice.objects.get(pk=third.pk).state == "closed"
