"""The demo's road chiefs (路长巡查): the login ``luzhang`` (no role: a chief by the register) named on two roads of
桃城区's first street, and chiefs of the other roads of 桃城区 (accounts that cannot log in), each with patrols over
the last three weeks — most days done, some missed, a few ended half-way — and a few problems reported as cases.
Log in as luzhang for 我的路段, as zhiban or taocheng for the patrol log and the indicators."""

from __future__ import annotations

import datetime as dt
import io
import random

from django.utils import timezone
from PIL import Image

from wenming.cases.services import workflow as wf
from wenming.demo.accounts import demo_password_hash
from wenming.inspections.models import Patrol, PatrolRule
from wenming.inspections.services import patrols as svc
from wenming.org.models import Area, AreaLevel, Person, RoadChief

LOGIN = "luzhang"
DAYS = 21
OTHER_CHIEFS = 10
SEED = 20260316
# Per chief, how likely a due patrol is done (the rest missed or, now and then, ended half-way).
DILIGENCE = (0.95, 0.85, 0.7, 0.5, 0.3)
FINDINGS = (("SJ0401", "人行道上流动摊贩占道经营"), ("SJ0304", "路面破损坑洼"), ("SJ0101", "路边暴露垃圾未清运"))
DEFAULT_RULES = ((1, "month", 1), (2, "week", 1), (3, "day", 1), (4, "day", 1))


def _photo() -> wf.Upload:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (150, 120, 90)).save(out, "JPEG")
    return wf.Upload("patrol.jpg", out.getvalue())


def _patrol(chief: RoadChief, road: svc.SegmentLine, when: dt.datetime, *, full: bool, finding=None) -> Patrol:
    person = chief.person
    patrol = svc.patrol_start(actor=person, chief_id=chief.pk, now=when)
    stops = (0.05, 0.4, 0.92) if full else (0.1, 0.3)
    for i, share in enumerate(stops):
        lng, lat = road.point(share * road.length_m, off_m=8)
        svc.patrol_checkin(actor=person, patrol_id=patrol.pk, lng=lng, lat=lat, now=when + dt.timedelta(minutes=12 * i))
    if finding:
        lng, lat = road.point(0.5 * road.length_m, off_m=5)
        svc.patrol_finding_report(actor=person, patrol_id=patrol.pk, category=finding[0], description=finding[1],
                                  lng=lng, lat=lat, photo=_photo(), now=when + dt.timedelta(minutes=30))
    if not full:
        svc.patrol_finish(actor=person, patrol_id=patrol.pk, now=when + dt.timedelta(minutes=40))
    return patrol


def patrols_demo_build(*, today: dt.date | None = None) -> dict[str, int]:
    """Build the demo's road chiefs and their patrols; leaves them if luzhang has patrols already."""
    for level, period, times in DEFAULT_RULES:  # the migration seeds them; a flushed test database has none
        PatrolRule.objects.get_or_create(level=level, defaults={"period": period, "times": times})
    if Patrol.objects.filter(person__username=LOGIN).exists():
        return {"chiefs": 0, "patrols": 0, "findings": 0}
    today = today or timezone.localdate()
    rng = random.Random(SEED)
    county = Area.objects.get(level=AreaLevel.COUNTY, code="131102")
    rows = list(RoadChief.objects.filter(segment__area__path__startswith=county.path, segment__geometry__isnull=False)
                .select_related("segment").order_by("segment__code", "-level"))
    first_street = Area.objects.filter(parent=county, level=AreaLevel.STREET).order_by("code").first()
    mine = [r for r in rows if r.level == RoadChief.Level.STREET and r.segment.area.path.startswith(first_street.path)][:2]
    luzhang, _ = Person.objects.get_or_create(username=LOGIN, defaults={
        "display_name": f"{first_street.name} 路长 何明", "password": demo_password_hash(), "is_staff": True,
        "unit": mine[0].unit if mine else None})
    chiefs = []
    for row in mine:
        row.person, row.name = luzhang, luzhang.display_name.split()[-1]
        row.save(update_fields=["person", "name"])
        chiefs.append((row, 0.8))
    others = [r for r in rows if r not in mine][:OTHER_CHIEFS]
    for i, row in enumerate(others):
        person, _ = Person.objects.get_or_create(username=f"lz-{row.segment.code}-{row.level}", defaults={
            "display_name": row.name, "password": "!demo-road-chief", "unit": row.unit})
        row.person = person
        row.save(update_fields=["person"])
        chiefs.append((row, DILIGENCE[i % len(DILIGENCE)]))
    rules = {r.level: r for r in PatrolRule.objects.all()}
    tz = timezone.get_current_timezone()
    patrols = findings = 0
    for row, diligence in chiefs:
        road = svc.segment_line(row.segment)
        rule = rules[row.level]
        step = {"day": 1, "week": 7, "month": 30}[rule.period]
        for back in range(DAYS, 0, -step):
            day = today - dt.timedelta(days=back)
            if rng.random() > diligence:
                continue  # missed
            when = dt.datetime.combine(day, dt.time(8 + rng.randrange(0, 9), rng.randrange(0, 60)), tzinfo=tz)
            full = rng.random() > 0.08
            finding = FINDINGS[findings % len(FINDINGS)] if full and rng.random() < 0.12 else None
            _patrol(row, road, when, full=full, finding=finding)
            patrols += 1
            findings += bool(finding)
    return {"chiefs": len(chiefs), "patrols": patrols, "findings": findings}
