"""The public vote under load: 16 clients voting through the real stack (gunicorn, Django, PostgreSQL), each vote
a distinct phone, with repeats from the same phone and races between two clients on one phone mixed in.

    .venv/bin/python bench/selection_vote.py [--database-url postgres://postgres@127.0.0.1:5432/wt_vote_bench]
        [--seconds 60] [--clients 16] [--workers 3] [--threads 4] [--phones 40000] [--repeat 0.1]

Not a test. Drops and creates the database (its name must contain "bench"), migrates it, and builds a minimal
world: one district with a community, the organising unit, a call in its vote with ten nominees on the ballot.
Phones are verified up front, as the SMS step would leave them: one session per phone holding its signed voter
token (bulk-created through the ORM), so the SMS code is not what is measured. Each client then, in a loop:

- votes with its next phone for a random nominee (``POST /selections/vote/<call>/cast/``, ``Accept:
  application/json``, the CSRF token and the ballot's device cookie, and ``X-Forwarded-For`` with the phone's own
  address in 10.0.0.0/8, the server being told it sits behind a proxy): expects 201 (accepted);
- with probability ``--repeat``, posts the same phone's vote again at once: expects 200 (the same answer, no row);
- every 20th vote, uses a phone shared with the client 8 places away, which posts it at about the same moment:
  between the two exactly one 201.

At the end the rows in the vote table must equal the 201 answers exactly, and no phone has two rows. Reports
accepted votes/s, requests/s, p50/p95/p99 of every request, the server's and PostgreSQL's CPU per vote; and first,
as the framework's floor, the same clients for ``--floor-seconds`` on ``/healthz`` (every middleware, no database).
Target (issue 19): 500 votes/s with every vote counted once and p99 ≤ 200 ms at 16 clients.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cluster_faults import child_env, wait_http  # noqa: E402
from bench.loadgen import NETWORK_ERRORS, Client, HTTPError, cpu_matching, cpu_of, percentile, run_clients  # noqa: E402
from bench.materials_board import fresh_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wt_vote_bench"
SECRET = "bench-vote-secret-key-" + "x" * 40
NOMINEES = 10
SHARED_EVERY = 20
SHARED_BASE = 10_000_000  # phone indexes of the phones two clients share
CSRF = "benchvotecsrfsecret0123456789abc"  # 32 characters: taken as the unmasked secret


def phone_of(index: int) -> str:
    return f"{13000000000 + index * 101}"  # mostly one phone per block of 100 numbers


def address_of(index: int) -> str:
    n = random.Random(index).randrange(1, 2**24 - 1)  # spread over 10.0.0.0/8: rarely two in one /24
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def build_world(phones: list[int]) -> dict:
    """The call, its nominees and one session per phone, holding the phone's voter token (see the docstring)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from wenming.org.models import Area, AreaLevel, Unit
    from wenming.selections.models import Call, CallStatus, Nomination, NominationStatus, SelectionKind
    from wenming.selections.services.votes import voter_token_issue
    from wenming.selections.vote_views import SESSION_VOTER

    now = timezone.now()
    city = Area.objects.create(code="1311", name="衡水市", level=AreaLevel.CITY)
    county = Area.objects.create(code="131102", name="桃城区", level=AreaLevel.COUNTY, parent=city)
    street = Area.objects.create(code="131102001", name="河西街道", level=AreaLevel.STREET, parent=county)
    community = Area.objects.create(code="131102001001", name="和平社区", level=AreaLevel.COMMUNITY, parent=street)
    organiser = Unit.objects.create(code="WMB", name="市文明办", area=city)
    kind = SelectionKind.objects.create(code="zmld", name="最美楼道", subject="site")
    call = Call.objects.create(kind=kind, title="最美楼道评选（压测）", organiser=organiser, status=CallStatus.VOTING,
                               nominations_open=now - dt.timedelta(days=30), nominations_close=now - dt.timedelta(days=9),
                               vote_opens=now - dt.timedelta(days=1), vote_closes=now + dt.timedelta(days=6))
    nominees = Nomination.objects.bulk_create([
        Nomination(call=call, number=i + 1, name=f"幸福小区{i + 1}号楼", area=community, statement="楼道整洁",
                   nominator_kind="community", status=NominationStatus.SHORTLISTED) for i in range(NOMINEES)])
    store, sessions, keys = SessionStore(), [], {}
    expire = now + dt.timedelta(days=1)
    for index in phones:
        key = secrets.token_hex(16)
        data = store.encode({SESSION_VOTER: voter_token_issue(phone=phone_of(index), now=now)})
        sessions.append(Session(session_key=key, session_data=data, expire_date=expire))
        keys[index] = key
    Session.objects.bulk_create(sessions, batch_size=2000)
    return {"call": call.pk, "nominees": [n.pk for n in nominees], "sessions": keys}


def vote_client(i: int, spec: dict, stats, keep, should_stop) -> None:
    rng = random.Random(i)
    client = Client(spec["base"], stats, timeout=30)
    path = f"/selections/vote/{spec['call']}/cast/"
    k = 0
    accepted = repeats = races = refused = 0
    while not should_stop():
        shared = k % SHARED_EVERY == 0
        index = SHARED_BASE + (k // SHARED_EVERY) * 8 + i % 8 if shared else i + spec["clients"] * k
        k += 1
        key = spec["sessions"].get(str(index))
        if key is None:
            break  # out of pre-verified phones: the run was longer than --phones allows
        client.cookies = {"sessionid": key, "csrftoken": CSRF, "wm_device": f"bench-device-{index:012d}"}
        body = urlencode({"nomination": rng.choice(spec["nominees"])}).encode()
        headers = {"Accept": "application/json", "X-Forwarded-For": address_of(index)}
        for attempt in range(2 if (not shared and rng.random() < spec["repeat"]) else 1):
            try:
                status, data = client.request("race" if shared else ("repeat" if attempt else "vote"), "POST", path,
                                              body=body, ctype="application/x-www-form-urlencoded", headers=headers,
                                              expect=(200, 201))
            except (HTTPError, *NETWORK_ERRORS):
                refused += 1
                continue
            answer = json.loads(data)
            if status == 201 and answer["accepted"]:
                accepted += 1
                races += shared
            elif attempt:
                repeats += 1
    keep("answers", {"accepted": accepted, "repeats": repeats, "race_wins": races, "refused": refused})


def floor_client(i: int, spec: dict, stats, keep, should_stop) -> None:
    """The framework's floor: the same clients on ``/healthz`` (the whole middleware stack, no database)."""
    client = Client(spec["base"], stats, timeout=30)
    while not should_stop():
        try:
            client.request("healthz", "GET", "/healthz")
        except (HTTPError, *NETWORK_ERRORS):
            continue


def serve(env: dict, port: int, workers: int, threads: int, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "wenming.cli", "serve", "--port", str(port), "--workers",
                                 str(workers), "--threads", str(threads)], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def children(pid: int) -> list[int]:
    found = [pid]
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = path.read_text().split(")")[-1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(path.parent.name))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--phones", type=int, default=40000)
    parser.add_argument("--repeat", type=float, default=0.1)
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--floor-seconds", type=float, default=10, help="the /healthz baseline's length")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("the vote's benchmark runs on PostgreSQL: --database-url postgres://…")

    os.environ.update({"DATABASE_URL": args.database_url, "SECRET_KEY": SECRET, "DJANGO_SETTINGS_MODULE":
                       "wenming.settings"})
    os.environ.pop("WENMING_TESTING", None)
    fresh_database(args.database_url)
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from wenming.selections.models import Vote

    per_client = args.phones // args.clients
    phones = [i + args.clients * k for k in range(per_client) for i in range(args.clients)]
    phones += [SHARED_BASE + j * 8 + m for j in range(per_client // SHARED_EVERY + 1) for m in range(8)]
    started = time.time()
    world = build_world(phones)
    setup_s = time.time() - started
    connection.close()

    root = Path("/tmp/wenming-bench-vote")
    root.mkdir(exist_ok=True)
    env = child_env({"DATABASE_URL": args.database_url, "SECRET_KEY": SECRET, "WENMING_BEHIND_PROXY": "1",
                     "WENMING_MEDIA_ROOT": str(root / "media"), "WENMING_DATA_DIR": str(root)})
    server = serve(env, args.port, args.workers, args.threads, root / "server.log")
    try:
        base = f"http://127.0.0.1:{args.port}"
        wait_http(f"{base}/selections/vote/", 60)
        spec = {"base": base, "call": world["call"], "nominees": world["nominees"], "clients": args.clients,
                "repeat": args.repeat, "sessions": {str(k): v for k, v in world["sessions"].items()}}
        pids = children(server.pid)

        def pg(cmd: str) -> bool:
            return cmd.startswith("postgres")

        cpu0, wall = cpu_of(pids), time.time()
        floor = run_clients(floor_client, spec, clients=args.clients, seconds=args.floor_seconds, processes=2)
        floor_s, floor_cpu = time.time() - wall, cpu_of(pids) - cpu0
        cpu0, pg0, wall = cpu_of(pids), cpu_matching(pg), time.time()
        outcome = run_clients(vote_client, spec, clients=args.clients, seconds=args.seconds, processes=2)
        seconds = time.time() - wall
        app_cpu, pg_cpu = cpu_of(pids) - cpu0, cpu_matching(pg) - pg0
    finally:
        os.killpg(server.pid, 15)
        server.wait(15)

    answers = outcome.kept.get("answers", [])
    total = {key: sum(a[key] for a in answers) for key in ("accepted", "repeats", "race_wins", "refused")}
    rows = Vote.objects.count()
    phones_twice = Vote.objects.values("phone_hash", "day").order_by().annotate(
        n=Count("pk")).filter(n__gt=1).count()
    flagged = Vote.objects.filter(state="flagged").count()
    steps = outcome.stats.steps
    every = [x for s in steps.values() for x in s.latencies]
    result = {
        "date": dt.date.today().isoformat(), "machine": f"{os.cpu_count()} cores, {platform.platform()}",
        "clients": args.clients, "workers": args.workers, "threads": args.threads, "seconds": round(seconds, 1),
        "setup_s": round(setup_s, 1), "accepted": total["accepted"], "rows": rows, "rows_equal_accepted":
        rows == total["accepted"], "phones_with_two_rows": phones_twice, "repeats_answered_same": total["repeats"],
        "race_wins": total["race_wins"], "refused_or_failed": total["refused"], "flagged": flagged,
        "votes_per_s": round(total["accepted"] / seconds, 1), "requests_per_s": round(len(every) / seconds, 1),
        "p50_ms": round(percentile(every, 50) * 1000, 1), "p95_ms": round(percentile(every, 95) * 1000, 1),
        "p99_ms": round(percentile(every, 99) * 1000, 1),
        "steps": {name: {"n": len(s.latencies), "p50_ms": round(percentile(s.latencies, 50) * 1000, 1),
                         "p99_ms": round(percentile(s.latencies, 99) * 1000, 1), "errors": s.errors}
                  for name, s in steps.items()},
        "app_cpu_ms_per_request": round(app_cpu / max(1, len(every)) * 1000, 2),
        "floor_healthz": {"requests_per_s": round(len(floor.stats.steps["healthz"].latencies) / floor_s, 1),
                          "p50_ms": round(percentile(floor.stats.steps["healthz"].latencies, 50) * 1000, 1),
                          "p99_ms": round(percentile(floor.stats.steps["healthz"].latencies, 99) * 1000, 1),
                          "app_cpu_ms_per_request": round(floor_cpu / max(1, len(floor.stats.steps["healthz"]
                                                                                   .latencies)) * 1000, 2)},
        "load_average": Path("/proc/loadavg").read_text().split()[:3],
        "pg_cpu_ms_per_request": round(pg_cpu / max(1, len(every)) * 1000, 2),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "selection_vote.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    if not result["rows_equal_accepted"] or phones_twice:
        sys.exit("FAILED: the rows do not match the accepted answers")


if __name__ == "__main__":
    main()
