"""Schemathesis against the OpenAPI schema, through the WSGI app, with an administrator's token.

Checks: no server error, and every documented response conforms to the schema. Bounded (few examples per
operation) so the whole run stays well under two minutes.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from wenming.api.services.keys import api_key_issue


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """The WSGI app closes "old" connections at each request's start and end; Django's test client turns
    that off, and so must we, or PostgreSQL loses the test's transaction after the first call."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(people):
    from wenming.org.models import Person

    _key, raw = api_key_issue(name="schemathesis", person=Person.objects.get(username="admin"))
    return f"Token {raw}"


# Loaded at collection: the schema view needs no database (drf-spectacular builds it from the code).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])
@pytest.mark.django_db
def test_api_conforms_to_its_schema(case, admin_token):
    case.call_and_validate(headers={"Authorization": admin_token},
                           checks=[not_a_server_error, response_schema_conformance])
