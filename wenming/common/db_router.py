"""Reads that may be a little stale go to the replica, and only those.

With ``DATABASE_REPLICA_URL`` set, settings add a ``replica`` alias and this router. Nothing reads from the replica
unless the code asked for it: a view wrapped in ``@replica_reads`` (dashboards, exports, public columns, Open311
lists) or a block inside ``with replica_reading():``. Everything else, every write, and every read inside a
transaction opened within the block stays on ``default``. Without a replica the router is not installed at all.

Before the first read in such a block the router asks whether the replica may be used, in this order:

- the person is pinned to the primary because they just changed something (read-your-writes, see
  ``wenming.common.replica_pin``): primary;
- the replica was found down less than WENMING_REPLICA_RETRY_SECONDS ago: primary, without trying it again;
- its replay lag, probed at most once a second per process, is above WENMING_REPLICA_MAX_LAG_SECONDS: primary.

The probe cannot fail a request: a connection error or a timeout (the alias has a short ``connect_timeout``) marks
the replica down and the read goes to the primary. A query that fails on the replica after the probe said yes (the
replica died in between) is the view's error, as any database error is; the next request goes to the primary.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager, suppress

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PROBE_INTERVAL = 1.0  # seconds between two lag probes in one process
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Inside code that opted in to replica reads: how many transactions were open on the primary when it did (None:
# it did not). A transaction opened after that is the code's own: its reads must see its writes.
_reading: contextvars.ContextVar[int | None] = contextvars.ContextVar("wenming_replica_reading", default=None)
# Whether this request's person must read from the primary: set by the pin middleware, asked lazily (the cache
# lookup behind it is only worth paying on a request that would read from the replica).
_pinned: contextvars.ContextVar[Callable[[], bool] | None] = contextvars.ContextVar("wenming_replica_pinned",
                                                                                     default=None)

# LAG_SQL is answered by the replica: lag 0 when it replayed everything it received (an idle primary writes
# nothing, so the last replayed transaction's age would grow without anything being behind); otherwise the age
# of the last replayed transaction; not in recovery at all means it was promoted, and is as fresh as it gets.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 'Infinity'::float8)
END::float8
"""


class _Health:
    """This process's view of the replica: its last lag, when it was probed, until when it counts as down."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lag: float | None = None
        self.probed_at = float("-inf")
        self.down_until = float("-inf")

    def reset(self) -> None:
        with self.lock:
            self.lag, self.probed_at, self.down_until = None, float("-inf"), float("-inf")


_health = _Health()


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_lag_probe() -> float:
    """Seconds the replica is behind the primary (raises DatabaseError when it cannot be reached)."""
    conn = connections[REPLICA]
    if conn.vendor != "postgresql":
        return 0.0  # a copy of the same file (SQLite tests): nothing to replay
    with conn.cursor() as cursor:
        cursor.execute(LAG_SQL)
        return float(cursor.fetchone()[0])


def _probe() -> float | None:
    """The lag, or None when the replica is down (then it is not tried again for a few seconds)."""
    try:
        return replica_lag_probe()
    except (DatabaseError, OSError) as exc:
        logger.warning("replica unreachable, reading from the primary: %s", exc)
        with suppress(DatabaseError):
            if REPLICA in settings.DATABASES:
                connections[REPLICA].close()  # a broken connection would otherwise be reused by the next probe
        _health.down_until = time.monotonic() + settings.WENMING_REPLICA_RETRY_SECONDS
        return None


def replica_usable() -> bool:
    """Whether the replica is up and close enough behind, probed at most once per PROBE_INTERVAL."""
    now = time.monotonic()
    if now < _health.down_until:
        return False
    if now - _health.probed_at >= PROBE_INTERVAL:
        with _health.lock:
            if now - _health.probed_at >= PROBE_INTERVAL:  # another thread may have probed meanwhile
                _health.lag = _probe()
                _health.probed_at = time.monotonic()
    lag = _health.lag
    return lag is not None and lag <= settings.WENMING_REPLICA_MAX_LAG_SECONDS


def replica_health_reset() -> None:
    """Forget the last probe (tests; a process that knows the replica changed)."""
    _health.reset()


def _pinned_now() -> bool:
    check = _pinned.get()
    return check is not None and check()


def read_alias() -> str:
    """Where a read in the current context goes."""
    depth = _reading.get()
    if depth is None or not replica_configured():
        return DEFAULT_DB_ALIAS
    # Inside a transaction opened on the primary within the block, reads belong to it (they may need its writes).
    if len(connections[DEFAULT_DB_ALIAS].atomic_blocks) > depth:
        return DEFAULT_DB_ALIAS
    if _pinned_now() or not replica_usable():
        return DEFAULT_DB_ALIAS
    return REPLICA


# Read from the primary even inside replica blocks, because reading them late would matter: a session that was
# logged out, a person deactivated, a role removed or an API key revoked must stop working on every node at once,
# and the version rows the in-process caches poll (common.GeographyVersion) would add the lag to their bound.
PRIMARY_ONLY = frozenset({"sessions.session", "org.person", "org.roleassignment", "api.apikey",
                          "common.geographyversion"})


class ReplicaRouter:
    """Installed by settings only when a replica is configured."""

    def db_for_read(self, model, **hints):
        if model._meta.label_lower in PRIMARY_ONLY:
            return DEFAULT_DB_ALIAS
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same database, one copy behind the other

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary's WAL; it is never migrated on its own.
        return False if db == REPLICA else None


@contextmanager
def replica_reading():
    """Reads inside may go to the replica (subject to the pin, the lag bound and its health)."""
    token = _reading.set(len(connections[DEFAULT_DB_ALIAS].atomic_blocks))
    try:
        yield
    finally:
        _reading.reset(token)


@contextmanager
def primary_reading():
    """Reads inside go to the primary, even within a replica block. For the in-process caches: what they load is
    kept under a version token read from the primary, so it must come from the primary too, or a lagging replica's
    rows would stay cached under the new token until the next change."""
    token = _reading.set(None)
    try:
        yield
    finally:
        _reading.reset(token)


def replica_reads(view):
    """View decorator: the view's safe requests (GET, HEAD) may read from the replica; a POST it also answers
    reads and writes on the primary."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in SAFE_METHODS:
            return view(request, *args, **kwargs)
        with replica_reading():
            response = view(request, *args, **kwargs)
            # A template response renders after the view returns: render it while replica reads are allowed.
            if hasattr(response, "render") and callable(response.render) and not getattr(response, "is_rendered", True):
                response.render()
            return response

    wrapper.replica_reads = True
    return wrapper


def pin_check_set(check: Callable[[], bool] | None) -> contextvars.Token:
    """The middleware's hook: ``check()`` says whether the current request's person is pinned to the primary."""
    return _pinned.set(check)


def pin_check_reset(token: contextvars.Token) -> None:
    _pinned.reset(token)
