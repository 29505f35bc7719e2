import pytest
from django.utils import translation

from wenming.api.services.keys import api_key_issue
from wenming.cases.services import workflow as wf
from wenming.cases.tests.test_views import advance, routed_grid


@pytest.fixture(autouse=True)
def _media_english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


@pytest.fixture
def grid(db):
    return routed_grid("SJ0401", "CGJ-131102", "131102")


@pytest.fixture
def make_case(people, grid):
    def make(description="路口流动摊贩占道经营", *, state="reported", **kwargs):
        case = wf.case_intake(channel="hotline", description=description, lng=grid.lng, lat=grid.lat,
                              category=kwargs.pop("category", "SJ0401"), reporter_phone="13812345678",
                              reporter_name="王先生", actor=people["shouli"], **kwargs)
        return advance(case, state, people)

    return make


@pytest.fixture
def token(people):
    """Authorization headers for a key acting as the named person."""

    def make(username: str) -> dict:
        _key, raw = api_key_issue(name=f"system of {username}", person=people[username])
        return {"HTTP_AUTHORIZATION": f"Token {raw}"}

    return make


@pytest.fixture
def open311_key(people):
    _key, raw = api_key_issue(name="12345 platform", person=people["shouli"], channel="12345")
    return raw
