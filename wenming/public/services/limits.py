"""Rate limits of the public pages: their kinds and defaults. The counting is ``wenming.common.services.limits``
(shared by every process: Redis when REDIS_URL is set, else the database); the functions are re-exported here
and raise the public pages' own ``RateLimited``, so callers and their ``except`` clauses stay as they were.

Limits are ``(count, seconds)`` pairs in ``settings.WENMING_PUBLIC_LIMITS`` (defaults below).
"""

from __future__ import annotations

from wenming.common.services import limits as _common
from wenming.common.services.limits import keyed_hash, limit_count, limits

from .errors import RateLimited

__all__ = ["DEFAULT_LIMITS", "keyed_hash", "limit_check", "limit_count", "limit_hit", "limits"]

DEFAULT_LIMITS = {
    "code_phone": (5, 3600),  # SMS codes to one phone number
    "code_ip": (20, 3600),  # SMS codes asked for from one network
    "report_phone": (10, 86400),  # reports with one phone number
    "report_ip": (20, 3600),  # reports from one network
    "track_ip": (60, 3600),  # unknown tracking codes tried from one network
    "rate_ip": (30, 3600),  # ratings from one network
    "open311_token_ip": (60, 3600),  # unknown Open311 tokens (tracking codes) tried from one network
    "open311_request_ip": (60, 3600),  # unknown Open311 service_request_ids tried from one network
}
_common.limits_declare(DEFAULT_LIMITS)


def limit_check(*, what: str, who: str, now: float | None = None) -> None:
    """See ``wenming.common.services.limits.limit_check``."""
    try:
        _common.limit_check(what=what, who=who, now=now)
    except _common.RateLimited as exc:
        raise RateLimited(str(exc), retry_after=exc.retry_after) from None


def limit_hit(*, what: str, who: str, now: float | None = None, times: int = 1) -> int:
    """See ``wenming.common.services.limits.limit_hit``."""
    try:
        return _common.limit_hit(what=what, who=who, now=now, times=times)
    except _common.RateLimited as exc:
        raise RateLimited(str(exc), retry_after=exc.retry_after) from None
