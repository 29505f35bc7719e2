"""Point → unit grid lookups over a 60,000-grid city: the spatial index beside index-free scans, in one run.

    .venv/bin/python bench/routing.py [--grids 60000] [--points 200000] [--reuse] [--database-url URL]

Builds the demo city (``wenming demo-data --grids N --seed 1``) in a scratch database — by default the SQLite
file wenming-bench-routing-<N>.sqlite3 in the temporary directory (/tmp), recreated on every run unless --reuse
is given — then builds the in-process index and measures, on random points drawn uniformly from the city's
bounding box (fixed numpy seed; the report says how many fall inside a grid). Django runs with the demo's
throwaway key but DEBUG off, as in production.

- index build: ``SpatialIndex.build()`` wall time and the process's resident-memory growth;
- single lookups: ``SpatialIndex.locate`` one point per call, each call timed with perf_counter_ns;
- bulk lookups: ``SpatialIndex.locate_many`` over all points (points/s, median of several passes);
- two scans without an index, same points, same answers (a grid holds a point on its boundary, and on an
  edge shared by two grids the one listed first in the index wins — the index's semantics):
  "naive": shapely.intersects_xy against every grid polygon, lowest index wins;
  "bbox scan": numpy over every grid's bounding box, then the polygon test on the survivors in index order;
- an STRtree "intersects" query with a shapely Point per call (how ``locate`` worked before 2026-11-28);
- shop-front decisions: ``case_route`` for 店外经营 a few metres from every registered shop (门前五包);
- a whole routing decision: ``case_route`` (spatial lookups, rule matching, the cached configuration), median
  over many points and categories, twice: as configured (the geography and routing versions are re-read from
  the database at most every WENMING_GEO_CHECK_SECONDS, 2 s) and with both versions re-read on every decision
  (WENMING_GEO_CHECK_SECONDS=0, two extra queries per decision).

Every answer is cross-checked: single vs bulk on every single-lookup point, the index vs the naive scan
(including points placed exactly on grid edges and corners). A mismatch fails the run.

Without --reuse the scratch database is wiped: SQLite files are deleted, PostgreSQL databases dropped and
created. To protect real data, a database given with --database-url is only wiped if its name contains
"bench" or "scratch".
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SEED = 20261128
CATEGORIES = ["SJ0101", "SJ0201", "SJ0401", "SJ0404", "SJ0601", "SJ0802", "BJ0104", "BJ0107"]
SHOP_FRONT_CATEGORY = "SJ0402"  # 店外经营: a storefront duty's category in the demo


# -- machine and database helpers (also used by bench/demo_data.py) ------------------------------------------
def machine_info(pg_url: str | None = None) -> dict:
    """nproc, CPU model, RAM, OS, Python, SQLite and (if reachable) PostgreSQL versions."""
    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        info["cpu"] = re.search(r"^model name\s*:\s*(.+)$", cpu, re.M).group(1).strip()
        mem_kb = int(re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M).group(1))
        info["ram_gib"] = round(mem_kb / 2**20, 1)
    except (OSError, AttributeError):
        info["cpu"] = platform.processor() or platform.machine()
    try:
        info["os"] = re.search(r'^PRETTY_NAME="?([^"\n]+)', Path("/etc/os-release").read_text(), re.M).group(1)
    except (OSError, AttributeError):
        info["os"] = platform.platform()
    info["kernel"] = platform.release()
    if pg_url:
        try:
            import psycopg

            with psycopg.connect(_admin_url(pg_url), connect_timeout=3) as conn:
                info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
        except Exception as exc:  # noqa: BLE001 - the version is informative only
            info["postgresql"] = f"unreachable ({type(exc).__name__})"
    return info


def _admin_url(url: str) -> str:
    return urlsplit(url)._replace(path="/postgres").geturl()


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def sqlite_path(url: str) -> Path:
    return Path(urlsplit(url).path[1:] if url.startswith("sqlite:////") else urlsplit(url).path.lstrip("/"))


def database_name(url: str) -> str:
    return sqlite_path(url).name if is_sqlite(url) else urlsplit(url).path.lstrip("/")


def wipe_database(url: str, *, guard: bool = True) -> None:
    """Delete a SQLite file, or drop and create a PostgreSQL database. Only scratch names unless guard=False."""
    name = database_name(url)
    if guard and not any(word in name.lower() for word in ("bench", "scratch")):
        raise SystemExit(f"refusing to wipe {name!r}: pass --reuse, or use a database whose name contains 'bench'")
    if is_sqlite(url):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{sqlite_path(url)}{suffix}").unlink(missing_ok=True)
        sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def rss_bytes() -> int:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the peak instead, which is the best a portable call offers
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def percentile(sorted_values: list, q: float):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))]


def print_table(rows: list[tuple[str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


# -- the benchmark -------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grids", type=int, default=60000, help="unit grids in the demo city (default 60000)")
    parser.add_argument("--points", type=int, default=200_000, help="random points for bulk lookups (default 200000)")
    parser.add_argument("--single", type=int, default=100_000, help="of those, how many to time one by one")
    parser.add_argument("--naive", type=int, default=300, help="points for the index-free scans (slow)")
    parser.add_argument("--routes", type=int, default=20000, help="case_route decisions to time")
    parser.add_argument("--database-url", help="scratch database (default: a SQLite file in /tmp)")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it already holds this city")
    parser.add_argument("--out", default=str(RESULTS / "routing.json"), help="where to write the JSON result")
    args = parser.parse_args()

    RESULTS.mkdir(parents=True, exist_ok=True)
    default_db = Path(tempfile.gettempdir()) / f"wenming-bench-routing-{args.grids}.sqlite3"
    url = args.database_url or f"sqlite:///{default_db}"
    if not args.reuse:
        wipe_database(url, guard=args.database_url is not None)
    # The demo's throwaway key, but DEBUG off as in production: with DEBUG on, Django formats and keeps every SQL.
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="wenming.settings", WENMING_DEMO="1", WENMING_DEBUG="0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import numpy as np
    import shapely
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from wenming.cases.services.routing import case_route
    from wenming.org.models import Area, AreaLevel, StorefrontDuty
    from wenming.org.spatial import SpatialIndex, get_index

    call_command("migrate", verbosity=0)
    demo_s = None
    have = Area.objects.filter(level=AreaLevel.GRID).count()
    if have and have != args.grids:
        raise SystemExit(f"the database holds a city of {have} grids, not {args.grids}: drop --reuse")
    if not have:
        print(f"building the demo city ({args.grids} grids) in {database_name(url)} ...", flush=True)
        t = time.perf_counter()
        call_command("demo-data", grids=args.grids, seed=1, verbosity=0)
        demo_s = time.perf_counter() - t

    # -- index build: time and resident-memory growth; a second, traced build for Python-heap allocations --
    gc.collect()
    rss0 = rss_bytes()
    t = time.perf_counter()
    index = SpatialIndex.build()
    build_s = time.perf_counter() - t
    gc.collect()
    build_rss_mb = (rss_bytes() - rss0) / 1e6
    tracemalloc.start()
    SpatialIndex.build()
    traced_peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    gc.collect()

    grid_rows = list(Area.objects.filter(level=AreaLevel.GRID).exclude(geometry=None).values_list("id", "geometry"))
    grid_ids = np.array([r[0] for r in grid_rows], dtype=np.int64)
    polygons = np.array([shapely.geometry.shape(r[1]) for r in grid_rows])
    shapely.prepare(polygons)
    grid_id_set = set(grid_ids.tolist())
    assert len(grid_ids) == args.grids, (len(grid_ids), args.grids)

    city = Area.objects.get(parent__isnull=True)
    rng = np.random.default_rng(SEED)
    lng = rng.uniform(city.min_lng, city.max_lng, args.points)
    lat = rng.uniform(city.min_lat, city.max_lat, args.points)
    lng_list, lat_list = lng.tolist(), lat.tolist()

    # -- single lookups ------------------------------------------------------------------------------------
    locate = index.locate
    clock = time.perf_counter_ns
    for x, y in zip(lng_list[:2000], lat_list[:2000], strict=True):  # warm-up
        locate(x, y)
    n_single = min(args.single, args.points)
    single_ns, single_res = [], []
    for x, y in zip(lng_list[:n_single], lat_list[:n_single], strict=True):
        t0 = clock()
        r = locate(x, y)
        single_ns.append(clock() - t0)
        single_res.append(r)
    overhead = []
    for _ in range(20000):
        t0 = clock()
        overhead.append(clock() - t0)
    timer_ns = statistics.median(overhead)
    hit_ns = sorted(ns for ns, r in zip(single_ns, single_res, strict=True) if r in grid_id_set)
    miss_ns = sorted(ns for ns, r in zip(single_ns, single_res, strict=True) if r not in grid_id_set)
    single_sorted = sorted(single_ns)
    single_median_us = statistics.median(single_sorted) / 1000

    # -- bulk lookups --------------------------------------------------------------------------------------
    bulk_runs = []
    for _ in range(5):
        t = time.perf_counter()
        bulk = index.locate_many(lng, lat)
        bulk_runs.append(time.perf_counter() - t)
    bulk_s = statistics.median(bulk_runs)
    inside = int((bulk >= 0).sum())
    bulk_agrees_single = all(
        b == (s if s in grid_id_set else -1) for b, s in zip(bulk[:n_single].tolist(), single_res, strict=True)
    )

    # -- the STRtree with a shapely Point per call: the pre-2026-11-28 locate, same points ------------------
    tree = shapely.STRtree(polygons)
    ref_ns = []
    for x, y in zip(lng_list[:n_single], lat_list[:n_single], strict=True):
        t0 = clock()
        hits = tree.query(shapely.Point(x, y), predicate="intersects")
        if len(hits):
            int(grid_ids[hits.min()])
        ref_ns.append(clock() - t0)
    ref_median_us = statistics.median(ref_ns) / 1000
    t = time.perf_counter()
    pts = shapely.points(lng, lat)
    tree.query(pts, predicate="intersects")
    ref_bulk_s = time.perf_counter() - t

    # -- index-free scans ----------------------------------------------------------------------------------
    def naive(x: float, y: float) -> int:
        hit = np.flatnonzero(shapely.intersects_xy(polygons, x, y))
        return int(grid_ids[hit.min()]) if len(hit) else -1

    bounds = shapely.bounds(polygons)
    bx0, by0, bx1, by1 = (np.ascontiguousarray(bounds[:, k]) for k in range(4))

    def bbox_scan(x: float, y: float) -> int:
        cand = np.flatnonzero((bx0 <= x) & (x <= bx1) & (by0 <= y) & (y <= by1))
        for i in cand.tolist():
            if shapely.intersects_xy(polygons[i], x, y):
                return int(grid_ids[i])
        return -1

    n_naive = min(args.naive, args.points)
    naive_ns, naive_res = [], []
    for x, y in zip(lng_list[:n_naive], lat_list[:n_naive], strict=True):
        t0 = clock()
        naive_res.append(naive(x, y))
        naive_ns.append(clock() - t0)
    scan_ns, scan_res = [], []
    for x, y in zip(lng_list[:n_naive * 10], lat_list[:n_naive * 10], strict=True):
        t0 = clock()
        scan_res.append(bbox_scan(x, y))
        scan_ns.append(clock() - t0)
    naive_us = statistics.median(naive_ns) / 1000
    scan_us = statistics.median(scan_ns) / 1000
    naive_agrees = naive_res == bulk[:n_naive].tolist() and scan_res == bulk[: n_naive * 10].tolist()

    # Points exactly on grid edges and corners (shared by two or four grids), and grid centres: the index must
    # give the same answer as the naive scan (the grid listed first among those sharing the edge).
    pick = rng.choice(len(polygons), size=300, replace=False)
    edge_pts = []
    for i in pick.tolist():
        x0, y0, x1, y1 = bounds[i]
        edge_pts += [(x1, (y0 + y1) / 2), ((x0 + x1) / 2, y1), (x0, y0), (x1, y1), ((x0 + x1) / 2, (y0 + y1) / 2)]
    ex = np.array([p[0] for p in edge_pts])
    ey = np.array([p[1] for p in edge_pts])
    edge_bulk = index.locate_many(ex, ey).tolist()
    edge_single = [locate(x, y) for x, y in edge_pts]
    edge_agrees = all(
        naive(x, y) == b == (s if s in grid_id_set else -1)
        for (x, y), b, s in zip(edge_pts, edge_bulk, edge_single, strict=True)
    )
    # Above the grids: the deepest area holding the point (none of the sample points needs it in the demo city,
    # where grids tile every community, but points outside every area check the None answer).
    upper = list(Area.objects.exclude(level=AreaLevel.GRID).exclude(geometry=None).values_list("id", "path", "geometry"))
    upper_polys = np.array([shapely.geometry.shape(r[2]) for r in upper])
    shapely.prepare(upper_polys)
    upper_depth = np.array([r[1].count("/") for r in upper])

    def reference(x: float, y: float) -> int | None:
        g = naive(x, y)
        if g >= 0:
            return g
        hit = np.flatnonzero(shapely.intersects_xy(upper_polys, x, y))
        return int(upper[hit[np.argmax(upper_depth[hit])]][0]) if len(hit) else None

    ref_pts = edge_pts + list(zip(lng_list[:n_naive], lat_list[:n_naive], strict=True))
    chain_agrees = all(locate(x, y) == reference(x, y) for x, y in ref_pts)

    # -- whole routing decisions ---------------------------------------------------------------------------
    get_index()  # the process-wide index, built once here rather than inside the first timed decision
    n_routes = min(args.routes, args.points)
    for i in range(200):
        case_route(lng=lng_list[i], lat=lat_list[i], category=CATEGORIES[i % len(CATEGORIES)])
    queries = {"n": 0}

    def count_queries(execute, sql, params, many, context):
        queries["n"] += 1
        return execute(sql, params, many, context)

    route_ns, rules = [], {}
    with connection.execute_wrapper(count_queries):
        started = time.perf_counter()
        for i in range(n_routes):
            x, y = lng_list[-1 - i], lat_list[-1 - i]
            t0 = clock()
            decision = case_route(lng=x, lat=y, category=CATEGORIES[i % len(CATEGORIES)])
            route_ns.append(clock() - t0)
            rules[decision.rule] = rules.get(decision.rule, 0) + 1
        route_wall = time.perf_counter() - started
    route_sorted = sorted(route_ns)
    route_queries = queries["n"]
    # The same decisions with the geography and routing versions read from the database every time.
    route0_ns = []
    queries["n"] = 0
    n_routes0 = min(n_routes, 5000)
    with override_settings(WENMING_GEO_CHECK_SECONDS=0), connection.execute_wrapper(count_queries):
        for i in range(n_routes0):
            x, y = lng_list[-1 - i], lat_list[-1 - i]
            t0 = clock()
            case_route(lng=x, lat=y, category=CATEGORIES[i % len(CATEGORIES)])
            route0_ns.append(clock() - t0)
    route0_sorted = sorted(route0_ns)
    # Shop-front problems (店外经营) a few metres in front of the registered shops, as a citizen reports them: the
    # storefront duty's lookup at its worst (every point near a shop), beside the random points above.
    shop_points = [(lng + 0.00004, lat) for lng, lat in StorefrontDuty.objects.exclude(lng=None).order_by("id")
                   .values_list("lng", "lat")[:n_routes]]
    shop_ns, shop_rules = [], {}
    for x, y in shop_points * max(1, 5000 // max(len(shop_points), 1)):
        t0 = clock()
        decision = case_route(lng=x, lat=y, category=SHOP_FRONT_CATEGORY)
        shop_ns.append(clock() - t0)
        shop_rules[decision.rule] = shop_rules.get(decision.rule, 0) + 1
    shop_sorted = sorted(shop_ns) or [0]

    checks = {"single vs bulk": bulk_agrees_single, "index vs scans": naive_agrees,
              "edges and corners": edge_agrees, "locate vs reference": chain_agrees}
    correct = all(checks.values())
    for name, ok in checks.items():
        if not ok:
            print(f"MISMATCH: {name}", file=sys.stderr)
    result = {
        "benchmark": "routing",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine_info(None if is_sqlite(url) else url),
        "database": "sqlite" if is_sqlite(url) else "postgresql",
        "command": " ".join(["bench/routing.py", *sys.argv[1:]]),
        "grids": int(len(grid_ids)),
        "demo_build_s": round(demo_s, 1) if demo_s else None,
        "index_build_s": round(build_s, 2),
        "index_build_rss_mb": round(build_rss_mb, 1),
        "index_build_python_heap_peak_mb": round(traced_peak_mb, 1),
        "points": args.points,
        "points_inside_a_grid": inside,
        "seed": SEED,
        "single_lookups": n_single,
        "single_median_us": round(single_median_us, 2),
        "single_p90_us": round(percentile(single_sorted, 0.90) / 1000, 2),
        "single_p99_us": round(percentile(single_sorted, 0.99) / 1000, 2),
        "single_mean_us": round(statistics.fmean(single_ns) / 1000, 2),
        "single_median_inside_grid_us": round(statistics.median(hit_ns) / 1000, 2) if hit_ns else None,
        "single_median_outside_grids_us": round(statistics.median(miss_ns) / 1000, 2) if miss_ns else None,
        "timer_overhead_ns": int(timer_ns),
        "bulk_points_per_s": round(args.points / bulk_s),
        "bulk_passes_s": [round(s, 4) for s in bulk_runs],
        "strtree_point_per_call_median_us": round(ref_median_us, 2),
        "strtree_bulk_points_per_s": round(args.points / ref_bulk_s),
        "naive_points": n_naive,
        "naive_median_us": round(naive_us, 1),
        "bbox_scan_points": n_naive * 10,
        "bbox_scan_median_us": round(scan_us, 1),
        "speedup_single_vs_naive": round(naive_us / single_median_us),
        "speedup_single_vs_bbox_scan": round(scan_us / single_median_us, 1),
        "speedup_single_vs_strtree_point": round(ref_median_us / single_median_us, 1),
        "speedup_bulk_vs_naive": round(naive_us / 1e6 * args.points / bulk_s),
        "speedup_bulk_vs_bbox_scan": round(scan_us / 1e6 * args.points / bulk_s),
        "speedup_bulk_vs_strtree_bulk": round(ref_bulk_s / bulk_s, 1),
        "edge_and_corner_points_checked": len(edge_pts),
        "answers_agree": correct,
        "route_decisions": n_routes,
        "route_median_us": round(statistics.median(route_sorted) / 1000, 1),
        "route_p90_us": round(percentile(route_sorted, 0.90) / 1000, 1),
        "route_p99_us": round(percentile(route_sorted, 0.99) / 1000, 1),
        "route_queries_total": route_queries,
        "route_wall_s": round(route_wall, 2),
        "route_rules": rules,
        "route_check_every_call_median_us": round(statistics.median(route0_sorted) / 1000, 1),
        "route_check_every_call_p90_us": round(percentile(route0_sorted, 0.90) / 1000, 1),
        "route_check_every_call_queries_per_decision": round(queries["n"] / n_routes0, 2),
        "shop_front_shops": len(shop_points),
        "shop_front_decisions": len(shop_ns),
        "shop_front_median_us": round(statistics.median(shop_sorted) / 1000, 1),
        "shop_front_p99_us": round(percentile(shop_sorted, 0.99) / 1000, 1),
        "shop_front_rules": shop_rules,
    }

    m = result["machine"]
    print(f"\nrouting benchmark, {result['date']}: {m['cpu']}, {m['nproc']} cores, Python {m['python']}, "
          f"{result['database']} ({database_name(url)})")
    print_table([
        ("unit grids", f"{result['grids']:,}"),
        ("demo city build (demo-data)", f"{demo_s:.1f} s" if demo_s else "reused"),
        ("index build", f"{build_s:.2f} s, +{build_rss_mb:.0f} MB resident "
                        f"(Python heap peak {traced_peak_mb:.0f} MB)"),
        ("random points in the city's bbox", f"{args.points:,} (seed {SEED}), {inside:,} inside a grid "
                                             f"({inside / args.points:.0%})"),
        ("locate, median (one call)", f"{single_median_us:.2f} µs   (target ≤ 50 µs; {n_single:,} calls, "
                                      f"timer overhead {timer_ns:.0f} ns included)"),
        ("locate, p90 / p99 / mean", f"{result['single_p90_us']} / {result['single_p99_us']} / "
                                     f"{result['single_mean_us']} µs"),
        ("locate, median inside a grid / outside", f"{result['single_median_inside_grid_us']} / "
                                                   f"{result['single_median_outside_grids_us']} µs"),
        ("locate_many", f"{result['bulk_points_per_s']:,} points/s   (target ≥ 200,000; median of 5 passes)"),
        ("STRtree + shapely Point per call, median", f"{ref_median_us:.2f} µs  → locate is "
                                                     f"{result['speedup_single_vs_strtree_point']}× faster"),
        ("STRtree bulk query", f"{result['strtree_bulk_points_per_s']:,} points/s  → locate_many is "
                               f"{result['speedup_bulk_vs_strtree_bulk']}× faster"),
        ("naive scan (intersects_xy, every grid)", f"{naive_us:,.0f} µs per point ({n_naive} points)"),
        ("bbox scan (numpy bboxes, then polygon)", f"{scan_us:,.0f} µs per point ({n_naive * 10} points)"),
        ("speed-up, locate vs naive / bbox scan", f"{result['speedup_single_vs_naive']:,}× / "
                                                  f"{result['speedup_single_vs_bbox_scan']:,}×"),
        ("speed-up, locate_many vs naive / bbox scan", f"{result['speedup_bulk_vs_naive']:,}× / "
                                                       f"{result['speedup_bulk_vs_bbox_scan']:,}×"),
        ("answers agree", f"{'yes' if correct else 'NO'} (single vs bulk on {n_single:,}; index vs scans on "
                          f"{n_naive * 10:,} random + {len(edge_pts):,} edge/corner/centre points)"),
        ("case_route, median / p90 / p99", f"{result['route_median_us']} / {result['route_p90_us']} / "
                                           f"{result['route_p99_us']} µs ({n_routes:,} decisions, "
                                           f"{route_queries} SQL queries in all)"),
        ("case_route, versions read every call", f"{result['route_check_every_call_median_us']} / "
                                                 f"{result['route_check_every_call_p90_us']} µs median / p90 "
                                                 f"({result['route_check_every_call_queries_per_decision']} "
                                                 f"queries per decision)"),
        ("case_route rules", ", ".join(f"{k} {v}" for k, v in sorted(rules.items(), key=lambda kv: -kv[1]))),
        ("case_route at shop fronts, median / p99", f"{result['shop_front_median_us']} / {result['shop_front_p99_us']} µs "
                                                    f"({len(shop_ns):,} decisions of {SHOP_FRONT_CATEGORY} at "
                                                    f"{len(shop_points):,} shops)"),
        ("case_route rules at shop fronts", ", ".join(f"{k} {v}" for k, v in sorted(shop_rules.items(), key=lambda kv: -kv[1]))),
    ])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {out}")
    if not correct:
        raise SystemExit("answers disagree: see above")


if __name__ == "__main__":
    main()
