"""Demo cases: a few weeks of the command centre's work in the synthetic city, through the real services.

Each case is reported at a random moment in the last ``days`` days and then moves on the ordinary path
(register, dispatch, sign, submit, verify, close) with realistic pauses and detours (a return, an
extension, a rework, shelving, a rejection), done by the role that owns each step. The workflow's clock
is set to each step's moment while it runs, so timelines, deadlines, overdue cases and KPIs read like real
history; a case whose next step would lie in the future stays where it is. Same seed, same cases.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import random

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from wenming.cases.models import Case, Category, Evidence
from wenming.cases.services import exposure as ex
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import WorkflowError
from wenming.cases.services.workflow import Upload
from wenming.common.roles import Role
from wenming.demo.accounts import demo_password_hash
from wenming.org.models import Area, Person, RoleAssignment, Unit

CHANNELS = ["citizen"] * 4 + ["hotline"] * 3 + ["12345"] * 3 + ["grid"] * 4 + ["provincial", "media", "inspection"]
DESCRIPTIONS = {
    "SJ0101": "路边堆放生活垃圾无人清运", "SJ0102": "路面污渍油渍未清扫", "SJ0201": "电线杆上张贴小广告",
    "SJ0401": "早高峰流动摊贩占道经营", "SJ0402": "门店出店经营占用人行道", "SJ0404": "机动车占用人行道停放",
    "SJ0405": "共享单车乱停乱放堵塞盲道", "SJ0408": "夜间露天烧烤油烟扰民", "SJ0409": "建筑材料堆放占道",
    "SJ0504": "井盖缺失存在安全隐患", "SJ0304": "路面坑洼积水", "SJ0803": "楼道内堆放杂物", "SJ0801": "小区环境脏乱",
    "SJ0605": "遛犬不牵绳", "SJ0301": "夜间施工噪声扰民",
}


@contextlib.contextmanager
def _clock(at: dt.datetime):
    """Run the workflow as if it were ``at``: events, timestamps and deadlines all take that moment."""
    real = wf._now
    wf._now = lambda: at
    try:
        yield
    finally:
        wf._now = real


def _photo(rng: random.Random, tint: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (320, 240), tint)
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(0, 280), rng.randrange(0, 200)
        draw.rectangle([x, y, x + rng.randrange(10, 60), y + rng.randrange(10, 40)],
                       fill=tuple(rng.randrange(40, 220) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


class _Handlers(dict):
    """The handler of each unit cases are dispatched to: the demo's own login where there is one, else a
    handler made when first needed, who logs in with the demo password like every account the demo prints."""

    def __init__(self):
        super().__init__()
        for assignment in RoleAssignment.objects.filter(role=Role.UNIT_HANDLER).select_related("person"):
            self.setdefault(assignment.unit_id, assignment.person)

    def __missing__(self, unit_id: int) -> Person:
        unit = Unit.objects.get(pk=unit_id)
        person = Person.objects.create(username=f"h-{unit.code.lower()}"[:150], display_name=f"{unit.name} 处置员",
                                       unit=unit, password=demo_password_hash(), is_staff=True)
        RoleAssignment.objects.create(person=person, role=Role.UNIT_HANDLER, unit=unit)
        self[unit_id] = person
        return person


def demo_cases_build(*, count: int = 300, seed: int = 7, days: int = 42, exposures: int = 4) -> dict:
    """Build ``count`` cases over the last ``days`` days. Returns how many ended in each state."""
    rng = random.Random(seed)
    people = {p.username: p for p in Person.objects.filter(username__in=["shouli", "zhiban", "paiqian", "anfang", "wangge"])}
    if len(people) < 5:
        raise WorkflowError("The demo city must be built first (wenming demo-data).")
    handlers = _Handlers()
    codes = [c for c in DESCRIPTIONS if Category.objects.filter(code=c, is_active=True).exists()]
    grids = list(Area.objects.filter(level="grid").values_list("lng", "lat"))
    now = timezone.now()
    moments = sorted(now - dt.timedelta(seconds=rng.uniform(0, days * 86400)) for _ in range(count))
    made: list[Case] = []
    for at in moments:
        code = rng.choice(codes)
        lng, lat = rng.choice(grids)
        lng, lat = lng + rng.uniform(-0.0004, 0.0004), lat + rng.uniform(-0.0003, 0.0003)
        channel = rng.choice(CHANNELS)
        photos = [Upload("report.jpg", _photo(rng, (170, 150, 120)))] if rng.random() < 0.6 else []
        with _clock(at), transaction.atomic():
            case = wf.case_intake(
                channel=channel, description=DESCRIPTIONS[code], lng=lng, lat=lat, category=code,
                actor=people["wangge"] if channel == "grid" else (people["anfang"] if channel == "inspection" else people["shouli"]),
                reporter_phone=f"13{rng.randrange(10**8, 10**9)}" if channel in {"citizen", "hotline", "12345"} else "",
                photos=photos, reported_at=at,
            )
        made.append(_advance(case, at=at, now=now, rng=rng, people=people, handlers=handlers))
    _expose(made, rng=rng, people=people, limit=exposures)
    counts: dict[str, int] = {}
    for case in Case.objects.filter(pk__in=[c.pk for c in made]).values_list("state", flat=True):
        counts[case] = counts.get(case, 0) + 1
    return counts


def _advance(case: Case, *, at: dt.datetime, now: dt.datetime, rng: random.Random, people: dict, handlers: dict) -> Case:
    """Walk one case forward from ``at``, step by step, until the next step would be in the future."""
    t = at

    def step(minutes_low: float, minutes_high: float):
        nonlocal t
        t = t + dt.timedelta(minutes=rng.uniform(minutes_low, minutes_high))
        return t < now

    pk = case.pk
    run = lambda fn, **kw: _at(t, fn, case_id=pk, **kw)  # noqa: E731 (a short local helper)
    if not step(5, 120):
        return case
    if rng.random() < 0.04:
        run(wf.case_reject, actor=people["shouli"], note="经核实不属于创城问题")
        return case
    run(wf.case_register, actor=people["shouli"])
    if rng.random() < 0.04:
        return case  # left waiting for dispatch: it turns overdue
    if not step(5, 90):
        return case
    case = run(wf.case_dispatch, actor=people["paiqian"])
    handler = handlers[case.unit_id]
    if rng.random() < 0.08:
        if not step(20, 200):
            return case
        run(wf.case_request_return, actor=handler, note="该问题不属于本单位职责")
        if not step(10, 120):
            return case
        run(wf.case_decide_return, actor=people["zhiban"], approve=False, note="经核实属于该单位职责，请签收")
    if rng.random() < 0.03:
        return case  # left unsigned: it turns overdue
    if not step(10, 180):
        return case
    run(wf.case_sign, actor=handler)
    if rng.random() < 0.03:
        if not step(60, 600):
            return case
        run(wf.case_request_shelving, actor=handler, note="需列入明年改造计划")
        if step(30, 300):
            run(wf.case_decide_request, actor=people["zhiban"], approve=True, note="同意挂账")
        return Case.objects.get(pk=pk)
    if rng.random() < 0.10:
        if not step(60, 900):
            return case
        run(wf.case_request_extension, actor=handler, amount=2, unit="working_days", note="需协调多部门处理")
        if not step(30, 240):
            return case
        run(wf.case_decide_request, actor=people["zhiban"], approve=rng.random() < 0.8, note="")
    if rng.random() < 0.06:
        return case  # still being worked on, or late
    rounds = 2 if rng.random() < 0.07 else 1
    for attempt in range(rounds):
        if not step(120, 60 * 24 * 3):
            return case
        run(wf.case_submit, actor=handler, note="已整改完毕", photos=[Upload("done.jpg", _photo(rng, (120, 170, 130)))])
        if not step(60, 60 * 12):
            return case
        passed = attempt == rounds - 1
        run(wf.case_verify, actor=people["anfang"], passed=passed, note="" if passed else "现场仍有残留，需返工")
    if not step(10, 480):
        return case
    return run(wf.case_close, actor=people["zhiban"])


def _at(t: dt.datetime, fn, **kwargs):
    with _clock(t):
        return fn(**kwargs)


def _expose(cases: list[Case], *, rng: random.Random, people: dict, limit: int) -> None:
    """Put a few cases with photos on the exposure board: some still open, one put right."""
    with_photos = [c for c in cases if Evidence.objects.filter(case=c, kind=Evidence.Kind.BEFORE).exclude(public_file="").exists()]
    closed = [c for c in with_photos if Case.objects.get(pk=c.pk).state == "closed"][-1:]
    open_ = [c for c in with_photos if Case.objects.get(pk=c.pk).state in {"dispatched", "handling"}][-(limit - len(closed)):]
    for case in closed + open_:
        case = Case.objects.select_related("category").get(pk=case.pk)
        exposure = ex.exposure_save(case_id=case.pk, actor=people["zhiban"], headline=f"{case.category.name}问题曝光",
                                    summary=f"群众反映：{case.description}。责令责任单位限期整改。")
        photos = [(e.pk, [[0.05, 0.05, 0.2, 0.15]]) for e in case.evidence.exclude(public_file="").filter(kind__in=["before", "after"])]
        ex.exposure_photos_set(exposure_id=exposure.pk, actor=people["zhiban"], photos=photos)
        ex.exposure_publish(exposure_id=exposure.pk, actor=people["zhiban"])
