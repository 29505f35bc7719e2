"""The online materials' completeness board (网报材料查漏补缺) over a full edition and 100,000 required materials.

    .venv/bin/python bench/materials_board.py [--materials 100000] [--repeat 30] [--database-url URL]

Builds a scratch database (SQLite by default, /tmp/wenming-bench-materials.sqlite3, rebuilt each run; a
PostgreSQL URL whose database name contains "bench" is dropped and created): migrations, 200 units, the demo
edition (2026, every content, negative-list and opinion item) imported through the real import, each criterion led
by one unit and shared with another, an evaluation-office login and a unit handler. Required materials are
``bulk_create``d in every state (missing, submitted, resubmitted, returned, approved, about a fifth each) spread
over the edition's criteria and units.

Measures, through Django's test client (the whole view: access path, the four grouped queries, the template and
its chart data), the board /evaluation/materials/ and a drill-down list, for the office (every material) and the
unit (its own), --repeat times each: median and p95. Counts the queries of each page at 1,000 materials and again
at --materials, which must be equal. Also times ``materials_completeness_by_criterion`` over every criterion.
Writes bench/results/materials_board.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SQLITE = "/tmp/wenming-bench-materials.sqlite3"
STATES = ["missing", "submitted", "resubmitted", "returned", "approved"]


def fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        Path(urlsplit(url).path).unlink(missing_ok=True)
    else:
        import psycopg

        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        if "bench" not in name:
            sys.exit(f"refusing to drop {name}: the database name must contain 'bench'")
        with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], check=True, env=os.environ,
                   cwd=ROOT)


def build_world():
    from django.utils import timezone

    from wenming.common.roles import Role
    from wenming.evaluation.data.demo_edition import demo_edition_sheets
    from wenming.evaluation.models import Criterion, Edition
    from wenming.evaluation.services.editions import edition_make_current
    from wenming.evaluation.services.imports import edition_import
    from wenming.evaluation.services.materials import submission_window_set
    from wenming.evaluation.services.workbook import workbook_bytes
    from wenming.org.models import Person, RoleAssignment, Unit

    units = Unit.objects.bulk_create([Unit(code=f"U{i:03d}", name=f"测试单位{i:03d}", path=f"/U{i:03d}/")
                                      for i in range(200)])
    office = Person.objects.create_user(username="ceping", password="x", display_name="测评办", unit=units[0],
                                        is_staff=True)
    RoleAssignment.objects.create(person=office, role=Role.EVAL_OFFICE, unit=units[0])
    handler = Person.objects.create_user(username="danwei", password="x", display_name="单位处置员", unit=units[7],
                                         is_staff=True)
    RoleAssignment.objects.create(person=handler, role=Role.UNIT_HANDLER, unit=units[7])
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        tmp.write(workbook_bytes(demo_edition_sheets(2026)))
        tmp.flush()
        edition_import(path=Path(tmp.name), actor=office, file_name="demo.xlsx")
    edition = Edition.objects.get()
    edition_make_current(edition_id=edition.pk, actor=office)
    criteria = list(Criterion.objects.filter(edition=edition).order_by("pk"))
    for n, criterion in enumerate(criteria):
        criterion.lead_unit = units[n % len(units)]
    Criterion.objects.bulk_update(criteria, ["lead_unit"])
    through = Criterion.responsible_units.through
    through.objects.bulk_create([through(criterion_id=c.pk, unit_id=units[(n + 7) % len(units)].pk)
                                 for n, c in enumerate(criteria)])
    now = timezone.now()
    submission_window_set(edition_id=edition.pk, actor=office, opens_at=now - timezone.timedelta(days=30),
                          closes_at=now + timezone.timedelta(days=60), expected_version=None)
    return edition, criteria, units, office, handler


def add_materials(edition, criteria, units, start: int, stop: int) -> None:
    """Materials start..stop-1 (bulk), each in a state, lead unit and due date of its own."""
    from django.utils import timezone

    from wenming.evaluation.models import MaterialRequirement

    rng = random.Random(start)
    today = timezone.localdate()
    batch = []
    for i in range(start, stop):
        criterion = criteria[i % len(criteria)]
        batch.append(MaterialRequirement(
            edition=edition, criterion=criterion, kind=("photos", "document", "report", "table")[i % 4],
            title=f"材料{i:06d}", formats=["pdf"], due_on=today + timezone.timedelta(days=rng.randint(-10, 40)),
            lead_unit_id=criterion.lead_unit_id if i % 3 else units[rng.randrange(len(units))].pk,
            state=STATES[rng.randrange(len(STATES))], sort=i))
        if len(batch) == 5000:
            MaterialRequirement.objects.bulk_create(batch)
            batch = []
    MaterialRequirement.objects.bulk_create(batch)


PAGES = [("/evaluation/materials/", {}), ("/evaluation/materials/list/", {"state": "missing"}),
         ("/evaluation/materials/list/", {"state": "overdue", "page": 3})]


def queries(client, users, pages=PAGES) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    found = {}
    for label, user in users.items():
        client.force_login(user)
        for path, params in pages:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(path, params)
            assert response.status_code == 200, (path, response.status_code)
            found[f"{label} {path} {params}"] = len(ctx.captured_queries)
    return found


def timings(client, users, repeat: int, pages=PAGES) -> list[dict]:
    rows = []
    for label, user in users.items():
        client.force_login(user)
        for path, params in pages:
            client.get(path, params)  # warm
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                response = client.get(path, params)
                times.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200
            times.sort()
            rows.append({"user": label, "page": path, "params": params, "median_ms": round(statistics.median(times), 1),
                         "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1)})
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--materials", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=f"sqlite:///{SQLITE}")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="wenming.settings",
                      SECRET_KEY="bench-materials-not-secret", ALLOWED_HOSTS="testserver",
                      WENMING_GEO_CHECK_SECONDS="3600")
    os.environ.pop("WENMING_DEMO", None)
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from wenming.evaluation.material_selectors import materials_completeness_by_criterion
    from wenming.evaluation.models import MaterialRequirement

    edition, criteria, units, office, handler = build_world()
    users = {"office": office, "unit": handler}
    client = Client()
    add_materials(edition, criteria, units, 0, 1000)
    small = queries(client, users)
    t = time.perf_counter()
    add_materials(edition, criteria, units, 1000, args.materials)
    built = time.perf_counter() - t
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    large = queries(client, users)
    rows = timings(client, users, args.repeat)
    ids = [c.pk for c in criteria]
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        materials_completeness_by_criterion(criterion_ids=ids)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    out = {
        "date": time.strftime("%Y-%m-%d"), "database": connection.vendor, "criteria": len(criteria),
        "materials": MaterialRequirement.objects.count(),
        "unit_materials": MaterialRequirement.objects.filter(lead_unit=units[7]).count(),
        "bulk_create_s": round(built, 1), "queries_at_1000": small, "queries_at_full": large,
        "queries_constant": small == large, "pages": rows,
        "completeness_by_criterion": {"median_ms": round(statistics.median(times), 1),
                                      "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1)},
    }
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "materials_board.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))
    print(json.dumps({k: v for k, v in out.items() if k != "pages"}, ensure_ascii=False, indent=1))
    if not out["queries_constant"]:
        sys.exit("the number of queries grew with the number of materials")


if __name__ == "__main__":
    main()
