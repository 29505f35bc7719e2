"""The demo's service windows (窗口文明服务): about twenty counters at the counties' service halls, hospitals and bus
stations, the power and water companies' business halls and a bank branch; their business items, three months of
matters (a few late, a few still open past their due time) pushed through the same sync the windows' systems use,
staff with certificates (some expiring within the month, one expired), citizens' ratings (the 差评 waiting for an
answer), complaints filed as cases, and last month's competition computed, approved and published."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from wenming.common.roles import Role
from wenming.org.models import Person, Site, SiteType, Unit, UnitKind
from wenming.org.services.site_types import site_types_load
from wenming.windows.models import BusinessItem, LimitUnit, RatingLevel, ServiceWindow
from wenming.windows.services.citizens import rating_answer, window_complain, window_rate
from wenming.windows.services.competition import period_create, ranking_step
from wenming.windows.services.matters import MatterRow, matters_sync
from wenming.windows.services.records import commitment_publish, staff_save, window_create

ITEMS = [
    # code, name, unit, legal limit, committed limit
    ("GD-XZ", "低压居民新装", LimitUnit.WORKING_DAYS, 5, 3),
    ("GD-GM", "更名过户", LimitUnit.WORKING_DAYS, 3, 1),
    ("GS-XZ", "供水新装", LimitUnit.WORKING_DAYS, 10, 7),
    ("BDC-DJ", "不动产转移登记", LimitUnit.WORKING_DAYS, 5, 3),
    ("SB-ZK", "社保卡补换", LimitUnit.WORKING_HOURS, 8, 2),
    ("YY-GH", "挂号收费", LimitUnit.WORKING_HOURS, 1, 0.5),
    ("CZ-TP", "退票改签", LimitUnit.WORKING_HOURS, 2, 1),
    ("YH-KH", "个人开户", LimitUnit.WORKING_HOURS, 4, 1),
]
PUBLICITY = "办理事项：{items}。办公时间：工作日 8:30–12:00，14:30–17:30。所需材料以一次性告知单为准。"
PROMISE = "一次告知、限时办结、首问负责、微笑服务；超时未办结的，由窗口负责人说明原因并限期办结。"
CERTIFICATES = ["窗口服务上岗证", "政务服务资格证", "银行从业资格证"]
NAMES = ["张敏", "李静", "王芳", "刘洋", "陈晨", "杨帆", "赵磊", "黄丽", "周婷", "吴昊", "徐娜", "孙悦"]


def _holder(role: Role) -> Person | None:
    """The first active person holding ``role`` (the demo's dispatcher, administrator, shift leader)."""
    return Person.objects.filter(is_active=True, roles__role=role).order_by("pk").first()


def _site_near(base: Site, *, code: str, name: str, type_code: str, unit: Unit, shift: float) -> Site:
    site = Site(code=code, name=name, site_type=SiteType.objects.get(code=type_code), area_id=base.area_id,
                guarantor_unit=unit, operator_unit=unit, address=f"{base.address or base.name}东侧")
    site.set_geometry({"type": "Point", "coordinates": [base.lng + shift, base.lat + shift / 2]})
    site.save()
    return site


def _counters() -> list[tuple[Site, Unit, str, list[str]]]:
    """Where the demo's windows are: (site, unit, counter name, item codes)."""
    units = {u.code: u for u in Unit.objects.filter(code__in=["POWER", "WATER", "SPJ", "WJW", "JTJ", "RSJ", "ZRZYJ"])}
    halls = list(Site.objects.filter(site_type__code="hall", lng__isnull=False).order_by("code")[:4])
    hospitals = list(Site.objects.filter(site_type__code="hospital", lng__isnull=False).order_by("code")[:3])
    stations = list(Site.objects.filter(site_type__code="station", lng__isnull=False).order_by("code")[:3])
    hall_unit = units.get("SPJ")
    counters = []
    for hall in halls:
        counters += [(hall, units.get("POWER"), "供电业务窗口", ["GD-XZ", "GD-GM"]),
                     (hall, units.get("WATER"), "供水业务窗口", ["GS-XZ"]),
                     (hall, units.get("ZRZYJ") or hall_unit, "不动产登记窗口", ["BDC-DJ"]),
                     (hall, units.get("RSJ") or hall_unit, "社保服务窗口", ["SB-ZK"])]
    counters += [(h, h.guarantor_unit or units.get("WJW"), "挂号收费窗口", ["YY-GH"]) for h in hospitals]
    counters += [(s, s.guarantor_unit or units.get("JTJ"), "售票改签窗口", ["CZ-TP"]) for s in stations]
    if halls and units.get("POWER") and units.get("WATER"):
        power_hall = _site_near(halls[0], code="WIN-GD-01", name="国网衡水供电公司营业厅", type_code="power_office",
                                unit=units["POWER"], shift=0.004)
        water_hall = _site_near(halls[0], code="WIN-GS-01", name="衡水市供水公司营业厅", type_code="water_office",
                                unit=units["WATER"], shift=-0.004)
        bank_unit, _made = Unit.objects.get_or_create(code="BANK-HS", defaults={
            "name": "衡水银行营业部", "kind": UnitKind.ENTERPRISE})
        bank = _site_near(halls[0], code="WIN-YH-01", name="衡水银行人民路支行", type_code="bank", unit=bank_unit,
                          shift=0.006)
        counters += [(power_hall, units["POWER"], "综合业务窗口", ["GD-XZ", "GD-GM"]),
                     (water_hall, units["WATER"], "综合业务窗口", ["GS-XZ"]),
                     (bank, bank_unit, "个人业务窗口", ["YH-KH"])]
    return [c for c in counters if c[1] is not None]


def windows_demo_build(*, seed: int = 7, days: int = 90, per_window: int = 30) -> int:
    """Build the demo's windows and everything around them; nothing if there are windows already. Returns how many
    windows were made."""
    if ServiceWindow.objects.exists():
        return 0
    admin = _holder(Role.ADMIN)
    if admin is None:
        return 0
    rng = random.Random(seed)
    site_types_load()
    for code, name, unit, legal, committed in ITEMS:
        BusinessItem.objects.get_or_create(code=code, defaults={
            "name": name, "limit_unit": unit, "legal_limit": Decimal(str(legal)),
            "commitment_limit": Decimal(str(committed))})
    names = dict(BusinessItem.objects.values_list("code", "name"))
    now = timezone.now()
    today = timezone.localdate()
    made = []
    for n, (site, unit, counter, item_codes) in enumerate(_counters()):
        window = window_create(site=site, unit=unit, name=counter, number=f"{n + 1:02d}", actor=admin)
        made.append(window)
        commitment_publish(window_id=window.pk, actor=admin, promise=PROMISE,
                           publicity=PUBLICITY.format(items="、".join(names[c] for c in item_codes)))
        for k in range(2):
            # One certificate in five expires within the month; the first window's second one has expired.
            offset = 20 if (n + k) % 5 == 0 else (-10 if (n, k) == (0, 1) else 200 + 30 * k)
            staff_save(window_id=window.pk, actor=admin, name=NAMES[(n * 2 + k) % len(NAMES)],
                       position="窗口负责人" if k == 0 else "窗口受理员", certificate_kind=CERTIFICATES[n % 3],
                       certificate_number=f"SG{2024000 + n * 10 + k}",
                       certificate_expires=today + dt.timedelta(days=offset))
        rows = []
        sloppy = n % 4 == 3  # every fourth counter is often late
        for m in range(per_window + rng.randint(-8, 8)):
            accepted = now - dt.timedelta(days=rng.uniform(1, days), hours=rng.uniform(0, 6))
            accepted = accepted.replace(hour=rng.choice([9, 10, 11, 15, 16]), minute=rng.randint(0, 59))
            if accepted > now:
                continue
            rows.append([f"{window.code}-{m:04d}", rng.choice(item_codes), accepted])
        from_system = []
        for number, item_code, accepted in rows:
            item = BusinessItem.objects.get(code=item_code)
            span = dt.timedelta(days=float(item.commitment_limit)) if item.limit_unit == LimitUnit.WORKING_DAYS \
                else dt.timedelta(hours=float(item.commitment_limit))
            roll = rng.random()
            if roll < (0.25 if sloppy else 0.06):
                completed = accepted + span * 3 + dt.timedelta(days=2)  # late
            elif roll < (0.3 if sloppy else 0.08):
                completed = None  # still open; past due if accepted long ago
            else:
                completed = accepted + span * rng.uniform(0.1, 0.9)
            if completed is not None and completed > now:
                completed = None
            from_system.append(MatterRow(external_id=number, item=item_code, accepted_at=accepted,
                                         completed_at=completed))
        matters_sync(window_id=window.pk, actor=admin, rows=from_system)
    _ratings_and_complaints(made, rng=rng, now=now, days=days, admin=admin)
    _competition(now)
    return len(made)


def _ratings_and_complaints(windows: list[ServiceWindow], *, rng: random.Random, now, days: int, admin) -> None:
    levels = [RatingLevel.VERY_SATISFIED] * 6 + [RatingLevel.SATISFIED] * 3 + [RatingLevel.FAIRLY_SATISFIED] * 2
    for n, window in enumerate(windows):
        for k in range(rng.randint(4, 12)):
            level = RatingLevel.DISSATISFIED if (n % 4 == 3 and k % 3 == 0) else rng.choice(levels)
            if n == 1 and k == 0:
                level = RatingLevel.VERY_DISSATISFIED
            rating = window_rate(code=window.code, phone=f"139{n:04d}{k:04d}", level=level,
                                 comment="办事快，态度好" if level >= 4 else ("等候时间太长" if level <= 2 else ""),
                                 now=now - dt.timedelta(days=rng.uniform(0, days)))
            if level <= RatingLevel.DISSATISFIED and k % 2 == 0:
                rating_answer(rating_id=rating.pk, actor=admin, answer="已电话回访，向群众致歉并优化叫号流程。")
    for window in windows[3::4]:
        window_complain(code=window.code, description="窗口工作人员办理业务时玩手机，态度生硬，让群众反复跑。")


def _competition(now) -> None:
    """Last month's period: computed by the dispatcher, approved by the administrator, published by the shift
    leader (the four-eyes order the ranking's action table demands)."""
    computer, approver, publisher = _holder(Role.DISPATCHER), _holder(Role.ADMIN), _holder(Role.SHIFT_LEADER)
    if None in (computer, approver, publisher):
        return
    first = (timezone.localdate(now).replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    last = timezone.localdate(now).replace(day=1) - dt.timedelta(days=1)
    period = period_create(actor=computer, name=f"{first:%Y年%m月}窗口文明服务竞赛", start=first, end=last,
                           min_matters=5)
    ranking_step(period_id=period.pk, actor=computer, action_key="compute")
    ranking_step(period_id=period.pk, actor=approver, action_key="approve")
    ranking_step(period_id=period.pk, actor=publisher, action_key="publish")
