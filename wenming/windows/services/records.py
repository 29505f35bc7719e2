"""A window's records: the window itself, its published commitments (versions appended), its staff and their
certificates, and the reminders before a certificate expires. Every change appends a ``WindowEvent``."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.common.access import locked_in_scope, scope_for
from wenming.common.input import strip_controls
from wenming.common.roles import COMMAND_OR_ADMIN, UNIT_LEADERS, UNIT_ROLES, WINDOW_KEEPERS
from wenming.common.services.notifications import notifications_enqueue
from wenming.org.models import Person
from wenming.windows.errors import NotAllowed, WindowError
from wenming.windows.models import ServiceWindow, WindowCommitment, WindowEvent, WindowEventKind, WindowStaff

# Reminded this many days before a certificate expires (and again on the day it lapses).
REMIND_DAYS = 30
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the counter


def window_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def keeper_require(actor) -> None:
    if not scope_for(actor).roles & WINDOW_KEEPERS:
        raise NotAllowed(_("Your role may not change a window's records."))


def event_append(window: ServiceWindow, *, kind: str, actor=None, note: str = "", at=None, **data) -> WindowEvent:
    """The one writer of a window's log."""
    return WindowEvent.objects.create(window=window, kind=kind, actor=actor if getattr(actor, "pk", None) else None,
                                      note=note, data=data, created_at=at or timezone.now())


def _text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    value = strip_controls(value or "").strip()
    if required and not value:
        raise WindowError(_("%(field)s: this field is required.") % {"field": field})
    if len(value) > limit:
        raise WindowError(_("%(field)s: at most %(limit)d characters.") % {"field": field, "limit": limit})
    return value


def window_create(*, site, unit, name: str, number: str = "", actor=None) -> ServiceWindow:
    """A new counter at ``site`` answered for by ``unit``, with a fresh public code for its QR. Set up by the
    command centre or an administrator (``actor`` None: the demo builder and imports run as the system)."""
    if actor is not None and not scope_for(actor).roles & COMMAND_OR_ADMIN:
        raise NotAllowed(_("Your role may not set up windows."))
    if not unit.is_active:
        raise WindowError(_("Unit: %(unit)s is not active.") % {"unit": unit.name})
    name = _text(name, field=_("Counter name"), limit=100)
    number = _text(number, field=_("Counter number"), limit=20, required=False)
    with transaction.atomic():
        window = ServiceWindow.objects.create(site=site, unit=unit, name=name, number=number, code=window_code_new())
        event_append(window, kind=WindowEventKind.CREATED, actor=actor, unit=unit.pk, site=site.pk)
    return window


def commitment_publish(*, window_id: int, actor, publicity: str, promise: str,
                       expected_version: int | None = None) -> WindowCommitment:
    """Publish a new version of the window's 服务公示 and 服务承诺; refused if someone published since the version the
    editor started from."""
    keeper_require(actor)
    publicity = _text(publicity, field=_("Service publicity"), limit=4000)
    promise = _text(promise, field=_("Service commitment"), limit=4000)
    with transaction.atomic():
        window = locked_in_scope(ServiceWindow.objects.all(), actor, window_id)
        latest = window.commitments.order_by("-version").values_list("version", flat=True).first() or 0
        if expected_version is not None and expected_version != latest:
            raise WindowError(_("Someone published a newer version (%(version)d) meanwhile; reload and edit that.")
                              % {"version": latest})
        now = timezone.now()
        commitment = WindowCommitment.objects.create(window=window, version=latest + 1, publicity=publicity,
                                                     promise=promise, published_at=now, published_by=actor)
        event_append(window, kind=WindowEventKind.COMMITMENT_PUBLISHED, actor=actor, at=now,
                     version=commitment.version)
    return commitment


def staff_save(*, window_id: int, actor, name: str, position: str = "", certificate_kind: str = "",
               certificate_number: str = "", certificate_expires: dt.date | None = None,
               staff_id: int | None = None, is_active: bool = True,
               expected_version: int | None = None) -> WindowStaff:
    """Add a person to the counter or change one (their certificate renewed, or no longer there)."""
    keeper_require(actor)
    name = _text(name, field=_("Name"), limit=50)
    fields = {"name": name, "position": _text(position, field=_("Position"), limit=50, required=False),
              "certificate_kind": _text(certificate_kind, field=_("Certificate kind"), limit=50, required=False),
              "certificate_number": _text(certificate_number, field=_("Certificate number"), limit=50,
                                          required=False),
              "certificate_expires": certificate_expires, "is_active": is_active}
    if certificate_expires and not dt.date(2000, 1, 1) <= certificate_expires <= dt.date(2100, 12, 31):
        raise WindowError(_("Certificate expires: give a date between 2000 and 2100."))
    with transaction.atomic():
        window = locked_in_scope(ServiceWindow.objects.all(), actor, window_id)
        old: dict = {}
        if staff_id is None:
            staff = WindowStaff.objects.create(window=window, **fields)
        else:
            staff = window.staff.select_for_update().filter(pk=staff_id).first()
            if staff is None:
                raise WindowError(_("No such person at this window."))
            if expected_version is not None and expected_version != staff.version:
                raise WindowError(_("This person's record changed since you opened it; reload the page."))
            for key, value in fields.items():
                if getattr(staff, key) != value:
                    previous = getattr(staff, key)
                    old[key] = previous.isoformat() if isinstance(previous, dt.date) else previous
                setattr(staff, key, value)
            staff.version += 1
            staff.save()
        event_append(window, kind=WindowEventKind.STAFF_SAVED, actor=actor, staff=staff.pk, name=staff.name,
                     expires=certificate_expires.isoformat() if certificate_expires else None,
                     active=staff.is_active, old=old)
    return staff


def certificates_remind(*, today: dt.date | None = None) -> int:
    """Tell each window's unit (its leaders, else its handlers) of certificates expiring within ``REMIND_DAYS``
    or already expired, once per certificate and expiry date (the notification key). Returns how many were new."""
    today = today or timezone.localdate()
    due = (WindowStaff.objects.filter(is_active=True, window__is_active=True, certificate_expires__isnull=False,
                                      certificate_expires__lte=today + dt.timedelta(days=REMIND_DAYS))
           .select_related("window__unit", "window__site").order_by("window__unit_id", "certificate_expires"))
    sent = 0
    people_of: dict[int, list] = {}
    for staff in due:
        unit_id = staff.window.unit_id
        if unit_id not in people_of:
            people = list(Person.objects.filter(is_active=True, roles__unit_id=unit_id,
                                                roles__role__in=UNIT_LEADERS).distinct())
            people_of[unit_id] = people or list(Person.objects.filter(
                is_active=True, roles__unit_id=unit_id, roles__role__in=UNIT_ROLES).distinct())
        expired = staff.certificate_expires < today
        subject = (_("Certificate expired: %(name)s at %(window)s (%(date)s)") if expired else
                   _("Certificate expires soon: %(name)s at %(window)s (%(date)s)")) % {
            "name": staff.name, "window": str(staff.window), "date": staff.certificate_expires.isoformat()}
        key = f"window-cert:{staff.pk}:{staff.certificate_expires.isoformat()}:{'expired' if expired else 'soon'}"
        with transaction.atomic():
            made = notifications_enqueue(recipients=people_of[unit_id], key=key, subject=subject,
                                         link=f"/windows/{staff.window_id}/")
            if made:
                event_append(staff.window, kind=WindowEventKind.CERTIFICATE_REMINDED, staff=staff.pk,
                             expires=staff.certificate_expires.isoformat(), expired=expired)
        sent += made
    return sent
