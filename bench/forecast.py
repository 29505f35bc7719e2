"""The mock evaluation (模拟测评) over a full edition, a year of inspection rounds, three years of ledger periods and
100,000 online materials.

    .venv/bin/python bench/forecast.py [--materials 100000] [--sites 1000] [--rounds 12] [--repeat 20]
                                       [--database-url URL]

Builds a scratch world (its database is rebuilt: SQLite by default at /tmp/wenming-bench-forecast.sqlite3; a
PostgreSQL URL whose database name contains "bench" is dropped and created) on bench/materials_board.py's and
bench/readiness.py's: the demo edition (2026) through the real import, 200 units, twelve quarterly ledger periods
with an entry for every criterion in each, an open risk record on every third criterion, --materials required
materials in every state (each one not missing with its submission, reviewed if approved or returned). Then the
inspections: four districts, four site types with a ten-item checklist each (40 items, each linked to a 实地考察
clause of the edition), --sites sites of each type, and --rounds monthly rounds over the last year, each released,
visiting a quarter of each type's sites with every item recorded (bulk): 12 × 1,000 × 10 = 120,000 results.

Measures ``forecast_compute`` now and as of six months ago, ``forecast_backtest`` (two forecasts per round, the cache
emptied before each run) and the page through Django's test client (the backtest kept, as a visitor meets it),
--repeat times each: median and p95, and the queries each costs. Writes
bench/results/forecast.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.materials_board import add_materials, build_world, fresh_database  # noqa: E402
from bench.readiness import add_ledger_and_risks  # noqa: E402

SQLITE = "/tmp/wenming-bench-forecast.sqlite3"
TYPES = [("market", "农贸市场"), ("school", "学校"), ("alley", "背街小巷"), ("compound", "小区")]
ITEMS_PER_TYPE = 10


def add_submissions(office) -> int:
    """One submission per material that is not missing, in its state (approved and returned ones reviewed)."""
    from django.utils import timezone

    from wenming.evaluation.models import MaterialRequirement, MaterialSubmission

    now = timezone.now()
    rng = random.Random(7)
    batch, n = [], 0
    for pk, state, unit_id in (MaterialRequirement.objects.exclude(state="missing")
                               .values_list("pk", "state", "lead_unit_id").iterator()):
        at = now - dt.timedelta(days=rng.randint(1, 400))
        reviewed = at + dt.timedelta(days=2) if state in {"approved", "returned"} else None
        batch.append(MaterialSubmission(requirement_id=pk, revision=1, unit_id=unit_id or office.unit_id, state=state,
                                        submitted_by=office, submitted_at=at, reviewed_at=reviewed,
                                        reviewed_by=office if reviewed else None))
        if len(batch) == 5000:
            MaterialSubmission.objects.bulk_create(batch)
            n += len(batch)
            batch = []
    MaterialSubmission.objects.bulk_create(batch)
    return n + len(batch)


def add_inspections(edition, office, *, sites_per_type: int, rounds: int) -> dict:
    from django.utils import timezone

    from wenming.cases.models import Category
    from wenming.common.roles import Role
    from wenming.evaluation.models import Clause
    from wenming.inspections.models import Assignment, Result, Round, RoundState, Scheme, SchemeItem
    from wenming.org.models import Area, AreaLevel, Person, RoleAssignment, Site, SiteType

    city = Area.objects.create(code="131100", name="测试市", level=AreaLevel.CITY, path="/131100/")
    districts = [Area.objects.create(code=f"13110{i + 2}", name=f"测试区{i}", level=AreaLevel.COUNTY, parent=city,
                                     path=f"/131100/13110{i + 2}/") for i in range(4)]
    inspector = Person.objects.create_user(username="anfang", password="x", display_name="暗访员")
    RoleAssignment.objects.create(person=inspector, role=Role.INSPECTOR, area=city)
    category = Category.objects.create(code="BENCH01", name="测试类别", kind="event")
    field_clauses = [c.pk for c in Clause.objects.filter(criterion__edition=edition).order_by("pk")
                     if "field" in c.methods]
    schemes, items, sites = {}, {}, {}
    n = 0
    for sort, (code, name) in enumerate(TYPES):
        site_type = SiteType.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})[0]
        scheme = Scheme.objects.create(site_type=site_type, version=1, name=f"{name}暗访方案", created_by=office)
        schemes[code] = scheme
        items[code] = SchemeItem.objects.bulk_create([
            SchemeItem(scheme=scheme, code=f"{name}-{i:02d}", text=f"检查项目{i}", category=category,
                       clause_id=field_clauses[(n + i) % len(field_clauses)], weight=1 + i % 3, sort=i)
            for i in range(ITEMS_PER_TYPE)])
        n += ITEMS_PER_TYPE
        sites[code] = Site.objects.bulk_create([
            Site(code=f"S{code[:2].upper()}{i:05d}", name=f"{name}{i}", site_type=site_type,
                 area=districts[i % len(districts)]) for i in range(sites_per_type)])
    rng = random.Random(20260301)
    today = timezone.localdate()
    results = 0
    for k in range(rounds):
        starts = today - dt.timedelta(days=30 * (rounds - k))
        round_ = Round.objects.create(code=f"BENCH-{k + 1:02d}", name=f"第{k + 1}批次", starts_on=starts,
                                      ends_on=starts + dt.timedelta(days=4), firm_name="测评公司", seed=k,
                                      state=RoundState.RELEASED,
                                      released_at=timezone.make_aware(dt.datetime.combine(
                                          starts + dt.timedelta(days=7), dt.time(9))))
        round_.schemes.set(list(schemes.values()))
        assignments = []
        for code, pool in sites.items():
            for site in rng.sample(pool, len(pool) // 4):
                assignments.append(Assignment(round=round_, site=site, scheme=schemes[code], assignee=inspector,
                                              day=starts, district_id=site.area_id, stratum=code))
        assignments = Assignment.objects.bulk_create(assignments, batch_size=2000)
        rate = 0.6 + 0.02 * k
        batch = []
        observed = timezone.make_aware(dt.datetime.combine(starts, dt.time(10)))
        for a in assignments:
            for item in items[a.stratum]:
                draw = rng.random()
                outcome = "na" if draw > 0.97 else ("pass" if draw < rate else "fail")
                batch.append(Result(round=round_, assignment=a, item=item, outcome=outcome, observed_at=observed,
                                    recorded_by=inspector, client_id=uuid.UUID(int=rng.getrandbits(128))))
        Result.objects.bulk_create(batch, batch_size=5000)
        results += len(batch)
    return {"rounds": rounds, "sites": sites_per_type * len(TYPES), "items": n, "results": results,
            "linked_clauses": len(field_clauses)}


def measure(fn, repeat: int, *, count: bool = True) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    out = {"median_ms": round(statistics.median(times), 1),
           "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1)}
    if count:  # the test client's request ends by closing the connection, which the capture does not follow
        out["queries"] = len(captured)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--materials", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=1000, help="sites of each of the four site types")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=f"sqlite:///{SQLITE}")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="wenming.settings",
                      SECRET_KEY="bench-forecast-not-secret", ALLOWED_HOSTS="testserver",
                      WENMING_GEO_CHECK_SECONDS="3600")
    os.environ.pop("WENMING_DEMO", None)
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from wenming.evaluation.models import MaterialRequirement
    from wenming.evaluation.services.forecast import forecast_backtest, forecast_compute

    started = time.perf_counter()
    edition, criteria, units, office, _handler = build_world()
    built = add_ledger_and_risks(edition, criteria, office)
    add_materials(edition, criteria, units, 0, args.materials)
    built["submissions"] = add_submissions(office)
    built.update(add_inspections(edition, office, sites_per_type=args.sites, rounds=args.rounds))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    built["build_s"] = round(time.perf_counter() - started, 1)
    client = Client()
    client.force_login(office)
    half_year = timezone.now() - dt.timedelta(days=182)

    def page():
        response = client.get("/evaluation/forecast/")
        assert response.status_code == 200, response.status_code

    rows = {
        "forecast_now": measure(lambda: forecast_compute(edition=edition), args.repeat),
        "forecast_six_months_ago": measure(lambda: forecast_compute(edition=edition, as_of=half_year), args.repeat),
        # Computed afresh each time (the cache emptied), then as the page meets it: kept.
        "backtest": measure(lambda: (cache.clear(), forecast_backtest(edition=edition)), max(3, args.repeat // 4)),
        "page_backtest_kept": measure(page, args.repeat, count=False),
    }
    result = forecast_compute(edition=edition)
    out = {"date": time.strftime("%Y-%m-%d"), "database": connection.vendor, "criteria": len(criteria), **built,
           "materials": MaterialRequirement.objects.count(), "forecast": round(result.expected, 2),
           "band": [round(result.low, 2), round(result.high, 2)], "timings": rows}
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / f"forecast-{connection.vendor}.json").write_text(
        json.dumps(out, indent=2, ensure_ascii=False))
    print(json.dumps(out, ensure_ascii=False, indent=1))
    if rows["forecast_now"]["p95_ms"] > 1000:
        sys.exit("the forecast took more than 1 s")


if __name__ == "__main__":
    main()
