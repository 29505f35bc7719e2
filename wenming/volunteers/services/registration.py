"""Registering a volunteer (实名注册): a verified phone, the real-name fields the organisation asks for, and for a
minor the guardian's verified phone and consent (《志愿服务条例》: minors serve with their guardian's consent)."""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.common.services.limits import keyed_hash
from wenming.volunteers.errors import VolunteerError
from wenming.volunteers.models import EventAction, Membership, Organisation, Volunteer

from .events import event_append

ADULT_AGE = 18
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_number_check(value: str) -> str:
    """A resident ID number (GB 11643): 18 characters, its check character right. Returns it upper-cased."""
    value = (value or "").strip().upper()
    if not ID_NUMBER.match(value) or ID_CHECK[sum(int(c) * w for c, w in zip(value[:17], ID_WEIGHTS, strict=True)) % 11] != value[17]:
        raise VolunteerError(_("ID number: enter a valid 18-character resident ID number."))
    return value


def id_number_mask(value: str) -> str:
    return f"{value[:3]}{'*' * 11}{value[-4:]}"


def volunteer_register(*, phone: str, name: str, birth_date: dt.date, organisation_id: int, id_number: str = "",
                       guardian_name: str = "", guardian_phone: str = "", guardian_consent: bool = False,
                       skills: str = "", area_id: int | None = None, availability: str = "",
                       now: dt.datetime | None = None) -> Volunteer:
    """Register the owner of ``phone`` (verified by the caller) with one organisation; all or nothing."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    name = (name or "").strip()
    if not name:
        raise VolunteerError(_("Name: enter your name."))
    if not dt.date(1900, 1, 1) <= birth_date <= today:
        raise VolunteerError(_("Birth date: enter a real date in the past."))
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise VolunteerError(_("Organisation: choose an organisation from the list."))
    masked = hashed = ""
    if organisation.requires_real_name or id_number:
        number = id_number_check(id_number)
        try:
            born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:  # a right check character on an impossible date (month 13, 29 February 2023)
            raise VolunteerError(_("ID number: the birth date in it is not a real date.")) from None
        if born != birth_date:
            raise VolunteerError(_("ID number: the birth date in it differs from the birth date entered."))
        masked, hashed = id_number_mask(number), keyed_hash(f"volunteer-id:{number}", size=64)
    volunteer = Volunteer(phone=phone, name=name, birth_date=birth_date, id_number_masked=masked,
                          id_number_hash=hashed, skills=skills.strip(), area_id=area_id,
                          availability=availability.strip())
    if volunteer.age_on(today) < ADULT_AGE:
        if not guardian_name.strip() or not guardian_phone:
            raise VolunteerError(_("Guardian: a volunteer under 18 needs a guardian's name and verified phone."))
        if not guardian_consent:
            raise VolunteerError(_("Guardian: a volunteer under 18 needs the guardian's consent."))
        if guardian_phone == phone:
            raise VolunteerError(_("Guardian: the guardian's phone must differ from the volunteer's."))
        volunteer.guardian_name, volunteer.guardian_phone = guardian_name.strip(), guardian_phone
        volunteer.guardian_consent_at = now
    if hashed and Volunteer.objects.filter(id_number_hash=hashed).exists():
        raise VolunteerError(_("ID number: this person is already registered with another phone."))
    try:
        with transaction.atomic():
            volunteer.save()
            Membership.objects.create(volunteer=volunteer, organisation=organisation)
            event_append(action=EventAction.REGISTERED, at=now, volunteer=volunteer,
                         data={"organisation": organisation.pk, "minor": volunteer.guardian_consent_at is not None})
    except IntegrityError:
        raise VolunteerError(_("Phone: this phone is already registered; sign in instead.")) from None
    return volunteer


def volunteer_join(*, volunteer_id: int, organisation_id: int, now: dt.datetime | None = None) -> Membership:
    now = now or timezone.now()
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise VolunteerError(_("Organisation: choose an organisation from the list."))
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer_id)
        if organisation.requires_real_name and not volunteer.id_number_hash:
            raise VolunteerError(_("This organisation requires real-name registration: your ID number is missing."))
        membership, created = Membership.objects.get_or_create(volunteer=volunteer, organisation=organisation)
        if created:
            event_append(action=EventAction.JOINED, at=now, volunteer=volunteer, data={"organisation": organisation.pk})
    return membership
