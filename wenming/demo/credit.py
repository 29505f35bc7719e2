"""The demo's credit network: five departments' sources (市场监管局, 税务局, 中级人民法院, 交通运输局, 生态环境局), each
fed by its export through the real import; a few hundred subjects linked to the demo's enterprises and utilities,
its shops on the 门前五包 list and its markets; records of every kind, some repaired and some expired; the
joint-discipline measures four departments take; and a login for the market supervision bureau's credit desk
(``xinyong``). The utility 衡水安居物业服务有限公司 carries a 失信 record in effect, so a 诚信 nomination of it is
held back, and a shop on the 门前五包 list carries a penalty, so it is flagged on the storefront pages."""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from pathlib import Path

from django.utils import timezone

from wenming.common.credit_code import CREDIT_ALPHABET, credit_code_complete, credit_code_valid
from wenming.common.roles import Role
from wenming.credit.models import CreditRecord, CreditSource, CreditSubject, JointMeasure, RecordKind
from wenming.credit.services.imports import credit_import
from wenming.credit.services.records import credit_record_repair, subjects_link
from wenming.demo.accounts import demo_password_hash
from wenming.org.models import Person, RoleAssignment, Site, StorefrontDuty, Unit, UnitKind

# code, name, owner unit (created when the demo has none), kinds
SOURCES = [
    ("scjg", "市场监管局 企业信用信息", ("SCJG", "衡水市市场监督管理局"), list(RecordKind.values)),
    ("swj", "税务局 纳税信用信息", ("SWJ", "国家税务总局衡水市税务局"), [RecordKind.HONOUR, RecordKind.DISHONEST,
                                                                RecordKind.PENALTY]),
    ("fy", "中级人民法院 失信被执行人", ("ZJFY", "衡水市中级人民法院"), [RecordKind.DISHONEST]),
    ("jtj", "交通运输局 信用信息", ("JTJ", "衡水市交通运输局"), [RecordKind.PENALTY, RecordKind.HONOUR]),
    ("sthj", "生态环境局 环境信用信息", ("STHJ", "衡水市生态环境局"), [RecordKind.PENALTY, RecordKind.DISHONEST]),
]
MEASURES = [
    ("WMB", "不得参评诚信类评选表彰"),
    ("FGW", "限制申请政府补贴和专项资金"),
    ("ZJJ", "限制参与政府投资项目招投标"),
    ("SPJ", "取消行政审批容缺受理等便利措施"),
]
REASONS = {
    "scjg": {RecordKind.DISHONEST: ["提供虚假材料骗取登记", "被列入严重违法失信名单", "拒不执行生效行政处罚决定"],
             RecordKind.PENALTY: ["销售过期食品", "价格欺诈", "未明码标价", "虚假宣传"],
             RecordKind.HONOUR: ["守合同重信用企业", "诚信经营示范店"]},
    "swj": {RecordKind.DISHONEST: ["重大税收违法失信主体"], RecordKind.PENALTY: ["逾期未申报", "未按规定开具发票"],
            RecordKind.HONOUR: ["纳税信用A级"]},
    "fy": {RecordKind.DISHONEST: ["有履行能力而拒不履行生效法律文书确定义务", "以虚假诉讼规避执行"]},
    "jtj": {RecordKind.PENALTY: ["超限运输", "未按规定维护车辆"], RecordKind.HONOUR: ["AAA级诚信道路运输企业"]},
    "sthj": {RecordKind.PENALTY: ["超标排放大气污染物", "未批先建"], RecordKind.DISHONEST: ["环境信用评价为黑名单"]},
}
ENTERPRISE_WORDS = ["商贸", "建材", "物流", "食品", "餐饮", "汽修", "印刷", "家具", "化工", "科技"]
TODAY = dt.date(2026, 12, 1)
KIND_WORDS = {RecordKind.HONOUR: "红名单", RecordKind.DISHONEST: "失信", RecordKind.PENALTY: "行政处罚"}


def _code(prefix: str, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(CREDIT_ALPHABET) for _ in range(17 - len(prefix)))
    return credit_code_complete(body)


def _units() -> dict[str, Unit]:
    units = {}
    for code, name, _kind in [(c, n, k) for _s, _n, (c, n), k in SOURCES]:
        units[code] = Unit.objects.filter(code=code).first() or Unit.objects.create(
            code=code, name=name, kind=UnitKind.DEPARTMENT, contact_name="信用科", contact_phone="0318-2109000")
    return units


def _subjects(rng: random.Random) -> list[tuple[str, str, dict]]:
    """(credit code, name, links) for the enterprises, utilities and telecoms, the shops and the markets, and a few
    dozen enterprises of the city not otherwise in the demo."""
    subjects = []
    for unit in Unit.objects.filter(kind__in=[UnitKind.ENTERPRISE, UnitKind.UTILITY, UnitKind.TELECOM]).order_by("code"):
        subjects.append((_code("9113110", rng), unit.name, {"unit_id": unit.pk}))
    for shop in StorefrontDuty.objects.order_by("code")[:200]:
        code = shop.licence_no
        if not credit_code_valid(code):
            # The street register's licence numbers were typed without their check character: complete them.
            code = credit_code_complete(code[:17]) if len(code) >= 17 and all(
                c in CREDIT_ALPHABET for c in code[:17]) else _code("9213110", rng)
            StorefrontDuty.objects.filter(pk=shop.pk).update(licence_no=code)
        subjects.append((code, shop.shop_name, {"storefront_id": shop.pk}))
    for site in Site.objects.filter(site_type__code="market").order_by("code")[:30]:
        subjects.append((_code("9113110", rng), f"{site.name}经营管理有限公司", {"site_id": site.pk}))
    for i in range(200):
        subjects.append((_code("9113110", rng), f"衡水{rng.choice('华泰鑫盛宏达恒信远')}{rng.choice(ENTERPRISE_WORDS)}"
                                                 f"有限公司{i + 1:02d}", {}))
    return subjects


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["记录编号", "记录类型", "统一社会信用代码", "主体名称", "证件号码", "决定机关", "决定日期", "失信原因",
                      "有效期至", "法定代表人", "联系电话"])
        out.writerows(rows)
    return path


def credit_demo_build(*, seed: int = 7) -> int:
    """Build the demo's credit network (nothing if it exists). Returns how many records were imported."""
    if CreditSource.objects.exists():
        return 0
    rng = random.Random(f"credit{seed}")
    units = _units()
    sources = {code: CreditSource.objects.create(code=code, name=name, owner_unit=units[unit[0]], kinds=kinds)
               for code, name, unit, kinds in SOURCES}
    for unit_code, measure in MEASURES:
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is not None:
            JointMeasure.objects.create(kind=RecordKind.DISHONEST, unit=unit, measure=measure)
    subjects = _subjects(rng)
    # The subjects first, with their links (the import adds records and links by code and name).
    for code, name, links in subjects:
        CreditSubject.objects.update_or_create(key=code, defaults={
            "credit_code": code, "name": name[:120],
            "kind": "shop" if code.startswith("92") or "storefront_id" in links else "enterprise", **links})
    rows: dict[str, list[list[str]]] = {code: [] for code in sources}
    for n, (code, name, _links) in enumerate(subjects):
        for source_code, kinds in ((s, k) for s, _n, _u, k in SOURCES if s != "fy"):
            if rng.random() > 0.35:
                continue
            kind = rng.choice(kinds)
            decided = TODAY - dt.timedelta(days=rng.randrange(20, 900))
            until = decided + dt.timedelta(days=365 * rng.choice([1, 2, 3])) if kind != RecordKind.HONOUR else None
            rows[source_code].append([f"{source_code.upper()}-{decided:%Y}-{n:04d}{len(rows[source_code]):03d}",
                                      KIND_WORDS[kind], code, name[:120], "",
                                      units[next(u for s, _n, (u, _un), _k in SOURCES if s == source_code)].name,
                                      decided.isoformat(), rng.choice(REASONS[source_code][kind]),
                                      until.isoformat() if until else "", "某某", "13800000000"])
    # The court: natural persons (never public) and a few companies.
    for i in range(25):
        decided = TODAY - dt.timedelta(days=rng.randrange(30, 700))
        rows["fy"].append([f"(2026)冀11执{1000 + i}号", "失信被执行人", "", f"{rng.choice('王李张刘陈杨赵黄周吴')}某{i}",
                           f"1311021980{rng.randrange(1, 12):02d}{rng.randrange(1, 28):02d}{rng.randrange(1000, 9999)}",
                           "衡水市中级人民法院", decided.isoformat(), rng.choice(REASONS["fy"][RecordKind.DISHONEST]), "",
                           "", ""])
    # The demo's property company is a 失信 subject (its 诚信 nomination is held back) and a shop is penalised.
    anju = next((s for s in subjects if s[1] == "衡水安居物业服务有限公司"), None)
    if anju:
        rows["fy"].append(["(2026)冀11执0001号", "失信被执行人", anju[0], anju[1], "", "衡水市中级人民法院",
                           "2026-06-15", "有履行能力而拒不履行生效法律文书确定义务", "2029-06-15", "", ""])
    shop = next((s for s in subjects if "storefront_id" in s[2]), None)
    if shop:
        rows["scjg"].append(["SCJG-2026-SHOP01", "行政处罚", shop[0], shop[1], "", "衡水市市场监督管理局", "2026-10-10",
                             "占道经营、门前乱堆放", "2027-10-10", "", ""])
    imported = 0
    with tempfile.TemporaryDirectory() as folder:
        for code, source in sources.items():
            job = credit_import(source_id=source.pk, path=_write(Path(folder) / f"{code}.csv", rows[code]),
                                file_name=f"{source.name}导出.csv")
            if job.status != "done":
                raise RuntimeError(f"credit demo import {code}: {job.errors[:3]}")
            imported += job.rows_written
    subjects_link()
    # Some records repaired (信用修复) by their department, through the service.
    admin = Person.objects.filter(username="admin").first() or Person.objects.filter(is_superuser=True).first()
    if admin is not None:
        repairable = (CreditRecord.objects.filter(kind__in=[RecordKind.DISHONEST, RecordKind.PENALTY],
                                                  repaired_on=None, decided_on__lt=TODAY - dt.timedelta(days=200))
                      .exclude(subject__name="衡水安居物业服务有限公司").order_by("pk")[:12])
        for record in repairable:
            credit_record_repair(record=record, by=admin, reason="已整改到位，按期提交信用修复申请并公开信用承诺",
                                 repaired_on=min(timezone.localdate(), record.decided_on + dt.timedelta(days=180)))
    _desk_login(units["SCJG"])
    return imported


def _desk_login(unit: Unit) -> None:
    """The market supervision bureau's credit desk: imports, repairs and decides on 信用提示 candidates."""
    if Person.objects.filter(username="xinyong").exists():
        return
    person = Person.objects.create(username="xinyong", display_name="市场监管局信用科 马静", password=demo_password_hash(),
                                   unit=unit, is_staff=True)
    RoleAssignment.objects.create(person=person, role=Role.UNIT_HANDLER, unit=unit)
