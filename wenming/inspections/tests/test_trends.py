"""Trends across rounds: every round's district and unit scores equal ``round_scores``' (read in one query for all
rounds), the pass rate per site type by hand, and the page: planners see planned rounds, other office roles the
released ones only, an inspector nothing; a table beside each chart."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wenming.inspections.models import Round, Scheme
from wenming.inspections.services import results as res
from wenming.inspections.services import rounds as rs
from wenming.inspections.services.scoring import round_scores
from wenming.inspections.trend_selectors import inspection_trends
from wenming.org.models import Area

from .conftest import observation

pytestmark = pytest.mark.django_db

# Weights: 农贸市场 01-01:2 01-02:1 01-03:2 02-01:1; 学校 01-01:2 01-02:2 01-03:1.
FIRST = {("131102", "market"): {"农贸市场-01-01": "pass", "农贸市场-01-02": "fail", "农贸市场-01-03": "severe",
                                "农贸市场-02-01": "na"},  # 35.00; pass rate 2/5
         ("131102", "school"): {"学校-01-01": "pass", "学校-01-02": "pass", "学校-01-03": "fail"}}  # 80.00; 4/5
SECOND = {("131102", "market"): {"农贸市场-01-01": "pass", "农贸市场-01-02": "pass", "农贸市场-01-03": "pass",
                                 "农贸市场-02-01": "fail"},  # 100×5/6 = 83.33; pass rate 5/6
          ("131103", "school"): {"学校-01-01": "pass", "学校-01-02": "pass", "学校-01-03": "pass"}}  # 100.00


def _record(round_, people, plan):
    for (district, site_type), outcomes in plan.items():
        assignment = (round_.assignments.filter(district__code=district, site__site_type__code=site_type)
                      .select_related("site").order_by("site__code").first())
        answers = res.results_sync(actor=people["anfang"], observations=[
            observation(assignment, code, outcome) for code, outcome in outcomes.items()])
        assert {a.status for a in answers} == {"created"}


def _plan(people, code, starts_on, seed):
    return rs.round_plan(
        actor=people["zhiban"], code=code, name=f"第{code}批次", starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(days=2), firm_name="测评公司", inspectors=[people["anfang"]],
        schemes=list(Scheme.objects.filter(site_type__code__in=["market", "school", "alley"])), seed=seed,
        districts=list(Area.objects.filter(code__in=["131102", "131103"])), default_sample_size=2)


@pytest.fixture
def two_rounds(demo_round, people):
    """The demo round (released, scored by FIRST) and a later one (planned, scored by SECOND)."""
    _record(demo_round, people, FIRST)
    rs.round_release(round_id=demo_round.pk, actor=people["zhiban"])
    later = _plan(people, "LATER-R2", demo_round.starts_on + dt.timedelta(days=1), seed=7)
    _record(later, people, SECOND)
    return Round.objects.get(pk=demo_round.pk), later


def test_the_trends_equal_each_rounds_scores(two_rounds):
    first, second = two_rounds
    trends = inspection_trends()
    assert [r.code for r in trends.rounds] == [first.code, second.code]  # oldest first
    for position, round_ in enumerate(trends.rounds):
        scores = round_scores(round_)
        for series, groups in ((trends.districts, scores.districts), (trends.units, scores.units)):
            by_name = {s.name: s for s in series}
            for group in groups:
                assert by_name[group.name].values[position] == group.score, (round_.code, group.name)
                assert by_name[group.name].ranks[position] == group.rank
            assert {s.name for s in series if s.values[position] is not None} == {
                g.name for g in groups if g.score is not None}
    taocheng = Area.objects.get(code="131102").name
    assert {s.name: s.values for s in trends.districts}[taocheng] == [Decimal("57.50"), Decimal("83.33")]
    rates = {s.name: s.values for s in trends.site_types}
    assert rates["农贸市场"] == [Decimal("40.00"), Decimal("83.33")]  # the rate has no 严重不合格 deduction
    assert rates["学校"] == [Decimal("80.00"), Decimal("100.00")]


def test_the_same_queries_whatever_the_number_of_rounds(two_rounds, people):
    first, second = two_rounds
    with CaptureQueriesContext(connection) as one:
        inspection_trends(rounds=[first])
    with CaptureQueriesContext(connection) as both:
        inspection_trends(rounds=[first, second])
    assert len(one) == len(both) == 3  # the sites, the weights summed per site and outcome, the findings


def test_the_page_shows_planners_every_round_and_others_the_released_ones(client, two_rounds, people):
    first, second = two_rounds
    url = reverse("inspections:trends")
    client.force_login(people["zhiban"])
    page = client.get(url).content.decode()
    assert second.code in page and first.code in page and 'id="trend-table-district"' in page
    data = json.loads(page.split('id="trend-data-district" type="application/json">')[1].split("</script>")[0])
    assert data["rounds"] == [first.code, second.code] and data["unit"] and data["title"]
    assert 57.5 in [v for s in data["series"] for v in s["data"]]
    client.force_login(people["admin"])  # a planner too
    assert second.code in client.get(url).content.decode()
    client.force_login(people["chengguan"])  # a unit: released rounds only
    page = client.get(url).content.decode()
    assert first.code in page and second.code not in page
    client.force_login(people["anfang"])
    assert client.get(url).status_code == 404


def test_no_round_no_chart(client, people, db):
    client.force_login(people["chengguan"])
    page = client.get(reverse("inspections:trends")).content.decode()
    assert 'id="no-rounds"' in page and "echarts" not in page
