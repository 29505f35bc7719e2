"""Rate limits: a fixed-window counter per (what, who), shared by every worker process.

The counters live in Redis when REDIS_URL is set (Django's cache, atomic ``incr``), else in the database
(``common.RateCounter``, one upsert per hit): never in one process's memory, where four workers would allow four
times the limit.

Limits are ``(count, seconds)`` pairs: the kinds declared here and by the apps that use them
(``limits_declare``), overridden by ``settings.WENMING_PUBLIC_LIMITS``.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import time
from contextlib import nullcontext

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils.translation import ngettext

from wenming.common.models import RateCounter

DEFAULT_LIMITS = {
    "login_account": (5, 900),  # wrong passwords for one account
    "login_ip": (20, 900),  # wrong passwords from one network, whatever the account
}
_declared: dict[str, tuple[int, int]] = dict(DEFAULT_LIMITS)

_clock = time.time  # tests hold it still, so that a run cannot straddle two windows

# Rows of senders who stopped are deleted on about one hit in this many (cheap: an indexed range delete).
PURGE_ONE_IN = 100


class RateLimited(Exception):
    """Too many requests of one kind from one sender in the current window."""

    def __init__(self, message: str, *, retry_after: int, until: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.until = until  # when the window ends (Unix seconds)


def limits_declare(kinds: dict[str, tuple[int, int]]) -> None:
    """An app's own kinds of limit with their defaults (the public pages declare theirs on import)."""
    _declared.update(kinds)


def limits() -> dict[str, tuple[int, int]]:
    return {**_declared, **getattr(settings, "WENMING_PUBLIC_LIMITS", {})}


def keyed_hash(value: str, *, size: int = 32) -> str:
    """A hash of a phone number or an address keyed with the secret key: not reversible by guessing."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:size]


def minutes_until(retry_after: int) -> int:
    return max(1, -(-retry_after // 60))


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


def _use_cache() -> bool:
    return bool(getattr(settings, "REDIS_URL", ""))


def _window(what: str, who: str, now: float | None) -> tuple[int, int, str, int, float]:
    limit, window = limits()[what]
    now = _clock() if now is None else now
    slot = int(now // window)
    return limit, window, f"{what}:{keyed_hash(who)}", slot, now


def _refuse(what: str, limit: int, window: int, slot: int, now: float):
    retry_after = int((slot + 1) * window - now) + 1
    raise RateLimited(_message(what, limit, minutes_until(retry_after)), retry_after=retry_after,
                      until=(slot + 1) * window)


def limit_count(*, what: str, who: str, now: float | None = None) -> int:
    """How many requests of kind ``what`` ``who`` made in the current window (0 for an empty ``who``)."""
    if not who:
        return 0
    limit, window, key, slot, now = _window(what, who, now)
    if _use_cache():
        return cache.get(f"wenming:limit:{key}:{slot}") or 0
    row = RateCounter.objects.filter(key=key).values_list("window_start", "count").first()
    return row[1] if row and row[0] >= slot * window else 0


def limit_check(*, what: str, who: str, now: float | None = None) -> None:
    """Raise ``RateLimited`` when ``who`` has used up the limit of kind ``what`` in the current window, counting
    nothing: a lookup that only counts its misses checks this first, so that past the limit a hit is refused
    like a miss (else the refusals would tell which codes exist)."""
    if not who:
        return
    limit, window, _key, slot, now = _window(what, who, now)
    if limit_count(what=what, who=who, now=now) >= limit:
        _refuse(what, limit, window, slot, now)


def limit_hit(*, what: str, who: str, now: float | None = None, times: int = 1) -> int:
    """Count one request of kind ``what`` by ``who`` (a phone number, an IP address, an account), or ``times``
    of them at once (the misses of one lookup: one write, not one each); raise ``RateLimited`` when it goes over
    the limit of the current window. Answers the count so far."""
    if not who or times < 1:
        return 0
    limit, window, key, slot, now = _window(what, who, now)
    count = _cache_hit(key, slot, window, times) if _use_cache() else _db_hit(key, slot, window, now, times)
    if count > limit:
        _refuse(what, limit, window, slot, now)
    return count


def _cache_hit(key: str, slot: int, window: int, times: int) -> int:
    key = f"wenming:limit:{key}:{slot}"
    if cache.add(key, times, timeout=window + 5):
        return times
    try:
        return cache.incr(key, times)
    except ValueError:  # expired between add and incr
        cache.add(key, times, timeout=window + 5)
        return times


def _db_hit(key: str, slot: int, window: int, now: float, times: int) -> int:
    """One statement, atomic on its own in SQLite and PostgreSQL: insert the counter or add one to it, restarted
    when its window is over. A row whose window is ahead (another process's clock a moment ahead at the boundary)
    keeps counting rather than go back."""
    start = slot * window
    table, q = RateCounter._meta.db_table, connection.ops.quote_name
    sql = (
        f"INSERT INTO {q(table)} ({q('key')}, {q('window_start')}, {q('expires')}, {q('count')}) "
        f"VALUES (%s, %s, %s, %s) ON CONFLICT ({q('key')}) DO UPDATE SET "
        f"{q('count')} = CASE WHEN {q(table)}.{q('window_start')} >= excluded.{q('window_start')} "
        f"THEN {q(table)}.{q('count')} + excluded.{q('count')} ELSE excluded.{q('count')} END, "
        f"{q('window_start')} = CASE WHEN {q(table)}.{q('window_start')} >= excluded.{q('window_start')} "
        f"THEN {q(table)}.{q('window_start')} ELSE excluded.{q('window_start')} END, "
        f"{q('expires')} = CASE WHEN {q(table)}.{q('expires')} >= excluded.{q('expires')} "
        f"THEN {q(table)}.{q('expires')} ELSE excluded.{q('expires')} END "
        f"RETURNING {q('count')}"
    )
    # On PostgreSQL a counter does not wait for its commit to reach the disk (4 ms to 0.5 ms a hit here): a crash
    # forgets at most the last few counts. Inside a caller's transaction the setting would be theirs too: not there.
    fast = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic() if fast else nullcontext(), connection.cursor() as cursor:
        if fast:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(sql, [key, start, start + window, times])
        count = cursor.fetchone()[0]
    if random.random() * PURGE_ONE_IN < 1:  # noqa: S311 - sampling, not a secret
        limits_purge(now=now)
    return count


def limits_purge(*, now: float | None = None) -> int:
    """Delete the counters whose window is over (also done on a sample of hits)."""
    now = _clock() if now is None else now
    return RateCounter.objects.filter(expires__lt=int(now)).delete()[0]
