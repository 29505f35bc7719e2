"""The demo's storefront checks: history on the register, a repeat offender, an unfixed notice filed as a case routed
to the supervising street office by the storefront duty; built once."""

import pytest

from wenming.demo.storefronts import storefronts_demo_build
from wenming.inspections.models import NoticeState, StorefrontNotice
from wenming.inspections.storefront_selectors import repeat_since, storefront_repeat_offenders

pytestmark = pytest.mark.django_db


def test_the_demo_builds_checks_notices_a_repeat_offender_and_a_case(people):
    counts = storefronts_demo_build()
    assert counts["checks"] > 20 and counts["notices"] >= 5 and counts["cases"] == 1
    assert counts["repeat_offenders"] >= 1
    unfixed = StorefrontNotice.objects.get(state=NoticeState.NOT_FIXED)
    assert unfixed.case.routing["rule"] == "storefront_duty"
    assert unfixed.case.routing["unit_id"] == unfixed.shop.supervising_unit_id == people["jiedao"].unit_id
    assert StorefrontNotice.objects.filter(state=NoticeState.SERVED).exists()
    offenders = storefront_repeat_offenders(since=repeat_since(), threshold=3)
    assert ("order", 3) in {(o.duty, o.count) for o in offenders}
    assert storefronts_demo_build()["checks"] == 0  # leaves what is there
