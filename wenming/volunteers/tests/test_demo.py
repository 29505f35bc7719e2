"""The demo builder makes organisations, activities and records through the services; the summary adds up."""

import pytest
from django.db.models import Sum

from wenming.demo.volunteers import volunteers_demo_build
from wenming.volunteers.models import DailyHours, Membership, ServiceRecord, Team


@pytest.mark.django_db
def test_demo(people):
    counts = volunteers_demo_build(seed=7)
    print(counts)
    assert counts["records"] > 0
    assert ServiceRecord.objects.aggregate(s=Sum("hours"))["s"] == DailyHours.objects.aggregate(s=Sum("hours"))["s"]
    assert counts["teams"] == 3
    organisation = Team.objects.first().organisation
    assert Team.objects.filter(organisation=organisation).count() == 3
    assert Membership.objects.filter(organisation=organisation, team__isnull=False).count() >= 3
