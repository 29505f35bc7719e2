"""A vote committing while the organiser confirms the winners (the notice step): counted in the frozen ranking, or
refused; never counted nowhere (``votes._still_voting``)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections
from django.utils import timezone

from wenming.conftest import needs_postgresql
from wenming.org.models import Person
from wenming.selections.models import CallStatus, Nomination, NominationStatus, Vote
from wenming.selections.services import calls as call_services
from wenming.selections.services import votes as svc

from .conftest import voter, voting_call

DEVICE = "d" * 22


def _cast(nominee, phone="13800138000"):
    return svc.vote_cast(call_id=nominee.call_id, nomination_id=nominee.pk, voter=voter(phone), network="198.51.100.7",
                         device=DEVICE, user_agent="Mozilla/5.0")


@pytest.mark.django_db
def test_a_vote_whose_call_left_the_vote_before_its_insert_is_undone_and_refused(public_setup, monkeypatch):
    call = voting_call()
    nominee = call.nominations.filter(status=NominationStatus.SHORTLISTED).first()
    real = svc.network_prefix

    def notice_meanwhile(network):
        # Between the vote's first read of the call and its insert: the notice step commits.
        call.__class__.objects.filter(pk=call.pk).update(status=CallStatus.NOTICE, vote_closes=timezone.now())
        return real(network)

    monkeypatch.setattr(svc, "network_prefix", notice_meanwhile)
    with pytest.raises(svc.VoteError) as refused:
        _cast(nominee)
    assert str(refused.value) == "This call is not taking votes now."
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_a_vote_on_a_call_still_voting_passes_the_recheck(public_setup):
    call = voting_call()
    nominee = call.nominations.filter(status=NominationStatus.SHORTLISTED).first()
    assert _cast(nominee).created and Vote.objects.count() == 1


# -- PostgreSQL: two connections, real row locks ------------------------------------------------------------------

def _ranked(real):
    """The ranking as the notice step takes it, with the first nominee proposed (no expert scored in this test)."""
    def ranking(*, call, votes):
        rows = real(call=call, votes=votes)
        for row in rows:
            row.final, row.proposed = row.final or 0, row is rows[0]
        return rows
    return ranking


def _notice(call, organiser, errors):
    try:
        call.refresh_from_db()
        call_services.call_step(call_id=call.pk, actor=organiser, action_key="notice", expected_version=call.version)
    except Exception as exc:  # a failure of the step is the test's failure
        errors.append(repr(exc))
    finally:
        connections.close_all()


def _vote(nominee, results):
    try:
        results.append(_cast(nominee).created)
    except svc.VoteError:
        results.append("refused")
    except Exception as exc:
        results.append(repr(exc))
    finally:
        connections.close_all()


@pytest.fixture
def race(committed_city, public_setup, monkeypatch):
    needs_postgresql()
    call = voting_call()
    nominee = call.nominations.filter(status=NominationStatus.SHORTLISTED).order_by("number").first()
    return call, nominee, Person.objects.get(username="zhiban")


@pytest.mark.django_db(transaction=True)
def test_pg_a_vote_during_the_notice_step_waits_for_it_and_is_refused(race, monkeypatch):
    call, nominee, organiser = race
    holding, errors, results = threading.Event(), [], []
    real = call_services.call_ranking

    def slow_ranking(*, call, votes):
        holding.set()  # the step holds the call row (FOR UPDATE) and has not counted yet
        time.sleep(1.5)  # the vote runs meanwhile and must wait
        return _ranked(real)(call=call, votes=call_services.call_votes(call))

    monkeypatch.setattr(call_services, "call_ranking", slow_ranking)
    step = threading.Thread(target=_notice, args=(call, organiser, errors))
    step.start()
    assert holding.wait(30)
    vote = threading.Thread(target=_vote, args=(nominee, results))
    vote.start()
    step.join(60)
    vote.join(60)
    assert not errors
    assert results == ["refused"]
    assert not Vote.objects.exists()
    assert Nomination.objects.get(pk=nominee.pk).votes == 0


@pytest.mark.django_db(transaction=True)
def test_pg_a_vote_holding_the_call_is_counted_by_the_notice_step_that_waited(race, monkeypatch):
    call, nominee, organiser = race
    holding, errors, results = threading.Event(), [], []
    real_flags = svc._flags_raise

    def slow_flags(vote, *, now):
        holding.set()  # the vote's row is in and its key share lock on the call taken, not committed yet
        time.sleep(1.5)
        return real_flags(vote, now=now)

    monkeypatch.setattr(svc, "_flags_raise", slow_flags)
    monkeypatch.setattr(call_services, "call_ranking", _ranked(call_services.call_ranking))
    vote = threading.Thread(target=_vote, args=(nominee, results))
    vote.start()
    assert holding.wait(30)
    step = threading.Thread(target=_notice, args=(call, organiser, errors))
    step.start()
    vote.join(60)
    step.join(60)
    assert not errors
    assert results == [True]
    assert Nomination.objects.get(pk=nominee.pk).votes == 1
