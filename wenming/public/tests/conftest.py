import pytest
from django.core.cache import cache

from wenming.cases.services.routing import case_route
from wenming.org.models import Area, Unit

from . import sms

UNIT_CODE = "CGJ-131102"


@pytest.fixture(autouse=True)
def _public_setup(settings, tmp_path):
    """Uploads in a temporary folder, SMS kept in memory, rate-limit counters fresh."""
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
def grid():
    """A 桃城区 grid where 占道经营 is routed to the district's urban-management branch."""
    unit = Unit.objects.get(code=UNIT_CODE)
    for grid in Area.objects.filter(level="grid", code__startswith="131102").order_by("code"):
        if case_route(lng=grid.lng, lat=grid.lat, category="SJ0401").unit_name == unit.name:
            return grid
    raise AssertionError("no grid routes SJ0401 to " + UNIT_CODE)
