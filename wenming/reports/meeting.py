"""The weekly meeting pack: a Word document the office prints, and the figures as an XLSX workbook.

Both are written from the agenda figures stored on the meeting (``Meeting.agenda``), its minutes and its
decisions (supervision items), so the printed pack and the page show the same numbers.

The pack is printed on A4 (portrait, 2 cm margins; every table fits the 17 cm between them, its header row repeated
on each page). Times are Beijing time whatever the server's zone, and say so: the agenda stores its "figures as
of" time as an ISO string with its offset, which the pack converts. Every column that counts says what it counts
and in which unit (件 cases, 项 tasks), so a table read on its own is not misread.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from wenming.campaign.models import Meeting, TaskStatus
from wenming.campaign.services.tasks import task_status
from wenming.common.tabular import text_cell, xlsx_row
from wenming.evaluation.risk_selectors import week_section
from wenming.evaluation.services.forecast import forecast_week

BEIJING = ZoneInfo("Asia/Shanghai")
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = Mm(210), Mm(297), Mm(20)
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
# Fonts an office machine has (Word substitutes its own where it lacks one): 宋体 for text, 黑体 for headings.
BODY_FONT, HEADING_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"
TABLE_STYLE = "Pack table"


@dataclass(frozen=True)
class Column:
    header: str
    weight: float = 1.0  # its share of the text width
    number: bool = False  # a count or a rate: centred


def beijing_time(value: dt.datetime) -> str:
    """A moment as the pack prints it: the locale's date and time in Beijing, with the zone named."""
    local = value.astimezone(BEIJING)
    return _("%(time)s Beijing time") % {"time": formats.date_format(local, "DATETIME_FORMAT")}


def _stored_time(text: str) -> str:
    """An agenda's stored ISO time in Beijing time; a value that is not one is shown as stored."""
    try:
        value = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return text_cell(text)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return beijing_time(value)


def _day(text: str) -> str:
    """A stored ISO date in the locale's words (2026年3月9日); anything else as stored."""
    try:
        return formats.date_format(dt.date.fromisoformat(text), "DATE_FORMAT")
    except (TypeError, ValueError):
        return text_cell(text)


def _amount(value) -> str:
    """A task's value or target: 12 rather than 12.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return text_cell(value)


def _status_columns() -> list[Column]:
    # Whole sentences per status, so each reads naturally once translated.
    headers = {
        TaskStatus.NOT_STARTED: _("Tasks not started"), TaskStatus.ON_TRACK: _("Tasks in progress"),
        TaskStatus.BEHIND: _("Tasks behind plan"), TaskStatus.DONE: _("Tasks completed"),
        TaskStatus.OVERDUE: _("Tasks overdue"),
    }
    return [Column(headers[s], 0.9, True) for s in TaskStatus]


def _sections(meeting: Meeting) -> list[tuple[str, list[Column], list[list]]]:
    """(title, columns, rows) for every table of the pack."""
    a = meeting.agenda
    statuses = list(TaskStatus)
    return [
        (_("Task forces"), [Column(_("Task force"), 2.4), Column(_("Leader"), 2.2), Column(_("Tasks in all"), 0.9, True),
                            *_status_columns()],
         [[f["name"], f["leader"], f["total"]] + [f.get(str(s), 0) for s in statuses] for f in a.get("task_forces", [])]),
        (_("Lagging and overdue tasks"),
         [Column(_("Code"), 1.2), Column(_("Task"), 3.2), Column(_("Lead unit"), 2.2), Column(_("Status"), 0.9),
          Column(_("Done so far"), 0.9, True), Column(_("Target amount"), 0.9, True), Column(_("Deadline"), 2)],
         [[t["code"], t["title"], t["lead_unit"], t["status_label"], _amount(t["value"]), _amount(t["target"]),
           _day(t["due_on"])] for t in a.get("problem_tasks", [])]),
        (_("Open supervision items"),
         [Column(_("Code"), 1.4), Column(pgettext("meeting", "Decision"), 4), Column(_("Owner"), 2.2),
          Column(_("Status"), 1), Column(_("Deadline"), 2)],
         [[t["code"], t["title"], t["lead_unit"], t["status_label"], _day(t["due_on"])] for t in a.get("supervision", [])]),
        (_("Cases by action"),
         [Column(_("Action"), 3.4), Column(_("New cases reported this week"), 1.6, True),
          Column(_("Open cases past their deadline"), 1.6, True)],
         [[f'{r["code"]} {r["name"]}', r["new"], r["overdue"]] for r in a.get("by_action", [])]),
        (_("Sites with the most cases"),
         [Column(_("Site"), 3), Column(_("Area"), 2), Column(_("Cases reported this week"), 1.4, True)],
         [[r["name"], r["area"], r["cases"]] for r in a.get("sites", [])]),
        (_("Grids with the most cases"),
         [Column(_("Grid"), 3), Column(_("Code"), 2), Column(_("Cases reported this week"), 1.4, True)],
         [[r["name"], r["code"], r["cases"]] for r in a.get("grids", [])]),
        (_("Units by on-time handling rate"),
         [Column(_("Unit"), 3), Column(_("Cases reported handled this week"), 1.4, True),
          Column(_("Of which by the handling deadline"), 1.4, True), Column(_("On-time handling rate (%)"), 1.2, True)],
         [[r["unit"], r["handled"], r["on_time"], r["rate"]] for r in a.get("ranking", [])]),
    ]


def meeting_risk_week(meeting: Meeting, *, now: dt.datetime | None = None) -> dict:
    """The risk section's figures for the meeting's week (负面清单 风险管控). Read when the pack is written: the risk
    watch is the evaluation app's and the stored agenda is the campaign's, which does not read it."""
    start = dt.datetime.combine(meeting.week_start, dt.time.min, tzinfo=timezone.get_current_timezone())
    return week_section(start=start, end=start + dt.timedelta(days=7), now=now)


def _risk_section(meeting: Meeting, *, now: dt.datetime | None = None) -> tuple[str, list[Column], list[list]]:
    """One row, city-wide counts only (the pack is read by every office role; the records are not all theirs)."""
    r = meeting_risk_week(meeting, now=now)
    return (_("Negative-list risks"),
            [Column(_("Open risk records at 触发"), 1, True), Column(_("Open risk records at 预警"), 1, True),
             Column(_("Open risk records at 关注"), 1, True), Column(_("Risk records opened this week"), 1, True),
             Column(_("Risk records reaching 触发 this week"), 1, True),
             Column(_("Open risk records past their response deadline"), 1, True)],
            [[r["open"]["triggered"], r["open"]["warning"], r["open"]["watch"], r["new"], r["triggered"],
              r["overdue"]]])


def _signed(x: float) -> str:
    return f"{x:+.2f}"


def _forecast_section(meeting: Meeting, *, now: dt.datetime | None = None) -> tuple[str, list[Column], list[list]]:
    """The mock evaluation at the end of the meeting's week and its change since the week before: the overall score
    and each 测评项目 (city-wide figures, as the risk section)."""
    lines = forecast_week(week_start=meeting.week_start, now=now)
    return (_("Mock evaluation: the forecast and its change since last week"),
            [Column(_("Evaluation project"), 2.5), Column(_("Full points"), 1, True),
             Column(_("Forecast (points)"), 1, True), Column(_("Band (points)"), 1.4, True),
             Column(_("A week before (points)"), 1, True), Column(_("Change (points)"), 1, True)],
            [[f"{line.code} {line.name}".strip(), f"{line.points:.2f}", f"{line.now:.2f}",
              f"{line.low:.2f} – {line.high:.2f}", f"{line.before:.2f}", _signed(line.delta)] for line in lines])


def _decision_columns() -> list[Column]:
    return [Column(_("Code"), 1.4), Column(pgettext("meeting", "Decision"), 4), Column(_("Owner"), 2.2),
            Column(_("Deadline"), 2), Column(_("Status"), 1)]


def _decisions(meeting: Meeting) -> list[list]:
    rows = []
    for task in meeting.decisions.select_related("lead_unit", "owner").prefetch_related("milestones"):
        owner = task.lead_unit.name if task.lead_unit_id else str(task.owner or "")
        rows.append([task.code, task.title, owner, _day(task.due_on.isoformat()) if task.due_on else "",
                     str(TaskStatus(task_status(task)).label)])
    return rows


def _heading(a: dict) -> tuple[str, str]:
    """The pack's title line and the line under it (campaign, week, the figures' time in Beijing time)."""
    subtitle = _("%(campaign)s · week %(start)s to %(end)s · figures as of %(as_of)s") % {
        "campaign": a.get("campaign", ""), "start": _day(a.get("week_start", "")), "end": _day(a.get("week_end", "")),
        "as_of": _stored_time(a.get("as_of", ""))}
    return _("Weekly meeting of the civilized-city command"), text_cell(subtitle)


# -- Word ---------------------------------------------------------------------------------------------------------

def _fonts(style, *, east_asian: str, size: float, bold: bool = False) -> None:
    style.font.name = LATIN_FONT
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    _fonts(normal, east_asian=BODY_FONT, size=10.5)  # 五号
    normal.paragraph_format.space_after = Pt(4)
    for name, size in (("Title", 18), ("Heading 1", 14)):
        style = doc.styles[name]
        _fonts(style, east_asian=HEADING_FONT, size=size, bold=True)
        style.paragraph_format.space_before = Pt(12 if name == "Heading 1" else 0)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
        # Word's Title draws a coloured rule under itself; a printed government pack has none.
        border = style.element.pPr.find(qn("w:pBdr")) if style.element.pPr is not None else None
        if border is not None:
            style.element.pPr.remove(border)
    table_text = doc.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = normal
    _fonts(table_text, east_asian=BODY_FONT, size=9)  # 小五
    table_text.paragraph_format.space_before = table_text.paragraph_format.space_after = Pt(1)


def _page(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = MARGIN
    section.header_distance = section.footer_distance = Mm(10)


def _field(paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) that the word processor fills in when it lays the pages out."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == code:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {code} "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def _footer(doc, printed: str) -> None:
    """"Page 1 of 3" centred, and when it was printed, in Beijing time."""
    footer = doc.sections[0].footer
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.style = doc.styles[TABLE_STYLE]
    # The translated sentence decides where the two numbers go.
    for part in re.split(r"(%\(page\)s|%\(pages\)s)", _("Page %(page)s of %(pages)s")):
        if part == "%(page)s":
            _field(paragraph, "PAGE")
        elif part == "%(pages)s":
            _field(paragraph, "NUMPAGES")
        elif part:
            paragraph.add_run(part)
    paragraph.add_run("    " + _("Printed %(time)s") % {"time": printed})


def _cell_shade(cell, fill: str) -> None:
    shade = OxmlElement("w:shd")
    shade.set(qn("w:val"), "clear")
    shade.set(qn("w:color"), "auto")
    shade.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shade)


def _row_flag(row, tag: str) -> None:
    flag = OxmlElement(tag)
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _table(doc, columns: list[Column], rows: list[list]) -> None:
    """The packs' table (the meeting pack, the round report): a grid with set widths, the shaded header repeated on
    each page, rows never split. The cell style is set by its id: python-docx's ``paragraph.style = …`` searches
    the styles part twice per cell, which made a 200-unit table take 15 s (docs/benchmarks.md)."""
    if not rows:
        doc.add_paragraph(_("None."))
        return
    style_id = doc.styles[TABLE_STYLE].style_id
    total = sum(c.weight for c in columns)
    widths = [int(TEXT_WIDTH * c.weight / total) for c in columns]
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the grid LibreOffice lays out by; Word reads each cell's width

    def fill(cell, width, text, *, centre: bool, bold: bool = False) -> None:
        cell.width = width
        paragraph = cell.paragraphs[0]
        paragraph._p.get_or_add_pPr().style = style_id
        if centre:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        # Typed text goes through text_cell: a control character in it would make python-docx refuse the pack.
        paragraph.add_run(text_cell(text)).bold = bold or None

    header = table.rows[0]
    _row_flag(header, "w:tblHeader")  # repeated at the top of every page the table runs onto
    _row_flag(header, "w:cantSplit")
    for cell, column, width in zip(header.cells, columns, widths, strict=True):
        fill(cell, width, column.header, centre=True, bold=True)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _cell_shade(cell, "E7E6E6")
    for values in rows:
        row = table.add_row()
        _row_flag(row, "w:cantSplit")  # a row is never cut in two by a page break
        for cell, column, width, value in zip(row.cells, columns, widths, values, strict=True):
            fill(cell, width, value, centre=column.number)


def meeting_docx(meeting: Meeting, *, now: dt.datetime | None = None) -> bytes:
    a = meeting.agenda
    doc = Document()
    _page(doc)
    _styles(doc)
    _footer(doc, beijing_time(now or timezone.now()))
    title, subtitle = _heading(a)
    doc.add_paragraph(title, style="Title").alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(subtitle).alignment = WD_ALIGN_PARAGRAPH.CENTER
    if meeting.chair:
        doc.add_paragraph(text_cell(_("Chaired by: %(chair)s") % {"chair": meeting.chair})).alignment = (
            WD_ALIGN_PARAGRAPH.CENTER)
    totals = a.get("totals", {})
    doc.add_paragraph(_("%(tasks)s tasks: %(behind)s behind plan, %(overdue)s overdue; %(new)s new cases this week; "
                        "%(sup)s open supervision items.") % {
        "tasks": totals.get("tasks", 0), "behind": totals.get("behind", 0), "overdue": totals.get("overdue", 0),
        "new": totals.get("new_cases", 0), "sup": totals.get("supervision_open", 0)})
    for title, columns, rows in [*_sections(meeting), _risk_section(meeting, now=now),
                                 _forecast_section(meeting, now=now)]:
        doc.add_heading(title, level=1)
        _table(doc, columns, rows)
    doc.add_heading(_("Minutes"), level=1)
    for line in (meeting.minutes or _("(not yet recorded)")).splitlines():
        doc.add_paragraph(text_cell(line))
    doc.add_heading(_("Decisions (supervision items)"), level=1)
    _table(doc, _decision_columns(), _decisions(meeting))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -- XLSX ---------------------------------------------------------------------------------------------------------

def _sheet_page(ws: Worksheet, columns: list[Column]) -> None:
    """Printed like the pack: A4, as wide as the page, the header row on every page; columns as wide as their
    share of the page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    total = sum(c.weight for c in columns)
    for index, column in enumerate(columns):
        ws.column_dimensions[get_column_letter(index + 1)].width = max(10, round(90 * column.weight / total))


def _row_heights(ws: Worksheet) -> None:
    """Each row as tall as its longest wrapped cell: spreadsheet programs do not grow rows on opening a file, so a
    wrapped name would print cut off. A column holds about its width in Latin characters, half as many Chinese."""
    for cells in ws.iter_rows():
        lines = 1
        for cell in cells:
            text = "" if cell.value is None else str(cell.value)
            units = sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)
            room = max(1, int(ws.column_dimensions[cell.column_letter].width or 10) - 1)
            lines = max(lines, math.ceil(units / room))
        ws.row_dimensions[cells[0].row].height = 15 * lines


def meeting_xlsx(meeting: Meeting) -> bytes:
    wb = Workbook(write_only=False)
    wb.remove(wb.active)
    title, subtitle = _heading(meeting.agenda)
    for sheet_title, columns, rows in [*_sections(meeting), _risk_section(meeting), _forecast_section(meeting),
                                       (_("Decisions (supervision items)"), _decision_columns(), _decisions(meeting))]:
        ws = wb.create_sheet(re.sub(r"[\\/?*\[\]:]", " ", sheet_title)[:31])
        ws.append(xlsx_row(ws, [c.header for c in columns]))
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        for row in rows:
            ws.append(xlsx_row(ws, row))  # typed text never becomes a formula
        _sheet_page(ws, columns)
        # Long names wrap inside their column instead of running over the next one on paper.
        wrap = {index: Alignment(wrap_text=True, vertical="top", horizontal="center" if c.number else None)
                for index, c in enumerate(columns)}
        for cells in ws.iter_rows(min_row=2):
            for index, cell in enumerate(cells):
                cell.alignment = wrap[index]
        _row_heights(ws)
        # "&" starts a code in a printed header (&P is the page number): a literal one is doubled.
        ws.oddHeader.center.text = text_cell(f"{title} {subtitle}")[:200].replace("&", "&&")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
