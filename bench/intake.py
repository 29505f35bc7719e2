"""Intake throughput: a routed case through the service layer vs the bare ORM vs pgbench, one run.

    .venv/bin/python bench/intake.py [--cases 4000] [--workers 2] [--database-url postgres://postgres@127.0.0.1:5432/wenming_bench_intake]

Builds a 3,000-grid demo city in a scratch PostgreSQL database (dropped and created), then inserts the
same number of cases three ways, each with WORKERS processes and one transaction per case:

- service: ``case_intake`` (routing, deadline, case row, event row);
- orm: ``Case.objects.create`` + ``CaseEvent.objects.create`` with the values the service computed;
- pgbench: the same two INSERTs as a pgbench script (the database's ceiling on this machine).

The service and the ORM are measured in --rounds rounds, alternating which goes first (the table grows
and the machine's load drifts during a run; alternating keeps either from always getting the better
half). Each round's ratio is reported, and the median and the worst.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("WENMING_DEMO", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "wenming.settings"
    os.environ["WENMING_GEO_CHECK_SECONDS"] = "3600"
    import django

    django.setup()


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def make_jobs(n: int, seed: int) -> list[dict]:
    from wenming.cases.models import Category
    from wenming.org.models import Area

    rng = random.Random(seed)
    grids = list(Area.objects.filter(level="grid").values_list("lng", "lat"))
    cats = list(Category.objects.filter(parent__isnull=False).values_list("code", flat=True))
    return [
        {"lng": g[0] + rng.uniform(-0.0004, 0.0004), "lat": g[1] + rng.uniform(-0.0003, 0.0003), "category": rng.choice(cats)}
        for g in (rng.choice(grids) for _ in range(n))
    ]


def run_service(url: str, jobs: list[dict], queue) -> None:
    setup_django(url)
    from wenming.cases.services.workflow import case_intake
    from wenming.org.spatial import get_index

    get_index()
    queue.put(("ready", None))
    start = time.perf_counter()
    for job in jobs:
        case_intake(channel="api", description="基准测试案件", lng=job["lng"], lat=job["lat"], category=job["category"])
    queue.put(("done", time.perf_counter() - start))


def run_orm(url: str, rows: list[dict], queue) -> None:
    setup_django(url)
    from django.db import transaction

    from wenming.cases.models import Case, CaseEvent
    from wenming.cases.services.workflow import _tracking_code

    queue.put(("ready", None))
    start = time.perf_counter()
    for row in rows:
        with transaction.atomic():
            case = Case.objects.create(tracking_code=_tracking_code(), **row["case"])
            CaseEvent.objects.create(case=case, seq=0, **row["event"])
    queue.put(("done", time.perf_counter() - start))


def parallel(target, url: str, chunks: list, workers: int) -> float:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=target, args=(url, chunk, queue)) for chunk in chunks]
    for p in procs:
        p.start()
    ready = 0
    while ready < workers:
        kind, _ = queue.get(timeout=600)
        ready += kind == "ready"
    # Processes start timing as soon as they are ready; wall time is the slowest worker's.
    times = []
    while len(times) < workers:
        kind, value = queue.get(timeout=1200)
        if kind == "done":
            times.append(value)
    for p in procs:
        p.join()
    return max(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--grids", type=int, default=3000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/wenming_bench_intake")
    args = parser.parse_args()
    url = args.database_url
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("demo-data", grids=args.grids, seed=1, verbosity=0)
    jobs = make_jobs(args.cases, seed=2)
    per = args.cases // args.workers
    chunks = [jobs[i * per : (i + 1) * per] for i in range(args.workers)]

    # A first service pass (untimed for the comparison) computes the rows the ORM inserts as they are.
    parallel(run_service, url, chunks, args.workers)
    from wenming.cases.models import Case, CaseEvent

    made = list(
        Case.objects.order_by("id").values(
            "channel", "state", "category_id", "urgency", "description", "lng", "lat", "grid_id", "area_path", "unit_id",
            "routing", "reported_at", "register_due", "site_id",
        )[: per * args.workers]
    )
    rows = [
        {"case": m, "event": {"action": "report", "from_state": "", "to_state": "reported", "data": {"channel": "api"},
                              "created_at": m["reported_at"]}}
        for m in made
    ]
    orm_chunks = [rows[i * per : (i + 1) * per] for i in range(args.workers)]
    n = per * args.workers
    before_cases, before_events = Case.objects.count(), CaseEvent.objects.count()
    rounds = []
    for r in range(args.rounds):
        order = ["service", "orm"] if r % 2 == 0 else ["orm", "service"]
        took = {}
        for kind in order:
            took[kind] = (parallel(run_service, url, chunks, args.workers) if kind == "service"
                          else parallel(run_orm, url, orm_chunks, args.workers))
        rounds.append({"first": order[0], "service_cases_per_s": round(n / took["service"], 1),
                       "orm_cases_per_s": round(n / took["orm"], 1), "ratio": round(took["orm"] / took["service"], 3)})
        print(json.dumps(rounds[-1]), flush=True)
    service_rows = Case.objects.count() - before_cases
    events = CaseEvent.objects.count() - before_events
    assert service_rows == events == 2 * n * args.rounds, (service_rows, events)

    # pgbench: the same two rows per transaction.
    sample = made[0]
    script = f"""
BEGIN;
WITH c AS (
  INSERT INTO cases_case (created_at, updated_at, tracking_code, channel, external_id, state, version, category_id, urgency,
    description, address, lng, lat, grid_id, area_path, unit_id, routing, reporter_name, reporter_phone, me_too_count,
    pending_request, pending_note, pending_unit, reported_at, register_due, return_count, rework_count, extension_count,
    reopen_count)
  VALUES (now(), now(), substr(md5(random()::text), 1, 10), 'api', '', 'reported', 0, {sample['category_id']}, 'normal',
    '基准测试案件', '', {sample['lng']}, {sample['lat']}, {sample['grid_id'] or 'NULL'}, '{sample['area_path']}',
    {sample['unit_id'] or 'NULL'}, '{json.dumps(sample['routing'], ensure_ascii=False).replace("'", "''")}'::jsonb, '', '', 0,
    '', '', '', now(), now(), 0, 0, 0, 0)
  RETURNING id)
INSERT INTO cases_caseevent (case_id, seq, action, from_state, to_state, note, data, created_at)
  SELECT id, 0, 'report', '', 'reported', '', '{{"channel": "api"}}'::jsonb, now() FROM c;
COMMIT;
"""
    parts = urlsplit(url)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    tx_per_client = per
    out = subprocess.run(
        ["pgbench", "-n", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres",
         "-c", str(args.workers), "-j", str(args.workers), "-t", str(tx_per_client), "-f", f.name, parts.path.lstrip("/")],
        capture_output=True, text=True, check=True,
    ).stdout
    tps = next(float(line.split("=")[1].split()[0]) for line in out.splitlines() if line.startswith("tps"))

    ratios = sorted(r["ratio"] for r in rounds)
    service = sorted(r["service_cases_per_s"] for r in rounds)
    result = {
        "cases_per_round": n, "rounds": args.rounds, "workers": args.workers, "grids": args.grids,
        "service_cases_per_s_median": service[len(service) // 2], "service_cases_per_s_min": service[0],
        "orm_cases_per_s_median": sorted(r["orm_cases_per_s"] for r in rounds)[len(rounds) // 2],
        "service_over_orm_median": ratios[len(ratios) // 2], "service_over_orm_min": ratios[0],
        "pgbench_cases_per_s": round(tps, 1), "rows_and_events_checked": service_rows + events,
        "by_round": rounds, "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(result, indent=2))
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "intake.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
