"""How long `wenming demo-data --grids N` takes on SQLite and on PostgreSQL (fresh database each).

    .venv/bin/python bench/demo_data.py [--grids 60000] [--postgres postgres://postgres@127.0.0.1:5432/wenming_bench_demo]

Migrations run first and are not timed; the command itself is timed as a whole process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
WENMING = str(Path(sys.executable).with_name("wenming"))


def run(url: str, grids: int) -> float:
    env = os.environ | {"DATABASE_URL": url, "WENMING_DEMO": "1"}
    subprocess.run([WENMING, "migrate", "-v", "0"], env=env, check=True)
    started = time.perf_counter()
    subprocess.run([WENMING, "demo-data", "--grids", str(grids)], env=env, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grids", type=int, default=60000)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/wenming_bench_demo")
    args = parser.parse_args()
    result = {"grids": args.grids, "date": time.strftime("%Y-%m-%d")}
    with tempfile.TemporaryDirectory() as tmp:
        result["sqlite_s"] = round(run(f"sqlite:///{tmp}/demo.sqlite3", args.grids), 1)
    import psycopg

    parts = urlsplit(args.postgres)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    result["postgresql_s"] = round(run(args.postgres, args.grids), 1)
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "demo_data.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
