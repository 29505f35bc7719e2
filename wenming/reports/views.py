"""Downloads of the weekly meeting pack: the Word document and the figures as XLSX."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from wenming.campaign.models import Meeting
from wenming.common.access import get_or_404
from wenming.reports.meeting import meeting_docx, meeting_xlsx

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@login_required
def meeting_word(request, pk: int):
    meeting = get_or_404(Meeting.objects.select_related("campaign"), request.user, pk=pk)
    return _download(meeting_docx(meeting), DOCX, f"weekly-meeting-{meeting.week_start}.docx")


@require_safe
@login_required
def meeting_figures(request, pk: int):
    meeting = get_or_404(Meeting.objects.select_related("campaign"), request.user, pk=pk)
    return _download(meeting_xlsx(meeting), XLSX, f"weekly-meeting-{meeting.week_start}.xlsx")
