"""Workbench queue pages over a million cases on PostgreSQL: time per page and queries per page size.

    .venv/bin/python bench/workbench.py [--cases 1000000] [--reuse] [--database-url postgres://…/wenming_bench_cases]

Builds a 3,000-grid demo city and seeds --cases synthetic cases server-side (bench/seed_cases.py), then
requests each role's queue pages through Django's test client (the whole view: access path, filters,
pagination, template) 30 times each and reports the median and 95th percentile, and the number of
queries at page sizes 25, 50 and 100.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = [
    ("zhiban", "all"), ("zhiban", "overdue"), ("zhiban", "to_verify"), ("paiqian", "to_dispatch"),
    ("chengguan", "to_sign"), ("chengguan", "handling"), ("chengguan", "overdue"), ("taocheng", "all"),
]
# Beyond the queue pages: the list's map (GeoJSON of up to 2,000 points), a date-filtered list, a
# category-filtered list and a deep page. Text search (a substring of the description) reads every row in
# scope and is reported separately, not held to the target.
EXTRA = [
    ("zhiban", "/cases/map.geojson", {"queue": "all"}, "map of everything"),
    ("taocheng", "/cases/map.geojson", {"queue": "overdue"}, "map of the district's overdue"),
    ("zhiban", "/cases/", {"queue": "all", "reported_from": "2026-11-01", "reported_to": "2026-11-07"}, "one week"),
    ("zhiban", "/cases/", {"queue": "all", "category": "SJ04"}, "one 大类"),
    ("zhiban", "/cases/", {"queue": "all", "page": 400}, "page 400"),
    ("zhiban", "/cases/", {"queue": "all", "q": "合成案件 123456"}, "text search (not a target)"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/wenming_bench_cases")
    args = parser.parse_args()
    url = args.database_url
    os.environ.update(DATABASE_URL=url, WENMING_DEMO="1", DJANGO_SETTINGS_MODULE="wenming.settings",
                      WENMING_GEO_CHECK_SECONDS="3600", ALLOWED_HOSTS="testserver")
    if not args.reuse:
        import psycopg

        parts = urlsplit(url)
        with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{parts.path.lstrip("/")}"')
        wenming = str(Path(sys.executable).with_name("wenming"))
        subprocess.run([wenming, "migrate", "-v", "0"], check=True, env=os.environ)
        subprocess.run([wenming, "demo-data", "--grids", "3000"], check=True, env=os.environ)
        subprocess.run([sys.executable, str(ROOT / "bench" / "seed_cases.py"), "--database-url", url,
                        "--cases", str(args.cases)], check=True, env=os.environ)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from wenming.cases.models import Case
    from wenming.org.models import Person

    total = Case.objects.count()
    client = Client()
    results = []
    for username, queue in PAGES:
        client.force_login(Person.objects.get(username=username))
        client.get("/cases/", {"queue": queue})  # warm
        times = []
        for i in range(args.repeat):
            page = 1 + (i % 3)
            t = time.perf_counter()
            response = client.get("/cases/", {"queue": queue, "page": page})
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        times.sort()
        queries = {}
        for size in (25, 50, 100):
            with CaptureQueriesContext(connection) as ctx:
                client.get("/cases/", {"queue": queue, "per_page": size})
            queries[size] = len(ctx.captured_queries)
        results.append({
            "user": username, "queue": queue, "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 1), "queries_25_50_100": list(queries.values()),
        })
        print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    extras = []
    for username, path, params, label in EXTRA:
        client.force_login(Person.objects.get(username=username))
        client.get(path, params)
        times = []
        for _ in range(max(5, args.repeat // 3)):
            t = time.perf_counter()
            response = client.get(path, params)
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (path, params, response.status_code)
        times.sort()
        extras.append({"user": username, "what": label, "median_ms": round(statistics.median(times), 1),
                       "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1)})
        print(json.dumps(extras[-1], ensure_ascii=False), flush=True)
    out = {"cases": total, "date": time.strftime("%Y-%m-%d"), "pages": results, "extra": extras}
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "workbench.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))
    print(json.dumps({"cases": total, "worst_p95_ms": max(r["p95_ms"] for r in results)}))


if __name__ == "__main__":
    main()
