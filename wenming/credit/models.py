"""The credit network (信用信息"一张网"): the subjects the city's departments keep credit records on (units,
enterprises, shops, natural persons), the records they send (红名单 honours, 失信 dishonest, 行政处罚 penalties), the
joint-discipline measures (联合惩戒) departments must take on a dishonest subject, and the logs: every change as a
``CreditEvent`` (append-only), every look at non-public data as a ``CreditQueryLog``.

A natural person is never shown publicly and is stored without an identity number: the import keeps only a hash
of it (``CreditSubject.key``) to put one person's records together.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RecordKind(models.TextChoices):
    HONOUR = "honour", _("Honour (红名单)")
    DISHONEST = "dishonest", _("Dishonest (失信)")
    PENALTY = "penalty", _("Administrative penalty (行政处罚)")


class SubjectKind(models.TextChoices):
    UNIT = "unit", _("Public body or organisation")
    ENTERPRISE = "enterprise", _("Enterprise")
    SHOP = "shop", _("Shop (个体工商户)")
    PERSON = "person", _("Natural person")


class RecordStatus(models.TextChoices):
    EFFECTIVE = "effective", _("In effect")
    PENDING = "pending", _("Not yet in effect")
    EXPIRED = "expired", _("Expired")
    REPAIRED = "repaired", _("Repaired (信用修复)")


def effective_q(today: dt.date, prefix: str = "") -> Q:
    """Records in effect on ``today``: not repaired, started, not past their period."""
    return (Q(**{f"{prefix}repaired_on__isnull": True})
            & (Q(**{f"{prefix}effective_from__isnull": True}) | Q(**{f"{prefix}effective_from__lte": today}))
            & (Q(**{f"{prefix}effective_until__isnull": True}) | Q(**{f"{prefix}effective_until__gte": today})))


class CreditSource(models.Model):
    """One department's feed: the department (its people, and those of the units below it, manage its records),
    the kinds of record it may send, and the API key its system pushes with."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    owner_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="credit_sources",
                                   verbose_name=_("department"))
    kinds = models.JSONField(_("kinds it sends"), default=list)
    api_key = models.OneToOneField("api.ApiKey", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="credit_source", verbose_name=_("API key of its system"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("credit source")
        verbose_name_plural = _("credit sources")

    def __str__(self) -> str:
        return self.name


class CreditSubject(models.Model):
    """Whom records are about. ``key`` is the credit code for a legal person, ``P`` and a hash of the identity
    number for a natural person; links to the platform's unit, site and storefront duty when known."""

    key = models.CharField(_("key"), max_length=40, unique=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    name = models.CharField(_("name"), max_length=120, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=SubjectKind.choices)
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="credit_subjects", verbose_name=_("unit"))
    site = models.ForeignKey("org.Site", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="credit_subjects", verbose_name=_("site"))
    storefront = models.ForeignKey("org.StorefrontDuty", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="credit_subjects", verbose_name=_("storefront duty"))

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("credit subject")
        verbose_name_plural = _("credit subjects")

    def __str__(self) -> str:
        return self.name

    @property
    def is_person(self) -> bool:
        return self.kind == SubjectKind.PERSON


class CreditImport(models.Model):
    """One import of a department's export: who, when, what file, rows read, written and refused, first errors."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed: nothing written")

    source = models.ForeignKey(CreditSource, on_delete=models.PROTECT, related_name="imports",
                               verbose_name=_("source"))
    file_name = models.CharField(_("file name"), max_length=200)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    rows_refused = models.PositiveIntegerField(_("rows refused"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("imported by"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RUNNING)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("credit import")
        verbose_name_plural = _("credit imports")

    def __str__(self) -> str:
        return f"{self.source_id} {self.file_name}"


class CreditRecord(models.Model):
    """One record a department decided: idempotent by (source, the source's record id). Its effect ends at the end
    of its period or when it is repaired (信用修复: date and reason). ``public`` says whether the law publishes it:
    honours, penalties and 失信 of legal persons yes, anything of a natural person no."""

    # A million rows are upserted per import: the unique (source, record id) index and the subject's are the ones
    # the lookups need.
    source = models.ForeignKey(CreditSource, on_delete=models.PROTECT, related_name="records",
                               verbose_name=_("source"), db_index=False)
    source_record_id = models.CharField(_("record id at the source"), max_length=64)
    subject = models.ForeignKey(CreditSubject, on_delete=models.PROTECT, related_name="records",
                                verbose_name=_("subject"))
    kind = models.CharField(_("kind"), max_length=10, choices=RecordKind.choices)
    decided_by = models.CharField(_("deciding body"), max_length=100, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    effective_from = models.DateField(_("in effect from"), null=True, blank=True)
    effective_until = models.DateField(_("in effect until"), null=True, blank=True)
    public = models.BooleanField(_("published"), default=True)
    repaired_on = models.DateField(_("repaired on"), null=True, blank=True)
    repair_reason = models.TextField(_("repair reason"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["-decided_on", "-pk"]
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        constraints = [models.UniqueConstraint(fields=["source", "source_record_id"],
                                               name="credit_record_source_id_unique")]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.source_record_id}"

    def status_on(self, today: dt.date) -> str:
        if self.repaired_on:
            return RecordStatus.REPAIRED
        if self.effective_until and self.effective_until < today:
            return RecordStatus.EXPIRED
        if self.effective_from and self.effective_from > today:
            return RecordStatus.PENDING
        return RecordStatus.EFFECTIVE

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    def get_status_display(self) -> str:
        return RecordStatus(self.status).label


class JointMeasure(models.Model):
    """A joint-discipline measure (联合惩戒): which department must act on every effective record of a kind (a 失信
    subject is kept out of integrity titles, tenders, subsidies…)."""

    kind = models.CharField(_("record kind"), max_length=10, choices=RecordKind.choices,
                            default=RecordKind.DISHONEST)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="joint_measures",
                             verbose_name=_("department that acts"))
    measure = models.CharField(_("measure"), max_length=200)

    class Meta:
        ordering = ["kind", "unit", "pk"]
        verbose_name = _("joint-discipline measure")
        verbose_name_plural = _("joint-discipline measures")
        constraints = [models.UniqueConstraint(fields=["kind", "unit", "measure"], name="credit_joint_measure_unique")]

    def __str__(self) -> str:
        return self.measure


class JointAck(models.Model):
    """A department's acknowledgement that it acted on one record under one measure."""

    record = models.ForeignKey(CreditRecord, on_delete=models.PROTECT, related_name="acks", verbose_name=_("record"))
    measure = models.ForeignKey(JointMeasure, on_delete=models.PROTECT, related_name="acks",
                                verbose_name=_("measure"))
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                        verbose_name=_("acknowledged by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-acknowledged_at", "-pk"]
        verbose_name = _("joint-discipline acknowledgement")
        verbose_name_plural = _("joint-discipline acknowledgements")
        constraints = [models.UniqueConstraint(fields=["record", "measure"], name="credit_joint_ack_unique")]

    def __str__(self) -> str:
        return f"{self.record_id}/{self.measure_id}"


class CreditEvent(models.Model):
    """Append-only: every change to the network (an import, a pushed record, a repair, an acknowledgement)."""

    class Action(models.TextChoices):
        IMPORT = "import", _("Imported")
        PUSH = "push", _("Pushed")
        CREATE = "create", _("Recorded")
        REPAIR = "repair", _("Repaired")
        ACK = "ack", _("Acknowledged")

    source = models.ForeignKey(CreditSource, on_delete=models.PROTECT, related_name="events",
                               verbose_name=_("source"))
    record = models.ForeignKey(CreditRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="events",
                               verbose_name=_("record"))
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("credit event")
        verbose_name_plural = _("credit events")

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"


class CreditQueryLog(models.Model):
    """Who looked at non-public credit data (records the law does not publish), of whom, when, and how many."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("who"))
    subject = models.ForeignKey(CreditSubject, on_delete=models.PROTECT, related_name="query_logs",
                                verbose_name=_("subject"))
    records = models.JSONField(_("records seen"), default=list)
    purpose = models.CharField(_("page"), max_length=40)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("credit query log")
        verbose_name_plural = _("credit query logs")

    def __str__(self) -> str:
        return f"{self.user_id} {self.subject_id} {self.at:%Y-%m-%d %H:%M}"
