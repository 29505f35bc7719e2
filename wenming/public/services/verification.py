"""SMS codes that verify a citizen's mobile number before a report carries it.

The code is six digits, kept only as a keyed hash, valid for ten minutes and for a few wrong tries; asking
again replaces it. Sending goes through the pluggable SMS backend (``wenming.common.notify``).
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wenming.common.notify import sms_backend
from wenming.public.models import PhoneVerification

from .errors import PublicError
from .limits import keyed_hash, limit_hit

CODE_TTL = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
MOBILE = re.compile(r"^1[3-9]\d{9}$")


class VerificationError(PublicError):
    def __init__(self, message: str, *, field: str = "code") -> None:
        super().__init__(message)
        self.field = field  # the form field the message is about


def phone_normalize(phone: str) -> str:
    """A mainland mobile number, digits only (a +86 or 86 prefix, spaces and dashes dropped)."""
    digits = re.sub(r"[\s\-]", "", phone or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not MOBILE.match(digits):
        raise VerificationError(_("Phone: enter an 11-digit mobile number."), field="phone")
    return digits


def _hash(phone: str, code: str) -> str:
    return keyed_hash(f"phone-code:{phone}:{code}", size=64)


def phone_code_send(*, phone: str, ip: str = "", now: dt.datetime | None = None) -> PhoneVerification:
    """Send a new code to ``phone`` (replacing any earlier one), within the per-phone and per-network limits."""
    phone = phone_normalize(phone)
    limit_hit(what="code_ip", who=ip)
    limit_hit(what="code_phone", who=phone)
    now = now or timezone.now()
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        PhoneVerification.objects.filter(phone=phone, used_at__isnull=True).update(used_at=now)
        record = PhoneVerification.objects.create(
            phone=phone, code_hash=_hash(phone, code), created_at=now, expires_at=now + CODE_TTL,
        )
    sms_backend().send(
        phone=phone, key=f"phone-code:{record.pk}",
        text=_("Your Wenming verification code is %(code)s, valid for %(minutes)d minutes. Do not tell anyone.")
        % {"code": code, "minutes": int(CODE_TTL.total_seconds() // 60)},
    )
    return record


def phone_code_check(*, phone: str, code: str, now: dt.datetime | None = None) -> str:
    """Check the code last sent to ``phone``; return the normalized number, or raise with what was wrong.
    A right code is used up; a wrong one counts against the tries left."""
    phone = phone_normalize(phone)
    code = (code or "").strip()
    now = now or timezone.now()
    error = None
    with transaction.atomic():
        record = (PhoneVerification.objects.select_for_update()
                  .filter(phone=phone, used_at__isnull=True).order_by("-created_at", "-id").first())
        if record is None:
            error = _("Code: ask for a code first.")
        elif now > record.expires_at:
            error = _("Code: the code has expired; ask for a new one.")
        elif record.attempts >= MAX_ATTEMPTS:
            error = _("Code: too many wrong tries; ask for a new code.")
        elif not hmac.compare_digest(record.code_hash, _hash(phone, code)):
            record.attempts += 1
            record.save(update_fields=["attempts"])
            left = MAX_ATTEMPTS - record.attempts
            error = ngettext("Code: the code is wrong; %(n)d try left.", "Code: the code is wrong; %(n)d tries left.",
                             left) % {"n": left} if left else _("Code: too many wrong tries; ask for a new code.")
        else:
            record.used_at = now
            record.save(update_fields=["used_at"])
    if error:
        raise VerificationError(error)
    return phone
