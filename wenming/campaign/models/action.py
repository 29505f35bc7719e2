from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.common.models import TimeStampedModel


class Campaign(TimeStampedModel):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "code"]

    def __str__(self) -> str:
        return self.name


class ActionKind(models.TextChoices):
    RECTIFICATION = "rectification", _("Rectification action (专项整治)")
    IMPROVEMENT = "improvement", _("Improvement action (提升行动)")
    CONTROL = "control", _("Risk control action (风险管控)")


class Action(TimeStampedModel):
    """One of the campaign's 专项行动 (十整治, 八提升, 一管控)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="actions", verbose_name=_("campaign"))
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ActionKind.choices)
    summary = models.TextField(_("summary"), blank=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    # The problems each action takes on (category.actions from the other side). It was declared on Category, which
    # made cases import campaign; the table kept its name when it moved here (migration 0005).
    categories = models.ManyToManyField(
        "cases.Category", blank=True, related_name="actions", verbose_name=_("categories"),
        db_table="cases_category_actions",
    )

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["campaign", "sort"]
        constraints = [models.UniqueConstraint(fields=["campaign", "code"], name="action_code_unique_in_campaign")]

    def __str__(self) -> str:
        return self.name
