"""The ledger's 实地考察 feed: a criterion's entry page shows the pass rate of the released rounds' items that cite
its clauses, in the period the round was released in."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.evaluation.field_results import field_results_for
from wenming.evaluation.models import Criterion
from wenming.evaluation.services.ledger import period_create
from wenming.inspections.models import Result
from wenming.inspections.services.rounds import round_release

from .test_scoring import scored  # noqa: F401 — the hand-computed round of test_scoring

pytestmark = pytest.mark.django_db


def _expected(round_, criterion_id):
    applicable = passed = Decimal(0)
    findings = 0
    for r in Result.objects.filter(round=round_, item__clause__criterion_id=criterion_id).select_related("item"):
        if r.outcome == "na":
            continue
        applicable += r.item.weight
        passed += r.item.weight if r.outcome == "pass" else 0
        findings += r.outcome != "pass"
    return (Decimal(100) * passed / applicable).quantize(Decimal("0.1")), findings


def test_field_results_by_criterion_and_on_the_ledger_page(client, scored, demo_round, people):  # noqa: F811
    criterion_ids = set(Result.objects.filter(round=demo_round, item__clause__isnull=False)
                        .values_list("item__clause__criterion_id", flat=True))
    assert criterion_ids
    today = timezone.localdate()
    window = {"starts_on": today - dt.timedelta(days=30), "ends_on": today + dt.timedelta(days=30)}
    assert field_results_for(criterion_ids=criterion_ids, **window) == {}  # planned: nothing yet
    round_release(round_id=demo_round.pk, actor=people["zhiban"])
    found = field_results_for(criterion_ids=criterion_ids, **window)
    assert set(found) == criterion_ids
    for criterion_id, result in found.items():
        rate, findings = _expected(demo_round, criterion_id)
        assert (result.pass_rate if result.items else None, result.findings) == (rate if result.items else None,
                                                                                 findings)
        assert list(result.rounds.values()) == [f"{demo_round.code} {demo_round.name}"]
    # A period that ended before the release does not see it.
    before = {"starts_on": today - dt.timedelta(days=90), "ends_on": today - dt.timedelta(days=1)}
    assert field_results_for(criterion_ids=criterion_ids, **before) == {}

    criterion_id = next(c for c, r in found.items() if r.items)
    criterion = found[criterion_id]
    edition = Criterion.objects.get(pk=criterion_id).edition
    period = period_create(edition_id=edition.pk, actor=people["ceping"], name="本季度", **window)
    client.force_login(people["ceping"])
    page = client.get(reverse("evaluation:ledger_entry", args=[criterion_id]) + f"?period={period.pk}").content.decode()
    assert 'id="field-results"' in page and f"Pass rate {criterion.pass_rate}%" in page
    assert demo_round.code in page
