"""The weekly meeting pack as the office prints it (issue 14): A4, times in Beijing time with the zone named, and
columns that say what they count."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone, translation
from docx import Document
from docx.shared import Mm
from openpyxl import load_workbook

from wenming.campaign.models import Campaign, Meeting
from wenming.campaign.services.meetings import meeting_prepare
from wenming.demo.campaign import campaign_demo_build
from wenming.reports.meeting import TEXT_WIDTH, meeting_docx, meeting_xlsx

pytestmark = pytest.mark.django_db
# 06:30 UTC on Friday 6 March 2026 is 14:30 in Beijing: the pack must print the latter, and say so.
AS_OF_UTC = "2026-03-06T06:30+00:00"
PRINTED = dt.datetime(2026, 3, 6, 16, 5, tzinfo=dt.UTC)  # 7 March, 00:05 in Beijing: the day changes too


@pytest.fixture
def meeting(people, media_and_english) -> Meeting:
    campaign_demo_build()
    campaign = Campaign.objects.get(code="HS-2022")
    meeting = meeting_prepare(campaign=campaign, week_start=dt.date(2026, 3, 2), actor=people["zhiban"],
                              now=dt.datetime(2026, 3, 6, 6, 30, tzinfo=dt.UTC))
    assert meeting.agenda["as_of"] == AS_OF_UTC  # stored with its offset, as the agenda builder writes it
    return meeting


def _text(doc) -> str:
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    footer = [p.text for s in doc.sections for p in s.footer.paragraphs]
    return "\n".join([p.text for p in doc.paragraphs] + cells + footer)


def _headers(doc) -> list[list[str]]:
    return [[c.text for c in t.rows[0].cells] for t in doc.tables]


def test_the_pack_is_a4_portrait_and_every_table_fits_between_the_margins(meeting):
    doc = Document(io.BytesIO(meeting_docx(meeting)))
    for section in doc.sections:
        assert abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.page_height - Mm(297)) < Mm(0.5)
        assert section.page_width < section.page_height  # portrait
        assert all(Mm(15) <= m <= Mm(30) for m in (section.left_margin, section.right_margin, section.top_margin,
                                                   section.bottom_margin))
        text_width = section.page_width - section.left_margin - section.right_margin
        assert TEXT_WIDTH <= text_width < TEXT_WIDTH + Mm(0.5)  # Word keeps sizes in twips
    assert doc.tables
    for table in doc.tables:
        assert sum(column.width for column in table.columns) <= text_width
        # Word reads each cell's own width: every row adds up to the same, within the text width.
        assert all(sum(c.width for c in row.cells) <= text_width for row in table.rows)
        # The header row comes back at the top of every page a long table runs onto.
        assert table.rows[0]._tr.trPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") \
            is not None


def test_times_are_beijing_time_and_say_so(meeting, settings):
    settings.TIME_ZONE = "UTC"  # a server kept in UTC still prints Beijing time
    with timezone.override("UTC"):
        text = _text(Document(io.BytesIO(meeting_docx(meeting, now=PRINTED))))
    assert "March 6, 2026, 2:30 p.m. Beijing time" in text  # figures as of: 06:30 UTC
    assert "March 7, 2026, 12:05 a.m. Beijing time" in text  # printed: 16:05 UTC, past midnight in Beijing
    assert "06:30" not in text and "+00:00" not in text and "UTC" not in text


def test_times_in_chinese_name_the_zone(meeting):
    with translation.override("zh-hans"):
        text = _text(Document(io.BytesIO(meeting_docx(meeting, now=PRINTED))))
    assert "数据截至 2026年3月6日 14:30（北京时间）" in text
    assert "打印时间：2026年3月7日 00:05（北京时间）" in text
    assert "2026年3月2日 至 2026年3月8日" in text


def test_a_stored_time_that_is_not_one_is_printed_as_stored(meeting):
    Meeting.objects.filter(pk=meeting.pk).update(agenda={**meeting.agenda, "as_of": "last Friday\x07"})
    meeting.refresh_from_db()
    assert "figures as of last Friday" in _text(Document(io.BytesIO(meeting_docx(meeting))))


def test_columns_say_what_they_count(meeting):
    headers = _headers(Document(io.BytesIO(meeting_docx(meeting))))
    flat = [h for table in headers for h in table]
    for vague in ("Tasks", "New this week", "Overdue", "Cases", "Handled", "On time", "Rate (%)", "Value"):
        assert vague not in flat, vague
    assert headers[0][2:] == ["Tasks in all", "Tasks not started", "Tasks in progress", "Tasks behind plan",
                              "Tasks completed", "Tasks overdue"]
    assert ["Action", "New cases reported this week", "Open cases past their deadline"] in headers
    # The figures hold every table's header, rows or none (the quiet week has no unit ranking).
    workbook = load_workbook(io.BytesIO(meeting_xlsx(meeting)))
    assert [c.value for c in workbook["Cases by action"][1]] == ["Action", "New cases reported this week",
                                                                 "Open cases past their deadline"]
    assert [c.value for c in workbook["Units by on-time handling rate"][1]] == [
        "Unit", "Cases reported handled this week", "Of which by the handling deadline", "On-time handling rate (%)"]


def test_chinese_count_columns_carry_their_unit(meeting):
    with translation.override("zh-hans"):
        headers = _headers(Document(io.BytesIO(meeting_docx(meeting))))
    assert headers[0][2:] == ["任务总数（项）", "未开始任务数（项）", "推进中任务数（项）", "滞后任务数（项）",
                              "已完成任务数（项）", "逾期任务数（项）"]
    assert ["专项行动", "本周新增问题数（件）", "超期未办结问题数（件）"] in headers


def test_every_sheet_of_the_figures_prints_on_a4_with_its_header_on_each_page(meeting):
    workbook = load_workbook(io.BytesIO(meeting_xlsx(meeting)))
    for ws in workbook.worksheets:
        assert str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4), ws.title
        assert ws.page_setup.orientation == "portrait" and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"


def test_the_download_is_the_a4_pack(client, meeting, people):
    client.force_login(people["zhiban"])
    response = client.get(f"/reports/meetings/{meeting.pk}/meeting.docx")
    assert response.status_code == 200
    section = Document(io.BytesIO(response.content)).sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5)


def test_the_pack_and_the_page_have_a_risk_section(meeting, people, client):
    """负面清单 风险管控: open records by level, opened this week, reaching 触发 this week, overdue."""
    from wenming.demo.evaluation import evaluation_demo_build
    from wenming.evaluation.models import Criterion, Edition, RiskLevel, SignalKind
    from wenming.evaluation.services.risk import risk_signal_record

    evaluation_demo_build()
    demo_framework = Edition.objects.get(code="DEMO-2026")

    week = dt.datetime(2026, 3, 3, 10, 0, tzinfo=dt.UTC)
    a, b = Criterion.objects.filter(edition=demo_framework).order_by("pk")[:2]
    risk_signal_record(criterion_id=a.pk, kind=SignalKind.MEDIA_REPORT, source_id="w1", level=RiskLevel.TRIGGERED,
                       now=week)
    risk_signal_record(criterion_id=b.pk, kind=SignalKind.MEDIA_REPORT, source_id="w2", level=RiskLevel.WATCH,
                       now=week - dt.timedelta(days=30))
    doc = Document(io.BytesIO(meeting_docx(meeting, now=PRINTED)))
    assert "Negative-list risks" in [p.text for p in doc.paragraphs]
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Open risk records at 触发")
    # Open: one 触发, no 预警, one 关注; one opened this week and reaching 触发; both past their deadlines by now.
    assert [c.text for c in table.rows[1].cells] == ["1", "0", "1", "1", "1", "2"]
    book = load_workbook(io.BytesIO(meeting_xlsx(meeting)))
    sheet = book["Negative-list risks"]
    assert [c.value for c in sheet[2]] == [1, 0, 1, 1, 1, 2]
    client.force_login(people["zhiban"])
    page = client.get(f"/campaign/meetings/{meeting.pk}/")
    assert page.status_code == 200 and 'id="meeting-risks"' in page.content.decode()
