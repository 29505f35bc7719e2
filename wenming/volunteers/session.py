"""The volunteer's phone-verified session: volunteers are citizens without staff accounts. After an SMS code
(``public.services.verification``) the browser's session holds the volunteer's id until an expiry
(``WENMING_VOLUNTEER_SESSION_HOURS``); a verified phone not registered yet is held for the registration form."""

from __future__ import annotations

import time

from django.conf import settings

from wenming.volunteers.models import Volunteer

SESSION_VOLUNTEER = "volunteer_session"
SESSION_VERIFIED = "volunteer_verified_phone"
VERIFIED_FOR = 30 * 60  # seconds a verified phone waits for its registration form


def volunteer_session_start(request, volunteer: Volunteer) -> None:
    request.session.cycle_key()  # a new session id once the phone is proven: no fixation
    request.session[SESSION_VOLUNTEER] = {"id": volunteer.pk,
                                          "until": time.time() + settings.WENMING_VOLUNTEER_SESSION_HOURS * 3600}
    request.session.pop(SESSION_VERIFIED, None)


def volunteer_session_end(request) -> None:
    request.session.pop(SESSION_VOLUNTEER, None)
    request.session.pop(SESSION_VERIFIED, None)


def session_volunteer_id(request) -> int | None:
    """The signed-in volunteer's id, without reading the row (the check-in post needs no more)."""
    stored = request.session.get(SESSION_VOLUNTEER)
    if not isinstance(stored, dict) or stored.get("until", 0) < time.time() or not isinstance(stored.get("id"), int):
        return None
    return stored["id"]


def session_volunteer(request) -> Volunteer | None:
    volunteer_id = session_volunteer_id(request)
    return Volunteer.objects.filter(pk=volunteer_id).first() if volunteer_id else None


def verified_phone_hold(request, phone: str) -> None:
    request.session[SESSION_VERIFIED] = {"phone": phone, "until": time.time() + VERIFIED_FOR}


def verified_phone(request) -> str:
    stored = request.session.get(SESSION_VERIFIED)
    if isinstance(stored, dict) and stored.get("until", 0) > time.time():
        return stored.get("phone", "")
    return ""
