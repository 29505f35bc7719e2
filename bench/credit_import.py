"""The credit network's import at a province's scale: a department's export of 1,000,000 credit records, streamed in.

    .venv/bin/python bench/credit_import.py [--records 1000000] [--subjects-per 4] [--runs 2] [--database-url URL]

Rebuilds a scratch database (SQLite by default at /tmp/wenming-bench-credit.sqlite3; with DATABASE_URL or
--database-url a PostgreSQL database whose name contains "bench" is dropped and created) and migrates it; creates the
market supervision bureau and its credit source. Writes the export as a CSV in a temporary directory (记录编号,
记录类型, 统一社会信用代码 with valid check characters, 主体名称, 证件号码 for the 5 % natural persons, 决定机关,
决定日期, 失信原因, 有效期至, and two columns the import drops unread), one subject per --subjects-per records. Then
runs ``credit_import`` twice through the real service: the first import (every record and subject new) and the
same file again (every record updated in place: the idempotent path), and checks the counts did not change.

For each run: seconds, rows/s, and the resident memory's growth (VmRSS sampled every 20 ms from /proc, peak minus
the value before the run), the Python process's CPU seconds (the machine is shared: wall time depends on the others'
load, reported beside it as the 1-minute load average). Target from issue 19: 1,000,000 records in at most 2 minutes with memory flat (it must not
grow with the number of rows: compare --records 300000). Writes bench/results/credit_import-<vendor>-<records>.json.
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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.materials_board import fresh_database  # noqa: E402
from bench.registry_import import PeakRss  # noqa: E402

SQLITE = "/tmp/wenming-bench-credit.sqlite3"
KINDS = ["失信", "行政处罚", "行政处罚", "红名单"]
REASONS = ["提供虚假材料", "未明码标价", "超标排放", "逾期未申报", "守合同重信用", "拒不履行生效判决"]


def write_export(path: Path, records: int, subjects_per: int, *, seed: int) -> int:
    from wenming.common.credit_code import credit_code_complete

    rng = random.Random(seed)
    start = dt.date(2021, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["记录编号", "记录类型", "统一社会信用代码", "主体名称", "证件号码", "决定机关", "决定日期", "失信原因",
                      "有效期至", "法定代表人", "联系电话"])
        code = ""
        for n in range(records):
            s = n // subjects_per
            person = s % 20 == 7
            if n % subjects_per == 0 and not person:
                code = credit_code_complete(f"91131100MA{s:07d}")
            kind = KINDS[n % 4]
            decided = start + dt.timedelta(days=n % 1800)
            until = "" if kind == "红名单" else (decided + dt.timedelta(days=365 * (1 + n % 3))).isoformat()
            out.writerow([f"SC-{n:08d}", kind, "" if person else code,
                          f"自然人{s:07d}" if person else f"衡水测试企业{s:07d}有限公司",
                          f"13110219800101{s % 10000:04d}" if person else "", "衡水市市场监督管理局",
                          decided.isoformat(), rng.choice(REASONS), until, "某某", "13800000000"])
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--subjects-per", type=int, default=4)
    parser.add_argument("--runs", type=int, choices=(1, 2), default=2,
                        help="1: the first import only; 2: then the same file again (the idempotent path)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE}")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="wenming.settings",
                      SECRET_KEY="bench-credit-not-secret", ALLOWED_HOSTS="testserver",
                      WENMING_GEO_CHECK_SECONDS="3600")
    os.environ.pop("WENMING_DEMO", None)
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.db import connection

    from wenming.credit.models import CreditRecord, CreditSource, CreditSubject, RecordKind
    from wenming.credit.services.imports import credit_import
    from wenming.org.models import Unit

    unit = Unit.objects.create(code="SCJG", name="衡水市市场监督管理局")
    source = CreditSource.objects.create(code="scjg", name="市场监管局", owner_unit=unit, kinds=list(RecordKind.values))
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        t = time.perf_counter()
        size = write_export(path, args.records, args.subjects_per, seed=1)
        print(f"export written: {size / 2**20:.1f} MB in {time.perf_counter() - t:.1f} s", flush=True)
        counts = None
        for label in ("first import", "same file again")[:args.runs]:
            with PeakRss() as memory:
                t, cpu = time.perf_counter(), time.process_time()
                job = credit_import(source_id=source.pk, path=path)
                seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
            assert job.status == "done", job.errors
            now = (CreditRecord.objects.count(), CreditSubject.objects.count())
            assert counts is None or counts == now, (counts, now)
            counts = now
            run = {"run": label, "file_mb": round(size / 2**20, 1), "rows": job.rows_read, "written": job.rows_written,
                   "records": now[0], "subjects": now[1], "seconds": round(seconds, 1),
                   "python_cpu_s": round(cpu, 1), "load_avg": os.getloadavg()[0], "rows_per_s": round(job.rows_read / seconds), "rss_before_mb": round(memory.baseline / 1024, 1),
                   "rss_growth_mb": memory.growth_mb}
            runs.append(run)
            print(json.dumps(run, ensure_ascii=False), flush=True)
    out = {"date": time.strftime("%Y-%m-%d"), "database": connection.vendor, "records": args.records,
           "subjects_per": args.subjects_per, "runs": runs}
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / f"credit_import-{connection.vendor}-{args.records}.json").write_text(
        json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
