"""Task work in the unit index (services/task_index.py), counted by hand: report punctuality against the due days,
tasks behind or overdue with the value they had then, the explanation down to the reports, versions without the
task weights unchanged, and accountability records citing only the unit's tasks."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.campaign.models import Campaign, Measure, ProgressReport, Task, TaskStatus
from wenming.common.errors import WorkflowError
from wenming.demo.campaign import campaign_demo_build
from wenming.demo.inspections import TASK_WEIGHTS, task_weights_demo_build
from wenming.org.models import Unit
from wenming.scoring.models import IndexVersion, ScoreSnapshot
from wenming.scoring.services import boards, kpi, scores, task_index

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]

MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
CUTOFF = kpi.day_start(APRIL)
WEIGHTS = {"task_report_on_time_rate": 50, "tasks_lagging_rate": 50}


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def d(month: int, day: int) -> dt.date:
    return dt.date(2026, month, day)


@pytest.fixture
def campaign():
    return Campaign.objects.create(code="TW-TEST", name="任务计分测试", starts_on=d(1, 1), ends_on=d(12, 31))


def unit(code: str) -> Unit:
    return Unit.objects.create(code=code, name=f"单位{code}")


FEB_25, JUNE_30 = dt.date(2026, 2, 25), dt.date(2026, 6, 30)


def task(campaign, lead, code, *, starts=FEB_25, due=JUNE_30, every=7, **kw) -> Task:
    return Task.objects.create(campaign=campaign, code=code, title=f"任务{code}", lead_unit=lead, starts_on=starts,
                               due_on=due, report_every_days=every, target_kind="percent", target_value=Decimal(100),
                               measure=Measure.REPORTED, **kw)


def report(task, when: dt.datetime, value, unit=None) -> ProgressReport:
    return ProgressReport.objects.create(task=task, unit=unit or task.lead_unit, value=Decimal(value),
                                         narrative="推进", reported_at=when)


def version(weights=WEIGHTS) -> IndexVersion:
    return IndexVersion.objects.create(subject="unit", name="任务", weights=weights, effective_from=d(1, 1))


def march(weights=WEIGHTS):
    v = version(weights)
    figures, evidence = scores.figures_compute(subject="unit", start=MARCH, end=APRIL, version=v, cutoff=CUTOFF)
    return figures, evidence, v


@pytest.fixture
def two_units(campaign):
    """Two units with the same task: started 25 February, a report every 7 days, so due on 4, 11, 18 and 25
    March. Punctual files on each due day (the last one late in the evening: the due day's end is the limit);
    Sloppy on 4 March and once a day late, on 12 March, which meets 18 March's window, not 11 March's: it misses
    2 of 4. Both stay on plan (30 % by 1 April, when 28 % is planned)."""
    punctual, sloppy = unit("TW-P"), unit("TW-S")
    tp, ts = task(campaign, punctual, "P1"), task(campaign, sloppy, "S1")
    for day, value, hour in [(4, 10, 16), (11, 15, 16), (18, 20, 16), (25, 30, 23)]:
        report(tp, at(d(3, day), hour), value)
    report(ts, at(d(3, 4)), 10)
    report(ts, at(d(3, 12)), 30)
    return punctual, sloppy, tp, ts


def test_due_days_follow_the_cadence_up_to_the_deadline(campaign):
    t = task(campaign, unit("TW-D"), "D1", starts=d(3, 1), due=d(3, 20), every=7)
    assert task_index.due_days(t, until=d(3, 31)) == [(d(3, 8), d(3, 2)), (d(3, 15), d(3, 9)), (d(3, 20), d(3, 16))]
    t.completed_on = d(3, 10)
    assert task_index.due_days(t, until=d(3, 31)) == [(d(3, 8), d(3, 2))]


def test_a_unit_that_files_on_time_scores_full_and_one_that_misses_two_loses_points(two_units):
    punctual, sloppy, tp, ts = two_units
    figures, evidence, _v = march()
    good, bad = figures["rows"][str(punctual.pk)], figures["rows"][str(sloppy.pk)]
    assert good["indicators"]["task_report_on_time_rate"] == {"num": 4, "den": 4, "value": 1.0}
    assert bad["indicators"]["task_report_on_time_rate"] == {"num": 2, "den": 4, "value": 0.5}
    assert good["indicators"]["tasks_lagging_rate"] == {"num": 0, "den": 1, "value": 0.0}
    assert bad["indicators"]["tasks_lagging_rate"] == {"num": 0, "den": 1, "value": 0.0}
    assert good["index"] == 100.0
    assert bad["index"] == 75.0  # half the punctuality weight lost
    # The evidence: each due day with the report that met it, or none.
    reports = dict(ProgressReport.objects.filter(task=ts).values_list("reported_at", "pk"))
    assert evidence[str(sloppy.pk)][task_index.TASK_DUES] == [[ts.pk, [
        ["2026-03-04", reports[at(d(3, 4))]], ["2026-03-11", None],
        ["2026-03-18", reports[at(d(3, 12))]], ["2026-03-25", None]]]]


def test_a_due_day_not_over_yet_does_not_count_until_met(two_units):
    punctual, sloppy, _tp, _ts = two_units
    v = version()
    # On 25 March at 12:00: Punctual's report of that day is not filed yet, and the day is not over.
    figures, _ = scores.figures_compute(subject="unit", start=MARCH, end=APRIL, version=v, cutoff=at(d(3, 25), 12))
    assert figures["rows"][str(punctual.pk)]["indicators"]["task_report_on_time_rate"]["den"] == 3
    assert figures["rows"][str(sloppy.pk)]["indicators"]["task_report_on_time_rate"] == {"num": 2, "den": 3,
                                                                                         "value": round(2 / 3, 6)}


def test_a_cooperating_units_report_does_not_meet_the_leads_due_day(campaign):
    lead, helper = unit("TW-L"), unit("TW-H")
    t = task(campaign, lead, "L1", starts=d(3, 1), every=10)
    t.cooperating_units.add(helper)
    report(t, at(d(3, 11)), 20, unit=helper)
    figures, _evidence, _v = march()
    assert figures["rows"][str(lead.pk)]["indicators"]["task_report_on_time_rate"] == {"num": 0, "den": 3, "value": 0.0}
    assert str(helper.pk) not in figures["rows"]


def test_lagging_rate_with_a_behind_and_an_overdue_task_at_the_value_they_had_then(campaign):
    lead = unit("TW-G")
    behind = task(campaign, lead, "G1", starts=d(3, 1), due=d(4, 30))
    report(behind, at(d(3, 20)), 20)  # planned on 1 April: 31/60 of 100 = 51.67
    report(behind, at(d(4, 5)), 100)  # after the cutoff: not the value it had then
    overdue = task(campaign, lead, "G2", starts=d(2, 1), due=d(3, 20))
    report(overdue, at(d(3, 15)), 50)
    on_track = task(campaign, lead, "G3", starts=d(3, 1), due=d(4, 30))
    report(on_track, at(d(3, 30)), 60)
    done = task(campaign, lead, "G4", starts=d(3, 1), due=d(4, 30), completed_on=d(3, 10))
    report(done, at(d(3, 10)), 100)
    task(campaign, lead, "G5", starts=d(4, 10), due=d(5, 30))  # not started by the cutoff
    figures, evidence, _v = march()
    row = figures["rows"][str(lead.pk)]
    assert row["indicators"]["tasks_lagging_rate"] == {"num": 2, "den": 3, "value": round(2 / 3, 6)}
    lagging = {entry[0]: entry for entry in evidence[str(lead.pk)][task_index.TASK_LAGGING]}
    assert set(lagging) == {behind.pk, overdue.pk, on_track.pk}
    assert lagging[behind.pk][1:4] == [TaskStatus.BEHIND, "20.00", "51.67"] and lagging[behind.pk][5] is True
    assert lagging[overdue.pk][1] == TaskStatus.OVERDUE and lagging[overdue.pk][5] is True
    assert lagging[on_track.pk][1] == TaskStatus.ON_TRACK and lagging[on_track.pk][5] is False
    # Punctuality, by hand: G1 due 8, 15, 22, 29 March, met 22 (report of 20 March); G2 due 1, 8, 15 March and
    # its deadline 20 March, met 15; G3 due 8 … 29 March, its report of 30 March too late; G4 due 8 March only
    # (completed 10 March), missed. 2 of 13.
    assert row["indicators"]["task_report_on_time_rate"] == {"num": 2, "den": 13, "value": round(2 / 13, 6)}
    # The lagging rate is negative: 1 − 2/3 of its weight.
    assert row["index"] == 24.36


def test_the_explanation_lists_each_task_its_missed_due_days_and_the_lagging_ones(client, two_units, people):
    _punctual, sloppy, _tp, ts = two_units
    figures, evidence, v = march()
    snapshot = ScoreSnapshot.objects.create(subject="unit", period="month", start=MARCH, end=APRIL, index_version=v,
                                            figures=figures, evidence=evidence, computed_at=CUTOFF)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(people["zhiban"])
    page = client.get(reverse("scoring:explain", args=[snapshot.pk, str(sloppy.pk)])).content.decode()
    assert reverse("campaign:task", args=[ts.pk]) in page
    assert '<li class="missed">2026-03-11 · missed</li>' in page
    assert '<li class="missed">2026-03-25 · missed</li>' in page
    met = ProgressReport.objects.get(task=ts, reported_at=at(d(3, 4))).pk
    assert f"2026-03-04 · met by report no. {met}" in page
    assert 'id="indicator-tasks_lagging_rate"' in page and "In progress" in page
    # 据此问责 from the task's row, prefilled with the unit and the task.
    assert f"?unit={sloppy.pk}&amp;kind=notice&amp;tasks={ts.pk}" in page
    # The snapshot page shows both columns.
    ranking = client.get(reverse("scoring:snapshot", args=[snapshot.pk])).content.decode()
    assert "Progress reports on time" in ranking and "Tasks behind or overdue" in ranking


def test_a_version_without_the_task_weights_leaves_old_indexes_unchanged(two_units, people):
    punctual, sloppy, _tp, _ts = two_units
    old = {"closed_rate": 50, "inspection_score": 50}
    figures, evidence, _v = march(old)
    assert str(punctual.pk) not in figures["rows"] and str(sloppy.pk) not in figures["rows"]
    assert all(task_index.REPORTS not in r["indicators"] for r in figures["rows"].values())
    assert all(task_index.TASK_DUES not in e for e in evidence.values())
    assert scores.indicator_codes("unit", IndexVersion(weights=old)) == [
        c for c in kpi.SUBJECT_INDICATORS["unit"] if c not in task_index.CODES]


def test_a_published_snapshot_stays_as_it_was_when_task_weights_arrive(campaign, people):
    """Published in April under the default version; then tasks, reports and a version weighing them from May:
    recomputing March finds nothing to correct."""
    snapshot = scores.snapshot_compute(subject="unit", period="month", day=d(3, 15), now=at(d(4, 2)))
    snapshot = scores.snapshot_publish(snapshot_id=snapshot.pk, actor=people["zhiban"], now=at(d(4, 2)))
    lead = unit("TW-V")
    report(task(campaign, lead, "V1", starts=d(3, 1)), at(d(3, 8)), 5)
    scores.index_version_create(subject="unit", name="含任务", weights={"closed_rate": 50, **dict.fromkeys(WEIGHTS, 25)},
                                effective_from=d(5, 1))
    assert scores.snapshot_recompute(snapshot_id=snapshot.pk, now=at(d(5, 2))) is None
    # The new version's months carry the task indicators.
    may = scores.index_version_for("unit", d(5, 1))
    figures, _evidence = scores.figures_compute(subject="unit", start=d(5, 1), end=d(6, 1), version=may,
                                                cutoff=kpi.day_start(d(6, 1)))
    assert figures["rows"][str(lead.pk)]["indicators"]["task_report_on_time_rate"]["den"] == 5  # 3 … 31 May, none met


def test_weights_accept_the_task_codes_for_units_only():
    scores.validate_weights("unit", {"task_report_on_time_rate": 60, "tasks_lagging_rate": 40})
    with pytest.raises(WorkflowError, match="tasks_lagging_rate"):
        scores.validate_weights("district", {"closed_rate": 60, "tasks_lagging_rate": 40})


def _cite(actor, about, tasks):
    return boards.accountability_create(kind="notice", title="进度报送不及时", reason="漏报两次", unit=about,
                                        due_date=timezone.localdate() + dt.timedelta(days=7), actor=actor, tasks=tasks)


def test_accountability_cites_the_units_tasks_and_refuses_another_units(client, campaign, people):
    mine, other = unit("TW-M"), unit("TW-O")
    led = task(campaign, mine, "M1")
    cooperated = task(campaign, other, "M2")
    cooperated.cooperating_units.add(mine)
    foreign = task(campaign, other, "O1")
    with pytest.raises(WorkflowError, match=f"Tasks: {foreign.pk} are not tasks"):
        _cite(people["zhiban"], mine, [led, foreign])
    record = _cite(people["zhiban"], mine, [led, cooperated, led])
    assert set(record.tasks.values_list("pk", flat=True)) == {led.pk, cooperated.pk}
    assert record.follow_ups.count() == 1
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(people["zhiban"])
    page = client.get(reverse("scoring:accountability", args=[record.pk])).content.decode()
    assert 'id="cited-tasks"' in page and "M1" in page and "M2" in page
    assert reverse("campaign:task", args=[led.pk]) in page
    # The form offers only the unit's tasks, the one from 据此问责 ticked.
    form = client.get(reverse("scoring:accountability_list") + f"?unit={mine.pk}&tasks={led.pk}").content.decode()
    assert re.search(f'name="tasks" value="{led.pk}" id="[^"]+" checked', form)
    assert f'name="tasks" value="{cooperated.pk}"' in form and f'name="tasks" value="{foreign.pk}"' not in form
    # Posting another unit's task is refused by the form, naming the field.
    answer = client.post(reverse("scoring:accountability_list"), {
        "kind": "notice", "title": "t", "reason": "r", "unit": mine.pk, "tasks": [foreign.pk],
        "due_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat()})
    assert answer.status_code == 200 and not record.unit.accountability_records.exclude(pk=record.pk).exists()
    assert f"{foreign.pk} is not one of the available choices" in answer.content.decode()


def test_the_demo_weighs_task_work_from_a_day_in_the_campaign(campaign):
    assert task_weights_demo_build(today=d(5, 15), after=d(1, 1)) == 1
    assert scores.index_version_for("unit", d(3, 1)).weights == TASK_WEIGHTS[2]
    assert task_index.REPORTS not in scores.index_version_for("unit", d(2, 28)).weights
    assert task_weights_demo_build(today=d(5, 15), after=d(1, 1)) == 0  # once


def test_the_demo_campaign_is_scored_and_explained(client, people):
    """The article's tasks as the demo leaves them (every status, milestones, one report each) score and explain."""
    today = dt.date(2026, 5, 20)
    campaign_demo_build(today=today)
    task_weights_demo_build(today=today, after=d(1, 1))
    start, end = scores.period_bounds("month", d(5, 1))
    v = scores.index_version_for("unit", start)
    figures, evidence = scores.figures_compute(subject="unit", start=start, end=end, version=v,
                                               cutoff=at(today, 12))
    tasked = {k: r for k, r in figures["rows"].items() if r["indicators"]["tasks_lagging_rate"]["den"]}
    assert tasked and any(r["indicators"]["tasks_lagging_rate"]["num"] for r in tasked.values())
    assert any(r["indicators"]["task_report_on_time_rate"]["den"] for r in tasked.values())
    snapshot = ScoreSnapshot.objects.create(subject="unit", period="month", start=start, end=end, index_version=v,
                                            figures=figures, evidence=evidence, computed_at=at(today, 12))
    client.force_login(people["zhiban"])
    key = max(tasked, key=lambda k: tasked[k]["indicators"]["tasks_lagging_rate"]["num"])
    page = client.get(reverse("scoring:explain", args=[snapshot.pk, key]))
    assert page.status_code == 200 and b'class="task-lagging"' in page.content
