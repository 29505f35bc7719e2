"""XLSX and CSV exports: the same rows as the filtered list, through the same access path."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wenming.cases import exports
from wenming.cases.models import Case, CaseState
from wenming.cases.services import workflow as wf
from wenming.cases.tests.test_views import advance, routed_grid
from wenming.common.tabular import XLSX

pytestmark = pytest.mark.django_db
S = CaseState


@pytest.fixture(autouse=True)
def _media_and_english(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"



@pytest.fixture
def cases(people):
    here = routed_grid("SJ0401", "CGJ-131102", "131102")
    there = routed_grid("SJ0401", "CGJ-131121", "131121")
    made = []
    for i, (grid, state) in enumerate([(here, S.REPORTED), (here, S.DISPATCHED), (here, S.HANDLING), (here, S.CLOSED),
                                       (there, S.DISPATCHED), (here, S.HANDLING)]):
        case = wf.case_intake(channel="hotline", description=f"占道经营 {i}", lng=grid.lng, lat=grid.lat,
                              category="SJ0401", reporter_phone="13800001111", address=f"人民路{i}号",
                              actor=people["shouli"])
        if state == S.DISPATCHED and grid is there:
            wf.case_register(case_id=case.pk, actor=people["shouli"])
            case = wf.case_dispatch(case_id=case.pk, actor=people["paiqian"])
        else:
            case = advance(case, state, people)
        made.append(case)
    Case.objects.filter(pk=made[-1].pk).update(handle_due=timezone.now() - dt.timedelta(hours=2))
    return [Case.objects.get(pk=c.pk) for c in made]


def listed(client, params) -> list[str]:
    response = client.get(reverse("cases:workbench"), {**params, "per_page": 100})
    return re.findall(r'data-case="(\d+)"', response.content.decode())


def csv_rows(client, params) -> list[list[str]]:
    response = client.get(reverse("cases:export", args=["csv"]), params)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="cases-' in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())  # the BOM Excel needs
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def xlsx_rows(client, params) -> list[tuple]:
    response = client.get(reverse("cases:export", args=["xlsx"]), params)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


HEADER = ["Number", "Tracking code", "Channel", "State", "Category", "Urgency", "Unit", "Grid", "Address",
          "Reported at", "Handling due", "Overdue"]


@pytest.mark.parametrize(("username", "params"), [
    ("zhiban", {"queue": "all"}),
    ("zhiban", {"queue": "all", "q": "人民路"}),
    ("zhiban", {"queue": "all", "state": "handling"}),
    ("zhiban", {"queue": "overdue"}),
    ("zhiban", {"queue": "all", "unit": "CGJ-131121"}),
    ("chengguan", {"queue": "all"}),
    ("chengguan", {"queue": "handling"}),
    ("taocheng", {"queue": "all", "category": "SJ04"}),
    ("gongdian", {"queue": "all"}),
])
def test_export_rows_are_the_filtered_list(client, people, cases, username, params):
    client.force_login(people[username])
    numbers = listed(client, params)
    rows = csv_rows(client, params)
    assert rows[0] == HEADER
    assert [r[0] for r in rows[1:]] == numbers
    sheet = xlsx_rows(client, params)
    assert list(sheet[0]) == HEADER
    assert [r[0] for r in sheet[1:]] == numbers
    assert [["" if c is None else str(c) for c in r] for r in sheet[1:]] == rows[1:]


def test_export_columns(client, people, cases):
    client.force_login(people["zhiban"])
    late = cases[-1]
    rows = {r[0]: r for r in csv_rows(client, {"queue": "all"})[1:]}
    row = dict(zip(HEADER, rows[late.number], strict=True))
    assert row["Tracking code"] == late.tracking_code
    assert row["State"] == "Handling (处置中)" and row["Channel"] == "Campaign hotline (创城热线)"
    assert row["Category"] == str(late.category) and row["Urgency"] == "Normal"
    assert row["Unit"] == late.unit.name and row["Grid"] == str(late.grid) and row["Address"] == late.address
    assert row["Reported at"] == timezone.localtime(late.reported_at).strftime("%Y-%m-%d %H:%M")
    assert row["Handling due"] == timezone.localtime(late.handle_due).strftime("%Y-%m-%d %H:%M")
    assert row["Overdue"] == "yes"
    assert rows[cases[2].number][-1] == "no"
    assert "13800001111" not in "".join(",".join(r) for r in rows.values())  # no personal data in the file


def test_out_of_scope_cases_are_never_exported(client, people, cases):
    elsewhere = cases[4]
    for username in ("chengguan", "taocheng", "gongdian"):
        client.force_login(people[username])
        for fmt_rows in (csv_rows(client, {"queue": "all"}), xlsx_rows(client, {"queue": "all"})):
            assert elsewhere.number not in [r[0] for r in fmt_rows]


def test_export_is_capped_with_a_message(client, people, cases, monkeypatch):
    monkeypatch.setattr(exports, "MAX_ROWS", 3)
    client.force_login(people["zhiban"])
    response = client.get(reverse("cases:export", args=["csv"]), {"queue": "all", "q": "占道"}, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("cases:workbench") + "?")
    assert "q=%E5%8D%A0%E9%81%93" in response.redirect_chain[0][0]  # back to the same filtered list
    assert "The list holds 6 cases; an export takes at most 3." in response.content.decode()
    assert len(csv_rows(client, {"queue": "all", "state": "handling"})) == 1 + 2  # under the cap it exports


def test_export_needs_a_known_format_and_a_workbench(client, people, cases):
    client.force_login(people["zhiban"])
    assert client.get(reverse("cases:export", args=["pdf"])).status_code == 404
    client.logout()
    assert client.get(reverse("cases:export", args=["csv"])).status_code == 302
