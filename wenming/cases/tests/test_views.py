"""The workbench, the case page and its action forms, intake and evidence, through the test client as each
demo role. Pages are in Chinese by default: rows are matched on data (case numbers, ``data-*`` attributes)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from wenming.cases import selectors
from wenming.cases.models import Case, CaseEvent, CaseState, Evidence
from wenming.cases.services import workflow as wf
from wenming.cases.services.routing import case_route
from wenming.cases.services.workflow import Upload
from wenming.conftest import photo_bytes
from wenming.org.models import Area, Person, Unit

pytestmark = pytest.mark.django_db
S = CaseState
UNIT_CODE = "CGJ-131102"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path



def routed_grid(category: str, unit_code: str, county: str) -> Area:
    """A grid of ``county`` where a ``category`` problem is routed to ``unit_code``."""
    for grid in Area.objects.filter(level="grid", code__startswith=county).order_by("code"):
        if case_route(lng=grid.lng, lat=grid.lat, category=category).unit_name == Unit.objects.get(code=unit_code).name:
            return grid
    raise AssertionError(f"no grid in {county} routes {category} to {unit_code}")


@pytest.fixture
def grid():
    return routed_grid("SJ0401", UNIT_CODE, "131102")


@pytest.fixture
def make_case(people, grid):
    def make(description="路口流动摊贩占道经营", *, state=S.REPORTED, phone="13812345678", at=None, **kwargs):
        place = at or grid
        case = wf.case_intake(channel="hotline", description=description, lng=place.lng, lat=place.lat,
                              category=kwargs.pop("category", "SJ0401"), reporter_phone=phone, actor=people["shouli"],
                              **kwargs)
        return advance(case, state, people)

    return make


PNG = photo_bytes()


def advance(case: Case, state: str, p: dict, *, pending: str = "") -> Case:
    """Move a case along the ordinary path with the services until it is in ``state``."""
    path = [
        (S.REGISTERED, lambda c: wf.case_register(case_id=c.pk, actor=p["shouli"])),
        (S.DISPATCHED, lambda c: wf.case_dispatch(case_id=c.pk, actor=p["paiqian"])),
        (S.HANDLING, lambda c: wf.case_sign(case_id=c.pk, actor=p["chengguan"])),
        (S.SUBMITTED, lambda c: wf.case_submit(case_id=c.pk, actor=p["chengguan"], note="已清理",
                                               photos=[Upload("after.png", PNG)])),
        (S.VERIFIED, lambda c: wf.case_verify(case_id=c.pk, actor=p["anfang"], passed=True)),
        (S.CLOSED, lambda c: wf.case_close(case_id=c.pk, actor=p["zhiban"])),
    ]
    specials = {
        S.RETURN_REQUESTED: (S.DISPATCHED, lambda c: wf.case_request_return(case_id=c.pk, actor=p["chengguan"],
                                                                            note="不属于本单位")),
        S.SHELVED: (S.HANDLING, lambda c: wf.case_decide_request(
            case_id=wf.case_request_shelving(case_id=c.pk, actor=p["chengguan"], note="冬季无法施工").pk,
            actor=p["zhiban"], approve=True)),
    }
    target, last = (specials[state][0], specials[state][1]) if state in specials else (state, None)
    for step_state, step in path:
        if case.state == target:
            break
        case = step(case)
        if step_state == target:
            break
    if last:
        case = last(case)
    return Case.objects.get(pk=case.pk)


def rows(response) -> list[str]:
    """The case numbers a workbench page lists, in order."""
    assert response.status_code == 200
    return re.findall(r'data-case="(\d+)"', response.content.decode())


def queue(client, key, **params):
    return rows(client.get(reverse("cases:workbench"), {"queue": key, "per_page": 100, **params}))


def action_ids(client, case) -> set[str]:
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert page.status_code == 200
    return set(re.findall(r'id="act-([a-z_]+)"', page.content.decode()))


def post(client, case, action, **data):
    """Post an action form as the page would: prefixed fields and the version the page showed."""
    data.setdefault("version", Case.objects.get(pk=case.pk).version)
    payload = {f"{action}-{k}": v for k, v in data.items()}
    return client.post(reverse("cases:action", args=[case.pk, action]), payload)


def photo(name="after.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


# -- queues ---------------------------------------------------------------------------------------------------

@pytest.fixture
def city(make_case, people):
    """One case in each state in 桃城区 for CGJ-131102, two overdue, one due soon, and one in another county."""
    c = {state: make_case(f"案件 {state}", state=state) for state in
         [S.REPORTED, S.REGISTERED, S.DISPATCHED, S.RETURN_REQUESTED, S.HANDLING, S.SUBMITTED, S.VERIFIED, S.CLOSED,
          S.SHELVED]}
    c["pending"] = make_case("申请延期的案件", state=S.HANDLING)
    wf.case_request_extension(case_id=c["pending"].pk, actor=people["chengguan"], amount=2, unit="working_days",
                              note="需协调")
    now = timezone.now()
    c["late"] = make_case("处置超期的案件", state=S.HANDLING)
    Case.objects.filter(pk=c["late"].pk).update(handle_due=now - dt.timedelta(hours=3))
    c["late_report"] = make_case("立案超期的案件")
    Case.objects.filter(pk=c["late_report"].pk).update(register_due=now - dt.timedelta(hours=1))
    c["soon"] = make_case("即将到期的案件", state=S.HANDLING)
    Case.objects.filter(pk=c["soon"].pk).update(handle_due=now + dt.timedelta(hours=5))
    Case.objects.filter(state=S.HANDLING).exclude(pk__in=[c["late"].pk, c["soon"].pk]).update(
        handle_due=now + dt.timedelta(days=5))
    far = routed_grid("SJ0401", "CGJ-131121", "131121")
    c["elsewhere"] = make_case("枣强县的案件", at=far)
    wf.case_register(case_id=c["elsewhere"].pk, actor=people["shouli"])
    c["elsewhere"] = wf.case_dispatch(case_id=c["elsewhere"].pk, actor=people["paiqian"])
    return {k: Case.objects.get(pk=v.pk) for k, v in c.items()}


def test_command_centre_queues(client, people, city):
    client.force_login(people["zhiban"])
    n = {k: v.number for k, v in city.items()}
    assert set(queue(client, "reported")) == {n[S.REPORTED], n["late_report"]}
    assert queue(client, "to_dispatch") == [n[S.REGISTERED]]
    assert queue(client, "returns") == [n[S.RETURN_REQUESTED]]
    assert queue(client, "requests") == [n["pending"]]
    assert queue(client, "to_verify") == [n[S.SUBMITTED]]
    assert queue(client, "to_close") == [n[S.VERIFIED]]
    assert set(queue(client, "overdue")) == {n["late"], n["late_report"]}
    assert set(queue(client, "all")) == set(n.values())  # the city-wide command centre sees every county
    tabs = re.findall(r'data-queue="([a-z_]+)"', client.get(reverse("cases:workbench")).content.decode())
    assert tabs == ["reported", "to_dispatch", "returns", "requests", "to_verify", "to_close", "not_fixed",
                    "to_call_back", "overdue", "all"]
    assert queue(client, "to_call_back") == [n[S.CLOSED]]  # closed, from the hotline, with the caller's phone
    # The dispatcher makes no calls: no such tab.
    client.force_login(people["paiqian"])
    tabs = re.findall(r'data-queue="([a-z_]+)"', client.get(reverse("cases:workbench")).content.decode())
    assert "to_call_back" not in tabs and tabs[-2:] == ["overdue", "all"]


def test_unit_queues_hold_only_its_own_cases(client, people, city):
    client.force_login(people["chengguan"])
    n = {k: v.number for k, v in city.items()}
    assert queue(client, "to_sign") == [n[S.DISPATCHED]]
    assert set(queue(client, "handling")) == {n[S.HANDLING], n["pending"], n["late"], n["soon"]}
    assert queue(client, "due_soon") == [n["soon"]]
    assert n["late"] in queue(client, "overdue")
    assert queue(client, "returned") == [n[S.RETURN_REQUESTED]]
    everything = set(queue(client, "all"))
    assert n["elsewhere"] not in everything
    assert {n[S.DISPATCHED], n[S.HANDLING], n[S.CLOSED]} <= everything
    # A queue the role does not have falls back to its first one.
    assert queue(client, "to_dispatch") == [n[S.DISPATCHED]]


def test_a_unit_does_not_see_cases_not_yet_dispatched_to_it(client, people, city):
    client.force_login(people["chengguan"])
    everything = set(queue(client, "all")) | set(queue(client, "overdue"))
    assert not {city[S.REPORTED].number, city[S.REGISTERED].number, city["late_report"].number} & everything


def test_area_leader_sees_the_area_overdue_first(client, people, city):
    client.force_login(people["taocheng"])
    n = {k: v.number for k, v in city.items()}
    listed = queue(client, "all")
    assert set(listed) == set(n.values()) - {n["elsewhere"]}
    assert set(listed[:2]) == {n["late"], n["late_report"]}
    assert rows(client.get(reverse("cases:workbench"))) == listed  # the area leader's workbench opens there


@pytest.mark.parametrize("small", [2000, 0])  # the remainder picked by id first, or read in index order
def test_everything_list_is_overdue_first_then_newest_at_every_page_boundary(people, city, small, monkeypatch):
    """The overdue-first sequence is the same as sorting the whole scope, whatever the slice."""
    monkeypatch.setattr(selectors, "SMALL", small)
    now = timezone.now()
    rows_ = selectors.case_queue(user=people["zhiban"], queue="all", now=now)
    cases = list(Case.objects.all())
    expected = sorted((c for c in cases if c.is_overdue(now)), key=lambda c: (c.current_due(), c.pk))
    expected += sorted((c for c in cases if not c.is_overdue(now)), key=lambda c: (c.reported_at, c.pk), reverse=True)
    expected = [c.pk for c in expected]
    assert rows_.count() == len(expected) == len(city)
    for start, stop in [(0, 1), (0, 2), (1, 3), (2, 5), (5, len(expected)), (0, 100)]:
        assert [c.pk for c in rows_[start:stop]] == expected[start:stop]
    assert [c.pk for c in rows_.iterator(chunk_size=3)] == expected


def test_tabs_show_how_many_cases_each_queue_holds(client, people, city):
    client.force_login(people["zhiban"])
    page = client.get(reverse("cases:workbench"), {"queue": "to_dispatch"}).content.decode()
    counts = dict(re.findall(r'data-queue="(\w+)"[^>]*>[^<]*<span class="count[^"]*" data-count="(\d+)"', page))
    assert counts == {"reported": "2", "to_dispatch": "1", "returns": "1", "requests": "1", "to_verify": "1",
                      "to_close": "1", "not_fixed": "0", "to_call_back": "1", "overdue": "2"}
    filtered = client.get(reverse("cases:workbench"), {"queue": "reported", "q": "立案超期"}).content.decode()
    assert dict(re.findall(r'data-queue="(\w+)"[^>]*>[^<]*<span class="count[^"]*" data-count="(\d+)"', filtered))["reported"] == "1"
    client.force_login(people["chengguan"])
    page = client.get(reverse("cases:workbench")).content.decode()
    counts = dict(re.findall(r'data-queue="(\w+)"[^>]*>[^<]*<span class="count[^"]*" data-count="(\d+)"', page))
    assert counts["overdue"] == "1" and counts["to_sign"] == "1"


def test_map_shows_the_list_in_scope_as_points(client, people, city):
    client.force_login(people["zhiban"])
    page = client.get(reverse("cases:workbench"), {"queue": "all", "view": "map"}).content.decode()
    assert 'id="case-map"' in page and 'id="case-list"' not in page and "leaflet.js" in page
    data = client.get(reverse("cases:map"), {"queue": "all"}).json()
    by_number = {f["properties"]["number"]: f for f in data["features"]}
    assert set(by_number) == {c.number for c in city.values() if c.lng is not None}
    assert [f["properties"]["number"] for f in data["features"][:2]] == [city["late"].number, city["late_report"].number]
    assert by_number[city["late"].number]["properties"]["overdue"] is True
    assert by_number[city["soon"].number]["properties"]["overdue"] is False
    assert data["truncated"] is False
    lng, lat = by_number[city["soon"].number]["geometry"]["coordinates"]
    assert (lng, lat) == (city["soon"].lng, city["soon"].lat)
    overdue = client.get(reverse("cases:map"), {"queue": "overdue"}).json()
    assert {f["properties"]["number"] for f in overdue["features"]} == {city["late"].number, city["late_report"].number}
    client.force_login(people["chengguan"])
    mine = client.get(reverse("cases:map"), {"queue": "all"}).json()
    assert city["elsewhere"].number not in {f["properties"]["number"] for f in mine["features"]}
    assert city[S.REPORTED].number not in {f["properties"]["number"] for f in mine["features"]}  # not dispatched
    client.force_login(people["gongdian"])
    assert client.get(reverse("cases:map"), {"queue": "all"}).json()["features"] == []


def test_map_says_when_it_shows_only_the_first_points(client, people, city, monkeypatch):
    monkeypatch.setattr(selectors, "MAP_LIMIT", 3)
    client.force_login(people["zhiban"])
    data = client.get(reverse("cases:map"), {"queue": "all"}).json()
    assert len(data["features"]) == 3 and data["truncated"] is True
    assert {f["properties"]["number"] for f in data["features"][:2]} == {city["late"].number, city["late_report"].number}


def test_out_of_scope_is_missing_everywhere(client, people, city):
    elsewhere = city["elsewhere"]
    for username in ("chengguan", "taocheng", "gongdian"):
        client.force_login(people[username])
        assert client.get(reverse("cases:detail", args=[elsewhere.pk])).status_code == 404
        assert post(client, elsewhere, "sign").status_code == 404
        for key in ("all", "overdue", "to_sign"):
            assert elsewhere.number not in queue(client, key)
        csv_text = client.get(reverse("cases:export", args=["csv"]), {"queue": "all"}).getvalue().decode("utf-8-sig")
        assert elsewhere.number not in csv_text
    client.force_login(people["gongdian"])
    assert queue(client, "all") == []


def test_filters_narrow_the_list(client, people, city):
    client.force_login(people["zhiban"])
    n = {k: v.number for k, v in city.items()}
    assert queue(client, "all", q="即将到期") == [n["soon"]]
    assert queue(client, "all", q="即将到期", reported_from="not-a-date") == [n["soon"]]  # a wrong filter is dropped
    assert queue(client, "all", q=city["soon"].tracking_code.lower()) == [n["soon"]]
    assert queue(client, "all", q=n["late"]) == [n["late"]]
    assert queue(client, "all", state=S.VERIFIED) == [n[S.VERIFIED]]
    assert set(queue(client, "all", unit="CGJ-131121")) == {n["elsewhere"]}
    assert set(queue(client, "all", category="SJ04")) == set(n.values())  # a 大类 takes its 小类
    assert queue(client, "all", category="SJ0101") == []
    assert queue(client, "all", channel="citizen") == []
    today = timezone.localdate()
    assert len(queue(client, "all", reported_from=today.isoformat(), reported_to=today.isoformat())) == len(n)
    assert queue(client, "all", reported_to=(today - dt.timedelta(days=1)).isoformat()) == []


def test_unit_filter_offers_only_units_in_scope(client, people, city):
    client.force_login(people["chengguan"])
    page = client.get(reverse("cases:workbench")).content.decode()
    assert 'value="CGJ-131102"' in page and 'value="CGJ-131121"' not in page
    assert queue(client, "all", unit="CGJ-131121") == queue(client, "all")  # an unknown choice is ignored


def test_workbench_queries_do_not_grow_with_the_page(client, people, make_case):
    client.force_login(people["zhiban"])
    make_case("第一件")
    make_case("第二件", state=S.DISPATCHED)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("cases:workbench"), {"queue": "all", "per_page": 100}).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(40):
        make_case(f"垃圾 {i}", phone="")
    assert count() == few


def test_case_page_queries_do_not_grow_with_the_timeline(client, people, make_case):
    client.force_login(people["zhiban"])
    case = make_case()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    case = advance(case, S.CLOSED, people)
    assert case.events.count() == 7
    assert count() <= before + 2  # the verification photos' warnings are not computed on a closed case


# -- the case page and its actions -----------------------------------------------------------------------------

def test_a_unit_cannot_open_a_case_before_it_is_dispatched_to_it(client, people, make_case):
    client.force_login(people["chengguan"])
    for state in (S.REPORTED, S.REGISTERED):
        assert client.get(reverse("cases:detail", args=[make_case(state=state).pk])).status_code == 404


@pytest.mark.parametrize(("state", "username", "expected"), [
    (S.REPORTED, "shouli", {"register", "reject"}),
    (S.REGISTERED, "paiqian", {"dispatch"}),
    (S.REGISTERED, "zhiban", {"dispatch", "void"}),
    (S.DISPATCHED, "chengguan", {"sign", "request_return"}),
    (S.DISPATCHED, "chengguan_lead", {"sign", "request_return"}),
    (S.DISPATCHED, "taocheng", {"notice"}),
    (S.RETURN_REQUESTED, "zhiban", {"decide_return", "recall", "redispatch"}),
    (S.DISPATCHED, "zhiban", {"notice", "recall", "redispatch"}),
    (S.DISPATCHED, "paiqian", {"notice"}),
    (S.RETURN_REQUESTED, "chengguan", set()),
    (S.HANDLING, "chengguan", {"request_extension", "request_shelving", "submit"}),
    (S.HANDLING, "zhiban", {"notice", "recall", "redispatch"}),
    (S.SHELVED, "zhiban", {"resume"}),
    (S.SUBMITTED, "anfang", {"verify"}),
    (S.SUBMITTED, "shouli", {"verify"}),
    (S.SUBMITTED, "chengguan", set()),
    (S.VERIFIED, "zhiban", {"close"}),
    (S.VERIFIED, "paiqian", {"close"}),
    (S.CLOSED, "zhiban", {"reopen", "callback"}),  # 电话回访: the hotline's shift leader calls the caller back
    (S.CLOSED, "shouli", {"callback"}),
    (S.CLOSED, "paiqian", set()),  # the dispatcher does not take or make calls
    (S.CLOSED, "chengguan", set()),
])
def test_the_page_offers_exactly_the_allowed_actions(client, people, make_case, state, username, expected):
    case = make_case(state=state)
    client.force_login(people[username])
    assert action_ids(client, case) == expected


def test_a_pending_request_is_decided_not_acted_around(client, people, make_case):
    case = make_case(state=S.HANDLING)
    wf.case_request_extension(case_id=case.pk, actor=people["chengguan"], amount=1, unit="working_days", note="等材料")
    client.force_login(people["chengguan"])
    assert action_ids(client, case) == set()
    client.force_login(people["zhiban"])
    assert action_ids(client, case) == {"decide_request", "notice", "recall", "redispatch"}
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="pending-request"' in page and "等材料" in page


def test_dispatch_form_defaults_to_the_routed_unit(client, people, make_case):
    case = make_case(state=S.REGISTERED)
    client.force_login(people["paiqian"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    unit = Unit.objects.get(code=UNIT_CODE)
    assert re.search(rf'<option value="{unit.pk}" selected>', page)
    assert unit.name in page.split('id="routing"')[1].split("</div>")[0]  # the routing decision is shown


# Each step posted through its form: (starting state, who, action, fields, resulting state).
STEPS = [
    (S.REPORTED, "shouli", "register", {"urgency": "urgent"}, S.REGISTERED),
    (S.REPORTED, "shouli", "reject", {"note": "非创城问题"}, S.REJECTED),
    (S.REGISTERED, "paiqian", "dispatch", {"unit": "UNIT"}, S.DISPATCHED),
    (S.REGISTERED, "zhiban", "void", {"note": "重复录入"}, S.VOIDED),
    (S.DISPATCHED, "chengguan", "sign", {}, S.HANDLING),
    (S.DISPATCHED, "chengguan", "request_return", {"note": "不属于本单位"}, S.RETURN_REQUESTED),
    (S.RETURN_REQUESTED, "zhiban", "decide_return", {"approve": "yes", "note": "改派"}, S.REGISTERED),
    (S.RETURN_REQUESTED, "zhiban", "decide_return", {"approve": "no", "note": "属于城管"}, S.DISPATCHED),
    (S.HANDLING, "chengguan", "request_extension", {"amount": "2", "time_unit": "working_days", "note": "需协调"},
     S.HANDLING),
    (S.HANDLING, "chengguan", "request_shelving", {"note": "需专项资金"}, S.HANDLING),
    (S.HANDLING, "chengguan", "submit", {"note": "已清理", "photos": "PHOTO"}, S.SUBMITTED),
    (S.SHELVED, "zhiban", "resume", {}, S.HANDLING),
    (S.SUBMITTED, "anfang", "verify", {"passed": "no", "note": "仍有摊贩"}, S.HANDLING),
    (S.SUBMITTED, "anfang", "verify", {"passed": "yes", "note": "已核实"}, S.VERIFIED),
    (S.VERIFIED, "zhiban", "close", {}, S.CLOSED),
    (S.CLOSED, "zhiban", "reopen", {"note": "市民反映反弹"}, S.REGISTERED),
]


@pytest.mark.parametrize(("start", "username", "action", "fields", "end"), STEPS,
                         ids=[f"{s[2]}-{s[4]}" for s in STEPS])
def test_each_action_form_moves_the_case(client, people, make_case, start, username, action, fields, end):
    case = make_case(state=start)
    client.force_login(people[username])
    fields = {k: (Unit.objects.get(code=UNIT_CODE).pk if v == "UNIT" else photo() if v == "PHOTO" else v)
              for k, v in fields.items()}
    response = post(client, case, action, **fields)
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    after = Case.objects.get(pk=case.pk)
    assert after.state == end and after.version == case.version + 1
    event = after.events.order_by("seq").last()
    assert event.actor == people[username] and event.note == fields.get("note", "")
    if action == "submit":
        assert event.evidence.filter(kind=Evidence.Kind.AFTER).count() == 1
    if action == "request_extension":
        assert (after.pending_request, after.pending_unit) == ("extension", "working_days")


def test_granting_a_request_through_the_form(client, people, make_case):
    case = make_case(state=S.HANDLING)
    due = case.handle_due
    wf.case_request_extension(case_id=case.pk, actor=people["chengguan"], amount=1, unit="working_days", note="x")
    client.force_login(people["zhiban"])
    assert post(client, case, "decide_request", approve="yes").status_code == 302
    after = Case.objects.get(pk=case.pk)
    assert after.pending_request == "" and after.handle_due > due and after.extension_count == 1
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    timeline = client.get(reverse("cases:detail", args=[case.pk])).content.decode().split('id="timeline"')[1]
    assert '<span class="detail">1 working days</span>' in timeline
    new_due = timezone.localtime(after.handle_due).strftime("%Y-%m-%d %H:%M")
    assert f'<span class="detail">handling due {new_due}</span>' in timeline
    assert f'<span class="detail">→ {after.unit.name}</span>' in timeline


def test_a_refusal_is_shown_on_the_form(client, people, make_case):
    case = make_case(state=S.HANDLING)
    client.force_login(people["chengguan"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = post(client, case, "submit", note="done", photos=SimpleUploadedFile("x.png", b"GIF89a....."))
    page = response.content.decode()
    assert response.status_code == 200
    form = page.split('id="act-submit"')[1].split("</form>")[0]
    assert "not a JPEG, PNG, WebP or HEIC photo" in form
    assert Case.objects.get(pk=case.pk).state == S.HANDLING
    # Missing after-photos are refused by the form itself.
    response = post(client, case, "submit", note="done")
    assert "Attach at least one after-photo" in response.content.decode()
    # A verification failure needs a reason.
    case = make_case(state=S.SUBMITTED)
    client.force_login(people["anfang"])
    response = post(client, case, "verify", passed="no")
    assert "Give a reason." in response.content.decode().split('id="act-verify"')[1]
    assert Case.objects.get(pk=case.pk).state == S.SUBMITTED


def test_a_stale_post_is_refused_with_a_clear_message(client, people, make_case):
    case = make_case()
    client.force_login(people["shouli"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    seen = case.version
    wf.case_register(case_id=case.pk, actor=people["zhiban"])  # someone else registers it meanwhile
    client.force_login(people["paiqian"])
    response = post(client, case, "dispatch", version=seen, unit=Unit.objects.get(code=UNIT_CODE).pk)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this case meanwhile; reload it and try again." in page.split('id="act-dispatch"')[1]
    assert Case.objects.get(pk=case.pk).state == S.REGISTERED
    # The form on the page now carries the current version, so posting it again works.
    current = Case.objects.get(pk=case.pk).version
    assert f'name="dispatch-version" value="{current}"' in page
    assert post(client, case, "dispatch", version=current, unit=Unit.objects.get(code=UNIT_CODE).pk).status_code == 302


def test_an_action_no_longer_possible_is_reported_at_the_top(client, people, make_case):
    case = make_case()
    client.force_login(people["shouli"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    seen = case.version
    wf.case_reject(case_id=case.pk, actor=people["zhiban"], note="非创城问题")
    page = post(client, case, "register", version=seen).content.decode()
    assert 'id="act-register"' not in page
    assert re.search(r'<li class="error">Someone else changed this case', page)


def test_unknown_action_and_wrong_method(client, people, make_case):
    case = make_case()
    client.force_login(people["shouli"])
    assert post(client, case, "explode").status_code == 404
    assert client.get(reverse("cases:action", args=[case.pk, "register"])).status_code == 405
    assert client.post(reverse("cases:detail", args=[case.pk])).status_code == 405
    client.logout()
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 302  # to the login page


def test_phone_is_shown_only_to_the_command_centre(client, people, make_case):
    case = make_case(state=S.DISPATCHED, phone="13812340000")
    for username, shown in [("shouli", "13812340000"), ("zhiban", "13812340000"), ("chengguan", None),
                            ("taocheng", None)]:
        client.force_login(people[username])
        page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        reporter = page.split('id="case-reporter"')[1].split("</dd>")[0]
        if shown:
            assert shown in reporter
        else:  # not even masked (see test_reporter_visibility)
            assert "0000" not in reporter and "13812340000" not in page


def test_inspectors_are_not_named_to_units(client, people, make_case):
    case = make_case(state=S.SUBMITTED)
    wf.case_verify(case_id=case.pk, actor=people["anfang"], passed=False, note="仍有摊贩")
    inspector = str(people["anfang"])
    client.force_login(people["chengguan"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert inspector not in page and 'data-action="rework"' in page and "仍有摊贩" in page
    client.force_login(people["taocheng"])  # the districts are what the inspectors inspect
    assert inspector not in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    client.force_login(people["zhiban"])
    assert inspector in client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_case_page_shows_deadlines_timeline_and_photos(client, people, make_case):
    case = make_case(state=S.HANDLING, photos=[Upload("before.png", photo_bytes(pattern=3))])
    Case.objects.filter(pk=case.pk).update(handle_due=timezone.now() - dt.timedelta(hours=1))
    client.force_login(people["chengguan"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert re.search(r'data-field="handle_due" data-status="overdue"', page)
    assert re.search(r'data-field="sign_due" data-status="(on_time|late)"', page)
    assert 'id="case-overdue"' in page
    assert re.findall(r'data-action="([a-z_]+)"', page) == ["report", "register", "dispatch", "sign"]
    before = case.evidence.get()
    assert 'id="photos-before"' in page and reverse("cases:evidence", args=[before.pk, "thumb"]) in page
    assert "/media/" not in page


def test_merging_a_duplicate_from_the_page(client, people, make_case):
    first = make_case("路口流动摊贩")
    second = make_case("同一路口又有人反映流动摊贩")
    client.force_login(people["shouli"])
    page = client.get(reverse("cases:detail", args=[second.pk])).content.decode()
    assert 'id="duplicates"' in page and f'name="merge-into" value="{first.pk}"' in page
    response = post(client, second, "merge", into=first.pk)
    assert response["Location"] == reverse("cases:detail", args=[first.pk])
    assert Case.objects.get(pk=second.pk).state == S.MERGED and Case.objects.get(pk=first.pk).me_too_count == 1


def test_supervision_notice_issued_answered_and_closed_on_the_page(client, people, make_case):
    case = make_case(state=S.HANDLING)
    client.force_login(people["taocheng"])
    assert post(client, case, "notice", demand="今日内清理完毕", hours="4").status_code == 302
    notice = case.notices.get()
    client.force_login(people["chengguan"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'name="answer-answer"' in page
    assert post(client, case, "answer", notice=notice.pk, answer="已安排人员").status_code == 302
    client.force_login(people["zhiban"])
    assert post(client, case, "notice_close", notice=notice.pk).status_code == 302
    notice.refresh_from_db()
    assert notice.answer == "已安排人员" and notice.state == "closed"
    assert [e.action for e in case.events.order_by("seq")][-3:] == ["notice_issued", "notice_answered", "notice_closed"]


# -- batch dispatch -------------------------------------------------------------------------------------------

def test_batch_dispatch_reports_each_failure(client, people, make_case):
    ok = [make_case(f"批量 {i}", state=S.REGISTERED) for i in range(2)]
    nowhere = wf.case_intake(channel="hotline", description="无位置的问题", category="SJ0401", actor=people["shouli"])
    wf.case_register(case_id=nowhere.pk, actor=people["shouli"])
    already = make_case("已派遣", state=S.DISPATCHED)
    client.force_login(people["paiqian"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(reverse("cases:workbench"), {"queue": "to_dispatch"}).content.decode()
    assert f'name="case" value="{ok[0].pk}"' in page and 'id="batch-dispatch"' in page
    response = client.post(reverse("cases:batch_dispatch"),
                           {"case": [ok[0].pk, ok[1].pk, nowhere.pk, already.pk, 10**9]}, follow=True)
    text = response.content.decode()
    assert all(Case.objects.get(pk=c.pk).state == S.DISPATCHED for c in ok)
    assert "2 cases dispatched." in text
    assert f"{Case.objects.get(pk=nowhere.pk).number} not dispatched: Routing found no unit" in text
    assert f"{already.number} not dispatched: This case is" in text
    assert f"{10**9} not dispatched: No such case." in text
    assert Case.objects.get(pk=nowhere.pk).state == S.REGISTERED


def test_batch_dispatch_is_for_dispatchers(client, people, make_case):
    case = make_case(state=S.REGISTERED)
    client.force_login(people["shouli"])
    assert 'id="batch-dispatch"' not in client.get(reverse("cases:workbench"), {"queue": "to_dispatch"}).content.decode()
    client.post(reverse("cases:batch_dispatch"), {"case": [case.pk]})
    assert Case.objects.get(pk=case.pk).state == S.REGISTERED


# -- intake ---------------------------------------------------------------------------------------------------

def test_intake_form_takes_a_case_in_and_shows_the_routing(client, people, grid):
    client.force_login(people["shouli"])
    page = client.get(reverse("cases:new")).content.decode()
    assert 'id="map" data-pick="1"' in page and "<optgroup" in page
    response = client.post(reverse("cases:new"), {
        "channel": "hotline", "category": "SJ0401", "urgency": "normal", "description": "小区门口流动摊贩",
        "lat": grid.lat, "lng": grid.lng, "crs": "wgs84", "reporter_phone": "13900001111", "reporter_name": "张先生",
        "photos": [photo("a.png"), SimpleUploadedFile("b.jpg", photo_bytes(fmt="JPEG", pattern=2))],
    })
    case = Case.objects.get(description="小区门口流动摊贩")
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.reported_by == people["shouli"] and case.unit is None and case.grid_id == grid.pk
    assert case.routing["unit_id"] == Unit.objects.get(code=UNIT_CODE).pk
    assert case.evidence.filter(kind=Evidence.Kind.BEFORE).count() == 2
    page = client.get(response["Location"]).content.decode()
    routing = page.split('id="routing"')[1].split("</div>\n</section>")[0]
    assert case.routing["unit_name"] in routing and case.routing["reason"] in routing


def test_intake_converts_picker_coordinates(client, people, grid):
    from wenming.common.geo import wgs84_to_gcj02

    lng, lat = wgs84_to_gcj02(grid.lng, grid.lat)
    client.force_login(people["shouli"])
    client.post(reverse("cases:new"), {"channel": "hotline", "category": "SJ0401", "urgency": "normal",
                                       "description": "高德坐标的案件", "lat": lat, "lng": lng, "crs": "gcj02"})
    case = Case.objects.get(description="高德坐标的案件")
    assert abs(case.lng - grid.lng) < 1e-5 and abs(case.lat - grid.lat) < 1e-5


def test_intake_refuses_bad_input_and_roles_without_intake(client, people, grid):
    client.force_login(people["shouli"])
    bad = client.post(reverse("cases:new"), {"channel": "hotline", "category": "SJ0401", "description": "x",
                                             "lat": 95, "lng": grid.lng, "crs": "wgs84", "reporter_phone": "123"})
    assert bad.status_code == 200 and not Case.objects.filter(description="x").exists()
    assert b"errorlist" in bad.content
    for username in ("gongdian", "chengguan", "taocheng"):
        client.force_login(people[username])
        assert client.get(reverse("cases:new")).status_code == 404
        assert 'id="new-case"' not in client.get(reverse("cases:workbench")).content.decode()


def test_grid_worker_reports_with_the_patrol_channel(client, people):
    worker = people["wangge"]
    community = worker.roles.get().area
    inside = Area.objects.filter(level="grid", path__startswith=community.path).order_by("code").first()
    outside = Area.objects.filter(level="grid").exclude(path__startswith=community.path).order_by("code").first()
    client.force_login(worker)
    assert re.search(r'<option value="grid" selected>', client.get(reverse("cases:new")).content.decode())
    data = {"channel": "grid", "category": "SJ0101", "urgency": "normal", "crs": "wgs84"}
    response = client.post(reverse("cases:new"), {**data, "description": "网格内垃圾", "lat": inside.lat, "lng": inside.lng})
    case = Case.objects.get(description="网格内垃圾")
    assert response["Location"] == reverse("cases:detail", args=[case.pk]) and case.channel == "grid"
    # Outside the worker's community the case is taken in, and hers to open as its reporter (issue 14).
    response = client.post(reverse("cases:new"), {**data, "description": "网格外垃圾", "lat": outside.lat, "lng": outside.lng})
    outside_case = Case.objects.get(description="网格外垃圾")
    assert response["Location"] == reverse("cases:detail", args=[outside_case.pk])


# -- evidence files -------------------------------------------------------------------------------------------

def test_evidence_goes_through_the_access_path(client, people, make_case):
    import io

    from PIL import Image

    case = make_case(state=S.DISPATCHED)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    from wenming.cases.services.evidence import evidence_add

    evidence = evidence_add(case=case, kind="before", name="p.jpg", content=photo_bytes(fmt="JPEG", exif=exif))
    url = lambda variant: reverse("cases:evidence", args=[evidence.pk, variant])  # noqa: E731
    client.force_login(people["zhiban"])
    original = client.get(url("original"))
    assert original.status_code == 200 and b"PhoneMaker" in b"".join(original.streaming_content)
    client.force_login(people["chengguan"])
    for variant in ("original", "shared", "thumb"):
        response = client.get(url(variant))
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, no-store"  # a staff photo stays in no browser's cache
        body = b"".join(response.streaming_content)
        assert b"PhoneMaker" not in body and Image.open(io.BytesIO(body)).format == "JPEG"
    assert client.get(url("raw")).status_code == 404
    client.force_login(people["gongdian"])
    for variant in ("original", "shared", "thumb"):
        assert client.get(url(variant)).status_code == 404


# -- admin ----------------------------------------------------------------------------------------------------

def test_admin_shows_cases_read_only_and_events_append_only(client, people, make_case):
    case = make_case(state=S.DISPATCHED)
    event = case.events.order_by("seq").last()
    admin = Person.objects.get(username="admin")
    client.force_login(admin)
    page = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="_save"' not in body and case.tracking_code in body
    assert client.get(reverse("admin:cases_case_add")).status_code == 403
    assert client.post(reverse("admin:cases_case_delete", args=[case.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:cases_caseevent_changelist")).status_code == 200
    assert client.get(reverse("admin:cases_caseevent_add")).status_code == 403
    assert client.post(reverse("admin:cases_caseevent_change", args=[event.pk]), {"note": "x"}).status_code == 403
    assert client.post(reverse("admin:cases_caseevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert CaseEvent.objects.get(pk=event.pk).note == event.note
    client.force_login(people["chengguan"])  # units use the workbench: the phone and inspectors stay masked
    assert client.get(reverse("admin:cases_case_changelist")).status_code == 403


def test_workbench_filters_by_area_code_within_the_scope(client, people):
    """The heat map's click on a grid opens the workbench with ?area=<grid>: only that grid's cases; an area
    outside the person's scope is refused on the filter, naming it."""
    grids = list(Area.objects.filter(level="grid", code__startswith="131102").order_by("code")[:2])
    made = [wf.case_intake(channel="hotline", description="占道", lng=g.lng, lat=g.lat, category="SJ0401",
                           actor=people["shouli"]) for g in grids]
    client.force_login(people["zhiban"])
    page = client.get(reverse("cases:workbench"), {"queue": "all", "area": grids[0].code})
    ids = {c.pk for c in page.context["page"].object_list}
    assert made[0].pk in ids and made[1].pk not in ids
    points = client.get(reverse("cases:map"), {"queue": "all", "area": grids[0].code}).json()
    assert len(points["features"]) == 1 and points["features"][0]["properties"]["state_key"] == "reported"
    client.force_login(people["taocheng"])
    other = Area.objects.filter(level="grid").exclude(code__startswith="131102").order_by("code").first()
    refused = client.get(reverse("cases:map"), {"queue": "all", "area": other.code})
    assert refused.status_code == 400 and "area" in refused.json()["fields"]
