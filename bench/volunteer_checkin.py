"""A city-wide volunteer activity day: 20,000 on-site check-ins posted in bursts by 32 clients to the real app under
the production server (gunicorn, several processes), on PostgreSQL.

    .venv/bin/python bench/volunteer_checkin.py [--checkins 20000] [--clients 32] [--activities 200] [--workers 3]
        [--database-url postgres://postgres@127.0.0.1:5432/wt_vol_bench]

Drops and creates the database (its name must contain "bench"), migrates it and builds, through the ORM: a county,
one organisation, --activities activities running now at one place each, --checkins volunteers each with a
confirmed sign-up and a volunteer session (the phone-verified session the SMS sign-in makes; stored as Django
sessions) — the setup is not timed. Then starts `wenming serve` (gunicorn) and runs --clients clients: each posts
the check-in form of the QR link (token, GPS inside the activity's circle) for its share of the volunteers, in
bursts (a run of 5–40 posts back to back, then a pause of up to 0.5 s: arrivals come in waves at activity starts);
one post in ten is a second scan of the same code (it must answer the same check-in). Prints p50/p95/p99 of the
posts, the rate reached, and checks the database: check-in rows == distinct sign-ups checked in == --checkins.
Target (issue 20): every check-in stored once, p99 ≤ 300 ms at 32 clients. Writes bench/results/volunteer_checkin.json.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cluster_faults import SingleNode  # noqa: E402
from bench.loadgen import NETWORK_ERRORS, Client, HTTPError, cpu_matching, cpu_of, percentile, run_clients  # noqa: E402
from bench.materials_board import fresh_database  # noqa: E402

CSRF_SECRET = "benchcsrfsecret0123456789abcdefg"  # 32 characters: Django takes an unmasked secret as the cookie


class Node(SingleNode):
    """SingleNode with a chosen number of gunicorn processes (its own is 2 workers x 4 threads)."""

    workers = 3

    def _spawn(self, name: str) -> None:
        if name != "app1":
            return super()._spawn(name)
        import subprocess  # noqa: PLC0415 -- only the server start needs it

        with (self.root / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", "wenming.cli", "serve", "--port", str(self.port), "--workers",
                 str(self.workers), "--threads", "4"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.groups.append(self.procs[name].pid)
        return None


def build(*, checkins: int, activities: int) -> dict:
    """The activity day's rows, through the ORM (bulk_create); returns what the clients need."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from wenming.org.models import Area, AreaLevel
    from wenming.volunteers.models import Activity, HostKind, Organisation, Project, SignUp, Theme, Volunteer
    from wenming.volunteers.services.checkins import checkin_token
    from wenming.volunteers.session import SESSION_VOLUNTEER

    city = Area.objects.create(code="139900", name="测试市", level=AreaLevel.CITY, lng=115.67, lat=37.73)
    county = Area.objects.create(code="139901", name="测试区", level=AreaLevel.COUNTY, parent=city, lng=115.67,
                                 lat=37.73)
    org = Organisation.objects.create(name="测试区志愿服务总队", host_kind=HostKind.PRACTICE_CENTRE, area=county,
                                      area_path=county.path, requires_real_name=False)
    project = Project.objects.create(organisation=org, name="文明交通劝导", theme=Theme.TRAFFIC)
    now = timezone.now()
    rng = random.Random(20)
    places = [(115.60 + rng.random() * 0.15, 37.68 + rng.random() * 0.1) for _ in range(activities)]
    acts = Activity.objects.bulk_create([Activity(
        project=project, organisation=org, theme=project.theme, title=f"路口劝导 {i + 1:03d}", place=f"路口 {i + 1}",
        lng=lng, lat=lat, radius_m=200, area=county, area_path=county.path, starts_at=now - dt.timedelta(minutes=10),
        ends_at=now + dt.timedelta(hours=3), slots=checkins // activities + 1) for i, (lng, lat) in enumerate(places)])
    volunteers = Volunteer.objects.bulk_create([Volunteer(phone=f"17{i:09d}", name=f"志愿者{i}",
                                                          birth_date=dt.date(1990, 1, 1)) for i in range(checkins)],
                                               batch_size=2000)
    SignUp.objects.bulk_create([SignUp(activity=acts[i % activities], volunteer=v, status="confirmed", created_at=now)
                                for i, v in enumerate(volunteers)], batch_size=2000)
    store, until = SessionStore(), time.time() + 6 * 3600
    expire = now + dt.timedelta(hours=6)
    keys = [f"volbench{i:024d}" for i in range(checkins)]
    Session.objects.bulk_create([Session(session_key=key, expire_date=expire, session_data=store.encode(
        {SESSION_VOLUNTEER: {"id": v.pk, "until": until}})) for key, v in zip(keys, volunteers, strict=True)],
        batch_size=2000)
    tokens = [checkin_token(activity=a) for a in acts]
    return {"people": [(keys[i], tokens[i % activities], places[i % activities]) for i in range(checkins)],
            "activity_ids": [a.pk for a in acts]}


def checkin_client(i: int, spec: dict, stats, keep, should_stop) -> None:
    rng = random.Random(i)
    mine = spec["people"][i::spec["clients"]]
    n = 0
    while n < len(mine) and not should_stop():
        burst = rng.randint(5, 40)
        for key, token, (lng, lat) in mine[n:n + burst]:
            client = Client(spec["url"], stats)
            client.cookies = {"sessionid": key, "csrftoken": CSRF_SECRET}
            fields = {"step": "in", "lng": f"{lng + 0.0004:.6f}", "lat": f"{lat:.6f}", "accuracy": "15"}
            path = f"/volunteers/checkin/{token}/"
            for attempt in range(2 if rng.random() < 0.1 else 1):  # one in ten scans the code twice
                try:
                    client.post_form("checkin" if attempt == 0 else "rescan", path, fields, expect=(302,))
                except (HTTPError, *NETWORK_ERRORS):
                    keep("failed", key)
            client.close()
        n += burst
        time.sleep(rng.random() * 0.5)
    keep("done", len(mine[:n]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/wt_vol_bench")
    parser.add_argument("--checkins", type=int, default=20000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--activities", type=int, default=200)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn processes (4 threads each)")
    parser.add_argument("--port", type=int, default=15571)
    parser.add_argument("--root", type=Path, default=Path("/tmp/wenming-bench-volunteers"))
    args = parser.parse_args()
    # The codes are made once up front (the organiser's screen renewing them each minute is not simulated), so
    # they must stay good for the whole run.
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="wenming.settings",
                      SECRET_KEY="bench-only-secret-key", WENMING_VOLUNTEER_CHECKIN_TOKEN_SECONDS="3600")
    os.environ.pop("WENMING_TESTING", None)
    os.environ.pop("WENMING_DEMO", None)
    fresh_database(args.database_url)
    import django  # noqa: PLC0415 -- after the environment names the bench database

    django.setup()
    from django.db import connection  # noqa: PLC0415
    from django.db.models import Count  # noqa: PLC0415

    from wenming.volunteers.models import CheckIn, VolunteerEvent  # noqa: PLC0415

    t0 = time.time()
    spec = build(checkins=args.checkins, activities=args.activities)
    setup_s = time.time() - t0
    connection.close()
    args.root.mkdir(parents=True, exist_ok=True)
    Node.workers = args.workers
    target = Node(database_url=args.database_url, port=args.port, root=args.root)
    try:
        target.up()
        spec.update(url=target.url, clients=args.clients)
        db = args.database_url.rsplit("/", 1)[1]

        def pg(cmd: str) -> bool:
            return cmd.startswith("postgres:") and f" {db} " in cmd

        cpu0, pg0, load0 = cpu_of(target.server_pids()), cpu_matching(pg), os.getloadavg()[0]
        started = time.time()
        outcome = run_clients(checkin_client, spec, clients=args.clients, seconds=3600, processes=4)
        seconds = time.time() - started
        app_cpu, pg_cpu, load1 = cpu_of(target.server_pids()) - cpu0, cpu_matching(pg) - pg0, os.getloadavg()[0]
    finally:
        target.down()
    rows = CheckIn.objects.count()
    distinct = CheckIn.objects.values("signup_id").distinct().count()
    events = VolunteerEvent.objects.filter(action="checked_in").count()
    per_activity = CheckIn.objects.values("signup__activity").annotate(n=Count("id")).count()
    steps = outcome.stats.steps
    lat = steps["checkin"].latencies
    rescans = steps.get("rescan")
    result = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": f"{platform.node()} "
        f"({os.cpu_count()} cores, shared)", "checkins": args.checkins, "clients": args.clients,
        "gunicorn": f"{args.workers} workers x 4 threads", "setup_s": round(setup_s, 1), "seconds": round(seconds, 1),
        "rate_per_s": round(len(lat) / seconds, 1), "p50_ms": round(percentile(lat, 50) * 1000, 1),
        "p95_ms": round(percentile(lat, 95) * 1000, 1), "p99_ms": round(percentile(lat, 99) * 1000, 1),
        "errors": steps["checkin"].errors,
        "app_cpu_ms_per_post": round(app_cpu / (len(lat) + (len(rescans.latencies) if rescans else 0)) * 1000, 1),
        "pg_cpu_ms_per_post": round(pg_cpu / (len(lat) + (len(rescans.latencies) if rescans else 0)) * 1000, 1),
        "load_average_before_after": [round(load0, 1), round(load1, 1)], "rescans": len(rescans.latencies) if rescans else 0,
        "rescan_p99_ms": round(percentile(rescans.latencies, 99) * 1000, 1) if rescans else None,
        "checkin_rows": rows, "distinct_signups": distinct, "checked_in_events": events,
        "activities_with_checkins": per_activity, "stored_once": rows == distinct == events == args.checkins,
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "volunteer_checkin.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
