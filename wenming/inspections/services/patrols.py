"""Road chiefs' patrols (路长巡查): start a patrol of one's segment, check in by GPS along it, report problems as
cases, end it.

A road chief is whoever ``org.RoadChief.person`` names (the register, imported by ``org/services/imports``), not a
role: each step takes the patrol (or the register row) of the acting person only — a patrol is its chief's alone,
as an assignment is its inspector's — and anyone else gets ``DoesNotExist`` (404, as for a missing one).

**Check-in**: the position's distance to the segment's geometry (shapely, in metres on the city's local plane) must
be at most ``TOLERANCE_M``; a position beyond it is refused with the distance in the message and the refusal is
logged on the patrol. **Done**: a patrol is done as soon as it holds at least ``MIN_POINTS`` accepted check-ins
whose positions along the segment (``LineString.project``) are at least ``COVERAGE_NEEDED`` of the segment's
length apart, and at least ``SHORT_SEGMENT_SPAN_M`` (or ``SHORT_SEGMENT_SHARE`` of a segment shorter than 125 m).
The coverage kept on the patrol is that span over the length (0…1). A patrol still under way from an earlier day is
ended (not done) when the chief starts the next one.

**Findings** become cases through the cases app's intake on the road-chief channel (``Channel.ROAD_CHIEF``): photo,
GPS position (within the tolerance of the segment, like a check-in), category; routed as usual. The intake lets no
role report on that channel (``REPORTING_CHANNELS``): the channel is set here, for the chief of the segment this
service has just checked, hence ``channel_configured=True``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import shapely
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape

from wenming.cases.models import Category
from wenming.cases.services import workflow as wf
from wenming.common.errors import IllegalTransition, WorkflowError
from wenming.common.geo import LocalProjection, valid_lnglat
from wenming.common.input import strip_controls
from wenming.inspections.models import (
    Patrol,
    PatrolCheckin,
    PatrolEvent,
    PatrolEventAction,
    PatrolFinding,
    PatrolState,
)
from wenming.org.models import RoadChief, RoadSegment

# How far from the segment's line a check-in or a finding may be (GPS in a street canyon is off by 20–40 m).
TOLERANCE_M = 50.0
# A patrol is done with at least this many accepted check-ins spanning this share of the segment's length.
MIN_POINTS = 2
COVERAGE_NEEDED = 0.6
# On a short segment 60 % is within a GPS error: there the check-ins must span 100 m, or 80 % of a segment shorter
# than 125 m (positions along it stop at its ends, so checking in at both ends gives its whole length).
SHORT_SEGMENT_SPAN_M = 100.0
SHORT_SEGMENT_SHARE = 0.8
# A patrol takes at most this many check-ins (a phone stuck in a loop must not fill the table).
MAX_CHECKINS = 500
# Refused check-ins logged per patrol: past it a phone stuck far from the road (or a script) is told to end the
# patrol instead of filling the log.
MAX_REFUSALS = 30
MAX_NOTE = 500


class CheckinRefused(WorkflowError):
    """A check-in too far from the segment: logged on the patrol, answered with the distance."""


@dataclass(frozen=True)
class SegmentLine:
    projection: LocalProjection
    line: object  # the segment's geometry in metres
    length_m: float

    def measure(self, lng: float, lat: float) -> tuple[float, float]:
        """(distance to the segment, position along it), in metres."""
        point = shapely.Point(*self.projection.forward(lng, lat))
        along = self.line.project(point) if self.line.geom_type in ("LineString", "MultiLineString") else 0.0
        return float(self.line.distance(point)), float(along)

    def point(self, along_m: float, off_m: float = 0.0) -> tuple[float, float]:
        """The (lng, lat) ``along_m`` metres along the segment and ``off_m`` metres to its left (for the demo and
        the tests)."""
        line = self.line
        p = line.interpolate(along_m)
        q = line.interpolate(along_m + 1.0) if along_m + 1.0 <= line.length else line.interpolate(along_m - 1.0)
        sign = 1.0 if along_m + 1.0 <= line.length else -1.0
        dx, dy = (q.x - p.x) * sign, (q.y - p.y) * sign
        norm = (dx * dx + dy * dy) ** 0.5 or 1.0
        x, y = p.x - dy / norm * off_m, p.y + dx / norm * off_m
        return self.projection.lng0 + x / self.projection.kx, self.projection.lat0 + y / self.projection.ky

    @property
    def span_needed_m(self) -> float:
        return max(COVERAGE_NEEDED * self.length_m, min(SHORT_SEGMENT_SPAN_M, SHORT_SEGMENT_SHARE * self.length_m))


def segment_line(segment: RoadSegment) -> SegmentLine:
    """The segment's geometry on a plane in metres around its own middle."""
    if not segment.geometry:
        raise WorkflowError(_("Road %(road)s has no geometry in the register: it cannot be patrolled by GPS.")
                            % {"road": segment.name})
    geom = shape(segment.geometry)
    if geom.geom_type == "MultiLineString":
        geom = shapely.line_merge(geom)
    projection = LocalProjection(segment.lng, segment.lat)
    line = projection.geometry(geom)
    return SegmentLine(projection=projection, line=line, length_m=float(line.length))


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _event(patrol: Patrol, action: str, actor, now: dt.datetime, **data) -> PatrolEvent:
    """The patrol's one log writer."""
    return PatrolEvent.objects.create(patrol=patrol, action=action, actor=actor, data=data, created_at=now)


def _lock(actor, patrol_id: int) -> Patrol:
    """The actor's own patrol, locked; anyone else's is missing."""
    return (Patrol.objects.select_for_update(of=("self",)).select_related("segment", "chief")
            .get(pk=patrol_id, person=actor))


def _position(lng, lat) -> tuple[float, float]:
    if lng is None or lat is None:
        raise WorkflowError(_("Position: allow location on the phone and try again."))
    lng, lat = float(lng), float(lat)
    if not valid_lnglat(lng, lat):
        raise WorkflowError(_("Position: the GPS position is out of range."))
    return lng, lat


def _too_far(segment: RoadSegment, distance: float) -> str:
    return (_("Check-in refused: you are %(distance)d m from %(road)s; check in within %(limit)d m of the road.")
            % {"distance": round(distance), "road": segment.name, "limit": round(TOLERANCE_M)})


def patrol_start(*, actor, chief_id: int, now: dt.datetime | None = None) -> Patrol:
    """Start a patrol of the segment of one's own register row; the patrol under way, if any, is returned instead."""
    now = _now(now)
    with transaction.atomic():
        chief = RoadChief.objects.select_for_update(of=("self",)).select_related("segment").get(pk=chief_id,
                                                                                              person=actor)
        segment_line(chief.segment)  # refuses a segment without a geometry before anything is written
        open_patrol = Patrol.objects.select_for_update(of=("self",)).filter(chief=chief, state=PatrolState.OPEN).first()
        if open_patrol is not None:
            if timezone.localdate(open_patrol.started_at) == timezone.localdate(now):
                return open_patrol
            # Left open on an earlier day: it ends not done, so a new day's patrol starts afresh.
            open_patrol.state, open_patrol.ended_at = PatrolState.INCOMPLETE, now
            open_patrol.version += 1
            open_patrol.save(update_fields=["state", "ended_at", "version"])
            _event(open_patrol, PatrolEventAction.ENDED, actor, now, stale=True, coverage=round(open_patrol.coverage, 3),
                   points=open_patrol.points)
        patrol = Patrol.objects.create(chief=chief, segment=chief.segment, person=actor, started_at=now)
        _event(patrol, PatrolEventAction.STARTED, actor, now, level=chief.level)
        return patrol


def patrol_checkin(*, actor, patrol_id: int, lng, lat, now: dt.datetime | None = None) -> PatrolCheckin:
    """Check in at a GPS position on a patrol under way (see the module's docstring for the rule)."""
    now = _now(now)
    lng, lat = _position(lng, lat)
    refusal = ""
    with transaction.atomic():
        patrol = _lock(actor, patrol_id)
        if patrol.state != PatrolState.OPEN:
            raise IllegalTransition(_("This patrol has ended: start a new one."))
        if patrol.points >= MAX_CHECKINS:
            raise WorkflowError(_("A patrol takes at most %(count)d check-ins.") % {"count": MAX_CHECKINS})
        road = segment_line(patrol.segment)
        distance, along = road.measure(lng, lat)
        if distance > TOLERANCE_M:
            if patrol.events.filter(action=PatrolEventAction.REFUSED).count() >= MAX_REFUSALS:
                raise WorkflowError(_("%(count)d check-ins of this patrol were refused as too far from the road: end "
                                      "it and start again on the road.") % {"count": MAX_REFUSALS})
            # Logged and kept (the transaction commits): a supervisor sees refused check-ins in the log.
            _event(patrol, PatrolEventAction.REFUSED, actor, now, lng=lng, lat=lat, distance_m=round(distance, 1))
            refusal = _too_far(patrol.segment, distance)
        else:
            checkin = PatrolCheckin.objects.create(patrol=patrol, lng=lng, lat=lat, at=now,
                                                   distance_m=round(distance, 1), along_m=round(along, 1))
            positions = list(patrol.checkins.values_list("along_m", flat=True))
            span = max(positions) - min(positions)
            patrol.points = len(positions)
            patrol.coverage = min(1.0, span / road.length_m) if road.length_m else 1.0
            patrol.version += 1
            _event(patrol, PatrolEventAction.CHECKIN, actor, now, checkin=checkin.pk, distance_m=checkin.distance_m,
                   along_m=checkin.along_m)
            if patrol.points >= MIN_POINTS and span >= road.span_needed_m:
                patrol.state, patrol.ended_at = PatrolState.DONE, now
                _event(patrol, PatrolEventAction.DONE, actor, now, coverage=round(patrol.coverage, 3),
                       points=patrol.points)
            patrol.save(update_fields=["points", "coverage", "version", "state", "ended_at"])
    if refusal:
        raise CheckinRefused(refusal)
    return checkin


def patrol_finish(*, actor, patrol_id: int, now: dt.datetime | None = None) -> Patrol:
    """End a patrol under way before it covered the road: it stays in the log as not done."""
    now = _now(now)
    with transaction.atomic():
        patrol = _lock(actor, patrol_id)
        if patrol.state != PatrolState.OPEN:
            raise IllegalTransition(_("This patrol has ended already."))
        patrol.state, patrol.ended_at = PatrolState.INCOMPLETE, now
        patrol.version += 1
        patrol.save(update_fields=["state", "ended_at", "version"])
        _event(patrol, PatrolEventAction.ENDED, actor, now, coverage=round(patrol.coverage, 3), points=patrol.points)
        return patrol


def patrol_finding_report(*, actor, patrol_id: int, category: Category | str, description: str, lng, lat,
                          photo: wf.Upload | None, now: dt.datetime | None = None) -> PatrolFinding:
    """A problem seen on one's patrol (under way, or done today) becomes a case on the road-chief channel, routed
    as usual; the finding links the case to the patrol."""
    now = _now(now)
    description = strip_controls(description or "").strip()
    if not description:
        raise WorkflowError(_("Description: say what is wrong."))
    if len(description) > MAX_NOTE:
        raise WorkflowError(_("Description: at most %(limit)d characters.") % {"limit": MAX_NOTE})
    if photo is None:
        raise WorkflowError(_("Photo: take a photo of the problem."))
    lng, lat = _position(lng, lat)
    with transaction.atomic():
        patrol = _lock(actor, patrol_id)
        if patrol.state == PatrolState.INCOMPLETE or (
                patrol.state == PatrolState.DONE and timezone.localdate(patrol.ended_at) != timezone.localdate(now)):
            raise IllegalTransition(_("Report problems on a patrol under way (or done today)."))
        distance, _along = segment_line(patrol.segment).measure(lng, lat)
        if distance > TOLERANCE_M:
            raise WorkflowError(
                _("Position: you are %(distance)d m from %(road)s; report what you see within %(limit)d m of the road.")
                % {"distance": round(distance), "road": patrol.segment.name, "limit": round(TOLERANCE_M)})
        case = wf.case_intake(
            channel="road_chief", description=description, lng=lng, lat=lat, crs="wgs84", category=category,
            address=patrol.segment.name, reporter_name=patrol.chief.name, reporter_phone=patrol.chief.phone,
            actor=actor, photos=[photo], reported_at=now, source={"form": "patrol", "patrol": patrol.pk},
            channel_configured=True)
        finding = PatrolFinding.objects.create(patrol=patrol, case=case)
        patrol.version += 1
        patrol.save(update_fields=["version"])
        _event(patrol, PatrolEventAction.FINDING, actor, now, case=case.number, lng=lng, lat=lat,
               distance_m=round(distance, 1))
        return finding


# Whether the person is a road chief, kept in the session at login so the nav offers 我的路段 without a query on
# every page (the register changes rarely; the page itself always reads the register).
ROAD_CHIEF_SESSION_KEY = "wenming_road_chief"


def road_chief_mark(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver (connected in ``InspectionsConfig.ready``)."""
    if request is not None and hasattr(request, "session"):
        request.session[ROAD_CHIEF_SESSION_KEY] = RoadChief.objects.filter(person=user).exists()
