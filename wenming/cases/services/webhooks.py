"""Outbound webhooks: every case status change, signed and delivered to the systems that asked for it.

A delivery row is written with the case event, in the same transaction (an outbox: no event is lost if
the process dies after the commit); the delivery task claims rows (pending → sending) in their own
transaction so two workers never post the same row, and retries a failure with exponential backoff up to
WENMING_WEBHOOK_MAX_ATTEMPTS. Receivers get at-least-once delivery and de-duplicate on the delivery id.

Signature: ``X-Wenming-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>``;
receivers should check it and refuse a timestamp more than a few minutes old (replay).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from wenming.cases.models import CaseEvent, WebhookDelivery
from wenming.cases.routing_cache import get_routing_config

log = logging.getLogger(__name__)

BATCH = 50
USER_AGENT = "Wenming-Webhook/1"


def webhooks_for(*, action: str) -> list[int]:
    """The active webhooks that want events of this action."""
    return [hook_id for hook_id, actions in get_routing_config().webhooks if not actions or action in actions]


def webhooks_enqueue(*, event: CaseEvent) -> int:
    """Queue the event for every active webhook that wants its action; call inside the event's transaction."""
    hooks = webhooks_for(action=event.action)
    if not hooks:
        return 0
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(webhook_id=hook_id, event=event, next_attempt_at=now) for hook_id in hooks], ignore_conflicts=True
    )
    transaction.on_commit(_enqueue_delivery, robust=True)
    return len(hooks)


def _enqueue_delivery() -> None:
    """After the commit: ask a worker to post now. The broker may be down or restarting: the request that changed
    the case must not fail for it, and the rows are already committed, so the worker's periodic sweep posts them."""
    from wenming.cases.tasks import deliver_webhooks  # noqa: PLC0415 — cycle: cases.tasks imports this module at load

    try:
        deliver_webhooks.enqueue()
    except Exception:
        log.warning("webhooks: the task queue refused the delivery task; the periodic sweep will post", exc_info=True)


def webhook_payload(*, delivery: WebhookDelivery) -> dict:
    """What a receiver gets: the event and the case as it stands, never the reporter, an inspector or a note
    (notes may carry names and phone numbers)."""
    event = delivery.event
    case = event.case
    return {
        "delivery": delivery.pk,
        "event": {
            "id": event.pk, "action": event.action, "from_state": event.from_state, "to_state": event.to_state,
            "at": event.created_at.isoformat(), "seq": event.seq,
        },
        "case": {
            "id": case.pk, "number": case.number, "state": case.state, "channel": case.channel,
            "external_id": case.external_id, "category": case.category.code if case.category_id else None,
            "category_name": case.category.name if case.category_id else None,
            "unit": case.unit.name if case.unit_id else None, "address": case.address, "lng": case.lng, "lat": case.lat,
            "reported_at": case.reported_at.isoformat(),
            "due": case.current_due().isoformat() if case.current_due() else None,
            "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        },
    }


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_signature_valid(*, secret: str, header: str, body: bytes, tolerance_s: int = 300, now: float | None = None) -> bool:
    """The receiver's check, for systems written in Python and for the tests."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance_s:
        return False
    expected = webhook_signature(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, header)


def _post(url: str, body: bytes, headers: dict) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.WENMING_WEBHOOK_TIMEOUT) as response:  # noqa: S310 (http/https only, checked on the model)
            return response.status, response.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(500).decode("utf-8", "replace")


def _claim(now: dt.datetime, stamp: dt.datetime) -> list[int]:
    """Take up to BATCH due rows: pending → sending, ``next_attempt_at`` set to ``stamp``, which is both the
    start of this worker's lease on them and its claim token (see ``_renew``)."""
    with transaction.atomic():
        # A receiver switched off gets nothing more; its pending rows wait (and go out if it is switched back on).
        due = WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now,
                                             webhook__is_active=True).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))  # the delivery rows, not their webhook
        ids = list(due.values_list("id", flat=True)[:BATCH])
        WebhookDelivery.objects.filter(id__in=ids, state=WebhookDelivery.State.PENDING).update(
            state=WebhookDelivery.State.SENDING, next_attempt_at=stamp)
    return ids


def _renew(delivery_id: int, stamp: dt.datetime) -> dt.datetime | None:
    """Restart this worker's lease on one row just before posting it, in its own commit; None when the row is no
    longer ours (the lease ran out while earlier rows of the batch were posted, and ``webhooks_recover`` handed it
    to another worker). The claim stamp is the token: two workers never claim in the same microsecond."""
    renewed = timezone.now()
    if renewed == stamp:
        renewed += dt.timedelta(microseconds=1)
    taken = WebhookDelivery.objects.filter(pk=delivery_id, state=WebhookDelivery.State.SENDING,
                                           next_attempt_at=stamp).update(next_attempt_at=renewed)
    return renewed if taken else None


def webhooks_deliver(*, now: dt.datetime | None = None) -> dict:
    """Post what is due. Returns counts of delivered, retried and failed deliveries.

    Each row is marked delivered (or retried) right after the receiver's answer, in its own commit, and only
    while this worker still holds its lease: a worker killed between the post and that commit is the one case of
    a second post (at least once); the receiver drops it by its ``X-Wenming-Delivery`` id."""
    counts = {"delivered": 0, "retried": 0, "failed": 0}
    now = now or timezone.now()
    stamp = timezone.now()
    while ids := _claim(now, stamp):
        rows = WebhookDelivery.objects.filter(id__in=ids).select_related(
            "webhook", "event__case__category", "event__case__unit").order_by("id")
        for delivery in rows:
            lease = _renew(delivery.pk, stamp)
            if lease is None:
                log.warning("webhook delivery %s: lease lost before posting, left to the worker that has it", delivery.pk)
                continue
            delivery.attempts += 1
            body = json.dumps(webhook_payload(delivery=delivery), ensure_ascii=False, separators=(",", ":")).encode()
            stamp_s = int(time.time())
            headers = {
                "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
                "X-Wenming-Event": f"case.{delivery.event.action}", "X-Wenming-Delivery": str(delivery.pk),
                "X-Wenming-Signature": webhook_signature(secret=delivery.webhook.secret, timestamp=stamp_s, body=body),
            }
            started = time.perf_counter()
            try:
                status, text = _post(delivery.webhook.url, body, headers)
                error = "" if 200 <= status < 300 else f"HTTP {status}"
            except Exception as exc:  # a refused connection, a timeout, a bad certificate: all retried
                status, text, error = None, "", (str(exc) or type(exc).__name__)[:500]
            delivery.duration_ms = int((time.perf_counter() - started) * 1000)
            delivery.last_status, delivery.last_response, delivery.last_error = status, text[:500], error
            if not error:
                delivery.state, delivery.delivered_at = WebhookDelivery.State.DELIVERED, timezone.now()
                delivery.next_attempt_at = lease
                outcome = "delivered"
            elif delivery.attempts >= settings.WENMING_WEBHOOK_MAX_ATTEMPTS:
                delivery.state, delivery.next_attempt_at = WebhookDelivery.State.FAILED, lease
                outcome = "failed"
            else:
                delivery.state = WebhookDelivery.State.PENDING
                delivery.next_attempt_at = now + dt.timedelta(minutes=2 ** (delivery.attempts - 1))
                outcome = "retried"
            fields = ("attempts", "state", "last_status", "last_error", "last_response", "duration_ms",
                      "next_attempt_at", "delivered_at")
            # Only while the lease is still ours: a worker that took the row over after it ran out owns the outcome.
            if WebhookDelivery.objects.filter(pk=delivery.pk, state=WebhookDelivery.State.SENDING, next_attempt_at=lease).update(
                    **{f: getattr(delivery, f) for f in fields}):
                counts[outcome] += 1
            else:
                log.warning("webhook delivery %s: lease lost during the post, outcome left to the worker that has it",
                            delivery.pk)
    return counts


def webhooks_recover(*, older_than: dt.timedelta | None = None) -> int:
    """Rows left 'sending' by a worker that died (its lease ran out) go back to pending, due now: at least once
    beats never, and the receiver de-duplicates on the delivery id."""
    if older_than is None:
        older_than = dt.timedelta(seconds=settings.WENMING_DELIVERY_LEASE_SECONDS)
    cutoff = timezone.now() - older_than
    return WebhookDelivery.objects.filter(state=WebhookDelivery.State.SENDING, next_attempt_at__lt=cutoff).update(
        state=WebhookDelivery.State.PENDING)


def webhook_delivery_retry(*, delivery_id: int) -> WebhookDelivery:
    """Send a failed delivery again now (from the admin), with a fresh set of attempts."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.state == WebhookDelivery.State.FAILED:
            delivery.state, delivery.attempts, delivery.next_attempt_at = WebhookDelivery.State.PENDING, 0, timezone.now()
            delivery.save(update_fields=["state", "attempts", "next_attempt_at"])
            transaction.on_commit(_enqueue_delivery, robust=True)
    return delivery
