"""Issue 12, leaks 1 and 2: the ranking of inspectors and grid workers is the command centre's, and an
explanation lists only the cases its viewer may open. Each test failed before its fix."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import WorkflowError
from wenming.org.models import Unit
from wenming.scoring.models import AccountabilityRecord, RedBlackList, ScoreSnapshot
from wenming.scoring.services import boards, scores

from .scenario import WEEK_START, Walk, at, build_week

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]
PASSWORD = "wenming2026"
AFTER = at(10, 9)  # the Tuesday after the week
OUTSIDERS = ["chengguan", "chengguan_lead", "jiedao", "taocheng"]  # unit handler and leader, street office, district
COMMAND = ["shouli", "zhiban", "paiqian", "admin"]


def _published(people, subject):
    draft = scores.snapshot_compute(subject=subject, period="week", day=WEEK_START, now=AFTER)
    return scores.snapshot_publish(snapshot_id=draft.pk, actor=people["zhiban"], now=AFTER)


@pytest.fixture
def week(people):
    """The scenario's week, plus one case the power company signs (another unit's case for chengguan), and the
    week's unit and inspector rankings published."""
    cases = build_week()
    walk = Walk()
    power = Unit.objects.get(code="POWER")
    other = walk.intake(at(2, 8, 30), text="路灯不亮")
    walk.step(at(2, 8, 45), wf.case_register, other, "shouli")
    walk.step(at(2, 9, 0), wf.case_dispatch, other, "paiqian", unit=power)
    walk.step(at(2, 9, 5), wf.case_sign, other, "gongdian")
    cases["power"] = other
    return {"cases": cases, "power": power, "unit": walk.unit, "units": _published(people, "unit"),
            "inspectors": _published(people, "inspector")}


def _login(client, username):
    client.logout()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.login(username=username, password=PASSWORD)


def _secret_names(people):
    """The names the inspectors' ranking shows: the undercover inspector and the grid worker."""
    return [str(people["anfang"]), str(people["wangge"])]


def test_the_inspectors_ranking_is_the_command_centres(client, people, week):
    ranking = week["inspectors"]
    assert set(ranking.figures["rows"]) >= {str(people["anfang"].pk), str(people["wangge"].pk)}
    board = RedBlackList.objects.create(  # as a board drafted before drafting one was refused
        snapshot=ranking, status="published", red=[{"key": str(people["anfang"].pk), "name": str(people["anfang"]),
                                                     "index": 90, "grade": "A", "rank": 1}])
    anfang = str(people["anfang"].pk)
    pages = {
        "detail": reverse("scoring:snapshot", args=[ranking.pk]),
        "explain": reverse("scoring:explain", args=[ranking.pk, anfang]),
        "explain_grid_worker": reverse("scoring:explain", args=[ranking.pk, str(people["wangge"].pk)]),
        "board": reverse("scoring:board", args=[board.pk]),
    }
    # In the admin, out of scope answers exactly like a row that does not exist (the admin's redirect).
    missing = 10**9
    admin_pages = {
        "admin": ("admin:scoring_scoresnapshot_change", ranking.pk),
        "admin_history": ("admin:scoring_scoresnapshot_history", ranking.pk),
        "admin_board": ("admin:scoring_redblacklist_change", board.pk),
    }
    lists = [reverse("scoring:snapshots"), reverse("scoring:snapshots") + "?subject=inspector",
             reverse("admin:scoring_scoresnapshot_changelist"), reverse("admin:scoring_redblacklist_changelist"),
             reverse("scoring:boards"), reverse("scoring:dashboard"), reverse("scoring:screen"),
             reverse("scoring:panels"), reverse("home")]
    for username in OUTSIDERS:
        _login(client, username)
        for name, url in pages.items():
            assert client.get(url).status_code == 404, (username, name)
        for name, (view, pk) in admin_pages.items():
            response, absent = client.get(reverse(view, args=[pk])), client.get(reverse(view, args=[missing]))
            assert response.status_code == 302, (username, name)
            assert response["Location"] == absent["Location"] == reverse("admin:index"), (username, name)
        for action in ("publish", "recompute", "board"):
            assert client.post(reverse("scoring:snapshot_act", args=[ranking.pk, action])).status_code == 404
        for url in lists:
            response = client.get(url)
            page = response.content.decode()
            assert response.status_code == 200, (username, url)
            assert pages["detail"] not in page and pages["board"] not in page, (username, url)
            assert f"/admin/scoring/scoresnapshot/{ranking.pk}/" not in page, (username, url)
            assert not any(name in page for name in _secret_names(people)), (username, url)
        # The units' ranking is still theirs to read.
        assert client.get(reverse("scoring:snapshot", args=[week["units"].pk])).status_code == 200
        assert reverse("scoring:snapshot", args=[week["units"].pk]) in client.get(reverse("scoring:snapshots")).content.decode()
    for username in COMMAND:
        _login(client, username)
        page = client.get(pages["detail"]).content.decode()
        assert all(name in page for name in _secret_names(people)), username
        for name in ("explain", "board"):
            assert client.get(pages[name]).status_code == 200, (username, name)
        for name in ("admin", "admin_board"):
            view, pk = admin_pages[name]
            assert client.get(reverse(view, args=[pk])).status_code == 200, (username, name)
        assert pages["detail"] in client.get(reverse("scoring:snapshots")).content.decode()


def test_a_red_black_list_is_never_drafted_from_the_inspectors_ranking(client, people, week):
    with pytest.raises(WorkflowError, match="inspectors"):
        boards.red_black_list_draft(snapshot_id=week["inspectors"].pk, actor=people["zhiban"])
    _login(client, "zhiban")
    client.post(reverse("scoring:snapshot_act", args=[week["inspectors"].pk, "board"]), {"size": "3"})
    assert not RedBlackList.objects.filter(snapshot=week["inspectors"]).exists()
    assert boards.red_black_list_draft(snapshot_id=week["units"].pk, actor=people["zhiban"], size=2)


def test_an_explanation_lists_only_the_cases_its_viewer_may_open(client, people, week):
    units, power, own = week["units"], week["power"], week["unit"]
    other_case = week["cases"]["power"]
    explain_power = reverse("scoring:explain", args=[units.pk, str(power.pk)])
    assert str(power.pk) in units.figures["rows"]
    _login(client, "chengguan")
    response = client.get(explain_power)
    page = response.content.decode()
    assert response.status_code == 200 and power.name in page  # the figures are the ranking's, shown to all
    assert other_case.number not in page and reverse("cases:detail", args=[other_case.pk]) not in page
    assert "1 more case is outside your scope." in page
    assert "09:05" not in page  # nor the times of its events
    # Its own unit's explanation: its cases, and no inspector or grid worker named beside the events.
    page = client.get(reverse("scoring:explain", args=[units.pk, str(own.pk)])).content.decode()
    assert week["cases"]["A"].number in page and "outside your scope" not in page
    assert not any(name in page for name in _secret_names(people))
    # Over every row of the units' ranking, chengguan meets no case number it cannot open.
    for key in units.figures["rows"]:
        page = client.get(reverse("scoring:explain", args=[units.pk, key])).content.decode()
        assert other_case.number not in page, key
    # The power company and the command centre see the case itself.
    for username in ("gongdian", "zhiban"):
        _login(client, username)
        page = client.get(explain_power).content.decode()
        assert other_case.number in page and "outside your scope" not in page, username


def test_the_districts_explanation_shows_a_street_office_only_a_count(client, people, week):
    districts = _published(people, "district")
    key = next(k for k, row in districts.figures["rows"].items() if row["volume"])
    _login(client, "jiedao")
    page = client.get(reverse("scoring:explain", args=[districts.pk, key])).content.decode()
    assert "outside your scope" in page
    assert not any(c.number in page for c in week["cases"].values())
    _login(client, "taocheng")  # the district leader opens the district's cases
    page = client.get(reverse("scoring:explain", args=[districts.pk, key])).content.decode()
    assert week["cases"]["A"].number in page


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2026-02-30", "abc", "20261128000000²"])
def test_computing_a_snapshot_for_an_absurd_day_names_the_field(client, people, day):
    _login(client, "zhiban")
    before = ScoreSnapshot.objects.count()
    response = client.post(reverse("scoring:snapshot_compute"), {"subject": "unit", "period": "month", "day": day})
    assert response.status_code == 302
    errors = [str(m) for m in get_messages(response.wsgi_request)]
    assert errors and all(e.startswith("A day in the period:") for e in errors), errors
    assert ScoreSnapshot.objects.count() == before


def test_the_service_bounds_the_day_too(people):
    for day in ("9999-12-31", "0001-01-01"):
        with pytest.raises(WorkflowError, match="A day in the period"):
            scores.snapshot_compute(subject="unit", period="month", day=dt.date.fromisoformat(day))


def test_other_bad_snapshot_input_names_its_field(client, people):
    _login(client, "zhiban")
    response = client.post(reverse("scoring:snapshot_compute"), {"subject": "bogus", "period": "year", "day": ""})
    errors = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(e.startswith("Evaluated:") for e in errors) and any(e.startswith("Period:") for e in errors), errors
    assert client.get(reverse("scoring:snapshots") + "?subject=%00").status_code == 200


@pytest.mark.parametrize("size", ["abc", "0", "21", "9" * 40, "1" * 5000, "1e3"])
def test_a_bad_board_size_names_the_field(client, people, size):
    snapshot = _published(people, "unit")
    _login(client, "zhiban")
    response = client.post(reverse("scoring:snapshot_act", args=[snapshot.pk, "board"]), {"size": size})
    assert response.status_code == 302
    errors = [str(m) for m in get_messages(response.wsgi_request)]
    assert errors and all(e.startswith("Entries per list:") for e in errors), errors
    assert not RedBlackList.objects.exists()


@pytest.mark.parametrize("field,value,named", [
    ("cases", "20261128000000²", "Case ids"),
    ("cases", "9" * 40, "Case ids"),
    ("due_date", "9999-12-31", "Follow-up due"),
    ("due_date", "0001-01-01", "Follow-up due"),
    ("unit", "9" * 40, "Unit"),
    ("people", "9" * 40, "People"),
])
def test_bad_accountability_input_is_refused_by_name(client, people, field, value, named):
    from django.utils import timezone

    data = {"kind": "talk", "title": "约谈", "reason": "多次超期", "unit": Unit.objects.get(code="CGJ-131102").pk,
            "due_date": timezone.localdate().isoformat(), field: value}
    _login(client, "zhiban")
    response = client.post(reverse("scoring:accountability_list"), data)
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert named in response.content.decode()
    assert not AccountabilityRecord.objects.exists()


def test_an_accountability_form_prefilled_with_junk_still_renders(client, people):
    _login(client, "zhiban")
    url = reverse("scoring:accountability_list") + "?unit=" + "9" * 40 + "&kind=bogus&title=%3DHYPERLINK(1)"
    assert client.get(url).status_code == 200
