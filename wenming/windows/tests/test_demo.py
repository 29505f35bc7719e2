"""The demo's windows are built through the services: windows at halls, hospitals, stations and the utilities'
business halls, matters with some overdue, certificates expiring, a bad rating waiting, a published ranking."""

import pytest
from django.utils import timezone

from wenming.demo.windows import windows_demo_build
from wenming.windows.models import (
    CompetitionPeriod,
    FollowUpState,
    Matter,
    RankingState,
    ServiceWindow,
    WindowComplaint,
    WindowRating,
)
from wenming.windows.selectors import window_figures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_setup")]


def test_the_demo_builds_windows_once():
    made = windows_demo_build(per_window=8)
    assert made >= 15
    assert set(ServiceWindow.objects.values_list("site__site_type__code", flat=True)) >= {
        "hall", "hospital", "station", "power_office", "water_office", "bank"}
    now = timezone.now()
    rows = window_figures(list(ServiceWindow.objects.all()), start=now - timezone.timedelta(days=90), now=now)
    assert sum(r.late for r in rows) > 0 and Matter.objects.count() > 100
    assert WindowRating.objects.filter(followup_state=FollowUpState.OPEN).exists()
    assert WindowComplaint.objects.exists()
    period = CompetitionPeriod.objects.get()
    assert period.state == RankingState.PUBLISHED and period.scores.filter(rank__isnull=False).exists()
    assert windows_demo_build() == 0
