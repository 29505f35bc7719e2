import datetime as dt

import pytest
from django.utils import timezone

from wenming.common.models import Notification
from wenming.common.services import notifications as notif
from wenming.org.models import Person

pytestmark = pytest.mark.django_db


class FlakySMS:
    """Fails the first N sends, then works; records what it sent."""

    sent: list = []
    failures_left = 0

    def send(self, *, phone, text, key):
        if FlakySMS.failures_left > 0:
            FlakySMS.failures_left -= 1
            raise ConnectionError("gateway timeout")
        FlakySMS.sent.append((phone, key))


@pytest.fixture
def flaky(settings):
    settings.WENMING_SMS_BACKEND = "wenming.common.tests.test_notifications.FlakySMS"
    FlakySMS.sent, FlakySMS.failures_left = [], 0
    return FlakySMS


@pytest.fixture
def person():
    p = Person.objects.get(username="chengguan")
    p.phone, p.email = "13900000001", "cg@example.cn"
    p.save()
    return p


def test_in_app_is_delivered_at_once_and_the_same_key_never_queues_twice(person, flaky):
    assert notif.notifications_enqueue(recipients=[person, person], key="k1", subject="s", channels=["in_app", "sms"]) == 2
    assert notif.notifications_enqueue(recipients=[person], key="k1", subject="s", channels=["in_app", "sms"]) == 0
    rows = {n.channel: n for n in Notification.objects.filter(key="k1")}
    assert rows["in_app"].state == "sent" and rows["sms"].state == "pending"
    assert notif.notifications_deliver() == {"sent": 1, "retried": 0, "failed": 0}
    assert notif.notifications_deliver() == {"sent": 0, "retried": 0, "failed": 0}
    assert flaky.sent == [("13900000001", "k1")]


def test_failures_are_retried_with_backoff_then_given_up(person, flaky, settings):
    settings.WENMING_NOTIFY_MAX_ATTEMPTS = 3
    flaky.failures_left = 10
    notif.notifications_enqueue(recipients=[person], key="k2", subject="s", channels=["sms"])
    now = timezone.now()
    assert notif.notifications_deliver(now=now)["retried"] == 1
    row = Notification.objects.get(key="k2")
    assert row.state == "pending" and row.attempts == 1 and row.next_attempt_at == now + dt.timedelta(minutes=2)
    assert notif.notifications_deliver(now=now)["retried"] == 0  # not due yet
    assert notif.notifications_deliver(now=now + dt.timedelta(minutes=3))["retried"] == 1
    assert notif.notifications_deliver(now=now + dt.timedelta(minutes=10))["failed"] == 1
    row.refresh_from_db()
    assert row.state == "failed" and row.attempts == 3 and "gateway timeout" in row.last_error
    assert flaky.sent == []


def test_a_retry_that_succeeds_sends_once(person, flaky):
    flaky.failures_left = 1
    notif.notifications_enqueue(recipients=[person], key="k3", subject="s", channels=["sms", "email"])
    now = timezone.now()
    notif.notifications_deliver(now=now)
    notif.notifications_deliver(now=now + dt.timedelta(minutes=5))
    notif.notifications_deliver(now=now + dt.timedelta(minutes=50))
    assert flaky.sent == [("13900000001", "k3")]
    assert set(Notification.objects.filter(key="k3").values_list("state", flat=True)) == {"sent"}


def test_missing_phone_is_a_delivery_failure_not_a_crash(flaky):
    p = Person.objects.get(username="zhiban")
    p.phone = ""
    p.save()
    notif.notifications_enqueue(recipients=[p], key="k4", subject="s", channels=["sms"])
    assert notif.notifications_deliver()["retried"] == 1
    assert "no mobile phone" in Notification.objects.get(key="k4").last_error
