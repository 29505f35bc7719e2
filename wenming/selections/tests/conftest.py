import datetime as dt

import pytest
from django.utils import timezone

from wenming.common.roles import Role
from wenming.org.models import Area, AreaLevel, Person, RoleAssignment, Site, Unit
from wenming.selections.models import (
    Call,
    CallStatus,
    Nomination,
    NominationStatus,
    NominatorKind,
    SelectionKind,
)
from wenming.selections.services import calls as call_services
from wenming.selections.services.kinds import STANDARD_KINDS
from wenming.selections.services.votes import voter_token_issue, voter_token_read


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


# -- the public vote (wt-vote) ------------------------------------------------------------------------------------



def voting_call(*, shortlisted: int = 3, opens=None, closes=None, status=CallStatus.VOTING) -> Call:
    now = timezone.now()
    kind, _created = SelectionKind.objects.get_or_create(code="zmld", defaults={"name": "最美楼道", "subject": "site"})
    call = Call.objects.create(
        kind=kind, title="2026年最美楼道评选", organiser=Unit.objects.order_by("pk").first(), status=status,
        nominations_open=now - dt.timedelta(days=30), nominations_close=now - dt.timedelta(days=10),
        vote_opens=opens or now - dt.timedelta(days=1), vote_closes=closes or now + dt.timedelta(days=6))
    communities = list(Area.objects.filter(level=AreaLevel.COMMUNITY).order_by("code")[:shortlisted + 1])
    for i in range(shortlisted + 1):
        Nomination.objects.create(
            call=call, number=i + 1, name=f"幸福小区{i + 1}号楼{i + 1}单元", area=communities[i],
            statement="楼道整洁，邻里互助，" * 12, nominator_kind=NominatorKind.COMMUNITY,
            status=NominationStatus.SHORTLISTED if i < shortlisted else NominationStatus.HELD_BACK)
    return call


def voter(phone: str = "13800138000", now=None):
    return voter_token_read(voter_token_issue(phone=phone, now=now), now=now)


@pytest.fixture
def call(db):
    return voting_call()


@pytest.fixture
def nominees(call):
    return list(call.nominations.filter(status=NominationStatus.SHORTLISTED).order_by("number"))
