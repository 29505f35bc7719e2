"""The demo's credit network is built through the real import and holds what the demo walk shows."""

import pytest

from wenming.credit.hooks import credit_check, storefront_flag
from wenming.credit.models import CreditRecord, CreditSource, CreditSubject, JointMeasure
from wenming.demo.credit import credit_demo_build
from wenming.org.models import Person, StorefrontDuty, Unit
from wenming.selections.models import Nomination

pytestmark = pytest.mark.django_db


def test_the_demo_network():
    imported = credit_demo_build(seed=7)
    assert imported > 300 and CreditSource.objects.count() == 5 and JointMeasure.objects.count() == 4
    assert CreditSubject.objects.count() >= 200
    assert set(CreditRecord.objects.values_list("kind", flat=True)) == {"honour", "dishonest", "penalty"}
    assert CreditRecord.objects.exclude(repaired_on=None).count() >= 5
    assert CreditRecord.objects.filter(subject__kind="person", public=True).count() == 0
    anju = Unit.objects.get(code="WY-1")
    assert any(f.blocking for f in credit_check(Nomination(name=anju.name, unit=anju)))
    shops = list(StorefrontDuty.objects.values_list("pk", flat=True))
    assert storefront_flag(shops)
    assert Person.objects.get(username="xinyong").roles.get().unit.code == "SCJG"
    assert credit_demo_build(seed=7) == 0  # once
