import datetime as dt

import pytest
from django.utils import timezone

from wenming.common.roles import Role
from wenming.org.models import Area, AreaLevel, Person, RoleAssignment, Site, Unit
from wenming.selections.models import SelectionKind
from wenming.selections.services import calls as call_services
from wenming.selections.services.kinds import STANDARD_KINDS


@pytest.fixture(autouse=True)
def _english(media_and_english, public_setup, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def kinds(db):
    return {code: SelectionKind.objects.create(code=code, name=name, subject=subject, integrity=integrity)
            for code, name, subject, integrity in STANDARD_KINDS}


@pytest.fixture
def organiser(people):
    return people["zhiban"]


@pytest.fixture
def districts(db):
    return list(Area.objects.filter(level=AreaLevel.COUNTY).order_by("code"))


def make_expert(username: str) -> Person:
    person = Person.objects.create_user(username=username, password="x", is_staff=True)
    RoleAssignment.objects.create(person=person, role=Role.UNIT_HANDLER, unit=Unit.objects.get(code="WMB"))
    return person


@pytest.fixture
def experts(db):
    return [make_expert("expert1"), make_expert("expert2"), make_expert("expert3")]


def call_values(kind, districts, *, quota=1, weight=70, opens=None, closes=None):
    now = timezone.now()
    return call_services.CallValues(
        kind_id=kind.pk, title=f"2026年度{kind.name}评选", criteria="标准", organiser_id=Unit.objects.get(code="CMD").pk,
        nominations_open=opens or now - dt.timedelta(days=1), nominations_close=closes or now + dt.timedelta(days=10),
        notice_days=5, expert_weight=weight, quotas={d.pk: quota for d in districts},
        sheet=[call_services.SheetItem("环境", 60), call_services.SheetItem("氛围", 40)])


def step(call, key, actor, **kw):
    call.refresh_from_db()
    return call_services.call_step(call_id=call.pk, actor=actor, action_key=key, expected_version=call.version, **kw)


@pytest.fixture
def open_call(kinds, districts, organiser):
    call = call_services.call_create(actor=organiser, values=call_values(kinds["zmld"], districts))
    return step(call, "open", organiser)


@pytest.fixture
def community_worker(people):
    """wangge: the grid worker of the demo city's first community (a community nominator)."""
    return people["wangge"]


def site_in(person) -> Site:
    from wenming.common.access import restrict

    return restrict(Site.objects.filter(area__isnull=False), person).order_by("code").first()
