"""The field staff's phone pages (随手拍 for staff): grid workers and inspectors report a problem with photos and a
pin, then follow their reports in 我的上报.

Thin like the other case views: the form validates, ``case_intake`` takes the report in on the person's own
channel (the grid patrol or the undercover inspection), and the list reads through ``restrict``, which lets a
person see what they reported even outside their scope. Who reported stays the command centre's to know: the
case page and the API never name an inspector to a unit.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from wenming.cases import selectors
from wenming.cases.field_forms import FieldReportForm
from wenming.cases.models import CaseState, Evidence
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import WorkflowError
from wenming.common.input import db_id
from wenming.common.pagination import paginate
from wenming.org.models import Area
from wenming.org.selectors import field_outlines

S = CaseState
PAGE_SIZE = 20  # a phone's screenful or two
# Marks the report event (beside the channel) as sent from this page, as an API key marks a system's posts.
SOURCE = {"form": "field"}
# The outlines of a person's own patch (their grids, their community), as ``field_outlines`` names them.
OWN_KINDS = frozenset({"grid", "community"})

# Each state as field staff follow it: in plain words, with what comes next.
PROGRESS = {
    S.REPORTED: gettext_lazy("Waiting for the command centre to accept it"),
    S.REGISTERED: gettext_lazy("Accepted; waiting to be dispatched to a unit"),
    S.DISPATCHED: gettext_lazy("Dispatched; waiting for the unit to sign for it"),
    S.RETURN_REQUESTED: gettext_lazy("The unit says it is not theirs; the command centre decides"),
    S.HANDLING: gettext_lazy("The unit is fixing it"),
    S.SHELVED: gettext_lazy("Scheduled as longer-term work"),
    S.SUBMITTED: gettext_lazy("The unit reports it fixed; waiting for the check on site"),
    S.VERIFIED: gettext_lazy("Checked on site; waiting to be closed"),
    S.CLOSED: gettext_lazy("Closed"),
    S.REJECTED: gettext_lazy("Not accepted"),
    S.VOIDED: gettext_lazy("Cancelled"),
    S.MERGED: gettext_lazy("Merged with an earlier report of the same problem"),
}
# How far along the usual way a state is (reported → accepted → dispatched → fixing → checked → closed).
STEPS = 5
STEP = {S.REPORTED: 0, S.REGISTERED: 1, S.DISPATCHED: 2, S.RETURN_REQUESTED: 2, S.HANDLING: 3, S.SHELVED: 3,
        S.SUBMITTED: 4, S.VERIFIED: 4, S.CLOSED: 5}


def _centre(user) -> tuple[float, float] | None:
    """Where the map opens before a pin: the person's own area (a grid worker's community), else the city."""
    row = (Area.objects.filter(role_assignments__person=user, lng__isnull=False).order_by("-path")
           .values_list("lng", "lat").first())
    return row or Area.objects.filter(parent__isnull=True, lng__isnull=False).values_list("lng", "lat").first()


@login_required
def field_new(request):
    """The phone report: a valid post becomes a case in the command centre's 待受理 queue, on the person's channel."""
    channels = selectors.field_channels(request.user)
    if not channels:
        raise Http404
    form = FieldReportForm(request.POST or None, request.FILES or None, channels=channels, reporter=str(request.user))
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = wf.case_intake(
                channel=d["channel"], description=d["description"], lng=d["lng"], lat=d["lat"], crs="wgs84",
                category=d["category"], urgency=d["urgency"], address=d["address"], reporter_name=str(request.user),
                actor=request.user, photos=[wf.Upload(name=p.name, content=p.read()) for p in d["photos"]],
                source=SOURCE,
            )
        except WorkflowError as exc:
            form.add_error(None, str(exc))
            status = 400
        else:
            messages.success(request, _("Reported: case %(number)s. You can follow it here.") % {"number": case.number})
            return redirect(f"{reverse('cases:field_mine')}?new={case.pk}")
    elif request.method == "POST":
        status = 400
    outlines = field_outlines(user=request.user)
    return render(request, "cases/field_new.html", {
        "form": form, "groups": form.category_groups(), "centre": _centre(request.user),
        "outlines_json": json.dumps(outlines, ensure_ascii=False),
        # A grid worker's map outlines her grids (in red); a city-wide inspector's, the districts and streets.
        "own_grids": any(f["properties"]["kind"] in OWN_KINDS for f in outlines["features"]),
    }, status=status)


@login_required
@require_safe
def field_mine(request):
    """我的上报: the person's own reports, newest first, each with its progress in plain words."""
    if not selectors.field_channels(request.user):
        raise Http404
    before = Prefetch("evidence", queryset=Evidence.objects.filter(kind=Evidence.Kind.BEFORE).order_by("id"),
                      to_attr="before_photos")
    page = paginate(request, selectors.reports_mine(user=request.user).prefetch_related(before), per_page=PAGE_SIZE)
    now = timezone.now()
    for case in page:
        case.progress = PROGRESS.get(case.state, "")
        case.step = STEP.get(case.state)
        case.late = case.is_overdue(now)
        case.photo = case.before_photos[0] if case.before_photos else None
    return render(request, "cases/field_mine.html", {
        "page": page, "steps": range(1, STEPS + 1), "new": db_id(request.GET.get("new")),  # the row just reported
    })
