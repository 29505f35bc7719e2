"""Login throttling: wrong passwords are counted per account and per network in the shared rate-limit store
(``wenming.common.services.limits``: Redis or the database, the same for every worker process).

Past either limit every password is refused — the right one too — until the window ends, so guessing gets
nowhere; a login that succeeds resets nothing (else one good login would clear a network's count for every other
account tried from it). The refusal is in the authentication backend, so every ``authenticate()`` honours it
(the login page, the admin's login, anything added later); the login forms check first to say when to try again.
Each lockout is written to the audit log.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wenming.common.net import client_ip
from wenming.common.services.audit import audit_event_record
from wenming.common.services.limits import RateLimited, limit_check, limit_hit, limits, minutes_until

ACCOUNT, NETWORK = "login_account", "login_ip"


class LoginThrottled(Exception):
    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _account(username: str) -> str:
    # Spellings that differ only in case or spaces count against one account (for guessing they are one); control
    # characters are dropped, as the name goes into the audit log.
    return "".join(ch for ch in (username or "") if ch.isprintable()).strip().casefold()[:150]


def _message(what: str, exc: RateLimited) -> str:
    minutes = minutes_until(exc.retry_after)
    at = timezone.localtime(dt.datetime.fromtimestamp(exc.until, tz=dt.UTC)).strftime("%H:%M")
    if what == ACCOUNT:
        return ngettext(
            "Too many wrong passwords for this account: logging in to it is paused. Try again in %(minutes)d "
            "minute (after %(time)s), or ask an administrator.",
            "Too many wrong passwords for this account: logging in to it is paused. Try again in %(minutes)d "
            "minutes (after %(time)s), or ask an administrator.",
            minutes,
        ) % {"minutes": minutes, "time": at}
    return ngettext(
        "Too many wrong passwords from your network: logging in from it is paused. Try again in %(minutes)d "
        "minute (after %(time)s).",
        "Too many wrong passwords from your network: logging in from it is paused. Try again in %(minutes)d "
        "minutes (after %(time)s).",
        minutes,
    ) % {"minutes": minutes, "time": at}


def login_throttle_check(*, username: str, ip: str) -> None:
    """Raise ``LoginThrottled`` (with when to try again) if the account or the network is locked now."""
    for what, who in ((ACCOUNT, _account(username)), (NETWORK, ip)):
        try:
            limit_check(what=what, who=who)
        except RateLimited as exc:
            raise LoginThrottled(_message(what, exc), retry_after=exc.retry_after) from None


def login_failure_record(*, username: str, ip: str) -> None:
    """Count one wrong password against the account and the network; the failure that uses up a limit locks it,
    and that lockout goes to the audit log (once per lockout, not once per refused attempt)."""
    for what, who in ((ACCOUNT, _account(username)), (NETWORK, ip)):
        try:
            count = limit_hit(what=what, who=who)
        except RateLimited:
            continue  # already locked: its lockout was logged when it began
        limit, window = limits()[what]
        if who and count == limit:
            audit_event_record(
                action="login.locked",
                summary=(_("Login paused for the account %(account)s after %(limit)d wrong passwords")
                         if what == ACCOUNT else
                         _("Login paused for the network %(account)s after %(limit)d wrong passwords"))
                % {"account": who, "limit": limit},
                data={"kind": what, "account": _account(username), "ip": ip, "limit": limit, "window": window},
            )


class ThrottledModelBackend(ModelBackend):
    """The model backend, refusing every password while the account or the network is locked, and counting the
    passwords it refuses."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request)
        try:
            login_throttle_check(username=username, ip=ip)
        except LoginThrottled:
            raise PermissionDenied from None  # stops here: no later backend may try this password
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username=username, ip=ip)
        return user


class LoginThrottleMixin:
    """For a login form: while locked, say so and when to try again; the failure that locks says so at once
    rather than "wrong password". Asked only when the login failed: the backend already checked (and refused a
    locked login as a wrong one), so a good login checks once."""

    def _refuse_if_throttled(self):
        try:
            login_throttle_check(username=self.cleaned_data.get("username") or "", ip=client_ip(self.request))
        except LoginThrottled as exc:
            raise ValidationError(str(exc), code="throttled") from None

    def clean(self):
        try:
            return super().clean()
        except ValidationError as exc:
            if exc.code == "invalid_login":
                self._refuse_if_throttled()
            raise


class ThrottledAuthenticationForm(LoginThrottleMixin, AuthenticationForm):
    """The login page's form."""


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Changing one's password checks the old one: a wrong one counts against the account like a failed login
    (else a session left open would let anyone guess the password)."""

    required_css_class = "required"

    def clean_old_password(self):
        username = self.user.get_username()
        try:
            login_throttle_check(username=username, ip="")
        except LoginThrottled as exc:
            raise ValidationError(str(exc), code="throttled") from None
        try:
            return super().clean_old_password()
        except ValidationError:
            login_failure_record(username=username, ip="")
            raise
