"""The volunteer statistics page over 1,000,000 service records.

    .venv/bin/python bench/volunteer_stats.py [--records 1000000] [--requests 40]
        [--database-url postgres://postgres@127.0.0.1:5432/wt_vol_bench_stats]

Drops and creates the database (its name must contain "bench"), migrates it and builds through the ORM
(bulk_create): a city of 6 districts, 60 organisations (10 per district), 50,000 volunteers, a year of activities
(50 sign-ups each) and --records service records with their sign-ups, a quarter of them confirmed; then the per-day
summary (``DailyHours``) those records add up to — what the services keep in the same transaction as each record
(``daily_hours_add``), written here in one pass for the bulk-made records and checked against the records' sums.
Times the page (``/volunteers/manage/stats/``, the real view through Django's test client: middleware, scope,
template) for a city-wide commander and a district's area leader over several filters (the last 30 days, a
quarter, the whole year, one theme), --requests each, and prints p50/p95 per filter. Target (issue 20): p95 ≤ 300 ms.
Writes bench/results/volunteer_stats.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loadgen import percentile  # noqa: E402
from bench.materials_board import fresh_database  # noqa: E402

BATCH = 5000


def build(*, records: int) -> dict:
    from django.utils import timezone

    from wenming.common.roles import Role
    from wenming.org.models import Area, AreaLevel, Person, RoleAssignment
    from wenming.volunteers.models import (
        Activity,
        DailyHours,
        HostKind,
        Organisation,
        Project,
        ServiceRecord,
        SignUp,
        Theme,
        Volunteer,
    )

    rng = random.Random(20)
    city = Area.objects.create(code="139900", name="测试市", level=AreaLevel.CITY, lng=115.67, lat=37.73)
    counties = [Area.objects.create(code=f"1399{i + 1:02d}", name=f"第{i + 1}区", level=AreaLevel.COUNTY, parent=city,
                                    lng=115.6 + i * 0.02, lat=37.7) for i in range(6)]
    orgs = [Organisation.objects.create(name=f"{c.name}志愿服务队{j + 1}", host_kind=HostKind.PRACTICE_STATION, area=c,
                                        area_path=c.path, requires_real_name=False)
            for c in counties for j in range(10)]
    themes = list(Theme.values)
    projects = [Project.objects.create(organisation=o, name=f"项目{t}", theme=t) for o in orgs for t in themes[:3]]
    volunteers = Volunteer.objects.bulk_create([Volunteer(phone=f"16{i:09d}", name=f"志愿者{i}",
                                                          birth_date=dt.date(1990, 1, 1)) for i in range(50000)],
                                               batch_size=BATCH)
    today = timezone.localdate()
    per_activity = 50
    n_activities = -(-records // per_activity)
    tz = timezone.get_current_timezone()
    activities = []
    for i in range(n_activities):
        project = projects[i % len(projects)]
        day = today - dt.timedelta(days=i % 365)
        starts = dt.datetime.combine(day, dt.time(9), tzinfo=tz)
        activities.append(Activity(project=project, organisation=project.organisation, theme=project.theme,
                                   title=f"活动{i}", place="广场", lng=115.67, lat=37.73, area=project.organisation.area,
                                   area_path=project.organisation.area_path, starts_at=starts,
                                   ends_at=starts + dt.timedelta(hours=3), slots=per_activity))
    activities = Activity.objects.bulk_create(activities, batch_size=BATCH)
    summary: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0), ""])
    made = 0
    now = timezone.now()
    for start in range(0, len(activities), 200):
        chunk = activities[start:start + 200]
        signups, pending = [], []
        for a in chunk:
            base = rng.randrange(len(volunteers) - per_activity)
            for k in range(min(per_activity, records - made)):
                signups.append(SignUp(activity=a, volunteer=volunteers[base + k], status="confirmed", created_at=now))
                hours = Decimal(rng.choice((1, 1.5, 2, 2.5, 3))).quantize(Decimal("0.01"))
                pending.append((a, hours, rng.random() < 0.25))
                made += 1
        signups = SignUp.objects.bulk_create(signups, batch_size=BATCH)
        rows = []
        for s, (a, hours, confirmed) in zip(signups, pending, strict=True):
            day = timezone.localtime(a.starts_at).date()
            rows.append(ServiceRecord(signup=s, volunteer_id=s.volunteer_id, activity=a, organisation_id=a.organisation_id,
                                      area_path=a.area_path, theme=a.theme, service_date=day, hours=hours,
                                      state="confirmed" if confirmed else "recorded"))
            entry = summary[(day, a.organisation_id, a.theme)]
            entry[0] += 1
            entry[1] += hours
            entry[2] += hours if confirmed else 0
            entry[3] = a.area_path
        ServiceRecord.objects.bulk_create(rows, batch_size=BATCH)
        if made >= records:
            break
    DailyHours.objects.bulk_create([DailyHours(day=day, organisation_id=org, theme=theme, area_path=v[3], records=v[0],
                                               hours=v[1], confirmed_hours=v[2])
                                    for (day, org, theme), v in summary.items()], batch_size=BATCH)
    commander = Person.objects.create_user(username="zhiban", password="x", is_staff=True)
    RoleAssignment.objects.create(person=commander, role=Role.SHIFT_LEADER, area=city)
    leader = Person.objects.create_user(username="quzhang", password="x", is_staff=True)
    RoleAssignment.objects.create(person=leader, role=Role.AREA_LEADER, area=counties[0])
    return {"commander": commander, "leader": leader, "summary_rows": len(summary)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/wt_vol_bench_stats")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="time the pages on the database a previous run built")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="wenming.settings",
                      SECRET_KEY="bench-only-secret-key")
    os.environ.pop("WENMING_TESTING", None)
    os.environ.pop("WENMING_DEMO", None)
    if not args.reuse:
        fresh_database(args.database_url)
    import django  # noqa: PLC0415 -- after the environment names the bench database

    django.setup()
    from django.db import connection  # noqa: PLC0415
    from django.db.models import Sum  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from wenming.volunteers.models import DailyHours, ServiceRecord  # noqa: PLC0415

    t0 = time.time()
    if args.reuse:
        from wenming.org.models import Person  # noqa: PLC0415

        world = {"commander": Person.objects.get(username="zhiban"), "leader": Person.objects.get(username="quzhang"),
                 "summary_rows": DailyHours.objects.count()}
    else:
        world = build(records=args.records)
    build_s = time.time() - t0
    with connection.cursor() as cursor:  # fresh statistics for the planner, as autovacuum would give after a while
        cursor.execute("ANALYZE")
    records = ServiceRecord.objects.count()
    sums = (ServiceRecord.objects.aggregate(h=Sum("hours"))["h"], DailyHours.objects.aggregate(h=Sum("hours"))["h"])
    today = timezone.localdate()
    filters = {
        "last 30 days": {},
        "a quarter": {"start": (today - dt.timedelta(days=90)).isoformat(), "end": today.isoformat()},
        "the year": {"start": (today - dt.timedelta(days=364)).isoformat(), "end": today.isoformat()},
        "the year, one theme": {"start": (today - dt.timedelta(days=364)).isoformat(), "end": today.isoformat(),
                                "theme": "traffic"},
    }
    results = {}
    for who in ("commander", "leader"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(world[who])
        for name, query in filters.items():
            assert client.get("/volunteers/manage/stats/", query).status_code == 200  # warm
            times = []
            for _ in range(args.requests):
                started = time.perf_counter()
                response = client.get("/volunteers/manage/stats/", query)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200
            results[f"{who}: {name}"] = {"p50_ms": round(percentile(times, 50) * 1000, 1),
                                         "p95_ms": round(percentile(times, 95) * 1000, 1)}
    result = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
              "machine": f"{platform.node()} ({os.cpu_count()} cores, shared)", "records": records,
              "summary_rows": world["summary_rows"], "build_s": round(build_s, 1),
              "summary_matches_records": sums[0] == sums[1], "pages": results,
              "worst_p95_ms": max(r["p95_ms"] for r in results.values())}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "volunteer_stats.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
