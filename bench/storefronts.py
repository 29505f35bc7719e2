"""Storefront checks (门前五包) at a city's scale: the shop list (last check, open and overdue notices, repeat counts),
a shop's page and ``storefront_repeat_offenders`` over 5,000 shops and 100,000 checks.

    .venv/bin/python bench/storefronts.py [--shops 5000] [--checks 100000] [--repeat 20] [--database-url URL]

Rebuilds a scratch database (SQLite by default at /tmp/wenming-bench-storefronts.sqlite3; a PostgreSQL URL whose
database name contains "bench" is dropped and created): 50 street offices, --shops shops spread over them, --checks
routine checks over the last 120 days (five items each, one in five with a violation and its notice, half of those
still open) with ``bulk_create``. Measures through Django's test client (the whole view) the list and a shop page
for an administrator (every shop) and a street office's leader (its shops), --repeat times each: median and p95;
the list's queries at 1,000 checks and at --checks (they must be equal); the repeat offenders' selector. Writes
bench/results/storefronts.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.materials_board import fresh_database, queries, timings  # noqa: E402

SQLITE = "/tmp/wenming-bench-storefronts.sqlite3"
DUTIES = ["sanitation", "greening", "order", "facilities", "civility"]


def build_world(shops: int):
    from wenming.common.roles import Role
    from wenming.org.models import Person, RoleAssignment, StorefrontDuty, Unit

    offices = Unit.objects.bulk_create([Unit(code=f"JD{i:02d}", name=f"测试街道{i:02d}办事处", path=f"/JD{i:02d}/")
                                        for i in range(50)])
    rows = []
    for i in range(shops):
        lng, lat = 115.6 + (i % 100) * 0.001, 37.7 + (i // 100) * 0.001
        rows.append(StorefrontDuty(code=f"MQ{i:06d}", shop_name=f"测试商户{i:05d}", address=f"测试大街{i}号",
                                   duties=DUTIES, supervising_unit=offices[i % 50], lng=lng, lat=lat,
                                   geometry={"type": "Point", "coordinates": [lng, lat]}))
    shop_rows = StorefrontDuty.objects.bulk_create(rows, batch_size=1000)
    admin = Person.objects.create_user(username="bench-admin", password="x", display_name="管理员", is_staff=True,
                                       is_superuser=True)
    leader = Person.objects.create_user(username="bench-jd", password="x", display_name="街道主任", is_staff=True,
                                        unit=offices[0])
    RoleAssignment.objects.create(person=leader, role=Role.UNIT_LEADER, unit=offices[0])
    return shop_rows, admin, leader


def add_checks(shops, checker, start: int, stop: int, *, seed: int = 7) -> None:
    from django.utils import timezone

    from wenming.inspections.models import StorefrontCheck, StorefrontCheckItem, StorefrontNotice

    rng, now = random.Random(seed + start), timezone.now()
    for lo in range(start, stop, 5000):
        hi = min(stop, lo + 5000)
        plan = []
        for n in range(lo, hi):
            bad = rng.choice(DUTIES) if rng.random() < 0.2 else None
            plan.append((shops[rng.randrange(len(shops))], now - dt.timedelta(minutes=rng.randrange(120 * 24 * 60)),
                         bad, n))
        checks = StorefrontCheck.objects.bulk_create([
            StorefrontCheck(shop=s, checked_at=at, checked_by=checker, violations=1 if bad else 0)
            for s, at, bad, _n in plan], batch_size=1000)
        StorefrontCheckItem.objects.bulk_create([
            StorefrontCheckItem(check_row=c, duty=d, compliant=d != bad)
            for c, (_s, _at, bad, _n) in zip(checks, plan, strict=True) for d in DUTIES], batch_size=5000)
        StorefrontNotice.objects.bulk_create([
            StorefrontNotice(number=f"MQB-{n:07d}", year=2026, seq=n + 1, shop=s, source_check=c, duties=[bad],
                             supervising_unit_id=s.supervising_unit_id, issued_at=at, fix_days=3,
                             due_on=(at + dt.timedelta(days=5)).date(), state="served" if n % 2 else "fixed")
            for c, (s, at, bad, n) in zip(checks, plan, strict=True) if bad], batch_size=1000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shops", type=int, default=5000)
    parser.add_argument("--checks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=f"sqlite:///{SQLITE}")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="wenming.settings",
                      SECRET_KEY="bench-storefronts-not-secret", ALLOWED_HOSTS="testserver",
                      WENMING_GEO_CHECK_SECONDS="3600")
    os.environ.pop("WENMING_DEMO", None)
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from wenming.inspections.models import StorefrontCheck, StorefrontNotice
    from wenming.inspections.storefront_selectors import repeat_since, storefront_repeat_offenders

    shops, admin, leader = build_world(args.shops)
    users = {"admin": admin, "office": leader}
    pages = [("/inspections/storefronts/", {}), ("/inspections/storefronts/", {"overdue": "1"}),
             (f"/inspections/storefronts/{shops[0].pk}/", {})]
    client = Client()
    add_checks(shops, admin, 0, 1000)
    small = queries(client, users, pages)
    t = time.perf_counter()
    add_checks(shops, admin, 1000, args.checks)
    built = time.perf_counter() - t
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    large = queries(client, users, pages)
    rows = timings(client, users, args.repeat, pages)
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        offenders = storefront_repeat_offenders(since=repeat_since(), threshold=3)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    out = {
        "date": time.strftime("%Y-%m-%d"), "database": connection.vendor, "shops": len(shops),
        "checks": StorefrontCheck.objects.count(), "notices": StorefrontNotice.objects.count(),
        "bulk_create_s": round(built, 1), "queries_at_1000": small, "queries_at_full": large,
        "queries_constant": small == large, "pages": rows,
        "repeat_offenders": {"rows": len(offenders), "median_ms": round(times[len(times) // 2], 1),
                             "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1)},
    }
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "storefronts.json").write_text(json.dumps(out, ensure_ascii=False, indent=1))
    print(json.dumps({k: v for k, v in out.items() if k != "pages"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
