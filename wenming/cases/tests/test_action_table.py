"""The action table is the one rulebook: for every case state and every role (and the case's own unit), the case
page, the workbench's batch actions, the REST API and the services offer and allow exactly what it declares.

Expectations are read from the table's declared fields (states, who, when) with the demo city's facts (which
people are of the case's unit); the offers are read from the real page, workbench and endpoint."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from wenming.api.views import ACTIONS as API_ACTIONS
from wenming.cases.models import Case, CaseState
from wenming.cases.services import workflow as wf
from wenming.cases.services.actions import CASE_ACTIONS, CASE_UNIT, ON_CASE, ON_DUPLICATES
from wenming.cases.services.errors import WorkflowError
from wenming.cases.tests.test_views import advance, routed_grid
from wenming.common.access import scope_for
from wenming.common.roles import COMMAND_OR_ADMIN, Role

pytestmark = pytest.mark.django_db
S = CaseState
UNIT_CODE = "CGJ-131102"
# One person per role, and for the unit roles one of the case's unit and one of another unit.
PEOPLE = ["admin", "shouli", "zhiban", "paiqian", "chengguan", "chengguan_lead", "gongdian", "jiedao", "taocheng",
          "wangge", "anfang", "ceping"]
CASE_UNIT_MEMBERS = {"chengguan", "chengguan_lead"}  # the demo's handler and leader of 城管 桃城分局
# Every state, and handling with a request waiting (the table's ``when``).
STATES = [*S.values, "handling+request"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def grid():
    return routed_grid("SJ0401", UNIT_CODE, "131102")


def _case_in(state: str, people, grid) -> Case:
    def intake(description="路口流动摊贩占道经营"):
        return wf.case_intake(channel="hotline", description=description, lng=grid.lng, lat=grid.lat,
                              category="SJ0401", reporter_phone="13812345678", actor=people["shouli"])

    if state == "handling+request":
        case = advance(intake(), S.HANDLING, people)
        return wf.case_request_extension(case_id=case.pk, actor=people["chengguan"], amount=1, unit="working_days",
                                         note="等材料")
    if state == S.REJECTED:
        return wf.case_reject(case_id=intake().pk, actor=people["shouli"], note="重复")
    if state == S.VOIDED:
        return wf.case_void(case_id=advance(intake(), S.REGISTERED, people).pk, actor=people["zhiban"], note="误录")
    if state == S.MERGED:
        parent = advance(intake("路口摊贩（首报）"), S.REGISTERED, people)
        return wf.case_merge(case_id=intake().pk, into_id=parent.pk, actor=people["shouli"])
    return advance(intake(), state, people)


def _allowed(case: Case, person, username: str, offered: frozenset[str]) -> set[str]:
    """What the table declares this person may do on this case now: state, ``when``, then who."""
    roles = scope_for(person).roles
    allowed = set()
    for action in CASE_ACTIONS.values():
        if action.offered not in offered or case.state not in action.states:
            continue
        if action.when is not None and not action.when(case):
            continue
        if action.who == CASE_UNIT and username in CASE_UNIT_MEMBERS or action.who != CASE_UNIT and roles & action.who:
            allowed.add(action.key)
    return allowed


def _page_actions(client, case) -> set[str] | None:
    page = client.get(reverse("cases:detail", args=[case.pk]))
    if page.status_code == 404:
        return None
    assert page.status_code == 200
    return set(re.findall(r'id="act-([a-z_]+)"', page.content.decode()))


def _batch_actions(client, case) -> set[str]:
    page = client.get(reverse("cases:workbench"), {"queue": "to_dispatch", "per_page": 100})
    if page.status_code == 404:
        return set()
    ticks = re.search(rf'<input type="checkbox" name="case" value="{case.pk}"', page.content.decode())
    return {"dispatch"} if ticks and 'id="batch-dispatch"' in page.content.decode() else set()


def _api_actions(client, case) -> set[str] | None:
    answer = client.get(reverse("api:case-detail", args=[case.pk]))
    if answer.status_code == 404:
        return None
    assert answer.status_code == 200
    return set(answer.json()["actions"])


@pytest.mark.parametrize("state", STATES)
def test_page_batch_api_and_services_offer_exactly_what_the_table_allows(client, people, grid, state):
    case = _case_in(state, people, grid)
    for username in PEOPLE:
        person = people[username]
        client.force_login(person)
        case = Case.objects.select_related("unit").get(pk=case.pk)
        on_page = _allowed(case, person, username, frozenset({ON_CASE}))
        offered = _allowed(case, person, username, frozenset({ON_CASE, ON_DUPLICATES}))
        who = f"{username} on a {state} case"

        page = _page_actions(client, case)
        if page is None:  # out of scope: nothing is offered, and the table offers nothing either
            assert offered == set(), who
            assert _api_actions(client, case) is None, who
        else:
            assert page == on_page, who
            assert _api_actions(client, case) == offered & set(API_ACTIONS), who
        # The batch bar lives on the to-dispatch list: everyone is asked where a batch action is possible, those
        # with that list everywhere (the rest have no such list to tick in).
        if state == S.REGISTERED or scope_for(person).roles & COMMAND_OR_ADMIN:
            batch = {key for key in offered if CASE_ACTIONS[key].batch}
            assert _batch_actions(client, case) == batch, who

        # The services enforce the same entries: the check under the lock passes exactly for the offered ones.
        for key, action in CASE_ACTIONS.items():
            if action.offered not in {ON_CASE, ON_DUPLICATES} or page is None:
                continue
            try:
                wf.case_check(case, action=action, actor=person)
            except WorkflowError:
                passed = False
            else:
                passed = True
            assert passed == (key in offered), f"{who}: {key}"


def test_every_role_is_in_the_walk():
    held = {str(r) for username in PEOPLE for r in [_role_of(username)]}
    assert held == set(Role.values)


def _role_of(username: str) -> str:
    from wenming.org.models import RoleAssignment

    return RoleAssignment.objects.filter(person__username=username).values_list("role", flat=True).get()


def test_the_rest_api_has_an_endpoint_for_every_offered_action_but_the_notice():
    offered = {k for k, a in CASE_ACTIONS.items() if a.offered in {ON_CASE, ON_DUPLICATES}}
    assert set(API_ACTIONS) == offered - {"notice"}  # notices are issued on the web only


def test_every_service_entry_names_its_events_and_labels():
    for action in CASE_ACTIONS.values():
        assert action.events and all(str(e.label) for e in action.events), action.key
        assert str(action.label), action.key
