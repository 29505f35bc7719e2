import pytest

from wenming.cases.services.routing import case_route
from wenming.org.models import Area, Unit

UNIT_CODE = "CGJ-131102"


@pytest.fixture(autouse=True)
def _public_setup(public_setup):
    """Every test here: wenming/conftest.py's public_setup (uploads, SMS, rate-limit counters)."""


@pytest.fixture
def grid():
    """A 桃城区 grid where 占道经营 is routed to the district's urban-management branch."""
    unit = Unit.objects.get(code=UNIT_CODE)
    for grid in Area.objects.filter(level="grid", code__startswith="131102").order_by("code"):
        if case_route(lng=grid.lng, lat=grid.lat, category="SJ0401").unit_name == unit.name:
            return grid
    raise AssertionError("no grid routes SJ0401 to " + UNIT_CODE)
