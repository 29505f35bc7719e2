"""Delivery claims are leases: a worker's rows go back to pending when its lease runs out, and a worker whose lease
ran out neither posts a row again nor overwrites the outcome of the worker that took it over. Enqueueing the
delivery task never fails the request when the broker is down."""

import datetime as dt
import logging

import pytest
from django.test import override_settings
from django.utils import timezone

from wenming.cases.models import Category, Webhook, WebhookDelivery
from wenming.cases.services import webhooks as wh
from wenming.cases.services import workflow as wf
from wenming.common.models import Notification
from wenming.common.services import notifications as notif
from wenming.org.models import Area

pytestmark = pytest.mark.django_db
D = WebhookDelivery.State
N = Notification.State
BROKER_DOWN = {"TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend"}},
               "RQ_QUEUES": {"default": {"URL": "redis://127.0.0.1:15539/7?socket_connect_timeout=1"}}}


@pytest.fixture
def delivery(people):
    Webhook.objects.create(name="12345", url="http://127.0.0.1:9/hook", actions=["report"])
    grid = Area.objects.filter(level="grid", code__startswith="131102").order_by("code").first()
    wf.case_intake(channel="hotline", description="路口有流动摊贩占道", lng=grid.lng, lat=grid.lat,
                   category=Category.objects.get(code="SJ0401"), actor=people["shouli"])
    return WebhookDelivery.objects.get()


def test_a_dead_workers_rows_come_back_after_the_lease_and_its_late_renewal_fails(delivery, settings):
    settings.WENMING_DELIVERY_LEASE_SECONDS = 60
    stamp = timezone.now()
    assert wh._claim(timezone.now(), stamp) == [delivery.pk]
    assert wh.webhooks_recover() == 0  # the lease still runs
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=stamp - dt.timedelta(seconds=61))
    assert wh.webhooks_recover() == 1
    delivery.refresh_from_db()
    assert delivery.state == D.PENDING
    # Another worker claims it; the first one, back from a stall, may not post it.
    assert wh._claim(timezone.now(), timezone.now()) == [delivery.pk]
    assert wh._renew(delivery.pk, stamp) is None


def test_an_outcome_is_written_only_while_the_lease_is_held(delivery, monkeypatch):
    taken_over = timezone.now() + dt.timedelta(seconds=5)

    def post_while_another_worker_takes_the_row(url, body, headers):
        # The lease ran out during this post and another worker claimed the row.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=taken_over)
        return 200, "ok"

    monkeypatch.setattr(wh, "_post", post_while_another_worker_takes_the_row)
    assert wh.webhooks_deliver() == {"delivered": 0, "retried": 0, "failed": 0}
    delivery.refresh_from_db()
    assert (delivery.state, delivery.next_attempt_at, delivery.attempts) == (D.SENDING, taken_over, 0)


def test_a_delivered_row_is_marked_in_its_own_commit_right_after_the_answer(delivery, monkeypatch):
    seen = []

    def post(url, body, headers):
        seen.append(headers["X-Wenming-Delivery"])
        return 204, ""

    monkeypatch.setattr(wh, "_post", post)
    assert wh.webhooks_deliver()["delivered"] == 1
    assert wh.webhooks_deliver()["delivered"] == 0
    assert seen == [str(delivery.pk)]
    assert WebhookDelivery.objects.get().state == D.DELIVERED


def test_a_notification_waiting_long_is_not_taken_back_the_moment_it_is_claimed(people, settings):
    """The lease starts at the claim, not when the row was queued (an hour ago, while the workers were down)."""
    settings.WENMING_DELIVERY_LEASE_SECONDS = 600
    notif.notifications_enqueue(recipients=[people["shouli"]], key="lease-1", subject="s", channels=["sms"])
    Notification.objects.filter(key="lease-1").update(next_attempt_at=timezone.now() - dt.timedelta(hours=1))
    stamp = timezone.now()
    [claimed] = notif._claim(timezone.now(), stamp)
    assert notif.notifications_recover() == 0
    assert notif._renew(claimed, stamp) is not None


def test_enqueueing_with_the_broker_down_is_logged_and_the_rows_stay(people, delivery, caplog,
                                                                     django_capture_on_commit_callbacks):
    with override_settings(**BROKER_DOWN), caplog.at_level(logging.WARNING):
        with django_capture_on_commit_callbacks(execute=True):
            notif.notifications_enqueue(recipients=[people["shouli"]], key="down-1", subject="s", channels=["sms"])
        wh._enqueue_delivery()
    assert "notifications: the task queue refused the delivery task" in caplog.text
    assert "webhooks: the task queue refused the delivery task" in caplog.text
    assert Notification.objects.get(key="down-1", channel="sms").state == N.PENDING
    assert WebhookDelivery.objects.get().state == D.PENDING



def test_an_sms_resent_after_a_lost_lease_carries_the_same_key(people, settings):
    from wenming.public.tests import sms

    settings.WENMING_SMS_BACKEND = "wenming.public.tests.sms.RecordingSMSBackend"
    sms.OUTBOX.clear()
    notif.notifications_enqueue_sms(phones=["13800000001"], key="event-9", text="已办结")
    assert notif.notifications_deliver()["sent"] == 1
    # As if the worker had died after the gateway took it and before the commit: sent again, same key and phone.
    Notification.objects.update(state=N.PENDING, next_attempt_at=timezone.now())
    assert notif.notifications_deliver()["sent"] == 1
    assert [(m["phone"], m["key"]) for m in sms.OUTBOX] == [("13800000001", "event-9")] * 2
    sms.OUTBOX.clear()
