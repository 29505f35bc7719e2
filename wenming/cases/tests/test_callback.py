"""电话回访: the hotline calls the reporter of a closed case back and records the rating as the reporter's own
follow-up (the same 满意率, the same "not fixed" decision); calls that do not reach the citizen are logged and
tried again up to WENMING_CALLBACK_ATTEMPTS; one rating per closing, whichever way it came."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from wenming.cases import selectors
from wenming.cases.models import Case, CaseEvent, CaseState, EventAction, FollowUp, FollowUpChannel
from wenming.cases.services import workflow as wf
from wenming.cases.services.actions import CASE_ACTIONS, actions_for
from wenming.cases.services.errors import CaseNotFound, IllegalTransition, NotAllowed, WorkflowError
from wenming.cases.services.followup import followup_callback, followup_decide, followup_record
from wenming.cases.tests.test_views import PNG, advance, routed_grid

pytestmark = pytest.mark.django_db
S = CaseState
E = EventAction
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _media_english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.WENMING_CALLBACK_ATTEMPTS = 3
    with translation.override("en"):
        yield


@pytest.fixture
def closed(people):
    grid = routed_grid("SJ0401", "CGJ-131102", "131102")

    def make(*, channel="hotline", phone=PHONE) -> Case:
        case = wf.case_intake(channel=channel, description="路口流动摊贩占道经营", lng=grid.lng, lat=grid.lat,
                              category="SJ0401", reporter_name="王女士", reporter_phone=phone,
                              actor=people["shouli"] if channel != "grid" else None)
        return advance(case, S.CLOSED, people)

    return make


def _offered(case, person) -> bool:
    return "callback" in {a.key for a in actions_for(Case.objects.get(pk=case.pk), person)}


def test_a_reached_callback_is_the_reporters_rating_over_the_hotline(closed, people):
    case = closed()
    assert _offered(case, people["shouli"]) and _offered(case, people["zhiban"])
    follow_up = followup_callback(case_id=case.pk, actor=people["shouli"], reached=True, rating="basically_satisfied",
                                  fixed=True, comment="处理及时")
    assert (follow_up.channel, follow_up.rating, follow_up.fixed, follow_up.round) == (
        FollowUpChannel.HOTLINE, "basically_satisfied", True, 0)
    event = CaseEvent.objects.get(case=case, action=E.FOLLOW_UP)
    # The event the KPI replay counts for 满意率, with who called.
    assert event.actor == people["shouli"] and event.note == "处理及时"
    assert event.data == {"rating": "basically_satisfied", "fixed": True, "channel": "hotline",
                          "follow_up": follow_up.pk, "reached": True, "attempt": 1}
    assert Case.objects.get(pk=case.pk).state == S.CLOSED
    # One rating per closing: no second call, and the web page the SMS links to says it is rated.
    assert not _offered(case, people["zhiban"])
    with pytest.raises(IllegalTransition, match="already been rated"):
        followup_callback(case_id=case.pk, actor=people["zhiban"], reached=True, rating="satisfied", fixed=True)
    with pytest.raises(IllegalTransition, match="already been rated"):
        followup_record(case_id=case.pk, rating="satisfied", fixed=True)


def test_a_web_rating_ends_the_callback(closed, people):
    case = closed()
    followup_record(case_id=case.pk, rating="satisfied", fixed=True)
    assert not _offered(case, people["shouli"])
    with pytest.raises(IllegalTransition, match="already been rated"):
        followup_callback(case_id=case.pk, actor=people["shouli"], reached=False)


def test_unreached_calls_are_logged_until_the_limit(closed, people):
    case = closed()
    for attempt in (1, 2):
        assert followup_callback(case_id=case.pk, actor=people["shouli"], reached=False, comment="无人接听") is None
        assert _offered(case, people["shouli"]), attempt
    attempts = CaseEvent.objects.filter(case=case, action=E.CALLBACK_UNREACHED).order_by("seq")
    assert [(e.data["attempt"], e.data["attempts"], e.note, e.actor_id) for e in attempts] == [
        (1, 3, "无人接听", people["shouli"].pk), (2, 3, "无人接听", people["shouli"].pk)]
    assert not FollowUp.objects.filter(case=case).exists()  # no rating: 满意率 does not count a call nobody took
    followup_callback(case_id=case.pk, actor=people["zhiban"], reached=False, comment="关机")
    assert not _offered(case, people["shouli"])
    with pytest.raises(IllegalTransition, match="not reached in 3 calls"):
        followup_callback(case_id=case.pk, actor=people["shouli"], reached=False)
    # The locked check refuses the same even when the friendly one is skipped (an out-of-date page posting).
    with pytest.raises(IllegalTransition, match="No callback is due"):
        wf.case_check(Case.objects.get(pk=case.pk), action=CASE_ACTIONS["callback"], actor=people["shouli"])


def test_the_to_call_back_queue_holds_exactly_the_cases_a_callback_is_due_on(closed, people):
    due, rated, tried_out, reached = closed(), closed(), closed(), closed()
    no_phone, grid = closed(phone=""), closed(channel="grid")
    followup_record(case_id=rated.pk, rating="satisfied", fixed=True)
    for _ in range(3):
        followup_callback(case_id=tried_out.pk, actor=people["shouli"], reached=False)
    followup_callback(case_id=due.pk, actor=people["shouli"], reached=False)  # one failed call: still due
    followup_callback(case_id=reached.pk, actor=people["shouli"], reached=True, rating="satisfied", fixed=True)
    in_queue = [c.pk for c in selectors.case_queue(user=people["shouli"], queue="to_call_back")]
    assert due.pk in in_queue
    assert not {rated.pk, tried_out.pk, reached.pk, no_phone.pk, grid.pk} & set(in_queue)
    # The queue and the page agree, case by case.
    for case in (due, rated, tried_out, reached, no_phone, grid):
        assert _offered(case, people["shouli"]) == (case.pk in in_queue), case.pk


def test_a_call_that_reaches_after_failed_ones_counts_its_attempt(closed, people):
    case = closed()
    followup_callback(case_id=case.pk, actor=people["shouli"], reached=False, comment="占线")
    followup_callback(case_id=case.pk, actor=people["shouli"], reached=True, rating="satisfied", fixed=True)
    assert CaseEvent.objects.get(case=case, action=E.FOLLOW_UP).data["attempt"] == 2


def test_not_fixed_on_the_phone_goes_to_the_same_decision_as_on_the_web(closed, people):
    case = closed()
    followup_callback(case_id=case.pk, actor=people["shouli"], reached=True, rating="dissatisfied", fixed=False,
                      comment="摊贩晚上又来了")
    queue = selectors.case_queue(user=people["zhiban"], queue="not_fixed")
    assert case.pk in {c.pk for c in queue}
    followup_decide(case_id=case.pk, actor=people["zhiban"], reopen=True, note="重新派遣")
    case.refresh_from_db()
    assert case.state == S.REGISTERED and case.reopen_count == 1
    # Closed again: a new closing is called back afresh, its failed calls counted anew.
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"])
    wf.case_sign(case_id=case.pk, actor=people["chengguan"])
    wf.case_submit(case_id=case.pk, actor=people["chengguan"], note="已清理", photos=[wf.Upload("a.png", PNG)])
    wf.case_verify(case_id=case.pk, actor=people["anfang"], passed=True)
    case = wf.case_close(case_id=case.pk, actor=people["zhiban"])
    assert _offered(case, people["shouli"])
    follow_up = followup_callback(case_id=case.pk, actor=people["shouli"], reached=True, rating="satisfied", fixed=True)
    assert follow_up.round == 1


def test_only_the_hotline_operators_call_back_and_only_in_their_scope(closed, people):
    case = closed()
    for name in ("paiqian", "chengguan", "anfang", "taocheng"):
        assert not _offered(case, people[name]), name
    with pytest.raises(NotAllowed):
        followup_callback(case_id=case.pk, actor=people["paiqian"], reached=False)
    with pytest.raises(CaseNotFound):  # the power company's handler does not see the case at all
        followup_callback(case_id=case.pk, actor=people["gongdian"], reached=False)
    assert not CaseEvent.objects.filter(case=case, action=E.CALLBACK_UNREACHED).exists()


@pytest.mark.parametrize(("channel", "phone", "reason"), [
    ("grid", PHONE, "Only cases reported by the public"),
    ("hotline", "", "no phone number"),
])
def test_no_callback_without_a_member_of_the_public_to_call(closed, people, channel, phone, reason):
    case = closed(channel=channel, phone=phone)
    assert not _offered(case, people["shouli"])
    with pytest.raises(IllegalTransition, match=reason):
        followup_callback(case_id=case.pk, actor=people["shouli"], reached=False)


def test_only_a_closed_case_is_called_back(people):
    grid = routed_grid("SJ0401", "CGJ-131102", "131102")
    case = advance(wf.case_intake(channel="hotline", description="占道", lng=grid.lng, lat=grid.lat, category="SJ0401",
                                  reporter_phone=PHONE, actor=people["shouli"]), S.VERIFIED, people)
    with pytest.raises(IllegalTransition, match="Only a closed case"):
        followup_callback(case_id=case.pk, actor=people["shouli"], reached=False)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"rating": "", "fixed": True}, "Choose how satisfied"),
    ({"rating": "delighted", "fixed": True}, "Choose how satisfied"),
    ({"rating": "dissatisfied", "fixed": False, "comment": "  "}, "Say what is still not fixed"),
    ({"rating": "satisfied", "fixed": True, "comment": "长" * 1001}, "longer than 1000"),
])
def test_bad_callback_input_is_refused_by_name(closed, people, kwargs, message):
    case = closed()
    with pytest.raises(WorkflowError, match=message):
        followup_callback(case_id=case.pk, actor=people["shouli"], reached=True, **kwargs)
    with pytest.raises(WorkflowError, match="longer than 1000"):
        followup_callback(case_id=case.pk, actor=people["shouli"], reached=False, comment="长" * 1001)
    assert not CaseEvent.objects.filter(case=case, action__in=[E.FOLLOW_UP, E.CALLBACK_UNREACHED]).exists()


def test_a_stale_page_is_refused(closed, people):
    case = closed()
    with pytest.raises(wf.StaleCase):
        followup_callback(case_id=case.pk, actor=people["shouli"], reached=False, expected_version=case.version - 1)


# -- the case page and the REST API ------------------------------------------------------------------------

def _post(client, case, **fields):
    data = {"callback-version": Case.objects.get(pk=case.pk).version, **{f"callback-{k}": v for k, v in fields.items()}}
    return client.post(reverse("cases:action", args=[case.pk, "callback"]), data, follow=True)


def test_the_case_page_records_calls_and_lists_them(english, closed, people):
    client = english
    case = closed()
    client.force_login(people["shouli"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="act-callback"' in page and f'href="tel:{PHONE}"' in page and "王女士" in page
    answer = _post(client, case, reached="no", note="无人接听")
    assert answer.status_code == 200
    page = answer.content.decode()
    assert 'id="callbacks"' in page and "not reached (call 1 of 3)" in page and "无人接听" in page
    # Reached without saying what the citizen said: the form names the fields, nothing is recorded.
    page = _post(client, case, reached="yes").content.decode()
    assert "Rating: choose what the citizen said." in page and "Fixed: choose what the citizen said." in page
    assert not FollowUp.objects.filter(case=case).exists()
    page = _post(client, case, reached="yes", rating="dissatisfied", fixed="no", note="还有垃圾").content.decode()
    follow_up = FollowUp.objects.get(case=case)
    assert (follow_up.channel, follow_up.fixed, follow_up.comment) == ("hotline", False, "还有垃圾")
    assert 'id="act-callback"' not in page and "not fixed" in page
    # The unit sees the calls on its case (not whom they called), and is offered none.
    client.force_login(people["chengguan"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="callbacks"' in page and 'id="act-callback"' not in page and PHONE not in page


def test_the_rest_api_records_a_call(english, closed, people):
    client = english
    case = closed()
    client.force_login(people["zhiban"])
    url = reverse("api:case-callback", args=[case.pk])
    detail = client.get(reverse("api:case-detail", args=[case.pk])).json()
    assert "callback" in detail["actions"]
    refused = client.post(url, {"reached": True}, content_type="application/json")
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"rating", "fixed"}
    answer = client.post(url, {"reached": False, "note": "关机", "version": detail["version"]},
                         content_type="application/json")
    assert answer.status_code == 200 and answer.json()["events"][-1]["action"] == "callback_unreached"
    answer = client.post(url, {"reached": True, "rating": "satisfied", "fixed": True}, content_type="application/json")
    assert answer.status_code == 200 and "callback" not in answer.json()["actions"]
    assert FollowUp.objects.get(case=case).channel == "hotline"
    client.force_login(people["paiqian"])
    assert client.post(url, {"reached": False}, content_type="application/json").status_code == 403


def test_hotline_callbacks_feed_the_satisfaction_rate_as_web_ratings_do():
    """满意率 counts a reached call like a web rating, and an unreached call not at all (scoring's own week)."""
    from wenming.scoring.services import kpi
    from wenming.scoring.tests.scenario import WEEK_END, WEEK_START, Walk, at, build_week, clock

    week = build_week()
    walk = Walk()
    Case.objects.filter(pk__in=[week["A"].pk, week["B"].pk, week["C"].pk]).update(reporter_phone=PHONE)
    with clock(at(3, 10)):
        followup_callback(case_id=week["A"].pk, actor=walk.p["shouli"], reached=True, rating="satisfied", fixed=True)
        followup_callback(case_id=week["B"].pk, actor=walk.p["shouli"], reached=False, comment="无人接听")
        followup_record(case_id=week["C"].pk, rating="dissatisfied", fixed=True, comment="太慢")
    figures = kpi.compute_kpis(subject="unit", start=WEEK_START, end=WEEK_END)[str(walk.unit.pk)].figures(
        kpi.SUBJECT_INDICATORS["unit"])
    assert (figures["satisfaction_rate"]["num"], figures["satisfaction_rate"]["den"]) == (1, 2)
