"""The mock evaluation (services/forecast.py) on a hand-computed fixture: a tiny edition, two criteria per method,
known pass rates, materials, ratings and ledger statuses → known scores and bands (docs/forecast.md has the
formulas); unknown evidence; the backtest; the meeting pack's change since last week; who may see the page."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from wenming.cases.models import FollowUp
from wenming.cases.services import workflow as wf
from wenming.cases.tests.test_views import routed_grid
from wenming.evaluation import field_results
from wenming.evaluation.field_results import FieldSource, FieldStratum, RoundSpan
from wenming.evaluation.models import (
    AssessmentPeriod,
    Clause,
    Criterion,
    CriterionKind,
    Domain,
    DomainKind,
    Edition,
    LedgerEntry,
    MaterialRequirement,
    MaterialState,
)
from wenming.evaluation.services import forecast as fc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    cache.clear()  # the backtest is kept in the cache; a rolled-back test's must not answer the next one


def approx(x, tol=1e-3):
    return pytest.approx(x, abs=tol)


@pytest.fixture
def tiny(people):
    """P1 (60 points): F1, F2 实地考察; M1, M2 材料审核 — 15 points each. P2 (40 points): Q1, Q2 问卷调查; L1 听取汇报,
    L2 整体观察 — 10 points each. One clause each."""
    Edition.objects.filter(is_current=True).update(is_current=False)
    edition = Edition.objects.create(code="T", name="tiny", year=2026, is_current=True)
    p1 = Domain.objects.create(edition=edition, kind=DomainKind.PROJECT, code="P1", name="一", weight=60, sort=1)
    p2 = Domain.objects.create(edition=edition, kind=DomainKind.PROJECT, code="P2", name="二", weight=40, sort=2)
    made = {}
    for sort, (domain, code, method) in enumerate([(p1, "F1", "field"), (p1, "F2", "field"), (p1, "M1", "materials"),
                                                   (p1, "M2", "materials"), (p2, "Q1", "questionnaire"),
                                                   (p2, "Q2", "questionnaire"), (p2, "L1", "report"),
                                                   (p2, "L2", "observation")]):
        c = Criterion.objects.create(edition=edition, kind=CriterionKind.CONTENT, domain=domain, code=code, text=code,
                                     sort=sort)
        made[code] = c
        made[f"{code}.1"] = Clause.objects.create(criterion=c, number=1, text=code, methods=[method])
    # Materials: M1 two of three approved, M2 one missing.
    due = timezone.localdate()
    for i, state in enumerate([MaterialState.APPROVED, MaterialState.APPROVED, MaterialState.MISSING]):
        MaterialRequirement.objects.create(edition=edition, criterion=made["M1"], kind="document", title=f"m{i}",
                                           formats=["pdf"], due_on=due, state=state)
    MaterialRequirement.objects.create(edition=edition, criterion=made["M2"], kind="document", title="m",
                                       formats=["pdf"], due_on=due)
    # Ledger: L1 达标, L2 部分达标.
    period = AssessmentPeriod.objects.create(edition=edition, name="2026", starts_on=due.replace(month=1, day=1),
                                             ends_on=due.replace(month=12, day=31))
    now = timezone.now()
    # Assessed a month ago, rated 10 to 14 days ago: after every round of the backtest's history, before the week of
    # the meeting test.
    LedgerEntry.objects.create(criterion=made["L1"], period=period, status="met", assessed_at=now - dt.timedelta(30))
    LedgerEntry.objects.create(criterion=made["L2"], period=period, status="partly",
                               assessed_at=now - dt.timedelta(30))
    # Ratings: four on a SJ0401 case (3 satisfied), one on a SJ0101 case (dissatisfied); Q2 is linked to SJ0401.
    grid = routed_grid("SJ0401", "CGJ-131102", "131102")
    cases = [wf.case_intake(channel="hotline", description="占道经营", lng=grid.lng, lat=grid.lat, category=cat,
                            reporter_phone="13812345678", reporter_name="王先生", actor=people["shouli"])
             for cat in ("SJ0401", "SJ0101")]
    made["Q2"].categories.add(cases[0].category)
    for n, rating in enumerate(["satisfied", "basically_satisfied", "satisfied", "dissatisfied"]):
        FollowUp.objects.create(case=cases[0], round=n, rating=rating, created_at=now - dt.timedelta(days=n + 10))
    FollowUp.objects.create(case=cases[1], round=0, rating="dissatisfied", created_at=now - dt.timedelta(days=12))
    made["edition"] = edition
    return made


@pytest.fixture(autouse=True)
def _english():
    """The forecast words its evidence in the city's language; these tests read the English source."""
    with translation.override("en"):
        yield


def stub(monkeypatch, strata_for, rounds=()):
    monkeypatch.setattr(field_results, "_source", FieldSource(strata=strata_for, rounds=lambda *, as_of: list(rounds)))


def known_strata(tiny):
    f1, f2 = tiny["F1.1"].pk, tiny["F2.1"].pk
    return [FieldStratum(f1, "农贸市场", "R9", passed=8, applicable=10, sites=10),
            FieldStratum(f1, "背街小巷", "R9", passed=3, applicable=5, sites=5),
            FieldStratum(f2, "农贸市场", "R9", passed=10, applicable=10, sites=4)]


def test_wilson_by_hand():
    assert fc.wilson(8, 10) == (approx(0.49016), approx(0.94332))
    assert fc.wilson(3, 5) == (approx(0.23072), approx(0.88238))
    low, high = fc.wilson(4, 4)
    assert (low, high) == (approx(0.51010), 1.0)  # all passed: the band still reaches below


def test_the_forecast_by_hand(tiny, monkeypatch):
    stub(monkeypatch, lambda *, clause_ids, as_of, round_id: known_strata(tiny))
    f = fc.forecast_compute(edition=tiny["edition"])
    rows = {c.code: c for d in f.domains for c in d.criteria}
    # F1: (8 + 3) / (10 + 5) of 15 = 11; band from Wilson(8 of 10) and Wilson(3 of 5), shares 2/3 and 1/3.
    assert (rows["F1"].expected, rows["F1"].low, rows["F1"].high) == (approx(11.0), approx(7.393), approx(13.012))
    assert (rows["F2"].expected, rows["F2"].low, rows["F2"].high) == (approx(15.0), approx(7.6515), approx(15.0))
    assert (rows["M1"].expected, rows["M2"].expected) == (approx(10.0), approx(0.0))
    # Q1 has no category: the city's 3 satisfied of 5; Q2 its category's 3 of 4.
    assert (rows["Q1"].expected, rows["Q1"].low, rows["Q1"].high) == (approx(6.0), approx(2.3072), approx(8.8238))
    assert (rows["Q2"].expected, rows["Q2"].low, rows["Q2"].high) == (approx(7.5), approx(3.0064), approx(9.5442))
    assert (rows["L1"].expected, rows["L2"].expected) == (approx(10.0), approx(5.0))
    p1, p2 = f.domain("P1"), f.domain("P2")
    assert (p1.points, p1.expected, p2.points, p2.expected) == (60, approx(36.0), 40, approx(28.5))
    assert (f.points, f.expected, f.unknown_points) == (100, approx(64.5), 0)
    assert f.low == approx(7.393 + 7.6515 + 10 + 0 + 2.3072 + 3.0064 + 10 + 5)
    # Losers by points lost: M2 (15), then L2 and M1 (5 each, by code), then F1 and Q1 (4 each).
    assert [c.code for c in f.losers[:5]] == ["M2", "L2", "M1", "F1", "Q1"]
    assert "农贸市场 80%" in " ".join(rows["F1"].evidence) and "2 of 3" in " ".join(rows["M1"].evidence)


def test_unknown_evidence_is_shown_not_full_marks(tiny, monkeypatch):
    stub(monkeypatch, lambda *, clause_ids, as_of, round_id: known_strata(tiny)[:2])  # nothing for F2
    f = fc.forecast_compute(edition=tiny["edition"])
    f2 = next(c for c in f.domain("P1").criteria if c.code == "F2")
    assert (f2.expected, f2.low, f2.high, f2.unknown_points) == (0, 0, 15, 15)
    assert "unknown" in f2.evidence[0]
    assert f.unknown_points == 15 and f.expected == approx(64.5 - 15)
    assert f.losers[0].code in {"F2", "M2"}


def test_the_ledger_stands_in_for_a_method_without_evidence_and_says_so(tiny, monkeypatch):
    stub(monkeypatch, lambda *, clause_ids, as_of, round_id: known_strata(tiny)[:2])  # nothing for F2
    period = AssessmentPeriod.objects.get(edition=tiny["edition"])
    LedgerEntry.objects.create(criterion=tiny["F2"], period=period, status="partly",
                               assessed_at=timezone.now() - dt.timedelta(days=1))
    f = fc.forecast_compute(edition=tiny["edition"])
    f2 = next(c for c in f.domain("P1").criteria if c.code == "F2")
    assert (f2.expected, f2.unknown_points) == (7.5, 0)
    assert "for want of other evidence" in f2.evidence[0]
    # F1 has its inspections: the ledger does not dilute them.
    f1 = next(c for c in f.domain("P1").criteria if c.code == "F1")
    assert f1.expected == approx(11.0) and "Ledger" not in " ".join(f1.evidence)


def test_without_a_field_source_field_criteria_are_unknown(tiny, monkeypatch):
    monkeypatch.setattr(field_results, "_source", None)
    f = fc.forecast_compute(edition=tiny["edition"])
    assert f.domain("P1").unknown_points == 30


def test_the_backtest_on_a_fixture_history(tiny, monkeypatch):
    today = timezone.localdate()
    spans = [RoundSpan(k, f"R{k}", today - dt.timedelta(days=200 - 30 * k), today - dt.timedelta(days=198 - 30 * k))
             for k in (1, 2, 3)]
    rate = {1: 0.5, 2: 0.7, 3: 0.8}
    f1 = tiny["F1.1"].pk

    def strata(*, clause_ids, as_of, round_id):
        if round_id is None:  # the latest round over by then (as if released the day after it ended)
            done = [s for s in spans if fc._day_start(s.ends_on + dt.timedelta(days=1)) <= as_of]
            if not done:
                return []
            round_id = done[-1].id
        return [FieldStratum(f1, "农贸市场", f"R{round_id}", passed=10 * rate[round_id], applicable=10, sites=10)]

    stub(monkeypatch, strata, spans)
    bt = fc.forecast_backtest(edition=tiny["edition"])
    # Before R2: R1's 50 % of F1's 15 points = 7.5, measured 70 % = 10.5; before R3: 10.5 against 12.
    # The rest (ledger, materials, ratings) is newer than every round: the same 0 on both sides.
    assert [(r.round_code, r.forecast, r.measured) for r in bt.rows] == [
        ("R2", approx(7.5), approx(10.5)), ("R3", approx(10.5), approx(12.0))]
    assert bt.mae == approx((3 + 1.5) / 2)
    assert bt.domain_mae == {"P1": approx(2.25), "P2": approx(0.0)}
    # Kept: asked again, the same answer without a forecast computed.
    monkeypatch.setattr(fc, "forecast_compute", None)
    assert fc.forecast_backtest(edition=tiny["edition"]) == bt


def test_the_meeting_pack_shows_the_change_since_last_week(tiny, monkeypatch):
    from wenming.reports.meeting import _forecast_section

    now = timezone.now()
    f1 = tiny["F1.1"].pk

    def strata(*, clause_ids, as_of, round_id):  # a round released three days ago lifted F1 from 50 % to 80 %
        rate = 0.8 if as_of > now - dt.timedelta(days=3) else 0.5
        return [FieldStratum(f1, "农贸市场", "R", passed=10 * rate, applicable=10, sites=10)]

    stub(monkeypatch, strata)
    week_start = timezone.localdate() - dt.timedelta(days=2)
    lines = fc.forecast_week(week_start=week_start, now=now)
    overall, p1, p2 = lines
    assert overall.code == "" and overall.delta == approx(15 * 0.3)
    assert (p1.code, p1.delta, p2.delta) == ("P1", approx(4.5), approx(0.0))
    # The ledger and the ratings are older than the week: the same on both sides. The materials are new: unknown a
    # week ago, and now (read as of a moment, by their submissions) none approved — 0 on both sides.
    assert (overall.now, overall.before) == (approx(12 + 28.5), approx(7.5 + 28.5))
    meeting = SimpleNamespace(week_start=week_start)
    title, columns, rows = _forecast_section(meeting, now=now)
    assert rows[0][-1] == f"{overall.delta:+.2f}" and rows[1][0].startswith("P1")
    html = Template("{% load forecast_tags %}{% forecast_meeting_section meeting %}").render(Context({"meeting": meeting}))
    assert 'id="meeting-forecast"' in html and "+4.50" in html


@pytest.fixture
def demo_edition(db):
    from wenming.demo.evaluation import evaluation_demo_build

    evaluation_demo_build()


@pytest.mark.parametrize("username, status", [("ceping", 200), ("zhiban", 200), ("admin", 200), ("chengguan", 404),
                                              ("paiqian", 404), ("shouli", 404), ("anfang", 404), ("wangge", 404)])
def test_only_the_readiness_watchers_see_the_forecast(client, people, demo_edition, username, status):
    client.force_login(people[username])
    page = client.get(reverse("evaluation:forecast"))
    api = client.get(reverse("api:evaluation-forecast"))
    assert (page.status_code, api.status_code) == (status, status)
    if status == 200:
        assert b'id="forecast-domains"' in page.content and b'id="forecast-backtest"' in page.content
        body = api.json()
        assert {"forecast", "low", "high", "domains", "losers", "negative_list_at_risk", "backtest"} <= set(body)


def test_the_readiness_page_links_the_forecast_for_its_audience_only(client, people, demo_edition):
    client.force_login(people["ceping"])
    assert b'id="link-forecast"' in client.get(reverse("evaluation:readiness")).content
    client.force_login(people["chengguan"])
    assert b'id="link-forecast"' not in client.get(reverse("evaluation:readiness")).content
