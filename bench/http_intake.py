"""HTTP intake: a routed case POSTed through the REST API and through Open311, against a bare endpoint.

    .venv/bin/python bench/http_intake.py [--database-url postgres://postgres@127.0.0.1:5432/wenming_bench_http]
                                          [--connections 16] [--duration 20] [--rounds 2] [--build]

Not a test. The server is the production one, started the way ``wenming serve`` starts it (gunicorn,
``wenming.wsgi``, its default workers and threads), with DJANGO_SETTINGS_MODULE=bench.settings so the bare
endpoint ``/api/v1/bench/insert/`` (one INSERT into ``bench_row``, nothing else; ``bench/views.py``) is mounted
beside the real ones, with ``/api/v1/bench/insert-orm/`` (the same row through the ORM's ``create()``). Load comes from ``wrk`` (Debian package ``wrk``) with a Lua script cycling through prepared POST
bodies: 16 concurrent connections, each body a problem at a different grid of the 3,000-grid demo city
(category SJ0401, routed). Endpoints take turns in every round, so drift on the shared machine hits each.

Reported per endpoint: requests/s, p50 and p99 latency, the throughput ratio to the bare endpoint round by round
(min, median, max), errors (socket errors and non-2xx), the CPU time
the load generator used, the CPU the server's processes and PostgreSQL's used per request (from /proc), and rows created against successful responses (a request still in flight when
wrk stops may land after the count of responses: the difference is at most the number of connections).

--build drops and rebuilds the scratch database (``wenming migrate`` + ``wenming demo-data --grids 3000``);
the database name must contain "bench".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
CATEGORY = "SJ0401"

LUA = r"""
local bodies = {}
local path, ctype = nil, nil
local counter = 0
function init(args)
  path, ctype = args[1], args[2]
  for line in io.lines(args[3]) do bodies[#bodies + 1] = line end
  counter = math.random(#bodies)
end
function request()
  counter = counter % #bodies + 1
  return wrk.format("POST", path, {["Content-Type"] = ctype, ["Authorization"] = AUTH}, bodies[counter])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\n', summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def env_for(url: str) -> dict:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret-key"),
               DJANGO_SETTINGS_MODULE="bench.settings", WENMING_GEO_CHECK_SECONDS="3600",
               # The server and the children import ``bench`` from the project root, wherever they start.
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    env.pop("WENMING_DEMO", None)
    env.pop("WENMING_TESTING", None)
    return env


def wenming(url: str, *args: str) -> None:
    subprocess.run([str(VENV_BIN / "wenming"), *args], env=env_for(url), check=True)


def build(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    wenming(url, "migrate", "-v0")
    wenming(url, "demo-data", "--grids", "3000")


def prepare(url: str, tmp: Path, samples: int) -> dict:
    """Keys, the bare table, and the bodies: the same problems for REST, Open311 and the bare endpoint."""
    os.environ.update(env_for(url))
    import django

    django.setup()
    from django.db import connection

    from wenming.api.services.keys import api_key_issue
    from wenming.org.models import Area, Person

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_row (id bigserial PRIMARY KEY, body text NOT NULL, "
                       "created_at timestamptz NOT NULL)")
    person = Person.objects.get(username="shouli")
    # One key per door, on different channels, so the rows each endpoint creates are counted apart.
    _key, raw = api_key_issue(name="bench http intake (REST)", person=person, channel="api")
    _key, raw311 = api_key_issue(name="bench http intake (Open311)", person=person, channel="12345")
    grids = list(Area.objects.filter(level="grid").exclude(lng=None).values_list("lng", "lat"))
    rng = random.Random(7)
    points = [rng.choice(grids) for _ in range(samples)]
    texts = ["路口流动摊贩占道经营", "人行道乱堆杂物", "店外经营占用人行道", "早市摊点占道"]
    bodies = {"rest": [], "open311": [], "bare": []}
    for i, (lng, lat) in enumerate(points):
        text = f"{texts[i % len(texts)]} #{i}"
        bodies["rest"].append(json.dumps({"description": text, "category": CATEGORY, "lng": lng, "lat": lat},
                                         ensure_ascii=False))
        bodies["open311"].append(urlencode({"api_key": raw311, "service_code": CATEGORY, "lat": lat, "long": lng,
                                            "description": text}))
        bodies["bare"].append(urlencode({"description": text}))
    bodies["bare_orm"] = bodies["bare"]
    for name, lines in bodies.items():
        (tmp / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"key": raw}


def count_rows(url: str) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_row")
        bare = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FILTER (WHERE channel = 'api'), count(*) FILTER (WHERE channel = '12345') "
                       "FROM cases_case")
        rest, open311 = cursor.fetchone()
    connection.close()
    # Both bare endpoints write bench_row; they never run at the same time.
    return {"bare": bare, "bare_orm": bare, "rest": rest, "open311": open311}


def settled_rows(url: str) -> dict:
    """Counts once the server has finished the requests still in flight when wrk stopped."""
    last = count_rows(url)
    while True:
        time.sleep(1.0)
        now = count_rows(url)
        if now == last:
            return now
        last = now


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, log: Path) -> subprocess.Popen:
    # The access log and any warnings go to a file (a pipe nobody reads would stall the server when full).
    with log.open("wb") as out:
        proc = subprocess.Popen([str(VENV_BIN / "wenming"), "serve", "--port", str(port)], env=env_for(url),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/open311/v2/discovery.json", timeout=2)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not come up: " + log.read_text(errors="replace")[-2000:])


TARGETS = {
    "bare": ("/api/v1/bench/insert/", "application/x-www-form-urlencoded", False),
    "bare_orm": ("/api/v1/bench/insert-orm/", "application/x-www-form-urlencoded", False),
    "rest": ("/api/v1/cases/", "application/json", True),
    "open311": ("/open311/v2/requests.json", "application/x-www-form-urlencoded", False),
}


def cpu_seconds(match) -> float:
    """User + system CPU of the processes whose command line ``match`` accepts (Linux /proc), plus what their
    exited children used (a database backend that closes its connection mid-run is counted by its parent)."""
    total, tick = 0, os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if match(cmd):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
        except OSError:
            continue
    return total / tick


def server_cpu() -> float:
    return cpu_seconds(lambda cmd: "gunicorn" in cmd and "wenming.wsgi" in cmd)


def postgres_cpu() -> float:
    return cpu_seconds(lambda cmd: cmd.startswith("postgres:") or ("bin/postgres" in cmd and " -D " in cmd))


def run_wrk(port: int, name: str, tmp: Path, key: str, *, connections: int, duration: int, threads: int) -> dict:
    path, ctype, auth = TARGETS[name]
    script = tmp / f"{name}.lua"
    script.write_text(f"AUTH = {json.dumps('Token ' + key if auth else '')}\n" + LUA, encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server0, pg0 = server_cpu(), postgres_cpu()
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s", "-s", str(script),
         f"http://127.0.0.1:{port}", "--", path, ctype, str(tmp / f"{name}.txt")],
        capture_output=True, text=True, check=True,
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server1, pg1 = server_cpu(), postgres_cpu()
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    data = json.loads(line[len("WRKJSON "):])
    data["client_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    errors = data["connect"] + data["read"] + data["write"] + data["timeout"] + data["status"]
    data["errors"] = errors
    data["successes"] = data["requests"] - data["status"]
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    data["server_cpu_s"], data["postgres_cpu_s"] = server1 - server0, pg1 - pg0
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/wenming_bench_http")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=20, help="seconds per endpoint per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--samples", type=int, default=3000, help="distinct bodies per endpoint")
    parser.add_argument("--build", action="store_true", help="drop and rebuild the scratch database first")
    args = parser.parse_args()
    if "bench" not in urlsplit(args.database_url).path:
        raise SystemExit("refusing: the database name must contain 'bench' (it is written to)")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    if args.build:
        build(args.database_url)
    else:
        wenming(args.database_url, "migrate", "-v0")
    tmp = Path(tempfile.mkdtemp(prefix="wenming-http-bench-"))
    key = prepare(args.database_url, tmp, args.samples)["key"]
    port = free_port()
    server = start_server(args.database_url, port, tmp / "server.log")
    totals = {name: [] for name in TARGETS}
    try:
        for name in TARGETS:  # warm-up: imports, connections, the routing index in every worker
            run_wrk(port, name, tmp, key, connections=args.connections, duration=3, threads=args.threads)
        time.sleep(1)
        for rnd in range(args.rounds):
            order = list(TARGETS) if rnd % 2 == 0 else list(reversed(TARGETS))
            for name in order:
                rows_before = settled_rows(args.database_url)
                data = run_wrk(port, name, tmp, key, connections=args.connections, duration=args.duration,
                               threads=args.threads)
                rows_after = settled_rows(args.database_url)
                data["rows"] = rows_after[name] - rows_before[name]
                totals[name].append(data)
                n = max(data["requests"], 1)
                print(f"round {rnd + 1} {name:8s} {data['rps']:8.1f} req/s  p50 {data['p50_us'] / 1000:7.1f} ms  "
                      f"p99 {data['p99_us'] / 1000:7.1f} ms  errors {data['errors']}  "
                      f"client CPU {data['client_cpu_s']:.1f} s  server CPU {1000 * data['server_cpu_s'] / n:.2f} ms/req  "
                      f"PostgreSQL CPU {1000 * data['postgres_cpu_s'] / n:.2f} ms/req  "
                      f"rows {data['rows']} / ok {data['successes']}",
                      flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print()
    print("| endpoint | req/s | p50 ms | p99 ms | errors | client CPU s | server / PostgreSQL CPU ms per request "
          "| rows / successful responses | vs bare SQL: throughput, p99 | vs bare ORM: throughput, p99 |")
    print("|---|---|---|---|---|---|---|---|---|---|")

    def mean_rps(name):
        return sum(d["rps"] for d in totals[name]) / len(totals[name])

    def worst_p99(name):
        return max(d["p99_us"] for d in totals[name])

    for name, runs in totals.items():
        rps = mean_rps(name)
        p50 = max(d["p50_us"] for d in runs) / 1000
        p99 = worst_p99(name)
        errors = sum(d["errors"] for d in runs)
        cpu = sum(d["client_cpu_s"] for d in runs)
        rows, ok = sum(d["rows"] for d in runs), sum(d["successes"] for d in runs)
        count = max(sum(d["requests"] for d in runs), 1)
        per_server = 1000 * sum(d["server_cpu_s"] for d in runs) / count
        per_pg = 1000 * sum(d["postgres_cpu_s"] for d in runs) / count
        print(f"| {name} | {rps:.1f} | {p50:.1f} | {p99 / 1000:.1f} | {errors} | {cpu:.1f} | {per_server:.2f} / {per_pg:.2f} | "
              f"{rows} / {ok} | {rps / mean_rps('bare'):.2f}, {p99 / worst_p99('bare'):.2f}× | "
              f"{rps / mean_rps('bare_orm'):.2f}, {p99 / worst_p99('bare_orm'):.2f}× |")
    # Each round's ratio against the bare endpoint measured next to it: the machine's drift between rounds
    # cancels out, so the median of these is the steadier figure.
    print()
    for name in ("bare_orm", "rest", "open311"):
        ratios = sorted(d["rps"] / b["rps"] for d, b in zip(totals[name], totals["bare"], strict=True))
        print(f"{name}: throughput / bare SQL per round: min {ratios[0]:.2f}, median {statistics.median(ratios):.2f}, "
              f"max {ratios[-1]:.2f}")
    warnings = [line for line in (tmp / "server.log").read_text(errors="replace").splitlines()
                if '" 20' not in line and line.strip()]
    print(f"server log: {len(warnings)} lines other than 2xx access lines", *warnings[:10], sep="\n")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
