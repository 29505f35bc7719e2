"""Write a new case and its report event: one prepared statement on PostgreSQL, two ``save()`` calls elsewhere.

Intake is the platform's hottest write (a city's hotline, the provincial platform and the public post cases all
day). Through the ORM it costs two round trips and two statements PostgreSQL parses and plans afresh each time;
the 44-column case insert is most of the database's work for a post. Here both rows go in one statement with
two data-modifying CTEs, bound server-side and prepared once per connection, so PostgreSQL plans it once.
The case's ``post_save`` (``created=True``) is sent after it, as ``save()`` sends it: the evaluation app's risk
watch listens for new cases (a dict lookup when the category is linked to no criterion).

The statement is built from the models' own field lists and each value goes through the field's ``pre_save``
and ``get_db_prep_save``, the same as ``Model.save()``: a new field needs no change here. Neither model has a
``save()`` of its own on insert (``CaseEvent.save`` only refuses updates) and the case's ``post_save`` is sent here,
so nothing the ORM would have run is skipped. Errors arrive as Django's (``IntegrityError`` and so on), and the
statement is logged like any other query when queries are logged.

Set WENMING_DB_PREPARED_STATEMENTS=0 behind a connection pooler that cannot keep prepared statements (PgBouncer
before 1.21, or without ``max_prepared_statements``): the statement is then still one round trip, unprepared.
"""

from __future__ import annotations

from contextlib import nullcontext
from functools import lru_cache

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import NOT_PROVIDED
from django.db.models.signals import post_save

from wenming.cases.models import Case, CaseEvent

try:
    import psycopg
except ImportError:  # SQLite-only installs: the ORM path below is used
    psycopg = None


if psycopg is not None:

    class _BoundCursor(psycopg.Cursor):
        """Server-side binding, asking to be prepared (Django's own cursors bind client-side). PostgreSQL keeps the
        plan when the connection allows prepared statements (settings: WENMING_DB_PREPARED_STATEMENTS)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            # Asked for only when preparing is on: with WENMING_DB_PREPARED_STATEMENTS=0 nothing is prepared, even
            # on a connection someone opened with a threshold of their own.
            if prepare is None:
                prepare = settings.WENMING_DB_PREPARED_STATEMENTS
            return super().execute(query, params, prepare=prepare, binary=binary)


@lru_cache(maxsize=1)
def _fields() -> tuple[tuple, tuple]:
    """The columns a new case and its event may write (the event's link to the case comes from the statement)."""
    def writable(model):
        return tuple(f for f in model._meta.concrete_fields if not f.primary_key and not f.generated)

    return writable(Case), tuple(f for f in writable(CaseEvent) if f.attname != "case_id")


def _nullable_without_default(field) -> bool:
    return field.null and field.db_default is NOT_PROVIDED


@lru_cache(maxsize=64)
def _statement(case_fields: tuple, event_fields: tuple) -> str:
    """The statement for these columns: a new case leaves most of its stage timestamps and links NULL, and columns
    left out are NULL too, so only the ones with a value are sent. That keeps the parameters under the number
    psycopg caches the query's conversion for, and the few shapes intake takes are each prepared once."""
    qn = connection.ops.quote_name
    pk = qn(Case._meta.pk.column)
    returning = [qn(f.column) for f in Case._meta.db_returning_fields]
    event_values = [f"(SELECT {pk} FROM c)" if f.attname == "case_id" else "%s" for f in event_fields]
    return (
        f"WITH c AS (INSERT INTO {qn(Case._meta.db_table)} ({', '.join(qn(f.column) for f in case_fields)}) "
        f"VALUES ({', '.join(['%s'] * len(case_fields))}) RETURNING {', '.join(returning)}), "
        f"e AS (INSERT INTO {qn(CaseEvent._meta.db_table)} ({', '.join(qn(f.column) for f in event_fields)}) "
        f"VALUES ({', '.join(event_values)}) RETURNING {qn(CaseEvent._meta.pk.column)}) "
        f"SELECT {', '.join('c.' + column for column in returning)}, e.{qn(CaseEvent._meta.pk.column)} "
        "FROM c, e"
    )


def _values(obj, fields, db) -> tuple[tuple, list]:
    """The fields to write and their database values, as ``save()`` prepares them (``pre_save`` fills
    auto_now and the like); a NULL in a column without a database default is left out."""
    used, values = [], []
    for field in fields:
        value = field.pre_save(obj, True)
        if value is None and _nullable_without_default(field):
            continue
        used.append(field)
        values.append(field.get_db_prep_save(value, db))
    return tuple(used), values


def case_insert_reported(*, case: Case, event: CaseEvent) -> None:
    """Insert ``case`` and its first ``event`` (both unsaved).

    Both rows or neither: inside the caller's transaction when one is open, else on PostgreSQL the one statement is
    its own transaction (no BEGIN and COMMIT round trips), elsewhere the two saves get one.
    Afterwards both carry their primary keys and the case its generated columns, as after ``save()``."""
    if connection.vendor != "postgresql" or psycopg is None:
        with transaction.atomic(savepoint=False):
            case.save(force_insert=True)
            event.case = case
            event.save(force_insert=True)
        return
    db = connections[DEFAULT_DB_ALIAS]
    all_case_fields, all_event_fields = _fields()
    case_fields, case_values = _values(case, all_case_fields, db)
    event_fields, event_values = _values(event, all_event_fields, db)
    sql = _statement(case_fields, (CaseEvent._meta.get_field("case"), *event_fields))
    db.ensure_connection()
    params = case_values + event_values
    with db.make_cursor(_BoundCursor(db.connection)) as cursor:
        # Logged with the SQL as written: Django's debug cursor reads it back from psycopg, which keeps none for
        # a prepared statement.
        with CursorDebugWrapper(cursor, db).debug_sql(sql, params) if db.queries_logged else nullcontext():
            cursor.execute(sql, params)
        row = cursor.fetchone()
    for field, value in zip(Case._meta.db_returning_fields, row[:-1], strict=True):
        setattr(case, field.attname, value)
    case._state.adding, case._state.db = False, db.alias
    event.case = case
    event.pk = row[-1]
    event._state.adding, event._state.db = False, db.alias
    post_save.send(sender=Case, instance=case, created=True, update_fields=None, raw=False, using=db.alias)
