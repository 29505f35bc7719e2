"""Road chiefs' patrols: check-in by distance, the completion rule, findings as routed cases, the indicators by a
hand-computed fixture, and who sees what."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wenming.cases.services import workflow as wf
from wenming.common.errors import IllegalTransition, WorkflowError
from wenming.conftest import photo_bytes
from wenming.inspections import patrol_selectors as sel
from wenming.inspections.models import Patrol, PatrolEvent, PatrolRule, PatrolState
from wenming.inspections.services import patrols as svc
from wenming.org.models import Person, RoadChief, RoadSegment

pytestmark = pytest.mark.django_db


def at_metres(road: svc.SegmentLine, along: float, off: float = 0.0) -> tuple[float, float]:
    return road.point(along, off)


@pytest.fixture
def chief(db):
    """The street-level chief of a main road of 桃城区 (the street office's), a person holding no role at all."""
    segment = RoadSegment.objects.filter(code__startswith="RD131102", code__endswith="M").order_by("code").first()
    row = RoadChief.objects.get(segment=segment, level=RoadChief.Level.STREET)
    person = Person.objects.create_user(username="luzhang_t", password="wenming2026", display_name="测试路长")
    row.person = person
    row.save(update_fields=["person"])
    return row


@pytest.fixture
def road(chief):
    return svc.segment_line(chief.segment)


def start(chief, now=None):
    return svc.patrol_start(actor=chief.person, chief_id=chief.pk, now=now)


def checkin(chief, patrol, road, along, off=0.0, now=None):
    lng, lat = at_metres(road, along, off)
    return svc.patrol_checkin(actor=chief.person, patrol_id=patrol.pk, lng=lng, lat=lat, now=now)


def test_rules_are_seeded_by_level():
    rules = {r.level: (r.period, r.times) for r in PatrolRule.objects.all()}
    assert rules == {1: ("month", 1), 2: ("week", 1), 3: ("day", 1), 4: ("day", 1)}


def test_checkin_within_the_tolerance_is_accepted_and_beyond_refused_and_logged(chief, road):
    patrol = start(chief)
    near = checkin(chief, patrol, road, 100, off=40)
    assert 39 <= near.distance_m <= 41 and 99 <= near.along_m <= 101
    with pytest.raises(svc.CheckinRefused) as refused:
        checkin(chief, patrol, road, 100, off=80)
    assert "80 m" in str(refused.value) and chief.segment.name in str(refused.value)
    patrol.refresh_from_db()
    assert patrol.points == 1 and patrol.checkins.count() == 1
    refusal = PatrolEvent.objects.get(patrol=patrol, action="refused")
    assert 79 <= refusal.data["distance_m"] <= 81


def test_refused_checkins_are_logged_up_to_a_cap_then_the_patrol_must_be_ended(chief, road, monkeypatch):
    monkeypatch.setattr(svc, "MAX_REFUSALS", 3)
    patrol = start(chief)
    for _ in range(3):
        with pytest.raises(svc.CheckinRefused):
            checkin(chief, patrol, road, 100, off=200)
    with pytest.raises(WorkflowError) as capped:
        checkin(chief, patrol, road, 100, off=200)
    assert not isinstance(capped.value, svc.CheckinRefused)
    assert PatrolEvent.objects.filter(patrol=patrol, action="refused").count() == 3
    checkin(chief, patrol, road, 100)  # a position on the road is still taken


def test_patrol_is_done_when_two_checkins_span_the_share_of_the_road(chief, road):
    assert road.length_m > 200  # where 60 % is the rule
    patrol = start(chief)
    checkin(chief, patrol, road, 0.10 * road.length_m)
    checkin(chief, patrol, road, 0.55 * road.length_m)
    patrol.refresh_from_db()
    assert patrol.state == PatrolState.OPEN and patrol.coverage == pytest.approx(0.45, abs=0.01)
    checkin(chief, patrol, road, 0.71 * road.length_m)
    patrol.refresh_from_db()
    assert patrol.state == PatrolState.DONE and patrol.coverage == pytest.approx(0.61, abs=0.01)
    assert patrol.ended_at is not None
    assert [e.action for e in patrol.events.all()] == ["started", "checkin", "checkin", "checkin", "done"]
    with pytest.raises(IllegalTransition):
        checkin(chief, patrol, road, 0.9 * road.length_m)


def test_one_point_never_completes_and_an_ended_patrol_is_not_done(chief, road):
    patrol = start(chief)
    assert start(chief).pk == patrol.pk  # a second start returns the patrol under way
    checkin(chief, patrol, road, 0.5 * road.length_m)
    checkin(chief, patrol, road, 0.5 * road.length_m)
    ended = svc.patrol_finish(actor=chief.person, patrol_id=patrol.pk)
    assert ended.state == PatrolState.INCOMPLETE and ended.coverage == 0
    with pytest.raises(IllegalTransition):
        svc.patrol_finish(actor=chief.person, patrol_id=patrol.pk)


def test_short_segments_need_a_span_of_100_m_or_80_percent():
    def needed(length):
        return svc.SegmentLine(projection=None, line=None, length_m=length).span_needed_m

    assert needed(1000.0) == 600.0  # 60 %
    assert needed(150.0) == 100.0  # 60 % would be 90 m: 100 m
    assert needed(100.0) == 80.0 and needed(60.0) == 48.0  # shorter than 125 m: 80 %


def test_a_patrol_left_open_on_an_earlier_day_ends_when_the_next_starts(chief, road):
    yesterday = timezone.now() - dt.timedelta(days=1)
    old = start(chief, now=yesterday)
    checkin(chief, old, road, 10, now=yesterday)
    new = start(chief)
    old.refresh_from_db()
    assert new.pk != old.pk and old.state == PatrolState.INCOMPLETE
    assert old.events.filter(action="ended").get().data["stale"] is True


def test_someone_elses_patrol_is_missing(chief, road, people):
    patrol = start(chief)
    lng, lat = at_metres(road, 10)
    with pytest.raises(Patrol.DoesNotExist):
        svc.patrol_checkin(actor=people["chengguan"], patrol_id=patrol.pk, lng=lng, lat=lat)
    with pytest.raises(RoadChief.DoesNotExist):
        svc.patrol_start(actor=people["chengguan"], chief_id=chief.pk)


def test_finding_becomes_a_routed_case_on_the_road_chief_channel(chief, road):
    patrol = start(chief)
    lng, lat = at_metres(road, 0.3 * road.length_m, off=10)
    finding = svc.patrol_finding_report(actor=chief.person, patrol_id=patrol.pk, category="SJ0401",
                                        description="路边乱堆建筑垃圾", lng=lng, lat=lat,
                                        photo=wf.Upload("p.png", photo_bytes()))
    case = finding.case
    case.refresh_from_db()
    assert case.channel == "road_chief" and case.reported_by == chief.person
    assert case.reporter_name == chief.name
    assert case.routing.get("unit_id") and case.grid_id  # routed as any case
    assert case.evidence.count() == 1
    assert case.patrol_finding.patrol == patrol  # the case links back to the patrol
    assert patrol.events.filter(action="finding").get().data["case"] == case.number
    with pytest.raises(WorkflowError):  # far from the road
        far = at_metres(road, 0.3 * road.length_m, off=200)
        svc.patrol_finding_report(actor=chief.person, patrol_id=patrol.pk, category="SJ0401", description="x",
                                  lng=far[0], lat=far[1], photo=wf.Upload("p.png", photo_bytes()))


def test_no_role_reports_on_the_road_chief_channel(people):
    from wenming.common.errors import NotAllowed

    with pytest.raises(NotAllowed):
        wf.case_intake(channel="road_chief", description="x", category="SJ0401", actor=people["shouli"])


def _done_patrol(chief, road, when):
    patrol = start(chief, now=when)
    checkin(chief, patrol, road, 0.05 * road.length_m, now=when)
    checkin(chief, patrol, road, 0.95 * road.length_m, now=when + dt.timedelta(minutes=20))
    patrol.refresh_from_db()
    assert patrol.state == PatrolState.DONE
    return patrol


def test_indicators_by_hand(chief, road):
    """Street level: daily. Over Mon 2 Mar … Sun 8 Mar 2026 (all past): 7 days due. Done on Mon (twice: counts
    once), Tue, Thu and Sat → 4 of 7. One patrol ended undone on Wed counts nothing. The county-level chief of the
    same road (weekly) did nothing: 1 week due, 0 done. Open problems: one finding still open → 1 for each row."""
    tz = timezone.get_current_timezone()

    def day(d, h=9):
        return dt.datetime(2026, 3, d, h, tzinfo=tz)

    for d, h in ((2, 9), (2, 15), (3, 9), (5, 9), (7, 9)):
        _done_patrol(chief, road, day(d, h))
    undone = start(chief, now=day(4))
    svc.patrol_finish(actor=chief.person, patrol_id=undone.pk, now=day(4, 10))
    last = Patrol.objects.filter(chief=chief).order_by("-started_at").first()
    lng, lat = at_metres(road, 10)
    svc.patrol_finding_report(actor=chief.person, patrol_id=last.pk, category="SJ0401", description="井盖缺失",
                              lng=lng, lat=lat, photo=wf.Upload("p.png", photo_bytes()), now=day(7, 9) +
                              dt.timedelta(minutes=30))
    rows = sel.road_chief_indicators(period_start=dt.date(2026, 3, 2), period_end=dt.date(2026, 3, 8),
                                     chiefs=RoadChief.objects.filter(segment=chief.segment),
                                     today=dt.date(2026, 3, 20))
    by_level = {r["level"]: r for r in rows}
    street, county = by_level[RoadChief.Level.STREET], by_level[RoadChief.Level.COUNTY]
    assert (street["due"], street["done"]) == (7, 4) and street["completion"] == pytest.approx(4 / 7)
    assert (county["due"], county["done"], county["completion"]) == (1, 0, 0.0)
    assert street["open_problems"] == county["open_problems"] == 1
    assert street["district"] == "桃城区"
    # Mid-period: on Thu 5 Mar the running week is not due yet (not done), the running day is (done).
    mid = sel.road_chief_indicators(period_start=dt.date(2026, 3, 2), period_end=dt.date(2026, 3, 8),
                                    chiefs=RoadChief.objects.filter(segment=chief.segment), today=dt.date(2026, 3, 5))
    mid = {r["level"]: r for r in mid}
    assert (mid[RoadChief.Level.STREET]["due"], mid[RoadChief.Level.STREET]["done"]) == (4, 3)  # Mon, Tue done, Wed missed, Thu running and done
    assert mid[RoadChief.Level.COUNTY]["due"] == 0 and mid[RoadChief.Level.COUNTY]["completion"] is None
    units = sel.indicators_by(rows, "district")
    assert units == [{"name": "桃城区", "chiefs": 2, "due": 8, "done": 4, "completion": 0.5, "open_problems": 1}]


def test_periods():
    assert sel.period_of(dt.date(2026, 3, 5), "week") == (dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    assert sel.period_of(dt.date(2026, 2, 14), "month") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert sel.periods_starting(dt.date(2026, 3, 4), dt.date(2026, 3, 31), "week")[0][0] == dt.date(2026, 3, 9)
    assert len(sel.periods_starting(dt.date(2026, 1, 1), dt.date(2026, 12, 31), "month")) == 12


def test_my_roads_shows_due_and_overdue(chief, road):
    today = timezone.localdate()
    rows = sel.my_roads(chief.person, today=today)
    assert len(rows) == 1 and rows[0].due_now == 1 and rows[0].missed_last
    _done_patrol(chief, road, timezone.now() - dt.timedelta(minutes=30))
    [row] = sel.my_roads(chief.person, today=today)
    assert row.due_now == 0 and row.done_now == 1


# -- pages -------------------------------------------------------------------------------------------------------

def test_chief_pages_walk(client, chief, road):
    client.force_login(chief.person)
    page = client.get(reverse("inspections:road_mine"))
    assert page.status_code == 200 and chief.segment.name in page.content.decode()
    answer = client.post(reverse("inspections:patrol_start", args=[chief.pk]))
    patrol = Patrol.objects.get(chief=chief)
    assert answer.status_code == 302 and answer["Location"] == reverse("inspections:patrol", args=[patrol.pk])
    for along in (0.1, 0.9):
        lng, lat = at_metres(road, along * road.length_m)
        assert client.post(reverse("inspections:patrol_checkin", args=[patrol.pk]),
                           {"lat": lat, "lng": lng}).status_code == 302
    patrol.refresh_from_db()
    assert patrol.state == PatrolState.DONE
    lng, lat = at_metres(road, 0.2 * road.length_m, off=300)
    answer = client.post(reverse("inspections:patrol_finding", args=[patrol.pk]), {
        "lat": lat, "lng": lng, "category": "SJ0401", "description": "占道经营",
        "photo": _upload()})
    assert answer.status_code == 400 and "from" in answer.content.decode()
    assert client.get(reverse("inspections:patrol", args=[patrol.pk])).status_code == 200


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("p.png", photo_bytes(), content_type="image/png")


def test_pages_scope(client, chief, road, people):
    patrol = start(chief)
    checkin(chief, patrol, road, 10)
    url = reverse("inspections:patrol", args=[patrol.pk])
    # The district (area leader of 桃城区) and the chief's own unit see the patrol; another unit does not.
    client.force_login(people["taocheng"])
    assert client.get(url).status_code == 200
    assert str(patrol.pk) in client.get(reverse("inspections:patrol_log")).content.decode()
    client.force_login(people["gongdian"])
    assert client.get(url).status_code == 404
    assert f'data-patrol="{patrol.pk}"' not in client.get(reverse("inspections:patrol_log")).content.decode()
    assert client.get(reverse("inspections:road_mine")).status_code == 404
    assert client.post(reverse("inspections:patrol_checkin", args=[patrol.pk]), {"lat": 1, "lng": 1}).status_code == 404
    # The chief (no role) sees no supervisors' page.
    client.force_login(chief.person)
    assert client.get(reverse("inspections:patrol_log")).status_code == 404
    assert client.get(reverse("inspections:patrol_indicators")).status_code == 404


def test_indicators_page_and_export_are_formula_safe(client, chief, people):
    RoadChief.objects.filter(pk=chief.pk).update(name="=HYPERLINK(\"x\")")
    client.force_login(people["zhiban"])
    page = client.get(reverse("inspections:patrol_indicators"), {"sort": "-completion"})
    assert page.status_code == 200 and f'data-chief="{chief.pk}"' in page.content.decode()
    answer = client.get(reverse("inspections:patrol_indicators"), {"format": "xlsx"})
    assert answer.status_code == 200 and "attachment" in answer["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    names = [row[2] for row in sheet.iter_rows(values_only=True)]
    assert "'=HYPERLINK(\"x\")" in names
    # Out of 桃城区 the chief is not listed for the other district.
    client.force_login(people["other_district"] if "other_district" in people else people["gongdian"])
    other = client.get(reverse("inspections:patrol_indicators"))
    assert f'data-chief="{chief.pk}"' not in other.content.decode()


def test_extreme_dates_are_refused_not_crashing(client, people):
    client.force_login(people["zhiban"])
    assert client.get(reverse("inspections:patrol_indicators"), {"start": "0001-01-01", "end": "9999-12-31"}
                      ).status_code == 200
    assert client.get(reverse("inspections:patrol_log"), {"end": "9999-12-31"}).status_code == 200


# -- API ---------------------------------------------------------------------------------------------------------

def test_api_mine_and_checkin(client, chief, road, people):
    client.force_login(chief.person)
    mine = client.get("/api/v1/inspections/patrols/mine/").json()
    [row] = mine["roads"]
    assert row["chief"] == chief.pk and row["segment"]["geometry"]["type"] == "LineString" and row["due"] == 1
    patrol = start(chief)
    lng, lat = at_metres(road, 0.1 * road.length_m)
    answer = client.post("/api/v1/inspections/patrols/checkins/", {"patrol": patrol.pk, "lng": lng, "lat": lat},
                         content_type="application/json")
    assert answer.status_code == 201 and answer.json()["patrol"]["points"] == 1
    lng, lat = at_metres(road, 0.1 * road.length_m, off=90)
    refused = client.post("/api/v1/inspections/patrols/checkins/", {"patrol": patrol.pk, "lng": lng, "lat": lat},
                          content_type="application/json")
    assert refused.status_code == 400 and "90 m" in refused.content.decode()
    client.force_login(people["chengguan"])
    assert client.get("/api/v1/inspections/patrols/mine/").status_code == 404
    other = client.post("/api/v1/inspections/patrols/checkins/", {"patrol": patrol.pk, "lng": lng, "lat": lat},
                        content_type="application/json")
    assert other.status_code == 404


def test_api_start_finding_and_finish_on_the_phone(client, chief, road, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(chief.person)
    started = client.post("/api/v1/inspections/patrols/", {"chief": chief.pk}, content_type="application/json")
    assert started.status_code == 201 and started.json()["state"] == "open"
    pk = started.json()["id"]
    again = client.post("/api/v1/inspections/patrols/", {"chief": chief.pk}, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == pk  # the patrol under way, not a second one
    lng, lat = at_metres(road, 0.3 * road.length_m, off=10)
    missing = client.post(f"/api/v1/inspections/patrols/{pk}/findings/",
                          {"category": "SJ0401", "description": "路边乱堆建筑垃圾", "lng": lng, "lat": lat})
    assert missing.status_code == 400 and "photo" in missing.json()["fields"]
    photo = SimpleUploadedFile("p.png", photo_bytes(), content_type="image/png")
    found = client.post(f"/api/v1/inspections/patrols/{pk}/findings/",
                        {"category": "SJ0401", "description": "路边乱堆建筑垃圾", "lng": lng, "lat": lat, "photo": photo})
    assert found.status_code == 201, found.content
    case = Patrol.objects.get(pk=pk).findings.get().case
    assert found.json()["case"] == case.number and case.channel == "road_chief"
    client.force_login(people["chengguan"])  # someone else's patrol is missing to them
    assert client.post(f"/api/v1/inspections/patrols/{pk}/finish/").status_code == 404
    assert client.post("/api/v1/inspections/patrols/", {"chief": chief.pk},
                       content_type="application/json").status_code == 404
    client.force_login(chief.person)
    finished = client.post(f"/api/v1/inspections/patrols/{pk}/finish/")
    assert finished.status_code == 200 and finished.json()["state"] == "incomplete"
    assert client.post(f"/api/v1/inspections/patrols/{pk}/finish/").status_code == 400
