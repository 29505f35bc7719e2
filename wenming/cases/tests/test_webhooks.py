"""Outbound webhooks: written with the event, signed, delivered once, retried with backoff, logged."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from wenming.cases.models import Category, Webhook, WebhookDelivery
from wenming.cases.services import workflow as wf
from wenming.cases.services.webhooks import (
    webhook_delivery_retry,
    webhook_signature,
    webhook_signature_valid,
    webhooks_deliver,
)
from wenming.org.models import Area

pytestmark = pytest.mark.django_db
D = WebhookDelivery.State


class Receiver:
    """A real HTTP server on a free local port that records what it is sent and answers ``status``."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok" if receiver.status < 300 else b"broken")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()



def report(people, **kwargs):
    grid = Area.objects.filter(level="grid", code__startswith="131102").order_by("code").first()
    return wf.case_intake(channel="hotline", description="路口有流动摊贩占道", lng=grid.lng, lat=grid.lat,
                          category=Category.objects.get(code="SJ0401"), actor=people["shouli"],
                          reporter_name="张三", reporter_phone="13800000000", **kwargs)


def test_each_status_change_is_posted_signed_and_logged(receiver, people):
    hook = Webhook.objects.create(name="12345 平台", url=receiver.url)
    case = report(people)
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    assert WebhookDelivery.objects.filter(webhook=hook, state=D.PENDING).count() == 2
    assert webhooks_deliver() == {"delivered": 2, "retried": 0, "failed": 0}
    assert [json.loads(r["body"])["event"]["action"] for r in receiver.requests] == ["report", "register"]
    first = receiver.requests[0]
    assert first["headers"]["X-Wenming-Event"] == "case.report"
    assert webhook_signature_valid(secret=hook.secret, header=first["headers"]["X-Wenming-Signature"], body=first["body"])
    payload = json.loads(first["body"])
    assert payload["case"]["number"] == case.number and payload["case"]["category"] == "SJ0401"
    text = first["body"].decode()
    assert "13800000000" not in text and "张三" not in text and "shouli" not in text  # no reporter, no staff names
    delivered = WebhookDelivery.objects.filter(webhook=hook).order_by("id")
    assert all(d.state == D.DELIVERED and d.attempts == 1 and d.last_status == 200 and d.delivered_at for d in delivered)
    assert webhooks_deliver() == {"delivered": 0, "retried": 0, "failed": 0}  # never twice
    assert len(receiver.requests) == 2


def test_a_webhook_gets_only_the_actions_it_asked_for(receiver, people):
    Webhook.objects.create(name="只要派遣", url=receiver.url, actions=["dispatch"])
    Webhook.objects.create(name="停用", url=receiver.url, is_active=False)
    case = report(people)
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"])
    webhooks_deliver()
    assert [json.loads(r["body"])["event"]["action"] for r in receiver.requests] == ["dispatch"]
    assert json.loads(receiver.requests[0]["body"])["case"]["unit"]


def test_a_failing_receiver_is_retried_with_backoff_then_marked_failed(receiver, people, settings):
    settings.WENMING_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.status = 500
    Webhook.objects.create(name="坏的", url=receiver.url, actions=["report"])
    report(people)
    now = timezone.now()
    assert webhooks_deliver(now=now) == {"delivered": 0, "retried": 1, "failed": 0}
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == D.PENDING and delivery.last_status == 500 and delivery.last_error == "HTTP 500"
    assert delivery.next_attempt_at == now + dt.timedelta(minutes=1)
    assert webhooks_deliver(now=now + dt.timedelta(seconds=30)) == {"delivered": 0, "retried": 0, "failed": 0}
    assert webhooks_deliver(now=now + dt.timedelta(minutes=1)) == {"delivered": 0, "retried": 1, "failed": 0}
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == now + dt.timedelta(minutes=3)  # doubled
    assert webhooks_deliver(now=now + dt.timedelta(minutes=3)) == {"delivered": 0, "retried": 0, "failed": 1}
    delivery.refresh_from_db()
    assert delivery.state == D.FAILED and delivery.attempts == 3 and len(receiver.requests) == 3
    # An administrator sends it again once the receiver is fixed.
    receiver.status = 204
    webhook_delivery_retry(delivery_id=delivery.pk)
    assert webhooks_deliver() == {"delivered": 1, "retried": 0, "failed": 0}
    delivery.refresh_from_db()
    assert delivery.state == D.DELIVERED and delivery.attempts == 1


def test_an_unreachable_receiver_is_retried(people, receiver):
    url = receiver.url
    receiver.close()  # nothing listens there any more
    Webhook.objects.create(name="不通", url=url, actions=["report"])
    report(people)
    assert webhooks_deliver() == {"delivered": 0, "retried": 1, "failed": 0}
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_status is None and delivery.last_error


def test_an_event_rolled_back_sends_nothing(receiver, people):
    Webhook.objects.create(name="全部", url=receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        report(people)
        raise RuntimeError("the caller's transaction fails after the intake")
    assert not WebhookDelivery.objects.exists()
    assert webhooks_deliver()["delivered"] == 0 and receiver.requests == []


def test_signature_refuses_a_changed_body_and_an_old_timestamp():
    body = b'{"a":1}'
    header = webhook_signature(secret="s3cret", timestamp=1_800_000_000, body=body)
    assert webhook_signature_valid(secret="s3cret", header=header, body=body, now=1_800_000_010)
    assert not webhook_signature_valid(secret="s3cret", header=header, body=b'{"a":2}', now=1_800_000_010)
    assert not webhook_signature_valid(secret="other", header=header, body=body, now=1_800_000_010)
    assert not webhook_signature_valid(secret="s3cret", header=header, body=body, now=1_800_000_000 + 3600)
    assert not webhook_signature_valid(secret="s3cret", header="garbage", body=body)


def test_only_administrators_see_webhooks_in_the_admin(client, people, receiver):
    hook = Webhook.objects.create(name="12345 平台", url=receiver.url)
    client.force_login(people["zhiban"])
    assert client.get(reverse("admin:cases_webhook_change", args=[hook.pk])).status_code in {302, 403, 404}
    client.force_login(people["admin"])
    page = client.get(reverse("admin:cases_webhook_change", args=[hook.pk]))
    assert page.status_code == 200 and hook.secret in page.content.decode()
    assert client.get(reverse("admin:cases_webhookdelivery_changelist")).status_code == 200
