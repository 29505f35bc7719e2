from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """The outbox: one message to one person over one channel, delivered by a background task.

    ``key`` makes enqueueing idempotent (the same event never notifies the same person twice) and is
    passed to the SMS/e-mail backend as its idempotency key.
    """

    class Channel(models.TextChoices):
        IN_APP = "in_app", _("In the app")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications",
        verbose_name=_("recipient"),
    )
    # A citizen who reported without an account is reached by SMS at this number.
    to_phone = models.CharField(_("phone"), max_length=30, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    key = models.CharField(_("key"), max_length=120)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "channel", "key"], name="notification_once_per_key"),
            models.UniqueConstraint(
                fields=["to_phone", "channel", "key"], condition=models.Q(recipient__isnull=True),
                name="notification_once_per_key_by_phone",
            ),
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | ~models.Q(to_phone=""), name="notification_has_someone"
            ),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="notification_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient or self.to_phone}: {self.subject}"
