"""Point → unit grid lookups over a 60,000-grid city: the spatial index beside a naive scan, one run.

    .venv/bin/python bench/routing.py [--grids 60000] [--points 200000] [--reuse]

Builds the demo city in a scratch SQLite file (bench/results/routing.sqlite3; --reuse keeps it), builds
the in-process index, then measures on random points inside the city's bounding box (fixed seed):

- single lookups: ``SpatialIndex.locate`` one point at a time (median, p95, in µs);
- bulk lookups: ``SpatialIndex.locate_many`` over all points (points/s);
- naive scan: for each point, test every grid polygon (shapely.contains_xy over all grids) — no index;
- a whole routing decision: ``case_route`` (median, µs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grids", type=int, default=60000)
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    db = RESULTS / f"routing-{args.grids}.sqlite3"
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    os.environ.update(DATABASE_URL=f"sqlite:///{db}", WENMING_DEMO="1", DJANGO_SETTINGS_MODULE="wenming.settings",
                      WENMING_GEO_CHECK_SECONDS="3600")
    import django

    django.setup()
    import numpy as np
    import shapely
    from django.core.management import call_command

    from wenming.cases.services.routing import case_route
    from wenming.org.models import Area
    from wenming.org.spatial import SpatialIndex

    built = None
    call_command("migrate", verbosity=0)
    if not Area.objects.exists():
        t = time.perf_counter()
        call_command("demo-data", grids=args.grids, seed=1, verbosity=0)
        built = time.perf_counter() - t

    t = time.perf_counter()
    index = SpatialIndex.build()
    build_s = time.perf_counter() - t
    tracemalloc.start()  # a second build, traced, for memory only (tracing slows it several times)
    SpatialIndex.build()
    build_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    grid_count = len(index._grid_ids)

    rng = np.random.default_rng(42)
    city = Area.objects.get(parent__isnull=True)
    lng = rng.uniform(city.min_lng, city.max_lng, args.points)
    lat = rng.uniform(city.min_lat, city.max_lat, args.points)

    # Single lookups, one call per point, timed individually.
    sample = min(args.points, 50_000)
    single_ns = []
    locate = index.locate
    for x, y in zip(lng[:sample].tolist(), lat[:sample].tolist(), strict=True):
        t0 = time.perf_counter_ns()
        locate(x, y)
        single_ns.append(time.perf_counter_ns() - t0)
    single_ns.sort()

    t = time.perf_counter()
    bulk = index.locate_many(lng, lat)
    bulk_s = time.perf_counter() - t
    inside = int((bulk >= 0).sum())

    # Naive scan: every grid polygon tested for each point (vectorised per point, so this is generous to it).
    polygons = np.array(index._grid_tree.geometries)
    naive_n = 200
    t = time.perf_counter()
    naive = []
    for x, y in zip(lng[:naive_n].tolist(), lat[:naive_n].tolist(), strict=True):
        hit = np.flatnonzero(shapely.contains_xy(polygons, x, y))
        naive.append(int(index._grid_ids[hit.min()]) if len(hit) else -1)
    naive_s = (time.perf_counter() - t) / naive_n
    agree = all(a == b for a, b in zip(naive, bulk[:naive_n].tolist(), strict=True))
    singles_agree = all((locate(x, y) or -1) == b or index.areas[locate(x, y)].level != "grid"
                        for x, y, b in zip(lng[:2000].tolist(), lat[:2000].tolist(), bulk[:2000].tolist(), strict=True))

    route_ns = []
    cats = ["SJ0101", "SJ0201", "SJ0404", "SJ0401", "BJ0107"]
    for i, (x, y) in enumerate(zip(lng[:3000].tolist(), lat[:3000].tolist(), strict=True)):
        t0 = time.perf_counter_ns()
        case_route(lng=x, lat=y, category=cats[i % len(cats)])
        route_ns.append(time.perf_counter_ns() - t0)

    median_us = statistics.median(single_ns) / 1000
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "grids": grid_count,
        "demo_build_s": round(built, 1) if built else None,
        "index_build_s": round(build_s, 2),
        "index_build_peak_mb": round(build_mb, 1),
        "points": args.points,
        "points_inside_a_grid": inside,
        "single_median_us": round(median_us, 2),
        "single_p95_us": round(single_ns[int(len(single_ns) * 0.95)] / 1000, 2),
        "bulk_points_per_s": round(args.points / bulk_s),
        "naive_us_per_point": round(naive_s * 1e6, 1),
        "speedup_single_vs_naive": round(naive_s * 1e6 / median_us, 1),
        "speedup_bulk_vs_naive": round(naive_s * args.points / bulk_s, 1),
        "naive_agrees_with_index": agree and singles_agree,
        "route_median_us": round(statistics.median(route_ns) / 1000, 1),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    (RESULTS / "routing.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
