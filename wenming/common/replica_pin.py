"""Read-your-writes: whoever just changed something reads from the primary for a while.

After a request with an unsafe method (POST, PUT, PATCH, DELETE) that succeeded (status below 400), the person is
pinned to the primary for WENMING_REPLICA_PIN_SECONDS (by default the lag bound plus one second, so the replica
has caught up when the pin ends, or the lag bound sends reads to the primary anyway):

- a browser gets a signed cookie holding the pin's end (it needs no shared state and follows the browser to any
  node);
- a caller with an API key (``Authorization: Token …``, or Open311's ``api_key``) gets a key in the shared cache
  (Redis when REDIS_URL is set, so every node sees it), named by a hash of the key, never the key itself;
- a logged-in person also gets one per person in the shared cache, so their other browser or app is pinned too.

Installed by settings only when a replica is configured, after the authentication middleware. The pin is only
looked up when a view that opted in to replica reads is about to read (``wenming.common.db_router``).
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from wenming.common.db_router import SAFE_METHODS, pin_check_reset, pin_check_set

COOKIE = "wenming_primary"
SALT = "wenming.replica_pin"


def _credential(request) -> str | None:
    """A fingerprint of the API key the request carries, if any."""
    raw = request.META.get("HTTP_AUTHORIZATION", "")
    if not raw:
        raw = request.GET.get("api_key", "")
        if not raw and request.method == "POST":
            try:
                raw = request.POST.get("api_key", "")
            except Exception:  # noqa: BLE001 — a body the view refused to parse: no key to pin by
                raw = ""
    if not raw:
        return None
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _user_id(request) -> int | None:
    user = getattr(request, "user", None)
    if user is None:
        return None
    try:
        return user.pk if user.is_authenticated else None
    except Exception:  # noqa: BLE001 — no session store reachable: no per-person pin
        return None


def _cache_keys(request, *, with_user: bool) -> list[str]:
    keys = []
    if credential := _credential(request):
        keys.append(f"wenming:primary:key:{credential}")
    if with_user and (uid := _user_id(request)) is not None:
        keys.append(f"wenming:primary:person:{uid}")
    return keys


class ReplicaPinMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = pin_check_set(lambda: self._pinned(request))
        try:
            response = self.get_response(request)
        finally:
            pin_check_reset(token)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            self._pin(request, response)
        return response

    @staticmethod
    def _seconds() -> float:
        return settings.WENMING_REPLICA_PIN_SECONDS

    def _pinned(self, request) -> bool:
        if not hasattr(request, "_wenming_pinned"):
            request._wenming_pinned = self._look_up(request)
        return request._wenming_pinned

    def _look_up(self, request) -> bool:
        try:
            # The signature's own timestamp is in whole seconds: the end written in the cookie is the exact bound.
            until = float(request.get_signed_cookie(COOKIE, salt=SALT, max_age=self._seconds() + 1))
        except (KeyError, ValueError, signing.BadSignature):
            until = 0.0
        if until > time.time():
            return True
        keys = _cache_keys(request, with_user=True)
        return bool(keys) and bool(cache.get_many(keys))

    def _pin(self, request, response) -> None:
        seconds = self._seconds()
        if seconds <= 0:
            return
        response.set_signed_cookie(COOKIE, str(time.time() + seconds), salt=SALT, max_age=max(1, int(seconds + 0.999)),
                                   httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        if keys := _cache_keys(request, with_user=True):
            cache.set_many(dict.fromkeys(keys, 1), timeout=max(1, int(seconds + 0.999)))
