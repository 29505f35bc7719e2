"""The demo's risk control: a plan per negative-list item, the links it adds, records from the demo's cases by the
scan; run twice, the same."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]


def test_the_demo_builds_plans_links_and_records_idempotently(demo_framework, people):
    from wenming.demo.evaluation_risk import evaluation_risk_demo_build
    from wenming.evaluation.models import Criterion, CriterionKind, RiskPlan, RiskRecord, RiskSignal

    first = evaluation_risk_demo_build()
    negative = Criterion.objects.filter(edition=demo_framework, kind=CriterionKind.NEGATIVE).count()
    assert first["plans"] == negative == RiskPlan.objects.count() == 40
    n32 = Criterion.objects.get(edition=demo_framework, code="N32")
    assert n32.categories.count() == 4 and n32.site_types.filter(code="school").exists() and n32.radius_m == 300
    signals = RiskSignal.objects.count()
    second = evaluation_risk_demo_build()
    assert second["plans"] == 0 and second["links"] == 0 and RiskSignal.objects.count() == signals
    assert RiskRecord.objects.count() == second["records"]


def test_the_demo_s_scan_makes_records_from_the_demo_cases(demo_framework, people):
    from wenming.demo.cases import demo_cases_build
    from wenming.demo.evaluation_risk import evaluation_risk_demo_build
    from wenming.evaluation.models import RiskRecord, RiskSignal

    demo_cases_build(count=40, days=10, exposures=0)
    built = evaluation_risk_demo_build()
    assert built["new_cases"] > 0 and RiskRecord.objects.exists()
    assert RiskSignal.objects.filter(kind="case_new").count() == built["new_cases"]
    assert RiskSignal.objects.filter(case__isnull=False).count() == built["new_cases"] + built["overdue_cases"]
