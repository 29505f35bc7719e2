"""``locked_in_scope``: the row in the person's scope, locked, in one query; out of scope is missing, and unlocked."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from wenming.common.access import locked_in_scope, scope_for
from wenming.conftest import needs_postgresql
from wenming.org.models import Area, Person, Site

pytestmark = pytest.mark.django_db

TAOCHENG = "/131100/131102/"


def _sites():
    inside = Site.objects.filter(area__path__startswith=TAOCHENG).order_by("pk").first()
    outside = Site.objects.exclude(area__path__startswith=TAOCHENG).exclude(area__isnull=True).order_by("pk").first()
    assert inside and outside
    return inside, outside


def _leader(people) -> Person:
    leader = people["taocheng"]
    scope_for(leader)  # computed once per request: not the query under test
    return leader


def test_a_row_in_scope_comes_back_in_one_query(people):
    inside, _ = _sites()
    leader = _leader(people)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:  # the savepoint is taken before
        assert locked_in_scope(Site.objects.all(), leader, inside.pk) == inside
    assert len(queries) == 1
    if connection.vendor == "postgresql":
        # Only the row itself: not the area rows the scope is read through.
        assert 'FOR UPDATE OF "org_site"' in queries[0]["sql"]


def test_out_of_scope_is_missing(people):
    _, outside = _sites()
    with transaction.atomic():
        with pytest.raises(Site.DoesNotExist):
            locked_in_scope(Site.objects.all(), people["taocheng"], outside.pk)
        with pytest.raises(Site.DoesNotExist):
            locked_in_scope(Site.objects.all(), AnonymousUser(), outside.pk)
        with pytest.raises(Site.DoesNotExist):
            locked_in_scope(Site.objects.all(), people["taocheng"], 0)
        # A kind of row the role may not see at all: inspectors do not browse people.
        with pytest.raises(Person.DoesNotExist):
            locked_in_scope(Person.objects.all(), people["anfang"], people["anfang"].pk)


def test_a_distinct_scope_still_locks(people):
    """People are scoped through their role assignments (DISTINCT), which FOR UPDATE refuses on PostgreSQL."""
    outsider = Person.objects.exclude(roles__area__path__startswith=TAOCHENG).exclude(
        unit__area__path__startswith=TAOCHENG).filter(is_staff=True).first()
    leader = _leader(people)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:  # the savepoint is taken before
        assert locked_in_scope(Person.objects.all(), leader, leader.pk) == leader
        with pytest.raises(Person.DoesNotExist):
            locked_in_scope(Person.objects.all(), leader, outsider.pk)
    assert len(queries) == 2


def _lockable_elsewhere(model, pk) -> bool:
    """Whether another connection can lock the row right now (NOWAIT: refused at once if it is held)."""
    answer = []

    def other():
        try:
            with transaction.atomic():
                model.objects.select_for_update(nowait=True).get(pk=pk)
            answer.append(True)
        except DatabaseError:
            answer.append(False)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(30)
    return answer[0]


def test_the_row_stays_locked_until_the_transaction_ends(people):
    needs_postgresql()
    inside, outside = _sites()
    with transaction.atomic():
        locked_in_scope(Site.objects.all(), people["taocheng"], inside.pk)
        with pytest.raises(Site.DoesNotExist):
            locked_in_scope(Site.objects.all(), people["taocheng"], outside.pk)
        assert not _lockable_elsewhere(Site, inside.pk)
        assert _lockable_elsewhere(Site, outside.pk)  # out of scope: not found, and not locked either
        assert _lockable_elsewhere(Area, inside.area_id)  # the scope's joins are not locked
