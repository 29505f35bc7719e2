"""The campaign in REST v1: actions with their tasks counted by status, the task list and its filters (the status
one exact, with an honest count), a task's figures, its reports, and filing one (a unit only on its own tasks)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from wenming.campaign.models import (
    Campaign,
    Milestone,
    ProgressReport,
    Task,
    TaskEvent,
    TaskForce,
    TaskStatus,
)
from wenming.campaign.services import tasks as svc
from wenming.conftest import photo_bytes
from wenming.demo.campaign import campaign_demo_build
from wenming.org.models import Unit

pytestmark = pytest.mark.django_db
API = "/api/v1"
TODAY = timezone.localdate()


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@pytest.fixture
def campaign(db):
    campaign_demo_build()
    return Campaign.objects.get(code="HS-2022")


@pytest.fixture
def made(campaign):
    """One task of each status today, all led by the city-management branch (CGJ-131102) under action R06."""
    unit = Unit.objects.get(code="CGJ-131102")
    action = campaign.actions.get(code="R06")
    force = TaskForce.objects.filter(campaign=campaign, actions=action).first()
    base = {"campaign": campaign, "action": action, "lead_unit": unit, "task_force": force, "target_kind": "percent",
            "target_value": Decimal(100)}
    reported = timezone.now() - dt.timedelta(days=1)
    tasks = {
        "not_started": Task.objects.create(code="X-NS", title="尚未开始的任务", starts_on=days(5), due_on=days(40), **base),
        "on_track": Task.objects.create(code="X-OT", title="推进中的任务", starts_on=days(-10), due_on=days(10),
                                        current_value=Decimal(60), last_reported_at=reported, **base),
        "behind": Task.objects.create(code="X-BH", title="滞后的任务", starts_on=days(-10), due_on=days(10),
                                      current_value=Decimal(10), last_reported_at=reported, **base),
        "done": Task.objects.create(code="X-DN", title="已完成的任务", starts_on=days(-10), due_on=days(10),
                                    current_value=Decimal(100), last_reported_at=reported, **base),
        "overdue": Task.objects.create(code="X-OD", title="逾期的任务", starts_on=days(-30), due_on=days(-1),
                                       current_value=Decimal(90), last_reported_at=reported, **base),
    }
    for key, task in tasks.items():
        assert svc.task_status(task) == key, key
    return tasks


def results(client, url, headers) -> list[dict]:
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content
    return response.json()["results"]


# -- authentication ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/actions/", "/tasks/", "/tasks/{pk}/", "/tasks/{pk}/reports/"])
def test_anonymous_is_401(client, made, path):
    response = client.get(API + path.format(pk=made["done"].pk))
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_anonymous_cannot_post_a_report(client, made):
    response = client.post(f"{API}/tasks/{made['behind'].pk}/reports/", {"value": 50, "narrative": "x"},
                           content_type="application/json")
    assert response.status_code == 401
    assert not ProgressReport.objects.filter(task=made["behind"]).exists()


# -- actions -----------------------------------------------------------------------------------------------------

def test_actions_count_their_tasks_by_status(client, token, made, campaign):
    rows = {a["code"]: a for a in results(client, f"{API}/actions/?page_size=500", token("chengguan"))}
    assert len(rows) == campaign.actions.count()
    r06 = rows["R06"]
    assert r06["name"] == campaign.actions.get(code="R06").name and r06["campaign"] == "HS-2022"
    assert r06["tasks"] == Task.objects.filter(action__code="R06", campaign=campaign).count()
    assert sum(r06["tasks_by_status"].values()) == r06["tasks"]
    assert set(r06["tasks_by_status"]) == {str(s) for s in TaskStatus}
    # The demo's R06 tasks are from 2022 (done or overdue by now); the five made today add one of each.
    assert r06["tasks_by_status"]["on_track"] >= 1 and r06["tasks_by_status"]["behind"] >= 1
    assert r06["tasks_by_status"]["not_started"] >= 1


def test_unknown_campaign_is_404(client, token, made):
    assert client.get(f"{API}/actions/?campaign=NOPE", **token("shouli")).status_code == 404
    assert client.get(f"{API}/tasks/?campaign=NOPE", **token("shouli")).status_code == 404


# -- the task list -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [str(s) for s in TaskStatus])
def test_status_filter_is_exact_and_its_count_honest(client, token, made, campaign, status):
    headers = token("shouli")
    expected = {t.code for t in Task.objects.filter(campaign=campaign) if svc.task_status(t) == status}
    assert made[status].code in expected
    got = {r["code"] for r in results(client, f"{API}/tasks/?status={status}&page_size=500", headers)}
    assert got == expected
    assert all(r["status"] == status for r in results(client, f"{API}/tasks/?status={status}", headers))
    # Paged one at a time, the count is still the number of tasks with that status, not of the candidates.
    page = client.get(f"{API}/tasks/?status={status}&page_size=1", **headers).json()
    assert page["count"] == len(expected) and len(page["results"]) == 1


def test_filters(client, token, made, campaign):
    headers = token("shouli")
    codes = {t.code for t in made.values()}

    def listed(query: str) -> set[str]:
        return {r["code"] for r in results(client, f"{API}/tasks/?page_size=500&{query}", headers)}

    assert codes <= listed("action=R06") and not codes & listed("action=R07")
    assert codes <= listed("lead_unit=CGJ-131102") and not codes & listed("lead_unit=NYNC")
    # unit: led or cooperated on; R06's demo tasks have the branch among their cooperating units.
    assert codes <= listed("unit=CGJ-131102") and "R06-2" in listed("unit=CGJ-131102")
    force = made["done"].task_force
    assert codes <= listed(f"task_force={force.code}")
    assert listed("kind=supervision") == set(Task.objects.filter(kind="supervision").values_list("code", flat=True))
    assert listed(f"due_after={days(10).isoformat()}&due_before={days(10).isoformat()}") == {"X-OT", "X-BH", "X-DN"}
    assert listed(f"due_before={days(-1).isoformat()}&due_after={days(-1).isoformat()}") == {"X-OD"}
    assert listed("q=滞后的") == {"X-BH"} and listed("q=x-ns") == {"X-NS"}
    assert listed("action=R06&status=behind&q=X-") == {"X-BH"}
    assert listed("lead_unit=NO-SUCH-UNIT") == set()


def test_bad_filters_are_400_per_field(client, token, made):
    response = client.get(f"{API}/tasks/?status=late&due_before=tomorrow&kind=x", **token("shouli"))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and set(body["fields"]) == {"status", "due_before", "kind"}


def test_list_rows_carry_the_figures(client, token, made):
    [row] = results(client, f"{API}/tasks/?q=X-BH", token("chengguan"))
    assert row["status"] == "behind" and row["percent"] == 10 and row["current_value"] == "10.00"
    assert Decimal(row["planned_value"]) == Decimal(50)  # day 10 of 20, linear
    assert row["lead_unit"] == "CGJ-131102" and row["action"] == "R06" and row["target"]["total"] == "100.00"
    assert row["next_report_due"] == (TODAY - dt.timedelta(days=1) + dt.timedelta(days=7)).isoformat()
    assert row["url"].endswith(f"/api/v1/tasks/{made['behind'].pk}/") and row["page"].endswith(f"/campaign/tasks/{made['behind'].pk}/")
    [done] = results(client, f"{API}/tasks/?q=X-DN", token("chengguan"))
    assert done["next_report_due"] is None and done["percent"] == 100


def test_list_queries_do_not_grow_with_the_page(client, token, made, django_assert_max_num_queries):
    headers = token("shouli")
    client.get(f"{API}/tasks/?page_size=5", **headers)  # warm the key cache
    with django_assert_max_num_queries(8):
        assert len(results(client, f"{API}/tasks/?page_size=200", headers)) > 50


# -- one task ----------------------------------------------------------------------------------------------------

def test_detail_has_milestones_plan_and_last_report(client, token, made, people):
    task = made["behind"]
    Milestone.objects.create(task=task, title="过半", due_on=days(0), planned_value=Decimal(70))
    svc.progress_report(task_id=task.pk, actor=people["chengguan"], value=20, narrative="清理20处")
    body = client.get(f"{API}/tasks/{task.pk}/", **token("chengguan")).json()
    assert body["code"] == "X-BH" and body["milestones"] == [{"title": "过半", "due_on": TODAY.isoformat(),
                                                             "planned_value": "70.00"}]
    assert Decimal(body["planned_value"]) == Decimal(70) and body["status"] == "behind"
    assert body["last_report"]["value"] == "20.00" and body["last_report"]["unit"] == "CGJ-131102"
    assert body["current_value"] == "20.00" and body["can_report"] is True
    assert body["next_report_due"] == days(7).isoformat()
    assert client.get(f"{API}/tasks/{task.pk}/", **token("gongdian")).json()["can_report"] is False


@pytest.mark.parametrize("pk", ["999999999", "٣", "99999999999999999999999"])
def test_missing_task_is_404(client, token, made, pk):
    response = client.get(f"{API}/tasks/{pk}/", **token("shouli"))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_reports_show_the_unit_not_the_person(client, token, made, people, media_and_english):
    task = made["behind"]
    svc.progress_report(task_id=task.pk, actor=people["chengguan"], value=20, narrative="清理20处",
                        files=[svc.Upload("现场.png", photo_bytes())])
    svc.progress_report(task_id=task.pk, actor=people["chengguan"], value=30, narrative="又清理10处")
    response = client.get(f"{API}/tasks/{task.pk}/reports/", **token("gongdian"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["value"] for r in rows] == ["30.00", "20.00"]
    assert rows[1]["unit"] == "CGJ-131102" and rows[1]["evidence"][0]["name"] == "现场.png"
    assert rows[1]["evidence"][0]["url"].endswith(f"/campaign/evidence/{rows[1]['evidence'][0]['id']}/")
    assert people["chengguan"].display_name not in response.content.decode()
    assert "chengguan" not in response.content.decode()


# -- filing a report ---------------------------------------------------------------------------------------------

def test_a_unit_key_reports_on_its_task(client, token, made):
    task = made["behind"]
    response = client.post(f"{API}/tasks/{task.pk}/reports/", {"value": "55", "narrative": "完成过半"},
                           content_type="application/json", **token("chengguan"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["value"] == "55.00" and body["unit"] == "CGJ-131102" and body["evidence"] == []
    assert body["task"]["status"] == "on_track" and body["task"]["current_value"] == "55.00"
    report = ProgressReport.objects.get(pk=body["id"])
    assert report.narrative == "完成过半"
    event = TaskEvent.objects.get(task=task, action="progress")
    assert event.data["report"] == report.pk and event.data["status_after"] == "on_track"


def test_a_unit_key_may_not_report_on_another_units_task(client, token, campaign):
    task = Task.objects.get(campaign=campaign, code="R07-4")  # led by agriculture, reported
    response = client.post(f"{API}/tasks/{task.pk}/reports/", {"value": "10", "narrative": "x"},
                           content_type="application/json", **token("chengguan"))
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"
    assert not ProgressReport.objects.filter(task=task).exists()
    # A unit naming a unit it does not belong to is refused the same way.
    response = client.post(f"{API}/tasks/{task.pk}/reports/", {"value": "10", "narrative": "x", "unit": "NYNC"},
                           content_type="application/json", **token("chengguan"))
    assert response.status_code == 403
    assert not ProgressReport.objects.filter(task=task).exists()


@pytest.mark.parametrize("payload, status, code, field", [
    ({"narrative": "x"}, 400, "invalid", "value"),
    ({"value": "1"}, 400, "invalid", "narrative"),
    ({"value": "-1", "narrative": "x"}, 400, "invalid", "value"),
    ({"value": "abc", "narrative": "x"}, 400, "invalid", "value"),
    ({"value": "1", "narrative": "x", "unit": "NO-SUCH"}, 400, "invalid", "unit"),
    ({"value": "101", "narrative": "x"}, 409, "refused", None),  # a percentage over 100: the service's refusal
])
def test_bad_reports_are_refused_in_the_apis_format(client, token, made, payload, status, code, field):
    task = made["behind"]
    response = client.post(f"{API}/tasks/{task.pk}/reports/", payload, content_type="application/json",
                           **token("chengguan"))
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and set(body) == {"code", "message", "fields"}
    if field:
        assert field in body["fields"]
    else:
        assert "100" in body["message"]
    assert not ProgressReport.objects.filter(task=task).exists()


def test_a_person_without_roles_sees_no_task(client, made):
    from wenming.api.services.keys import api_key_issue
    from wenming.org.models import Person

    nobody = Person.objects.create(username="nobody", display_name="无角色")
    _key, raw = api_key_issue(name="no roles", person=nobody)
    headers = {"HTTP_AUTHORIZATION": f"Token {raw}"}
    assert client.get(f"{API}/tasks/", **headers).json()["count"] == 0
    assert all(a["tasks"] == 0 for a in client.get(f"{API}/actions/", **headers).json()["results"])
    assert client.get(f"{API}/tasks/{made['behind'].pk}/", **headers).status_code == 404
    response = client.post(f"{API}/tasks/{made['behind'].pk}/reports/", {"value": "50", "narrative": "x"},
                           content_type="application/json", **headers)
    assert response.status_code == 404
    assert not ProgressReport.objects.exists()


def test_a_task_measured_from_cases_refuses_reports(client, token, campaign):
    task = Task.objects.get(campaign=campaign, code="R04-1")
    assert client.get(f"{API}/tasks/{task.pk}/", **token("paiqian")).json()["can_report"] is False
    response = client.post(f"{API}/tasks/{task.pk}/reports/", {"value": "10", "narrative": "x"},
                           content_type="application/json", **token("paiqian"))
    assert response.status_code == 409 and response.json()["code"] == "refused"
    assert not ProgressReport.objects.filter(task=task).exists()


def test_evidence_as_multipart(client, token, made, media_and_english):
    task = made["behind"]
    photo = SimpleUploadedFile("整改后.jpg", photo_bytes(fmt="JPEG"), content_type="image/jpeg")
    pdf = SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                             content_type="application/pdf")
    response = client.post(f"{API}/tasks/{task.pk}/reports/", {"value": "40", "narrative": "见附件",
                                                                "files": [photo, pdf]}, **token("chengguan"))
    assert response.status_code == 201, response.content
    names = [e["name"] for e in response.json()["evidence"]]
    assert sorted(names) == ["整改后.jpg", "方案.pdf"]
    bad = SimpleUploadedFile("evil.exe", b"MZ\x90\x00" * 10, content_type="application/octet-stream")
    response = client.post(f"{API}/tasks/{task.pk}/reports/", {"value": "45", "narrative": "x", "files": [bad]},
                           **token("chengguan"))
    assert response.status_code == 400 and "files" in response.json()["fields"]
    assert ProgressReport.objects.filter(task=task).count() == 1


def test_session_post_needs_csrf(made, people):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(people["chengguan"])
    response = client.post(f"{API}/tasks/{made['behind'].pk}/reports/", {"value": "50", "narrative": "x"},
                           content_type="application/json")
    assert response.status_code == 403
    assert not ProgressReport.objects.exists()


# -- target lists (issue 18) -------------------------------------------------------------------------------------

def _all(client, url, headers) -> list[dict]:
    rows = []
    while url:
        body = client.get(url, **headers).json()
        rows += body["results"]
        url = body["next"]
    return rows


def test_target_lines_counts_and_gap_list(client, token, people, campaign):
    from wenming.campaign.models import TargetLine
    from wenming.campaign.services.targets import targets_refresh
    from wenming.common.access import restrict

    targets_refresh(campaign_id=campaign.pk)
    task = Task.objects.get(campaign=campaign, code="I01-3")  # at least 3 youth palaces per township
    body = client.get(f"{API}/tasks/{task.pk}/", **token("zhiban")).json()
    assert (body["target"]["rule"], body["target"]["site_types"], body["target"]["measure"]) == (
        "per_area_min", ["youth_palace"], "targets")
    stored = TargetLine.objects.filter(task=task, in_scope=True)
    assert body["target_lines"]["in_scope"] == stored.count() > 0
    lines = _all(client, f"{API}/tasks/{task.pk}/lines/", token("zhiban"))
    assert len(lines) == TargetLine.objects.filter(task=task).count()
    assert all(line["site"] is None and line["area"]["code"] for line in lines)
    gaps = _all(client, f"{API}/tasks/{task.pk}/lines/?gaps=true", token("zhiban"))
    assert len(gaps) == stored.filter(gap__gt=0).count()
    assert all(line["gap"] > 0 and line["status"] == "gap" for line in gaps)
    assert [line["gap"] for line in gaps] == sorted((line["gap"] for line in gaps), reverse=True)
    # A unit sees the lines its scope holds, through the same rule as the pages.
    unit_lines = _all(client, f"{API}/tasks/{task.pk}/lines/", token("chengguan"))
    assert len(unit_lines) == restrict(TargetLine.objects.filter(task=task), people["chengguan"]).count()


def test_target_line_filters_are_checked(client, token, campaign):
    task = Task.objects.get(campaign=campaign, code="I01-3")
    response = client.get(f"{API}/tasks/{task.pk}/lines/?area=NOPE", **token("zhiban"))
    assert response.status_code == 400 and "area" in response.json()["fields"]
    response = client.get(f"{API}/tasks/{task.pk}/lines/?status=bogus", **token("zhiban"))
    assert response.status_code == 400 and "status" in response.json()["fields"]
    plain = Task.objects.get(campaign=campaign, code="R01-1")  # no target list: no counts, an empty list
    assert client.get(f"{API}/tasks/{plain.pk}/", **token("zhiban")).json()["target_lines"] is None
    assert client.get(f"{API}/tasks/{plain.pk}/lines/", **token("zhiban")).json()["count"] == 0
