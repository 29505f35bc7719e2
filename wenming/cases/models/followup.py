"""回访: the reporter's rating of a closed case. 满意率 (KPI) = satisfied ratings / ratings.

A rating is ``satisfied``, ``basically_satisfied`` or ``dissatisfied``; the first two count as satisfied
(``SATISFIED_RATINGS``), the practice of digital urban management evaluations. ``fixed`` is the reporter's
own word that the problem is gone; "not fixed" puts the case in the command centre's queue, which reopens
it or confirms it closed (``decision``). One rating per closing: ``round`` is the case's reopen count then.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FollowUpRating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


# The ratings 满意率 counts as satisfied.
SATISFIED_RATINGS = frozenset({FollowUpRating.SATISFIED, FollowUpRating.BASICALLY_SATISFIED})


class FollowUpChannel(models.TextChoices):
    WEB = "web", _("Web page")
    SMS = "sms", _("SMS")
    HOTLINE = "hotline", _("Hotline call")


class FollowUpDecision(models.TextChoices):
    NONE = "", _("Not decided")
    REOPENED = "reopened", _("Reopened")
    CONFIRMED = "confirmed", _("Confirmed closed")


class FollowUp(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("case"))
    round = models.PositiveSmallIntegerField(_("closing round"), default=0)
    rating = models.CharField(_("rating"), max_length=24, choices=FollowUpRating.choices)
    comment = models.TextField(_("comment"), blank=True)
    fixed = models.BooleanField(_("fixed, says the reporter"), default=True)
    channel = models.CharField(_("channel"), max_length=16, choices=FollowUpChannel.choices, default=FollowUpChannel.WEB)
    created_at = models.DateTimeField(_("time"), db_index=True)
    decision = models.CharField(_("decision"), max_length=16, choices=FollowUpDecision.choices, blank=True, default="")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("follow-up rating")
        verbose_name_plural = _("follow-up ratings")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="follow_up_once_per_closing")]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.round} {self.rating}"

    @property
    def satisfied(self) -> bool:
        return self.rating in SATISFIED_RATINGS

