"""Storefront checks (门前五包): a checker's check of a registered shop's five duties, the notice (告知书) a check with
violations produces, the re-check that settles it, and the shop's append-only log.

The register itself (the shop, its keeper, its duties, its supervising unit) is ``org.StorefrontDuty``; every row here
hangs off it, and the access rules follow the shop (its area, its supervising unit).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.org.models.site import STOREFRONT_DUTIES


class CheckKind(models.TextChoices):
    CHECK = "check", _("Check (检查)")
    RECHECK = "recheck", _("Re-check (复查)")


class StorefrontCheck(models.Model):
    """One visit to a shop: each of its duties compliant or not (``items``). A re-check settles a notice."""

    shop = models.ForeignKey("org.StorefrontDuty", on_delete=models.PROTECT, related_name="checks",
                             verbose_name=_("shop"))
    kind = models.CharField(_("kind"), max_length=10, choices=CheckKind.choices, default=CheckKind.CHECK)
    notice = models.ForeignKey("inspections.StorefrontNotice", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="rechecks", verbose_name=_("notice re-checked"))
    checked_at = models.DateTimeField(_("checked at"), db_index=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("checked by"))
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    violations = models.PositiveSmallIntegerField(_("violations"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("storefront check")
        verbose_name_plural = _("storefront checks")
        ordering = ["-checked_at", "-pk"]
        indexes = [models.Index(fields=["shop", "checked_at"], name="insp_sfcheck_shop_at")]

    def __str__(self) -> str:
        return f"{self.shop} {self.checked_at:%Y-%m-%d}"


class StorefrontCheckItem(models.Model):
    """One duty of one check: 符合 / 不符合, a note, and for 不符合 a photo (re-encoded, without its EXIF)."""

    check_row = models.ForeignKey(StorefrontCheck, on_delete=models.PROTECT, related_name="items",
                                  db_column="check_id", verbose_name=_("check"))
    duty = models.CharField(_("duty"), max_length=20, choices=STOREFRONT_DUTIES)
    compliant = models.BooleanField(_("compliant"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    photo = models.FileField(_("photo"), upload_to="storefront/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("storefront check item")
        verbose_name_plural = _("storefront check items")
        ordering = ["check_row", "pk"]
        constraints = [models.UniqueConstraint(fields=["check_row", "duty"], name="insp_sfitem_one_per_duty")]
        indexes = [models.Index(fields=["duty", "compliant"], name="insp_sfitem_duty_ok")]

    def __str__(self) -> str:
        return f"{self.check_row_id} {self.duty}"


class NoticeState(models.TextChoices):
    ISSUED = "issued", _("Issued (已开具)")
    SERVED = "served", _("Served (已送达)")
    FIXED = "fixed", _("Fixed (已整改)")
    NOT_FIXED = "not_fixed", _("Not fixed (逾期未改)")


OPEN_NOTICE_STATES = (NoticeState.ISSUED, NoticeState.SERVED)


class ServedHow(models.TextChoices):
    IN_PERSON = "in_person", _("In person, signed (直接送达)")
    REFUSED = "refused", _("Refused to sign, left with a witness (留置送达)")
    POSTED = "posted", _("Posted at the shop (张贴送达)")


class StorefrontNotice(models.Model):
    """告知书: the duties a check found violated, the standard's wording, a deadline counted in working days, the
    supervising unit. Numbered per year (``number``); settled by a re-check (fixed, or not fixed → a case)."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField(_("sequence"))
    shop = models.ForeignKey("org.StorefrontDuty", on_delete=models.PROTECT, related_name="notices",
                             verbose_name=_("shop"))
    source_check = models.OneToOneField(StorefrontCheck, on_delete=models.PROTECT, related_name="issued_notice",
                                        verbose_name=_("check"))
    duties = models.JSONField(_("violated duties"), default=list)
    supervising_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("supervising unit"))
    issued_at = models.DateTimeField(_("issued at"))
    fix_days = models.PositiveSmallIntegerField(_("working days to fix"))
    due_on = models.DateField(_("fix by"), db_index=True)
    state = models.CharField(_("state"), max_length=12, choices=NoticeState.choices, default=NoticeState.ISSUED)
    served_at = models.DateTimeField(_("served at"), null=True, blank=True)
    served_how = models.CharField(_("served how"), max_length=12, choices=ServedHow.choices, blank=True)
    served_note = models.CharField(_("note on serving"), max_length=200, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("case"))
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("storefront notice (告知书)")
        verbose_name_plural = _("storefront notices (告知书)")
        ordering = ["-issued_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["year", "seq"], name="insp_sfnotice_year_seq")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_NOTICE_STATES


class StorefrontEventAction(models.TextChoices):
    CHECKED = "checked", _("Checked")
    NOTICE_ISSUED = "notice_issued", _("Notice issued")
    NOTICE_SERVED = "notice_served", _("Notice served")
    FIXED = "fixed", _("Re-checked: fixed")
    NOT_FIXED = "not_fixed", _("Re-checked: not fixed, case filed")


class StorefrontEvent(models.Model):
    """The shop's append-only log of checks and notices."""

    shop = models.ForeignKey("org.StorefrontDuty", on_delete=models.PROTECT, related_name="storefront_events",
                             verbose_name=_("shop"))
    notice = models.ForeignKey(StorefrontNotice, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="events", verbose_name=_("notice"))
    check_row = models.ForeignKey(StorefrontCheck, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="events", db_column="check_id", verbose_name=_("check"))
    action = models.CharField(_("action"), max_length=20, choices=StorefrontEventAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("by"))
    at = models.DateTimeField(_("at"))
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("storefront event")
        verbose_name_plural = _("storefront events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.action}"
