"""Delivery backends for the notification outbox. Real SMS gateways plug in by dotted path."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    pass


class ConsoleSMSBackend:
    """Prints the message: the demo's SMS gateway."""

    def send(self, *, phone: str, text: str, key: str) -> None:
        sys.stdout.write(f"[SMS to {phone}] {text} (id {key})\n")


def sms_backend():
    return import_string(settings.WENMING_SMS_BACKEND)()


def deliver(notification) -> None:
    """Send one notification over its channel; raise DeliveryError to have it retried."""
    person = notification.recipient
    if notification.channel == "sms":
        phone = notification.to_phone or (person.phone if person else "")
        if not phone:
            raise DeliveryError("recipient has no mobile phone number")
        sms_backend().send(phone=phone, text=f"{notification.subject} {notification.body}".strip(), key=notification.key)
    elif notification.channel == "email":
        if not person.email:
            raise DeliveryError("recipient has no e-mail address")
        send_mail(notification.subject, f"{notification.body}\n{notification.link}".strip(), None, [person.email])
