"""The submission package (网报材料包) of 20,000 files, streamed by the production web server, and how much the
serving process's memory grows while a client reads it.

    .venv/bin/python bench/materials_package.py [--files 20000] [--size 65536] [--database-url URL]

Builds a scratch database (SQLite by default, /tmp/wenming-bench-package.sqlite3; a PostgreSQL URL whose
database name contains "bench" is dropped and created) and a scratch media folder: 200 units, the demo edition,
an evaluation-office login, and --files approved materials' files (--size bytes of random data each, every file
different) written to disk, with their requirements, submissions and file rows ``bulk_create``d (one file per
requirement, spread over the edition's criteria).

Then starts gunicorn (one sync worker, as `wenming serve` runs it) on 127.0.0.1, logs in by a session cookie, and
downloads /evaluation/materials/package.zip in 64 KB reads, sampling the worker's resident memory (VmRSS from
/proc) every 50 ms: the baseline is the worker's RSS after a warm-up request, the figure is the peak minus the
baseline. The zip is written to a scratch file and checked (entries counted, the index read, a hundred files'
bytes compared with those stored). Writes bench/results/materials_package.json.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
SQLITE = "/tmp/wenming-bench-package.sqlite3"
MEDIA = Path("/tmp/wenming-bench-package-media")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(p) for p in text]
    return found


def build(files: int, size: int):
    from django.utils import timezone
    from materials_board import build_world  # bench/materials_board.py: units, the edition, the office

    from wenming.evaluation.models import MaterialFile, MaterialRequirement, MaterialSubmission

    edition, criteria, units, office, _handler = build_world()
    now = timezone.now()
    folder = MEDIA / "materials"
    folder.mkdir(parents=True, exist_ok=True)
    requirements = MaterialRequirement.objects.bulk_create([
        MaterialRequirement(edition=edition, criterion=criteria[i % len(criteria)], kind="document",
                            title=f"材料{i:06d}", formats=["pdf"], due_on=timezone.localdate(),
                            lead_unit_id=criteria[i % len(criteria)].lead_unit_id, state="approved", sort=i)
        for i in range(files)], batch_size=2000)
    if requirements[0].pk is None:  # a database that returns no ids from a bulk insert
        requirements = list(MaterialRequirement.objects.filter(edition=edition).order_by("sort"))
    submissions = MaterialSubmission.objects.bulk_create([
        MaterialSubmission(requirement=r, revision=1, unit_id=r.lead_unit_id or units[0].pk, state="approved",
                           submitted_by=office, submitted_at=now, grade="good", reviewed_by=office, reviewed_at=now)
        for r in requirements], batch_size=2000)
    if submissions[0].pk is None:
        submissions = list(MaterialSubmission.objects.filter(requirement__edition=edition).order_by("requirement__sort"))
    for r, s in zip(requirements, submissions, strict=True):
        r.latest = s
    MaterialRequirement.objects.bulk_update(requirements, ["latest"], batch_size=2000)
    rows, digests = [], set()
    head = b"%PDF-1.4\n"
    for i, s in enumerate(submissions):
        content = head + os.urandom(size - len(head))
        name = f"materials/bench-{i:06d}.pdf"
        (MEDIA / name).write_bytes(content)
        digest = hashlib.sha256(content).hexdigest()
        digests.add(digest)
        rows.append(MaterialFile(submission=s, name=f"文件{i:06d}.pdf", file=name, format="pdf", size=size,
                                 sha256=digest, pages=1))
    MaterialFile.objects.bulk_create(rows, batch_size=2000)
    return edition, office, digests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--size", type=int, default=65_536)
    parser.add_argument("--database-url", default=f"sqlite:///{SQLITE}")
    args = parser.parse_args()
    shutil.rmtree(MEDIA, ignore_errors=True)
    MEDIA.mkdir(parents=True)
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="wenming.settings",
                      SECRET_KEY="bench-materials-not-secret", ALLOWED_HOSTS="127.0.0.1,testserver",
                      WENMING_MEDIA_ROOT=str(MEDIA), WENMING_GEO_CHECK_SECONDS="3600")
    os.environ.pop("WENMING_DEMO", None)
    from materials_board import fresh_database

    fresh_database(args.database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    t = time.perf_counter()
    edition, office, digests = build(args.files, args.size)
    built = time.perf_counter() - t
    client = Client()
    client.force_login(office)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen([sys.executable, gunicorn, "wenming.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1",
                               "--timeout", "3600", "--log-level", "warning"], cwd=ROOT, env=os.environ)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(1)
        worker = children(server.pid)[0]

        def get(path: str):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
            conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
            return conn, conn.getresponse()

        conn, response = get("/evaluation/materials/")  # warm-up: imports, templates, the board
        assert response.status == 200, response.status
        response.read()
        conn.close()
        baseline = rss_kb(worker)
        samples = [baseline]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                samples.append(rss_kb(worker))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out = Path(tempfile.mkstemp(suffix=".zip", dir="/tmp")[1])
        t = time.perf_counter()
        first_byte = None
        total = 0
        conn, response = get("/evaluation/materials/package.zip")
        assert response.status == 200, response.status
        with out.open("wb") as sink:
            while chunk := response.read(65536):
                if first_byte is None:
                    first_byte = time.perf_counter() - t
                total += len(chunk)
                sink.write(chunk)
        elapsed = time.perf_counter() - t
        conn.close()
        done.set()
        sampler.join()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        index_size = archive.getinfo(names[-1]).file_size
        # The first hundred files read back byte for byte: each is one of the files stored.
        matches = all(hashlib.sha256(archive.read(name)).hexdigest() in digests for name in names[:100])
    out.unlink()
    result = {
        "date": time.strftime("%Y-%m-%d"), "database": django.db.connection.vendor, "files": args.files,
        "file_bytes": args.size, "build_s": round(built, 1), "zip_bytes": total, "entries": len(names),
        "index_bytes": index_size, "files_match": matches,
        "seconds": round(elapsed, 1), "first_byte_s": round(first_byte or 0, 2),
        "mb_per_s": round(total / elapsed / 2**20, 1),
        "worker_rss_baseline_mb": round(baseline / 1024, 1), "worker_rss_peak_mb": round(max(samples) / 1024, 1),
        "worker_rss_growth_mb": round((max(samples) - baseline) / 1024, 1), "samples": len(samples),
    }
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "materials_package.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=1))
    shutil.rmtree(MEDIA, ignore_errors=True)
    if result["entries"] != args.files + 1 or not result["files_match"]:
        sys.exit("the package is not what was stored")


if __name__ == "__main__":
    main()
