"""The road chiefs' indicators (路长指标) over a city's register and a quarter of patrols.

    .venv/bin/python bench/patrol_indicators.py [--grids 3000] [--days 90] [--repeat 20] [--database-url URL]

Builds a scratch database (SQLite by default at /tmp/wenming-bench-patrols.sqlite3; a PostgreSQL URL whose database
name contains "bench" is dropped and created) with the demo city (``demo_city_build``, lattice layout: every street
a main road with a street- and a district-level chief, every community a back street), names a person on every
register row and adds ``--days`` days of patrols per chief by their level's rule (``bulk_create``: most periods
done, some missed, some ended half-way, three check-ins each) and an open case on every fifth road.

Measures ``road_chief_indicators`` over the last 30 days for the whole city, and the indicators page and the patrol
log through Django's test client as the shift leader (every row) and an area leader (one district), --repeat times
each: median and p95, and each page's query count.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.materials_board import fresh_database  # noqa: E402

SQLITE = "/tmp/wenming-bench-patrols.sqlite3"


def build(grids: int, days: int) -> dict:
    from django.utils import timezone

    from wenming.cases.models import Case
    from wenming.demo.city import LATTICE, demo_city_build
    from wenming.inspections.models import Patrol, PatrolCheckin, PatrolRule, PatrolState
    from wenming.org.models import Person, RoadChief

    demo_city_build(grids=grids, seed=3, layout=LATTICE)
    rules = {r.level: r for r in PatrolRule.objects.all()}
    rng = random.Random(5)
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    chiefs = list(RoadChief.objects.select_related("segment"))
    people = Person.objects.bulk_create([Person(username=f"bench-lz-{c.pk}", password="!", display_name=c.name)
                                         for c in chiefs])
    for chief, person in zip(chiefs, people, strict=True):
        chief.person = person
    RoadChief.objects.bulk_update(chiefs, ["person"])
    patrols = []
    for chief in chiefs:
        step = {"day": 1, "week": 7, "month": 30}[rules[chief.level].period]
        diligence = rng.choice((0.95, 0.8, 0.6, 0.3))
        for back in range(days, 0, -step):
            if rng.random() > diligence:
                continue
            when = dt.datetime.combine(today - dt.timedelta(days=back), dt.time(9, rng.randrange(60)), tzinfo=tz)
            done = rng.random() > 0.08
            patrols.append(Patrol(chief=chief, segment=chief.segment, person=chief.person, started_at=when,
                                  ended_at=when + dt.timedelta(minutes=30),
                                  state=PatrolState.DONE if done else PatrolState.INCOMPLETE,
                                  coverage=0.9 if done else 0.2, points=3))
    Patrol.objects.bulk_create(patrols, batch_size=2000)
    checkins = [PatrolCheckin(patrol=p, lng=p.segment.lng, lat=p.segment.lat, at=p.started_at, distance_m=5,
                              along_m=i * 10.0) for p in patrols for i in range(3)]
    PatrolCheckin.objects.bulk_create(checkins, batch_size=5000)
    segments = sorted({c.segment_id for c in chiefs})[::5]
    Case.objects.bulk_create([Case(tracking_code=f"BENCH{s:07d}", channel="grid", description="路面破损",
                                   reported_at=timezone.now(), routing={"road": {"id": s}}) for s in segments])
    return {"chiefs": len(chiefs), "segments": len({c.segment_id for c in chiefs}), "patrols": len(patrols),
            "checkins": len(checkins), "open_cases": len(segments)}


def timed(fn, repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    runs.sort()
    return {"median_ms": round(statistics.median(runs), 1), "p95_ms": round(runs[int(0.95 * (len(runs) - 1))], 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grids", type=int, default=3000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=f"sqlite:///{SQLITE}")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="wenming.settings",
                      SECRET_KEY="bench-patrols-not-secret", ALLOWED_HOSTS="testserver",
                      WENMING_GEO_CHECK_SECONDS="3600")
    os.environ.pop("WENMING_DEMO", None)
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from wenming.inspections.patrol_selectors import road_chief_indicators
    from wenming.org.models import Person

    t = time.perf_counter()
    world = build(args.grids, args.days)
    world["build_s"] = round(time.perf_counter() - t, 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    end = timezone.localdate() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=29)
    out = {"database": connection.vendor, "world": world,
           "selector_city": timed(lambda: road_chief_indicators(period_start=start, period_end=end), args.repeat)}
    query = f"?start={start}&end={end}"
    for who in ("zhiban", "taocheng"):
        client = Client()
        client.force_login(Person.objects.get(username=who))
        for name, url in (("indicators", f"/inspections/patrols/indicators/{query}"),
                          ("log", f"/inspections/patrols/{query}")):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            count = len(ctx.captured_queries)  # now: the next request's start empties the log
            out[f"{name}_{who}"] = {**timed(lambda url=url, client=client: client.get(url), args.repeat),
                                    "queries": count}
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
