"""What leaves the platform: the service-record export in the column layout national volunteer systems
(志愿服务信息系统) import (docs/volunteers.md has the mapping), and a volunteer's certificate of hours (PDF)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from openpyxl import Workbook

from wenming.common.tabular import csv_row, xlsx_row
from wenming.volunteers.errors import VolunteerError
from wenming.volunteers.models import RecordState, ServiceRecord, Theme, Volunteer

# The national system's import columns, in its order (the headers are its own, in Chinese, whatever the UI
# language: the receiving system matches them by name).
EXPORT_COLUMNS = ("志愿者姓名", "证件类型", "证件号码", "手机号码", "服务时长(小时)", "活动名称", "服务日期",
                  "组织名称", "服务类别", "记录状态", "记录编号")
STATE_NAMES = {RecordState.RECORDED: "待确认", RecordState.CONFIRMED: "已确认"}
THEME_NAMES = {Theme.TRAFFIC: "文明交通劝导", Theme.HAND_IN_HAND: "小手拉大手", Theme.CLEAN: "清洁家园",
               Theme.CARE: "关爱帮扶", Theme.PUBLICITY: "文明宣传", Theme.OTHER: "其他"}
CJK_FONT_INDEX = 2  # Noto Sans CJK's collection: JP, KR, SC, TC, HK — SC (simplified Chinese) is the third


def _row(record: ServiceRecord) -> list:
    v = record.volunteer
    return [v.name, "居民身份证" if v.id_number_masked else "", v.id_number_masked, v.phone_masked, record.hours,
            record.activity.title, record.service_date, record.organisation.name, THEME_NAMES.get(record.theme, ""),
            STATE_NAMES.get(record.state, ""), f"WM-{record.pk:08d}"]


def records_csv(records) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for record in records.iterator(chunk_size=2000):
        writer.writerow(csv_row(_row(record)))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM: spreadsheet programs read UTF-8 as such


def records_xlsx(records) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("服务记录")
    sheet.append(xlsx_row(sheet, EXPORT_COLUMNS))
    for record in records.iterator(chunk_size=2000):
        sheet.append(xlsx_row(sheet, _row(record)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def certificate_pdf(*, volunteer: Volunteer, records: list[ServiceRecord], city: str,
                    now: dt.datetime | None = None) -> bytes:
    """志愿服务时长证明: the confirmed hours only, each activity listed; a verification number from the records."""
    now = now or timezone.now()
    confirmed = [r for r in records if r.state == RecordState.CONFIRMED]
    total = sum((r.hours for r in confirmed), Decimal(0))
    font = Path(settings.WENMING_CJK_FONT)
    if not font.is_file():  # a machine without the font answers with what to install, not a server error
        raise VolunteerError(_("The certificate needs a Chinese font: install fonts-noto-cjk or set WENMING_CJK_FONT "
                               "to a CJK font file."))
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    if font.suffix == ".ttc":
        pdf.add_font("cjk", "", str(font), collection_font_number=CJK_FONT_INDEX)
    else:
        pdf.add_font("cjk", "", str(font))
    pdf.add_page()
    pdf.set_font("cjk", size=22)
    pdf.cell(0, 16, "志愿服务时长证明", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=12)
    pdf.ln(4)
    lines = [
        f"兹证明 {volunteer.name}（手机 {volunteer.phone_masked}"
        + (f"，证件号码 {volunteer.id_number_masked}" if volunteer.id_number_masked else "") + "）",
        f"在{city}参加志愿服务，经组织方确认的服务时长累计 {total} 小时，共 {len(confirmed)} 次。",
    ]
    for line in lines:
        pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (30, 70, 60, 25)
    pdf.set_font("cjk", size=10)
    for text, width in zip(("服务日期", "活动名称", "组织名称", "时长(小时)"), widths, strict=True):
        pdf.cell(width, 8, text, border=1)
    pdf.ln()
    for r in confirmed:
        for text, width in zip((r.service_date.isoformat(), r.activity.title[:24], r.organisation.name[:20],
                                str(r.hours)), widths, strict=True):
            pdf.cell(width, 8, text, border=1)
        pdf.ln()
    pdf.ln(6)
    pdf.set_font("cjk", size=10)
    pdf.multi_cell(0, 7, f"出具时间：{timezone.localtime(now):%Y-%m-%d %H:%M}。依据《志愿服务条例》，服务记录由志愿服务组织"
                         "如实记录并确认。", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
