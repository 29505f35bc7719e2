"""Service tests for every workflow transition and refusal (DESIGN.md section 3)."""

import datetime as dt
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from wenming.cases.models import Case, CaseEvent, CaseState, Category
from wenming.cases.services import workflow as wf
from wenming.cases.services.workflow import Upload
from wenming.common.calendar import deadline_add, working_time_between
from wenming.conftest import photo_bytes
from wenming.org.models import Area, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]
TZ = ZoneInfo("Asia/Shanghai")
PNG = photo_bytes()
S = CaseState




@pytest.fixture
def stall_case(people):
    """占道经营 at a 桃城区 grid's centre: routed by the district rule to its urban-management branch."""
    category = Category.objects.get(code="SJ0401")
    for grid in Area.objects.filter(level="grid", code__startswith="131102").order_by("code"):
        case = wf.case_intake(channel="hotline", description="路口有流动摊贩占道", lng=grid.lng, lat=grid.lat,
                              category=category, actor=people["shouli"], reporter_phone="13800000000")
        if case.routing.get("unit_name") == Unit.objects.get(code="CGJ-131102").name:
            return case
    raise AssertionError("no grid in 桃城区 routes 占道经营 to CGJ-131102")


def at(*args):
    return dt.datetime(*args, tzinfo=TZ)


def _states(case):
    return list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("action", "from_state", "to_state"))


def test_intake_routes_sets_registration_deadline_and_logs_the_report(stall_case, people):
    case = stall_case
    assert case.state == S.REPORTED and case.version == 0
    assert case.grid.level == "grid" and case.area_path == case.grid.path
    assert case.routing["rule"] == "area_rule"
    assert case.register_due == deadline_add(case.reported_at, Decimal("0.5"), "working_hours")
    event = case.events.get()
    assert (event.seq, event.action, event.to_state, event.actor) == (0, "report", S.REPORTED, people["shouli"])
    assert len(case.tracking_code) == 10 and case.number.endswith(f"{case.pk:07d}")


def test_full_walk_with_return_extension_rework(stall_case, people):
    case, p = stall_case, people
    case = wf.case_register(case_id=case.pk, actor=p["shouli"])
    case = wf.case_dispatch(case_id=case.pk, actor=p["paiqian"])
    assert case.unit.code == "CGJ-131102" and case.handle_due > case.dispatched_at
    case = wf.case_request_return(case_id=case.pk, actor=p["chengguan"], note="属地不符")
    case = wf.case_decide_return(case_id=case.pk, actor=p["zhiban"], approve=True, note="改派")
    assert case.state == S.REGISTERED and case.unit is None and case.return_count == 1
    case = wf.case_dispatch(case_id=case.pk, actor=p["paiqian"], unit=Unit.objects.get(code="CGJ-131102"))
    case = wf.case_sign(case_id=case.pk, actor=p["chengguan"])
    due = case.handle_due
    case = wf.case_request_extension(case_id=case.pk, actor=p["chengguan"], amount=2, unit="working_days", note="需协调")
    assert case.pending_request == "extension" and case.state == S.HANDLING
    case = wf.case_decide_request(case_id=case.pk, actor=p["zhiban"], approve=True)
    assert case.handle_due == deadline_add(due, 2, "working_days") and case.pending_request == ""
    case = wf.case_submit(case_id=case.pk, actor=p["chengguan"], note="已清理", photos=[Upload("after.png", PNG)])
    assert case.verify_due is not None and case.evidence.filter(kind="after").count() == 1
    case = wf.case_verify(case_id=case.pk, actor=p["anfang"], passed=False, note="摊贩仍在")
    assert case.state == S.HANDLING and case.rework_count == 1 and case.verify_due is None
    case = wf.case_submit(case_id=case.pk, actor=p["chengguan"], note="再次清理", photos=[Upload("after2.png", PNG)])
    case = wf.case_verify(case_id=case.pk, actor=p["anfang"], passed=True)
    case = wf.case_close(case_id=case.pk, actor=p["zhiban"])
    assert case.state == S.CLOSED and case.closed_at is not None
    assert [a for a, *_ in _states(case)] == [
        "report", "register", "dispatch", "return_request", "return_approved", "dispatch", "sign",
        "extension_request", "request_granted", "submit", "rework", "submit", "verify_passed", "close",
    ]
    assert list(case.events.values_list("seq", flat=True)) == list(range(case.version + 1))
    case = wf.case_reopen(case_id=case.pk, actor=p["zhiban"], note="市民反映未整改")
    assert case.state == S.REGISTERED and case.reopen_count == 1 and case.closed_at is None


def test_reject_and_void_need_a_reason(stall_case, people):
    with pytest.raises(wf.WorkflowError, match="reason"):
        wf.case_reject(case_id=stall_case.pk, actor=people["shouli"], note=" ")
    case = wf.case_reject(case_id=stall_case.pk, actor=people["shouli"], note="不属于创城问题")
    assert case.state == S.REJECTED and case.closed_at


def test_void_is_for_the_shift_leader(stall_case, people):
    wf.case_register(case_id=stall_case.pk, actor=people["shouli"])
    with pytest.raises(wf.NotAllowed):
        wf.case_void(case_id=stall_case.pk, actor=people["shouli"], note="重复")
    assert wf.case_void(case_id=stall_case.pk, actor=people["zhiban"], note="重复").state == S.VOIDED


def test_refused_return_goes_back_to_the_unit(stall_case, people):
    wf.case_register(case_id=stall_case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=stall_case.pk, actor=people["paiqian"])
    wf.case_request_return(case_id=stall_case.pk, actor=people["chengguan"], note="职能不符")
    case = wf.case_decide_return(case_id=stall_case.pk, actor=people["zhiban"], approve=False, note="属于城管职责")
    assert case.state == S.DISPATCHED and case.unit.code == "CGJ-131102" and case.return_count == 0


def test_wrong_role_out_of_scope_illegal_and_stale_are_refused(stall_case, people):
    p = people
    with pytest.raises(wf.NotAllowed):
        wf.case_register(case_id=stall_case.pk, actor=p["taocheng"])  # the area leader sees it but does not register
    with pytest.raises(wf.CaseNotFound):
        wf.case_register(case_id=stall_case.pk, actor=p["gongdian"])  # the power company cannot even see it
    with pytest.raises(wf.IllegalTransition):
        wf.case_dispatch(case_id=stall_case.pk, actor=p["paiqian"])  # not registered yet
    wf.case_register(case_id=stall_case.pk, actor=p["shouli"], expected_version=0)
    with pytest.raises(wf.StaleCase):
        wf.case_dispatch(case_id=stall_case.pk, actor=p["paiqian"], expected_version=0)
    with pytest.raises(wf.CaseNotFound):
        wf.case_register(case_id=10**9, actor=p["shouli"])
    case = Case.objects.get(pk=stall_case.pk)
    assert case.version == 1 and case.events.count() == 2  # refusals leave no trace


def test_unit_steps_need_the_case_unit(stall_case, people):
    wf.case_register(case_id=stall_case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=stall_case.pk, actor=people["paiqian"])
    with pytest.raises(wf.CaseNotFound):
        wf.case_sign(case_id=stall_case.pk, actor=people["gongdian"])
    with pytest.raises(wf.NotAllowed):
        wf.case_sign(case_id=stall_case.pk, actor=people["paiqian"])
    assert wf.case_sign(case_id=stall_case.pk, actor=people["chengguan_lead"]).state == S.HANDLING


def test_submit_needs_after_photos_of_a_real_image_type_and_no_pending_request(stall_case, people):
    p = people
    wf.case_register(case_id=stall_case.pk, actor=p["shouli"])
    wf.case_dispatch(case_id=stall_case.pk, actor=p["paiqian"])
    wf.case_sign(case_id=stall_case.pk, actor=p["chengguan"])
    with pytest.raises(wf.WorkflowError, match="after-photo"):
        wf.case_submit(case_id=stall_case.pk, actor=p["chengguan"], note="done", photos=[])
    with pytest.raises(wf.WorkflowError, match="not a JPEG"):
        wf.case_submit(case_id=stall_case.pk, actor=p["chengguan"], note="done", photos=[Upload("fake.png", b"GIF89a....")])
    assert Case.objects.get(pk=stall_case.pk).state == S.HANDLING
    wf.case_request_shelving(case_id=stall_case.pk, actor=p["chengguan"], note="需要专项资金")
    with pytest.raises(wf.IllegalTransition, match="already waiting"):
        wf.case_request_extension(case_id=stall_case.pk, actor=p["chengguan"], amount=1, unit="working_days", note="x")
    with pytest.raises(wf.IllegalTransition, match="still waiting"):
        wf.case_submit(case_id=stall_case.pk, actor=p["chengguan"], note="done", photos=[Upload("a.png", PNG)])
    case = wf.case_decide_request(case_id=stall_case.pk, actor=p["zhiban"], approve=False, note="尽快处置")
    assert case.state == S.HANDLING and case.pending_request == ""


def test_shelving_pauses_the_clock(stall_case, people):
    p = people
    start = at(2026, 11, 23, 9, 0)  # a Monday
    with mock.patch.object(timezone, "now", return_value=start):
        wf.case_register(case_id=stall_case.pk, actor=p["shouli"])
        wf.case_dispatch(case_id=stall_case.pk, actor=p["paiqian"])
        wf.case_sign(case_id=stall_case.pk, actor=p["chengguan"])
        wf.case_request_shelving(case_id=stall_case.pk, actor=p["chengguan"], note="冬季无法施工")
        case = wf.case_decide_request(case_id=stall_case.pk, actor=p["zhiban"], approve=True)
    assert case.state == S.SHELVED and not case.is_overdue(at(2027, 1, 1, 9))  # paused: never overdue
    due = case.handle_due
    remaining = working_time_between(start, due)
    resumed = at(2026, 12, 7, 9, 0)
    with mock.patch.object(timezone, "now", return_value=resumed):
        case = wf.case_resume(case_id=stall_case.pk, actor=p["zhiban"])
    assert case.state == S.HANDLING
    assert working_time_between(resumed, case.handle_due) == remaining


def test_rework_sets_a_new_handling_deadline(stall_case, people):
    p = people
    wf.case_register(case_id=stall_case.pk, actor=p["shouli"])
    wf.case_dispatch(case_id=stall_case.pk, actor=p["paiqian"])
    wf.case_sign(case_id=stall_case.pk, actor=p["chengguan"])
    wf.case_submit(case_id=stall_case.pk, actor=p["chengguan"], note="ok", photos=[Upload("a.png", PNG)])
    later = timezone.now() + dt.timedelta(days=3)
    with mock.patch.object(timezone, "now", return_value=later):
        case = wf.case_verify(case_id=stall_case.pk, actor=p["anfang"], passed=False, note="未整改到位")
    assert case.handle_due == deadline_add(later, Decimal("4"), "working_hours")


def test_overdue_is_exact_when_read(stall_case):
    due = stall_case.register_due
    assert not stall_case.is_overdue(due)
    assert stall_case.is_overdue(due + dt.timedelta(microseconds=1))


def test_merge_counts_me_too_on_the_open_case(stall_case, people):
    p = people
    other = wf.case_intake(channel="citizen", description="同一处占道经营", lng=stall_case.lng, lat=stall_case.lat,
                           category="SJ0401", actor=None)
    merged = wf.case_merge(case_id=other.pk, into_id=stall_case.pk, actor=p["shouli"])
    assert merged.state == S.MERGED and merged.parent_id == stall_case.pk
    parent = Case.objects.get(pk=stall_case.pk)
    assert parent.me_too_count == 1 and parent.events.last().action == "me_too"
    with pytest.raises(wf.WorkflowError):
        wf.case_merge(case_id=stall_case.pk, into_id=stall_case.pk, actor=p["shouli"])


def test_intake_refuses_bad_input():
    with pytest.raises(wf.WorkflowError, match="Describe"):
        wf.case_intake(channel="hotline", description="  ")
    with pytest.raises(wf.WorkflowError, match="Unknown channel"):
        wf.case_intake(channel="fax", description="x")
    with pytest.raises(wf.WorkflowError, match="Unknown category"):
        wf.case_intake(channel="hotline", description="x", category="NOPE")
    with pytest.raises(wf.WorkflowError, match="both"):
        wf.case_intake(channel="hotline", description="x", lng=115.5)
    assert not Case.objects.exists()


def test_events_are_append_only(stall_case):
    event = stall_case.events.get()
    event.note = "changed"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_closing_tells_the_reporters_of_merged_reports(stall_case, people):
    from wenming.common.models import Notification

    p = people
    twin = wf.case_intake(channel="citizen", description="同一处", lng=stall_case.lng, lat=stall_case.lat,
                          category="SJ0401", reporter_phone="13911112222")
    wf.case_merge(case_id=twin.pk, into_id=stall_case.pk, actor=p["shouli"])
    wf.case_register(case_id=stall_case.pk, actor=p["shouli"])
    wf.case_dispatch(case_id=stall_case.pk, actor=p["paiqian"])
    wf.case_sign(case_id=stall_case.pk, actor=p["chengguan"])
    wf.case_submit(case_id=stall_case.pk, actor=p["chengguan"], note="ok", photos=[Upload("a.png", PNG)])
    wf.case_verify(case_id=stall_case.pk, actor=p["anfang"], passed=True)
    case = wf.case_close(case_id=stall_case.pk, actor=p["zhiban"])
    sms = Notification.objects.filter(key__startswith=f"closed:{case.pk}:", channel="sms")
    assert set(sms.values_list("to_phone", flat=True)) == {"13800000000", "13911112222"}
    assert case.events.get(action="close").data["reporters_told"] == 2


def test_dispatch_and_rework_record_the_handling_deadline_they_set(stall_case, people):
    case = wf.case_register(case_id=stall_case.pk, actor=people["shouli"])
    case = wf.case_dispatch(case_id=case.pk, actor=people["paiqian"])
    event = CaseEvent.objects.get(case=case, action="dispatch")
    assert event.data["handle_due"] == case.handle_due.isoformat()


def test_tracking_codes_use_the_phone_safe_alphabet_evenly():
    codes = [wf._tracking_code() for _ in range(2000)]
    assert all(len(code) == 10 and set(code) <= set(wf.TRACKING_ALPHABET) for code in codes)
    assert len(set(codes)) == len(codes)
    seen = "".join(codes)
    counts = [seen.count(ch) for ch in wf.TRACKING_ALPHABET]
    assert min(counts) > 0.7 * len(seen) / 32 and max(counts) < 1.3 * len(seen) / 32  # no letter favoured
