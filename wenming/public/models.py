"""Public intake: the SMS codes that verify a citizen's phone, and what the command centre needs to
moderate a report that came in from the public (whether its phone was verified, which network sent it)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PhoneVerification(models.Model):
    """One SMS code sent to a phone. Only its keyed hash is kept; it expires and allows a few tries."""

    phone = models.CharField(_("phone"), max_length=20, db_index=True)
    code_hash = models.CharField(_("code hash"), max_length=64)
    created_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("phone verification")
        verbose_name_plural = _("phone verifications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.created_at:%Y-%m-%d %H:%M}"


class PublicReport(models.Model):
    """The public side of a case reported through the citizen page (随手拍)."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="public_report",
                                verbose_name=_("case"))
    phone_verified = models.BooleanField(_("phone verified by SMS"), default=False)
    # A keyed hash of the sender's IP address: reports from one network can be told apart, the address is not kept.
    network = models.CharField(_("network"), max_length=16, db_index=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("public report")
        verbose_name_plural = _("public reports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {'verified' if self.phone_verified else 'anonymous'}"
