"""Every case event goes out the same way (event_append → webhooks and notifications), and every text it shows or
sends — the timeline's labels, the notifications — is in the Chinese catalogue."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from wenming.cases.models import CaseEvent, EscalationLevel, EventAction, Webhook, WebhookDelivery
from wenming.cases.services import escalation as esc
from wenming.cases.services import workflow as wf
from wenming.cases.services.actions import CASE_ACTIONS
from wenming.common.models import Notification
from wenming.org.models import Area

pytestmark = pytest.mark.django_db
NUMBER, CODE = "202603020000001", "ABCD2345"


def _chinese(english: str, chinese: str, *, codes: tuple[str, ...] = ()) -> bool:
    """Translated: changed, and no ASCII letter left once the codes put into it are taken out."""
    for code in codes:
        chinese = chinese.replace(code, "")
    return chinese != english and not re.search(r"[A-Za-z]", chinese)


def test_every_event_label_and_action_label_is_translated():
    for member in EventAction:
        with translation.override("en"):
            english = str(member.label)
        with translation.override("zh-hans"):
            assert _chinese(english, str(member.label)), member.value
    for action in CASE_ACTIONS.values():
        with translation.override("en"):
            english = str(action.label)
        with translation.override("zh-hans"):
            assert _chinese(english, str(action.label)), action.key


def test_every_notification_text_is_translated():
    texts = [(str(subject), {"number": NUMBER}) for messages in wf._NOTIFY.values() for _to, subject, _ch in messages]
    texts.append(("Case %(number)s: %(level)s", {"number": NUMBER, "level": EscalationLevel.RED.label}))
    texts.append(("Your report %(number)s has been dealt with and closed. Tracking code: %(code)s.",
                  {"number": NUMBER, "code": CODE}))
    texts.append(("Your report %(number)s has been closed. Rate the result: %(url)s",
                  {"number": NUMBER, "url": f"https://x.cn/track/{CODE}/"}))
    for msgid, values in texts:
        with translation.override("en"):
            english = translation.gettext(msgid) % {k: str(v) for k, v in values.items()}
        with translation.override("zh-hans"):
            chinese = translation.gettext(msgid) % {k: str(v) for k, v in values.items()}
        assert _chinese(english, chinese, codes=(f"https://x.cn/track/{CODE}/", NUMBER, CODE)), msgid


def test_a_unit_is_notified_in_chinese(people):
    unit = people["chengguan"].unit
    grid = Area.objects.filter(level="grid", path__startswith=unit.area.path).first()
    with translation.override("zh-hans"):
        case = wf.case_intake(channel="grid", description="垃圾堆积", lng=grid.lng, lat=grid.lat, category="SJ0101")
        wf.case_register(case_id=case.pk, actor=people["shouli"])
        wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=unit)
    subjects = set(Notification.objects.filter(key=f"case:{case.pk}:2").values_list("subject", flat=True))
    assert subjects and all(_chinese("", s, codes=(case.number,)) for s in subjects), subjects


def test_supervision_notices_reach_the_webhooks_like_every_change(people):
    receiver_url = "http://127.0.0.1:9/hook"
    every = Webhook.objects.create(name="全部变化", url=receiver_url)  # no actions listed: every change
    answers = Webhook.objects.create(name="只要督办回复", url=receiver_url, actions=["notice_answered"])
    unit = people["chengguan"].unit
    grid = Area.objects.filter(level="grid", path__startswith=unit.area.path).first()
    case = wf.case_intake(channel="grid", description="垃圾堆积", lng=grid.lng, lat=grid.lat, category="SJ0101")
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=unit)
    notice = esc.notice_issue(case_id=case.pk, actor=people["zhiban"], demand="今日内清理完毕")
    esc.notice_answer(notice_id=notice.pk, actor=people["chengguan"], answer="已清理")
    esc.notice_close(notice_id=notice.pk, actor=people["zhiban"])

    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    assert [e.action for e in events][-3:] == ["notice_issued", "notice_answered", "notice_closed"]
    sent = set(WebhookDelivery.objects.filter(webhook=every).values_list("event_id", flat=True))
    assert sent == {e.pk for e in events}  # the report, each step and each notice event
    assert list(WebhookDelivery.objects.filter(webhook=answers).values_list("event__action", flat=True)) == [
        "notice_answered"]


def test_merge_writes_me_too_on_the_open_case_through_the_same_outbox(people):
    Webhook.objects.create(name="全部变化", url="http://127.0.0.1:9/hook")
    unit = people["chengguan"].unit
    grid = Area.objects.filter(level="grid", path__startswith=unit.area.path).first()
    first = wf.case_intake(channel="hotline", description="垃圾堆积", lng=grid.lng, lat=grid.lat, category="SJ0101",
                           actor=people["shouli"])
    second = wf.case_intake(channel="hotline", description="垃圾堆积又报", lng=grid.lng, lat=grid.lat,
                            category="SJ0101", actor=people["shouli"])
    wf.case_merge(case_id=second.pk, into_id=first.pk, actor=people["shouli"])
    me_too = CaseEvent.objects.get(case=first, action=EventAction.ME_TOO)
    assert me_too.data == {"merged": second.pk} and me_too.seq == 1
    assert WebhookDelivery.objects.filter(event=me_too).exists()
    assert WebhookDelivery.objects.filter(event__case=second, event__action=EventAction.MERGE).exists()
