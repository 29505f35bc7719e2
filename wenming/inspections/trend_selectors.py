"""Trends across rounds: each district's and each unit's score per round, and the city's pass rate per site type.

The scores are those of ``services.scoring.round_scores`` (same formula, same first-visit results, same rounding);
they are read for all the rounds in one query instead of one per round, and ``tests/test_trends.py`` checks that
every round's figures equal ``round_scores``'. The pass rate of a site type in a round is weighted like a site's
score: 100 × Σ weight(符合 items) ÷ Σ weight(items not 不适用), over every sampled site of that type, without the
严重不合格 deduction (a rate, not a score).

Which rounds: the caller's, through ``restrict`` (a planned round is its planners' only), oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from wenming.inspections.models import AssignmentKind, Result, Round
from wenming.inspections.services.scoring import (
    CENT,
    HUNDRED,
    GroupScore,
    RoundScores,
    SiteScore,
    _ranked,
    site_scores,
)


@dataclass
class Series:
    """One line of a chart: a name and one value per round (None where it has none that round)."""

    name: str
    values: list[Decimal | None]
    ranks: list[int] = field(default_factory=list)


@dataclass
class Trends:
    rounds: list[Round]
    districts: list[Series]
    units: list[Series]
    site_types: list[Series]


@dataclass
class _Rate:
    applicable: Decimal = Decimal(0)
    passed: Decimal = Decimal(0)

    @property
    def rate(self) -> Decimal | None:
        if not self.applicable:
            return None
        return (HUNDRED * self.passed / self.applicable).quantize(CENT, rounding=ROUND_HALF_UP)


def scores_by_round(rounds: list[Round]) -> tuple[dict[int, RoundScores], dict[int, dict[str, _Rate]]]:
    """``round_scores`` of every round given, and the weights per site type, from one query."""
    sites: dict[int, dict[int, SiteScore]] = {r.pk: {} for r in rounds}
    rates: dict[int, dict[str, _Rate]] = {r.pk: {} for r in rounds}
    results = Result.objects.filter(round__in=[r.pk for r in rounds], assignment__kind=AssignmentKind.INSPECT)
    for site in site_scores(results):
        sites[site.round_id][site.site_id] = site
        if site.applicable_weight:
            rate = rates[site.round_id].setdefault(site.site_type, _Rate())
            rate.applicable += site.applicable_weight
            rate.passed += site.passed_weight
    scores = {}
    for round_id, by_site in sites.items():
        districts: dict[str, GroupScore] = {}
        units: dict[str, GroupScore] = {}
        for site in by_site.values():
            districts.setdefault(site.district, GroupScore(site.district)).sites.append(site)
            if site.unit:
                units.setdefault(site.unit, GroupScore(site.unit)).sites.append(site)
        ordered = sorted(by_site.values(), key=lambda s: (s.score is None, s.score or 0, s.code))
        scores[round_id] = RoundScores(sites=ordered, districts=_ranked(districts), units=_ranked(units))
    return scores, rates


def _series(rounds: list[Round], groups: dict[int, list[GroupScore]]) -> list[Series]:
    names = sorted({g.name for gs in groups.values() for g in gs})
    by_name = {r.pk: {g.name: g for g in groups[r.pk]} for r in rounds}
    out = []
    for name in names:
        found = [by_name[r.pk].get(name) for r in rounds]
        out.append(Series(name=name, values=[g.score if g else None for g in found],
                          ranks=[g.rank if g else 0 for g in found]))
    return out


def inspection_trends(*, rounds=None) -> Trends:
    """The trends over ``rounds`` (a queryset or list of rounds, already restricted to the viewer; all rounds when
    None), oldest first."""
    chosen = sorted(rounds if rounds is not None else Round.objects.all(), key=lambda r: (r.starts_on, r.pk))
    scores, rates = scores_by_round(chosen)
    types = sorted({t for by_type in rates.values() for t in by_type})
    return Trends(
        rounds=chosen,
        districts=_series(chosen, {pk: s.districts for pk, s in scores.items()}),
        units=_series(chosen, {pk: s.units for pk, s in scores.items()}),
        site_types=[Series(name=t, values=[rates[r.pk][t].rate if t in rates[r.pk] else None for r in chosen])
                    for t in types],
    )
