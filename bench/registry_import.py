"""The e-bike register's import at a city's scale: a police export of 1,000,000 records, streamed in and counted.

    .venv/bin/python bench/registry_import.py [--records 1000000] [--communities 1200] [--database-url URL]

Rebuilds a scratch database (SQLite by default at /tmp/wenming-bench-registry.sqlite3; with DATABASE_URL or
--database-url a PostgreSQL database whose name contains "bench" is dropped and created) and migrates it; builds
a city of 6 counties, 60 streets and --communities communities, the traffic police and the e-bike register.
Writes the export as a CSV in a temporary directory (号牌号码, 状态, 所属社区代码, 登记日期 and two personal columns
the import drops unread), then runs ``registry_import`` twice through the real service: a first snapshot (every
record new) and a second one a month later (every record updated, 1 % no longer listed, 2 % plated since).

For each run: seconds, rows/s, and the resident memory's growth (VmRSS sampled every 20 ms from /proc, peak minus
the value before the run), beside the file's size; then the figures' row count and the city's rate. Target from
issue 18: 1,000,000 records in at most 2 minutes with memory flat (it must not grow with the number of rows: run
with --records 100000 to compare). Writes bench/results/registry_import.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.materials_board import fresh_database  # noqa: E402

SQLITE = "/tmp/wenming-bench-registry.sqlite3"


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class PeakRss:
    """The process's resident memory, sampled in a thread while the block runs."""

    def __enter__(self):
        self.baseline = self.peak = rss_kb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_kb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_kb())

    @property
    def growth_mb(self) -> float:
        return round((self.peak - self.baseline) / 1024, 1)


def build_city(communities: int):
    from wenming.org.models import Area, AreaLevel, Unit
    from wenming.registries.models import Registry, RegistryKind

    city = Area.objects.create(code="B00", name="测试市", level=AreaLevel.CITY)
    counties = [Area.objects.create(code=f"B{i}", name=f"测试县{i}", level=AreaLevel.COUNTY, parent=city)
                for i in range(1, 7)]
    streets = [Area.objects.create(code=f"{c.code}{j:02d}", name=f"{c.name}街道{j:02d}", level=AreaLevel.STREET,
                                   parent=c) for c in counties for j in range(10)]
    rows = []
    for n in range(communities):
        street = streets[n % len(streets)]
        code = f"{street.code}{n:05d}"
        rows.append(Area(code=code, name=f"社区{n:05d}", level=AreaLevel.COMMUNITY, parent=street,
                         path=f"{street.path}{code}/"))
    Area.objects.bulk_create(rows, batch_size=1000)
    police = Unit.objects.create(code="JJZD", name="交警支队", path="/JJZD/")
    registry = Registry.objects.create(code="ebike", kind=RegistryKind.EBIKE, name="电动自行车备案", owner_unit=police)
    return registry, [r.code for r in rows]


def write_export(path: Path, codes: list[str], records: int, *, seed: int, later: bool) -> int:
    """The police export: one line per e-bike; each community gets its own plated share (40-95 %)."""
    rng = random.Random(seed)
    share = {code: 0.4 + 0.55 * random.Random(code).random() for code in codes}
    start = dt.date(2020, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["号牌号码", "状态", "所属社区代码", "登记日期", "车主姓名", "联系电话"])
        for n in range(records):
            if later and n % 100 == 0:
                continue  # scrapped since: no longer listed
            code = codes[n % len(codes)]
            plated = rng.random() < share[code] + (0.02 if later else 0)
            out.writerow([f"衡{n:07d}", "已挂牌" if plated else "已备案未挂牌", code,
                          (start + dt.timedelta(days=n % 2000)).isoformat(), "某某", "13800000000"])
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--communities", type=int, default=1200)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE}")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="wenming.settings",
                      SECRET_KEY="bench-registry-not-secret", ALLOWED_HOSTS="testserver",
                      WENMING_GEO_CHECK_SECONDS="3600")
    os.environ.pop("WENMING_DEMO", None)
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.db import connection

    from wenming.registries.models import RegistryFigure, RegistryRecord
    from wenming.registries.selectors import registry_city_rate
    from wenming.registries.services.imports import registry_import

    registry, codes = build_city(args.communities)
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for number, (as_of, later) in enumerate(((dt.date(2026, 5, 31), False), (dt.date(2026, 6, 30), True))):
            path = Path(folder) / f"export-{as_of}.csv"
            size = write_export(path, codes, args.records, seed=number, later=later)
            with PeakRss() as memory:
                t = time.perf_counter()
                job = registry_import(registry_id=registry.pk, path=path, kind="records", as_of=as_of)
                seconds = time.perf_counter() - t
            assert job.status == "done", job.errors
            run = {"as_of": as_of.isoformat(), "file_mb": round(size / 2**20, 1), "rows": job.rows_read,
                   "written": job.rows_written, "refused": job.rows_refused, "deactivated": job.deactivated,
                   "seconds": round(seconds, 1), "rows_per_s": round(job.rows_read / seconds),
                   "rss_before_mb": round(memory.baseline / 1024, 1), "rss_growth_mb": memory.growth_mb,
                   "city_rate": str(registry_city_rate(kind="ebike"))}
            runs.append(run)
            print(json.dumps(run, ensure_ascii=False), flush=True)
            path.unlink()
    out = {"date": time.strftime("%Y-%m-%d"), "database": connection.vendor, "records": args.records,
           "communities": args.communities, "active_records": RegistryRecord.objects.filter(active=True).count(),
           "figures": RegistryFigure.objects.count(), "runs": runs}
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "registry_import.json").write_text(json.dumps(out, ensure_ascii=False, indent=1))
    print(json.dumps({k: v for k, v in out.items() if k != "runs"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
