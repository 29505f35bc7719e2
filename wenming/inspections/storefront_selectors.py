"""Reading storefront checks (门前五包): the shop list with its last check, open notices and repeat counts, one
shop's history, and the repeat offenders the credit network will read (``storefront_repeat_offenders``).

Repeat violations: per shop and duty, the routine checks (not re-checks: a re-check of a notice sees the same
violation again) in the rolling window that found the duty not complied with. Window and threshold are
``WENMING_STOREFRONT_REPEAT_DAYS`` (90) and ``WENMING_STOREFRONT_REPEAT_THRESHOLD`` (3).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from wenming.common.access import restrict
from wenming.inspections.models import (
    CheckKind,
    StorefrontCheck,
    StorefrontCheckItem,
    StorefrontEvent,
    StorefrontNotice,
)
from wenming.inspections.models.storefront import OPEN_NOTICE_STATES
from wenming.inspections.storefront_flags import storefront_flags
from wenming.org.models import StorefrontDuty

OPEN_NOTICE_STATES_VALUES = [str(s) for s in OPEN_NOTICE_STATES]


def repeat_window_days() -> int:
    return int(getattr(settings, "WENMING_STOREFRONT_REPEAT_DAYS", 90))


def repeat_threshold() -> int:
    return int(getattr(settings, "WENMING_STOREFRONT_REPEAT_THRESHOLD", 3))


def repeat_since(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=repeat_window_days())


def _violations(since: dt.datetime, shop_ids=None) -> QuerySet:
    # Driven by the checks with violations (a subquery), not by every non-compliant item joined to its check: three
    # times faster city-wide at 100,000 checks (bench/storefronts.py), and on the shop's index for a page's shops.
    checks = StorefrontCheck.objects.filter(kind=CheckKind.CHECK, checked_at__gte=since, violations__gt=0)
    if shop_ids is not None:
        checks = checks.filter(shop_id__in=list(shop_ids))
    return StorefrontCheckItem.objects.filter(compliant=False, check_row__in=checks.values("pk"))


def repeat_counts(shop_ids, *, since: dt.datetime) -> dict[int, dict[str, int]]:
    """{shop id: {duty: violations since ``since``}} for the given shops (one grouped query)."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    rows = _violations(since, shop_ids).values_list("check_row__shop_id", "duty").annotate(n=Count("pk"))
    for shop_id, duty, n in rows:
        out[shop_id][duty] = n
    return out


@dataclass(frozen=True)
class RepeatOffence:
    shop_id: int
    duty: str
    count: int


def storefront_repeat_offenders(*, since: dt.datetime, threshold: int) -> list[RepeatOffence]:
    """Every shop and duty violated at least ``threshold`` times in routine checks at or after ``since``, most
    first. City-wide and unscoped: for services (the credit network); pages scope their shops first."""
    rows = (_violations(since).values_list("check_row__shop_id", "duty").annotate(n=Count("pk"))
            .filter(n__gte=threshold).order_by("-n", "check_row__shop_id", "duty"))
    return [RepeatOffence(shop_id, duty, n) for shop_id, duty, n in rows]


@dataclass
class ShopFilters:
    area_id: int | None = None
    unit_id: int | None = None
    road_id: int | None = None
    overdue: bool = False
    q: str = ""


def shop_rows(user, filters: ShopFilters, *, today: dt.date | None = None, limit: int = 200) -> list[StorefrontDuty]:
    """The shops this person sees, with ``last_checked``, ``open_notices``, ``overdue_notices``, ``repeats`` (duty →
    count in the window) and ``flagged``; filtered by area (the shop's or its unit's), unit, road, overdue."""
    today = today or timezone.localdate()
    notices = StorefrontNotice.objects.filter(shop=OuterRef("pk"), state__in=OPEN_NOTICE_STATES_VALUES)
    # Without the geometries: an area's outline is large and the list shows names only.
    shops = (restrict(StorefrontDuty.objects.all(), user).select_related("supervising_unit", "road", "area")
             .defer("geometry", "road__geometry", "area__geometry"))
    f = filters
    if f.area_id:
        shops = shops.filter(Q(area_id=f.area_id) | Q(area__parent_id=f.area_id)
                             | Q(supervising_unit__area_id=f.area_id))
    if f.unit_id:
        shops = shops.filter(supervising_unit_id=f.unit_id)
    if f.road_id:
        shops = shops.filter(road_id=f.road_id)
    if f.overdue:
        shops = shops.filter(Exists(notices.filter(due_on__lt=today)))
    if f.q:
        shops = shops.filter(Q(shop_name__icontains=f.q) | Q(code__icontains=f.q) | Q(address__icontains=f.q))
    rows = list(shops.order_by("code")[:limit])
    # The figures for the page's shops only, one grouped query each (joining checks and notices to every shop in
    # scope before the limit multiplies rows: a second at 5,000 shops).
    ids = [s.pk for s in rows]
    last = dict(StorefrontCheck.objects.filter(shop_id__in=ids).values_list("shop_id").annotate(m=Max("checked_at")))
    open_notices = (StorefrontNotice.objects.filter(shop_id__in=ids, state__in=OPEN_NOTICE_STATES_VALUES)
                    .values_list("shop_id").annotate(n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today))))
    notice_counts = {shop_id: (n, late) for shop_id, n, late in open_notices}
    counts = repeat_counts(ids, since=repeat_since())
    threshold = repeat_threshold()
    for shop in rows:
        shop.last_checked = last.get(shop.pk)
        shop.open_notices, shop.overdue_notices = notice_counts.get(shop.pk, (0, 0))
        shop.repeats = counts.get(shop.pk, {})
        shop.flagged = any(n >= threshold for n in shop.repeats.values())
    flags = storefront_flags(ids)
    for shop in rows:
        shop.other_flags = flags.get(shop.pk, [])
    return rows


def shops_near(user, *, lng: float, lat: float, limit: int = 20) -> list[tuple[StorefrontDuty, float]]:
    """The shops in scope nearest the point (by their representative point; a box of about 1 km first)."""
    box = 0.01
    shops = restrict(StorefrontDuty.objects.all(), user).filter(
        lng__range=(lng - box, lng + box), lat__range=(lat - box, lat + box)).only(
        "pk", "code", "shop_name", "address", "lng", "lat", "supervising_unit_id")
    # Metres on a small patch: an equirectangular approximation is well within a shop's width.
    k = math.cos(math.radians(lat))
    dist = [(s, 111_320 * math.hypot((s.lng - lng) * k, s.lat - lat)) for s in shops]
    return sorted(dist, key=lambda p: p[1])[:limit]


def shop_history(shop: StorefrontDuty) -> dict:
    """A shop's checks (with items), notices and log, newest first."""
    checks = list(StorefrontCheck.objects.filter(shop=shop).select_related("checked_by", "notice")
                  .prefetch_related("items")[:100])
    notices = list(StorefrontNotice.objects.filter(shop=shop).select_related("case", "supervising_unit")[:100])
    events = list(StorefrontEvent.objects.filter(shop=shop).select_related("actor", "notice").order_by("-at", "-pk")[:200])
    counts = repeat_counts([shop.pk], since=repeat_since()).get(shop.pk, {})
    threshold = repeat_threshold()
    return {"checks": checks, "notices": notices, "events": events, "repeats": counts,
            "flagged": any(n >= threshold for n in counts.values()), "threshold": threshold,
            "window_days": repeat_window_days()}
