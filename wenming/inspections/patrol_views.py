"""Pages of the road chiefs' patrols: 我的路段 and the patrol page on the chief's phone (start, check in by GPS,
report a problem, end), and for supervisors the patrol log and the indicators (completion, open problems; XLSX).

A chief's pages take the register rows and patrols naming the person (``RoadChief.person``), nobody else's; the
supervisors' pages take rows through ``restrict`` (the command centre everything, a district its area, a unit its
own chiefs). Thin: one service per POST, refusals shown as messages in the city's language."""

from __future__ import annotations

import datetime as dt
import io
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from openpyxl import Workbook

from wenming.cases.services import workflow as wf
from wenming.common.access import can, get_or_404, restrict
from wenming.common.errors import WorkflowError
from wenming.common.files import content_disposition
from wenming.common.tabular import XLSX, xlsx_row
from wenming.inspections import patrol_selectors as sel
from wenming.inspections.models import Patrol, PatrolFinding, PatrolState
from wenming.inspections.patrol_forms import CheckinForm, FindingForm, SpanForm
from wenming.inspections.services import patrols as svc
from wenming.org.models import RoadChief

LOG_LIMIT = 300
SORTS = {"completion": lambda r: (r["completion"] is None, r["completion"] or 0),
         "open": lambda r: -r["open_problems"], "name": lambda r: (r["district"], r["unit"], r["name"]),
         "due": lambda r: -r["due"]}


def _feature(segment, **props) -> dict | None:
    if not segment.geometry:
        return None
    return {"type": "Feature", "geometry": segment.geometry, "properties": {"name": segment.name, **props}}


def _collection(features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": [f for f in features if f]}, ensure_ascii=False)


def _supervisor(request) -> None:
    if not can(request.user, Patrol):
        raise Http404


# -- the chief's phone pages ----------------------------------------------------------------------------------------

@require_safe
@login_required
def road_mine(request):
    roads = sel.my_roads(request.user)
    if not roads:
        raise Http404
    segments = {r.chief.segment_id: r.chief.segment for r in roads}
    return render(request, "inspections/road_mine.html", {
        "roads": roads, "today": timezone.localdate(),
        "roads_json": _collection(_feature(s) for s in segments.values())})


@require_POST
@login_required
def patrol_start(request, chief: int):
    try:
        patrol = svc.patrol_start(actor=request.user, chief_id=chief)
    except RoadChief.DoesNotExist:
        raise Http404 from None
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("inspections:road_mine")
    return redirect("inspections:patrol", pk=patrol.pk)


def _patrol_for(request, pk: int) -> tuple[Patrol, bool]:
    """The patrol and whether it is the person's own (to act on); else one a supervisor sees, read only."""
    own = Patrol.objects.select_related("segment", "chief", "chief__unit").filter(pk=pk, person=request.user).first()
    if own is not None:
        return own, True
    return get_or_404(Patrol.objects.select_related("segment", "chief", "chief__unit", "person"), request.user,
                      pk=pk), False


@require_safe
@login_required
def patrol_detail(request, pk: int):
    patrol, own = _patrol_for(request, pk)
    return _patrol_page(request, patrol, own)


def _patrol_page(request, patrol: Patrol, own: bool, *, finding_form=None, status=200):
    checkins = list(patrol.checkins.all())
    points = [{"lat": c.lat, "lng": c.lng} for c in checkins]
    findings = list(patrol.findings.select_related("case", "case__category"))
    events = list(patrol.events.all())
    can_act = own and patrol.state == PatrolState.OPEN
    can_report = own and (can_act or (patrol.state == PatrolState.DONE
                                      and timezone.localdate(patrol.ended_at) == timezone.localdate()))
    return render(request, "inspections/patrol_detail.html", {
        "patrol": patrol, "own": own, "can_act": can_act, "can_report": can_report,
        "checkins": checkins, "findings": findings, "events": events,
        "coverage_pct": round(patrol.coverage * 100), "needed_pct": round(svc.COVERAGE_NEEDED * 100),
        "needed_m": round(svc.segment_line(patrol.segment).span_needed_m) if patrol.segment.geometry else 0,
        "tolerance": round(svc.TOLERANCE_M),
        "checkin_form": CheckinForm() if can_act else None,
        "finding_form": (finding_form or FindingForm()) if can_report else None,
        "roads_json": _collection([_feature(patrol.segment)]),
        "points_json": json.dumps(points)}, status=status)


def _own_patrol(request, pk: int) -> Patrol:
    patrol = Patrol.objects.select_related("segment", "chief").filter(pk=pk, person=request.user).first()
    if patrol is None:
        raise Http404
    return patrol


@require_POST
@login_required
def patrol_checkin(request, pk: int):
    patrol = _own_patrol(request, pk)
    form = CheckinForm(request.POST)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return redirect("inspections:patrol", pk=patrol.pk)
    try:
        svc.patrol_checkin(actor=request.user, patrol_id=patrol.pk, lng=form.cleaned_data["lng"],
                           lat=form.cleaned_data["lat"])
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        patrol.refresh_from_db()
        if patrol.state == PatrolState.DONE:
            messages.success(request, _("Checked in. The road is covered: this patrol is done."))
        else:
            messages.success(request, _("Checked in (%(coverage)d%% of the road covered so far).")
                             % {"coverage": round(patrol.coverage * 100)})
    return redirect("inspections:patrol", pk=patrol.pk)


@require_POST
@login_required
def patrol_finding(request, pk: int):
    patrol = _own_patrol(request, pk)
    form = FindingForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        photo = d["photo"][0]
        try:
            finding = svc.patrol_finding_report(
                actor=request.user, patrol_id=patrol.pk, category=d["category"], description=d["description"],
                lng=d["lng"], lat=d["lat"], photo=wf.Upload(name=photo.name, content=photo.read()))
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Reported as case %(number)s; it is routed to the unit in charge.")
                             % {"number": finding.case.number})
            return redirect("inspections:patrol", pk=patrol.pk)
    return _patrol_page(request, patrol, True, finding_form=form, status=400)


@require_POST
@login_required
def patrol_finish(request, pk: int):
    patrol = _own_patrol(request, pk)
    try:
        svc.patrol_finish(actor=request.user, patrol_id=patrol.pk)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.warning(request, _("Patrol ended before the road was covered: it counts as not done."))
    return redirect("inspections:road_mine")


# -- the supervisors' pages ---------------------------------------------------------------------------------------

@require_safe
@login_required
def patrol_log(request):
    _supervisor(request)
    form = SpanForm(request.GET or None)
    start, end = form.span()
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    patrols = (restrict(Patrol.objects.all(), request.user)
               .filter(started_at__gte=since, started_at__lt=until)
               .select_related("segment", "chief", "chief__unit")
               .defer("segment__geometry").order_by("-started_at", "-pk"))
    rows = list(patrols[:LOG_LIMIT + 1])
    finding_counts = {}
    for patrol_id in (PatrolFinding.objects.filter(patrol__in=[p.pk for p in rows])
                      .values_list("patrol_id", flat=True)):
        finding_counts[patrol_id] = finding_counts.get(patrol_id, 0) + 1
    for p in rows:
        p.finding_count = finding_counts.get(p.pk, 0)
        p.coverage_pct = round(p.coverage * 100)
    return render(request, "inspections/patrol_log.html", {
        "form": form, "start": start, "end": end, "patrols": rows[:LOG_LIMIT],
        "truncated": len(rows) > LOG_LIMIT})


@require_safe
@login_required
def patrol_indicators(request):
    _supervisor(request)
    form = SpanForm(request.GET or None)
    start, end = form.span()
    rows = sel.road_chief_indicators(period_start=start, period_end=end,
                                     chiefs=restrict(RoadChief.objects.all(), request.user))
    sort = request.GET.get("sort", "completion")
    rows.sort(key=SORTS.get(sort.lstrip("-"), SORTS["completion"]), reverse=sort.startswith("-"))
    for r in rows:
        r["completion_pct"] = None if r["completion"] is None else round(r["completion"] * 100)
    by_unit, by_district = sel.indicators_by(rows, "unit"), sel.indicators_by(rows, "district")
    for g in by_unit + by_district:
        g["completion_pct"] = None if g["completion"] is None else round(g["completion"] * 100)
    if request.GET.get("format") == "xlsx":
        return _indicators_xlsx(rows, by_unit, by_district, start, end)
    query = request.GET.copy()
    query.pop("sort", None)
    return render(request, "inspections/patrol_indicators.html", {
        "form": form, "start": start, "end": end, "rows": rows, "by_unit": by_unit, "by_district": by_district,
        "sort": sort, "query": query.urlencode()})


def _indicators_xlsx(rows, by_unit, by_district, start, end) -> HttpResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Road chiefs"))
    sheet.append(xlsx_row(sheet, [_("District"), _("Unit"), _("Road chief"), _("Level"), _("Road"), _("Rule"),
                                  _("Patrols due"), _("Patrols done"), _("Completion"), _("Open problems")]))
    for r in rows:
        sheet.append(xlsx_row(sheet, [r["district"], r["unit"], r["name"], r["level_label"], r["segment"], r["rule"],
                                      r["due"], r["done"], r["completion"], r["open_problems"]]))
    for title, groups in ((_("By unit"), by_unit), (_("By district"), by_district)):
        sheet = book.create_sheet(title)
        sheet.append(xlsx_row(sheet, [_("Name"), _("Road chiefs"), _("Patrols due"), _("Patrols done"),
                                      _("Completion"), _("Open problems")]))
        for g in groups:
            sheet.append(xlsx_row(sheet, [g["name"], g["chiefs"], g["due"], g["done"], g["completion"],
                                          g["open_problems"]]))
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    name = _("road-chief patrols %(start)s to %(end)s.xlsx") % {"start": start, "end": end}
    response["Content-Disposition"] = content_disposition("attachment", name,
                                                          fallback=f"road-patrols-{start}-{end}.xlsx")
    return response
