"""The inspections' part of the mock evaluation: the pass rates per clause × site type from the latest released round,
over the demo's history (five released rounds from fixed seeds), checked against the results themselves."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.core.cache import cache
from django.utils import timezone

from wenming.demo.inspections import HISTORY, history_build
from wenming.evaluation import field_results
from wenming.evaluation.services import forecast as fc
from wenming.inspections.forecast_selectors import SOURCE, forecast_rounds, forecast_strata
from wenming.inspections.models import Result, Round, RoundState

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(schemes, people):
    cache.clear()  # the backtest is kept in the cache
    return history_build(office=people["zhiban"], inspector=people["anfang"])


def test_the_inspections_app_registers_its_pass_rates():
    assert field_results.field_source() is SOURCE


def test_the_demo_history_is_released_dated_and_reproducible(history):
    rounds = forecast_rounds(as_of=timezone.now())
    assert [r.code for r in rounds] == [f"DEMO-H{k}" for k in range(1, HISTORY + 1)]
    assert all(a.ends_on < b.starts_on for a, b in zip(rounds, rounds[1:], strict=False))
    assert history["results"] == Result.objects.filter(round__code__startswith="DEMO-H").count() > 0
    # Released before the next one starts: the forecast before round k sees rounds 1…k−1 only.
    for a, b in zip(rounds, rounds[1:], strict=False):
        released = Round.objects.get(pk=a.id).released_at
        assert fc._day_start(a.ends_on) < released < fc._day_start(b.starts_on)


def test_strata_are_the_latest_released_round_per_clause_and_site_type(history):
    clause_ids = list(Result.objects.filter(item__clause__isnull=False).values_list("item__clause_id", flat=True)
                      .distinct())
    assert clause_ids, "the demo schemes link items to clauses"
    strata = forecast_strata(clause_ids=clause_ids, as_of=timezone.now())
    assert strata and {s.round_code for s in strata} == {f"DEMO-H{HISTORY}"}
    # By hand from the results: Σ weight of 符合 and of applicable results, sites with an applicable result.
    last = Round.objects.get(code=f"DEMO-H{HISTORY}")
    sums = defaultdict(lambda: [0.0, 0.0, defaultdict(int)])
    for r in Result.objects.filter(round=last, item__clause_id__in=clause_ids).select_related(
            "item", "assignment__site__site_type"):
        if r.outcome == "na":
            continue
        key = (r.item.clause_id, r.assignment.site.site_type.name)
        sums[key][0] += float(r.item.weight) * (r.outcome == "pass")
        sums[key][1] += float(r.item.weight)
        sums[key][2][r.item_id] += 1  # the sample: the most sites at which one of the clause's items applied
    assert {(s.clause_id, s.site_type): (s.passed, s.applicable, s.sites) for s in strata} == {
        k: (v[0], v[1], max(v[2].values())) for k, v in sums.items()}
    # Before the last round was released, the one before stands in.
    before = forecast_strata(clause_ids=clause_ids, as_of=last.released_at - timezone.timedelta(seconds=1))
    assert {s.round_code for s in before} == {f"DEMO-H{HISTORY - 1}"}


def test_a_planned_round_never_feeds_the_forecast(history, demo_round):
    Round.objects.filter(code__startswith="DEMO-H").update(state=RoundState.PLANNED)
    assert forecast_rounds(as_of=timezone.now()) == []
    assert forecast_strata(clause_ids=[1, 2, 3], as_of=timezone.now()) == []


def test_the_backtest_runs_over_the_demo_history(history):
    from wenming.evaluation.models import Edition

    bt = fc.forecast_backtest(edition=Edition.objects.get(is_current=True))
    assert [r.round_code for r in bt.rows] == [f"DEMO-H{k}" for k in range(2, HISTORY + 1)]
    assert bt.mae is not None and bt.mae >= 0
