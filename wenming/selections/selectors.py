"""Reads for the selection pages, the public results (晾晒) and the API."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from wenming.common.access import restrict
from wenming.selections.models import (
    Call,
    CallQuota,
    CallStatus,
    ConflictDeclaration,
    ExpertScore,
    Nomination,
    NominationPhoto,
    NominationStatus,
    Objection,
    ObjectionStatus,
    PanelMember,
)

N = NominationStatus
# What the public sees of a call: published results, and names in the notice (公示). Nothing of a nominator.
PUBLIC_STATUSES = (N.WINNER, N.REVOKED)
SHOWN_PUBLIC = (N.WINNER, N.REVOKED, N.IN_NOTICE)


def calls_visible(user):
    return restrict(Call.objects.select_related("kind", "organiser"), user).order_by("-nominations_open", "pk")


# The outlines of areas and sites (GeoJSON, a district's runs to megabytes) are never shown with a nomination.
NO_GEOMETRY = ("area__geometry", "district__geometry", "site__geometry")
# Nominations on one page of a call (the page shows the counts of all of them).
CALL_PAGE_SIZE = 100


def nominations_visible(user, call: Call):
    return (restrict(Nomination.objects.filter(call=call), user).select_related("area", "district", "site", "unit")
            .defer(*NO_GEOMETRY))


def nomination_counts(user, call: Call) -> Counter:
    """(district id, status) → nominations of the call the viewer sees: one grouped query, whatever their number."""
    visible = restrict(Nomination.objects.filter(call=call), user)
    if visible.query.distinct:  # a scope through joins: count each nomination once
        visible = Nomination.objects.filter(pk__in=visible.values("pk"))
    rows = visible.order_by().values("district_id", "status").annotate(n=Count("pk"))
    return Counter({(r["district_id"], r["status"]): r["n"] for r in rows})


def call_districts(call: Call, nominations, counts: Counter | None = None) -> list[dict]:
    """Per district with a quota: the quota, the nominations given (the page's, of those the viewer sees) and the
    status counts (``counts`` from ``nomination_counts``: of all of them; else of those given)."""
    by_district = defaultdict(list)
    for n in nominations:
        by_district[n.district_id].append(n)
    if counts is None:
        counts = Counter((n.district_id, n.status) for n in nominations)
    rows = []
    for quota in CallQuota.objects.filter(call=call).select_related("area").defer("area__geometry").order_by("area__code"):
        entries = by_district.get(quota.area_id, [])
        mine = {s: c for (district, s), c in counts.items() if district == quota.area_id}
        rows.append({"area": quota.area, "quota": quota.quota, "nominations": entries,
                     "counts": [(N(s).label, c) for s, c in sorted(mine.items())]})
    return rows


def status_counts(nominations=None, *, counts: Counter | None = None) -> list[tuple[str, int]]:
    """The nominations counted by status, in the lifecycle's order (``counts`` from ``nomination_counts``)."""
    by_status = Counter()
    if counts is not None:
        for (_district, s), c in counts.items():
            by_status[s] += c
    else:
        by_status = Counter(n.status for n in nominations)
    return [(label, by_status[value]) for value, label in N.choices if by_status[value]]


def expert_calls(user):
    """The calls where this person sits on the panel, with what they still have to do."""
    return Call.objects.filter(panel__user=user).select_related("kind").order_by("-nominations_open")


def expert_sheet(call: Call, user) -> list[dict]:
    """The expert's queue on one call: each nominee in review, their declaration and score."""
    declarations = {d.nomination_id: d for d in ConflictDeclaration.objects.filter(nomination__call=call, expert=user)}
    scores = {s.nomination_id: s for s in ExpertScore.objects.filter(nomination__call=call, expert=user)}
    rows = []
    for n in Nomination.objects.filter(call=call, status__in=(N.QUALIFIED, N.SHORTLISTED)).select_related("area"):
        rows.append({"nomination": n, "declaration": declarations.get(n.pk), "score": scores.get(n.pk)})
    return rows


def panel(call: Call):
    return PanelMember.objects.filter(call=call).select_related("user").order_by("pk")


# -- public ---------------------------------------------------------------------------------------------------------

def _photos():
    return Prefetch("photos", queryset=NominationPhoto.objects.order_by("pk"))


# Published calls on one page of the results board.
RESULTS_PAGE_SIZE = 10


def results_calls_query():
    """Published calls, newest first (the board pages through them)."""
    return Call.objects.filter(status=CallStatus.PUBLISHED).select_related("kind").order_by("-published_at", "-pk")


def results_calls(calls=None):
    """Published calls (``calls``, a page of ``results_calls_query``; else all of them), each with its winners and
    withdrawn titles (in ``shown``)."""
    calls = list(results_calls_query() if calls is None else calls)
    entries = defaultdict(list)
    for n in (Nomination.objects.filter(call__in=[c.pk for c in calls], status__in=PUBLIC_STATUSES)
              .select_related("district").defer("district__geometry").prefetch_related(_photos())
              .order_by("district__code", "-final_score", "number")):
        entries[n.call_id].append(n)
    for call in calls:
        call.shown = entries.get(call.pk, [])
    return calls


def calls_taking_nominations(now=None):
    now = now or timezone.now()
    return (Call.objects.filter(status=CallStatus.NOMINATING, nominations_open__lte=now, nominations_close__gte=now)
            .select_related("kind").order_by("nominations_close"))


def calls_in_notice():
    calls = list(Call.objects.filter(status=CallStatus.NOTICE).select_related("kind").order_by("notice_ends_on"))
    entries = defaultdict(list)
    for n in (Nomination.objects.filter(call__in=calls, status=N.IN_NOTICE).select_related("district")
              .defer("district__geometry").prefetch_related(_photos()).order_by("district__code", "number")):
        entries[n.call_id].append(n)
    for call in calls:
        call.shown = entries.get(call.pk, [])
    return calls


def public_nomination(pk: int) -> Nomination | None:
    return (Nomination.objects.filter(pk=pk, status__in=SHOWN_PUBLIC)
            .filter(Q(call__status=CallStatus.PUBLISHED) | Q(call__status=CallStatus.NOTICE))
            .select_related("call", "call__kind", "district", "area").prefetch_related(_photos()).first())


def feed_entries(limit: int = 30):
    return list(Nomination.objects.filter(status__in=PUBLIC_STATUSES, call__status=CallStatus.PUBLISHED)
                .select_related("call", "call__kind", "district").order_by("-updated_at", "-pk")[:limit])


def pending_objections(call: Call) -> dict[int, int]:
    """Nomination id → its oldest objection still open (for the organisers' ranking: the badge links to it)."""
    rows = (Objection.objects.filter(nomination__call=call, status=ObjectionStatus.OPEN)
            .order_by("-created_at", "-pk").values_list("nomination_id", "pk"))
    return dict(rows)  # newest first: the oldest of each nomination is written last and stays
