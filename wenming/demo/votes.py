"""The demo's public vote: three days of citizens' votes on a call in its vote, cast through the real service
(``vote_cast``), with one burst from a single network that waits for review on the reviewers' page.

``votes_demo_build(call=…)`` votes on the call it is given; without one it takes the first call in its vote, and
when the demo has none (the selection workflow's demo makes calls in other stages) it opens its own small call of
最美楼道 with five stairwells on the ballot, so ``make demo`` always shows a ballot at /selections/vote/.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from wenming.common.services.limits import RateLimited
from wenming.demo.evaluation_materials import demo_png
from wenming.org.models import Area, AreaLevel, Unit
from wenming.selections.models import (
    Call,
    CallStatus,
    Nomination,
    NominationPhoto,
    NominationStatus,
    NominatorKind,
    SelectionKind,
    Vote,
)
from wenming.selections.services.votes import vote_cast, voter_token_issue, voter_token_read

DEMO_CALL_TITLE = "2026年度“最美楼道”评选（公众投票）"
STAIRWELLS = [
    ("阳光小区3号楼2单元", "楼道无杂物、无小广告，居民自发种植绿植，定期开展邻里议事。"),
    ("和平里社区7号楼1单元", "老旧楼道粉刷一新，安装感应灯和扶手，方便老人上下楼。"),
    ("滏阳花园12号楼3单元", "楼长带头每周清扫，电动车一律进集中充电棚，消防通道畅通。"),
    ("人民路小区5号楼4单元", "设置爱心角和图书角，楼道文化墙展示家风家训。"),
    ("桃城新苑2号楼1单元", "垃圾分类到户，楼道整洁明亮，获得居民一致好评。"),
]


def _demo_call() -> Call:
    """The demo's own call in its vote (made once)."""
    call = Call.objects.filter(title=DEMO_CALL_TITLE).first()
    if call is not None:
        return call
    now = timezone.now()
    kind, _created = SelectionKind.objects.get_or_create(code="zmld", defaults={"name": "最美楼道", "subject": "site"})
    organiser = Unit.objects.filter(code="WMB").first() or Unit.objects.order_by("pk").first()
    call = Call.objects.create(
        kind=kind, title=DEMO_CALL_TITLE, organiser=organiser, status=CallStatus.VOTING,
        criteria="楼道整洁、设施完好、邻里和睦、文明公约上墙。",
        nominations_open=now - dt.timedelta(days=40), nominations_close=now - dt.timedelta(days=20),
        vote_opens=now - dt.timedelta(days=3), vote_closes=now + dt.timedelta(days=7))
    communities = list(Area.objects.filter(level=AreaLevel.COMMUNITY).order_by("code")[:len(STAIRWELLS) * 7:7])
    for i, (name, statement) in enumerate(STAIRWELLS):
        nomination = Nomination.objects.create(
            call=call, number=i + 1, name=name, area=communities[i % len(communities)], statement=statement,
            nominator_kind=NominatorKind.COMMUNITY, status=NominationStatus.SHORTLISTED)
        NominationPhoto.objects.create(nomination=nomination,
                                       file=ContentFile(demo_png(i + 3, size=(640, 420)), name=f"stairwell-{i + 1}.png"))
    return call


def votes_demo_build(*, call: Call | None = None, seed: int = 7, per_day: int = 60) -> int:
    """Votes on ``call`` (see the module's docstring) over the last three days; answers how many were taken.
    Does nothing when the call has votes already (run twice, same demo)."""
    call = call or Call.objects.filter(status=CallStatus.VOTING).order_by("pk").first() or _demo_call()
    if Vote.objects.filter(call=call).exists():
        return 0
    nominees = list(call.nominations.filter(status=NominationStatus.SHORTLISTED).order_by("number"))
    if not nominees:
        return 0
    rng = random.Random(seed)
    weights = [rng.uniform(1, 5) for _ in nominees]
    now = timezone.now()
    taken = 0
    with transaction.atomic():
        for back in (2, 1, 0):
            day_start = now - dt.timedelta(days=back, hours=3)
            for i in range(per_day):
                at = day_start + dt.timedelta(minutes=2 * i + rng.randint(0, 1))
                phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
                taken += _cast(call, rng.choices(nominees, weights)[0], phone, at,
                               network=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                               device=f"demo-device-{back}-{i:04d}-{rng.randrange(10**6):06d}")
        # A burst: 30 phones from one network for the last nominee within a few minutes, flagged for review.
        for i in range(30):
            taken += _cast(call, nominees[-1], f"1990000{i:04d}", now - dt.timedelta(minutes=20 - i * 0.5),
                           network="172.16.8.20", device=f"demo-burst-device-{i:04d}-abcdef")
    return taken


def _cast(call, nominee, phone, at, *, network, device) -> int:
    voter = voter_token_read(voter_token_issue(phone=phone, now=at), now=at)
    if voter is None or not (call.vote_opens <= at < call.vote_closes):
        return 0
    try:
        answer = vote_cast(call_id=call.pk, nomination_id=nominee.pk, voter=voter, network=network, device=device,
                           user_agent="Mozilla/5.0 (iPhone; demo)", now=at)
    except RateLimited:
        return 0
    return int(answer.created)
