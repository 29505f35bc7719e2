"""The notification outbox: enqueue inside the state change's transaction, deliver after commit.

In-app notifications are delivered by being written. SMS and e-mail rows wait for the delivery task,
which claims each row (pending → sending) in its own transaction before sending, so two workers never
send the same row; a failure is retried with exponential backoff up to WENMING_NOTIFY_MAX_ATTEMPTS. A claim is a
lease (WENMING_DELIVERY_LEASE_SECONDS): the rows of a worker killed mid-send go back to pending when it runs out.
A row is unique per (recipient or phone, channel, key), the key naming the event: one message per event and person.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from wenming.common.models import Notification
from wenming.common.notify import deliver

log = logging.getLogger(__name__)

BATCH = 100


def notifications_enqueue(
    *, recipients: Iterable, key: str, subject: str, body: str = "", link: str = "", channels: Iterable[str] = ("in_app",)
) -> int:
    """Queue one message per recipient and channel; the same key never queues twice. Returns how many were new."""
    now = timezone.now()
    rows = []
    for person in {p.pk: p for p in recipients}.values():
        for channel in channels:
            in_app = channel == Notification.Channel.IN_APP
            rows.append(
                Notification(
                    recipient=person, channel=channel, key=key[:120], subject=subject[:200], body=body, link=link[:200],
                    state=Notification.State.SENT if in_app else Notification.State.PENDING,
                    sent_at=now if in_app else None, next_attempt_at=None if in_app else now,
                )
            )
    before = Notification.objects.filter(key=key[:120]).count()
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    created = Notification.objects.filter(key=key[:120]).count() - before
    if any(r.channel != Notification.Channel.IN_APP for r in rows):
        transaction.on_commit(_enqueue_delivery, robust=True)
    return created


def notifications_enqueue_sms(*, phones: Iterable[str], key: str, text: str) -> int:
    """Queue an SMS to people without an account (citizens who reported by phone)."""
    now = timezone.now()
    rows = [
        Notification(to_phone=phone, channel=Notification.Channel.SMS, key=key[:120], subject=text[:200],
                     state=Notification.State.PENDING, next_attempt_at=now)
        for phone in sorted({p.strip() for p in phones if p and p.strip()})
    ]
    before = Notification.objects.filter(key=key[:120]).count()
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        transaction.on_commit(_enqueue_delivery, robust=True)
    return Notification.objects.filter(key=key[:120]).count() - before


def _enqueue_delivery() -> None:
    """After the commit: ask a worker to deliver now. The broker may be down or restarting: the request must not
    fail for it, and the rows are already committed, so the worker's periodic sweep delivers them."""
    from wenming.common.tasks import deliver_notifications  # noqa: PLC0415 — cycle: common.tasks imports this module at load

    try:
        deliver_notifications.enqueue()
    except Exception:
        log.warning("notifications: the task queue refused the delivery task; the periodic sweep will deliver",
                    exc_info=True)


def _claim(now: dt.datetime, stamp: dt.datetime) -> list[int]:
    """Take up to BATCH due rows: pending → sending, ``next_attempt_at`` set to ``stamp``, the start of this
    worker's lease on them and its claim token (see ``_renew``)."""
    with transaction.atomic():
        due = Notification.objects.filter(state=Notification.State.PENDING, next_attempt_at__lte=now).order_by("next_attempt_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:BATCH])
        Notification.objects.filter(id__in=ids, state=Notification.State.PENDING).update(
            state=Notification.State.SENDING, next_attempt_at=stamp)
    return ids


def _renew(notification_id: int, stamp: dt.datetime) -> dt.datetime | None:
    """Restart the lease on one row just before sending it; None when it is no longer ours (it ran out while the
    batch's earlier rows were sent and ``notifications_recover`` handed the row on)."""
    renewed = timezone.now()
    if renewed == stamp:
        renewed += dt.timedelta(microseconds=1)
    taken = Notification.objects.filter(pk=notification_id, state=Notification.State.SENDING,
                                        next_attempt_at=stamp).update(next_attempt_at=renewed)
    return renewed if taken else None


def notifications_deliver(*, now: dt.datetime | None = None) -> dict:
    """Deliver what is due. Returns counts of sent, retried and failed rows.

    Each row is marked right after the gateway's answer, in its own commit and only while this worker still holds
    its lease; a worker killed between the two sends that one row again, with the same idempotency key."""
    counts = {"sent": 0, "retried": 0, "failed": 0}
    now = now or timezone.now()
    stamp = timezone.now()
    while ids := _claim(now, stamp):
        for notification in Notification.objects.filter(id__in=ids).select_related("recipient"):
            lease = _renew(notification.pk, stamp)
            if lease is None:
                log.warning("notification %s: lease lost before sending, left to the worker that has it", notification.pk)
                continue
            notification.attempts += 1
            try:
                deliver(notification)
            except Exception as exc:  # any backend failure is retried, never lost
                notification.last_error = str(exc)[:500]
                if notification.attempts >= settings.WENMING_NOTIFY_MAX_ATTEMPTS:
                    notification.state, notification.next_attempt_at = Notification.State.FAILED, lease
                    outcome = "failed"
                else:
                    notification.state = Notification.State.PENDING
                    notification.next_attempt_at = now + dt.timedelta(minutes=2**notification.attempts)
                    outcome = "retried"
            else:
                notification.state, notification.next_attempt_at = Notification.State.SENT, lease
                notification.sent_at = timezone.now()
                outcome = "sent"
            fields = ("attempts", "state", "last_error", "next_attempt_at", "sent_at")
            if Notification.objects.filter(pk=notification.pk, state=Notification.State.SENDING, next_attempt_at=lease).update(
                    **{f: getattr(notification, f) for f in fields}):
                counts[outcome] += 1
            else:
                log.warning("notification %s: lease lost while sending, outcome left to the worker that has it",
                            notification.pk)
    return counts


def notifications_recover(*, older_than: dt.timedelta | None = None) -> int:
    """Rows left 'sending' by a worker that died (its lease ran out) go back to pending: at least once beats never,
    and the gateway gets the same idempotency key again."""
    if older_than is None:
        older_than = dt.timedelta(seconds=settings.WENMING_DELIVERY_LEASE_SECONDS)
    cutoff = timezone.now() - older_than
    return Notification.objects.filter(state=Notification.State.SENDING, next_attempt_at__lt=cutoff).update(
        state=Notification.State.PENDING
    )
