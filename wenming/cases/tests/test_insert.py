"""The intake insert (cases/services/insert.py): the rows are the ones ``save()`` would write, on both databases."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from wenming.cases.models import Case, CaseEvent
from wenming.cases.services import workflow as wf
from wenming.conftest import needs_postgresql
from wenming.org.models import Area, Site

pytestmark = pytest.mark.django_db


def _grid():
    return Area.objects.filter(level="grid", code__startswith="131102").exclude(lng=None).order_by("code").first()


def _intake(people, **extra):
    grid = _grid()
    args = {"channel": "hotline", "description": "路口有流动摊贩占道", "lng": grid.lng, "lat": grid.lat,
            "category": "SJ0401", "actor": people["shouli"]} | extra
    return wf.case_intake(**args)


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_the_case_and_event_in_memory_are_what_the_database_holds(people):
    site = Site.objects.exclude(lng=None).first()
    case = _intake(people, address="人民路12号", reporter_name="王先生", reporter_phone="13800000000",
                   external_id="12345-0001", site=site, source={"api_key": 7})
    assert case.pk and not case._state.adding
    stored = Case.objects.get(pk=case.pk)
    assert _fields(stored) == _fields(case)  # generated stage_due and auto_now stamps included
    assert stored.stage_due == stored.register_due
    assert stored.routing["rule"] and stored.grid_id and stored.area_path and stored.site_id == site.pk
    event = CaseEvent.objects.get(case=case)
    assert (event.seq, event.action, event.to_state, event.actor_id) == (0, "report", "reported", people["shouli"].pk)
    assert event.data == {"channel": "hotline", "routing_rule": stored.routing["rule"], "api_key": 7}
    assert event.created_at == stored.reported_at


def test_columns_without_a_value_are_null_and_anonymous_reports_have_no_actor(people):
    case = _intake(people, actor=None, lng=None, lat=None)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.lng, stored.grid_id, stored.site_id, stored.reported_by_id, stored.handle_due) == (None,) * 5
    assert stored.area_path == "" and stored.routing == {}
    assert CaseEvent.objects.get(case=case).actor_id is None


def test_the_insert_is_one_statement_and_logged_like_any_query(people):
    _intake(people)  # routing caches loaded
    with CaptureQueriesContext(connection) as queries:
        _intake(people)
    writes = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(writes) == 1 and "cases_case" in writes[0] and "cases_caseevent" in writes[0]
    else:
        assert len(writes) == 2


def test_a_refused_insert_raises_djangos_error_and_writes_neither_row(people):
    _intake(people, external_id="P-1")
    before = (Case.objects.count(), CaseEvent.objects.count())
    with pytest.raises(IntegrityError), transaction.atomic():
        _intake(people, external_id="P-1")  # the same external id on the same channel
    assert (Case.objects.count(), CaseEvent.objects.count()) == before


def test_postgresql_plans_the_statement_once_per_connection(people):
    needs_postgresql()

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                           ['WITH c AS (INSERT INTO "cases_case"%'])
            return cursor.fetchone()[0]

    _intake(people)
    count = prepared()
    assert count >= 1
    for n in range(3):
        _intake(people, description=f"另一处摊贩 {n}")
    assert prepared() == count  # the same shape of case: the same prepared statement


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_one_statement_is_its_own(committed_city):
    """No caller's transaction, no photo, no webhook: no BEGIN/COMMIT around intake, and still both rows or none."""
    from wenming.org.models import Person

    grid = Area.objects.filter(level="grid").exclude(lng=None).first()
    actor = Person.objects.get(username="shouli")
    args = {"channel": "hotline", "description": "自成一事务", "lng": grid.lng, "lat": grid.lat, "category": "SJ0401",
            "actor": actor, "external_id": "AUTO-1"}
    assert not connection.in_atomic_block
    case = wf.case_intake(**args)
    assert CaseEvent.objects.filter(case_id=case.pk, action="report").count() == 1
    before = (Case.objects.count(), CaseEvent.objects.count())
    with pytest.raises(IntegrityError):
        wf.case_intake(**args)  # the same external id: refused whole
    assert (Case.objects.count(), CaseEvent.objects.count()) == before
    assert not connection.needs_rollback
    wf.case_intake(**(args | {"external_id": "AUTO-2"}))  # the connection goes on working
    assert Case.objects.filter(external_id="AUTO-2").exists()
