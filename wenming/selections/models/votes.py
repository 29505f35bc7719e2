"""The public vote of a call (评选公众投票): one vote per verified phone per call per day, and its fraud review.

A ``Vote`` is one accepted ballot: the call, the nomination, the day (Asia/Shanghai) and, instead of anything that
names a person, keyed hashes (``keyed_hash``: not reversible by guessing) of the phone, its number block, the
network and the device. The unique constraint on (call, phone_hash, day) is what makes "one vote per phone per
day" hold under any concurrency: a repeated request finds the row and gets the same answer, never a second one.

A vote whose pattern looks bought (a burst from one network or one device, many phones of one network or one
number block for the same nomination) gets a ``VoteFlag`` per reason and is counted apart (``state`` flagged) until
a reviewer clears its group (counted again) or voids it; each decision is a ``VoteEvent`` (append-only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .calls import Call, Nomination


class VoteState(models.TextChoices):
    COUNTED = "counted", _("Counted")
    FLAGGED = "flagged", _("Awaiting review")
    VOID = "void", _("Void")


class FlagReason(models.TextChoices):
    BURST_NETWORK = "burst_network", _("Burst from one network")
    BURST_DEVICE = "burst_device", _("Burst from one device")
    RING_NETWORK = "ring_network", _("Many phones of one network (/24) for one nominee")
    RING_BLOCK = "ring_block", _("Many phones of one number block for one nominee")


class FlagState(models.TextChoices):
    OPEN = "open", _("Awaiting review")
    CLEARED = "cleared", _("Cleared: counted")
    VOIDED = "voided", _("Voided")


class Vote(models.Model):
    """One accepted vote. Never edited but for its ``state``, which the flags and their review decide."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="public_votes", verbose_name=_("call"))
    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="public_votes",
                                   verbose_name=_("nomination"))
    day = models.DateField(_("day"))  # Asia/Shanghai: the day the one vote per phone belongs to
    phone_hash = models.CharField(_("phone (keyed hash)"), max_length=32)
    # The phone's block of 100 numbers (its first nine digits), for phones in sequence voting together.
    block_hash = models.CharField(_("number block (keyed hash)"), max_length=16)
    network_hash = models.CharField(_("network (keyed hash)"), max_length=16)
    prefix_hash = models.CharField(_("network /24 (keyed hash)"), max_length=16)
    device_hash = models.CharField(_("device (keyed hash)"), max_length=16)
    agent_hash = models.CharField(_("browser (keyed hash)"), max_length=16, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=VoteState.choices, default=VoteState.COUNTED)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "phone_hash", "day"], name="selections_vote_one_per_phone_day"),
        ]
        indexes = [
            # The tally (per nomination and state) and the burst and ring counts at each vote.
            models.Index(fields=["call", "nomination", "state"], name="selections_vote_tally"),
            models.Index(fields=["call", "network_hash", "at"], name="selections_vote_network"),
            models.Index(fields=["call", "device_hash", "at"], name="selections_vote_device"),
            models.Index(fields=["call", "nomination", "prefix_hash", "at"], name="selections_vote_prefix"),
            models.Index(fields=["call", "nomination", "block_hash", "day"], name="selections_vote_block"),
        ]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")

    def __str__(self) -> str:
        return f"{self.call_id}/{self.nomination_id} {self.day} {self.state}"


class VoteFlag(models.Model):
    """Why one vote is set apart: a reason, and the group it belongs to (the network, device or block with the
    nominee), which a reviewer decides as a whole."""

    vote = models.ForeignKey(Vote, on_delete=models.PROTECT, related_name="flags", verbose_name=_("vote"))
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="+", verbose_name=_("call"))
    reason = models.CharField(_("reason"), max_length=16, choices=FlagReason.choices)
    subject = models.CharField(_("group"), max_length=48)  # the hashed network/device/block (+ nominee)
    state = models.CharField(_("state"), max_length=8, choices=FlagState.choices, default=FlagState.OPEN)
    at = models.DateTimeField(_("flagged at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["call", "reason", "subject", "pk"]
        constraints = [models.UniqueConstraint(fields=["vote", "reason"], name="selections_voteflag_one_per_reason")]
        indexes = [models.Index(fields=["call", "state", "reason", "subject"], name="selections_voteflag_group")]
        verbose_name = _("vote flag")
        verbose_name_plural = _("vote flags")

    def __str__(self) -> str:
        return f"{self.vote_id} {self.reason} {self.state}"


class VoteEvent(models.Model):
    """One review decision on a group of flagged votes (append-only): who, which group, how many, why."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="vote_events", verbose_name=_("call"))
    action = models.CharField(_("action"), max_length=8, choices=[
        (FlagState.CLEARED.value, _("Cleared: counted")), (FlagState.VOIDED.value, _("Voided"))])
    reason = models.CharField(_("reason"), max_length=16, choices=FlagReason.choices)
    subject = models.CharField(_("group"), max_length=48)
    votes = models.PositiveIntegerField(_("votes"))
    note = models.TextField(_("note"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("actor"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("vote review decision")
        verbose_name_plural = _("vote review decisions")

    def __str__(self) -> str:
        return f"{self.call_id} {self.action} {self.reason} {self.votes}"
