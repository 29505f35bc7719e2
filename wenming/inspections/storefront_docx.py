"""The storefront notice (告知书) as a Word file, A4, for offices that print and stamp from Word: the same text as
the print page (``storefront_notice.html``), in 仿宋 with a 黑体 title, the Chinese fonts set as East Asian fonts (Word
otherwise falls back to a Latin font for CJK)."""

from __future__ import annotations

import io

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from wenming.inspections.models import StorefrontNotice
from wenming.inspections.services.storefront import STANDARD

BODY_FONT, TITLE_FONT, LATIN_FONT = "仿宋", "黑体", "Times New Roman"


def _run(paragraph, text: str, *, font: str = BODY_FONT, size: float = 14, bold: bool = False):
    run = paragraph.add_run(text)
    run.font.name, run.font.size, run.font.bold = LATIN_FONT, Pt(size), bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def _date(value) -> str:
    return formats.date_format(value, "Y年n月j日")


def notice_docx(notice: StorefrontNotice) -> bytes:
    shop = notice.shop
    items = {i.duty: i for i in notice.source_check.items.all()}
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(26)
    section.top_margin = section.bottom_margin = Mm(25)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, _("“Five duties in front of the door” rectification notice"), font=TITLE_FONT, size=20, bold=True)
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(number, _("No. %(n)s") % {"n": notice.number}, size=12)
    _run(doc.add_paragraph(), f"{shop.shop_name}（{_('responsible person')}：{shop.keeper_name or '　　　　'}）：")
    issued = timezone.localtime(notice.issued_at)
    _run(doc.add_paragraph(), _("On %(when)s our staff checked the storefront duties of your shop at %(address)s and "
                                "found that the following duties were not complied with:")
         % {"when": _date(issued), "address": shop.address or shop.code})
    for n, duty in enumerate(notice.duties, 1):
        p = doc.add_paragraph()
        _run(p, f"{n}. {STANDARD[duty]}")  # the standard's wording starts with the duty's name
        item = items.get(duty)
        if item is not None and item.note:
            _run(p, f"（{_('Found')}：{item.note}）")
    _run(doc.add_paragraph(), _(
        "Under your storefront duty agreement, please fix the above within %(days)s working days, by %(due)s. We will "
        "check again after the deadline; if it is not fixed, the matter will be filed as a case and handled according "
        "to the rules.") % {"days": notice.fix_days, "due": _date(notice.due_on)})
    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(sign, f"{_('Supervising unit')}：{notice.supervising_unit.name}\n{_date(issued)}")
    doc.add_paragraph()
    _run(doc.add_paragraph(), f"{_('Received by (signature)')}：＿＿＿＿＿＿　{_('Date')}：＿＿＿＿＿＿")
    _run(doc.add_paragraph(), f"{_('Served by (signature)')}：＿＿＿＿＿＿　{_('Witness')}：＿＿＿＿＿＿")
    _run(doc.add_paragraph(), _("In two copies: one for the shop, one kept by the supervising unit."), size=10.5)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
