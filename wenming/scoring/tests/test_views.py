"""Dashboards are scoped by restrict(); score pages, explanations, lists and records answer as they should."""

import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from wenming.cases.models import Case
from wenming.cases.services import workflow as wf
from wenming.org.models import Area, Unit
from wenming.scoring import selectors
from wenming.scoring.models import AccountabilityRecord, RedBlackList
from wenming.scoring.services import boards, scores

from .scenario import WEEK_START, at, build_week

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]
PASSWORD = "wenming2026"




@pytest.fixture
def spread(people):
    """Today: 3 cases in 桃城区 (2 dispatched to its 城管 branch), 2 in another district."""
    grids_in = list(Area.objects.filter(level="grid", code__startswith="131102").order_by("code")[:3])
    grids_out = list(Area.objects.filter(level="grid").exclude(code__startswith="131102").order_by("code")[:2])
    made = {"in": [], "out": []}
    for key, grids in (("in", grids_in), ("out", grids_out)):
        for grid in grids:
            made[key].append(wf.case_intake(channel="hotline", description="占道", lng=grid.lng, lat=grid.lat,
                                            category="SJ0401", actor=people["shouli"]))
    unit = Unit.objects.get(code="CGJ-131102")
    for case in made["in"][:2]:
        wf.case_register(case_id=case.pk, actor=people["shouli"])
        wf.case_dispatch(case_id=case.pk, actor=people["paiqian"], unit=unit)
    return made


def _reported_today(user):
    return sum(selectors.panel_trend(user, now=timezone.now(), days=1)["reported"])


def test_dashboard_panels_are_scoped(spread, people):
    assert Case.objects.count() == 5
    assert _reported_today(people["zhiban"]) == 5
    assert _reported_today(people["taocheng"]) == 3  # the district leader: the district only
    assert _reported_today(people["chengguan"]) == 2  # the unit: the cases dispatched to it
    assert _reported_today(people["gongdian"]) == 0
    heat = selectors.panel_heatmap(people["taocheng"], now=timezone.now())
    assert heat["total"] == sum(r["n"] for r in heat["regions"]) == 3 and heat["views"][0]["code"] == "131102"
    actions = {r["code"]: r["n"] for r in selectors.panel_by_action(people["chengguan"], now=timezone.now())["rows"]}
    assert actions == {"report": 2, "register": 2, "dispatch": 2}
    assert sum(r["n"] for r in selectors.panel_by_category(people["taocheng"], now=timezone.now())["rows"]) == 3


def test_dashboard_pages_and_json(client, spread, people):
    client.login(username="taocheng", password=PASSWORD)
    page = client.get(reverse("scoring:dashboard"))
    assert page.status_code == 200 and b'id="dashboard-data"' in page.content and b"<script>" not in page.content
    data = json.loads(client.get(reverse("scoring:panels") + "?panels=trend,heatmap").content)
    assert set(data) == {"trend", "heatmap", "as_of"} and sum(data["trend"]["reported"]) == 3
    screen = client.get(reverse("scoring:screen")).content.decode()
    assert 'data-figure="reported_today">3<' in screen and 'data-refresh="60"' in screen
    client.logout()
    client.login(username="anfang", password=PASSWORD)  # inspectors see no dashboards or scores
    assert client.get(reverse("scoring:dashboard")).status_code == 404
    assert client.get(reverse("scoring:panels")).status_code == 404


def _home(client, username):
    client.login(username=username, password=PASSWORD)
    page = client.get(reverse("home")).content.decode()
    client.logout()
    marker = '<script id="dashboard-data" type="application/json">'
    data = json.loads(page.split(marker, 1)[1].split("</script>", 1)[0]) if marker in page else None
    return page, data


def _count(page, queue):
    match = re.search(rf'data-queue="{queue}">[^<]*<strong class="count[^"]*">(\d+)<', page)
    return int(match.group(1)) if match else None


def test_each_role_home_page_shows_its_queues_and_panels(client, spread):
    page, data = _home(client, "chengguan")  # unit handler: its two dispatched cases wait to be signed
    assert _count(page, "to_sign") == 2 and _count(page, "handling") == 0
    assert 'data-queue="all">' in page and _count(page, "all") is None  # not counted (the workbench neither)
    assert set(data) == {"trend", "overdue", "by_category", "rankings"} and sum(data["trend"]["reported"]) == 2
    page, data = _home(client, "zhiban")  # command centre: the intake queue and the escalations
    assert _count(page, "reported") == 3 and _count(page, "to_dispatch") == 0
    assert set(data) == {"trend", "overdue", "escalations", "heatmap"} and sum(data["trend"]["reported"]) == 5
    assert 'data-panel="escalations"' in page and 'data-panel="rankings"' not in page
    page, data = _home(client, "taocheng")  # district leader: its district on the map and in the ranking
    assert set(data) == {"heatmap", "overdue", "by_category", "rankings"}
    assert sum(r["n"] for r in data["heatmap"]["regions"]) == 3
    page, data = _home(client, "anfang")  # inspectors: their queue, no scores
    assert data is None and 'data-queue="to_verify"' in page and "echarts" not in page


def test_snapshot_pages_explain_down_to_the_events(client, people):
    week = build_week()
    draft = scores.snapshot_compute(subject="unit", period="week", day=WEEK_START, now=at(10, 9))
    unit = Unit.objects.get(code="CGJ-131102")
    client.login(username="chengguan_lead", password=PASSWORD)
    page = client.get(reverse("scoring:snapshot", args=[draft.pk]))
    assert page.status_code == 200 and unit.name in page.content.decode()
    assert client.post(reverse("scoring:snapshot_act", args=[draft.pk, "publish"])).status_code == 302
    draft.refresh_from_db()
    assert not draft.is_published  # a unit leader may not publish
    explain = client.get(reverse("scoring:explain", args=[draft.pk, unit.pk])).content.decode()
    assert "5 / 7" in explain and reverse("cases:detail", args=[week["C"].pk]) in explain
    excluded = explain[explain.index('id="excluded"'):]
    assert reverse("cases:detail", args=[week["D"].pk]) in excluded  # shelved
    assert reverse("cases:detail", args=[week["B"].pk]) in excluded  # returned once
    assert reverse("cases:detail", args=[week["A"].pk]) not in excluded
    assert client.get(reverse("scoring:explain", args=[draft.pk, "999999"])).status_code == 404
    client.logout()
    client.login(username="zhiban", password=PASSWORD)
    client.post(reverse("scoring:snapshot_act", args=[draft.pk, "publish"]))
    draft.refresh_from_db()
    assert draft.is_published
    client.post(reverse("scoring:snapshot_act", args=[draft.pk, "board"]), {"size": "2"})
    board = RedBlackList.objects.get(snapshot=draft)
    client.logout()
    client.login(username="chengguan", password=PASSWORD)
    assert client.get(reverse("scoring:board", args=[board.pk])).status_code == 404  # drafts are not shown to units
    boards.red_black_list_publish(board_id=board.pk, actor=people["admin"])  # four eyes: not its drafter
    assert client.get(reverse("scoring:board", args=[board.pk])).status_code == 200


def test_the_drafter_of_a_red_black_list_waits_for_another_approver(client, people):
    """Four eyes on the page: the shift leader who drafted the list sees no publish button and cannot publish by
    posting; the administrator sees the button and publishes."""
    build_week()
    draft = scores.snapshot_compute(subject="unit", period="week", day=WEEK_START, now=at(10, 9))
    snapshot = scores.snapshot_publish(snapshot_id=draft.pk, actor=people["zhiban"], now=at(10, 9))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.login(username="zhiban", password=PASSWORD)
    client.post(reverse("scoring:snapshot_act", args=[snapshot.pk, "board"]), {"size": "2"})
    board = RedBlackList.objects.get(snapshot=snapshot)
    page = client.get(reverse("scoring:board", args=[board.pk])).content.decode()
    assert 'id="awaits-approver"' in page and 'id="approve"' not in page
    response = client.post(reverse("scoring:board_act", args=[board.pk, "publish"]), follow=True)
    assert "another approver must publish it" in response.content.decode()
    board.refresh_from_db()
    assert board.status == "draft" and board.approved_by is None
    client.logout()
    client.login(username="admin", password=PASSWORD)
    page = client.get(reverse("scoring:board", args=[board.pk])).content.decode()
    assert 'id="awaits-approver"' not in page and 'id="approve"' in page
    client.post(reverse("scoring:board_act", args=[board.pk, "publish"]), {"note": "周例会通过"})
    board.refresh_from_db()
    assert board.status == "published" and (board.drafted_by, board.approved_by) == (people["zhiban"], people["admin"])


def test_accountability_pages_are_scoped(client, people):
    today = timezone.localdate()
    record = boards.accountability_create(kind="notice", title="城管超期通报X1", reason="超期", actor=people["zhiban"],
                                          unit=Unit.objects.get(code="CGJ-131102"), due_date=today)
    client.login(username="gongdian", password=PASSWORD)
    assert client.get(reverse("scoring:accountability", args=[record.pk])).status_code == 404
    assert "城管超期通报X1" not in client.get(reverse("scoring:accountability_list")).content.decode()
    client.logout()
    client.login(username="chengguan_lead", password=PASSWORD)
    response = client.post(reverse("scoring:accountability", args=[record.pk]), {"note": "正在整改", "status": "rectifying"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "rectifying"
    client.logout()
    client.login(username="zhiban", password=PASSWORD)
    response = client.post(reverse("scoring:accountability_list"), {
        "kind": "talk", "title": "约谈", "reason": "多次超期", "unit": record.unit_id, "cases": "abc",
        "due_date": today.isoformat()})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert AccountabilityRecord.objects.count() == 1


def test_daily_counts_give_the_same_figures_as_the_events(people):
    week = build_week()
    assert week
    now = at(10, 12)
    live = {u: selectors.panel_by_action(people[u], now=now, days=10) for u in ("zhiban", "taocheng", "chengguan")}
    from wenming.scoring.services.dashboard import daily_counts_refresh

    assert daily_counts_refresh(days=9, now=now) > 0
    for username, expected in live.items():
        got = selectors.panel_by_action(people[username], now=now, days=10)
        assert got == expected and got["rows"], username
    trend = selectors.panel_trend(people["taocheng"], now=now, days=10)
    assert trend["reported"][1] == 8 and sum(trend["closed"]) == 5  # 2 March: A–H reported; closes of A, B, C, E, F
    assert sum(r["n"] for r in selectors.panel_by_action(people["gongdian"], now=now, days=10)["rows"]) == 0


def test_heat_map_drills_from_the_city_to_streets_to_grids(client, spread, people):
    """The command centre's heat map: the city's streets, each leading to its district; a district's streets, each
    leading to itself; a street's grids, leading nowhere (a click there opens the workbench)."""
    city = selectors.panel_heatmap(people["zhiban"], now=timezone.now())
    assert [v["level"] for v in city["views"]] == ["city"] and city["level"] == "street" and city["frame"] == "county"
    assert city["total"] == 5 and city["max"] == max(r["n"] for r in city["regions"])
    busiest = max(city["regions"], key=lambda r: r["n"])
    street = Area.objects.get(code=busiest["code"])
    assert busiest["to"] == street.parent.code  # a click on a street at the city's view opens its district
    client.force_login(people["zhiban"])
    district = json.loads(client.get(reverse("scoring:heatmap"), {"area": busiest["to"]}).content)
    assert district["chain"][-1]["code"] == busiest["to"] and district["level"] == "street"
    inside = next(r for r in district["regions"] if r["code"] == street.code)
    assert inside["to"] == street.code and inside["n"] == busiest["n"]
    grids = json.loads(client.get(reverse("scoring:heatmap"), {"area": street.code}).content)
    assert grids["level"] == "grid" and grids["frame"] == "community"
    assert {r["to"] for r in grids["regions"]} == {""} and sum(r["n"] for r in grids["regions"]) == inside["n"]
    assert len(grids["regions"]) == Area.objects.filter(level="grid", path__startswith=street.path).count()


def test_heat_map_drills_only_inside_the_persons_areas(client, spread, people):
    client.force_login(people["taocheng"])  # the district leader of 桃城区
    own = Area.objects.filter(level="street", code__startswith="131102").order_by("code").first()
    assert client.get(reverse("scoring:heatmap"), {"area": own.code}).status_code == 200
    other = Area.objects.filter(level="street").exclude(code__startswith="131102").order_by("code").first()
    for code in (other.code, other.parent.code, "131100", "NOSUCH", ""):  # the city itself is above her district
        assert client.get(reverse("scoring:heatmap"), {"area": code}).status_code == 404, code
    client.force_login(people["anfang"])  # inspectors read no dashboards
    assert client.get(reverse("scoring:heatmap"), {"area": own.code}).status_code == 404
