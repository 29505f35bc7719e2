import importlib
import os

import pytest
from django.apps import apps as django_apps

from wenming.demo.city import LATTICE, demo_city_build

TEST_GRIDS = 240
TEST_SEED = 7


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """One small demo city for the whole session; each test runs in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        # The lattice, not the real outlines: tests across the apps pin its coordinates and codes.
        demo_city_build(grids=TEST_GRIDS, seed=TEST_SEED, layout=LATTICE)


@pytest.fixture(autouse=True)
def _fresh_caches():
    """In-process caches must not carry rows from a rolled-back test into the next one."""
    from wenming.cases.routing_cache import reset_routing_config
    from wenming.common.calendar import invalidate_overrides
    from wenming.org.spatial import reset_index

    for reset in (reset_index, reset_routing_config, invalidate_overrides):
        reset()
    yield
    for reset in (reset_index, reset_routing_config, invalidate_overrides):
        reset()


def needs_postgresql():
    """Skip on SQLite with the reason, except in CI where a PostgreSQL pass must follow (see Makefile)."""
    import os

    from django.db import connection

    if connection.vendor == "postgresql":
        return
    if os.environ.get("CI") == "true" and os.environ.get("WENMING_PG_PASS_FOLLOWS") != "1":
        pytest.fail("this test needs PostgreSQL: set DATABASE_URL=postgres://… (CI must provide it)")
    pytest.skip("needs PostgreSQL: install it and set DATABASE_URL=postgres://user@host:5432/db")


REDIS_TEST_URL = os.environ.get("WENMING_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def needs_redis():
    """A client of the tests' Redis database (7: nothing else may use it); skip with what to install, except in CI."""
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"this test needs Redis at {REDIS_TEST_URL} (CI must start redis-server)")
        pytest.skip(f"needs Redis: apt-get install redis-server (or set WENMING_TEST_REDIS_URL; tried {REDIS_TEST_URL})")
    return client


@pytest.fixture
def committed_city(django_db_blocker):
    """For transactional tests (live server, threads): a city that is really committed.

    The session city is there unless an earlier transactional test flushed it; then the same one is built again,
    so a test sees the same city whatever ran before it.
    """
    from wenming.org.models import Area

    if not Area.objects.exists():
        demo_city_build(grids=TEST_GRIDS, seed=TEST_SEED, layout=LATTICE)
    # A flush also took the rows data migrations add (the default index versions): put them back, idempotently.
    importlib.import_module("wenming.scoring.migrations.0002_default_index_versions").add(django_apps, None)
    yield


def photo_bytes(*, color=(180, 40, 40), size=(64, 48), fmt="PNG", exif=None, pattern: int = 0) -> bytes:
    """A small real image for evidence tests; ``pattern`` draws different shapes so perceptual hashes differ."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    for i in range(pattern):
        draw.rectangle([i * 7 % size[0], i * 5 % size[1], (i * 7 % size[0]) + 10, (i * 5 % size[1]) + 20], fill=(20, 20 * i % 255, 200))
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


@pytest.fixture
def people(db):
    """The demo city's staff logins by username (shouli, paiqian, zhiban, chengguan, anfang…)."""
    from wenming.org.models import Person

    return {p.username: p for p in Person.objects.filter(is_staff=True)}


@pytest.fixture
def public_setup(settings, tmp_path):
    """For tests that reach the citizen's pages (the public app's and others'): uploads in a temporary folder,
    SMS kept in memory, rate-limit counters fresh before and after."""
    from django.core.cache import cache

    from wenming.public.tests import sms

    settings.MEDIA_ROOT = tmp_path
    settings.WENMING_SMS_BACKEND = "wenming.public.tests.sms.RecordingSMSBackend"
    sms.OUTBOX.clear()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def english(client):
    """Pages in English so messages can be matched (the UI is Chinese by default)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def media_and_english(settings, tmp_path):
    """Uploads into a temporary folder; messages in English, so tests match them (the UI shows Chinese)."""
    from django.utils import translation

    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield
