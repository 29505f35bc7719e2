"""The ledger's services: assessing a criterion per period (history kept, stale forms refused, the lead unit's
self-assessment, evidence checked), the readiness interface, and the 回头看 rounds (results recorded, measures for
the criteria not met only, closing twice creates nothing twice, all or nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from wenming.conftest import photo_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]

TODAY = dt.date(2026, 11, 10)
NOW = timezone.make_aware(dt.datetime(2026, 11, 10, 10, 0))


@pytest.fixture(name="world")
def world_fixture(demo_framework, people):
    """P5.1.2 led by 城管 桃城分局 (chengguan's unit), shared with the power company; two periods; a campaign."""
    from wenming.campaign.models import Campaign
    from wenming.demo.campaign import campaign_demo_build
    from wenming.evaluation.models import Criterion
    from wenming.evaluation.services.ledger import period_create
    from wenming.evaluation.services.responsibility import Responsibility, criterion_responsibility_set
    from wenming.org.models import Unit

    criterion = Criterion.objects.get(edition=demo_framework, code="P5.1.2")
    criterion_responsibility_set(
        criterion_id=criterion.pk, actor=people["ceping"], expected_version=criterion.version,
        value=Responsibility(lead_unit_id=Unit.objects.get(code="CGJ-131102").pk,
                             responsible_unit_ids=frozenset({Unit.objects.get(code="POWER").pk}),
                             fields=frozenset({"lead_unit_id", "responsible_unit_ids"})))
    if not Campaign.objects.exists():
        campaign_demo_build()
    office = people["ceping"]
    q3 = period_create(edition_id=demo_framework.pk, actor=office, name="2026年第三季度",
                       starts_on=dt.date(2026, 7, 1), ends_on=dt.date(2026, 9, 30))
    q4 = period_create(edition_id=demo_framework.pk, actor=office, name="2026年第四季度",
                       starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2026, 12, 31))
    criterion.refresh_from_db()
    return {"edition": demo_framework, "criterion": criterion, "other": Criterion.objects.get(
        edition=demo_framework, code="P1.1.1"), "q3": q3, "q4": q4, "office": office,
        "campaign": Campaign.objects.order_by("-starts_on").first()}


def measure_title(code: str) -> str:
    """A measure's title as the service stores it: in the city's language, whatever the test's."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(settings.LANGUAGE_CODE):
        return gettext("%(code)s rectification measures") % {"code": code}


def assess(w, *, actor=None, criterion=None, period=None, status="met", version=0, **kw):
    from wenming.evaluation.services.ledger import ledger_entry_assess

    return ledger_entry_assess(criterion_id=(criterion or w["criterion"]).pk, period_id=(period or w["q4"]).pk,
                               actor=actor or w["office"], status=status, expected_version=version, now=NOW, **kw)


# -- periods -------------------------------------------------------------------------------------------------------

def test_periods_are_the_offices_and_named_once_per_edition(world, people):
    from wenming.common.errors import NotAllowed, WorkflowError
    from wenming.evaluation.services.ledger import period_create

    with pytest.raises(WorkflowError, match="already has a period"):
        period_create(edition_id=world["edition"].pk, actor=world["office"], name="2026年第四季度",
                      starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2026, 12, 31))
    with pytest.raises(WorkflowError, match="ends before it starts"):
        period_create(edition_id=world["edition"].pk, actor=world["office"], name="x",
                      starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2026, 9, 1))
    with pytest.raises(NotAllowed):
        period_create(edition_id=world["edition"].pk, actor=people["chengguan"], name="y",
                      starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2026, 12, 31))


# -- entries and history -----------------------------------------------------------------------------------------

def test_an_assessment_and_a_reassessment_keep_the_history(world):
    from wenming.evaluation.models import LedgerEvent, LedgerEventAction

    first = assess(world, status="not_met", note="路面破损较多")
    assert (first.status, first.version, first.self_assessed, first.assessed_by) == ("not_met", 1, False, world["office"])
    second = assess(world, status="met", version=1, note="已修复", case_numbers=[])
    assert second.pk == first.pk and second.version == 2 and second.status == "met"
    events = list(LedgerEvent.objects.filter(criterion=world["criterion"]).order_by("pk"))
    assert [(e.action, e.status_before, e.status) for e in events] == [
        (LedgerEventAction.ASSESSED, "", "not_met"), (LedgerEventAction.ASSESSED, "not_met", "met")]
    # Another period is another entry; the first stays as it was.
    assess(world, period=world["q3"], status="partly")
    assert world["criterion"].ledger_entries.count() == 2


def test_a_stale_assessment_is_refused_and_writes_nothing(world):
    from wenming.evaluation.models import LedgerEvent
    from wenming.evaluation.services.ledger import StaleEntry

    assess(world, status="met")
    with pytest.raises(StaleEntry, match="meanwhile"):
        assess(world, status="not_met", version=0)  # filled in before the first assessment was saved
    entry = world["criterion"].ledger_entries.get()
    assert (entry.status, entry.version) == ("met", 1)
    assert LedgerEvent.objects.filter(criterion=world["criterion"]).count() == 1


def test_the_lead_unit_self_assesses_its_own_criterion_until_the_office_confirms(world, people):
    from wenming.common.errors import NotAllowed
    from wenming.evaluation.models import Criterion, LedgerEventAction

    unit = people["chengguan"]
    own = assess(world, actor=unit, status="met", note="自评达标")
    assert own.self_assessed and own.events.get().action == LedgerEventAction.SELF_ASSESSED
    again = assess(world, actor=unit, status="partly", version=1)  # its own self-assessment, corrected
    assert again.self_assessed and again.version == 2
    confirmed = assess(world, status="partly", version=2)  # the office confirms
    assert not confirmed.self_assessed and confirmed.assessed_by == world["office"]
    with pytest.raises(NotAllowed, match="evaluation office has assessed"):
        assess(world, actor=unit, status="met", version=3)
    # Another unit's criterion is not found at all; a unit that only shares the criterion does not assess it.
    with pytest.raises(Criterion.DoesNotExist):
        assess(world, actor=unit, criterion=world["other"])
    with pytest.raises(NotAllowed):
        assess(world, actor=people["gongdian"], period=world["q3"])


def test_evidence_photos_lose_their_metadata_pdfs_are_kept_and_hostile_input_writes_nothing(world):
    from wenming.common.errors import WorkflowError
    from wenming.evaluation.models import LedgerEntry, LedgerEvidence
    from wenming.evaluation.services.ledger import Upload

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    entry = assess(world, files=[Upload(name="现场.png", content=photo_bytes()), Upload(name="方案.pdf", content=pdf)])
    kinds = sorted(entry.evidence.values_list("content_type", flat=True))
    assert kinds == ["application/pdf", "image/jpeg"]
    assert not entry.evidence.get(content_type="image/jpeg").file.read().count(b"Exif")
    for bad, message in (({"files": [Upload(name="x.png", content=b"<script>alert(1)</script>")]}, "Evidence"),
                         ({"note": "bad\x00note"}, "control characters"),
                         ({"case_numbers": [999999999]}, "no case has the number")):
        with pytest.raises(WorkflowError, match=message):
            assess(world, period=world["q3"], **bad)
    assert not LedgerEntry.objects.filter(period=world["q3"]).exists()
    assert LedgerEvidence.objects.count() == 2


# -- the readiness interface --------------------------------------------------------------------------------------

def test_status_by_criterion_reads_the_latest_period_or_the_given_one_in_one_query(world, django_assert_num_queries):
    from wenming.evaluation.ledger_selectors import ledger_current_period, ledger_status_by_criterion

    c, other = world["criterion"], world["other"]
    assess(world, period=world["q3"], status="not_met")
    assess(world, period=world["q4"], status="met")
    assess(world, criterion=other, period=world["q3"], status="partly")
    with django_assert_num_queries(1):
        found = ledger_status_by_criterion(criterion_ids=[c.pk, other.pk, 0])
    assert found[c.pk]["status"] == "met" and found[c.pk]["period"] == "2026年第四季度"
    assert found[other.pk]["status"] == "partly" and found[other.pk]["period"] == "2026年第三季度"
    assert found[c.pk]["status_label"] == "Met (达标)" and found[c.pk]["assessed_at"] == NOW
    assert 0 not in found
    by_q3 = ledger_status_by_criterion(criterion_ids=[c.pk], period_id=world["q3"].pk)
    assert by_q3[c.pk]["status"] == "not_met"
    assert ledger_current_period(edition=world["edition"], today=TODAY) == world["q4"]
    assert ledger_current_period(edition=world["edition"], today=dt.date(2026, 8, 1)) == world["q3"]
    assert ledger_current_period(edition=world["edition"], today=dt.date(2020, 1, 1)) == world["q3"]


# -- 回头看 rounds ------------------------------------------------------------------------------------------------

def open_round(w, **kw):
    from wenming.evaluation.models import Domain
    from wenming.evaluation.services.ledger import review_round_open

    domain = Domain.objects.get(edition=w["edition"], code="P5")
    return review_round_open(edition_id=w["edition"].pk, period_id=w["q4"].pk, actor=w["office"],
                             name="2026年第四季度回头看", campaign_id=w["campaign"].pk,
                             measure_due_on=dt.date(2026, 12, 20), domain_id=domain.pk, now=NOW, **kw)


def record_all(review_round, actor, statuses: dict[str, str], default="met", due: dict[str, dt.date] | None = None):
    from wenming.evaluation.services.ledger import ItemResult, review_results_record

    results = {i.pk: ItemResult(status=statuses.get(i.criterion.code, default), expected_version=i.version,
                                due_on=(due or {}).get(i.criterion.code))
               for i in review_round.items.select_related("criterion")}
    return review_results_record(round_id=review_round.pk, actor=actor, results=results, now=NOW)


def test_a_round_creates_measures_for_the_criteria_not_met_only(world):
    from wenming.campaign.models import TaskEvent, TaskEventAction
    from wenming.evaluation.models import (
        CriterionEvent,
        LedgerEntry,
        LedgerEventAction,
        ReviewEvent,
        RoundState,
    )
    from wenming.evaluation.services.ledger import review_round_close

    review_round = open_round(world)
    codes = sorted(review_round.items.values_list("criterion__code", flat=True))
    assert codes and all(code.startswith("P5.") for code in codes) and "P5.1.2" in codes
    record_all(review_round, world["office"], {"P5.1.2": "not_met", "P5.1.1": "partly", "P5.1.3": "not_met"},
               due={"P5.1.3": dt.date(2026, 12, 1)})
    # Each result is the ledger's entry of the round's period, in the criterion's history.
    entry = LedgerEntry.objects.get(criterion=world["criterion"], period=world["q4"])
    assert entry.status == "not_met" and entry.review_round == review_round
    assert entry.events.get().action == LedgerEventAction.ROUND_RESULT

    tasks = review_round_close(round_id=review_round.pk, actor=world["office"], now=NOW)
    assert sorted(t.title for t in tasks) == [measure_title("P5.1.2"), measure_title("P5.1.3")]
    task = next(t for t in tasks if t.title.startswith("P5.1.2"))
    assert task.campaign == world["campaign"] and task.lead_unit.code == "CGJ-131102"
    assert list(task.cooperating_units.values_list("code", flat=True)) == ["POWER"]
    assert task.due_on == dt.date(2026, 12, 20) and task.starts_on == TODAY
    assert next(t for t in tasks if t.title.startswith("P5.1.3")).due_on == dt.date(2026, 12, 1)
    assert task.task_force_id == world["criterion"].task_force_id
    assert list(world["criterion"].tasks.filter(pk=task.pk)) == [task]  # linked to the criterion
    assert TaskEvent.objects.get(task=task).action == TaskEventAction.CREATED
    linked = CriterionEvent.objects.filter(criterion=world["criterion"]).latest("pk")
    assert task.code in linked.data["after"]["tasks"] and task.code not in linked.data["before"]["tasks"]
    review_round.refresh_from_db()
    assert review_round.state == RoundState.CLOSED and review_round.closed_by == world["office"]
    assert ReviewEvent.objects.filter(review_round=review_round, action="closed").count() == 1
    assert review_round.items.filter(status="partly", task__isnull=False).count() == 0


def test_closing_twice_creates_nothing_twice(world):
    from wenming.campaign.models import Task
    from wenming.evaluation.models import ReviewEvent
    from wenming.evaluation.services.ledger import review_round_close

    review_round = open_round(world)
    record_all(review_round, world["office"], {"P5.1.2": "not_met"})
    first = review_round_close(round_id=review_round.pk, actor=world["office"], now=NOW)
    tasks = Task.objects.count()
    again = review_round_close(round_id=review_round.pk, actor=world["office"], now=NOW)
    assert [t.pk for t in again] == [t.pk for t in first] and len(first) == 1
    assert Task.objects.count() == tasks
    assert ReviewEvent.objects.filter(review_round=review_round, action="closed").count() == 1


def test_partly_met_items_get_measures_when_the_round_says_so(world):
    from wenming.evaluation.services.ledger import review_round_close

    review_round = open_round(world, include_partly=True)
    record_all(review_round, world["office"], {"P5.1.2": "not_met", "P5.1.1": "partly"})
    tasks = review_round_close(round_id=review_round.pk, actor=world["office"], now=NOW)
    assert sorted(t.title.split()[0] for t in tasks) == ["P5.1.1", "P5.1.2"]


def test_closing_is_all_or_nothing(world):
    from wenming.campaign.models import Task
    from wenming.common.errors import IllegalTransition, WorkflowError
    from wenming.evaluation.models import RoundState
    from wenming.evaluation.services.ledger import _measure_code, review_round_close

    review_round = open_round(world)
    with pytest.raises(IllegalTransition, match="no result yet"):
        review_round_close(round_id=review_round.pk, actor=world["office"], now=NOW)
    record_all(review_round, world["office"], {"P5.1.2": "not_met", "P5.1.3": "not_met"})
    # The second measure's code is taken already: the first measure must not stay behind either.
    items = list(review_round.items.order_by("pk").values_list("criterion__code", flat=True))
    n = items.index("P5.1.3") + 1
    Task.objects.create(campaign=world["campaign"], code=_measure_code(review_round, n), title="占用",
                        starts_on=TODAY, due_on=TODAY)
    before = Task.objects.count()
    # The refusal names the taken code (in the city's language, whatever the test's).
    with pytest.raises(WorkflowError, match=_measure_code(review_round, n)):
        review_round_close(round_id=review_round.pk, actor=world["office"], now=NOW)
    assert Task.objects.count() == before
    review_round.refresh_from_db()
    assert review_round.state == RoundState.OPEN and not review_round.items.filter(task__isnull=False).exists()
    assert not world["criterion"].tasks.filter(code__startswith="HTK").exists()


def test_round_results_refuse_a_stale_form_a_closed_round_and_other_roles(world, people):
    from wenming.common.errors import IllegalTransition, NotAllowed
    from wenming.evaluation.services.ledger import (
        ItemResult,
        StaleEntry,
        review_results_record,
        review_round_close,
    )

    review_round = open_round(world)
    item = review_round.items.get(criterion=world["criterion"])
    review_results_record(round_id=review_round.pk, actor=world["office"], now=NOW,
                          results={item.pk: ItemResult(status="met", expected_version=0)})
    with pytest.raises(StaleEntry, match="P5.1.2"):
        review_results_record(round_id=review_round.pk, actor=world["office"], now=NOW,
                              results={item.pk: ItemResult(status="not_met", expected_version=0)})
    with pytest.raises(NotAllowed):
        review_results_record(round_id=review_round.pk, actor=people["chengguan"], now=NOW,
                              results={item.pk: ItemResult(status="not_met", expected_version=1)})
    record_all(review_round, world["office"], {"P5.1.2": "met"})
    review_round_close(round_id=review_round.pk, actor=world["office"], now=NOW)
    item.refresh_from_db()
    with pytest.raises(IllegalTransition, match="closed"):
        review_results_record(round_id=review_round.pk, actor=world["office"], now=NOW,
                              results={item.pk: ItemResult(status="not_met", expected_version=item.version)})


def test_the_demo_ledger_builds_once(demo_framework):
    from wenming.campaign.models import Campaign
    from wenming.demo.campaign import campaign_demo_build
    from wenming.demo.evaluation_ledger import evaluation_ledger_demo_build
    from wenming.evaluation.models import AssessmentPeriod, LedgerEntry, ReviewRound

    if not Campaign.objects.exists():
        campaign_demo_build()
    counts = evaluation_ledger_demo_build(today=TODAY)
    assert counts["periods"] == 12 and counts["rounds"] == 1 and counts["measures"] >= 1
    assert ReviewRound.objects.get().state == "closed"
    statuses = set(LedgerEntry.objects.values_list("status", flat=True))
    assert {"met", "not_met", "partly"} <= statuses
    assert evaluation_ledger_demo_build(today=TODAY) == {"periods": 0, "entries": 0, "rounds": 0, "measures": 0}
    assert AssessmentPeriod.objects.count() == 12


def test_task_create_is_for_the_command_centre_the_office_and_administrators(world, people):
    from wenming.campaign.models import Task, TaskEvent
    from wenming.campaign.services.tasks import task_create
    from wenming.common.errors import NotAllowed, WorkflowError

    kw = {"campaign_id": world["campaign"].pk, "code": "ZG-1", "title": "整改", "now": NOW}
    with pytest.raises(NotAllowed):
        task_create(actor=people["chengguan"], due_on=dt.date(2026, 12, 1), **kw)
    with pytest.raises(WorkflowError, match="Deadline"):
        task_create(actor=people["zhiban"], due_on=dt.date(2026, 1, 1), **kw)  # before it starts
    assert not Task.objects.filter(code="ZG-1").exists()
    task = task_create(actor=people["zhiban"], due_on=dt.date(2026, 12, 1), cooperating_unit_ids=[], **kw)
    assert TaskEvent.objects.get(task=task).data["due"] == "2026-12-01"
