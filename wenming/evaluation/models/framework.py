"""The evaluation framework (全国文明城市测评体系) as data: editions side by side, each a tree, and who answers
for each criterion.

An edition's tree: 测评项目 (``Domain`` of kind project, level Ⅰ) → 指标 (``Indicator``, level Ⅱ) → 测评内容
(``Criterion`` of kind content, level Ⅲ) → numbered 测评标准 clauses (``Clause``), each with its 测评方法. The
negative list (负面清单) and the evaluation-opinion items (评价意见) are criteria of their own kinds under the
edition's fields (``Domain`` of kind field, the "9 个领域"), without indicators: the responsibility matrix, and
later the risk watch, the ledger and the online materials, hang off any criterion alike.

A criterion is the unit of responsibility: its lead unit (牵头单位), responsible units, the city leader who
answers for it (包联领导), its task force, and the campaign tasks, case categories and site types whose work
shows up under it. The text of an edition is never edited here: a new text is a new edition (compare them);
only the responsibility changes, through ``services.responsibility``, each change an event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.common.models import TimeStampedModel


class Edition(TimeStampedModel):
    """One edition of the framework, as the city received it (imported from its XLSX)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # A demo edition is written for the demo: it is never the official text, and every page says so.
    is_demo = models.BooleanField(_("demo edition"), default=False)
    # The edition the city works against now ("my criteria" and the home pages read it).
    is_current = models.BooleanField(_("current edition"), default=False)
    file_name = models.CharField(_("imported from"), max_length=200, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("imported by"))

    class Meta:
        verbose_name = _("framework edition")
        verbose_name_plural = _("framework editions")
        ordering = ["-year", "code"]
        constraints = [models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True),
                                               name="evaluation_one_current_edition")]

    def __str__(self) -> str:
        return self.name


class DomainKind(models.TextChoices):
    PROJECT = "project", _("Evaluation project (测评项目)")
    FIELD = "field", _("Field of the negative list and opinions (领域)")


class Domain(models.Model):
    """Level Ⅰ: a 测评项目 of the tree, or one of the fields (领域) the negative list and opinions sit in."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="domains", verbose_name=_("edition"))
    kind = models.CharField(_("kind"), max_length=16, choices=DomainKind.choices)
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    weight = models.DecimalField(_("weight or points"), max_digits=7, decimal_places=2, null=True, blank=True)
    sort = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("evaluation domain")
        verbose_name_plural = _("evaluation domains")
        ordering = ["edition", "kind", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="evaluation_domain_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Indicator(models.Model):
    """Level Ⅱ: a 指标 of a 测评项目."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="indicators",
                                verbose_name=_("edition"))
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("domain"))
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2, null=True, blank=True)
    sort = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["edition", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="evaluation_indicator_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CriterionKind(models.TextChoices):
    CONTENT = "content", _("Evaluation content (测评内容)")
    NEGATIVE = "negative", _("Negative-list item (负面清单)")
    OPINION = "opinion", _("Evaluation-opinion item (评价意见)")


class Method(models.TextChoices):
    """The evaluation methods (测评方法); several per clause."""

    REPORT = "report", _("Hearing reports (听取汇报)")
    MATERIALS = "materials", _("Material review (材料审核)")
    QUESTIONNAIRE = "questionnaire", _("Questionnaire survey (问卷调查)")
    ONLINE = "online", _("Online survey (网络调查)")
    FIELD = "field", _("Field inspection (实地考察)")
    OBSERVATION = "observation", _("Overall observation (整体观察)")


METHOD_ORDER = [m.value for m in Method]


class Criterion(TimeStampedModel):
    """Level Ⅲ (a 测评内容), or a negative-list or evaluation-opinion item; and who answers for it."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("edition"))
    kind = models.CharField(_("kind"), max_length=16, choices=CriterionKind.choices)
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("domain"))
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.CASCADE, related_name="criteria",
                                  verbose_name=_("indicator"))
    code = models.CharField(_("code"), max_length=32)
    text = models.TextField(_("text"))
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2, null=True, blank=True)
    sort = models.PositiveIntegerField(_("order"), default=0)
    # -- the responsibility matrix -----------------------------------------------------------------------------
    lead_unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="led_criteria", verbose_name=_("lead unit (牵头单位)"))
    responsible_units = models.ManyToManyField("org.Unit", blank=True, related_name="shared_criteria",
                                               verbose_name=_("responsible units (责任单位)"))
    leader_name = models.CharField(_("city leader in charge (包联领导)"), max_length=50, blank=True)
    leader_post = models.CharField(_("leader's post"), max_length=100, blank=True)
    task_force = models.ForeignKey("campaign.TaskForce", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="criteria", verbose_name=_("task force"))
    tasks = models.ManyToManyField("campaign.Task", blank=True, related_name="criteria",
                                   verbose_name=_("campaign tasks"))
    categories = models.ManyToManyField("cases.Category", blank=True, related_name="criteria",
                                        verbose_name=_("case categories"))
    site_types = models.ManyToManyField("org.SiteType", blank=True, related_name="criteria",
                                        verbose_name=_("site types"))
    # How far around a site of the criterion's types a problem counts as near it (the risk watch reads it).
    radius_m = models.PositiveIntegerField(_("radius around its sites (m)"), null=True, blank=True)
    # Raised by every change of the responsibility: a form posted from an older page is refused, not merged.
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["edition", "kind", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="evaluation_criterion_code_unique")]
        indexes = [models.Index(fields=["edition", "kind"], name="evaluation_criterion_kind_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:40]}"


class Clause(models.Model):
    """A numbered 测评标准 clause of a criterion, with the methods it is evaluated by."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="clauses",
                                  verbose_name=_("criterion"))
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("text"))
    methods = models.JSONField(_("evaluation methods"), default=list, blank=True)
    # How a method is run where the edition says (入户/街访 questionnaires, 实景模拟…).
    method_note = models.CharField(_("method details"), max_length=200, blank=True)
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation standard clause")
        verbose_name_plural = _("evaluation standard clauses")
        ordering = ["criterion", "number"]
        constraints = [models.UniqueConstraint(fields=["criterion", "number"], name="evaluation_clause_number_unique")]

    def __str__(self) -> str:
        return f"{self.criterion.code}-{self.number}"

    @property
    def method_labels(self) -> list[str]:
        return [str(Method(m).label) for m in self.methods if m in Method.values]


class CriterionEventAction(models.TextChoices):
    RESPONSIBILITY_SET = "responsibility_set", pgettext_lazy("criterion event", "Responsibility changed")
    RESPONSIBILITY_IMPORTED = "responsibility_imported", pgettext_lazy("criterion event", "Responsibility imported")


class CriterionEvent(models.Model):
    """Append-only history of a criterion's responsibility: who changed what, from what, to what."""

    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="events",
                                  verbose_name=_("criterion"))
    action = models.CharField(_("action"), max_length=32, choices=CriterionEventAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("actor"))
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("criterion event")
        verbose_name_plural = _("criterion events")
        ordering = ["criterion", "at", "id"]

    def __str__(self) -> str:
        return f"{self.criterion.code} {self.action}"
