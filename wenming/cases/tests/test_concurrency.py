"""Many people acting on the same cases at once (PostgreSQL: row locks, real concurrency)."""

import contextlib
import random
import threading

import pytest
from django.db import connection, connections

from wenming.cases.models import Case, CaseState
from wenming.cases.services import workflow as wf
from wenming.cases.services.workflow import Upload
from wenming.conftest import needs_postgresql, photo_bytes
from wenming.org.models import Area, Person

pytestmark = pytest.mark.django_db(transaction=True)
PNG = photo_bytes()
S = CaseState

# Which state follows which action: used to replay each case's timeline.
LEGAL = {
    ("", "reported"), ("reported", "registered"), ("registered", "dispatched"), ("dispatched", "handling"),
    ("dispatched", "return_requested"), ("return_requested", "registered"), ("return_requested", "dispatched"),
    ("handling", "handling"), ("handling", "submitted"), ("handling", "shelved"), ("shelved", "handling"),
    ("submitted", "verified"), ("submitted", "handling"), ("verified", "closed"),
}


@pytest.fixture
def dispatched_cases(committed_city, settings, tmp_path):
    needs_postgresql()
    settings.MEDIA_ROOT = tmp_path
    people = {p.username: p for p in Person.objects.filter(is_staff=True)}
    unit = people["chengguan"].unit
    grids = list(Area.objects.filter(level="grid", path__startswith=unit.area.path)[:12])
    cases = []
    for grid in grids:
        case = wf.case_intake(channel="grid", description="并发测试", lng=grid.lng, lat=grid.lat, category="SJ0101")
        wf.case_register(case_id=case.pk, actor=people["shouli"])
        cases.append(wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=unit).pk)
    return people, cases


def _worker(people, case_ids, seed, errors, barrier):
    rng = random.Random(seed)
    actions = [
        lambda cid: wf.case_sign(case_id=cid, actor=people["chengguan"]),
        lambda cid: wf.case_request_return(case_id=cid, actor=people["chengguan"], note="职能不符"),
        lambda cid: wf.case_decide_return(case_id=cid, actor=people["zhiban"], approve=rng.random() < 0.5, note="审批"),
        lambda cid: wf.case_dispatch(case_id=cid, actor=people["paiqian"], unit=people["chengguan"].unit),
        lambda cid: wf.case_request_extension(case_id=cid, actor=people["chengguan"], amount=1, unit="working_days", note="延期"),
        lambda cid: wf.case_decide_request(case_id=cid, actor=people["zhiban"], approve=True),
        lambda cid: wf.case_submit(case_id=cid, actor=people["chengguan"], note="完成", photos=[Upload("a.png", PNG)]),
        lambda cid: wf.case_verify(case_id=cid, actor=people["anfang"], passed=rng.random() < 0.7, note="复核"),
        lambda cid: wf.case_close(case_id=cid, actor=people["zhiban"]),
    ]
    try:
        barrier.wait()
        for _ in range(60):
            # Refusals are expected: someone else moved the case first.
            with contextlib.suppress(wf.WorkflowError):
                rng.choice(actions)(rng.choice(case_ids))
    except Exception as exc:  # anything else is a bug
        errors.append(repr(exc))
    finally:
        connections.close_all()


def test_many_workers_leave_every_case_in_a_possible_state(dispatched_cases):
    people, case_ids = dispatched_cases
    errors, threads = [], []
    barrier = threading.Barrier(6)
    for seed in range(6):
        threads.append(threading.Thread(target=_worker, args=(people, case_ids, seed, errors, barrier)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    moved = 0
    for case in Case.objects.filter(pk__in=case_ids).prefetch_related("events"):
        events = list(case.events.order_by("seq"))
        assert [e.seq for e in events] == list(range(case.version + 1)), "an event was lost or duplicated"
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_state == before.to_state, f"case {case.pk}: {before.action} then {after.action}"
            assert (after.from_state, after.to_state) in LEGAL, (after.action, after.from_state, after.to_state)
        assert case.state == events[-1].to_state
        if case.state in {S.DISPATCHED, S.HANDLING, S.SUBMITTED, S.VERIFIED, S.CLOSED}:
            assert case.unit_id is not None
        if case.state in {S.SUBMITTED, S.VERIFIED, S.CLOSED}:
            assert case.evidence.filter(kind="after").exists()
        moved += len(events) > 3
    assert moved, "the workers should have moved some cases"


def test_two_people_signing_at_the_same_moment_exactly_one_succeeds(dispatched_cases):
    people, case_ids = dispatched_cases
    results, barrier = [], threading.Barrier(2)

    def sign(actor):
        try:
            barrier.wait()
            wf.case_sign(case_id=case_ids[0], actor=actor)
            results.append("ok")
        except wf.WorkflowError as exc:
            results.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(people[name],)) for name in ("chengguan", "chengguan_lead")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["IllegalTransition", "ok"]
    assert Case.objects.get(pk=case_ids[0]).events.filter(action="sign").count() == 1
    assert connection.vendor == "postgresql"
