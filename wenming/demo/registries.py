"""The demo's police registers: e-bike registrations kept by the traffic police (交警支队) and dog licences kept by
the public security bureau (公安局), each fed by three monthly exports through the real import, so the rate pages
have a trend and every community its own rate. The case categories about unplated e-bikes and unlicensed dogs are
linked, so their cases show the 登记核查 panel."""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from pathlib import Path

from django.utils import timezone

from wenming.cases.models import Category
from wenming.org.models import Area, AreaLevel, Unit
from wenming.registries.models import Registry, RegistryKind
from wenming.registries.services.imports import registry_import

REGISTRIES = [
    # kind, code, name, owning unit, case categories
    (RegistryKind.EBIKE, "ebike", "电动自行车备案登记", "JJZD", ["SJ0407"]),
    (RegistryKind.DOG, "dog", "养犬登记", "GAJ", ["SJ0601", "SJ0602"]),
]
SNAPSHOTS = 3  # month ends, the latest last


def _export(path: Path, kind: str, communities: list[Area], month: int, rng: random.Random, per: int) -> None:
    """One month's export: each community has its own starting rate, rising a little each month."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        if kind == RegistryKind.EBIKE:
            out.writerow(["号牌号码", "状态", "所属社区代码", "登记日期"])
        else:
            out.writerow(["登记证号", "状态", "所属社区代码", "登记日期", "有效期至", "是否烈性犬"])
        for n, community in enumerate(communities):
            base = 0.45 + 0.5 * random.Random(f"{kind}{community.code}").random()
            for i in range(per):
                share = min(0.99, base + 0.05 * month)
                good = random.Random(f"{kind}{community.code}{i}").random() < share
                registered = dt.date(2022, 1, 1) + dt.timedelta(days=(n * 37 + i * 11) % 1000)
                if kind == RegistryKind.EBIKE:
                    out.writerow([f"衡{n:03d}{i:03d}", "已挂牌" if good else "已备案未挂牌", community.code,
                                  registered.isoformat()])
                else:
                    status = "有效" if good else rng.choice(["过期", "过期", "注销"])
                    out.writerow([f"HSQ{n:03d}{i:03d}", status, community.code, registered.isoformat(),
                                  (registered + dt.timedelta(days=365 * 5)).isoformat(),
                                  "是" if i % 29 == 0 else "否"])


def registries_demo_build(*, seed: int = 7, communities: int = 60, per_community: int = 40) -> int:
    """Create the two registers and import their exports (a few thousand records each); nothing if they exist.
    Returns how many imports were made."""
    if Registry.objects.exists():
        return 0
    rng = random.Random(seed)
    chosen = list(Area.objects.filter(level=AreaLevel.COMMUNITY).order_by("code").defer("geometry")[:communities])
    if not chosen:
        return 0
    today = timezone.localdate()
    month_ends = [today.replace(day=1) - dt.timedelta(days=1)]
    for _ in range(SNAPSHOTS - 1):
        month_ends.insert(0, month_ends[0].replace(day=1) - dt.timedelta(days=1))
    made = 0
    with tempfile.TemporaryDirectory() as folder:
        for kind, code, name, unit_code, categories in REGISTRIES:
            registry = Registry.objects.create(code=code, kind=kind, name=name,
                                               owner_unit=Unit.objects.get(code=unit_code))
            registry.categories.set(Category.objects.filter(code__in=categories))
            for month, as_of in enumerate(month_ends):
                path = Path(folder) / f"{code}-{as_of}.csv"
                _export(path, kind, chosen, month, rng, per_community)
                registry_import(registry_id=registry.pk, path=path, kind="records", as_of=as_of)
                made += 1
    return made
