"""Demo cases: through the real services, at past moments, same seed same cases."""

import pytest
from django.db import transaction
from django.utils import timezone

from wenming.cases.models import Case, CaseEvent, Exposure
from wenming.demo.cases import demo_cases_build

pytestmark = pytest.mark.django_db


def test_demo_cases_read_like_weeks_of_work(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    counts = demo_cases_build(count=60, seed=3, days=20, exposures=2)
    assert sum(counts.values()) == Case.objects.count() == 60
    assert counts.get("closed", 0) > 20 and len(counts) >= 4  # mostly done, some still open in several states
    now = timezone.now()
    for case in Case.objects.prefetch_related("events"):
        times = [e.created_at for e in sorted(case.events.all(), key=lambda e: e.seq)]
        assert times == sorted(times) and times[-1] <= now and times[0] == case.reported_at
        assert [e.seq for e in sorted(case.events.all(), key=lambda e: e.seq)] == list(range(len(times)))
    closed = Case.objects.filter(state="closed").first()
    assert set(closed.events.values_list("action", flat=True)) >= {"report", "register", "dispatch", "sign", "submit",
                                                                     "verify_passed", "close"}
    assert Exposure.objects.filter(state="published").count() == 2
    assert CaseEvent.objects.filter(action="rework").exists() or CaseEvent.objects.filter(action="extension_request").exists()


def test_same_seed_same_cases(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def build(seed):
        with transaction.atomic():
            demo_cases_build(count=15, seed=seed, days=10, exposures=0)
            rows = list(Case.objects.order_by("pk").values_list("description", "state", "category__code", "lng", "lat"))
            transaction.set_rollback(True)
        return rows

    first = build(5)
    assert len(first) == 15 and build(5) == first and build(6) != first
