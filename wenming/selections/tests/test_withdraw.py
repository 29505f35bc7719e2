"""A nominator withdraws their own nomination (撤回): with a note, before the ranking, only the person who made it;
the nominee leaves the review, the ballot and the ranking, and the call's page shows it withdrawn. And the
organisers' ranking marks a nominee with an objection awaiting a decision."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.selections import selectors
from wenming.selections.models import CallStatus, NominationEvent, NominationStatus, Objection
from wenming.selections.services.errors import IllegalTransition, NotAllowed, SelectionError, StaleSelection
from wenming.selections.services.nominations import (
    Nominee,
    nomination_create,
    nomination_public_submit,
    nomination_withdraw,
)
from wenming.selections.services.ranking import call_ranking

from .conftest import site_in, step, voting_call

pytestmark = pytest.mark.django_db
N = NominationStatus


@pytest.fixture
def entry(open_call, community_worker):
    return nomination_create(call_id=open_call.pk, actor=community_worker,
                             nominee=Nominee(site_id=site_in(community_worker).pk), statement="楼道整洁，邻里和睦。")


def _withdraw(n, actor, note="材料有误，重新推荐", **kw):
    n.refresh_from_db()
    return nomination_withdraw(nomination_id=n.pk, actor=actor, expected_version=n.version, note=note, **kw)


def test_the_nominator_withdraws_with_a_note(entry, community_worker):
    with pytest.raises(SelectionError, match="Note"):
        _withdraw(entry, community_worker, note=" \x07 ")
    with pytest.raises(StaleSelection):
        nomination_withdraw(nomination_id=entry.pk, actor=community_worker, expected_version=entry.version + 1,
                            note="x")
    _withdraw(entry, community_worker)
    entry.refresh_from_db()
    assert entry.status == N.WITHDRAWN
    event = NominationEvent.objects.get(nomination=entry, action="withdrawn")
    assert (event.from_status, event.to_status, event.note, event.actor) == (
        N.SUBMITTED, N.WITHDRAWN, "材料有误，重新推荐", community_worker)
    with pytest.raises(IllegalTransition):
        _withdraw(entry, community_worker)


def test_only_the_person_who_nominated_may_withdraw(entry, organiser, people, open_call):
    with pytest.raises(NotAllowed):
        _withdraw(entry, organiser)
    public = nomination_public_submit(call_id=open_call.pk, phone="13912345678", statement="热心公益",
                                      nominee=Nominee(name="幸福小区", area_id=entry.area_id), ip="9.9.9.9")
    with pytest.raises(NotAllowed):  # no account: nobody withdraws a public nomination
        _withdraw(public, organiser)
    with pytest.raises(Exception) as out_of_scope:
        _withdraw(entry, people["chengguan"])
    assert type(out_of_scope.value).__name__ in {"DoesNotExist", "NotAllowed"}
    entry.refresh_from_db()
    assert entry.status == N.SUBMITTED and not NominationEvent.objects.filter(action="withdrawn").exists()


def test_qualified_and_held_back_withdraw_and_leave_the_review(entry, community_worker, organiser, experts):
    from wenming.selections.services import calls as call_services
    from wenming.selections.services.qualification import qualification_run

    call_services.panel_member_add(call_id=entry.call_id, actor=organiser, username=experts[0].username)
    step(entry.call, "close", organiser)
    entry.refresh_from_db()
    qualification_run(nomination_id=entry.pk, actor=organiser, expected_version=entry.version)
    entry.refresh_from_db()
    assert entry.status in (N.QUALIFIED, N.HELD_BACK)
    assert [r["nomination"].pk for r in selectors.expert_sheet(entry.call, experts[0])] == (
        [entry.pk] if entry.status == N.QUALIFIED else [])
    _withdraw(entry, community_worker)
    assert selectors.expert_sheet(entry.call, experts[0]) == []
    assert entry.pk not in [r.nomination.pk for r in call_ranking(call=entry.call, votes={})]


def test_on_the_ballot_only_until_the_vote_opens(people):
    nominator = people["zhiban"]  # the organiser nominates for the organising unit, and sees every nominee
    now = timezone.now()
    call = voting_call(opens=now + dt.timedelta(days=1), closes=now + dt.timedelta(days=8))
    first, second = call.nominations.filter(status=N.SHORTLISTED).order_by("number")[:2]
    call.nominations.update(nominated_by=nominator)
    _withdraw(first, nominator)
    first.refresh_from_db()
    assert first.status == N.WITHDRAWN
    assert first.pk not in [n.pk for n in call.nominations.filter(status=N.SHORTLISTED)]  # off the ballot
    with pytest.raises(IllegalTransition, match="vote that has opened"):
        _withdraw(second, nominator, now=now + dt.timedelta(days=2))
    call.__class__.objects.filter(pk=call.pk).update(status=CallStatus.NOTICE)
    second.__class__.objects.filter(pk=second.pk).update(status=N.IN_NOTICE)
    with pytest.raises(IllegalTransition, match="no longer"):
        _withdraw(second, nominator)


# -- the pages ----------------------------------------------------------------------------------------------------

def test_the_page_withdraws_after_confirmation_and_the_call_page_shows_it(client, entry, community_worker, organiser):
    client.force_login(organiser)
    assert b'id="withdraw-form"' not in client.get(reverse("selections:nomination", args=[entry.pk])).content
    client.force_login(community_worker)
    page = client.get(reverse("selections:nomination", args=[entry.pk]))
    assert b'id="withdraw-form"' in page.content
    url = reverse("selections:withdraw", args=[entry.pk])
    unconfirmed = client.post(url, {"version": entry.version, "note": "重复推荐"}, follow=True)
    entry.refresh_from_db()
    assert entry.status == N.SUBMITTED and b"This field is required" in unconfirmed.content
    client.post(url, {"version": entry.version, "note": "重复推荐", "confirm": "on"})
    entry.refresh_from_db()
    assert entry.status == N.WITHDRAWN
    call_page = client.get(reverse("selections:call", args=[entry.call_id]))
    assert b'data-status="withdrawn"' in call_page.content and b"Withdrawn by the nominator" in call_page.content
    # Another person posting to it changes nothing.
    client.force_login(organiser)
    client.post(url, {"version": entry.version, "note": "x", "confirm": "on"})
    assert NominationEvent.objects.filter(nomination=entry, action="withdrawn").count() == 1


def test_the_ranking_marks_a_nominee_with_an_objection_pending(client, organiser):
    call = voting_call()
    first, second = call.nominations.filter(status=N.SHORTLISTED).order_by("number")[:2]
    objection = Objection.objects.create(nomination=first, text="该楼道存在堆物")
    Objection.objects.create(nomination=second, text="已处理", status="dismissed")
    client.force_login(organiser)
    page = client.get(reverse("selections:call", args=[call.pk])).content.decode()
    link = reverse("selections:nomination", args=[first.pk]) + f"#objection-{objection.pk}"
    assert page.count("objection-pending") == 1 and f'href="{link}"' in page
    detail = client.get(reverse("selections:nomination", args=[first.pk])).content.decode()
    assert f'id="objection-{objection.pk}"' in detail


def test_a_nominator_who_sees_it_only_as_its_nominator_withdraws_it(entry, people):
    # 城管's staff see this community's nomination only because they made it (the scope's reported rows).
    outsider = people["chengguan"]
    type(entry).objects.filter(pk=entry.pk).update(nominated_by=outsider)
    _withdraw(entry, outsider)
    entry.refresh_from_db()
    assert entry.status == N.WITHDRAWN
