"""Inspections: a round of 5,000 sampled sites × 40 items synced from 50 devices, then scored and reported.

    .venv/bin/python bench/inspections_round.py [--small] [--database-url URL] [--devices 50] [--sites 5000]

The database is rebuilt (SQLite by default at /tmp/wenming-bench-inspections.sqlite3; a PostgreSQL URL whose
database name contains "bench" is dropped and created), then ``wenming demo-data --grids 200`` gives the city
(districts, grids, units, categories, routing). On top: five bench site types with 40-item schemes (weights 1 and
2), --sites ÷ (districts × 5 site types) sites per stratum (the demo city has 13 districts: 76 each, 4,940 sites
for 5,000), each guaranteed by a unit, and 50 inspectors; ``round_plan`` samples every site and deals them, about
100 sites per inspector.

The sync: 50 threads, each a "device" with its own inspector login and its own ``django.test.Client``, which
downloads its day (``GET /api/v1/inspections/assignments/``) and posts all its results to
``POST /api/v1/inspections/results/`` in batches of 200 (JSON, photos as data URIs). The test client runs the
whole request in-process — URL resolution, middleware, session authentication, DRF parsing, the view, the service
and its transactions — without a socket or an HTTP server in between, so what is timed is the application and
the database under 50 concurrent writers, not a web server's worker count (a server adds its own, separately
measurable, overhead). Each thread has its own database connection, as each server worker would.

The devices sync in bursts (a few batches back to back, then a pause of 0–50 ms, as a phone regaining the network
does); ~10 % of batches are sent twice (the answer lost); ~5 % break off: the first half is sent and its answer
dropped, then the whole batch is sent again. ~3 % of the results fail (不符合, a few 严重不合格), each with a small
JPEG, and become cases with their photo.

Checked at the end (the run fails otherwise): every result stored exactly once (one row per client id, per site
and item), every finding one case with one photo, no answer other than created/duplicate. Reported: sync p50/p99
per batch (first sends only, and all sends), throughput (results stored per second of wall time), then
``round_scores`` (target ≤ 2 s), ``inspection_trends`` over the round and ``round_report_docx`` (median of
--repeat). Writes bench/results/inspections_round.json.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SQLITE = "/tmp/wenming-bench-inspections.sqlite3"
SITE_TYPES = 5
ITEMS = 40
BATCH = 200
FAIL_RATE = 0.03
REPEAT_RATE = 0.10
BREAK_RATE = 0.05
MAX_ATTEMPTS = 30


def fresh_database(url: str) -> None:
    from urllib.parse import urlsplit

    manage = [sys.executable, str(ROOT / "manage.py")]
    if url.startswith("sqlite"):
        path = Path(urlsplit(url).path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        city = path.with_name(path.stem + "-city.sqlite3")  # the demo city, built once (not timed anyway)
        if not city.exists():
            subprocess.run([*manage, "migrate", "-v", "0"], check=True, env={**os.environ, "DATABASE_URL": f"sqlite:///{city}"},
                           cwd=ROOT)
            subprocess.run([*manage, "demo-data", "--grids", "200"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                           env={**os.environ, "DATABASE_URL": f"sqlite:///{city}"})
        shutil.copyfile(city, path)
        return
    else:
        import psycopg

        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        if "bench" not in name:
            sys.exit(f"refusing to drop {name}: the database name must contain 'bench'")
        with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([*manage, "migrate", "-v", "0"], check=True, env=os.environ, cwd=ROOT)
    subprocess.run([*manage, "demo-data", "--grids", "200"], check=True, env=os.environ, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


def build_round(*, sites_per_stratum: int, devices: int):
    """Site types, schemes, sites, inspectors and the planned round (every site of the strata sampled)."""
    from django.db import transaction
    from django.utils import timezone

    from wenming.cases.models import Category
    from wenming.common.roles import Role
    from wenming.inspections.models import Scheme, SchemeItem
    from wenming.inspections.services.rounds import round_plan
    from wenming.org.models import Area, AreaLevel, Person, RoleAssignment, Site, SiteType, Unit

    rng = random.Random(20260301)
    office = Person.objects.filter(roles__role=Role.EVAL_OFFICE).first() or Person.objects.get(username="zhiban")
    districts = list(Area.objects.filter(level=AreaLevel.COUNTY).order_by("code"))
    city = Area.objects.filter(level=AreaLevel.CITY).first()
    units = list(Unit.objects.order_by("code"))
    categories = list(Category.objects.filter(children__isnull=True).order_by("code")[:20]) or list(
        Category.objects.order_by("code")[:20])
    with transaction.atomic():
        types = [SiteType.objects.create(code=f"bench{t}", name=f"压测点位类型{t}") for t in range(SITE_TYPES)]
        schemes = []
        for t, site_type in enumerate(types):
            scheme = Scheme.objects.create(site_type=site_type, version=1, name=f"压测方案{t}", created_by=office)
            SchemeItem.objects.bulk_create([
                SchemeItem(scheme=scheme, code=f"B{t}-{i // 10 + 1:02d}-{i % 10 + 1:02d}", text=f"压测检查项目{i + 1}",
                           category=categories[i % len(categories)], weight=1 + (i % 3 == 0), sort=i)
                for i in range(ITEMS)])
            schemes.append(scheme)
        sites = []
        for district in districts:
            grids = list(Area.objects.filter(level=AreaLevel.GRID, path__startswith=district.path).order_by("code"))
            for t, site_type in enumerate(types):
                for n in range(sites_per_stratum):
                    grid = grids[(n * 7 + t) % len(grids)]
                    sites.append(Site(code=f"B{district.code}{t}{n:04d}", name=f"{district.name}压测点位{t}-{n}",
                                      site_type=site_type, area=grid, guarantor_unit=rng.choice(units),
                                      address=f"{district.name}压测路{n}号", lng=grid.lng, lat=grid.lat))
        Site.objects.bulk_create(sites, batch_size=1000)
        inspectors = []
        for d in range(devices):
            person = Person.objects.create_user(username=f"bench{d:02d}", password="x", display_name=f"压测暗访员{d:02d}",
                                                is_staff=True)
            RoleAssignment.objects.create(person=person, role=Role.INSPECTOR, area=city)
            inspectors.append(person)
    today = timezone.localdate()
    return round_plan(actor=office, code="BENCH-R1", name="压测批次", starts_on=today, ends_on=today,
                      firm_name="压测测评咨询有限公司", inspectors=inspectors, schemes=schemes, seed=7,
                      districts=districts, default_sample_size=sites_per_stratum), inspectors


def small_jpeg() -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (170, 60, 40))
    ImageDraw.Draw(image).rectangle([40, 30, 200, 180], fill=(30, 90, 160))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


class Device(threading.Thread):
    """One phone: downloads its day, posts its results in bursts, repeats and breaks off some batches."""

    def __init__(self, person, number: int, photo: str, start: threading.Barrier):
        super().__init__(name=f"device-{number}")
        self.person, self.rng, self.photo, self.start_line = person, random.Random(number), photo, start
        self.first: list[float] = []  # seconds per batch, first sends
        self.again: list[float] = []  # resends (repeats and the batch after a break)
        self.sent = self.failures = self.server_errors = 0
        self.bad: list[dict] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        from django.db import connection
        from django.test import Client

        try:
            client = Client(raise_request_exception=False)
            client.force_login(self.person)
            day = client.get("/api/v1/inspections/assignments/")
            assert day.status_code == 200, day.content[:300]
            results = self._results(day.json()["assignments"])
            batches = [results[i:i + BATCH] for i in range(0, len(results), BATCH)]
            self.start_line.wait()
            position = 0
            while position < len(batches):
                burst = self.rng.randint(1, 4)
                for batch in batches[position:position + burst]:
                    if self.rng.random() < BREAK_RATE:  # the connection drops: half stored, the answer lost
                        self._post(client, batch[: len(batch) // 2], self.again, check=False)
                    self._post(client, batch, self.first)
                    if self.rng.random() < REPEAT_RATE:  # the answer lost: the same batch again
                        self._post(client, batch, self.again)
                position += burst
                time.sleep(self.rng.random() * 0.05)
        except BaseException as exc:  # reported by the main thread
            import traceback

            self.error = exc
            self.trace = traceback.format_exc()
        finally:
            connection.close()

    def _results(self, assignments: list[dict]) -> list[dict]:
        now = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.localtime(time.time() - 600))
        out = []
        for a in assignments:
            for item in a["items"]:
                draw = self.rng.random()
                outcome = "pass" if draw >= FAIL_RATE else ("severe" if draw < FAIL_RATE / 6 else "fail")
                row = {"client_id": str(uuid.uuid4()), "assignment": a["id"], "item": item["code"],
                       "outcome": outcome, "observed_at": now, "note": ""}
                if outcome != "pass":
                    self.failures += 1
                    row.update({"note": "压测发现问题", "lng": a["site"]["lng"], "lat": a["site"]["lat"],
                                "photo": self.photo})
                out.append(row)
        return out

    def _post(self, client, batch: list[dict], into: list[float], *, check: bool = True) -> None:
        """Post a batch; a server error (SQLite's "database is locked" after its 5 s busy timeout) is what a phone
        sees as a failed sync: counted, and the same batch sent again after a pause, as the app does."""
        body = json.dumps({"results": batch})
        for attempt in range(MAX_ATTEMPTS):
            t0 = time.perf_counter()
            answer = client.post("/api/v1/inspections/results/", data=body, content_type="application/json")
            into.append(time.perf_counter() - t0)
            self.sent += len(batch)
            if answer.status_code < 500:
                break
            self.server_errors += 1
            time.sleep(0.2 * (attempt + 1))
        assert answer.status_code == 200, answer.content[:300]
        if check:
            self.bad.extend(r for r in answer.json()["results"] if r["status"] not in {"created", "duplicate"})


def bulk_results(round_, inspectors) -> int:
    """Every item of every assignment recorded (3 % failing), written in bulk: no case, no photo."""
    from django.db import connection
    from django.utils import timezone

    from wenming.inspections.models import Result

    rng, now, rows = random.Random(3), timezone.now(), []
    for a in round_.assignments.prefetch_related("scheme__items"):
        for item in a.scheme.items.all():
            draw = rng.random()
            outcome = "pass" if draw >= FAIL_RATE else ("severe" if draw < FAIL_RATE / 6 else "fail")
            rows.append(Result(round=round_, assignment=a, item=item, outcome=outcome, observed_at=now,
                               recorded_by_id=a.assignee_id))
    Result.objects.bulk_create(rows, batch_size=5000)
    # Statistics for the planner, as autovacuum would gather for a table that grew over a round's days: without
    # them PostgreSQL plans the 200,000 fresh rows as an empty table (a nested loop, 30 s and more).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return len(rows)


def scoring_only(round_, inspectors, args) -> None:
    from django.db import connection

    from wenming.inspections.services.scoring import round_scores
    from wenming.inspections.trend_selectors import inspection_trends

    t = time.perf_counter()
    n = bulk_results(round_, inspectors)
    print(f"{n} results written in bulk in {time.perf_counter() - t:.0f} s")
    runs = {"round_scores": [], "inspection_trends": []}
    for _ in range(args.repeat):
        t = time.perf_counter()
        scores = round_scores(round_)
        runs["round_scores"].append(time.perf_counter() - t)
        t = time.perf_counter()
        inspection_trends(rounds=[round_])
        runs["inspection_trends"].append(time.perf_counter() - t)
    summary = {"database": connection.vendor, "results": n, "sites": len(scores.sites),
               "units": len(scores.units), "districts": len(scores.districts),
               **{f"{k}_median_s": statistics.median(v) for k, v in runs.items()},
               **{f"{k}_max_s": max(v) for k, v in runs.items()}}
    print(json.dumps(summary, indent=2))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).with_name(Path(args.out).stem + f"-scoring-{connection.vendor}.json").write_text(
        json.dumps(summary, indent=2))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE}")
    parser.add_argument("--small", action="store_true", help="200 sites × 40 items from 10 devices")
    parser.add_argument("--sites", type=int, default=5000)
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scoring-only", action="store_true",
                        help="no sync: the results written in bulk (findings without cases), to time round_scores "
                             "and the trends at full size quickly")
    parser.add_argument("--profile", action="store_true",
                        help="one device, in the main thread under cProfile: where a batch's time goes")
    parser.add_argument("--out", default=str(ROOT / "bench/results/inspections_round.json"))
    args = parser.parse_args()
    if args.small:
        args.sites, args.devices = 200, 10
    if args.profile:
        args.devices = 1
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("WENMING_DEMO", "1")
    os.environ.setdefault("WENMING_DATA_DIR", "/tmp/wenming-bench-inspections-data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")
    t0 = time.perf_counter()
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from wenming.cases.models import Case, Evidence
    from wenming.inspections.models import Result
    from wenming.inspections.services.round_report import round_report_docx
    from wenming.inspections.services.scoring import round_scores
    from wenming.inspections.trend_selectors import inspection_trends
    from wenming.org.models import AreaLevel

    setup_test_environment()  # the test client's ALLOWED_HOSTS ("testserver") and its in-memory mail
    from wenming.org.models import Area

    per_stratum = max(1, args.sites // (SITE_TYPES * Area.objects.filter(level=AreaLevel.COUNTY).count()))
    round_, inspectors = build_round(sites_per_stratum=per_stratum, devices=args.devices)
    sites = round_.assignments.count()
    build_s = time.perf_counter() - t0
    print(f"{connection.vendor}: built in {build_s:.0f} s: {sites} sites × {ITEMS} items, {len(inspectors)} devices")

    if args.scoring_only:
        return scoring_only(round_, inspectors, args)
    photo = small_jpeg()
    start = threading.Barrier(len(inspectors) + (0 if args.profile else 1))
    devices = [Device(p, n, photo, start) for n, p in enumerate(inspectors)]
    t1 = time.perf_counter()
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(devices[0].run)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    else:
        for d in devices:
            d.start()
        start.wait()
        t1 = time.perf_counter()
        for d in devices:
            d.join()
    sync_s = time.perf_counter() - t1
    for d in devices:
        if d.error:
            raise SystemExit(f"{d.name} failed: {d.error!r}\n{d.trace[-3000:]}")
    bad = [b for d in devices for b in d.bad]
    assert not bad, bad[:5]

    expected = sites * ITEMS
    failures = sum(d.failures for d in devices)
    stored = Result.objects.filter(round=round_).count()
    distinct = Result.objects.filter(round=round_).values("client_id").distinct().count()
    findings = Result.objects.filter(round=round_, outcome__in=["fail", "severe"])
    cases = Case.objects.filter(inspection_results__round=round_).distinct().count()
    photos = Evidence.objects.filter(case__inspection_results__round=round_).count()
    assert stored == distinct == expected, (stored, distinct, expected)
    assert findings.count() == failures == cases == photos, (findings.count(), failures, cases, photos)
    assert not findings.filter(case__isnull=True).exists()

    first = [s for d in devices for s in d.first]
    every = first + [s for d in devices for s in d.again]
    sync = {"batches_first": len(first), "resends": len(every) - len(first), "results_sent": sum(d.sent for d in devices),
            "p50_ms": pct(first, 0.5) * 1000, "p99_ms": pct(first, 0.99) * 1000,
            "p50_all_ms": pct(every, 0.5) * 1000, "p99_all_ms": pct(every, 0.99) * 1000,
            "max_ms": max(every) * 1000, "wall_s": sync_s,
            "server_errors": sum(d.server_errors for d in devices), "results_per_s": expected / sync_s}

    def timed(fn) -> tuple[float, object]:
        runs, value = [], None
        for _ in range(args.repeat):
            t = time.perf_counter()
            value = fn()
            runs.append(time.perf_counter() - t)
        return statistics.median(runs), value

    scores_s, scores = timed(lambda: round_scores(round_))
    with CaptureQueriesContext(connection) as q:
        round_scores(round_)
    trends_s, _t = timed(lambda: inspection_trends(rounds=[round_]))
    report_s, docx = timed(lambda: round_report_docx(round_=round_))
    summary = {
        "database": connection.vendor, "sites": sites, "items": ITEMS, "results": expected, "devices": len(devices),
        "findings": failures, "build_s": build_s, "sync": sync,
        "round_scores_s": scores_s, "round_scores_queries": len(q), "districts": len(scores.districts),
        "units": len(scores.units), "inspection_trends_s": trends_s, "round_report_s": report_s,
        "round_report_bytes": len(docx),
    }
    print(f"sync: {len(first)} batches (+{sync['resends']} resends), p50 {sync['p50_ms']:.0f} ms, "
          f"p99 {sync['p99_ms']:.0f} ms (all sends p99 {sync['p99_all_ms']:.0f} ms), {sync['results_per_s']:.0f} "
          f"results/s over {sync_s:.0f} s, {sync['server_errors']} answers 5xx (resent); {expected} results and {failures} findings stored exactly once")
    print(f"round_scores {scores_s:.2f} s ({len(q)} queries), inspection_trends {trends_s:.2f} s, "
          f"round report {report_s:.2f} s ({len(docx) // 1024} KB)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).with_name(Path(args.out).stem + f"-{connection.vendor}.json").write_text(
        json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
