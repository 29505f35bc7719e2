"""Keys for other systems: a REST token and an Open311 ``api_key`` are the same thing, stored hashed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.cases.models.case import Channel


class ApiKey(models.Model):
    """A key one system (a channel) holds. Only a hash is kept; the key itself is shown once, when issued.

    ``person`` is the account the key acts as on the REST API: its roles and scope apply, exactly as in the
    UI. Open311 posts made with the key are reported on ``channel`` by that account (or by nobody).
    """

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("key prefix"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys",
        verbose_name=_("acts as"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.API)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Open311Report(models.Model):
    """What an Open311 post carried beyond the case itself: its media link, the email, device and account ids.

    Written only for a post that carried any of them; the key every post came with is on the case's report event.

    Private like the reporter's phone: the email is never shown through Open311.
    """

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="open311", verbose_name=_("case"))
    api_key = models.ForeignKey(ApiKey, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("API key"))
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    email = models.EmailField(_("reporter email"), blank=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("Open311 report")
        verbose_name_plural = _("Open311 reports")

    def __str__(self) -> str:
        return str(self.case_id)
