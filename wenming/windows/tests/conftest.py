import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from wenming.org.models import Site, SiteType, Unit
from wenming.windows.models import BusinessItem, LimitUnit
from wenming.windows.services.records import window_create

TZ = timezone.get_default_timezone()


def at(*args) -> dt.datetime:
    """A wall-clock instant in the city's time zone."""
    return dt.datetime(*args, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _english(media_and_english, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def hall(db):
    """桃城区's service hall (政务服务中心), whose 包保 unit is the approvals bureau."""
    return Site.objects.filter(site_type__code="hall", area__path__contains="/131102/").order_by("code").first()


@pytest.fixture
def power_window(hall):
    """The power company's counter in the hall: the window's unit (供电公司) is not the hall's 包保 unit."""
    return window_create(site=hall, unit=Unit.objects.get(code="POWER"), name="供电业务窗口", number="A01")


@pytest.fixture
def items(db):
    return {
        "fast": BusinessItem.objects.create(code="T-FAST", name="低压居民新装", limit_unit=LimitUnit.WORKING_DAYS,
                                            legal_limit=Decimal(5), commitment_limit=Decimal(2)),
        "hours": BusinessItem.objects.create(code="T-HOURS", name="电费发票补打", limit_unit=LimitUnit.WORKING_HOURS,
                                             legal_limit=Decimal(8), commitment_limit=Decimal(4)),
    }


@pytest.fixture
def bank_type(db):
    return SiteType.objects.get_or_create(code="bank", defaults={"name": "银行网点", "sort": 26})[0]
