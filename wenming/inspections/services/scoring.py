"""A round's scores: per site, then per unit and per district (docs/inspections.md states the formula).

Site score = 100 × Σ w(passed items) / Σ w(applicable items) − 5 × (number of 严重不合格 items), at least 0.
  An item counts as applicable unless it is 不适用; 符合 passes, 不符合 and 严重不合格 fail. A site none of whose
  items is applicable (or not visited yet) has no score.
Unit score = the mean of the scores of the sites the unit guarantees (包保单位); district score = the mean of the
  scores of the sites in the district. Only the first visit counts (a re-inspection is reported beside it).
Rankings: highest score first; equal scores share a rank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum

from wenming.inspections.models import Assignment, AssignmentKind, Result, Round
from wenming.inspections.models.schemes import FAILING, Outcome

SEVERE_DEDUCTION = Decimal(5)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass
class SiteScore:
    site_id: int
    code: str
    name: str
    district: str
    unit: str
    applicable_weight: Decimal = Decimal(0)
    passed_weight: Decimal = Decimal(0)
    failed: int = 0
    severe: int = 0
    # Ids for the indexes (a unit's key is its id, a district's its code) and the findings behind the score.
    unit_id: int | None = None
    district_code: str = ""
    round_id: int | None = None
    site_type: str = ""
    findings: list[int] = field(default_factory=list)

    @property
    def score(self) -> Decimal | None:
        if not self.applicable_weight:
            return None
        raw = HUNDRED * self.passed_weight / self.applicable_weight - SEVERE_DEDUCTION * self.severe
        return max(Decimal(0), raw).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class GroupScore:
    name: str
    sites: list[SiteScore] = field(default_factory=list)
    rank: int = 0

    @property
    def scored(self) -> list[SiteScore]:
        return [s for s in self.sites if s.score is not None]

    @property
    def score(self) -> Decimal | None:
        scored = self.scored
        if not scored:
            return None
        return (sum((s.score for s in scored), Decimal(0)) / len(scored)).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def findings(self) -> int:
        return sum(s.failed + s.severe for s in self.sites)


@dataclass
class RoundScores:
    sites: list[SiteScore]
    districts: list[GroupScore]
    units: list[GroupScore]


def _ranked(groups: dict[str, GroupScore]) -> list[GroupScore]:
    ordered = sorted(groups.values(), key=lambda g: (g.score is None, -(g.score or 0), g.name))
    previous, rank = None, 0
    for position, group in enumerate(ordered, 1):
        if group.score is None:
            group.rank = 0
            continue
        if group.score != previous:
            rank, previous = position, group.score
        group.rank = rank
    return ordered


def site_scores(results) -> list[SiteScore]:
    """The score of each (round, site) from a queryset of first-visit results, in three reads: the weights summed
    by the database per assignment and outcome (a few rows per site, no join but the item's weight), the assigned
    sites' names and places (one row per site), and the findings' ids (few)."""
    assignments = (Assignment.objects.filter(pk__in=results.order_by().values("assignment_id")).order_by()
                   .values_list("pk", "round_id", "site_id", "site__code", "site__name", "district__name",
                                "district__code", "site__guarantor_unit_id", "site__guarantor_unit__name",
                                "site__site_type__name"))
    sites: dict[int, SiteScore] = {}
    for (pk, round_id, site_id, code, name, district, district_code, unit_id, unit,
         site_type) in assignments.iterator():
        sites[pk] = SiteScore(site_id, code, name, district or "", unit or "", unit_id=unit_id,
                              district_code=district_code or "", round_id=round_id, site_type=site_type or "")
    grouped = (results.order_by().values_list("assignment_id", "outcome")
               .annotate(weight=Sum("item__weight"), count=Count("pk")))
    for assignment_id, outcome, weight, count in grouped.iterator():
        site = sites[assignment_id]
        if outcome == Outcome.NOT_APPLICABLE:
            continue
        site.applicable_weight += weight
        if outcome == Outcome.PASS:
            site.passed_weight += weight
        elif outcome == Outcome.SEVERE:
            site.severe += count
        else:
            site.failed += count
    failing = results.order_by().filter(outcome__in=FAILING).values_list("assignment_id", "pk")
    for assignment_id, pk in failing.iterator():
        sites[assignment_id].findings.append(pk)
    return list(sites.values())


def released_site_scores(*, start, end) -> list[SiteScore]:
    """Site scores of the rounds whose findings were released in [start, end): what the unit and district
    indexes take as their inspection component (a round counts in the period it was published in)."""
    return site_scores(Result.objects.filter(round__released_at__gte=start, round__released_at__lt=end,
                                             assignment__kind=AssignmentKind.INSPECT))


def round_scores(round_: Round) -> RoundScores:
    """Scores of the round's sites, districts and units from its first-visit results."""
    sites = {s.site_id: s for s in site_scores(Result.objects.filter(round=round_,
                                                                      assignment__kind=AssignmentKind.INSPECT))}
    districts: dict[str, GroupScore] = {}
    units: dict[str, GroupScore] = {}
    for site in sites.values():
        districts.setdefault(site.district, GroupScore(site.district)).sites.append(site)
        if site.unit:
            units.setdefault(site.unit, GroupScore(site.unit)).sites.append(site)
    ordered_sites = sorted(sites.values(), key=lambda s: (s.score is None, s.score or 0, s.code))
    return RoundScores(sites=ordered_sites, districts=_ranked(districts), units=_ranked(units))
