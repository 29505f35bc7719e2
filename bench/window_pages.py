"""The window service's pages at demo scale: 500 service windows and 200,000 matters.

    .venv/bin/python bench/window_pages.py [--windows 500] [--matters 200000] [--repeat 20] [--database-url URL]

Builds a scratch database (SQLite by default, /tmp/wenming-bench-windows.sqlite3, rebuilt each run; a PostgreSQL
URL whose database name contains "bench" is dropped and created): migrations, the small lattice demo city (its
sites, units and logins), --windows windows on its sites (one in fifty belongs to 城管 桃城分局, the unit login's
unit), business items, --matters matters ``bulk_create``d over the last 200 days (about 8 % late, 3 % still open),
40 ratings per window and a few thousand complaints' links left out (complaints need cases; their counts are one
grouped query either way). Then computes last month's competition ranking through the real step (timed), approves
and publishes it.

Measures through Django's test client (the whole view: access path, grouped queries, template), --repeat times
each, median and p95: the window list for the command centre (every window, a page of 25 and of 100, 90 and 365
days) and for the unit (its own), one window's page, the ranking's staff page (500 scores with explanations) and
the public ranking. Counts each page's queries. Writes bench/results/window_pages.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.materials_board import fresh_database  # noqa: E402

SQLITE = "/tmp/wenming-bench-windows.sqlite3"


def build(windows: int, matters: int):
    from django.utils import timezone

    from wenming.demo.city import LATTICE, demo_city_build
    from wenming.org.models import Person, Site, Unit
    from wenming.windows.models import BusinessItem, LimitUnit, Matter, ServiceWindow, WindowRating
    from wenming.windows.services.records import window_code_new

    demo_city_build(grids=240, seed=7, layout=LATTICE)
    sites = list(Site.objects.filter(lng__isnull=False).order_by("code")[:200])
    units = list(Unit.objects.filter(is_active=True).order_by("code"))
    cg = Unit.objects.get(code="CGJ-131102")
    made = ServiceWindow.objects.bulk_create([ServiceWindow(
        site=sites[i % len(sites)], unit=cg if i % 50 == 0 else units[i % len(units)], name=f"窗口{i:04d}",
        number=f"{i % 40:02d}", code=window_code_new()) for i in range(windows)])
    items = [BusinessItem.objects.create(code=f"B{i}", name=f"事项{i}", limit_unit=LimitUnit.WORKING_DAYS,
                                         legal_limit=Decimal(5), commitment_limit=Decimal(3)) for i in range(5)]
    rng = random.Random(7)
    now = timezone.now()
    batch = []
    t = time.perf_counter()
    for i in range(matters):
        accepted = now - dt.timedelta(days=rng.uniform(0, 200))
        due = accepted + dt.timedelta(days=4)  # three working days, about; the calendar is not what is measured
        roll = rng.random()
        completed = (None if roll < 0.03 else due + dt.timedelta(days=2) if roll < 0.11
                     else accepted + dt.timedelta(days=rng.uniform(0.1, 3.5)))
        if completed is not None and completed > now:
            completed = None
        batch.append(Matter(window=made[i % len(made)], item=items[i % 5], external_id=f"M{i:07d}",
                            accepted_at=accepted, due_at=due, completed_at=completed))
        if len(batch) == 5000:
            Matter.objects.bulk_create(batch)
            batch = []
    Matter.objects.bulk_create(batch)
    ratings = [WindowRating(window=w, level=rng.choice([5, 5, 5, 4, 4, 3, 2, 1]), phone_hash=f"p{n}",
                            visit_date=(now - dt.timedelta(days=n)).date(), created_at=now - dt.timedelta(days=n))
               for w in made for n in range(40)]
    WindowRating.objects.bulk_create(ratings, batch_size=5000)
    built = time.perf_counter() - t
    people = {p.username: p for p in Person.objects.filter(is_staff=True)}  # the demo's logins by username
    return made, people, built


def compute_and_publish(people) -> tuple[int, float]:
    from django.utils import timezone

    from wenming.windows.services.competition import period_create, ranking_step

    today = timezone.localdate()
    last = today.replace(day=1) - dt.timedelta(days=1)
    period = period_create(actor=people["paiqian"], name="上月", start=last.replace(day=1), end=last, min_matters=5)
    t = time.perf_counter()
    ranking_step(period_id=period.pk, actor=people["paiqian"], action_key="compute")
    seconds = time.perf_counter() - t
    ranking_step(period_id=period.pk, actor=people["admin"], action_key="approve")
    ranking_step(period_id=period.pk, actor=people["zhiban"], action_key="publish")
    return period.pk, seconds


def measure(client, user, path: str, params: dict, repeat: int) -> dict:
    from django.db import connection

    if user is None:
        client.logout()
    else:
        client.force_login(user)
    seen = []

    def count(execute, sql, params_, many, context):
        seen.append(sql)
        return execute(sql, params_, many, context)

    with connection.execute_wrapper(count):
        response = client.get(path, params)
    assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        response = client.get(path, params)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    times.sort()
    row = {"user": getattr(user, "username", "anonymous"), "page": path, "params": params,
           "queries": len(seen), "median_ms": round(statistics.median(times), 1),
           "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1)}
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--windows", type=int, default=500)
    parser.add_argument("--matters", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=f"sqlite:///{SQLITE}")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="wenming.settings",
                      SECRET_KEY="bench-windows-not-secret", ALLOWED_HOSTS="testserver",
                      WENMING_GEO_CHECK_SECONDS="3600")
    os.environ.pop("WENMING_DEMO", None)
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from wenming.windows.models import Matter, ServiceWindow

    windows, people, built = build(args.windows, args.matters)
    period_id, compute_s = compute_and_publish(people)
    client = Client()
    one = ServiceWindow.objects.filter(unit__code="CGJ-131102").order_by("pk").first()
    pages = [(people["paiqian"], "/windows/", {}), (people["paiqian"], "/windows/", {"per_page": 100}),
             (people["paiqian"], "/windows/", {"days": 365, "page": 5}),
             (people["chengguan"], "/windows/", {}),
             (people["chengguan"], f"/windows/{one.pk}/", {}),
             (people["chengguan"], f"/windows/{one.pk}/", {"state": "overdue"}),
             (people["paiqian"], f"/windows/competition/{period_id}/", {}),
             (None, f"/windows/rankings/{period_id}/", {})]
    rows = [measure(client, user, path, params, args.repeat) for user, path, params in pages]
    out = {"date": time.strftime("%Y-%m-%d"), "database": connection.vendor, "windows": len(windows),
           "matters": Matter.objects.count(), "bulk_create_s": round(built, 1),
           "ranking_compute_s": round(compute_s, 2), "pages": rows}
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "window_pages.json").write_text(json.dumps(out, ensure_ascii=False, indent=1))
    print(json.dumps({k: v for k, v in out.items() if k != "pages"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
