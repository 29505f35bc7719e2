"""Each in-process cache registers its own reset with common (common imports no app): a committed bump drops it."""

import pytest

from wenming.cases import routing_cache
from wenming.common.services.geography import geography_version_bump, routing_config_bump
from wenming.org import spatial

pytestmark = pytest.mark.django_db


def test_a_committed_bump_drops_the_registered_caches(django_capture_on_commit_callbacks):
    spatial.get_index()
    routing_cache.get_routing_config()
    assert spatial._index is not None and routing_cache._config is not None
    with django_capture_on_commit_callbacks(execute=True):
        geography_version_bump()
    assert spatial._index is None and routing_cache._config is not None  # only the row's own caches
    with django_capture_on_commit_callbacks(execute=True):
        routing_config_bump()
    assert routing_cache._config is None


def test_the_spatial_index_finds_the_facilities_cases_registered():
    from wenming.cases.models import Facility

    facility = Facility.objects.filter(in_use=True).order_by("id").first()
    assert facility is not None
    found = spatial.get_index(force_check=True).nearest_facility(facility.lng, facility.lat, 5, {facility.category_id})
    assert found is not None and found[0] == facility.pk
