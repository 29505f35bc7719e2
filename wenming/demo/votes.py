"""The demo's public vote: three days of citizens' votes on a call in its vote, cast through the real service
(``vote_cast``), with one burst from a single network that waits for review on the reviewers' page.

``votes_demo_build(call=…)`` votes on the call it is given; without one it takes the first call in its vote, and
when the demo has none (the selection workflow's demo, ``demo/selections.py``, makes calls in other stages) it runs
its own call of 最美楼道 through the workflow's services up to its vote, five stairwells on the ballot, so
``make demo`` always shows a ballot at /selections/vote/.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from wenming.common.services.limits import RateLimited
from wenming.demo.evaluation_materials import demo_png
from wenming.demo.selections import _clean_sites, _values
from wenming.org.models import Area, AreaLevel, Person, Unit
from wenming.selections.models import Call, CallStatus, NominationStatus, SelectionKind, Vote
from wenming.selections.services import calls as call_services
from wenming.selections.services.nominations import Nominee, Upload, nomination_create
from wenming.selections.services.qualification import qualification_override, qualification_run
from wenming.selections.services.votes import vote_cast, voter_token_issue, voter_token_read

DEMO_CALL_TITLE = "2026年度“最美楼道”评选（公众投票）"
STATEMENTS = [
    "楼道无杂物、无小广告，居民自发种植绿植，定期开展邻里议事。",
    "老旧楼道粉刷一新，安装感应灯和扶手，方便老人上下楼。",
    "楼长带头每周清扫，电动车一律进集中充电棚，消防通道畅通。",
    "设置爱心角和图书角，楼道文化墙展示家风家训。",
    "垃圾分类到户，楼道整洁明亮，获得居民一致好评。",
]


def _demo_call() -> Call:
    """The demo's own call in its vote (made once), run through the selection workflow's services: created with
    quotas and a scoring sheet, nominations taken and closed, qualified, then the vote opened three days ago."""
    call = Call.objects.filter(title=DEMO_CALL_TITLE).first()
    if call is not None:
        return call
    now = timezone.now()
    kind, _created = SelectionKind.objects.get_or_create(code="zmld", defaults={"name": "最美楼道", "subject": "site"})
    organiser = Person.objects.get(username="zhiban")
    districts = list(Area.objects.filter(level=AreaLevel.COUNTY).order_by("code"))
    call = call_services.call_create(actor=organiser, values=_values(
        kind, DEMO_CALL_TITLE, Unit.objects.get(code="CMD"), now - dt.timedelta(days=40), now - dt.timedelta(days=10),
        {d.pk: 2 for d in districts}))

    def step(key: str, when: dt.datetime) -> None:
        call.refresh_from_db()
        call_services.call_step(call_id=call.pk, actor=organiser, action_key=key, expected_version=call.version,
                                now=when)

    step("open", now - dt.timedelta(days=40))
    entries = []
    for i, site in enumerate(_clean_sites(60)[-len(STATEMENTS):]):
        entries.append(nomination_create(
            call_id=call.pk, actor=organiser, nominee=Nominee(site_id=site.pk, name=f"{site.name}楼道"),
            statement=STATEMENTS[i], photos=[Upload("楼道.png", demo_png(i + 3, size=(640, 420)))],
            now=now - dt.timedelta(days=30)))
    step("close", now - dt.timedelta(days=10))
    for nomination in entries:
        nomination.refresh_from_db()
        qualification_run(nomination_id=nomination.pk, actor=organiser, expected_version=nomination.version)
        nomination.refresh_from_db()
        if nomination.status == NominationStatus.HELD_BACK:
            qualification_override(nomination_id=nomination.pk, actor=organiser, expected_version=nomination.version,
                                   note="问题已整改到位，经核实同意参评。")
    step("open_vote", now - dt.timedelta(days=3))
    call.refresh_from_db()
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
