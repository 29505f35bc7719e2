"""The "提质提效、文明服务" competition: each period's ranking of the windows, computed from four components and
published after approval, like the red/black list (drafted by one person, approved by another, then public).

Components (三比三看 as this city scores it), each 0–100:
- 限时办结: matters due in the period completed by their due time ÷ matters due in the period × 100;
- 投诉: 100 × (1 − complaints ÷ matters accepted ÷ ``complaint_rate_zero``), not below 0 (no matters: none);
- 好差评: the mean of the ratings mapped 非常满意 100, 满意 80, 基本满意 60, 不满意 20, 非常不满意 0;
- 暗访: the mean inspection score of the window's site in the rounds released in the period.
The score is the weighted mean of the components the window has (a missing one's weight is left out, and the
explanation says so); a window with fewer matters due than ``min_matters`` is listed unranked.

The ranking's workflow is one table (``RANKING_ACTIONS``) read by the service and the page alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.common.access import locked_in_scope, scope_for
from wenming.common.roles import PUBLISHERS, WINDOW_RANKERS
from wenming.inspections.services.scoring import released_site_scores
from wenming.windows.errors import IllegalTransition, NotAllowed, WindowError
from wenming.windows.models import (
    RATING_POINTS,
    CompetitionEvent,
    CompetitionPeriod,
    CompetitionScore,
    Matter,
    RankingState,
    ServiceWindow,
    WindowComplaint,
    WindowRating,
    complaints_counted,
)

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
S = RankingState


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RankingAction:
    key: str
    label: object
    states: tuple[str, ...]
    who: frozenset[str]
    to_state: str
    note: str = "optional"  # "optional" | "required"
    not_by_drafter: bool = False  # four eyes: whoever computed the draft may not approve it


RANKING_ACTIONS = (
    # Computing again is offered until publication: figures change after a ranking was computed (a complaint
    # found invalid, a hotline complaint linked to a window), and an approved ranking recomputed needs approving
    # again, by someone other than whoever recomputed it.
    RankingAction("compute", gettext_lazy("Compute the ranking"), (S.DRAFT, S.APPROVED), WINDOW_RANKERS, S.DRAFT),
    RankingAction("approve", gettext_lazy("Approve"), (S.DRAFT,), PUBLISHERS, S.APPROVED, not_by_drafter=True),
    RankingAction("publish", gettext_lazy("Publish"), (S.APPROVED,), PUBLISHERS, S.PUBLISHED),
    RankingAction("return", gettext_lazy("Return to draft"), (S.APPROVED,), PUBLISHERS, S.DRAFT, note="required"),
    RankingAction("withdraw", gettext_lazy("Withdraw"), (S.PUBLISHED,), PUBLISHERS, S.WITHDRAWN, note="required"),
)
ACTIONS_BY_KEY = {a.key: a for a in RANKING_ACTIONS}


def ranking_actions_for(period: CompetitionPeriod, user) -> list[RankingAction]:
    """The actions this person may take on this period now (the page's buttons and the service's check)."""
    held = scope_for(user).roles
    offered = []
    for action in RANKING_ACTIONS:
        if period.state not in action.states or not held & action.who:
            continue
        if action.key == "approve" and (period.computed_at is None or period.computed_by_id == user.pk):
            continue
        offered.append(action)
    return offered


def period_create(*, actor, name: str, start: dt.date, end: dt.date, weights: dict | None = None,
                  complaint_rate_zero: Decimal = Decimal("0.05"), min_matters: int = 10) -> CompetitionPeriod:
    if not scope_for(actor).roles & WINDOW_RANKERS:
        raise NotAllowed(_("Your role may not set up competition periods."))
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise WindowError(_("Name: give a name of at most 100 characters."))
    if end < start:
        raise WindowError(_("End: the period ends before it starts."))
    if (end - start).days > 366 or start.year < 2000 or end.year > 2100:
        raise WindowError(_("End: a period lasts at most a year, between 2000 and 2100."))
    weights = {k: Decimal(str(v)) for k, v in (weights or {}).items()}
    if any(v < 0 or v > 100 for v in weights.values()):
        raise WindowError(_("Weights: each between 0 and 100."))
    period = CompetitionPeriod(name=name, start=start, end=end, complaint_rate_zero=complaint_rate_zero,
                               min_matters=min_matters,
                               **{f"weight_{k}": v for k, v in weights.items()})
    if sum((period.weight_ontime, period.weight_complaints, period.weight_rating, period.weight_inspection)) <= 0:
        raise WindowError(_("Weights: at least one must be above 0."))
    if not Decimal("0.0001") <= period.complaint_rate_zero <= 1:
        raise WindowError(_("Complaint rate scoring zero: between 0.0001 and 1."))
    with transaction.atomic():
        period.save()
        _event(period, action="create", from_state="", actor=actor)
    return period


def _event(period: CompetitionPeriod, *, action: str, from_state: str, actor, note: str = "") -> CompetitionEvent:
    """The one writer of a period's log."""
    return CompetitionEvent.objects.create(period=period, action=action, from_state=from_state, to_state=period.state,
                                           actor=actor, note=note, created_at=timezone.now())


def _bounds(period: CompetitionPeriod) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    return (dt.datetime.combine(period.start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


@dataclass
class WindowFigures:
    window_id: int
    due: int = 0
    on_time: int = 0
    accepted: int = 0
    complaints: int = 0
    ratings: int = 0
    rating_points: Decimal = Decimal(0)
    inspection_scores: tuple = ()


def competition_figures(period: CompetitionPeriod, windows: list[int] | None = None) -> dict[int, WindowFigures]:
    """Every active window's raw figures in the period: a few grouped queries, whatever the number of windows."""
    start, end = _bounds(period)
    qs = ServiceWindow.objects.filter(is_active=True)
    if windows is not None:
        qs = qs.filter(pk__in=windows)
    site_of = dict(qs.values_list("pk", "site_id"))
    figures = {pk: WindowFigures(pk) for pk in site_of}
    due = (Matter.objects.filter(window_id__in=site_of, due_at__gte=start, due_at__lt=end).order_by()
           .values("window_id").annotate(due=Count("pk"), on_time=Count("pk", filter=Q(completed_at__lte=F("due_at")))))
    for row in due:
        figures[row["window_id"]].due, figures[row["window_id"]].on_time = row["due"], row["on_time"]
    accepted = (Matter.objects.filter(window_id__in=site_of, accepted_at__gte=start, accepted_at__lt=end).order_by()
                .values("window_id").annotate(n=Count("pk")))
    for row in accepted:
        figures[row["window_id"]].accepted = row["n"]
    complaints = (WindowComplaint.objects.filter(complaints_counted(), window_id__in=site_of, created_at__gte=start,
                                                 created_at__lt=end)
                  .order_by().values("window_id").annotate(n=Count("pk")))
    for row in complaints:
        figures[row["window_id"]].complaints = row["n"]
    ratings = (WindowRating.objects.filter(window_id__in=site_of, created_at__gte=start, created_at__lt=end)
               .order_by().values("window_id", "level").annotate(n=Count("pk")))
    for row in ratings:
        f = figures[row["window_id"]]
        f.ratings += row["n"]
        f.rating_points += RATING_POINTS[row["level"]] * row["n"]
    by_site: dict[int, list[Decimal]] = {}
    for score in released_site_scores(start=start, end=end):
        if score.score is not None:
            by_site.setdefault(score.site_id, []).append(score.score)
    for pk, site_id in site_of.items():
        figures[pk].inspection_scores = tuple(by_site.get(site_id, ()))
    return figures


def score_window(period: CompetitionPeriod, f: WindowFigures) -> dict:
    """The components, the weighted score and the explanation of one window's figures (pure: no queries)."""
    parts: list[tuple[str, Decimal | None, Decimal, str]] = []
    ontime = _q(HUNDRED * f.on_time / f.due) if f.due else None
    parts.append(("ontime", ontime, period.weight_ontime,
                  _("On-time completion: %(on)d of %(due)d matters due completed in time") % {"on": f.on_time,
                                                                                              "due": f.due}))
    if f.accepted:
        rate = Decimal(f.complaints) / f.accepted
        complaint = _q(max(Decimal(0), HUNDRED * (1 - rate / period.complaint_rate_zero)))
    else:
        complaint = None
    parts.append(("complaints", complaint, period.weight_complaints,
                  _("Complaints: %(n)d for %(m)d matters accepted (scores 0 at %(zero)s per matter)")
                  % {"n": f.complaints, "m": f.accepted, "zero": period.complaint_rate_zero.normalize()}))
    rating = _q(f.rating_points / f.ratings) if f.ratings else None
    parts.append(("rating", rating, period.weight_rating,
                  _("Ratings: mean of %(n)d ratings (非常满意 100, 满意 80, 基本满意 60, 不满意 20, 非常不满意 0)")
                  % {"n": f.ratings}))
    scores = f.inspection_scores
    inspection = _q(sum(scores, Decimal(0)) / len(scores)) if scores else None
    parts.append(("inspection", inspection, period.weight_inspection,
                  _("Inspections: mean of %(n)d inspection scores of the window's site") % {"n": len(scores)}))
    weighed = [(v, w) for _k, v, w, _t in parts if v is not None and w > 0]
    total_weight = sum((w for _v, w in weighed), Decimal(0))
    total = _q(sum((v * w for v, w in weighed), Decimal(0)) / total_weight) if total_weight else None
    explanation = [{"part": key, "value": str(value) if value is not None else None, "weight": str(weight),
                    "text": text if value is not None else text + _(" — none in the period, weight left out")}
                   for key, value, weight, text in parts]
    return {"ontime_score": ontime, "complaint_score": complaint, "rating_score": rating,
            "inspection_score": inspection, "total": total, "explanation": explanation,
            "rankable": f.due >= period.min_matters and total is not None}


def ranking_step(*, period_id: int, actor, action_key: str, note: str = "",
                 expected_version: int | None = None) -> CompetitionPeriod:
    """The one locked step of the ranking: lock the period, check the action table and the version, change, log."""
    action = ACTIONS_BY_KEY.get(action_key)
    if action is None:
        raise WindowError(_("Unknown action."))
    note = (note or "").strip()
    with transaction.atomic():
        period = locked_in_scope(CompetitionPeriod.objects.all(), actor, period_id)
        if expected_version is not None and expected_version != period.version:
            raise WindowError(_("This period changed since you opened it; reload the page."))
        if not scope_for(actor).roles & action.who:
            raise NotAllowed(_("Your role may not do this."))
        if period.state not in action.states:
            raise IllegalTransition(_("Not possible while the ranking is %(state)s.")
                                    % {"state": period.get_state_display()})
        if action.note == "required" and not note:
            raise WindowError(_("Note: give a reason."))
        if action.key == "approve":
            if period.computed_at is None:
                raise WindowError(_("Compute the ranking before approving it."))
            if period.computed_by_id == actor.pk:
                raise NotAllowed(_("You computed this ranking; another approver must approve it."))
        from_state = period.state
        now = timezone.now()
        if action.key == "compute":
            _compute(period)
            period.computed_at, period.computed_by, period.approved_by = now, actor, None
        elif action.key == "approve":
            period.approved_by = actor
        elif action.key == "publish":
            period.published_at = now
        elif action.key == "return":
            period.approved_by = None
        period.state = action.to_state
        period.version += 1
        period.save()
        _event(period, action=action.key, from_state=from_state, actor=actor, note=note)
    return period


def _compute(period: CompetitionPeriod) -> None:
    """Replace the period's scores with freshly computed ones, ranked (ties share a rank; unranked last)."""
    figures = competition_figures(period)
    rows = []
    for window_id, f in figures.items():
        scored = score_window(period, f)
        rows.append((scored, CompetitionScore(
            period=period, window_id=window_id, matters_due=f.due, on_time=f.on_time, matters_accepted=f.accepted,
            complaints=f.complaints, ratings=f.ratings, ontime_score=scored["ontime_score"],
            complaint_score=scored["complaint_score"], rating_score=scored["rating_score"],
            inspection_score=scored["inspection_score"], total=scored["total"], explanation=scored["explanation"])))
    ranked = sorted((r for s, r in rows if s["rankable"]), key=lambda r: (-r.total, r.window_id))
    previous, rank = None, 0
    for position, row in enumerate(ranked, 1):
        if row.total != previous:
            rank, previous = position, row.total
        row.rank = rank
    period.scores.all().delete()
    CompetitionScore.objects.bulk_create([r for _s, r in rows], batch_size=1000)
