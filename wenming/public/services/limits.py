"""Rate limits for the public pages: a fixed-window counter per (what, who) on Django's cache, shared by
every process when the cache is Redis (REDIS_URL), per process in the demo.

Limits are ``(count, seconds)`` pairs in ``settings.WENMING_PUBLIC_LIMITS`` (defaults below).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext

from .errors import RateLimited

DEFAULT_LIMITS = {
    "code_phone": (5, 3600),  # SMS codes to one phone number
    "code_ip": (20, 3600),  # SMS codes asked for from one network
    "report_phone": (10, 86400),  # reports with one phone number
    "report_ip": (20, 3600),  # reports from one network
    "track_ip": (60, 3600),  # unknown tracking codes tried from one network
    "rate_ip": (30, 3600),  # ratings from one network
}


def limits() -> dict[str, tuple[int, int]]:
    return {**DEFAULT_LIMITS, **getattr(settings, "WENMING_PUBLIC_LIMITS", {})}


def keyed_hash(value: str, *, size: int = 32) -> str:
    """A hash of a phone number or an address keyed with the secret key: not reversible by guessing."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:size]


def _message(what: str, limit: int, minutes: int) -> str:
    if what.endswith("_phone"):
        return ngettext(
            "This phone number has reached its limit of %(limit)d in this period. Try again in %(minutes)d minute.",
            "This phone number has reached its limit of %(limit)d in this period. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"limit": limit, "minutes": minutes}
    return ngettext(
        "Too many requests from your network (at most %(limit)d in this period). Try again in %(minutes)d minute.",
        "Too many requests from your network (at most %(limit)d in this period). Try again in %(minutes)d minutes.",
        minutes,
    ) % {"limit": limit, "minutes": minutes}


def limit_check(*, what: str, who: str, now: float | None = None) -> None:
    """Raise ``RateLimited`` when ``who`` has used up the limit of kind ``what`` in the current window, counting
    nothing: a lookup that only counts its misses checks this first, so that past the limit a hit is refused
    like a miss (else the refusals would tell which codes exist)."""
    if not who:
        return
    limit, window = limits()[what]
    now = time.time() if now is None else now
    slot = int(now // window)
    if (cache.get(f"wenming:limit:{what}:{keyed_hash(who)}:{slot}") or 0) >= limit:
        retry_after = int((slot + 1) * window - now) + 1
        raise RateLimited(_message(what, limit, max(1, -(-retry_after // 60))), retry_after=retry_after)


def limit_hit(*, what: str, who: str, now: float | None = None) -> None:
    """Count one request of kind ``what`` by ``who`` (a phone number or an IP address); raise ``RateLimited``
    when it goes over the limit of the current window."""
    if not who:
        return
    limit, window = limits()[what]
    now = time.time() if now is None else now
    slot = int(now // window)
    key = f"wenming:limit:{what}:{keyed_hash(who)}:{slot}"
    if cache.add(key, 1, timeout=window + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window + 5)
            count = 1
    if count > limit:
        retry_after = int((slot + 1) * window - now) + 1
        raise RateLimited(_message(what, limit, max(1, -(-retry_after // 60))), retry_after=retry_after)
