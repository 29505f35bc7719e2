"""Point-in-time restore of the demo city with 1,000,000 cases: backup time and size, restore time, counts compared.

    .venv/bin/python bench/restore.py [--cases 1000000] [--more 50000] [--grids 3000] [--port 15555] [--keep]

Builds a scratch PostgreSQL 15 cluster (as the postgres user, in a temporary folder, WAL archived with pgBackRest),
`wenming migrate`, `wenming demo-data --grids N`, `bench/seed_cases.py --cases N`, then a full backup (timed).
Then more writes (`--more` cases in two halves); between the halves it records the time T and the case and event
counts. After making sure the WAL is archived (`pgbackrest check`), it restores to T into a second cluster on
port+1 (timed as a whole: pgBackRest's restore of the files, then WAL replay and promotion until the server
accepts connections and has left recovery) and compares the counts. Both clusters and the repository are removed
at the end unless --keep. Needs root or the postgres user, pgbackrest and PostgreSQL 15 (Debian's packages).
Figures go to bench/results/restore.json; docs/backups.md keeps them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wenming.cluster import backup  # noqa: E402 — after the project root is on the path

COUNTS = "SELECT (SELECT count(*) FROM cases_case) || ' ' || (SELECT count(*) FROM cases_caseevent)"


def _wenming(url: str, *args: str) -> float:
    """Run this checkout's ``wenming`` command against ``url``; return its wall time."""
    env = {**os.environ, "DATABASE_URL": url, "WENMING_DEMO": "1", "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True, timeout=7200)
    return time.perf_counter() - started


def _counts(port: int) -> tuple[int, int]:
    cases, events = backup.pg_value(port=port, database="wenming", sql=COUNTS).split()
    return int(cases), int(events)


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--more", type=int, default=50_000, help="cases written after the full backup")
    parser.add_argument("--grids", type=int, default=3000)
    parser.add_argument("--port", type=int, default=15555, help="the source; the restore listens on port+1")
    parser.add_argument("--keep", action="store_true", help="leave the clusters and the repository in place")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "restore.json")
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="wenming-bench-restore-"))
    base.chmod(0o755)  # the postgres user walks into it
    source = backup.PgNode(data=base / "pg" / "source", port=args.port, socket_dir=base / "sock")
    restored = base / "pg" / "restored"
    config = backup.pgbackrest_config(path=base / "pgbackrest" / "pgbackrest.conf", repo=base / "repo", nodes=[source])
    url = f"postgres://postgres@127.0.0.1:{args.port}/wenming"
    seed = [str(ROOT / "bench" / "seed_cases.py"), "--database-url", url]
    result: dict = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "cases": args.cases,
                    "more": args.more, "grids": args.grids, "machine": f"{os.cpu_count()} cores, {platform.platform()}"}
    try:
        params = backup.archive_parameters(config=config)
        params.pop("restore_command")
        # Room for the bulk load's WAL between checkpoints; everything else as initdb leaves it (fsync on).
        backup.pg_init(data=source.data, port=source.port, socket_dir=source.socket_dir,
                       settings={**params, "shared_buffers": "1GB", "max_wal_size": "8GB"})
        backup.pg_start(data=source.data)
        backup.pg_value(port=args.port, sql="CREATE DATABASE wenming")
        backup.stanza_create(config=config)
        print("migrate …", flush=True)
        result["migrate_s"] = _wenming(url, "-m", "wenming.cli", "migrate", "--no-input", "-v", "0")
        print("demo-data …", flush=True)
        result["demo_data_s"] = _wenming(url, "-m", "wenming.cli", "demo-data", "--grids", str(args.grids))
        print("seed_cases …", flush=True)
        result["seed_s"] = _wenming(url, *seed, "--cases", str(args.cases))
        result["database_bytes"] = int(backup.pg_value(port=args.port, sql="SELECT pg_database_size('wenming')"))

        print("full backup …", flush=True)
        started = time.perf_counter()
        full = backup.backup_run(config=config, kind="full")
        result["full_backup_s"] = time.perf_counter() - started
        result["full_backup"] = {"label": full.label, "cluster_bytes": full.size, "stored_bytes": full.stored}

        half = args.more // 2
        result["more_writes_s"] = _wenming(url, *seed, "--cases", str(half))
        time.sleep(1.1)  # the restore target lies clearly between two commits
        target = backup.pg_clock(port=args.port)
        at_target = _counts(args.port)
        time.sleep(1.1)
        result["more_writes_s"] += _wenming(url, *seed, "--cases", str(args.more - half))
        after = _counts(args.port)
        backup.archive_check(config=config)  # every commit up to now is in the repository
        result["repo_bytes"] = _du(base / "repo")
        result["archived_wal_bytes"] = _du(base / "repo" / "archive")

        print(f"restore to {target.isoformat()} …", flush=True)
        started = time.perf_counter()
        used = backup.restore_pitr(target_time=target, into=restored, port=args.port + 1, config=config,
                                   socket_dir=source.socket_dir)
        result["restore_s"] = time.perf_counter() - started
        result["restore_from"] = used.label
        result["target_time"] = target.isoformat()
        restored_counts = _counts(args.port + 1)
        result["counts"] = {"at_target": at_target, "restored": restored_counts, "source_now": after}
        result["counts_match"] = restored_counts == at_target
    finally:
        for data in (restored, source.data):
            try:
                backup.pg_stop(data=data, mode="immediate")
            except backup.BackupError as exc:
                print(exc, file=sys.stderr)
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    gib = 1024**3
    print(f"""
| measure | value |
|---|---|
| cases before the backup / database size | {args.cases:,} / {result['database_bytes'] / gib:.2f} GiB |
| full backup: time / cluster size / stored (lz4) | {result['full_backup_s']:.1f} s / {full.size / gib:.2f} GiB / {full.stored / gib:.2f} GiB |
| WAL archived during the run (load, backup, {args.more:,} more cases) | {result['archived_wal_bytes'] / gib:.2f} GiB |
| restore to T (files + WAL replay + promotion, until it answers) | {result['restore_s']:.1f} s |
| cases / events at T, restored | {at_target[0]:,} / {at_target[1]:,}, {restored_counts[0]:,} / {restored_counts[1]:,} |
| counts match | {result['counts_match']} |
""")
    if not result["counts_match"]:
        raise SystemExit("the restored counts differ from those at the target time")


if __name__ == "__main__":
    main()
