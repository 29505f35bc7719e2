"""Reads of the window pages: the windows in a person's scope with their figures over recent days, one window's
records, the open bad ratings, the competition's periods and published rankings. Figures come from a few grouped
queries over the page's windows, never one query per window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from wenming.common.access import restrict
from wenming.windows.models import (
    RATING_POINTS,
    CompetitionPeriod,
    CompetitionScore,
    FollowUpState,
    Matter,
    RankingState,
    ServiceWindow,
    WindowComplaint,
    WindowRating,
    WindowStaff,
    complaints_counted,
)
from wenming.windows.services.records import REMIND_DAYS

CENT = Decimal("0.1")
PERIOD_DAYS = (30, 90, 365)


@dataclass
class WindowFiguresRow:
    window: ServiceWindow
    due: int = 0
    on_time: int = 0
    overdue_open: int = 0
    late: int = 0
    accepted: int = 0
    complaints: int = 0
    ratings: int = 0
    rating_points: Decimal = Decimal(0)

    @property
    def ontime_rate(self) -> Decimal | None:
        return (Decimal(100) * self.on_time / self.due).quantize(CENT, ROUND_HALF_UP) if self.due else None

    @property
    def rating_average(self) -> Decimal | None:
        return (self.rating_points / self.ratings).quantize(CENT, ROUND_HALF_UP) if self.ratings else None

    @property
    def complaint_rate(self) -> Decimal | None:
        """Complaints per 100 matters accepted."""
        return (Decimal(100) * self.complaints / self.accepted).quantize(CENT, ROUND_HALF_UP) if self.accepted else None


def windows_visible(user, *, query: str = "") -> QuerySet:
    windows = restrict(ServiceWindow.objects.select_related("site", "unit", "site__site_type"), user)
    if query:
        windows = windows.filter(Q(name__icontains=query) | Q(site__name__icontains=query)
                                 | Q(unit__name__icontains=query) | Q(code__iexact=query))
    return windows.order_by("site__name", "number", "pk")


def since(days: int, now=None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=days)


def window_figures(windows: list[ServiceWindow], *, start: dt.datetime, now: dt.datetime | None = None
                   ) -> list[WindowFiguresRow]:
    """限时办结率 (matters due since ``start`` completed by their due time), the open overdue matters now, complaints
    and ratings since ``start``, for the given windows: five grouped queries."""
    now = now or timezone.now()
    rows = {w.pk: WindowFiguresRow(w) for w in windows}
    ids = list(rows)
    for r in (Matter.objects.filter(window_id__in=ids, due_at__gte=start, due_at__lt=now).order_by()
              .values("window_id").annotate(due=Count("pk"), on_time=Count("pk", filter=Q(completed_at__lte=F("due_at"))))):
        rows[r["window_id"]].due, rows[r["window_id"]].on_time = r["due"], r["on_time"]
        rows[r["window_id"]].late = r["due"] - r["on_time"]
    for r in (Matter.objects.filter(window_id__in=ids, completed_at__isnull=True, due_at__lt=now).order_by()
              .values("window_id").annotate(n=Count("pk"))):
        rows[r["window_id"]].overdue_open = r["n"]
    for r in (Matter.objects.filter(window_id__in=ids, accepted_at__gte=start).order_by()
              .values("window_id").annotate(n=Count("pk"))):
        rows[r["window_id"]].accepted = r["n"]
    for r in (WindowComplaint.objects.filter(complaints_counted(), window_id__in=ids, created_at__gte=start)
              .order_by()
              .values("window_id").annotate(n=Count("pk"))):
        rows[r["window_id"]].complaints = r["n"]
    for r in (WindowRating.objects.filter(window_id__in=ids, created_at__gte=start).order_by()
              .values("window_id", "level").annotate(n=Count("pk"))):
        row = rows[r["window_id"]]
        row.ratings += r["n"]
        row.rating_points += RATING_POINTS[r["level"]] * r["n"]
    return [rows[w.pk] for w in windows]


@dataclass
class StaffRow:
    staff: WindowStaff
    status: str  # "valid" | "soon" | "expired" | "none"


def staff_rows(window: ServiceWindow, *, today: dt.date | None = None) -> list[StaffRow]:
    today = today or timezone.localdate()
    rows = []
    for staff in window.staff.filter(is_active=True).order_by("name", "pk"):
        expires = staff.certificate_expires
        status = ("none" if expires is None else "expired" if expires < today
                  else "soon" if expires <= today + dt.timedelta(days=REMIND_DAYS) else "valid")
        rows.append(StaffRow(staff, status))
    return rows


def matters_of(window: ServiceWindow, *, state: str = "", now=None) -> QuerySet:
    now = now or timezone.now()
    matters = window.matters.select_related("item").order_by("-accepted_at", "-pk")
    if state == "overdue":
        matters = matters.filter(Q(completed_at__isnull=True, due_at__lt=now) | Q(completed_at__gt=F("due_at")))
    elif state == "open":
        matters = matters.filter(completed_at__isnull=True)
    return matters


def followups_open(user) -> QuerySet:
    return (restrict(WindowRating.objects.select_related("window__site", "window__unit"), user)
            .filter(followup_state=FollowUpState.OPEN).order_by("created_at", "pk"))


def periods_visible(user) -> QuerySet:
    return restrict(CompetitionPeriod.objects.all(), user).order_by("-start", "-pk")


def period_scores(period: CompetitionPeriod) -> QuerySet:
    return (CompetitionScore.objects.filter(period=period).select_related("window__site", "window__unit")
            .order_by(F("rank").asc(nulls_last=True), "-total", "window_id"))


def rankings_published() -> QuerySet:
    return CompetitionPeriod.objects.filter(state=RankingState.PUBLISHED).order_by("-end", "-pk")
