"""Readiness at a glance: the ledger, the open risks, the materials and the linked work of each criterion added up
per domain and for the edition, in the viewer's scope, at a number of queries that does not grow with the data;
the page, the domain page, the REST endpoint and the home-page tile."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]


@pytest.fixture(name="ready")
def ready_fixture(demo_framework, people):
    """P5.1.2 (城管 桃城分局 answers for it) met; P5.1.1 not met; P1.1.1 (not theirs) with a triggered risk; a photo set
    required of P5.1.2 and still missing."""
    from wenming.evaluation.models import Criterion, RiskLevel, SignalKind
    from wenming.evaluation.services import materials as mat
    from wenming.evaluation.services.ledger import ledger_entry_assess, period_create
    from wenming.evaluation.services.risk import risk_signal_record

    office = people["ceping"]
    today = timezone.localdate()
    mine = Criterion.objects.get(edition=demo_framework, code="P5.1.2")  # the demo matrix gives it to 城管 too
    not_met = Criterion.objects.get(edition=demo_framework, code="P5.1.1")
    other = Criterion.objects.get(edition=demo_framework, code="P1.1.1")
    period = period_create(edition_id=demo_framework.pk, actor=office, name="本季度",
                           starts_on=today - dt.timedelta(days=30), ends_on=today + dt.timedelta(days=60))
    for criterion, status in ((mine, "met"), (not_met, "not_met"), (other, "na")):
        ledger_entry_assess(criterion_id=criterion.pk, period_id=period.pk, actor=office, status=status,
                            expected_version=0)
    risk_signal_record(criterion_id=other.pk, kind=SignalKind.MEDIA_REPORT, source_id="r1", level=RiskLevel.TRIGGERED)
    risk_signal_record(criterion_id=mine.pk, kind=SignalKind.MEDIA_REPORT, source_id="r2", level=RiskLevel.WATCH)
    mat.submission_window_set(edition_id=demo_framework.pk, actor=office, opens_at=timezone.now() - dt.timedelta(days=1),
                              closes_at=timezone.now() + dt.timedelta(days=30), expected_version=None)
    mat.material_requirement_save(actor=office, criterion_id=mine.pk, values=mat.RequirementValues(
        kind="photos", title="背街小巷照片", due_on=today + dt.timedelta(days=3)))
    return {"edition": demo_framework, "mine": mine, "not_met": not_met, "other": other, "period": period}


def _row(result, code):
    return next(d for d in result.domains if d.domain.code == code)


def test_the_office_sees_every_domain_added_up(ready, people):
    from wenming.evaluation.readiness_selectors import readiness

    result = readiness(people["ceping"], ready["edition"], now=timezone.now())
    assert result.period == ready["period"]
    total = result.total
    assert (total.ledger["met"], total.ledger["not_met"], total.ledger["na"]) == (1, 1, 1)
    assert total.ledger["unassessed"] == total.criteria - 3
    assert total.met_rate == 50.0  # one met of the two assessed and applicable
    assert (total.risks["triggered"], total.risks["watch"], total.open_risks) == (1, 1, 2)
    assert (total.materials["required"], total.materials["missing"], total.materials_rate) == (1, 1, 0.0)
    p5 = _row(result, "P5")
    assert (p5.figures.ledger["met"], p5.figures.ledger["not_met"], p5.figures.risks["watch"]) == (1, 1, 1)
    assert p5.figures.attention and p5.rows == []  # the domains' figures only, without a domain asked for
    assert sum(d.figures.criteria for d in result.domains) == total.criteria


def test_a_domain_lists_its_criteria_and_a_unit_sees_only_its_own(ready, people):
    from wenming.evaluation.models import Domain
    from wenming.evaluation.readiness_selectors import readiness

    p5 = Domain.objects.get(edition=ready["edition"], code="P5")
    office = readiness(people["ceping"], ready["edition"], now=timezone.now(), domain=p5)
    rows = {r.criterion.code: r for r in office.domains[0].rows}
    assert rows["P5.1.2"].ledger["status"] == "met" and rows["P5.1.1"].ledger["status"] == "not_met"
    assert rows["P5.1.2"].figures.materials["missing"] == 1

    unit = readiness(people["chengguan"], ready["edition"], now=timezone.now())
    assert unit.total.criteria < office.total.criteria
    assert unit.total.risks["triggered"] == 0  # P1.1.1's risk is not the unit's to see
    unit_p5 = readiness(people["chengguan"], ready["edition"], now=timezone.now(), domain=p5)
    assert "P5.1.2" in {r.criterion.code for r in unit_p5.domains[0].rows}


def test_queries_do_not_grow_with_the_data(ready, people):
    from wenming.evaluation.models import Criterion, RiskLevel, SignalKind
    from wenming.evaluation.readiness_selectors import readiness
    from wenming.evaluation.services.ledger import ledger_entry_assess
    from wenming.evaluation.services.risk import risk_signal_record

    def count():
        people["ceping"].__dict__.pop("_wenming_scope", None)
        with CaptureQueriesContext(connection) as queries:
            readiness(people["ceping"], ready["edition"], now=timezone.now())
        return len(queries)

    before = count()
    for i, c in enumerate(Criterion.objects.filter(edition=ready["edition"]).exclude(
            pk__in=[ready["mine"].pk, ready["not_met"].pk, ready["other"].pk])[:30]):
        ledger_entry_assess(criterion_id=c.pk, period_id=ready["period"].pk, actor=people["ceping"],
                            status="partly", expected_version=0)
        risk_signal_record(criterion_id=c.pk, kind=SignalKind.MEDIA_REPORT, source_id=f"g{i}", level=RiskLevel.WARNING)
    assert count() == before


def test_the_page_the_domain_page_and_the_api(ready, client, people):
    client.force_login(people["ceping"])
    page = client.get("/evaluation/readiness/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="readiness-domains"' in text and 'data-code="P5"' in text and "50.0%" in text
    domain = client.get("/evaluation/readiness/P5/")
    assert domain.status_code == 200 and 'data-code="P5.1.2"' in domain.content.decode()
    assert client.get("/evaluation/readiness/NOPE/").status_code == 404
    assert client.get("/evaluation/readiness/?edition=NOPE").status_code == 404
    # A hostile kind is ignored, not an error.
    assert client.get("/evaluation/readiness/?kind=%00%3Cscript%3E").status_code == 200

    api = client.get("/api/v1/evaluation/readiness/")
    assert api.status_code == 200
    body = api.json()
    assert body["edition"] == ready["edition"].code and body["total"]["met_rate"] == 50.0
    assert body["total"]["risks"]["triggered"] == 1
    p5 = client.get("/api/v1/evaluation/readiness/?domain=P5").json()
    assert {r["code"] for r in p5["domains"][0]["criteria_rows"]} >= {"P5.1.1", "P5.1.2"}
    assert client.get("/api/v1/evaluation/readiness/?domain=NOPE").status_code == 400

    client.force_login(people["anfang"])  # an inspector reads no framework
    assert client.get("/evaluation/readiness/").status_code == 404
    assert client.get("/api/v1/evaluation/readiness/").status_code == 404


def test_the_home_page_shows_it_to_the_office_and_the_commander_only(ready, client, people):
    for username, shown in (("ceping", True), ("zhiban", True), ("chengguan", False), ("shouli", False)):
        client.force_login(people[username])
        assert ('id="home-readiness"' in client.get("/").content.decode()) is shown, username
