"""Snapshots freeze when published; later differences become corrections; index versions; the red/black
list's approval; accountability follow-up; the scheduled task."""

import datetime as dt

import pytest

from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import NotAllowed, WorkflowError
from wenming.common.models import AuditEvent
from wenming.org.models import Unit
from wenming.scoring.models import (
    AccountabilityStatus,
    BoardStatus,
    IndexVersion,
    ScoreCorrection,
    ScoreSnapshot,
)
from wenming.scoring.services import boards, scores

from .scenario import PNG, WEEK_START, Walk, at, build_week, clock

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]
AFTER = at(10, 9)  # the Tuesday after the week




@pytest.fixture
def week():
    return build_week()


def _published(people, subject="unit"):
    draft = scores.snapshot_compute(subject=subject, period="week", day=WEEK_START, now=AFTER)
    return scores.snapshot_publish(snapshot_id=draft.pk, actor=people["zhiban"], now=AFTER)


def test_bad_input_is_refused_by_name():
    with pytest.raises(WorkflowError, match="Evaluated"):
        scores.snapshot_compute(subject="bogus", period="week", day=WEEK_START)
    with pytest.raises(WorkflowError, match="Period"):
        scores.snapshot_compute(subject="unit", period="year", day=WEEK_START)


def test_publish_freezes_and_locks_the_index_version(week, people):
    draft = scores.snapshot_compute(subject="unit", period="week", day=WEEK_START, now=at(4, 12))
    with pytest.raises(WorkflowError, match="not over yet"):
        scores.snapshot_publish(snapshot_id=draft.pk, actor=people["zhiban"], now=at(6, 12))
    with pytest.raises(NotAllowed):
        scores.snapshot_publish(snapshot_id=draft.pk, actor=people["paiqian"], now=AFTER)
    snapshot = scores.snapshot_publish(snapshot_id=draft.pk, actor=people["zhiban"], now=AFTER)
    assert snapshot.is_published and snapshot.index_version.used_at == AFTER
    unit = str(Walk().unit.pk)
    assert snapshot.figures["rows"][unit]["indicators"]["handled_rate"] == {"num": 5, "den": 7, "value": round(5 / 7, 6)}
    with pytest.raises(WorkflowError, match="already published"):
        scores.snapshot_publish(snapshot_id=snapshot.pk, actor=people["zhiban"])
    assert AuditEvent.objects.filter(action="scoring.snapshot_publish", data__snapshot=snapshot.pk).exists()


def test_a_later_difference_is_a_correction_and_the_published_figure_stays(week, people):
    snapshot = _published(people)
    unit = str(Walk().unit.pk)
    published = snapshot.figures["rows"][unit]
    assert scores.snapshot_recompute(snapshot_id=snapshot.pk, now=at(11, 9)) is None  # nothing changed yet
    # G's handling arrives late with its original times (an offline app syncing): done Thursday, closed Friday.
    w = Walk()
    with clock(at(5, 9)):
        wf.case_sign(case_id=week["G"].pk, actor=people["chengguan"])
    w.submit(at(5, 10), week["G"])
    w.verify(at(5, 10, 30), week["G"])
    w.close(at(6, 9), week["G"])
    correction = scores.snapshot_recompute(snapshot_id=snapshot.pk, now=at(12, 9))
    assert correction is not None
    changed = {(c["key"], c["field"]): c for c in correction.diff}
    assert changed[(unit, "closed_rate")]["published"] == "5/7" and changed[(unit, "closed_rate")]["recomputed"] == "6/7"
    assert changed[(unit, "index")]["published"] == published["index"]
    snapshot.refresh_from_db()
    assert snapshot.figures["rows"][unit] == published  # the published figure never changes
    # Computing "the draft" of a published period corrects rather than overwrites; an unchanged result adds nothing.
    scores.snapshot_compute(subject="unit", period="week", day=WEEK_START, now=at(13, 9))
    assert ScoreCorrection.objects.filter(snapshot=snapshot).count() == 1
    snapshot.refresh_from_db()
    assert snapshot.figures["rows"][unit] == published


def test_an_old_period_is_recomputed_with_its_own_index_version(week, people):
    snapshot = _published(people)
    old_version = snapshot.index_version
    with pytest.raises(WorkflowError, match="already used"):
        scores.index_version_create(subject="unit", name="same day", weights={"closed_rate": 100},
                                    effective_from=old_version.effective_from)
    new = scores.index_version_create(subject="unit", name="2026: 处置率 only", weights={"handled_rate": 100},
                                      effective_from=dt.date(2026, 3, 9), actor=people["admin"])
    old_version.refresh_from_db()
    assert old_version.effective_to == dt.date(2026, 3, 8) and old_version.weights == {
        "closed_rate": 30, "handled_on_time_rate": 30, "rework_rate": 30, "volume": 10}
    assert scores.snapshot_recompute(snapshot_id=snapshot.pk, now=at(20, 9)) is None  # same version, same ranking
    # The next week takes the new version.
    nxt = scores.snapshot_compute(subject="unit", period="week", day=dt.date(2026, 3, 9), now=at(16, 9))
    assert nxt.index_version == new
    assert scores.index_version_for("unit", dt.date(2026, 3, 5)) == old_version


def test_min_volume_marks_instead_of_ranking(week, people):
    IndexVersion.objects.filter(subject="unit").update(min_volume=8)
    snapshot = scores.snapshot_compute(subject="unit", period="week", day=WEEK_START, now=AFTER)
    row = snapshot.figures["rows"][str(Walk().unit.pk)]
    assert row["volume"] == 7 and row["marked"] and row["rank"] is None and row["index"] is not None


def test_red_black_list_is_drafted_from_a_published_snapshot_and_approved(week, people):
    draft = scores.snapshot_compute(subject="unit", period="week", day=WEEK_START, now=AFTER)
    with pytest.raises(WorkflowError, match="Publish the snapshot"):
        boards.red_black_list_draft(snapshot_id=draft.pk, actor=people["zhiban"])
    snapshot = scores.snapshot_publish(snapshot_id=draft.pk, actor=people["zhiban"], now=AFTER)
    with pytest.raises(NotAllowed):
        boards.red_black_list_draft(snapshot_id=snapshot.pk, actor=people["chengguan"])
    board = boards.red_black_list_draft(snapshot_id=snapshot.pk, actor=people["paiqian"], size=3)
    unit = Walk().unit
    assert board.status == BoardStatus.DRAFT and [e["key"] for e in board.red] == [str(unit.pk)]
    assert board.black == []  # the only ranked unit is on the red list, not on both
    with pytest.raises(WorkflowError, match="already has"):
        boards.red_black_list_draft(snapshot_id=snapshot.pk, actor=people["paiqian"])
    with pytest.raises(NotAllowed):
        boards.red_black_list_publish(board_id=board.pk, actor=people["paiqian"])
    board = boards.red_black_list_publish(board_id=board.pk, actor=people["zhiban"], note="周例会通过")
    assert board.status == BoardStatus.PUBLISHED and board.approved_by == people["zhiban"] and board.published_at
    with pytest.raises(WorkflowError, match="Only a draft"):
        boards.red_black_list_publish(board_id=board.pk, actor=people["zhiban"])
    events = dict(AuditEvent.objects.filter(data__board=board.pk).values_list("action", "data"))
    assert sorted(events) == ["scoring.board_draft", "scoring.board_publish"]
    assert events["scoring.board_draft"]["drafted_by"] == people["paiqian"].pk
    assert (events["scoring.board_publish"]["drafted_by"], events["scoring.board_publish"]["approved_by"]) == (
        people["paiqian"].pk, people["zhiban"].pk)


def test_red_black_list_needs_a_second_person_to_publish(week, people):
    """Four eyes: the shift leader who drafts a list may not publish it; another approver (the administrator) may."""
    board = boards.red_black_list_draft(snapshot_id=_published(people).pk, actor=people["zhiban"], size=3)
    assert boards.awaits_another_approver(board, people["zhiban"])
    assert not boards.awaits_another_approver(board, people["admin"])
    with pytest.raises(NotAllowed, match="another approver must publish it"):
        boards.red_black_list_publish(board_id=board.pk, actor=people["zhiban"])
    board.refresh_from_db()
    assert board.status == BoardStatus.DRAFT and board.approved_by is None
    assert not AuditEvent.objects.filter(action="scoring.board_publish", data__board=board.pk).exists()
    board = boards.red_black_list_publish(board_id=board.pk, actor=people["admin"])
    assert board.status == BoardStatus.PUBLISHED and (board.drafted_by, board.approved_by) == (people["zhiban"], people["admin"])
    assert not boards.awaits_another_approver(board, people["zhiban"])


def test_min_volume_keeps_small_units_off_the_lists(week, people):
    # A second unit with one perfect case: index 100 would top the list, but it has too few cases.
    power = Unit.objects.get(code="POWER")
    w = Walk()
    case = w.intake(at(2, 8, 30))
    w.step(at(2, 8, 45), wf.case_register, case, "shouli")
    w.step(at(2, 9, 0), wf.case_dispatch, case, "paiqian", unit=power)
    w.step(at(2, 9, 5), wf.case_sign, case, "gongdian")
    w.step(at(2, 9, 30), wf.case_submit, case, "gongdian", note="ok", photos=[wf.Upload("a.png", PNG)])
    w.verify(at(2, 9, 40), case)
    w.close(at(2, 9, 50), case)
    snapshot = _published(people)
    row = snapshot.figures["rows"][str(power.pk)]
    assert row["index"] == 100.0 - 10 + 10 * 1 / 50 and row["marked"] and row["rank"] is None
    board = boards.red_black_list_draft(snapshot_id=snapshot.pk, actor=people["zhiban"], size=3)
    assert str(power.pk) not in [e["key"] for e in board.red + board.black]


def test_accountability_record_and_follow_up(week, people):
    unit = Walk().unit
    with pytest.raises(WorkflowError, match="Title"):
        boards.accountability_create(kind="talk", title=" ", reason="x", unit=unit, due_date=dt.date(2026, 3, 20),
                                     actor=people["zhiban"], now=AFTER)
    with pytest.raises(NotAllowed):
        boards.accountability_create(kind="talk", title="t", reason="x", unit=unit, due_date=dt.date(2026, 3, 20),
                                     actor=people["chengguan"], now=AFTER)
    record = boards.accountability_create(
        kind="talk", title="超期案件约谈", reason="本周超期3件", unit=unit, due_date=dt.date(2026, 3, 20),
        actor=people["zhiban"], people=[people["chengguan_lead"]], cases=[week["C"], week["G"]], now=AFTER,
    )
    assert set(record.cases.all()) == {week["C"], week["G"]} and record.status == AccountabilityStatus.OPEN
    from wenming.common.models import Notification

    told = set(Notification.objects.filter(key=f"accountability:{record.pk}").values_list("recipient__username", flat=True))
    assert told == {"chengguan_lead"}  # the unit's leader, also named in the record
    # The unit reports progress; only the command centre closes the record.
    boards.accountability_follow_up(record_id=record.pk, actor=people["chengguan_lead"], note="已制定整改方案",
                                    status="rectifying", now=at(12, 9))
    with pytest.raises(NotAllowed):
        boards.accountability_follow_up(record_id=record.pk, actor=people["chengguan_lead"], note="完成", status="done")
    with pytest.raises(WorkflowError, match="No such record"):  # another unit's record is out of scope
        boards.accountability_follow_up(record_id=record.pk, actor=people["gongdian"], note="x")
    with pytest.raises(WorkflowError, match="Note"):
        boards.accountability_follow_up(record_id=record.pk, actor=people["zhiban"], note="")
    boards.accountability_follow_up(record_id=record.pk, actor=people["zhiban"], note="整改到位，销号", status="done",
                                    now=at(18, 9))
    record.refresh_from_db()
    trail = list(record.follow_ups.values_list("from_status", "to_status"))
    assert record.status == "done" and trail == [("", "open"), ("open", "rectifying"), ("rectifying", "done")]
    with pytest.raises(WorkflowError, match="is done"):
        boards.accountability_follow_up(record_id=record.pk, actor=people["zhiban"], note="again")


def test_scheduled_task_computes_drafts(week, people):
    from wenming.scoring.tasks import compute_snapshots

    with clock(at(4, 18)):
        result = compute_snapshots.enqueue().return_value
    assert result["drafts"] == 12 and not result["skipped"]
    snapshot = ScoreSnapshot.objects.get(subject="unit", period="week", start=WEEK_START)
    assert snapshot.status == "draft" and str(Walk().unit.pk) in snapshot.figures["rows"]


def test_scheduled_task_corrects_the_published_week_and_shares_loads(week, people):
    snapshot = _published(people)
    w = Walk()
    with clock(at(5, 9)):  # late-synced steps inside the published week
        wf.case_sign(case_id=week["G"].pk, actor=people["chengguan"])
    w.submit(at(5, 10), week["G"])
    result = scores.snapshots_due(now=at(10, 18))
    assert result["corrections"] == 1 and not result["skipped"]  # only the unit snapshot was published
    correction = snapshot.corrections.get()
    changed = {(c["field"], c["published"], c["recomputed"]) for c in correction.diff if c["key"] == str(w.unit.pk)}
    assert ("handled_rate", "5/7", "6/7") in changed
    assert scores.snapshots_due(now=at(10, 19))["corrections"] == 0  # the same difference is not recorded twice
    # Shared and separate loads give the same figures.
    from wenming.scoring.services import kpi

    version = snapshot.index_version
    alone = scores.figures_compute(subject="district", start=WEEK_START, end=WEEK_START + dt.timedelta(days=7),
                                   version=version)
    with kpi.shared_loads():
        scores.figures_compute(subject="unit", start=WEEK_START, end=WEEK_START + dt.timedelta(days=7), version=version)
        shared = scores.figures_compute(subject="district", start=WEEK_START, end=WEEK_START + dt.timedelta(days=7),
                                        version=version)
    assert alone[0]["rows"] == shared[0]["rows"]
