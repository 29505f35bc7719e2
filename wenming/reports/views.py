"""Downloads of the weekly meeting pack: the Word document and the figures as XLSX."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from wenming.campaign.models import Meeting
from wenming.common.access import get_or_404
from wenming.common.db_router import replica_reads
from wenming.common.files import content_disposition
from wenming.common.tabular import DOCX, XLSX
from wenming.reports.meeting import meeting_docx, meeting_xlsx


def _download(content: bytes, content_type: str, meeting: Meeting, extension: str) -> HttpResponse:
    """Saved as 周例会-<week>.<ext> in Chinese, with the English name for clients that cannot read RFC 5987."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(
        "attachment", f"{_('weekly meeting')}-{meeting.week_start}.{extension}",
        fallback=f"weekly-meeting-{meeting.week_start}.{extension}")
    return response


@require_safe
@login_required
def meeting_word(request, pk: int):
    meeting = get_or_404(Meeting.objects.select_related("campaign"), request.user, pk=pk)
    return _download(meeting_docx(meeting), DOCX, meeting, "docx")


@replica_reads
@require_safe
@login_required
def meeting_figures(request, pk: int):
    meeting = get_or_404(Meeting.objects.select_related("campaign"), request.user, pk=pk)
    return _download(meeting_xlsx(meeting), XLSX, meeting, "xlsx")
