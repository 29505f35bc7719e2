"""The police registers the campaign measures from: e-bike registrations and plates (电动自行车备案/牌照) and dog
licences (养犬登记). Each register is kept by its owning department and fed by imports of that department's system
exports (``services.imports``); what the rest of the city reads is the per-area figures (``RegistryFigure``).

A record holds the least personal data that still lets a plate or licence number be checked: the number, its
status, the community, dates and the dangerous-breed mark. No owner names, phones, ID numbers or addresses.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistryKind(models.TextChoices):
    EBIKE = "ebike", _("E-bike registration (电动自行车备案)")
    DOG = "dog", _("Dog licence (养犬登记)")


class RecordStatus(models.TextChoices):
    # e-bikes
    UNPLATED = "unplated", _("Registered, no plate (已备案未挂牌)")
    PLATED = "plated", _("Plated (已挂牌)")
    # dogs
    VALID = "valid", _("Valid (有效)")
    EXPIRED = "expired", _("Expired (过期)")
    CANCELLED = "cancelled", _("Cancelled (注销)")


# The statuses a register of each kind holds, and the one that counts as compliant (应挂尽挂: plated; 持证: valid).
KIND_STATUSES = {
    RegistryKind.EBIKE: (RecordStatus.UNPLATED, RecordStatus.PLATED),
    RegistryKind.DOG: (RecordStatus.VALID, RecordStatus.EXPIRED, RecordStatus.CANCELLED),
}
COMPLIANT = {RegistryKind.EBIKE: RecordStatus.PLATED, RegistryKind.DOG: RecordStatus.VALID}


class Registry(models.Model):
    """One register (one per kind), the department that keeps it, and the case categories it answers."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=RegistryKind.choices, unique=True)
    name = models.CharField(_("name"), max_length=100)
    owner_unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="registries",
                                   verbose_name=_("owning department"))
    categories = models.ManyToManyField("cases.Category", blank=True, related_name="registries",
                                        verbose_name=_("case categories"))
    # The rate every area should reach (应挂尽挂: 100 %); areas below it head the gap list.
    target_percent = models.DecimalField(_("target (%)"), max_digits=5, decimal_places=2, default=100)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("register")
        verbose_name_plural = _("registers")

    def __str__(self) -> str:
        return self.name


class RegistryImport(models.Model):
    """One import of a department's export, logged as its own event: who, when, what file, as of which date,
    how many rows were read, written and refused, and the first errors with their line numbers."""

    class Kind(models.TextChoices):
        RECORDS = "records", _("Records (full snapshot)")
        COUNTS = "counts", _("Counts per area")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed: nothing written")

    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="imports",
                                 verbose_name=_("register"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    file_name = models.CharField(_("file name"), max_length=200)
    as_of = models.DateField(_("as of"))
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    rows_refused = models.PositiveIntegerField(_("rows refused"), default=0)
    deactivated = models.PositiveIntegerField(_("records no longer listed"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    ignored_columns = models.JSONField(_("columns not read"), default=list, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("imported by"))
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RUNNING)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("register import")
        verbose_name_plural = _("register imports")

    def __str__(self) -> str:
        return f"{self.registry_id} {self.as_of} {self.file_name}"


class RegistryRecord(models.Model):
    """One e-bike or dog: its number (plate or licence, normalised), status and community. Nothing personal."""

    # A million rows are upserted per import: no index beyond the unique (register, number) one, which also serves
    # the register's own lookups, and the community's, which serves the counts and the area filter.
    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="records",
                                 verbose_name=_("register"), db_index=False)
    number = models.CharField(_("number"), max_length=32)
    status = models.CharField(_("status"), max_length=10, choices=RecordStatus.choices)
    dangerous = models.BooleanField(_("dangerous breed (烈性犬)"), default=False)
    area = models.ForeignKey("org.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("community"))
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    # Absent from the latest full snapshot: kept (a case may have checked it) but counted nowhere.
    active = models.BooleanField(_("active"), default=True)
    last_import = models.ForeignKey(RegistryImport, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("last import"), db_index=False)

    class Meta:
        ordering = ["registry", "number"]
        verbose_name = _("register record")
        verbose_name_plural = _("register records")
        constraints = [models.UniqueConstraint(fields=["registry", "number"], name="registry_record_number_unique")]

    def __str__(self) -> str:
        return self.number


class RegistryFigure(models.Model):
    """A register's count in one area on one date: per community, and rolled up to the street, county and city,
    so rate pages and trends read a few hundred rows, never the records."""

    class Source(models.TextChoices):
        COMPUTED = "computed", _("Computed from the records")
        IMPORTED = "imported", _("Imported counts")

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="figures",
                                 verbose_name=_("register"))
    area = models.ForeignKey("org.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("area"))
    as_of = models.DateField(_("as of"))
    total = models.PositiveIntegerField(_("total"))
    compliant = models.PositiveIntegerField(_("compliant"))
    dangerous = models.PositiveIntegerField(_("dangerous breeds (烈性犬)"), default=0)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)

    class Meta:
        ordering = ["registry", "as_of", "area"]
        verbose_name = _("register figure")
        verbose_name_plural = _("register figures")
        constraints = [models.UniqueConstraint(fields=["registry", "area", "as_of"],
                                               name="registry_figure_unique")]
        indexes = [models.Index(fields=["registry", "as_of"], name="registry_figure_date")]

    def __str__(self) -> str:
        return f"{self.registry_id} {self.area_id} {self.as_of}: {self.compliant}/{self.total}"


class CheckResult(models.TextChoices):
    PLATED = "plated", _("Plated (已挂牌)")
    UNPLATED = "unplated", _("Registered, no plate (已备案未挂牌)")
    VALID = "valid", _("Valid licence (有效)")
    EXPIRED = "expired", _("Expired licence (过期)")
    CANCELLED = "cancelled", _("Cancelled licence (注销)")
    UNREGISTERED = "unregistered", _("Not registered (未登记)")


class RegistryCheck(models.Model):
    """A number looked up in a register from a case (登记核查): what was asked, the answer, who and when.
    Append-only; the case's timeline carries the same check as an event."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="registry_checks",
                             verbose_name=_("case"))
    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="checks",
                                 verbose_name=_("register"))
    number = models.CharField(_("number"), max_length=32)
    result = models.CharField(_("result"), max_length=12, choices=CheckResult.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("checked by"))
    at = models.DateTimeField(_("checked at"))

    class Meta:
        ordering = ["case", "at", "pk"]
        verbose_name = _("register check")
        verbose_name_plural = _("register checks")

    def __str__(self) -> str:
        return f"{self.case_id} {self.number}: {self.result}"
