"""Who reported a case is the command centre's to know: units, area leaders, grid workers and inspectors read
"citizen" or the channel, never a name or a phone; an inspector who reported is named to the command centre only."""

import pytest
from django.urls import reverse

from wenming.cases.services import workflow as wf
from wenming.org.models import Area, Unit

pytestmark = pytest.mark.django_db

NAME, PHONE = "张秀英", "13855556666"


@pytest.fixture
def grid(people):
    # A grid in the grid worker's community, so that every role below may open the case.
    community = people["wangge"].roles.get().area
    return Area.objects.filter(level="grid", path__startswith=community.path).order_by("code").first()


def _page(client, person, case) -> tuple[int, str]:
    client.force_login(person)
    response = client.get(reverse("cases:detail", args=[case.pk]))
    return response.status_code, response.content.decode()


def _reporter(page: str) -> str:
    return page.split('id="case-reporter">')[1].split("</dd>")[0]


def _dispatched(case, people):
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    return wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=Unit.objects.get(code="CGJ-131102"))


def test_a_citizens_name_and_phone_only_for_the_command_centre(client, people, grid):
    case = _dispatched(wf.case_intake(channel="hotline", description="楼道堆物", lng=grid.lng, lat=grid.lat,
                                      category="SJ0401", reporter_name=NAME, reporter_phone=PHONE,
                                      actor=people["shouli"]), people)
    for username in ("shouli", "zhiban", "paiqian", "admin"):
        status, page = _page(client, people[username], case)
        assert status == 200 and NAME in _reporter(page) and PHONE in _reporter(page), username
    seen = set()
    for username in ("chengguan", "chengguan_lead", "taocheng", "jiedao", "wangge", "anfang"):
        status, page = _page(client, people[username], case)
        if status == 404:
            continue
        seen.add(username)
        assert NAME not in page and PHONE[-4:] not in page, username
        assert _reporter(page).strip() in {"Citizen", "市民"}, username
    assert {"chengguan", "chengguan_lead", "taocheng", "wangge"} <= seen


def test_an_inspector_who_reported_is_named_to_the_command_centre_only(client, people, grid):
    inspector = str(people["anfang"])
    case = _dispatched(wf.case_intake(channel="inspection", description="暗访发现占道", lng=grid.lng, lat=grid.lat,
                                      category="SJ0401", actor=people["anfang"]), people)
    status, page = _page(client, people["zhiban"], case)
    assert inspector in page
    for username in ("chengguan", "taocheng", "wangge"):
        status, page = _page(client, people[username], case)
        if status == 200:
            assert inspector not in page, username


def test_a_grid_worker_who_reported_is_not_named_to_the_unit(client, people, grid):
    worker = str(people["wangge"])
    case = _dispatched(wf.case_intake(channel="grid", description="网格巡查发现", lng=grid.lng, lat=grid.lat,
                                      category="SJ0401", actor=people["wangge"]), people)
    status, page = _page(client, people["chengguan"], case)
    assert status == 200 and worker not in page
    assert worker in _page(client, people["paiqian"], case)[1]
