"""WENMING_DB_PREPARED_STATEMENTS really decides whether intake's statement is prepared (PostgreSQL).

Each case runs on a connection of its own, opened for the test, so pg_prepared_statements shows what that
connection prepared and nothing an earlier test left; its transaction is rolled back.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from wenming.cases.services import workflow as wf
from wenming.conftest import needs_postgresql
from wenming.org.models import Area

pytestmark = pytest.mark.django_db

INTAKE = 'WITH c AS (INSERT INTO "cases_case"%'


class _Undo(Exception):
    pass


@contextmanager
def _own_connection(threshold):
    """``connections["default"]`` is, for the block, a new connection with this prepare threshold."""
    needs_postgresql()
    outer = connections[DEFAULT_DB_ALIAS]
    settings_dict = copy.deepcopy(outer.settings_dict)
    settings_dict["OPTIONS"]["prepare_threshold"] = threshold
    own = outer.__class__(settings_dict, alias=DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = own
    try:
        with transaction.atomic():
            yield own
            raise _Undo
    except _Undo:
        pass
    finally:
        own.close()
        connections[DEFAULT_DB_ALIAS] = outer


def _prepared(conn, like="%") -> int:
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [like])
        return cursor.fetchone()[0]


def _intakes(people, n: int) -> None:
    grid = Area.objects.filter(level="grid").exclude(lng=None).order_by("code").first()
    for i in range(n):
        wf.case_intake(channel="hotline", description=f"占道经营 {i}", lng=grid.lng, lat=grid.lat, category="SJ0401",
                       actor=people["shouli"])


def test_with_prepared_statements_on_intake_is_prepared(people, settings):
    settings.WENMING_DB_PREPARED_STATEMENTS = True
    with _own_connection(2**31 - 1) as conn:
        assert _prepared(conn) == 0
        _intakes(people, 2)
        assert _prepared(conn, INTAKE) == 1
        assert _prepared(conn) == 1  # and nothing else


@pytest.mark.parametrize("threshold", [None, 2**31 - 1, 1])
def test_with_prepared_statements_off_nothing_is_prepared(people, settings, threshold):
    """Off means off, whatever threshold the connection was opened with (settings give None; a pooler's
    connection string or a library could give another)."""
    settings.WENMING_DB_PREPARED_STATEMENTS = False
    with _own_connection(threshold) as conn:
        _intakes(people, 6)  # more than psycopg's default threshold of 5
        assert _prepared(conn, INTAKE) == 0
        if threshold is None:
            assert _prepared(conn) == 0  # the whole connection, as settings open it behind a pooler
