"""The field staff's phone report and 我的上报 (issue 14): who may open them, what a report becomes, each field's
error, a report from beyond the grid worker's grid that she still follows (through ``restrict``, seeing only), the
inspector kept from the units, and the REST ``mine`` filter."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wenming.cases import selectors
from wenming.cases.models import Case, CaseState, Channel, Evidence
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import CaseNotFound
from wenming.cases.services.routing import case_route
from wenming.common.access import CHANGE, locked_in_scope, restrict
from wenming.common.models import Notification
from wenming.common.roles import Role
from wenming.common.tests.hostile import bomb_png
from wenming.conftest import photo_bytes
from wenming.org.models import Area, Unit

pytestmark = pytest.mark.django_db
NEW, MINE = reverse("cases:field_new"), reverse("cases:field_mine")
UNIT_CODE = "CGJ-131102"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def community(people) -> Area:
    return people["wangge"].roles.get().area


@pytest.fixture
def own_grid(community) -> Area:
    return Area.objects.filter(level="grid", path__startswith=community.path).order_by("code").first()


@pytest.fixture
def far_grid(community) -> Area:
    """A grid of 桃城区 outside the grid worker's community whose 占道 problems go to 城管 桃城分局."""
    unit = Unit.objects.get(code=UNIT_CODE)
    for grid in Area.objects.filter(level="grid", code__startswith="131102").exclude(
            path__startswith=community.path).order_by("code"):
        if case_route(lng=grid.lng, lat=grid.lat, category="SJ0401").unit_name == unit.name:
            return grid
    raise AssertionError("no grid outside the community routes SJ0401 to 城管")


def photo(name="p.png", **kw) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, photo_bytes(**kw), content_type="image/png")


def post(client, grid, **changes):
    data = {"category": "SJ0401", "description": "人行道被摊贩占满", "urgency": "normal", "address": "建设大街",
            "lat": f"{grid.lat:.6f}", "lng": f"{grid.lng:.6f}", "photos": [photo()]}
    data.update(changes)
    return client.post(NEW, {k: v for k, v in data.items() if v is not None})


def report(client, person, grid, **changes) -> Case:
    client.force_login(person)
    response = post(client, grid, **changes)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Case.objects.filter(reported_by=person).latest("pk")


# -- who opens the pages --------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["shouli", "zhiban", "paiqian", "admin", "chengguan", "chengguan_lead", "gongdian",
                                      "jiedao", "taocheng"])
def test_only_grid_workers_and_inspectors_have_the_pages(client, people, username):
    client.force_login(people[username])
    assert client.get(NEW).status_code == 404 and client.get(MINE).status_code == 404
    home = client.get("/").content.decode()
    assert 'id="home-report"' not in home and 'id="nav-field-report"' not in home


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in (NEW, MINE):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("username", ["wangge", "anfang"])
def test_home_and_nav_offer_the_report_button_and_my_reports(client, people, username):
    client.force_login(people[username])
    home = client.get("/").content.decode()
    for marker in ('id="home-report"', 'id="home-mine"', 'id="nav-field-report"', 'id="nav-field-mine"'):
        assert marker in home
    assert f'href="{NEW}" id="home-report"' in home


# -- the report page ------------------------------------------------------------------------------------------

def test_the_page_shows_her_grids_her_name_and_every_kind_in_plain_words(client, people, community):
    client.force_login(people["wangge"])
    page = client.get(NEW).content.decode()
    assert 'name="reporter_name"' in page and str(people["wangge"]) in page and "disabled" in page
    assert "垃圾没人清" in page and "摆摊占路" in page  # plain names beside the official ones
    assert 'data-search="' in page and 'capture="environment"' in page
    outlines = json.loads(re.search(r'data-outlines="([^"]*)"', page).group(1).replace("&quot;", '"'))
    kinds = {f["properties"]["kind"] for f in outlines["features"]}
    assert kinds and kinds <= {"grid", "community"}
    assert all(f["properties"]["code"].startswith(community.code) for f in outlines["features"])
    # The map sits right above the submit button.
    assert page.index('id="pick-map"') < page.index('id="submit-report"')
    assert page.index('id="use-location"') < page.index('id="pick-map"')


def test_a_city_wide_inspector_gets_districts_and_streets_not_thousands_of_grids(client, people):
    client.force_login(people["anfang"])
    page = client.get(NEW).content.decode()
    outlines = json.loads(re.search(r'data-outlines="([^"]*)"', page).group(1).replace("&quot;", '"'))
    assert {f["properties"]["kind"] for f in outlines["features"]} <= {"county", "street"}


def test_a_grid_workers_report_is_a_grid_patrol_case_with_photos_in_the_queue(client, people, own_grid):
    case = report(client, people["wangge"], own_grid, photos=[photo("a.png"), photo("b.png", pattern=3)])
    assert (case.channel, case.state, case.category.code, case.urgency) == (Channel.GRID, CaseState.REPORTED,
                                                                             "SJ0401", "normal")
    assert case.reporter_name == str(people["wangge"]) and case.reporter_phone == ""
    assert case.grid_id == own_grid.pk and case.area_path.startswith(own_grid.path)
    assert case.evidence.filter(kind=Evidence.Kind.BEFORE).count() == 2
    event = case.events.get()
    assert event.actor == people["wangge"] and event.data["channel"] == "grid" and event.data["form"] == "field"


def test_an_inspectors_report_is_an_inspection_case(client, people, far_grid):
    case = report(client, people["anfang"], far_grid, urgency="urgent")
    assert case.channel == Channel.INSPECTION and case.urgency == "urgent" and case.reported_by == people["anfang"]


def test_the_name_is_the_persons_own_whatever_is_posted(client, people, own_grid):
    case = report(client, people["wangge"], own_grid, reporter_name="冒名 张三")
    assert case.reporter_name == str(people["wangge"])


def test_a_grid_worker_cannot_post_as_an_inspector(client, people, own_grid):
    client.force_login(people["wangge"])
    response = post(client, own_grid, channel="inspection")
    assert response.status_code == 400 and list(response.context["form"].errors) == ["channel"]
    assert not Case.objects.filter(reported_by=people["wangge"]).exists()


@pytest.mark.parametrize(("changes", "field", "says"), [
    ({"photos": None}, "photos", "Photos: take at least one photo"),
    ({"lat": None, "lng": None}, "lat", "Location:"),
    ({"lng": None}, "lat", "Location:"),
    ({"lat": "999"}, "lat", "Location:"),
    ({"lat": "nan"}, "lat", "Location:"),
    ({"lng": "1e309"}, "lng", "Location:"),
    ({"category": ""}, "category", "Category: choose what kind"),
    ({"category": "ZZ9999"}, "category", "Category: choose one from the list"),
    ({"description": "  "}, "description", "Description: say what is wrong"),
    ({"description": "长" * 2001}, "description", "Description: at most 2000"),
    ({"urgency": "panic"}, "urgency", "Urgency:"),
    ({"address": "址" * 201}, "address", "Address: at most 200"),
    ({"photos": [SimpleUploadedFile("bomb.png", bomb_png(), content_type="image/png")]}, "photos", "megapixels"),
    ({"photos": [SimpleUploadedFile("x.png", b"<html><script>alert(1)</script>", content_type="image/png")]},
     "photos", "Photos:"),
])
def test_each_bad_field_is_named_and_nothing_is_stored(client, english, people, own_grid, changes, field, says):
    client.force_login(people["wangge"])
    response = post(client, own_grid, **changes)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field] and says in " ".join(errors[field]), errors
    assert not Case.objects.filter(reported_by=people["wangge"]).exists()


def test_control_characters_are_stripped_from_what_is_stored(client, people, own_grid):
    case = report(client, people["wangge"], own_grid, description="路口\x00摊贩\x1b[31m占道", address="建设\x07大街")
    assert case.description == "路口摊贩[31m占道" and case.address == "建设大街"


# -- 我的上报 ---------------------------------------------------------------------------------------------------

def test_a_report_from_beyond_her_grid_is_hers_to_follow_not_to_act_on(client, people, community, far_grid):
    wangge = people["wangge"]
    case = report(client, wangge, far_grid)
    assert not case.area_path.startswith(community.path)
    response = client.get(MINE + f"?new={case.pk}")
    page = response.content.decode()
    assert response.status_code == 200 and f'data-case="{case.pk}"' in page and 'class="new"' in page
    # The case page and her photo, through the one access path.
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    evidence = case.evidence.get()
    assert client.get(reverse("cases:evidence", args=[evidence.pk, "thumb"])).status_code == 200
    # Seeing only: out of her scope for any change and for a workflow's lock.
    assert not restrict(Case.objects.filter(pk=case.pk), wangge, CHANGE).exists()
    with pytest.raises(Case.DoesNotExist):
        locked_in_scope(Case.objects.all(), wangge, case.pk)
    with pytest.raises(CaseNotFound):
        wf.case_lock(case_id=case.pk, actor=wangge)
    # Nobody else gains anything: another community's reports stay out of her view.
    other = wf.case_intake(channel="hotline", description="别人的上报", lng=far_grid.lng, lat=far_grid.lat,
                           category="SJ0401", actor=people["shouli"])
    assert not restrict(Case.objects.filter(pk=other.pk), wangge).exists()
    assert client.get(reverse("cases:detail", args=[other.pk])).status_code == 404


def test_my_reports_are_mine_only_newest_first_with_progress(client, people, own_grid, far_grid):
    first = report(client, people["wangge"], own_grid, description="第一条")
    second = report(client, people["wangge"], far_grid, description="第二条")
    theirs = report(client, people["anfang"], own_grid, description="暗访的")
    wf.case_register(case_id=first.pk, actor=people["shouli"])
    client.force_login(people["wangge"])
    page = client.get(MINE).content.decode()
    shown = [int(pk) for pk in re.findall(r'data-case="(\d+)"', page)]
    assert shown == [second.pk, first.pk] and theirs.pk not in shown
    assert 'data-state="registered"' in page and 'data-state="reported"' in page
    assert [c.pk for c in selectors.reports_mine(user=people["wangge"])] == [second.pk, first.pk]


def test_progress_shows_the_unit_the_due_time_and_the_closing(client, english, people, far_grid):
    case = report(client, people["wangge"], far_grid)
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"])
    row = _row(client.get(MINE).content.decode(), case)
    unit = Case.objects.get(pk=case.pk).unit
    assert unit.name in row and "waiting for the unit to sign for it" in row and "due" in row
    wf.case_sign(case_id=case.pk, actor=people["chengguan"])
    wf.case_submit(case_id=case.pk, actor=people["chengguan"], note="已清理",
                   photos=[wf.Upload("after.png", photo_bytes(pattern=5))])
    wf.case_verify(case_id=case.pk, actor=people["anfang"], passed=True)
    wf.case_close(case_id=case.pk, actor=people["zhiban"])
    row = _row(client.get(MINE).content.decode(), case)
    assert 'data-state="closed"' in row and "closed" in row and "overdue" not in row
    assert row.count('class="on"') == 5
    # She is told in-app when her report closes (and nobody else by that message: not the operators who
    # registered or closed it).
    told = Notification.objects.filter(key__endswith=":reporter", key__startswith=f"case:{case.pk}:")
    assert [(n.recipient.username, n.channel) for n in told] == [("wangge", "in_app")]
    assert told.get().subject == f"Case {case.number}: the problem you reported has been dealt with and closed"
    assert told.get().link == f"/cases/{case.pk}/"


def _row(page: str, case: Case) -> str:
    return page.split(f'data-case="{case.pk}"')[1].split("</li>")[0]


def test_my_reports_page_by_page(client, people, own_grid):
    wangge = people["wangge"]
    for i in range(23):
        wf.case_intake(channel="grid", description=f"巡查{i}", lng=own_grid.lng, lat=own_grid.lat, category="SJ0101",
                       actor=wangge)
    client.force_login(wangge)
    first = client.get(MINE).content.decode()
    second = client.get(MINE + "?page=2").content.decode()
    assert first.count("data-case=") == 20 and second.count("data-case=") == 3
    assert client.get(MINE + "?page=zz&new=٣").status_code == 200


# -- inspectors stay unknown to the units ---------------------------------------------------------------------

def test_units_and_areas_never_learn_which_inspector_reported(client, people, far_grid):
    inspector = str(people["anfang"])
    case = report(client, people["anfang"], far_grid)
    wf.case_register(case_id=case.pk, actor=people["shouli"])
    wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=Unit.objects.get(code=UNIT_CODE))
    for username in ("chengguan", "chengguan_lead", "taocheng"):
        client.force_login(people[username])
        page = client.get(reverse("cases:detail", args=[case.pk]))
        assert page.status_code == 200 and inspector not in page.content.decode(), username
        api = client.get(f"/api/v1/cases/{case.pk}/")
        assert api.status_code == 200 and inspector not in api.content.decode(), username
        listed = client.get("/api/v1/cases/", {"q": case.number}).content.decode()
        assert f'"id":{case.pk}' in listed and inspector not in listed, username
        export = client.get(reverse("cases:export", args=["csv"]), {"queue": "all", "q": case.number})
        rows = b"".join(export.streaming_content).decode("utf-8-sig")
        assert case.number in rows and inspector not in rows, username
    client.force_login(people["zhiban"])
    assert inspector in client.get(reverse("cases:detail", args=[case.pk])).content.decode()


# -- REST: mine=1 ---------------------------------------------------------------------------------------------

def test_rest_lists_my_reports_with_mine(client, people, own_grid, far_grid):
    near = report(client, people["wangge"], own_grid)
    far = report(client, people["wangge"], far_grid)
    other = wf.case_intake(channel="hotline", description="热线", lng=own_grid.lng, lat=own_grid.lat, category="SJ0401",
                           actor=people["shouli"])
    client.force_login(people["wangge"])
    mine = client.get("/api/v1/cases/", {"mine": "1"})
    assert mine.status_code == 200 and [c["id"] for c in mine.json()["results"]] == [far.pk, near.pk]
    scope = {c["id"] for c in client.get("/api/v1/cases/").json()["results"]}
    assert other.pk in scope and near.pk in scope  # without the filter: the scope, her own out-of-grid one too
    assert client.get(f"/api/v1/cases/{far.pk}/").status_code == 200
    bad = client.get("/api/v1/cases/", {"mine": "perhaps"})
    assert bad.status_code == 400 and "mine" in bad.json()["fields"]


def test_someone_on_two_field_channels_says_which_one(client, english, people, own_grid, community):
    wangge = people["wangge"]
    wangge.roles.create(role=Role.INSPECTOR, area=community)
    client.force_login(wangge)
    page = client.get(NEW).content.decode()
    assert 'type="radio" name="channel" value="grid"' in page and 'value="inspection"' in page
    response = post(client, own_grid)
    assert response.status_code == 400 and response.context["form"].errors["channel"] == ["Reporting as: choose one."]
    case = report(client, wangge, own_grid, channel="inspection")
    assert case.channel == Channel.INSPECTION
