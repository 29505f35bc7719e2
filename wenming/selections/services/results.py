"""After the ranking: objections during the public notice (公示异议) and withdrawal (撤销) of a published title."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.common.access import locked_in_scope
from wenming.common.input import strip_controls
from wenming.common.services.limits import limit_hit, limits_declare
from wenming.selections.models import (
    CallStatus,
    Nomination,
    NominationEvent,
    NominationStatus,
    Objection,
    ObjectionStatus,
)

from .calls import is_organiser, titles_counted_refresh
from .errors import IllegalTransition, NotAllowed, SelectionError, StaleSelection

N = NominationStatus
MAX_TEXT = 2000
limits_declare({"objection_phone": (5, 86400), "objection_ip": (20, 86400)})


def _text(value: str, *, what: str) -> str:
    text = strip_controls(value or "").strip()
    if not text:
        raise SelectionError(_("%(what)s: this is required.") % {"what": what})
    if len(text) > MAX_TEXT:
        raise SelectionError(_("%(what)s: at most %(n)d characters.") % {"what": what, "n": MAX_TEXT})
    return text


def _in_notice(nomination_id: int) -> Nomination:
    nomination = Nomination.objects.select_for_update(of=("self",)).select_related("call").get(pk=nomination_id)
    if nomination.status != N.IN_NOTICE or nomination.call.status != CallStatus.NOTICE:
        raise IllegalTransition(_("Objections are taken only while the nominee is in the public notice."))
    if nomination.call.notice_ends_on and timezone.localdate() > nomination.call.notice_ends_on:
        raise IllegalTransition(_("The public notice has ended."))
    return nomination


def objection_public_submit(*, nomination_id: int, phone: str, text: str, ip: str = "") -> Objection:
    """A citizen's objection, phone verified by SMS (the phone is the organisers' only)."""
    if not phone:
        raise SelectionError(_("Phone: verify your mobile number first."))
    text = _text(text, what=_("Objection"))
    limit_hit(what="objection_ip", who=ip)
    limit_hit(what="objection_phone", who=phone)
    with transaction.atomic():
        nomination = _in_notice(nomination_id)
        objection = Objection.objects.create(nomination=nomination, text=text, phone=phone)
        NominationEvent.objects.create(nomination=nomination, action="objection", from_status=nomination.status,
                                       to_status=nomination.status, data={"objection": objection.pk})
    return objection


def objection_record(*, nomination_id: int, actor, text: str) -> Objection:
    """An objection staff took in (by letter or phone)."""
    if not is_organiser(actor):
        raise NotAllowed(_("Only the selection's organisers record objections."))
    text = _text(text, what=_("Objection"))
    with transaction.atomic():
        locked_in_scope(Nomination.objects.all(), actor, nomination_id)
        nomination = _in_notice(nomination_id)
        objection = Objection.objects.create(nomination=nomination, text=text, entered_by=actor)
        NominationEvent.objects.create(nomination=nomination, action="objection", actor=actor,
                                       from_status=nomination.status, to_status=nomination.status,
                                       data={"objection": objection.pk})
    return objection


def objection_decide(*, objection_id: int, actor, upheld: bool, note: str, public_note: str = "") -> Objection:
    """The organiser's decision; an upheld objection takes the nominee off the notice (not selected) with a public
    note."""
    if not is_organiser(actor):
        raise NotAllowed(_("Only the selection's organisers decide objections."))
    note = _text(note, what=_("Decision"))
    with transaction.atomic():
        objection = Objection.objects.select_for_update().get(pk=objection_id)
        nomination = locked_in_scope(Nomination.objects.select_related("call"), actor, objection.nomination_id)
        if objection.status != ObjectionStatus.OPEN:
            raise IllegalTransition(_("This objection is already decided."))
        objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        objection.decision_note, objection.decided_by, objection.decided_at = note, actor, timezone.now()
        objection.save()
        before = nomination.status
        if upheld and nomination.status == N.IN_NOTICE:
            nomination.status = N.NOT_SELECTED
            nomination.public_note = strip_controls(public_note or "").strip() or note
            nomination.version += 1
            nomination.save(update_fields=["status", "public_note", "version", "updated_at"])
        NominationEvent.objects.create(nomination=nomination, action="objection_decided", actor=actor,
                                       from_status=before, to_status=nomination.status, note=note,
                                       data={"objection": objection.pk, "upheld": upheld})
    return objection


def title_revoke(*, nomination_id: int, actor, expected_version: int, public_note: str) -> Nomination:
    """Withdraw a published title (撤销) with a note shown on the results page."""
    if not is_organiser(actor):
        raise NotAllowed(_("Only the selection's organisers withdraw a title."))
    public_note = _text(public_note, what=_("Public note"))
    with transaction.atomic():
        nomination = locked_in_scope(Nomination.objects.select_related("call__kind"), actor, nomination_id)
        if nomination.version != expected_version:
            raise StaleSelection(_("Someone changed this nomination meanwhile; reload the page and try again."))
        if nomination.status != N.WINNER:
            raise IllegalTransition(_("Only a published title can be withdrawn."))
        nomination.status = N.REVOKED
        nomination.public_note = public_note
        nomination.version += 1
        nomination.save(update_fields=["status", "public_note", "version", "updated_at"])
        NominationEvent.objects.create(nomination=nomination, action="revoked", actor=actor, from_status=N.WINNER,
                                       to_status=N.REVOKED, note=public_note)
        titles_counted_refresh(nomination.call.kind.code)
    return nomination
