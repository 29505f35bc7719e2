import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from wenming.cases.models import Case, EscalationLevel, SupervisionNotice
from wenming.cases.services import escalation as esc
from wenming.cases.services import workflow as wf
from wenming.common.calendar import deadline_add
from wenming.org.models import Area

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
L = EscalationLevel


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield



@pytest.fixture
def handling_case(people):
    unit = people["chengguan"].unit
    grid = Area.objects.filter(level="grid", path__startswith=unit.area.path).first()
    case = wf.case_intake(channel="grid", description="垃圾堆积", lng=grid.lng, lat=grid.lat, category="SJ0101")
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=unit)
    return wf.case_sign(case_id=case.pk, actor=people["chengguan"])


def test_levels_follow_working_time_around_the_deadline(handling_case):
    policy = esc.escalation_policy()
    policy.remind_before_hours, policy.yellow_after_hours, policy.red_after_hours = Decimal(2), Decimal(0), Decimal(6.5)
    policy.save()
    case = handling_case
    case.handle_due = dt.datetime(2026, 12, 1, 16, 0, tzinfo=TZ)  # a Tuesday, 16:00
    assert esc.escalation_level(case, now=dt.datetime(2026, 12, 1, 9, 0, tzinfo=TZ)) == L.NONE
    assert esc.escalation_level(case, now=dt.datetime(2026, 12, 1, 14, 30, tzinfo=TZ)) == L.REMINDER
    assert esc.escalation_level(case, now=dt.datetime(2026, 12, 1, 16, 0, tzinfo=TZ)) == L.REMINDER
    assert esc.escalation_level(case, now=dt.datetime(2026, 12, 1, 16, 1, tzinfo=TZ)) == L.YELLOW
    # 6.5 working hours late: 16:00 → 17:30 is 1.5 h, next day 08:30-12:00 3.5 h, 14:30-16:00 1.5 h.
    assert esc.escalation_level(case, now=dt.datetime(2026, 12, 2, 15, 59, tzinfo=TZ)) == L.YELLOW
    assert esc.escalation_level(case, now=dt.datetime(2026, 12, 2, 16, 0, tzinfo=TZ)) == L.RED
    # A night and a weekend add no lateness: Friday 17:30 to Monday 08:30 is no working time.
    case.handle_due = dt.datetime(2026, 12, 4, 17, 30, tzinfo=TZ)
    assert esc.escalation_level(case, now=dt.datetime(2026, 12, 7, 8, 30, tzinfo=TZ)) == L.YELLOW


def test_closed_or_shelved_cases_are_not_escalated(handling_case):
    case = handling_case
    case.state = "shelved"
    assert esc.escalation_level(case, now=case.handle_due + dt.timedelta(days=30)) == L.NONE


def test_notice_is_issued_answered_and_closed_with_events(handling_case, people):
    notice = esc.notice_issue(case_id=handling_case.pk, actor=people["zhiban"], demand="今日内清理完毕", answer_within_hours=4)
    assert notice.state == SupervisionNotice.State.ISSUED and notice.unit.code == "CGJ-131102"
    assert notice.answer_due == deadline_add(notice.created_at, 4, "working_hours")
    with pytest.raises(wf.NotAllowed):
        esc.notice_answer(notice_id=notice.pk, actor=people["zhiban"], answer="x")
    with pytest.raises(wf.CaseNotFound):
        esc.notice_answer(notice_id=notice.pk, actor=people["gongdian"], answer="x")
    with pytest.raises(wf.IllegalTransition):
        esc.notice_close(notice_id=notice.pk, actor=people["zhiban"])
    notice = esc.notice_answer(notice_id=notice.pk, actor=people["chengguan"], answer="已安排清运车辆，17时前完成")
    assert notice.state == SupervisionNotice.State.ANSWERED
    with pytest.raises(wf.IllegalTransition):
        esc.notice_answer(notice_id=notice.pk, actor=people["chengguan"], answer="again")
    notice = esc.notice_close(notice_id=notice.pk, actor=people["zhiban"])
    actions = list(Case.objects.get(pk=handling_case.pk).events.values_list("action", flat=True))
    assert actions[-3:] == ["notice_issued", "notice_answered", "notice_closed"]


def test_area_leader_may_issue_but_a_unit_may_not(handling_case, people):
    assert esc.notice_issue(case_id=handling_case.pk, actor=people["taocheng"], demand="加快处置").pk
    with pytest.raises(wf.NotAllowed):
        esc.notice_issue(case_id=handling_case.pk, actor=people["chengguan"], demand="x")
    with pytest.raises(wf.WorkflowError, match="Say what"):
        esc.notice_issue(case_id=handling_case.pk, actor=people["zhiban"], demand=" ")


def test_dispatch_notifies_the_unit_in_app_and_by_sms(handling_case, people):
    from wenming.common.models import Notification

    rows = Notification.objects.filter(key__startswith=f"case:{handling_case.pk}:")
    recipients = set(rows.filter(channel="in_app").values_list("recipient__username", flat=True))
    assert {"chengguan", "chengguan_lead"} <= recipients
    assert rows.filter(channel="sms").exists()


def test_scan_notifies_once_per_level_and_deadline(handling_case, people):
    from wenming.common.models import Notification

    case = handling_case
    late = case.handle_due + dt.timedelta(days=10)
    first = esc.escalations_scan(now=late)
    assert first[L.RED.label] >= 1
    keys = set(Notification.objects.filter(key__startswith=f"esc:{case.pk}:").values_list("recipient__username", flat=True))
    assert {"chengguan", "chengguan_lead", "taocheng"} <= keys  # red reaches the area leader
    again = esc.escalations_scan(now=late + dt.timedelta(hours=1))
    assert again[L.RED.label] == 0


@pytest.mark.parametrize("hours", [Decimal("480.1"), 99999.99, "1e9", 0, Decimal("0.4"), -4, "nan", "inf", float("inf"), "x"])
def test_notice_answer_time_is_bounded_by_the_service_naming_the_field(handling_case, people, hours):
    before = handling_case.events.count()
    with pytest.raises(wf.WorkflowError, match=r"Answer within \(working hours\): from 0.5 to 480"):
        esc.notice_issue(case_id=handling_case.pk, actor=people["zhiban"], demand="今日内处理", answer_within_hours=hours)
    assert not SupervisionNotice.objects.filter(case=handling_case).exists()
    assert handling_case.events.count() == before


@pytest.mark.parametrize("hours", [Decimal("0.5"), 480])
def test_notice_answer_time_at_its_bounds_is_taken(handling_case, people, hours):
    notice = esc.notice_issue(case_id=handling_case.pk, actor=people["zhiban"], demand="今日内处理", answer_within_hours=hours)
    assert notice.answer_due == deadline_add(notice.created_at, Decimal(str(hours)), "working_hours")


def test_an_issued_notice_reaches_the_units_handlers_and_leaders(handling_case, people):
    from wenming.common.models import Notification

    esc.notice_issue(case_id=handling_case.pk, actor=people["taocheng"], demand="今日内清理完毕")
    case = Case.objects.get(pk=handling_case.pk)
    rows = Notification.objects.filter(key=f"case:{case.pk}:{case.version}")
    assert {"chengguan", "chengguan_lead"} <= set(rows.filter(channel="in_app").values_list("recipient__username", flat=True))
    assert {"chengguan", "chengguan_lead"} <= set(rows.filter(channel="sms").values_list("recipient__username", flat=True))
    assert rows.filter(channel="in_app").first().subject == f"Case {case.number}: supervision notice (督办单) to answer"


def test_a_notice_takes_the_cases_level_at_least_yellow_or_the_one_chosen(handling_case, people):
    from django.utils import timezone

    from wenming.scoring.selectors import panel_escalations

    on_time = esc.notice_issue(case_id=handling_case.pk, actor=people["zhiban"], demand="加快处置")
    assert on_time.level == L.YELLOW  # not late yet: at least yellow
    chosen = esc.notice_issue(case_id=handling_case.pk, actor=people["zhiban"], demand="严重", level=L.RED)
    assert chosen.level == L.RED
    with pytest.raises(wf.WorkflowError, match="yellow or a red card"):
        esc.notice_issue(case_id=handling_case.pk, actor=people["zhiban"], demand="x", level=L.REMINDER)
    Case.objects.filter(pk=handling_case.pk).update(handle_due=timezone.now() - dt.timedelta(days=10))
    late = esc.notice_issue(case_id=handling_case.pk, actor=people["zhiban"], demand="已红牌")
    assert late.level == L.RED and late.case.events.order_by("-seq").first().data["level"] == L.RED
    # The dashboard counts each notice at its own level.
    rows = {r["level"]: r["n"] for r in panel_escalations(people["zhiban"], now=timezone.now())["rows"]}
    assert rows == {L.YELLOW: 1, L.RED: 2}


def test_the_case_page_offers_the_cases_level_and_posts_the_chosen_one(handling_case, people, client):
    from django.urls import reverse
    from django.utils import timezone

    Case.objects.filter(pk=handling_case.pk).update(handle_due=timezone.now() - dt.timedelta(days=10))
    client.force_login(people["zhiban"])
    page = client.get(reverse("cases:detail", args=[handling_case.pk])).content.decode()
    assert f'<option value="{int(L.RED)}" selected>' in page
    case = Case.objects.get(pk=handling_case.pk)
    answer = client.post(reverse("cases:action", args=[case.pk, "notice"]), {
        "notice-version": case.version, "notice-level": int(L.YELLOW), "notice-demand": "限期整改", "notice-hours": 4})
    assert answer.status_code == 302
    assert SupervisionNotice.objects.get(case=case).level == L.YELLOW


def test_the_open_notice_list_puts_overdue_answers_first_within_the_scope(handling_case, people, client):
    from django.urls import reverse
    from django.utils import timezone

    first = esc.notice_issue(case_id=handling_case.pk, actor=people["zhiban"], demand="第一单", answer_within_hours=8)
    late = esc.notice_issue(case_id=handling_case.pk, actor=people["zhiban"], demand="逾期未复", answer_within_hours=8)
    SupervisionNotice.objects.filter(pk=late.pk).update(answer_due=timezone.now() - dt.timedelta(hours=1))
    done = esc.notice_issue(case_id=handling_case.pk, actor=people["zhiban"], demand="已办结")
    esc.notice_answer(notice_id=done.pk, actor=people["chengguan"], answer="已处理")
    esc.notice_close(notice_id=done.pk, actor=people["zhiban"])
    url = reverse("cases:notices")
    for name in ("zhiban", "shouli", "paiqian", "taocheng"):
        client.force_login(people[name])
        page = client.get(url).content.decode()
        assert page.index(f'data-notice="{late.pk}"') < page.index(f'data-notice="{first.pk}"'), name
        assert f'data-notice="{done.pk}"' not in page and 'id="nav-notices"' in page, name
        assert 'id="home-notices"' in client.get(reverse("home")).content.decode(), name
    # An area leader of another district: the list is open to them, these notices are not in it.
    from wenming.org.models import Person, Role, RoleAssignment

    elsewhere = Person.objects.create_user(username="other_district", is_staff=True)
    RoleAssignment.objects.create(person=elsewhere, role=Role.AREA_LEADER,
                                  area=Area.objects.filter(level="county").exclude(code="131102").first())
    client.force_login(elsewhere)
    page = client.get(url)
    assert page.status_code == 200 and "data-notice=" not in page.content.decode()
    for name in ("chengguan", "chengguan_lead", "jiedao", "gongdian", "wangge", "anfang", "admin"):
        client.force_login(people[name])
        assert client.get(url).status_code == 404, name
        assert 'id="nav-notices"' not in client.get(reverse("home")).content.decode(), name
