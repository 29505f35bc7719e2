"""Replica reads (common/db_router.py) and read-your-writes (common/replica_pin.py).

The unit tests replace the lag probe and run on SQLite too. The PostgreSQL tests add a real second alias: the same
test database through its own connection, which (outside the test's open transaction) sees only committed rows.
That is what tells a replica read from a primary read below: a row written in the test is on the primary only.
"""

from __future__ import annotations

import copy
import hashlib
import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from wenming.common import db_router
from wenming.common.db_router import REPLICA, ReplicaRouter, read_alias, replica_reading, replica_reads
from wenming.common.models import CalendarDay
from wenming.common.replica_pin import COOKIE, ReplicaPinMiddleware
from wenming.conftest import needs_postgresql
from wenming.org.models import Area

ROUTER = "wenming.common.db_router.ReplicaRouter"
PIN = "wenming.common.replica_pin.ReplicaPinMiddleware"
CLOSED_PORT = 15519  # nothing listens there (ports 15500-15519 are this test module's)


@pytest.fixture(autouse=True)
def _fresh_health():
    db_router.replica_health_reset()
    yield
    db_router.replica_health_reset()


@pytest.fixture
def probe(monkeypatch):
    """The lag probe replaced: ``probe.lag`` is what it answers (an exception is raised), ``probe.calls`` counts."""

    class Probe:
        lag: float | Exception = 0.0
        calls = 0

        def __call__(self):
            self.calls += 1
            if isinstance(self.lag, Exception):
                raise self.lag
            return self.lag

    fake = Probe()
    monkeypatch.setattr(db_router, "replica_lag_probe", fake)
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    return fake


# -- the router's decisions (no database needed) -------------------------------------------------------------


def test_without_a_replica_nothing_changes(settings):
    assert REPLICA not in settings.DATABASES and ROUTER not in settings.DATABASE_ROUTERS
    assert PIN not in settings.MIDDLEWARE
    with replica_reading():
        assert read_alias() == DEFAULT_DB_ALIAS


def test_only_opted_in_reads_go_to_the_replica_and_writes_never(probe):
    router = ReplicaRouter()
    assert router.db_for_read(Area) == DEFAULT_DB_ALIAS
    with replica_reading():
        assert router.db_for_read(Area) == REPLICA
        assert router.db_for_write(Area) == DEFAULT_DB_ALIAS
        # Who may do what, and the caches' version rows, are never read late.
        from wenming.common.models import GeographyVersion
        from wenming.org.models import Person
        assert router.db_for_read(Person) == DEFAULT_DB_ALIAS
        assert router.db_for_read(GeographyVersion) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Area) == DEFAULT_DB_ALIAS


def test_migrations_never_run_on_the_replica():
    router = ReplicaRouter()
    assert router.allow_migrate(REPLICA, "cases") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "cases") is None


def test_a_lagging_replica_sends_reads_to_the_primary(probe, settings):
    settings.WENMING_REPLICA_MAX_LAG_SECONDS = 5
    probe.lag = 7.5
    with replica_reading():
        assert read_alias() == DEFAULT_DB_ALIAS
    db_router.replica_health_reset()
    probe.lag = 4.0
    with replica_reading():
        assert read_alias() == REPLICA


def test_the_lag_is_probed_at_most_once_a_second(probe, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(db_router.time, "monotonic", lambda: clock[0])
    with replica_reading():
        for _ in range(50):
            read_alias()
        assert probe.calls == 1
        clock[0] += 1.01
        read_alias()
        assert probe.calls == 2


def test_a_replica_that_is_down_is_not_tried_again_for_a_while(probe, monkeypatch, settings):
    from django.db import OperationalError

    settings.WENMING_REPLICA_RETRY_SECONDS = 5
    clock = [1000.0]
    monkeypatch.setattr(db_router.time, "monotonic", lambda: clock[0])
    probe.lag = OperationalError("connection refused")
    with replica_reading():
        assert read_alias() == DEFAULT_DB_ALIAS  # no exception reaches the view
        probe.lag = 0.0
        clock[0] += 3
        assert read_alias() == DEFAULT_DB_ALIAS and probe.calls == 1  # still within the retry pause
        clock[0] += 2.5
        assert read_alias() == REPLICA and probe.calls == 2


def test_the_view_decorator_applies_to_safe_requests_only(probe):
    seen = []

    @replica_reads
    def view(request):
        seen.append(read_alias())
        return HttpResponse("ok")

    factory = RequestFactory()
    view(factory.get("/"))
    view(factory.post("/"))
    assert seen == [REPLICA, DEFAULT_DB_ALIAS]
    assert read_alias() == DEFAULT_DB_ALIAS  # nothing leaks past the view


# -- read-your-writes: the pin middleware ---------------------------------------------------------------------


def _through_pin(request, *, status=200):
    """Run ``request`` through the middleware; the view records where its reads would go."""
    seen = []

    @replica_reads
    def view(request):
        seen.append(read_alias())
        return HttpResponse(status=status)

    response = ReplicaPinMiddleware(view)(request)
    return response, seen


def test_a_browser_that_changed_something_reads_the_primary_until_the_pin_ends(probe, settings):
    settings.WENMING_REPLICA_PIN_SECONDS = 1
    factory = RequestFactory()
    response, _ = _through_pin(factory.post("/x"))
    cookie = response.cookies[COOKIE]
    assert cookie.value and cookie["httponly"]
    later = factory.get("/y")
    later.COOKIES[COOKIE] = cookie.value
    assert _through_pin(later)[1] == [DEFAULT_DB_ALIAS]
    time.sleep(1.1)
    later = factory.get("/y")
    later.COOKIES[COOKIE] = cookie.value
    assert _through_pin(later)[1] == [REPLICA]


def test_a_forged_or_failed_change_pins_nothing(probe):
    factory = RequestFactory()
    response, _ = _through_pin(factory.post("/x"), status=403)
    assert COOKIE not in response.cookies
    forged = factory.get("/y")
    forged.COOKIES[COOKIE] = str(time.time() + 100)
    assert _through_pin(forged)[1] == [REPLICA]


def test_an_api_key_is_pinned_on_every_node_through_the_shared_cache(probe):
    from django.core.cache import cache

    cache.clear()
    factory = RequestFactory()
    _through_pin(factory.post("/api/v1/cases/", HTTP_AUTHORIZATION="Token abc"))
    # No cookie comes back from an API client: the key's fingerprint in the shared cache pins it.
    assert _through_pin(factory.get("/api/v1/cases/", HTTP_AUTHORIZATION="Token abc"))[1] == [DEFAULT_DB_ALIAS]
    assert _through_pin(factory.get("/api/v1/cases/", HTTP_AUTHORIZATION="Token other"))[1] == [REPLICA]
    # Named by a hash of the key, never the key itself.
    assert cache.get(f"wenming:primary:key:{hashlib.sha256(b'Token abc').hexdigest()[:32]}") == 1
    cache.clear()


# -- PostgreSQL: a real second alias ------------------------------------------------------------------------------


def _add_replica(settings, **changes):
    needs_postgresql()
    replica = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    replica.update(changes.pop("top", {}))
    replica["OPTIONS"] = {**replica.get("OPTIONS", {}), "connect_timeout": 2, **changes}
    replica["TEST"] = {**replica.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS}
    # settings.DATABASES is the dict the connection handler reads (in place: overriding it is not supported).
    settings.DATABASES[REPLICA] = replica
    # Made under an alias of its own: Django's test case forbids connecting to aliases it was not told about when
    # it started, and allows connections made on the fly, which this one is.
    connections[REPLICA] = connections[DEFAULT_DB_ALIAS].__class__(replica, alias="replica_under_test")
    settings.DATABASE_ROUTERS = [ROUTER]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:settings.MIDDLEWARE.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware") + 1], PIN,
        *settings.MIDDLEWARE[settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1:]]


def _remove_replica(settings):
    if REPLICA in connections.settings:
        connections[REPLICA].close()
        del connections[REPLICA]
        del settings.DATABASES[REPLICA]


@pytest.fixture
def replica(db, settings):
    _add_replica(settings)
    yield connections[REPLICA]
    _remove_replica(settings)


@pytest.fixture
def dead_replica(db, settings):
    _add_replica(settings, top={"PORT": CLOSED_PORT, "HOST": "127.0.0.1"})
    yield connections[REPLICA]
    _remove_replica(settings)


def _marker() -> CalendarDay:
    """A row only the primary has: written in the test's transaction, which the replica's connection cannot see."""
    import datetime as dt

    return CalendarDay.objects.create(date=dt.date(2031, 2, 3), is_workday=True, name="replica test")


def _sees_marker() -> bool:
    return CalendarDay.objects.filter(name="replica test").exists()


def test_postgresql_the_probe_reads_the_real_lag_and_reads_reach_the_replica(replica):
    assert db_router.replica_lag_probe() == 0.0  # the test server is a primary: "not in recovery" is no lag
    _marker()
    with replica_reading():
        assert not _sees_marker()  # read through the replica's own connection
    assert _sees_marker()


def test_postgresql_inside_a_transaction_reads_stay_on_the_primary(replica):
    _marker()
    with replica_reading(), transaction.atomic():
        assert _sees_marker()


def test_postgresql_a_lagging_replica_is_not_read(replica, monkeypatch):
    _marker()
    monkeypatch.setattr(db_router, "replica_lag_probe", lambda: 60.0)
    with replica_reading():
        assert _sees_marker()


def test_postgresql_a_replica_that_is_down_costs_one_short_try_and_no_error(dead_replica, settings):
    settings.WENMING_REPLICA_RETRY_SECONDS = 30
    _marker()
    started = time.monotonic()
    with replica_reading():
        assert _sees_marker()  # from the primary
        for _ in range(20):
            assert _sees_marker()
    assert time.monotonic() - started < 3  # refused at once; not retried on every read
    assert db_router._health.down_until > time.monotonic()


def test_postgresql_read_your_writes_through_the_client(replica, client, settings):
    """A POST that succeeded pins the browser to the primary; after the pin it reads from the replica again."""
    settings.WENMING_REPLICA_PIN_SECONDS = 1
    client.get("/exposure/")  # warm the connections and the caches

    def replica_queries() -> int:
        with CaptureQueriesContext(connections[REPLICA]) as queries:
            assert client.get("/exposure/").status_code == 200
        return sum(1 for q in queries.captured_queries if "pg_is_in_recovery" not in q["sql"])

    assert replica_queries() > 0  # a public column reads from the replica
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/exposure/"})
    assert response.status_code == 302 and COOKIE in response.cookies
    assert replica_queries() == 0  # pinned: every read on the primary
    time.sleep(1.1)
    assert replica_queries() > 0


def test_primary_reading_wins_inside_a_replica_block(probe):
    from wenming.common.db_router import primary_reading

    with replica_reading():
        with primary_reading():
            assert read_alias() == DEFAULT_DB_ALIAS
        assert read_alias() == REPLICA


def test_postgresql_an_in_process_cache_filled_inside_a_replica_view_reads_the_primary(replica):
    """The calendar's overrides (like the spatial index, the routing configuration and the API keys) are kept under
    a version read from the primary: loading them from a lagging replica would keep stale rows under a new token."""
    import datetime as dt

    from wenming.cases.routing_cache import get_routing_config
    from wenming.common.calendar import is_workday

    _marker()  # 2031-02-03, a Monday, made a working day; now a holiday, on the primary only
    CalendarDay.objects.filter(name="replica test").update(is_workday=False)
    from wenming.cases.models import Category

    Category.objects.filter(code="SJ0401").update(name="只在主库的名称")
    with replica_reading():
        assert not _sees_marker()  # this block does read the replica
        assert is_workday(dt.date(2031, 2, 3)) is False
        assert get_routing_config().categories_by_code["SJ0401"].name == "只在主库的名称"
