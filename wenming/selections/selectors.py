"""Reads for the selection pages, the public results (晾晒) and the API."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Prefetch, Q
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
    PanelMember,
)

N = NominationStatus
# What the public sees of a call: published results, and names in the notice (公示). Nothing of a nominator.
PUBLIC_STATUSES = (N.WINNER, N.REVOKED)
SHOWN_PUBLIC = (N.WINNER, N.REVOKED, N.IN_NOTICE)


def calls_visible(user):
    return restrict(Call.objects.select_related("kind", "organiser"), user).order_by("-nominations_open", "pk")


def nominations_visible(user, call: Call):
    return restrict(Nomination.objects.filter(call=call), user).select_related("area", "district", "site", "unit")


def call_districts(call: Call, nominations) -> list[dict]:
    """Per district with a quota: the quota, the nominations (those the viewer sees) and their status counts."""
    by_district = defaultdict(list)
    for n in nominations:
        by_district[n.district_id].append(n)
    rows = []
    for quota in CallQuota.objects.filter(call=call).select_related("area").order_by("area__code"):
        entries = by_district.get(quota.area_id, [])
        counts = Counter(n.status for n in entries)
        rows.append({"area": quota.area, "quota": quota.quota, "nominations": entries,
                     "counts": [(N(s).label, c) for s, c in sorted(counts.items())]})
    return rows


def status_counts(nominations) -> list[tuple[str, int]]:
    counts = Counter(n.status for n in nominations)
    return [(label, counts[value]) for value, label in N.choices if counts[value]]


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


def results_calls():
    """Published calls, newest first, each with its winners and withdrawn titles (in ``shown``)."""
    calls = list(Call.objects.filter(status=CallStatus.PUBLISHED).select_related("kind")
                 .order_by("-published_at", "-pk"))
    entries = defaultdict(list)
    for n in (Nomination.objects.filter(call__in=calls, status__in=PUBLIC_STATUSES)
              .select_related("district").prefetch_related(_photos())
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
              .prefetch_related(_photos()).order_by("district__code", "number")):
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
