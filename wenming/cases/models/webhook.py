import secrets

from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.common.models import TimeStampedModel


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(TimeStampedModel):
    """Another system that wants to hear about case status changes: each matching case event is POSTed to
    ``url`` as JSON, signed with ``secret`` (HMAC-SHA256), retried with backoff until it is accepted."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    secret = models.CharField(
        _("signing secret"), max_length=100, default=_new_secret,
        help_text=_("The receiver checks the X-Wenming-Signature header with it."),
    )
    # Event actions to send ("dispatch", "close"…); empty means every status change.
    actions = models.JSONField(_("actions"), default=list, blank=True,
                               help_text=_("A list of event actions such as [\"dispatch\", \"close\"]; empty for all."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, action: str) -> bool:
        return not self.actions or action in self.actions


class WebhookDelivery(models.Model):
    """One case event for one webhook: the delivery log. Created with the event, in its transaction, so an
    event is never lost; unique per webhook and event, so it is never queued twice."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(Webhook, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("webhook"))
    event = models.ForeignKey("cases.CaseEvent", on_delete=models.PROTECT, related_name="+", verbose_name=_("event"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_response = models.CharField(_("last response"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["webhook", "event"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.webhook} · {self.event_id}"
