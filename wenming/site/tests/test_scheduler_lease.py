"""The scheduling lease of `wenming worker`: one holder at a time on Redis, renewed by its holder only, taken over
when it runs out, handed over at once on a clean stop."""

import time

import pytest

from wenming.conftest import REDIS_TEST_URL, needs_redis
from wenming.site.management.commands.worker import SchedulerLease

KEY = "wenming:test:scheduler"


@pytest.fixture
def redis_url():
    client = needs_redis()
    client.delete(KEY)
    yield REDIS_TEST_URL
    client.delete(KEY)


def test_one_holder_renews_and_a_clean_stop_hands_over_at_once(redis_url):
    first, second = (SchedulerLease(url=redis_url, ttl=5, key=KEY) for _ in range(2))
    assert first.hold() and first.hold()
    assert not second.hold()
    first.release()
    assert second.hold()
    assert not first.hold()


def test_a_holder_that_stops_renewing_is_taken_over_when_the_ttl_runs_out(redis_url):
    first, second = SchedulerLease(url=redis_url, ttl=0.3, key=KEY), SchedulerLease(url=redis_url, ttl=5, key=KEY)
    assert first.hold()
    assert not second.hold()
    time.sleep(0.4)  # first was killed: no renewal
    assert second.hold()
    assert not first.hold()  # back from a stall: it may not take the lease back while second renews


def test_without_redis_the_only_worker_holds_it_and_an_unreachable_redis_ends_the_holders_term():
    assert SchedulerLease(url="", ttl=1).hold()
    cut_off = SchedulerLease(url="redis://127.0.0.1:15539/7", ttl=0.2)
    cut_off.renewed_at = time.monotonic()
    assert cut_off.hold()  # within its last term
    time.sleep(0.25)
    assert not cut_off.hold()
