"""The weekly meeting pack: a Word document the office prints, and the figures as an XLSX workbook.

Both are written from the agenda figures stored on the meeting (``Meeting.agenda``), its minutes and its
decisions (supervision items), so the printed pack and the page show the same numbers.
"""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Font

from wenming.campaign.models import Meeting, TaskStatus
from wenming.campaign.services.tasks import task_status
from wenming.common.tabular import text_cell, xlsx_row


def _sections(meeting: Meeting) -> list[tuple[str, list[str], list[list]]]:
    """(title, header, rows) for every table of the pack."""
    a = meeting.agenda
    statuses = list(TaskStatus)
    return [
        (_("Task forces"), [_("Task force"), _("Leader"), _("Tasks")] + [str(s.label) for s in statuses],
         [[f["name"], f["leader"], f["total"]] + [f.get(str(s), 0) for s in statuses] for f in a.get("task_forces", [])]),
        (_("Lagging and overdue tasks"), [_("Code"), _("Task"), _("Lead unit"), _("Status"), _("Value"), _("Target"), _("Deadline")],
         [[t["code"], t["title"], t["lead_unit"], t["status_label"], t["value"], t["target"], t["due_on"]]
          for t in a.get("problem_tasks", [])]),
        (_("Open supervision items"), [_("Code"), pgettext("meeting", "Decision"), _("Owner"), _("Status"), _("Deadline")],
         [[t["code"], t["title"], t["lead_unit"], t["status_label"], t["due_on"]] for t in a.get("supervision", [])]),
        (_("Cases by action"), [_("Action"), _("New this week"), _("Overdue")],
         [[f'{r["code"]} {r["name"]}', r["new"], r["overdue"]] for r in a.get("by_action", [])]),
        (_("Sites with the most cases"), [_("Site"), _("Area"), _("Cases")],
         [[r["name"], r["area"], r["cases"]] for r in a.get("sites", [])]),
        (_("Grids with the most cases"), [_("Grid"), _("Code"), _("Cases")],
         [[r["name"], r["code"], r["cases"]] for r in a.get("grids", [])]),
        (_("Units by on-time handling rate"), [_("Unit"), _("Handled"), _("On time"), _("Rate (%)")],
         [[r["unit"], r["handled"], r["on_time"], r["rate"]] for r in a.get("ranking", [])]),
    ]


def _decisions(meeting: Meeting) -> list[list]:
    rows = []
    for task in meeting.decisions.select_related("lead_unit", "owner").prefetch_related("milestones"):
        owner = task.lead_unit.name if task.lead_unit_id else str(task.owner or "")
        rows.append([task.code, task.title, owner, task.due_on.isoformat() if task.due_on else "",
                     str(TaskStatus(task_status(task)).label)])
    return rows


def meeting_docx(meeting: Meeting) -> bytes:
    a = meeting.agenda
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(10.5)
    # Chinese text in the printed pack: an East Asian font Word has on office machines (宋体).
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    heading = doc.add_heading(_("Weekly meeting of the civilized-city command"), level=0)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # Typed text goes through text_cell: a control character in it would make python-docx refuse the pack.
    doc.add_paragraph(text_cell(_("%(campaign)s · week %(start)s to %(end)s · figures as of %(as_of)s") % {
        "campaign": a.get("campaign", ""), "start": a.get("week_start", ""), "end": a.get("week_end", ""), "as_of": a.get("as_of", "")}))
    if meeting.chair:
        doc.add_paragraph(text_cell(_("Chaired by: %(chair)s") % {"chair": meeting.chair}))
    totals = a.get("totals", {})
    doc.add_paragraph(_("%(tasks)s tasks: %(behind)s behind plan, %(overdue)s overdue; %(new)s new cases this week; "
                        "%(sup)s open supervision items.") % {
        "tasks": totals.get("tasks", 0), "behind": totals.get("behind", 0), "overdue": totals.get("overdue", 0),
        "new": totals.get("new_cases", 0), "sup": totals.get("supervision_open", 0)})
    for title, header, rows in _sections(meeting):
        doc.add_heading(title, level=1)
        _table(doc, header, rows)
    doc.add_heading(_("Minutes"), level=1)
    for line in (meeting.minutes or _("(not yet recorded)")).splitlines():
        doc.add_paragraph(text_cell(line))
    doc.add_heading(_("Decisions (supervision items)"), level=1)
    _table(doc, [_("Code"), pgettext("meeting", "Decision"), _("Owner"), _("Deadline"), _("Status")], _decisions(meeting))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _table(doc, header: list[str], rows: list[list]) -> None:
    if not rows:
        doc.add_paragraph(_("None."))
        return
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = text_cell(value)


def meeting_xlsx(meeting: Meeting) -> bytes:
    wb = Workbook(write_only=False)
    wb.remove(wb.active)
    for title, header, rows in [*_sections(meeting),
                                (_("Decisions (supervision items)"), [_("Code"), pgettext("meeting", "Decision"), _("Owner"), _("Deadline"), _("Status")],
                                 _decisions(meeting))]:
        ws = wb.create_sheet(re.sub(r"[\\/?*\[\]:]", " ", title)[:31])
        ws.append(xlsx_row(ws, header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(xlsx_row(ws, row))  # typed text never becomes a formula
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
