"""Expert review (专家评审): each expert of the call's panel declares, per nomination, whether they have a conflict of
interest (利益冲突) before scoring it; a conflict excludes them from that nominee. A submitted scoring sheet is
locked: only the organiser corrects it, with a note logged on the nomination."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wenming.common.access import locked_in_scope
from wenming.selections.models import (
    CallStatus,
    ConflictDeclaration,
    ExpertScore,
    Nomination,
    NominationEvent,
    NominationStatus,
    PanelMember,
)

from .calls import is_organiser
from .errors import IllegalTransition, NotAllowed, SelectionError

N = NominationStatus
SCORABLE_CALL = (CallStatus.REVIEWING, CallStatus.VOTING)
SCORABLE = (N.QUALIFIED, N.SHORTLISTED)
CENT = Decimal("0.01")


def is_expert(user, call_id: int) -> bool:
    return bool(user and user.is_authenticated) and PanelMember.objects.filter(call_id=call_id, user=user).exists()


def _nomination_for_expert(actor, nomination_id: int) -> Nomination:
    """The nomination, locked, for an expert of its call. An expert's scope for review is the call's panel (their
    seat on it), not their role's area or unit: the lock takes the row through that seat, one query."""
    nomination = (Nomination.objects.select_for_update(of=("self",)).select_related("call")
                  .filter(pk=nomination_id, call__panel__user=actor).first()
                  if actor is not None and actor.is_authenticated else None)
    if nomination is None:
        if Nomination.objects.filter(pk=nomination_id).exists():
            raise NotAllowed(_("Only the call's experts may do this."))
        raise Nomination.DoesNotExist
    if nomination.call.status not in SCORABLE_CALL or nomination.status not in SCORABLE:
        raise IllegalTransition(_("This nomination is not open to expert review."))
    return nomination


def conflict_declare(*, nomination_id: int, actor, conflicted: bool, note: str = "") -> ConflictDeclaration:
    """The expert's declaration on one nominee, once; a conflict excludes them from scoring it."""
    note = (note or "").strip()[:500]
    if conflicted and not note:
        raise SelectionError(_("Note: say what the conflict of interest is."))
    with transaction.atomic():
        nomination = _nomination_for_expert(actor, nomination_id)
        try:
            with transaction.atomic():
                declaration = ConflictDeclaration.objects.create(nomination=nomination, expert=actor,
                                                                 conflicted=conflicted, note=note)
        except IntegrityError:
            raise SelectionError(_("You have already declared on this nominee.")) from None
        NominationEvent.objects.create(nomination=nomination, action="conflict_declared", actor=actor,
                                       from_status=nomination.status, to_status=nomination.status,
                                       data={"conflicted": conflicted})
    return declaration


def _total(nomination: Nomination, points: Mapping[int, int | Decimal]) -> tuple[dict, Decimal]:
    items = list(nomination.call.score_items.all())
    if not items:
        raise SelectionError(_("This call has no scoring sheet."))
    given, most = {}, 0
    for item in items:
        value = points.get(item.pk)
        if value is None:
            raise SelectionError(_("%(item)s: give a score.") % {"item": item.label})
        try:
            value = Decimal(value)
        except (ArithmeticError, ValueError, TypeError):
            raise SelectionError(_("%(item)s: give a number.") % {"item": item.label}) from None
        if not value.is_finite() or not 0 <= value <= item.max_points:
            raise SelectionError(_("%(item)s: between 0 and %(most)d points.")
                                 % {"item": item.label, "most": item.max_points})
        given[str(item.pk)] = str(value.quantize(CENT, rounding=ROUND_HALF_UP))
        most += item.max_points
    total = sum((Decimal(v) for v in given.values()), Decimal(0)) * 100 / Decimal(most)
    return given, total.quantize(CENT, rounding=ROUND_HALF_UP)


def score_submit(*, nomination_id: int, actor, points: Mapping[int, int | Decimal]) -> ExpertScore:
    """The expert's scoring sheet for one nominee: after a declaration without conflict, once (then locked)."""
    with transaction.atomic():
        nomination = _nomination_for_expert(actor, nomination_id)
        declaration = ConflictDeclaration.objects.filter(nomination=nomination, expert=actor).first()
        if declaration is None:
            raise SelectionError(_("Declare first whether you have a conflict of interest with this nominee."))
        if declaration.conflicted:
            raise NotAllowed(_("You declared a conflict of interest: you do not score this nominee."))
        given, total = _total(nomination, points)
        try:
            with transaction.atomic():
                score = ExpertScore.objects.create(nomination=nomination, expert=actor, points=given, total=total)
        except IntegrityError:
            raise SelectionError(_("Your score on this nominee is submitted and locked.")) from None
        NominationEvent.objects.create(nomination=nomination, action="scored", actor=actor,
                                       from_status=nomination.status, to_status=nomination.status,
                                       data={"score": score.pk, "total": str(total)})
    return score


def score_correct(*, score_id: int, actor, points: Mapping[int, int | Decimal], note: str) -> ExpertScore:
    """The organiser corrects a submitted score (a slip the expert reported), with a note (logged)."""
    if not is_organiser(actor):
        raise NotAllowed(_("Only the selection's organisers correct a submitted score."))
    note = (note or "").strip()
    if not note:
        raise SelectionError(_("Note: say why the score is corrected."))
    with transaction.atomic():
        score = ExpertScore.objects.select_related("nomination").get(pk=score_id)
        nomination = locked_in_scope(Nomination.objects.select_related("call"), actor, score.nomination_id)
        if nomination.call.status not in SCORABLE_CALL:
            raise IllegalTransition(_("Scores are frozen once the winners are confirmed."))
        score = ExpertScore.objects.select_for_update().get(pk=score_id)
        before = {"points": score.points, "total": str(score.total)}
        score.points, score.total = _total(nomination, points)
        score.corrected = True
        score.save(update_fields=["points", "total", "corrected"])
        NominationEvent.objects.create(nomination=nomination, action="score_corrected", actor=actor,
                                       from_status=nomination.status, to_status=nomination.status, note=note,
                                       data={"score": score.pk, "before": before, "total": str(score.total)})
    return score
