"""Reads of the volunteer pages: the public calendar, a volunteer's own record, an organiser's activities, the
statistics (from the per-day summary, never the records) and the export rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from wenming.common.access import VIEW, restrict
from wenming.org.models import Area
from wenming.volunteers.models import (
    Activity,
    ActivityStatus,
    DailyHours,
    Organisation,
    RecordState,
    ServiceRecord,
    SignUp,
    SignUpStatus,
    Theme,
    Volunteer,
)

CALENDAR_DAYS = 60


def calendar_activities(*, area_code: str = "", theme: str = "", now: dt.datetime | None = None):
    """Open activities that have not ended, in the next two months, with their confirmed count; filterable by
    area (its code; the activity's area or below) and theme. No person is named."""
    now = now or timezone.now()
    activities = (Activity.objects.filter(status=ActivityStatus.OPEN, ends_at__gte=now,
                                          starts_at__lte=now + dt.timedelta(days=CALENDAR_DAYS))
                  .select_related("organisation").defer("area__geometry")
                  .annotate(taken=Count("signups", filter=Q(signups__status=SignUpStatus.CONFIRMED))))
    if area_code:
        area = Area.objects.defer("geometry").filter(code=area_code).first()
        activities = activities.filter(area_path__startswith=area.path) if area else activities.none()
    if theme:
        activities = activities.filter(theme=theme)
    return activities.order_by("starts_at", "pk")


def calendar_areas():
    """The districts and streets the calendar filters on."""
    return Area.objects.defer("geometry").filter(level__in=("county", "street")).order_by("path")


def activity_taken(activity: Activity) -> int:
    return activity.signups.filter(status=SignUpStatus.CONFIRMED).count()


def volunteer_signup(volunteer: Volunteer | None, activity: Activity) -> SignUp | None:
    if volunteer is None:
        return None
    return SignUp.objects.select_related("checkin", "record").filter(volunteer=volunteer, activity=activity).first()


def volunteer_record(volunteer: Volunteer) -> dict:
    """The volunteer's own page: sign-ups to come, service records and totals (confirmed hours count)."""
    records = list(ServiceRecord.objects.filter(volunteer=volunteer)
                   .select_related("activity", "organisation").order_by("-service_date", "-pk"))
    confirmed = sum((r.hours for r in records if r.state == RecordState.CONFIRMED), Decimal(0))
    pending = sum((r.hours for r in records if r.state == RecordState.RECORDED), Decimal(0))
    upcoming = (SignUp.objects.filter(volunteer=volunteer, activity__ends_at__gte=timezone.now())
                .exclude(status=SignUpStatus.CANCELLED).select_related("activity").order_by("activity__starts_at"))
    return {"records": records, "confirmed_hours": confirmed, "pending_hours": pending, "upcoming": list(upcoming),
            "organisations": list(Organisation.objects.filter(memberships__volunteer=volunteer))}


def managed_activities(user, *, upcoming_only: bool = False):
    activities = restrict(Activity.objects.all(), user, VIEW).select_related("organisation", "project")
    if upcoming_only:
        activities = activities.filter(ends_at__gte=timezone.now())
    return activities.annotate(taken=Count("signups", filter=Q(signups__status=SignUpStatus.CONFIRMED)),
                               waiting=Count("signups", filter=Q(signups__status=SignUpStatus.WAITLISTED)))


def _level_path(path: str, depth: int) -> str:
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts[:depth]) + "/" if len(parts) >= depth else path


def volunteer_stats(user, *, start: dt.date, end: dt.date, theme: str = "", organisation_id: int | None = None) -> dict:
    """Hours and service times (人次) by organisation, by district and by theme over ``start``–``end``, from the
    per-day summary in the person's scope: one grouped scan (organisation × theme, a few hundred groups for a city)
    added up three ways here, instead of a scan per table."""
    rows = restrict(DailyHours.objects.all(), user, VIEW).filter(day__gte=start, day__lte=end)
    if theme:
        rows = rows.filter(theme=theme)
    if organisation_id:
        rows = rows.filter(organisation_id=organisation_id)
    groups = rows.values("organisation_id", "organisation__name", "theme", "area_path").annotate(
        records=Sum("records"), hours=Sum("hours"), confirmed=Sum("confirmed_hours")).order_by()

    def blank() -> dict:
        return {"records": 0, "hours": Decimal(0), "confirmed": Decimal(0)}

    by_org: dict[int, dict] = {}
    by_theme: dict[str, dict] = {}
    counties: dict[str, dict] = defaultdict(blank)
    for g in groups:
        targets = (by_org.setdefault(g["organisation_id"], {"organisation_id": g["organisation_id"],
                                                            "organisation__name": g["organisation__name"], **blank()}),
                   by_theme.setdefault(g["theme"], {"theme": g["theme"], **blank()}),
                   counties[_level_path(g["area_path"], 2)])
        for total in targets:
            total["records"] += g["records"] or 0
            total["hours"] += g["hours"] or 0
            total["confirmed"] += g["confirmed"] or 0
    labels = dict(Theme.choices)
    for row in by_theme.values():
        row["label"] = labels.get(row["theme"], row["theme"])
    names = dict(Area.objects.filter(path__in=list(counties)).values_list("path", "name"))
    by_area = [{"name": names.get(path, path), **v} for path, v in counties.items()]
    total = blank()
    for row in by_org.values():
        for key in total:
            total[key] += row[key]
    return {"by_org": sorted(by_org.values(), key=lambda r: -r["hours"]),
            "by_theme": sorted(by_theme.values(), key=lambda r: -r["hours"]),
            "by_area": sorted(by_area, key=lambda r: -r["hours"]), "total": total}


def export_records(user, *, start: dt.date, end: dt.date):
    return (restrict(ServiceRecord.objects.all(), user, VIEW)
            .filter(service_date__gte=start, service_date__lte=end)
            .select_related("volunteer", "activity", "organisation", "organisation__unit")
            .order_by("service_date", "pk"))


RECENT_ACTIVITIES = 20


def confirmed_hours_by_volunteer(*, organisation_id: int, volunteer_ids) -> dict[int, Decimal]:
    """Confirmed hours each of these volunteers served in this organisation: one grouped query for a page of them."""
    rows = (ServiceRecord.objects.filter(organisation_id=organisation_id, volunteer_id__in=list(volunteer_ids),
                                         state=RecordState.CONFIRMED)
            .values("volunteer_id").annotate(hours=Sum("hours")).order_by())
    return {r["volunteer_id"]: r["hours"] or Decimal(0) for r in rows}


def organisation_summary(organisation: Organisation) -> dict:
    """The organiser's page of an organisation already read through the scope: its teams with member counts, its
    projects, recent activities, members without a team, and the hours from the per-day summary (not the records)."""
    teams = list(organisation.teams.annotate(members=Count("memberships")).order_by("name"))
    totals = DailyHours.objects.filter(organisation=organisation).aggregate(
        records=Sum("records"), hours=Sum("hours"), confirmed=Sum("confirmed_hours"))
    return {
        "teams": teams,
        "projects": list(organisation.projects.annotate(activity_count=Count("activities")).order_by("name")),
        "recent_activities": list(
            organisation.activities.select_related("project")
            .annotate(taken=Count("signups", filter=Q(signups__status=SignUpStatus.CONFIRMED)))
            .order_by("-starts_at", "-pk")[:RECENT_ACTIVITIES]),
        "member_count": organisation.memberships.count(),
        "unteamed_count": organisation.memberships.filter(team__isnull=True).count(),
        "totals": {"records": totals["records"] or 0, "hours": totals["hours"] or Decimal(0),
                   "confirmed": totals["confirmed"] or Decimal(0)},
    }


def organisation_members(organisation: Organisation, *, team_id: int | None = None):
    """The organisation's memberships (a team's only, when given), oldest first, with the volunteer and team."""
    members = organisation.memberships.select_related("volunteer", "team")
    if team_id is not None:
        members = members.filter(team_id=team_id)
    return members.order_by("joined_at", "pk")


def organisation_public(organisation: Organisation, *, now: dt.datetime | None = None) -> dict:
    """The public page of an organisation: its team names and its upcoming open activities (those the calendar
    shows). No person is named or counted by name."""
    return {"teams": list(organisation.teams.order_by("name").values_list("name", flat=True)),
            "activities": list(calendar_activities(now=now).filter(organisation=organisation)[:100])}
