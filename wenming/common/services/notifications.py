"""The notification outbox: enqueue inside the state change's transaction, deliver after commit.

In-app notifications are delivered by being written. SMS and e-mail rows wait for the delivery task,
which claims each row (pending → sending) in its own transaction before sending, so two workers never
send the same row; a failure is retried with exponential backoff up to WENMING_NOTIFY_MAX_ATTEMPTS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from wenming.common.models import Notification
from wenming.common.notify import deliver

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
    from wenming.common.tasks import deliver_notifications  # noqa: PLC0415 — cycle: common.tasks imports this module at load

    deliver_notifications.enqueue()


def _claim(now: dt.datetime) -> list[int]:
    with transaction.atomic():
        due = Notification.objects.filter(state=Notification.State.PENDING, next_attempt_at__lte=now).order_by("next_attempt_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:BATCH])
        Notification.objects.filter(id__in=ids, state=Notification.State.PENDING).update(state=Notification.State.SENDING)
    return ids


def notifications_deliver(*, now: dt.datetime | None = None) -> dict:
    """Deliver what is due. Returns counts of sent, retried and failed rows."""
    counts = {"sent": 0, "retried": 0, "failed": 0}
    now = now or timezone.now()
    while ids := _claim(now):
        for notification in Notification.objects.filter(id__in=ids).select_related("recipient"):
            notification.attempts += 1
            try:
                deliver(notification)
            except Exception as exc:  # any backend failure is retried, never lost
                notification.last_error = str(exc)[:500]
                if notification.attempts >= settings.WENMING_NOTIFY_MAX_ATTEMPTS:
                    notification.state = Notification.State.FAILED
                    counts["failed"] += 1
                else:
                    notification.state = Notification.State.PENDING
                    notification.next_attempt_at = now + dt.timedelta(minutes=2**notification.attempts)
                    counts["retried"] += 1
            else:
                notification.state = Notification.State.SENT
                notification.sent_at = timezone.now()
                counts["sent"] += 1
            notification.save(update_fields=["attempts", "state", "last_error", "next_attempt_at", "sent_at"])
    return counts


def notifications_recover(*, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """Rows left 'sending' by a worker that died go back to pending (at-least-once beats never)."""
    cutoff = timezone.now() - older_than
    return Notification.objects.filter(state=Notification.State.SENDING, next_attempt_at__lt=cutoff).update(
        state=Notification.State.PENDING
    )
