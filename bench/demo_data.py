"""How long `wenming demo-data --grids N` takes on SQLite and on PostgreSQL, each on a fresh database.

    .venv/bin/python bench/demo_data.py [--grids 60000] [--layout hengshui|lattice] [--runs 1]
        [--only sqlite|postgresql] [--postgres postgres://postgres@127.0.0.1:5432/wenming_bench_demo_data]

For each database and run: a new SQLite file in a temporary directory, or the PostgreSQL scratch database
dropped and created (its name must contain "bench"); ``wenming migrate`` (not timed); then
``wenming demo-data --grids N`` timed as a whole process (Python start-up and Django set-up included), with
WENMING_DEMO=1 as ``make demo`` runs it; the commands run through this checkout's manage.py, so the code measured
is the code beside the script. Rows created are counted per table afterwards (every table, before
and after, so nothing the command writes is missed). Prints a table and writes bench/results/demo_data.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from routing import RESULTS, machine_info, print_table, wipe_database  # noqa: E402

WENMING = [sys.executable, str(Path(__file__).resolve().parent.parent / "manage.py")]
TARGET_S = 120


def table_counts(url: str) -> dict[str, int]:
    if url.startswith("sqlite:"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
            return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    import psycopg

    with psycopg.connect(url) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema='public' AND table_type='BASE TABLE'"
        )]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def run(url: str, grids: int, layout: str) -> dict:
    env = os.environ | {"DATABASE_URL": url, "WENMING_DEMO": "1"}
    env.pop("WENMING_TESTING", None)
    subprocess.run([*WENMING, "migrate", "--no-input", "-v", "0"], env=env, check=True)
    before = table_counts(url)
    started = time.perf_counter()
    proc = subprocess.run([*WENMING, "demo-data", "--grids", str(grids), "--layout", layout], env=env, check=True,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = table_counts(url)
    created = {t: after[t] - before.get(t, 0) for t in sorted(after) if after[t] != before.get(t, 0)}
    own = re.search(r"built in ([\d.]+) s", proc.stdout)
    return {
        "seconds": round(wall, 1),
        "command_reported_s": float(own.group(1)) if own else None,
        "rows_created": sum(created.values()),
        "rows_by_table": created,
        "output": proc.stdout.strip(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grids", type=int, default=60000)
    parser.add_argument("--layout", choices=["hengshui", "lattice"], default="hengshui")
    parser.add_argument("--runs", type=int, default=1, help="runs per database (default 1)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/wenming_bench_demo_data")
    parser.add_argument("--out", default=str(RESULTS / "demo_data.json"))
    args = parser.parse_args()

    result = {
        "benchmark": "demo_data",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine_info(args.postgres if args.only != "sqlite" else None),
        "command": " ".join(["bench/demo_data.py", *sys.argv[1:]]),
        "grids": args.grids,
        "layout": args.layout,
        "target_s": TARGET_S,
        "runs": {},
    }
    for run_no in range(args.runs):
        if args.only != "postgresql":
            with tempfile.TemporaryDirectory(prefix="wenming-bench-") as tmp:
                print(f"SQLite run {run_no + 1}: {tmp}/bench.sqlite3 ...", flush=True)
                result["runs"].setdefault("sqlite", []).append(run(f"sqlite:///{tmp}/bench.sqlite3", args.grids, args.layout))
        if args.only != "sqlite":
            print(f"PostgreSQL run {run_no + 1}: {args.postgres} (dropped and created) ...", flush=True)
            wipe_database(args.postgres)
            result["runs"].setdefault("postgresql", []).append(run(args.postgres, args.grids, args.layout))
            wipe_database(args.postgres)  # leave an empty scratch database behind, not 60,000 grids

    m = result["machine"]
    print(f"\ndemo-data --grids {args.grids} --layout {args.layout}, {result['date']}: {m['cpu']}, {m['nproc']} cores, Python {m['python']}, "
          f"SQLite {m['sqlite']}" + (f", PostgreSQL {m['postgresql']}" if "postgresql" in m else ""))
    rows = []
    for db, runs in result["runs"].items():
        for i, r in enumerate(runs):
            verdict = "under" if r["seconds"] < TARGET_S else "OVER"
            rows.append((f"{db} run {i + 1}", f"{r['seconds']:6.1f} s wall ({r['command_reported_s']} s inside the "
                                              f"command), {r['rows_created']:,} rows — {verdict} the {TARGET_S} s target"))
    print_table(rows)
    first = next(iter(result["runs"].values()))[0]
    print("  rows by table: " + ", ".join(f"{t} {n:,}" for t, n in first["rows_by_table"].items()))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
