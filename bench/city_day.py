"""A city day, measured: the busiest hour of a 4-million-person city replayed at ``--scale`` times its rate
(10 by default) against one node or the cluster, on a database with a million cases.

    .venv/bin/python bench/city_day.py --single --database-url postgres://postgres@127.0.0.1:5432/wt_bench_city
    .venv/bin/python bench/city_day.py --cluster [--seed-cases 1000000]
    options: --duration 180 --scale 10 --calibrate 8

Not a test. The database must hold a demo city (``wenming demo-data``, ``demo-cases``) and, for the documented
run, a million cases (``bench/seed_cases.py``); ``--cluster`` brings the cluster up with the demo city and seeds
``--seed-cases`` into it first. Assumptions (docs/scaling.md, "A city day"):

- 6,000 reports a day for 4 million people (15 per 10,000 people, a busy 数字城管 city with grid patrols), 12 %
  of them in the peak hour: 0.2 reports/s at 1x. Channel mix as the demo's (citizen 4, hotline 3, 12345 3,
  grid 4, provincial/media/inspection 1 each, of 17): the photo channels (citizen, grid, inspection: 9/17)
  post through Open311 with a photo, the others through the REST API.
- Workflow: the REST half of the reports is driven through register → dispatch → sign → submit (with a photo)
  → verify → close, six steps per case, each by a person whose role takes it.
- 300 staff on workbenches and case pages, one page a minute each at 1x (5 pages/s): the workbench, a case page,
  the workbench's map, notifications.
- 20 dashboards and big screens refreshing every minute (the panels and the heat map): 0.33/s.
- 5 Open311 client systems polling the request list and the updates every 30 s: 0.33/s.
- The weekly meeting pack (周例会, Word) generated once a minute at 10x (a pack a week is far below any rate).

Each kind of request has its own clients (threads, in two processes) that wait an exponential think time
between requests sized for its target rate; a server slower than the target shows as a lower achieved rate.
Reported per step: target and achieved rate, p50/p95/p99, errors; then, with ``--calibrate`` seconds per
step, the CPU per request of each step run alone (the app processes' and PostgreSQL's, from /proc).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cluster_faults import (  # noqa: E402
    CATEGORY,
    NEXT_STEP,
    PASSWORD,
    UNIT,
    ClusterTarget,
    SingleNode,
    photos,
)
from bench.loadgen import (  # noqa: E402
    NETWORK_ERRORS,
    Client,
    HTTPError,
    Stats,
    cpu_matching,
    cpu_of,
    percentile,
    run_clients,
)

REPORTS_PER_DAY = 6000
PEAK_SHARE = 0.12
PEAK_REPORTS_S = REPORTS_PER_DAY * PEAK_SHARE / 3600  # 0.2 at 1x
PHOTO_SHARE = 9 / 17
STAFF, STAFF_PAGES_PER_MIN = 300, 1.0
SCREENS, SCREEN_REFRESH_S = 20, 60
OPEN311_CLIENTS, OPEN311_POLL_S = 5, 30
STAFF_LOGINS = ("zhiban", "paiqian", "shouli", "chengguan", "taocheng", "jiedao")

# kind → (requests per second at 1x, steps it records). The workflow's rate is its cases'; each case makes
# seven requests (the intake and six steps, a detail read when a step fails).
KINDS = {
    "open311_photo": (PEAK_REPORTS_S * PHOTO_SHARE, "intake Open311 + photo"),
    "workflow": (PEAK_REPORTS_S * (1 - PHOTO_SHARE), "intake REST, then six workflow steps"),
    "staff": (STAFF * STAFF_PAGES_PER_MIN / 60, "page workbench / case / map / notifications"),
    "screens": (SCREENS / SCREEN_REFRESH_S, "dashboard panels + heat map"),
    "open311_poll": (OPEN311_CLIENTS / OPEN311_POLL_S, "Open311 requests list + updates"),
    "meeting": (1 / 600, "weekly meeting pack (Word)"),
}
# Requests each unit of a kind's rate makes (the workflow: intake + six steps).
REQUESTS_PER_UNIT = {"workflow": 7}

SETUP = r"""
import json
from wenming.api.services.keys import api_key_issue
from wenming.campaign.models import Campaign, Meeting
from wenming.cases.models import Case
from wenming.org.models import Area, Person
keys = {who: api_key_issue(name=f"bench city day ({who})", person=Person.objects.get(username=who), channel="api")[1]
        for who in ("shouli", "zhiban", "chengguan")}
keys["open311"] = api_key_issue(name="bench city day (Open311)", person=Person.objects.get(username="shouli"),
                                channel="12345")[1]
points = list(Area.objects.filter(level="grid").exclude(lng=None).values_list("lng", "lat")[:3000])
case_ids = list(Case.objects.order_by("-id").values_list("id", flat=True)[:3000])
meeting = Meeting.objects.order_by("-id").values_list("id", flat=True).first()
campaign = Campaign.objects.first()
if meeting is None and campaign is not None:  # the pack of this week, as the 周例会's organiser prepares it
    from wenming.campaign.services.meetings import meeting_prepare, week_start_of
    from django.utils import timezone
    meeting = meeting_prepare(campaign=campaign, week_start=week_start_of(timezone.localdate()),
                              actor=Person.objects.get(username="zhiban")).pk
city = Area.objects.filter(level="city").values_list("code", flat=True).first()
print("BENCHJSON" + json.dumps({"keys": keys, "points": points, "case_ids": case_ids, "meeting": meeting,
                               "city": city}))
"""


def setup(target) -> dict:
    out = target.manage("shell", "-c", SETUP)
    return json.loads(next(x for x in out.splitlines() if x.startswith("BENCHJSON"))[len("BENCHJSON"):])


def sessions(base: str) -> dict:
    """A signed-in session's cookies for each staff login the clients use."""
    made = {}
    for user in STAFF_LOGINS:
        client = Client(base, Stats())
        client.login(user, PASSWORD)
        made[user] = dict(client.cookies)
        client.close()
    return made


def _workflow_case(clients: dict[str, Client], spec: dict, rng: random.Random, should_stop) -> None:
    lng, lat = rng.choice(spec["points"])
    case = clients["shouli"].post_json("intake REST", "/api/v1/cases/", {
        "description": f"店外经营占用人行道 city day {rng.randrange(10**9)}", "category": CATEGORY, "lng": lng,
        "lat": lat}, expect=(201,))
    case_id, state = case["id"], None
    for _attempt in range(10):
        if should_stop():
            return
        if state is None:
            state = json.loads(clients["zhiban"].get("case detail API", f"/api/v1/cases/{case_id}/"))["state"]
        if state not in NEXT_STEP:
            return
        action, who, photo = NEXT_STEP[state]
        path = f"/api/v1/cases/{case_id}/{action}/"
        try:
            if photo:
                detail = json.loads(clients[who].post_multipart(
                    f"workflow {action} + photo", path, {"note": "已整改"},
                    {"photos": ("after.jpg", rng.choice(spec["photos"]), "image/jpeg")}))
            else:
                payload = {"note": "city day"}
                if action == "dispatch":
                    payload["unit"] = UNIT
                if action == "verify":
                    payload["passed"] = True
                detail = clients[who].post_json(f"workflow {action}", path, payload)
            state = detail["state"]
        except (HTTPError, *NETWORK_ERRORS):
            state = None


def city_client(i: int, spec: dict, stats: Stats, keep, should_stop) -> None:
    """One client thread: its kind and think time from ``spec["plan"][i]``."""
    kind, mean_wait = spec["plan"][i]
    rng = random.Random(i * 104729 + int(time.time()))
    base = spec["urls"][i % len(spec["urls"])]
    keys = {who: Client(base, stats, token=key) for who, key in spec["keys"].items() if who != "open311"}
    plain = Client(base, stats)
    session = Client(base, stats)
    # Sessions made once before the run (a login hashes the password: once a day per person, not per page).
    user = STAFF_LOGINS[i % len(STAFF_LOGINS)] if kind == "staff" else "zhiban"
    session.cookies.update(spec["sessions"][user])
    time.sleep(rng.uniform(0, min(mean_wait, 1)))  # spread the first requests
    while not should_stop():
        started = time.monotonic()
        try:
            if kind == "open311_photo":
                lng, lat = rng.choice(spec["points"])
                plain.post_multipart("intake Open311 + photo", "/open311/v2/requests.json", {
                    "api_key": spec["keys"]["open311"], "service_code": CATEGORY, "lat": str(lat), "long": str(lng),
                    "description": f"人行道乱堆杂物 city day {rng.randrange(10**9)}"},
                    {"media": ("phone.jpg", rng.choice(spec["photos"]), "image/jpeg")})
            elif kind == "workflow":
                _workflow_case(keys, spec, rng, should_stop)
            elif kind == "staff":
                page = rng.random()
                if page < 0.4:
                    session.get("page workbench", "/cases/")
                elif page < 0.8:
                    session.get("page case", f"/cases/{rng.choice(spec['case_ids'])}/", expect=(200, 404))
                elif page < 0.9:
                    session.get("page workbench map", "/cases/map.geojson")
                else:
                    session.get("page notifications", "/notifications/")
            elif kind == "screens":
                session.get("dashboard panels", "/scoring/panels.json")
                session.get("big screen heat map", f"/scoring/heatmap.json?area={spec['city']}")
            elif kind == "open311_poll":
                plain.get("Open311 requests list", "/open311/v2/requests.json")
                plain.get("Open311 request updates", "/open311/v2/request_updates.json")
            elif kind == "meeting" and spec.get("meeting"):
                session.get("weekly meeting pack", f"/reports/meetings/{spec['meeting']}/meeting.docx")
        except (HTTPError, ValueError, *NETWORK_ERRORS):
            pass  # counted by the client
        # Exponential think time around the kind's mean, less the time the request took (an open-ish loop).
        wait = rng.expovariate(1 / mean_wait) - (time.monotonic() - started)
        end = time.monotonic() + max(0.0, wait)
        while time.monotonic() < end and not should_stop():
            time.sleep(min(0.5, end - time.monotonic()))
    for c in [*keys.values(), plain, session]:
        c.close()


def plan(scale: float, only: str | None = None) -> tuple[list, dict]:
    """Threads per kind and each one's mean wait, so the kind's threads together make its target rate (with
    room for each request's own time: about two requests in flight per thread's share)."""
    threads, targets = [], {}
    for kind, (rate, _what) in KINDS.items():
        if only and kind != only:
            continue
        target = rate * scale
        targets[kind] = target
        # Enough threads that a slow answer does not starve the rate; the staff and screens as sessions.
        n = max(1, min(60, math.ceil(target * 1.5)))
        if kind == "meeting":
            n = 1
        threads += [(kind, n / target)] * n
    return threads, targets


def run(target, spec: dict, *, scale: float, seconds: float, only: str | None = None) -> dict:
    threads, targets = plan(scale, only)
    spec = dict(spec, plan=threads)
    def pg(cmd: str) -> bool:
        return cmd.startswith("postgres:") and spec["pg_match"] in cmd
    cpu0, pg0 = cpu_of(target.server_pids()), cpu_matching(pg)
    started = time.time()
    outcome = run_clients(city_client, spec, clients=len(threads), seconds=seconds)
    elapsed = time.time() - started
    return {"stats": outcome.stats, "seconds": elapsed, "targets": targets, "threads": len(threads),
            "app_cpu_s": cpu_of(target.server_pids()) - cpu0, "pg_cpu_s": cpu_matching(pg) - pg0}


def table(result: dict, calibration: dict | None = None) -> str:
    stats, seconds = result["stats"], result["seconds"]
    rows = ["| step | requests | per s | p50 ms | p95 ms | p99 ms | errors | app CPU ms/req | PostgreSQL CPU ms/req |",
            "|---|--:|--:|--:|--:|--:|---|--:|--:|"]
    for name in sorted(stats.steps):
        step = stats.steps[name]
        n = len(step.latencies)
        errors = ", ".join(f"{k} ×{v}" for k, v in sorted(step.errors.items())) or "0"
        cal = (calibration or {}).get(name)
        cpu = f"{cal[0]:.1f} | {cal[1]:.1f}" if cal else "– | –"
        rows.append(f"| {name} | {n} | {n / seconds:.2f} | {percentile(step.latencies, 50) * 1000:.0f} | "
                    f"{percentile(step.latencies, 95) * 1000:.0f} | {percentile(step.latencies, 99) * 1000:.0f} | "
                    f"{errors} | {cpu} |")
    return "\n".join(rows)


def calibrate(target, spec: dict, seconds: float) -> dict:
    """Each kind alone for ``seconds`` at a modest rate: CPU per request of the app processes and PostgreSQL,
    split over the kind's steps by their requests (a workflow case's steps share the case's CPU)."""
    found = {}
    for kind in KINDS:
        if kind == "meeting" and not spec.get("meeting"):
            continue
        # Enough to measure, light enough that the steps do not queue: a few requests per second.
        scale = {"meeting": 300, "workflow": 15, "open311_photo": 10}.get(kind, 1)
        r = run(target, spec, scale=scale, seconds=seconds, only=kind)
        n = sum(len(s.latencies) for s in r["stats"].steps.values() if s.ok)
        if not n:
            continue
        for name in r["stats"].steps:
            found[name] = (r["app_cpu_s"] / n * 1000, r["pg_cpu_s"] / n * 1000)
        print(f"calibrated {kind}: {n} requests, app {r['app_cpu_s']:.1f} s, PostgreSQL {r['pg_cpu_s']:.1f} s",
              flush=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--single", action="store_true", help="one gunicorn node started here (2 workers x 4 threads)")
    where.add_argument("--cluster", action="store_true", help="the cluster (wenming.cluster), brought up here")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/wt_bench_city")
    parser.add_argument("--port", type=int, default=15561)
    parser.add_argument("--port-base", type=int, default=15400)
    parser.add_argument("--root", type=Path, default=Path("/tmp/wenming-bench-cityday"))
    parser.add_argument("--keep", action="store_true", help="leave the cluster running")
    parser.add_argument("--seed-cases", type=int, default=1_000_000, help="--cluster: cases to add first")
    parser.add_argument("--duration", type=float, default=180, help="seconds of the mixed load")
    parser.add_argument("--scale", type=float, default=10, help="times the peak hour's rate")
    parser.add_argument("--calibrate", type=float, default=8, help="seconds per kind alone, for CPU per request; 0: skip")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.root.mkdir(parents=True, exist_ok=True)
    if args.single:
        target = SingleNode(database_url=args.database_url, port=args.port, root=args.root)
        db = args.database_url.rsplit("/", 1)[1]
        pg_match = f"postgres {db} "
    else:
        target = ClusterTarget(root=args.root, port_base=args.port_base, keep=args.keep)
        pg_match = f"wenming-{args.port_base}"
    try:
        target.up()
        if args.cluster and args.seed_cases:
            subprocess_seed(target, args.seed_cases)
        spec = setup(target)
        spec.update(photos=photos(), urls=[target.url], pg_match=pg_match, sessions=sessions(target.url))
        result = run(target, spec, scale=args.scale, seconds=args.duration)
        calibration = calibrate(target, spec, args.calibrate) if args.calibrate else None
    finally:
        target.down()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    requests = sum(len(s.latencies) for s in result["stats"].steps.values())
    errors = sum(s.error_count() for s in result["stats"].steps.values())
    print(f"\n{'one node' if args.single else 'the cluster'}, scale {args.scale:g}x, {args.duration:.0f} s, "
          f"{result['threads']} client threads, {platform.node()} ({os.cpu_count()} cores), {when}")
    print("targets (requests or cases per s): " + ", ".join(f"{k} {v:.2f}" for k, v in result["targets"].items()))
    print(f"{requests} requests, {requests / result['seconds']:.1f}/s, {errors} errors; app CPU "
          f"{result['app_cpu_s']:.0f} s ({result['app_cpu_s'] / result['seconds']:.2f} cores), PostgreSQL "
          f"{result['pg_cpu_s']:.0f} s ({result['pg_cpu_s'] / result['seconds']:.2f} cores)")
    print(table(result, calibration))
    if args.json:
        args.json.write_text(json.dumps({
            "targets": result["targets"], "seconds": result["seconds"], "app_cpu_s": result["app_cpu_s"],
            "pg_cpu_s": result["pg_cpu_s"], "calibration": calibration,
            "steps": {n: {"n": len(s.latencies), "errors": s.errors, "p50": percentile(s.latencies, 50),
                          "p95": percentile(s.latencies, 95), "p99": percentile(s.latencies, 99)}
                      for n, s in result["stats"].steps.items()}}, ensure_ascii=False, indent=1), encoding="utf-8")


def subprocess_seed(target, cases: int) -> None:
    """A million cases into the cluster's database, through the primary (not the pooler: one long statement)."""
    import subprocess  # noqa: PLC0415

    subprocess.run([sys.executable, str(ROOT / "bench" / "seed_cases.py"), "--database-url", target.primary_dsn,
                    "--cases", str(cases)], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
