import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from wenming.common.models import RateCounter
from wenming.common.services import limits as lim

pytestmark = pytest.mark.django_db

NOW = 1_800_000_100.0  # a fixed moment: every call below lands in the same window
WHO = "203.0.113.9"


def test_database_counts_refuses_over_the_limit_and_restarts_with_the_window(settings):
    settings.WENMING_PUBLIC_LIMITS = {"login_ip": (3, 900)}
    assert [lim.limit_hit(what="login_ip", who=WHO, now=NOW) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(lim.RateLimited) as exc:
        lim.limit_hit(what="login_ip", who=WHO, now=NOW + 1)
    start = NOW // 900 * 900
    assert exc.value.retry_after == int(start + 900 - NOW - 1) + 1
    with pytest.raises(lim.RateLimited):
        lim.limit_check(what="login_ip", who=WHO, now=NOW)
    # One row per sender, restarted in place by the next window.
    assert lim.limit_hit(what="login_ip", who=WHO, now=NOW + 900) == 1
    assert RateCounter.objects.count() == 1
    lim.limit_check(what="login_ip", who=WHO, now=NOW + 900)
    # A process whose clock lags behind at the boundary keeps counting in the newer window.
    assert lim.limit_hit(what="login_ip", who=WHO, now=NOW) == 2


def test_check_counts_nothing_and_an_empty_sender_is_not_limited(settings):
    settings.WENMING_PUBLIC_LIMITS = {"login_ip": (1, 900)}
    for _ in range(5):
        lim.limit_check(what="login_ip", who=WHO, now=NOW)
        assert lim.limit_hit(what="login_ip", who="", now=NOW) == 0
    assert not RateCounter.objects.exists()


@pytest.mark.parametrize("redis", [False, True])
def test_several_requests_are_counted_in_one_hit(settings, redis):
    """The misses of one lookup count as one write each way (database and cache), restarting with the window."""
    from django.core.cache import cache

    settings.REDIS_URL = "redis://configured" if redis else ""
    settings.WENMING_PUBLIC_LIMITS = {"login_ip": (5, 900)}
    cache.clear()
    assert lim.limit_hit(what="login_ip", who=WHO, now=NOW, times=3) == 3
    assert lim.limit_hit(what="login_ip", who=WHO, now=NOW, times=0) == 0
    with pytest.raises(lim.RateLimited):
        lim.limit_hit(what="login_ip", who=WHO, now=NOW, times=3)
    assert lim.limit_hit(what="login_ip", who=WHO, now=NOW + 900, times=2) == 2
    assert RateCounter.objects.count() == (0 if redis else 1)
    cache.clear()


def test_the_sender_is_kept_only_as_a_keyed_hash():
    lim.limit_hit(what="login_ip", who=WHO, now=NOW)
    assert WHO not in RateCounter.objects.get().key


def test_stale_counters_are_purged():
    lim.limit_hit(what="login_ip", who="198.51.100.1", now=NOW)
    lim.limit_hit(what="login_ip", who="198.51.100.2", now=NOW + 900)
    assert lim.limits_purge(now=NOW + 900) == 1
    assert RateCounter.objects.count() == 1


def test_with_redis_configured_the_cache_counts(settings):
    # The cache path (Redis in production) with the test cache behind it: same answers, no database rows.
    settings.REDIS_URL = "redis://configured"
    settings.WENMING_PUBLIC_LIMITS = {"login_ip": (2, 900)}
    from django.core.cache import cache

    cache.clear()
    assert [lim.limit_hit(what="login_ip", who=WHO, now=NOW) for _ in range(2)] == [1, 2]
    with pytest.raises(lim.RateLimited):
        lim.limit_hit(what="login_ip", who=WHO, now=NOW)
    with pytest.raises(lim.RateLimited):
        lim.limit_check(what="login_ip", who=WHO, now=NOW)
    assert not RateCounter.objects.exists()
    cache.clear()


def test_public_kinds_keep_their_own_error_and_defaults():
    from wenming.public.services import limits as public
    from wenming.public.services.errors import PublicError

    assert lim.limits()["track_ip"] == public.DEFAULT_LIMITS["track_ip"]
    limit = public.DEFAULT_LIMITS["rate_ip"][0]
    for _ in range(limit):
        public.limit_hit(what="rate_ip", who=WHO, now=NOW)
    with pytest.raises(PublicError):
        public.limit_hit(what="rate_ip", who=WHO, now=NOW)


CHILD = textwrap.dedent("""
    import sys
    import django

    django.setup()
    from wenming.common.services import limits as lim

    allowed = 0
    for _ in range(int(sys.argv[1])):
        try:
            lim.limit_hit(what="login_ip", who="203.0.113.9", now=1_800_000_100.0)
        except lim.RateLimited:
            pass
        else:
            allowed += 1
    print(allowed)
""")


@pytest.mark.django_db(transaction=False)
def test_the_limit_holds_across_processes(tmp_path):
    """Four processes hammer one sender at once on a file database: together they get the limit, not 4x it."""
    env = {**os.environ, "WENMING_TESTING": "1", "DJANGO_SETTINGS_MODULE": "wenming.settings",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'limits.sqlite3'}", "WENMING_DATA_DIR": str(tmp_path)}
    root = Path(__file__).resolve().parents[3]
    setup = "import django; django.setup(); from django.core.management import call_command; " \
            "call_command('migrate', 'common', verbosity=0)"
    subprocess.run([sys.executable, "-c", setup], env=env, cwd=root, check=True, timeout=120)
    children = [subprocess.Popen([sys.executable, "-c", CHILD, "15"], env=env, cwd=root, stdout=subprocess.PIPE,
                                 text=True) for _ in range(4)]
    allowed = [int(child.communicate(timeout=120)[0]) for child in children]
    assert sum(allowed) == lim.DEFAULT_LIMITS["login_ip"][0], allowed
