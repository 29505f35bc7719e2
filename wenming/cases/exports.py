"""Any filtered case list as XLSX or CSV: the same rows the list shows, through the same access path.

CSV is streamed with a UTF-8 byte-order mark so Excel reads the Chinese right; XLSX is written in
openpyxl's write-only mode. The view refuses lists longer than ``MAX_ROWS`` with a message. Every cell goes
through ``wenming.common.tabular``: an address typed as a formula stays text in the office's Excel.
"""

from __future__ import annotations

import csv
import io
from itertools import islice

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from wenming.common.files import content_disposition
from wenming.common.tabular import XLSX, csv_row, xlsx_row

MAX_ROWS = 100_000
CHUNK = 2000


def header() -> list[str]:
    return [_("Number"), _("Tracking code"), _("Channel"), _("State"), _("Category"), _("Urgency"), _("Unit"), _("Grid"),
            _("Address"), _("Reported at"), _("Handling due"), _("Overdue")]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def rows(queryset, *, now=None, tracking: bool = False):
    """One list per case, in the list's order (at most ``MAX_ROWS``); the tracking code only for the
    command centre (``tracking``)."""
    now = now or timezone.now()
    yes, no = _("yes"), _("no")
    # The list may be a queryset or the overdue-first sequence: both iterate in chunks.
    for case in islice(queryset.iterator(chunk_size=CHUNK), MAX_ROWS):
        yield [
            case.number, case.tracking_code if tracking else "", case.get_channel_display(), case.get_state_display(),
            str(case.category) if case.category else "", case.get_urgency_display(),
            case.unit.name if case.unit else "", str(case.grid) if case.grid else "", case.address,
            _when(case.reported_at), _when(case.handle_due), yes if case.is_overdue(now) else no,
        ]


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a streaming response."""

    def write(self, value):
        return value


def _disposition(fmt: str) -> str:
    """Saved as 案件-<time>.<fmt> in Chinese, with the English name for clients that cannot read RFC 5987."""
    stamp = f"{timezone.localtime():%Y%m%d-%H%M}"
    return content_disposition("attachment", f"{_('cases')}-{stamp}.{fmt}", fallback=f"cases-{stamp}.{fmt}")


def export_response(queryset, *, fmt: str, tracking: bool = False):
    if fmt == "csv":
        writer = csv.writer(_Echo())
        language = translation.get_language()

        def stream():
            # The rows are read while the response is sent, after the view returned: keep its language.
            with translation.override(language):
                yield "\ufeff"  # Excel needs the BOM to read UTF-8
                yield writer.writerow(csv_row(header()))
                for row in rows(queryset, tracking=tracking):
                    yield writer.writerow(csv_row(row))

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Cases"))
        sheet.append(xlsx_row(sheet, header()))
        for row in rows(queryset, tracking=tracking):
            sheet.append(xlsx_row(sheet, row))
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
    else:
        raise ValueError(fmt)
    response["Content-Disposition"] = _disposition(fmt)
    return response
