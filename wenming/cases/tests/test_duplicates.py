import datetime as dt

import pytest
from django.utils import timezone

from wenming.cases.models import Category
from wenming.cases.services import workflow as wf
from wenming.cases.services.duplicates import duplicates_suggest
from wenming.common.geo import EARTH_RADIUS_M
from wenming.org.models import Area

pytestmark = pytest.mark.django_db
M_PER_DEG_LAT = EARTH_RADIUS_M * 3.141592653589793 / 180



@pytest.fixture
def spot():
    grid = Area.objects.filter(level="grid", code__startswith="131102").first()
    return grid.lng, grid.lat


def test_suggests_open_cases_of_the_category_within_radius_and_window(spot, people):
    lng, lat = spot
    category = Category.objects.get(code="SJ0101")
    category.duplicate_radius_m, category.duplicate_window_hours = 50, 24
    category.save()
    near = wf.case_intake(channel="citizen", description="垃圾", lng=lng, lat=lat + 30 / M_PER_DEG_LAT, category=category)
    far = wf.case_intake(channel="citizen", description="垃圾", lng=lng, lat=lat + 80 / M_PER_DEG_LAT, category=category)
    other_cat = wf.case_intake(channel="citizen", description="小广告", lng=lng, lat=lat, category="SJ0201")
    old = wf.case_intake(channel="citizen", description="垃圾", lng=lng, lat=lat, category=category,
                         reported_at=timezone.now() - dt.timedelta(hours=30))
    closed = wf.case_intake(channel="citizen", description="垃圾", lng=lng, lat=lat, category=category)
    wf.case_reject(case_id=closed.pk, actor=people["shouli"], note="重复")
    found = duplicates_suggest(lng=lng, lat=lat, category=category, user=people["shouli"])
    assert [c.pk for c, _d in found] == [near.pk]
    assert 29 <= found[0][1] <= 31
    assert {far.pk, other_cat.pk, old.pk, closed.pk}.isdisjoint(c.pk for c, _d in found)


def test_suggestions_respect_scope(spot, people):
    lng, lat = spot
    category = Category.objects.get(code="SJ0101")
    wf.case_intake(channel="citizen", description="垃圾", lng=lng, lat=lat, category=category)
    assert duplicates_suggest(lng=lng, lat=lat, category=category, user=people["gongdian"]) == []
    assert len(duplicates_suggest(lng=lng, lat=lat, category=category, user=people["taocheng"])) == 1
