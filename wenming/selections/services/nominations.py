"""Nominations: by a unit's staff, by a community, or by the public (phone verified by SMS, like 随手拍).

Numbered per call (编号) under the call's row lock. For an integrity (诚信) title the checks registered with
``refuses_integrity=True`` run at once, and a blocking finding refuses the nomination outright. All or nothing:
a refused photo leaves no nomination behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.common.access import restrict, scope_for
from wenming.common.files import field_file_save
from wenming.common.images import ImageRefused, image_decode, image_jpeg
from wenming.common.input import strip_controls
from wenming.common.roles import SELECTION_NOMINATORS, UNIT_ROLES
from wenming.common.services.limits import limit_hit, limits_declare
from wenming.org.models import Area, AreaLevel, Site, Unit
from wenming.selections.models import (
    Call,
    CallStatus,
    Nomination,
    NominationEvent,
    NominationPhoto,
    NominationStatus,
    NominatorKind,
    SubjectKind,
)

from .calls import is_organiser
from .errors import IllegalTransition, NotAllowed, SelectionError, StaleSelection
from .qualification_checks import qualification_checks

MAX_PHOTOS = 6
MAX_STATEMENT = 2000
CREDIT_CODE_LENGTH = 18
# A public nomination: per verified phone and per network, per day.
limits_declare({"nominate_phone": (5, 86400), "nominate_ip": (20, 86400)})


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


@dataclass(frozen=True)
class Nominee:
    """Who is nominated: a site (place kinds), a unit (unit kinds), or a name in an area (persons, enterprises, and
    places the public names)."""

    name: str = ""
    site_id: int | None = None
    unit_id: int | None = None
    area_id: int | None = None
    credit_code: str = ""


def district_of(area: Area) -> Area | None:
    """The district (区县) an area lies in, or None above it."""
    node = area
    while node is not None and node.level != AreaLevel.COUNTY:
        node = node.parent
    return node


def _photos_decode(photos: Sequence[Upload]) -> list[bytes]:
    if len(photos) > MAX_PHOTOS:
        raise SelectionError(_("Photos: at most %(n)d.") % {"n": MAX_PHOTOS})
    out = []
    for upload in photos:
        try:
            out.append(image_jpeg(image_decode(content=upload.content, name=upload.name).image))
        except ImageRefused as exc:
            raise SelectionError(_("Photos: %(error)s") % {"error": exc}) from None
    return out


def _nominee_resolve(call: Call, nominee: Nominee, *, actor) -> dict:
    subject = call.kind.subject
    if subject == SubjectKind.SITE and nominee.site_id:
        sites = restrict(Site.objects.all(), actor) if actor is not None else Site.objects.none()
        site = sites.select_related("area").filter(pk=nominee.site_id, area__isnull=False).first()
        if site is None:
            raise SelectionError(_("Nominee: choose a place in your area."))
        return {"site": site, "area": site.area, "name": (nominee.name or site.name).strip()}
    if subject == SubjectKind.UNIT and nominee.unit_id:
        # Only a unit in the person's scope: a unit's staff nominate their own units, not any in the city.
        units = restrict(Unit.objects.all(), actor) if actor is not None else Unit.objects.none()
        unit = units.select_related("area").filter(pk=nominee.unit_id, area__isnull=False).first()
        if unit is None:
            raise SelectionError(_("Nominee: choose a unit with an area."))
        return {"unit": unit, "area": unit.area, "name": unit.name}
    name = strip_controls(nominee.name or "").strip()
    if not name:
        raise SelectionError(_("Nominee: give the name of who or what you nominate."))
    if len(name) > 120:
        raise SelectionError(_("Nominee: at most 120 characters."))
    area = Area.objects.filter(pk=nominee.area_id).first() if nominee.area_id else None
    if area is None:
        raise SelectionError(_("Community: choose where the nominee is."))
    code = (nominee.credit_code or "").strip().upper()
    if code and len(code) != CREDIT_CODE_LENGTH:
        raise SelectionError(_("Unified social credit code: 18 characters."))
    if subject == SubjectKind.ENTERPRISE and call.kind.integrity and not code:
        raise SelectionError(_("Unified social credit code: an integrity title needs the enterprise's code."))
    return {"area": area, "name": name, "credit_code": code}


def _nominator(call: Call, actor, area: Area) -> dict:
    """Who nominates from the staff side: the organiser (for the organising unit), a unit's staff (for their unit)
    or a community's area roles (for their community, nominees inside it only)."""
    if is_organiser(actor):
        return {"nominator_kind": NominatorKind.UNIT, "nominator_unit": call.organiser}
    scope = scope_for(actor)
    if not scope.roles & SELECTION_NOMINATORS:
        raise NotAllowed(_("You may not nominate."))
    if scope.roles & UNIT_ROLES:
        unit = actor.roles.filter(role__in=UNIT_ROLES, unit__isnull=False).select_related("unit").first()
        if unit is not None:
            return {"nominator_kind": NominatorKind.UNIT, "nominator_unit": unit.unit}
    community = (actor.roles.filter(area__level=AreaLevel.COMMUNITY, role__in=SELECTION_NOMINATORS)
                 .select_related("area").first())
    if community is None:
        raise NotAllowed(_("Only a unit's staff or a community's staff may nominate."))
    if not area.path.startswith(community.area.path):
        raise SelectionError(_("Nominee: a community nominates within its own community."))
    return {"nominator_kind": NominatorKind.COMMUNITY, "nominator_unit": None}


def integrity_refusals(nomination: Nomination) -> list[str]:
    """The blocking findings of the checks that refuse an integrity (诚信) nomination outright."""
    refusals = []
    for registered in qualification_checks():
        if registered.refuses_integrity:
            refusals += [f.label for f in registered.check(nomination) if f.blocking]
    return refusals


def _create(call_id: int, *, actor, nominee: Nominee, statement: str, photos: Sequence[Upload], extra: dict,
            now: dt.datetime) -> Nomination:
    statement = strip_controls(statement or "").strip()
    if not statement:
        raise SelectionError(_("Statement: say why the nominee deserves the title."))
    if len(statement) > MAX_STATEMENT:
        raise SelectionError(_("Statement: at most %(n)d characters.") % {"n": MAX_STATEMENT})
    jpegs = _photos_decode(photos)
    with transaction.atomic():
        # The call's row lock serialises numbering: two nominations never take the same 编号.
        call = Call.objects.select_for_update(of=("self",)).select_related("kind").get(pk=call_id)
        if call.status != CallStatus.NOMINATING or not call.nominations_open <= now <= call.nominations_close:
            raise IllegalTransition(_("This call is not taking nominations."))
        resolved = _nominee_resolve(call, nominee, actor=actor)
        nominator = ({"nominator_kind": NominatorKind.PUBLIC} if extra.get("nominator_kind") == NominatorKind.PUBLIC
                     else _nominator(call, actor, resolved["area"]))
        district = district_of(resolved["area"])
        if district is None or not call.quotas.filter(area=district).exists():
            raise SelectionError(_("Nominee: this call takes no nominations from that district."))
        number = (call.nominations.aggregate(m=Max("number"))["m"] or 0) + 1
        nomination = Nomination(call=call, number=number, statement=statement, district=district,
                                nominated_by=actor,
                                **resolved, **nominator,
                                nominator_phone=extra.get("nominator_phone", ""))
        if call.kind.integrity:
            refusals = integrity_refusals(nomination)
            if refusals:
                raise SelectionError(_("%(name)s cannot be nominated for an integrity title: %(why)s")
                                     % {"name": nomination.name, "why": "；".join(refusals)})
        nomination.save()
        for content in jpegs:
            photo = NominationPhoto(nomination=nomination)
            field_file_save(photo.file, stem=f"n{nomination.pk}", extension="jpg", content=content)
            photo.save()
        NominationEvent.objects.create(nomination=nomination, action="nominated", actor=actor, from_status="",
                                       to_status=nomination.status, data={"photos": len(jpegs)})
    return nomination


def nomination_create(*, call_id: int, actor, nominee: Nominee, statement: str, photos: Sequence[Upload] = (),
                      now: dt.datetime | None = None) -> Nomination:
    """A nomination by staff: a unit for itself, a community within it, or the organiser."""
    if not Call.objects.filter(pk=call_id).exists():
        raise Call.DoesNotExist
    return _create(call_id, actor=actor, nominee=nominee, statement=statement, photos=photos, extra={},
                   now=now or timezone.now())


def nomination_public_submit(*, call_id: int, phone: str, nominee: Nominee, statement: str,
                             photos: Sequence[Upload] = (), ip: str = "",
                             now: dt.datetime | None = None) -> Nomination:
    """A nomination from the public page. ``phone`` is given only once verified by SMS code; it is kept for the
    organisers only and never shown on a public page."""
    if not phone:
        raise SelectionError(_("Phone: verify your mobile number first."))
    limit_hit(what="nominate_ip", who=ip)
    limit_hit(what="nominate_phone", who=phone)
    return _create(call_id, actor=None, nominee=nominee, statement=statement, photos=photos,
                   extra={"nominator_kind": NominatorKind.PUBLIC, "nominator_phone": phone},
                   now=now or timezone.now())


# -- withdrawal by the nominator ----------------------------------------------------------------------------------

N = NominationStatus
# Where a nominator may still withdraw (撤回) their nomination: before the ranking is frozen. On the ballot only
# until the vote opens: once citizens vote for a nominee, taking it off would void their votes.
WITHDRAWABLE = frozenset({N.SUBMITTED, N.QUALIFIED, N.HELD_BACK, N.SHORTLISTED})
WITHDRAW_CALL_STATES = frozenset({CallStatus.NOMINATING, CallStatus.REVIEWING, CallStatus.VOTING})
MAX_WITHDRAW_NOTE = 500


def withdraw_refusal(nomination: Nomination, call: Call, actor, now: dt.datetime) -> str | None:
    """Why this person may not withdraw this nomination now, or None when they may: the one rule the page (its
    button) and ``nomination_withdraw`` both read. Only the staff member who nominated; a public nominator has no
    account to do it with (the organisers hold the nomination back instead)."""
    if actor is None or nomination.nominated_by_id is None or nomination.nominated_by_id != actor.pk:
        return _("Only the person who made the nomination may withdraw it.")
    if call.status not in WITHDRAW_CALL_STATES or nomination.status not in WITHDRAWABLE:
        return _("This nomination can no longer be withdrawn.")
    if nomination.status == N.SHORTLISTED and (call.status != CallStatus.VOTING or call.vote_opens is None
                                              or call.vote_opens <= now):
        return _("This nominee is on the ballot of a public vote that has opened: it can no longer be withdrawn.")
    return None


def nomination_withdraw(*, nomination_id: int, actor, expected_version: int, note: str,
                        now: dt.datetime | None = None) -> Nomination:
    """The nominator withdraws their own nomination, with a note: it leaves the review, the ballot and the ranking,
    and stays on the call's page as withdrawn. Raises ``Nomination.DoesNotExist`` out of the person's scope."""
    note = strip_controls(note or "").strip()
    if not note:
        raise SelectionError(_("Note: say why the nomination is withdrawn."))
    if len(note) > MAX_WITHDRAW_NOTE:
        raise SelectionError(_("Note: at most %(n)d characters.") % {"n": MAX_WITHDRAW_NOTE})
    now = now or timezone.now()
    # Seen through the person's scope (404 beyond it), the rows they reported included: a nominator may see their
    # nomination only as its nominator (``nominated_by``), and only the nominator may withdraw it (checked below),
    # so the lock is not ``locked_in_scope``'s, which leaves reported rows out.
    call_id = restrict(Nomination.objects.all(), actor).values_list("call_id", flat=True).get(pk=nomination_id)
    with transaction.atomic():
        # The call first, as its lifecycle steps lock it (then its nominations): a withdrawal cannot slip between
        # the vote's opening or the notice's ranking and their moves.
        call = Call.objects.select_for_update(of=("self",)).get(pk=call_id)
        nomination = Nomination.objects.select_for_update(of=("self",)).get(pk=nomination_id)
        if nomination.version != expected_version:
            raise StaleSelection(_("Someone changed this nomination meanwhile; reload the page and try again."))
        refusal = withdraw_refusal(nomination, call, actor, now)
        if refusal:
            nominator = nomination.nominated_by_id is not None and nomination.nominated_by_id == actor.pk
            raise (IllegalTransition if nominator else NotAllowed)(refusal)
        before = nomination.status
        nomination.status = N.WITHDRAWN
        nomination.version += 1
        nomination.save(update_fields=["status", "version", "updated_at"])
        NominationEvent.objects.create(nomination=nomination, action="withdrawn", actor=actor, from_status=before,
                                       to_status=N.WITHDRAWN, note=note)
    return nomination
