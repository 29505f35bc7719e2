"""Every indicator of the scenario week (see scenario.py), counted by hand."""

import pytest

from wenming.cases.services import workflow as wf
from wenming.org.models import Person
from wenming.scoring.models import IndexVersion
from wenming.scoring.services import kpi, scores

from .scenario import DISTRICT_CODE, PNG, WEEK_END, WEEK_START, Walk, at, build_week

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]



@pytest.fixture
def week():
    return build_week()


def _figures(subject):
    return {k: v.figures(kpi.SUBJECT_INDICATORS[subject]) for k, v in
            kpi.compute_kpis(subject=subject, start=WEEK_START, end=WEEK_END).items()}


def _nd(figure):
    return figure["num"], figure["den"]


def test_unit_indicators_by_hand(week):
    unit = Walk().unit
    f = _figures("unit")[str(unit.pk)]
    # Dispatched in the week and not returned: A, B (second dispatch), C, D, E, F twice, G = 8;
    # signed on time: A, C, D, E, F, F (B signed late, G never).
    assert _nd(f["sign_on_time_rate"]) == (6, 8)
    # Due in the week: A, B, C (extended to Tuesday), E, F (first), F (after reopening), G = 7; D is shelved.
    # Handled: A, B, C, E, F-first; on time: A, B, E, F-first (C was late).
    assert _nd(f["handled_rate"]) == (5, 7)
    assert _nd(f["handled_on_time_rate"]) == (4, 7)
    assert _nd(f["closed_rate"]) == (5, 7)
    # Overdue: C (late), F after reopening (not done), G (not even signed).
    assert f["overdue_count"]["value"] == 3
    # Closed in the week: A, B, C, E, F-first; reworked: E.
    assert _nd(f["rework_rate"]) == (1, 5)
    assert f["satisfaction_rate"]["den"] == 0 and f["satisfaction_rate"]["value"] is None


def test_satisfaction_from_follow_up_ratings(week):
    from wenming.cases.services.followup import followup_record

    from .scenario import clock

    with clock(at(3, 10)):
        followup_record(case_id=week["A"].pk, rating="basically_satisfied", fixed=True)
        followup_record(case_id=week["B"].pk, rating="dissatisfied", fixed=True, comment="态度差")
    with clock(at(10, 10)):  # the next week: not in this one
        followup_record(case_id=week["C"].pk, rating="satisfied", fixed=True)
    f = _figures("unit")[str(Walk().unit.pk)]
    assert _nd(f["satisfaction_rate"]) == (1, 2)


def test_district_indicators_by_hand(week):
    f = _figures("district")[DISTRICT_CODE]
    assert _nd(f["closed_rate"]) == (5, 7)
    assert _nd(f["closed_on_time_rate"]) == (4, 7)
    # Registered in the week: A–G (H was rejected); from the public (hotline): A, B, C.
    assert _nd(f["public_report_rate"]) == (3, 7)


def test_inspector_indicators_by_hand(week):
    f = _figures("inspector")
    wangge = Person.objects.get(username="wangge")
    anfang = Person.objects.get(username="anfang")
    # wangge reported D, G (registered) and H (rejected).
    assert _nd(f[str(wangge.pk)]["valid_report_rate"]) == (2, 3)
    # anfang verified A, B, C, E (rework), E, F: all within one working hour of the submit but B
    # (submitted Monday 12:00, due 15:30, verified Tuesday 09:00).
    assert _nd(f[str(anfang.pk)]["verify_on_time_rate"]) == (5, 6)
    tallies = kpi.compute_kpis(subject="inspector", start=WEEK_START, end=WEEK_END)
    assert tallies[str(anfang.pk)].tallies["volume"].num == 6 and tallies[str(wangge.pk)].tallies["volume"].num == 3


def test_only_events_before_the_cutoff_count(week):
    unit = Walk().unit
    tallies = kpi.compute_kpis(subject="unit", start=WEEK_START, end=WEEK_END, cutoff=at(3, 0, 0))
    f = tallies[str(unit.pk)].figures(kpi.SUBJECT_INDICATORS["unit"])
    # By Monday midnight C (due Tuesday) is not due yet; B is closed only on Tuesday.
    assert _nd(f["handled_rate"]) == (4, 6)
    assert _nd(f["rework_rate"]) == (1, 3)  # closed by then: A, E, F-first


def test_index_grade_and_explanation(week):
    unit = Walk().unit
    version = IndexVersion.objects.get(subject="unit", effective_from__year=2020)
    figures, evidence = scores.figures_compute(subject="unit", start=WEEK_START, end=WEEK_END, version=version)
    row = figures["rows"][str(unit.pk)]
    expected = 30 * 5 / 7 + 30 * 4 / 7 + 30 * (1 - 1 / 5) + 10 * 7 / 50
    assert row["index"] == round(expected, 2) and row["grade"] == "C"
    assert row["volume"] == 7 and row["rank"] == 1 and not row["marked"]
    # The explanation lists every case of the denominator with the events that counted.
    handled = evidence[str(unit.pk)]["handled_rate"]
    assert sorted(case for case, _num, _events in handled) == sorted(
        [week["A"].pk, week["B"].pk, week["C"].pk, week["E"].pk, week["F"].pk, week["F"].pk, week["G"].pk])
    c_item = next(item for item in handled if item[0] == week["C"].pk)
    actions = set(week["C"].events.filter(pk__in=c_item[2]).values_list("action", flat=True))
    assert c_item[1] is True and actions == {"dispatch", "submit"}


def test_grades_and_min_volume():
    assert [scores.grade_for(v) for v in (90, 89.99, 75, 60, 40, 39.9, None)] == ["A", "B", "B", "C", "D", "E", None]
    rows = {"a": {"key": "a", "name": "a", "index": 100.0, "volume": 2},
            "b": {"key": "b", "name": "b", "index": 70.0, "volume": 30},
            "c": {"key": "c", "name": "c", "index": 80.0, "volume": 5}}
    scores.rank_subjects(rows, min_volume=5)
    assert rows["a"]["marked"] and rows["a"]["rank"] is None  # two cases: marked, not ranked first
    assert (rows["c"]["rank"], rows["b"]["rank"]) == (1, 2)


def test_weights_are_validated():
    with pytest.raises(scores.WorkflowError, match="add up to 100"):
        scores.validate_weights("unit", {"closed_rate": 50})
    with pytest.raises(scores.WorkflowError, match="public_report_rate"):
        scores.validate_weights("unit", {"public_report_rate": 100})


def test_recall_and_redispatch_count_like_an_approved_return_then_a_dispatch():
    """X: dispatched to 城管 09:00, signed 09:05, re-dispatched (改派) 09:30 to the power company, which signs
    11:00 (late: due 10:30) and is done 12:00 (due 16:00), verified and closed. Y: dispatched 09:00, never
    signed, recalled (撤回) 10:30 and left with the centre. Neither stint counts for 城管; X counts for the new unit."""
    w = Walk()
    power = w.p["gongdian"].unit
    x, y = w.intake(at(2, 8, 30)), w.intake(at(2, 8, 30))
    w.to_handling(x)
    w.step(at(2, 9, 30), wf.case_redispatch, x, "zhiban", unit=power, note="属电力设施，改派供电公司")
    w.step(at(2, 11, 0), wf.case_sign, x, "gongdian")
    w.step(at(2, 12, 0), wf.case_submit, x, "gongdian", note="已修复", photos=[wf.Upload("after.png", PNG)])
    w.verify(at(2, 12, 30), x)
    w.close(at(3, 9, 0), x)
    w.to_handling(y, sign=None)
    w.step(at(2, 10, 30), wf.case_recall, y, "zhiban", note="承办人员外出，撤回另派")

    figures = _figures("unit")
    lost = figures.get(str(w.unit.pk))
    if lost is not None:  # the unit that lost both cases is scored on neither
        assert all(lost[code]["den"] in (0, None) for code in ("sign_on_time_rate", "handled_rate", "closed_rate"))
        assert lost["overdue_count"]["value"] == 0
    excluded = kpi.compute_kpis(subject="unit", start=WEEK_START, end=WEEK_END)[str(w.unit.pk)].tallies[kpi.EXCLUDED]
    assert excluded.den == 2 and {item["case"] for item in excluded.items.values()} == {x.pk, y.pk}
    new = figures[str(power.pk)]
    assert _nd(new["sign_on_time_rate"]) == (0, 1)  # signed late for its own, new deadline
    assert _nd(new["handled_rate"]) == (1, 1) and _nd(new["handled_on_time_rate"]) == (1, 1)
    assert _nd(new["closed_rate"]) == (1, 1) and new["overdue_count"]["value"] == 0
