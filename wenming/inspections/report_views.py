"""The round report (Word) and the trends across rounds.

Same access as the round page and the round list: a round is read through ``get_or_404``/``restrict``, so a
planned round is its planners' only (404 to everyone else) and a released one every office role's."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from wenming.common.access import can, get_or_404, restrict
from wenming.common.db_router import replica_reads
from wenming.common.files import content_disposition
from wenming.common.tabular import DOCX
from wenming.inspections.models import Round
from wenming.inspections.services.actions import can_plan
from wenming.inspections.services.round_report import round_report_docx
from wenming.inspections.trend_selectors import inspection_trends


@require_safe
@login_required
def round_report(request, pk: int):
    round_ = get_or_404(Round.objects.all(), request.user, pk=pk)
    response = HttpResponse(round_report_docx(round_=round_), content_type=DOCX)
    # The code is the planners' own (letters, digits, dashes); content_disposition makes anything else safe.
    response["Content-Disposition"] = content_disposition(
        "attachment", f"{round_.code}-{_('inspection report')}.docx", fallback=f"{round_.code}-report.docx")
    return response


def _chart(trends, series, title: str, unit: str) -> dict:
    """What inspection_trends.js draws: one line per series, the rounds along the bottom."""
    return {"title": title, "unit": unit, "rounds": [r.code for r in trends.rounds],
            "series": [{"name": s.name, "data": [None if v is None else float(v) for v in s.values]}
                       for s in series]}


@replica_reads
@require_safe
@login_required
def trends(request):
    if not can(request.user, Round):
        raise Http404
    data = inspection_trends(rounds=restrict(Round.objects.all(), request.user))
    charts = [
        ("district", _("Score by district across rounds"), _("score (points)"), data.districts),
        ("unit", _("Score by unit across rounds"), _("score (points)"), data.units),
        ("type", _("City pass rate by site type across rounds"), _("pass rate (%)"), data.site_types),
    ]
    return render(request, "inspections/trends.html", {
        "trends": data, "planner": can_plan(request.user),
        "charts": [{"key": key, "data_id": f"trend-data-{key}", "title": title, "unit": unit, "series": series,
                    "data": _chart(data, series, title, unit)} for key, title, unit, series in charts],
    })
