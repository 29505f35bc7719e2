"""Scores per site, district and unit on hand-computed fixtures (the formula in docs/inspections.md)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from wenming.inspections.services import results as res
from wenming.inspections.services.scoring import GroupScore, SiteScore, _ranked, round_scores

from .conftest import observation

pytestmark = pytest.mark.django_db

# Weights of the demo schemes: 农贸市场 01-01:2 01-02:1 01-03:2 02-01:1; 学校 01-01:2 01-02:2 01-03:1;
# 背街小巷 01-01:1 01-02:2 01-03:1.
PLAN = {
    # A: applicable 2+1+2 = 5 (02-01 不适用), passed 2 → 100×2/5 = 40, one 严重不合格 −5 → 35.00
    ("131102", "market"): {"农贸市场-01-01": "pass", "农贸市场-01-02": "fail", "农贸市场-01-03": "severe",
                           "农贸市场-02-01": "na"},
    # B: applicable 5, passed 4 → 80.00
    ("131102", "school"): {"学校-01-01": "pass", "学校-01-02": "pass", "学校-01-03": "fail"},
    # C: nothing applies → no score
    ("131102", "alley"): {"背街小巷-01-01": "na", "背街小巷-01-02": "na", "背街小巷-01-03": "na"},
    # D: nothing passed, three 严重不合格 → 0 − 15 → 0.00 (never below 0)
    ("131103", "alley"): {"背街小巷-01-01": "severe", "背街小巷-01-02": "severe", "背街小巷-01-03": "severe"},
}
EXPECTED_SITES = {("131102", "market"): Decimal("35.00"), ("131102", "school"): Decimal("80.00"),
                  ("131102", "alley"): None, ("131103", "alley"): Decimal("0.00")}


@pytest.fixture
def scored(demo_round, people):
    sites = {}
    for (district, site_type), outcomes in PLAN.items():
        assignment = (demo_round.assignments.filter(district__code=district, site__site_type__code=site_type)
                      .select_related("site", "district").order_by("site__code").first())
        sites[(district, site_type)] = assignment
        answers = res.results_sync(actor=people["anfang"], observations=[
            observation(assignment, code, outcome) for code, outcome in outcomes.items()])
        assert {a.status for a in answers} == {"created"}
    return sites


def test_site_district_and_unit_scores_by_hand(scored, demo_round):
    scores = round_scores(demo_round)
    by_code = {s.code: s for s in scores.sites}
    for key, assignment in scored.items():
        assert by_code[assignment.site.code].score == EXPECTED_SITES[key], key
    districts = {g.name: g for g in scores.districts}
    taocheng, jizhou = scored[("131102", "market")].district.name, scored[("131103", "alley")].district.name
    assert districts[taocheng].score == Decimal("57.50")  # (35 + 80) / 2; the site without a score is left out
    assert districts[jizhou].score == Decimal("0.00")
    assert (districts[taocheng].rank, districts[jizhou].rank) == (1, 2)
    assert districts[taocheng].findings == 1 + 1 + 1  # fail, severe at A; fail at B
    # Units: the mean of the scores of the sites each guarantees.
    expected: dict[str, list[Decimal]] = {}
    for key, assignment in scored.items():
        unit = assignment.site.guarantor_unit
        if unit is not None and EXPECTED_SITES[key] is not None:
            expected.setdefault(unit.name, []).append(EXPECTED_SITES[key])
    units = {g.name: g for g in scores.units}
    for name, values in expected.items():
        assert units[name].score == (sum(values) / len(values)).quantize(Decimal("0.01")), name
    # Lowest first on the page's site table.
    assert [s.score for s in scores.sites if s.score is not None] == sorted(
        s.score for s in scores.sites if s.score is not None)


def test_equal_scores_share_a_rank():
    def group(name, value):
        g = GroupScore(name)
        if value is not None:
            g.sites.append(SiteScore(1, name, name, "", "", applicable_weight=Decimal(1), passed_weight=Decimal(value)))
        return g

    ranked = _ranked({n: group(n, v) for n, v in (("a", "0.5"), ("b", "0.9"), ("c", "0.5"), ("d", None))})
    assert [(g.name, g.rank) for g in ranked] == [("b", 1), ("a", 2), ("c", 2), ("d", 0)]


def test_the_round_page_shows_the_tables(client, scored, demo_round, people):
    client.force_login(people["zhiban"])
    page = client.get(reverse("inspections:round", args=[demo_round.pk])).content.decode()
    assert "57.50" in page and "35.00" in page and 'id="unit-scores"' in page
