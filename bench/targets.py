"""Campaign targets at a city's scale: scoped lists and per-area gaps over 60,000 grids and 100,000 sites.

    .venv/bin/python bench/targets.py [--grids 60000] [--sites 100000] [--repeat 30] [--database-url URL]

Builds a scratch database (SQLite by default at /tmp/wenming-bench-targets.sqlite3; a PostgreSQL URL whose database
name contains "bench" is dropped and created) with the demo city (``demo_city_build``, lattice layout, the article's
campaign with its target rules) and its task forces (``campaign_demo_build``), then adds sites until there are
--sites in all (``bulk_create``, seeded): mostly compounds, and the anchors and facilities the rules count (markets,
schools, stations, supermarkets, community centres, squares, commercial areas, notice boards, youth palaces,
practice institutes and stations, dry toilets, internet cafés, entertainment venues, back streets), each a point at
a random place inside a random unit grid, filed in that grid.

Measures ``targets_refresh`` for the whole campaign: the first run (every line written), a second run with nothing
changed, and a run after 1 % of the sites moved or closed (the register changing). Then, through Django's test
client (the whole view), each rule task's page and the battle map's data for it, as the task force leader (every
line) and as a unit leader (the unit's lines), --repeat times each: median and p95, and each page's query count.
Writes bench/results/targets.json.
"""

from __future__ import annotations

import argparse
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

SQLITE = "/tmp/wenming-bench-targets.sqlite3"
# Share of the added sites by type: what a city's registers hold, roughly (compounds dominate).
MIX = [
    ("compound", 0.50), ("notice_board", 0.14), ("alley", 0.08), ("smoking_post", 0.04), ("parking_lot", 0.03),
    ("school", 0.03), ("market", 0.02), ("supermarket", 0.02), ("station", 0.01), ("community_centre", 0.02),
    ("square", 0.02), ("commercial_area", 0.01), ("youth_palace", 0.01), ("practice_institute", 0.005),
    ("practice_station", 0.025), ("dry_toilet", 0.01), ("internet_cafe", 0.01), ("entertainment", 0.01),
    ("parent_school", 0.01), ("minors_centre", 0.01),
]


def build(grids: int, sites: int) -> dict:
    from wenming.campaign.services.actions import campaign_load
    from wenming.demo.campaign import campaign_demo_build
    from wenming.demo.city import LATTICE, demo_city_build
    from wenming.org.models import Area, AreaLevel, Site, SiteType
    from wenming.org.services.site_types import site_types_load

    t = time.perf_counter()
    demo_city_build(grids=grids, seed=1, layout=LATTICE)
    campaign_demo_build(campaign_code=campaign_load().code)
    city_s = time.perf_counter() - t
    site_types_load()
    types = {t.code: t for t in SiteType.objects.all()}
    missing = [code for code, _ in MIX if code not in types]
    if missing:
        sys.exit(f"site types missing: {missing}")
    cells = list(Area.objects.filter(level=AreaLevel.GRID).values_list("pk", "min_lng", "min_lat", "max_lng", "max_lat"))
    rng = random.Random(20261206)
    have = Site.objects.count()
    codes = [code for code, _ in MIX]
    weights = [w for _, w in MIX]
    rows = []
    for n in range(max(0, sites - have)):
        code = rng.choices(codes, weights)[0]
        pk, x0, y0, x1, y1 = cells[rng.randrange(len(cells))]
        lng, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
        rows.append(Site(code=f"B{n:07d}", name=f"{types[code].name}{n:06d}", site_type=types[code], area_id=pk,
                         capacity=rng.randrange(20, 400) if code == "parking_lot" else None,
                         geometry={"type": "Point", "coordinates": [lng, lat]}, lng=lng, lat=lat,
                         min_lng=lng, min_lat=lat, max_lng=lng, max_lat=lat))
        if len(rows) == 5000:
            Site.objects.bulk_create(rows)
            rows = []
    Site.objects.bulk_create(rows)
    return {"grids": grids, "sites": Site.objects.count(), "city_build_s": round(city_s, 1),
            "sites_build_s": round(time.perf_counter() - t - city_s, 1)}


def timed(fn, repeat: int) -> dict:
    fn()  # warm
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
            "max_ms": round(times[-1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grids", type=int, default=60000)
    parser.add_argument("--sites", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=f"sqlite:///{SQLITE}")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="wenming.settings",
                      SECRET_KEY="bench-targets-not-secret", ALLOWED_HOSTS="testserver",
                      WENMING_GEO_CHECK_SECONDS="3600")
    os.environ.pop("WENMING_DEMO", None)
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from wenming.campaign.models import Campaign, TargetLine, Task
    from wenming.campaign.services.targets import targets_refresh
    from wenming.common.roles import UNIT_ROLES
    from wenming.org.models import Person, Site

    world = build(args.grids, args.sites)
    print(json.dumps(world, ensure_ascii=False), flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    campaign = Campaign.objects.get()
    out = {"database": connection.vendor, "world": world, "refresh": {}}
    for label in ("first", "unchanged"):
        t = time.perf_counter()
        result = targets_refresh(campaign_id=campaign.pk)
        out["refresh"][label] = {"seconds": round(time.perf_counter() - t, 2), "result": result}
        print(label, json.dumps(out["refresh"][label], ensure_ascii=False, default=str), flush=True)
    # The registers change: 1 % of the sites move to another place in the city or close.
    rng = random.Random(7)
    ids = list(Site.objects.values_list("pk", flat=True))
    changed = rng.sample(ids, len(ids) // 100)
    boxes = list(Site.objects.filter(pk__in=rng.sample(ids, len(changed))).values_list("lng", "lat", "area_id"))
    moved = list(Site.objects.filter(pk__in=changed))
    for site, (lng, lat, area_id) in zip(moved, boxes, strict=True):
        if rng.random() < 0.3:
            site.is_active = False
        else:
            site.lng, site.lat, site.area_id = lng, lat, area_id
            site.min_lng = site.max_lng = lng
            site.min_lat = site.max_lat = lat
            site.geometry = {"type": "Point", "coordinates": [lng, lat]}
    Site.objects.bulk_update(moved, ["is_active", "lng", "lat", "area_id", "min_lng", "max_lng", "min_lat", "max_lat",
                                     "geometry"], batch_size=2000)
    t = time.perf_counter()
    result = targets_refresh(campaign_id=campaign.pk)
    out["refresh"]["one_percent_changed"] = {"seconds": round(time.perf_counter() - t, 2), "result": result}
    print("changed", json.dumps(out["refresh"]["one_percent_changed"], ensure_ascii=False, default=str), flush=True)
    out["lines"] = TargetLine.objects.count()
    tasks = list(Task.objects.filter(campaign=campaign).exclude(target_rule="").order_by("code"))
    leader = Person.objects.get(username="zhiban")
    pages = []
    for task in tasks:
        unit_leader = (Person.objects.filter(roles__role__in=UNIT_ROLES, roles__unit=task.lead_unit).first()
                       if task.lead_unit_id else None)
        for who, user in (("zhiban", leader), ("lead-unit", unit_leader)):
            if user is None:
                continue
            client = Client()
            client.force_login(user)
            for name, url in PAGES(task):
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(url)
                assert response.status_code == 200, (url, who, response.status_code)
                row = {"task": task.code, "rule": task.target_rule, "who": who, "page": name,
                       "lines": task.lines.count(), "queries": len(ctx.captured_queries),
                       **timed(lambda url=url, client=client: client.get(url), args.repeat)}
                pages.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
    out["pages"] = pages
    out["worst_p95_ms"] = max(p["p95_ms"] for p in pages) if pages else None
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "targets.json").write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(json.dumps({k: v for k, v in out.items() if k != "pages"}, ensure_ascii=False, indent=2, default=str))


def PAGES(task) -> list[tuple[str, str]]:  # noqa: N802 - filled in with the campaign's routes
    return [("task page", f"/campaign/tasks/{task.pk}/"),
            ("task page, gaps first", f"/campaign/tasks/{task.pk}/?status=gap"),
            ("battle map data", f"/campaign/map/data.json?task={task.pk}")]


if __name__ == "__main__":
    main()
