"""The demo's storefront checks (门前五包): eight weeks of checks on the registered shops of 桃城区's first street (by
its office's 郑主任, jiedao) and of a few other streets (by the dispatcher), some with violations whose notices were
served and re-checked; one shop violating 包秩序 three times (a repeat offender) and one notice not fixed after its
deadline, filed as a case that routing sent to the supervising street office.

The register comes from demo-data; shops without an area or road get the grid and the road at their point (so the
grid worker wangge sees those of her community and the list filters by road). Leaves what is there already."""

from __future__ import annotations

import datetime as dt
import io
import random

from django.db import transaction
from django.utils import timezone
from PIL import Image

from wenming.cases.services import workflow as wf
from wenming.inspections.models import StorefrontCheck, StorefrontNotice
from wenming.inspections.services import storefront as sf
from wenming.inspections.storefront_selectors import (
    repeat_since,
    repeat_threshold,
    storefront_repeat_offenders,
)
from wenming.org.models import Person, StorefrontDuty
from wenming.org.spatial import get_index

SEED = 20260316
NOTES = {"sanitation": "门前有散落垃圾", "greening": "树池内堆放杂物", "order": "店外摆放货架经营",
         "facilities": "门头牌匾破损", "civility": "门前占道吆喝揽客"}


def _photo(n: int) -> wf.Upload:
    out = io.BytesIO()
    Image.new("RGB", (120, 90), (90 + 17 * n % 150, 110, 70)).save(out, format="JPEG")
    return wf.Upload(name=f"storefront-{n}.jpg", content=out.getvalue())


def _register_place() -> int:
    """Give shops without an area or road the grid and the road at their point; returns how many were changed."""
    index, changed = get_index(), []
    for shop in StorefrontDuty.objects.filter(area=None).exclude(lng=None) | StorefrontDuty.objects.filter(
            road=None).exclude(lng=None):
        if shop.area_id is None:
            shop.area_id = index.locate(shop.lng, shop.lat)
        if shop.road_id is None:
            road = index.nearest_road(shop.lng, shop.lat, radius_m=40)
            shop.road_id = road[0] if road else None
        changed.append(shop)
    StorefrontDuty.objects.bulk_update(changed, ["area", "road"], batch_size=500)
    return len(changed)


def _results(duties: list[str], bad: set[str], n: int) -> list[sf.DutyResult]:
    return [sf.DutyResult(d, d not in bad, NOTES[d] if d in bad else "", _photo(n + i) if d in bad else None)
            for i, d in enumerate(duties)]


def _check(actor, shop, bad: set[str], when: dt.datetime, n: int):
    duties = [d for d in sf.DUTY_KEYS if d in (shop.duties or sf.DUTY_KEYS)]
    return sf.storefront_check_record(actor=actor, shop_id=shop.pk, results=_results(duties, bad & set(duties), n),
                                      checked_at=when, lng=shop.lng, lat=shop.lat)


def _serve(actor, notice, when: dt.datetime, how: str = "in_person"):
    return sf.storefront_notice_serve(actor=actor, notice_id=notice.pk, served_how=how, served_at=when,
                                      note="店主签收" if how == "in_person" else "")


def _recheck(actor, notice, when: dt.datetime, *, fixed: bool, n: int):
    return sf.storefront_notice_recheck(actor=actor, notice_id=notice.pk, checked_at=when, lng=notice.shop.lng,
                                        lat=notice.shop.lat, results=_results(list(notice.duties),
                                                                              set() if fixed else set(notice.duties), n))


def storefronts_demo_build(*, weeks: int = 8) -> dict:
    """Checks, notices, serving and re-checks over the last ``weeks`` (at most 8: a check may be 62 days old)."""
    counts = {"placed": 0, "checks": 0, "notices": 0, "cases": 0, "repeat_offenders": 0}
    if StorefrontCheck.objects.exists() or not StorefrontDuty.objects.exists():
        return counts
    people = {p.username: p for p in Person.objects.filter(username__in=["jiedao", "paiqian"])}
    if len(people) < 2:
        return counts
    rng = random.Random(SEED)
    now = timezone.now().replace(microsecond=0)
    start = now - dt.timedelta(weeks=min(weeks, 8)) + dt.timedelta(days=1)
    with transaction.atomic():
        counts["placed"] = _register_place()
        own = list(StorefrontDuty.objects.filter(supervising_unit=people["jiedao"].unit).order_by("code"))
        others = list(StorefrontDuty.objects.exclude(supervising_unit=people["jiedao"].unit).order_by("code"))
        others = rng.sample(others, min(len(others), 12))
        n = 0
        # The repeat offender: 包秩序 violated on three routine checks; the first two notices fixed, the third open.
        if own:
            offender, actor = own[0], people["jiedao"]
            for days in (48, 27, 2):
                check = _check(actor, offender, {"order"}, now - dt.timedelta(days=days, hours=3), n)
                n += 5
                notice = check.issued_notice
                _serve(actor, notice, check.checked_at + dt.timedelta(hours=1))
                if days > 2:
                    _recheck(actor, notice, check.checked_at + dt.timedelta(days=4), fixed=True, n=n)
        # The notice not fixed after its deadline: a case, routed to the street office by the storefront duty.
        # (On Hengshui's outlines each street office supervises one shop: then a shop of another street, checked by
        # the dispatcher.)
        unfixed = own[1:2] or others[:1]
        if unfixed:
            shop = unfixed[0]
            actor = people["jiedao"] if shop in own else people["paiqian"]
            check = _check(actor, shop, {"sanitation", "order"}, now - dt.timedelta(days=20, hours=2), n)
            n += 5
            _serve(actor, check.issued_notice, check.checked_at + dt.timedelta(hours=2), how="posted")
            _recheck(actor, check.issued_notice, check.checked_at + dt.timedelta(days=10), fixed=False, n=n)
        # The rest: a check every week or two, about one in four with a violation.
        for shop in [s for s in own[2:] + others if s not in unfixed]:
            actor = people["jiedao"] if shop.supervising_unit_id == people["jiedao"].unit_id else people["paiqian"]
            day = start + dt.timedelta(days=rng.randrange(0, 10), hours=rng.randrange(1, 8))
            while day < now - dt.timedelta(hours=1):
                bad = {rng.choice(sf.DUTY_KEYS)} if rng.random() < 0.25 else set()
                check = _check(actor, shop, bad, day, n)
                n += 5
                if bad:
                    notice = check.issued_notice
                    if rng.random() < 0.8:
                        _serve(actor, notice, day + dt.timedelta(hours=1))
                    settle = day + dt.timedelta(days=rng.randrange(2, 9))
                    if settle < now - dt.timedelta(days=1) and rng.random() < 0.7:
                        _recheck(actor, notice, settle, fixed=True, n=n)
                day += dt.timedelta(days=rng.randrange(7, 15), hours=rng.randrange(-2, 3))
    counts["checks"] = StorefrontCheck.objects.count()
    counts["notices"] = StorefrontNotice.objects.count()
    counts["cases"] = StorefrontNotice.objects.exclude(case=None).count()
    counts["repeat_offenders"] = len({o.shop_id for o in storefront_repeat_offenders(
        since=repeat_since(), threshold=repeat_threshold())})
    return counts
