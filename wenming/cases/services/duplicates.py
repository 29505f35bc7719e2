"""Duplicate suggestions at intake: open cases of the same category, near in place and time."""

from __future__ import annotations

import datetime as dt
import math

from django.utils import timezone

from wenming.cases.models import OPEN_STATES, Case, Category
from wenming.common.access import restrict
from wenming.common.geo import EARTH_RADIUS_M, haversine_m


def duplicates_suggest(
    *, lng: float, lat: float, category: Category, user, at: dt.datetime | None = None, exclude_id: int | None = None,
    limit: int = 10,
) -> list[tuple[Case, float]]:
    """Open cases the person may see, nearest first, with their distance in metres (WGS-84 input)."""
    at = at or timezone.now()
    radius = category.duplicate_radius_m
    dlat = math.degrees(radius / EARTH_RADIUS_M)
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    candidates = restrict(Case.objects.all(), user).filter(
        category=category, state__in=OPEN_STATES, parent__isnull=True,
        reported_at__gte=at - dt.timedelta(hours=category.duplicate_window_hours), reported_at__lte=at,
        lng__range=(lng - dlng, lng + dlng), lat__range=(lat - dlat, lat + dlat),
    )
    if exclude_id:
        candidates = candidates.exclude(pk=exclude_id)
    found = []
    for case in candidates.select_related("unit")[:200]:
        distance = haversine_m(lng, lat, case.lng, case.lat)
        if distance <= radius:
            found.append((case, round(distance, 1)))
    found.sort(key=lambda pair: (pair[1], -pair[0].reported_at.timestamp()))
    return found[:limit]
