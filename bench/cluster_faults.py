"""Prove it under faults: steady load on the cluster while its parts are killed one after another, and the
invariants checked after each fault.

    .venv/bin/python bench/cluster_faults.py [--clients 16] [--warmup 10] [--settle 15]
                                             [--faults app,worker,pgbouncer,primary,broker]
    .venv/bin/python bench/cluster_faults.py --single --database-url postgres://postgres@127.0.0.1:5432/wt_bench_single

Not a test (``wenming/cluster/tests/test_faults.py`` runs a short version). By default it brings the cluster up
with ``wenming.cluster.Cluster`` under var/bench/cluster (ports from 15400) and down again at the end; ``--single``
runs against one gunicorn node and one task worker started here (ports 15560-15579), where only the faults one
node has (app, worker) apply.

The clients (threads in two processes, ``bench/loadgen.py``), a quarter of each kind:
- REST intake (JSON, the intake clerk's key), keeping every case number they were answered;
- Open311 intake with a photo (multipart ``media``), keeping the numbers too;
- workflow: a REST intake, then 派遣 dispatch → 签收 sign → 反馈 submit with a photo → 核查 verify → 结案 close, each
  step with the key of a person whose role takes it; every acknowledged step is kept;
- staff pages with a session: the workbench, a case page, the dashboard.
A webhook receiver on a local port is registered for every case event; it counts the delivery ids it is sent
(and answers slowly, so a delivery is in flight when a worker is killed).

After each fault, with the load stopped, on the primary:
- lost: acknowledged case numbers with no case, acknowledged workflow steps with no event;
- half-written: a case without its report event, an event sequence with a gap or not starting at 1, a case whose
  state is not its last state-changing event's, a photo row whose file is not in the media folder;
- duplicated: webhook delivery ids received twice, webhook deliveries per (webhook, event) over one, notifications
  per (recipient, channel, key) over one;
- orphan files: files in the media folders no row names (``files_sweep`` as a dry run, no age bound, after the
  load stopped), and what is left after the sweep removed them;
- recovery: seconds from the fault until every request succeeds again (3 s without an error), and until every
  service is healthy; the errors clients saw from the fault to then, per step.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.server
import io
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loadgen import NETWORK_ERRORS, Client, HTTPError, Stats, run_clients, step_table  # noqa: E402

CATEGORY = "SJ0401"
UNIT = "CGJ-131102"  # the demo's city-management branch: the people "chengguan" (handler) sign and submit for it
PASSWORD = "wenming2026"  # the demo accounts' password (wenming/demo/accounts.py)
ALL_FAULTS = ("app", "worker", "pgbouncer", "primary", "broker")
FAULT_NAMES = {
    "app": "kill -9 an app node",
    "worker": "kill -9 a task worker mid-delivery",
    "pgbouncer": "restart PgBouncer",
    "primary": "stop the PostgreSQL primary (replica promoted)",
    "broker": "restart the broker (Redis)",
}


def child_env(extra: dict) -> dict:
    """The environment of a process that must run this checkout's code (not the venv's editable install)."""
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env.pop("WENMING_TESTING", None)
    env.pop("WENMING_DEMO", None)
    return env


def wait_http(url: str, timeout: float) -> float:
    """Seconds until ``url`` answers (any status below 500)."""
    start = time.time()
    while time.time() - start < timeout:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 — our own loopback server
            return time.time() - start
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return time.time() - start
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer in {timeout:.0f} s")


# -- targets ---------------------------------------------------------------------------------------------------

class SingleNode:
    """One gunicorn node and one task worker of this checkout, kept running by a small supervisor thread (what
    the cluster's supervisor does for its services), on a PostgreSQL database of the shared server."""

    faults = ("app", "worker")

    def __init__(self, *, database_url: str, port: int, root: Path):
        self.database_url, self.port, self.root = database_url, port, root
        self.media_root = root / "media"
        self.media_root.mkdir(parents=True, exist_ok=True)
        self.url = f"http://127.0.0.1:{port}"
        self.env = child_env({"DATABASE_URL": database_url, "SECRET_KEY": "bench-only-secret-key",
                              "WENMING_MEDIA_ROOT": str(self.media_root), "WENMING_PORT": str(port),
                              "WENMING_DATA_DIR": str(root), "DJANGO_SETTINGS_MODULE": "wenming.settings"})
        self.procs: dict[str, subprocess.Popen] = {}
        self.groups: list[int] = []
        self._stop = threading.Event()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)

    def _spawn(self, name: str) -> None:
        args = {"app1": ["serve", "--port", str(self.port), "--workers", "2", "--threads", "4"],
                "worker1": ["worker", "--interval", "5"]}[name]
        with (self.root / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen([sys.executable, "-m", "wenming.cli", *args], cwd=ROOT, env=self.env,
                                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        # Each its own process group, remembered: a killed service's children (gunicorn's workers, the queue
        # worker) are stopped with their group at the end even when their parent is long gone.
        self.groups.append(self.procs[name].pid)

    def _supervise(self) -> None:
        while not self._stop.wait(0.5):
            for name, proc in list(self.procs.items()):
                if proc.poll() is not None:
                    self._spawn(name)

    def manage(self, *args: str) -> str:
        return subprocess.run([sys.executable, "-m", "wenming.cli", *args], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True).stdout

    def up(self, timeout: float = 60) -> None:
        self.manage("migrate", "-v0")
        # The database task backend's queue keeps what earlier runs left (one delivery task per event, each of
        # which delivers everything due): start from an empty queue so this run's deliveries go out during it.
        self.manage("shell", "-c", "from django_tasks_db.models import DBTaskResult; "
                                   "DBTaskResult.objects.filter(status='READY').delete()")
        self._spawn("app1")
        self._spawn("worker1")
        self._supervisor.start()
        self.wait_healthy(timeout)

    def down(self) -> None:
        self._stop.set()
        self._supervisor.join(5)
        for group in self.groups:
            try:
                os.killpg(group, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
        time.sleep(1)
        for group in self.groups:
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                continue

    def wait_healthy(self, timeout: float = 60) -> float:
        start = time.time()
        wait_http(f"{self.url}/open311/v2/services.json", timeout)
        while any(p.poll() is not None for p in self.procs.values()):
            time.sleep(0.2)
        return time.time() - start

    def pid(self, name: str) -> int:
        return self.procs[name].pid

    wait_serving = wait_healthy

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        os.kill(self.pid(name), sig)

    @property
    def primary_dsn(self) -> str:
        return self.database_url

    def server_pids(self) -> list[int]:
        return [self.pid("app1")]

    @property
    def app_urls(self) -> list[str]:
        return [self.url]


class ClusterTarget:
    """The cluster of ``wenming.cluster`` (docs/scaling.md) with the demo city loaded, named by its services."""

    faults = ALL_FAULTS

    def __init__(self, *, root: Path, port_base: int, keep: bool, grids: int = 300):
        from wenming.cluster import Cluster  # noqa: PLC0415 — only this target needs it (and its Debian packages)

        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o755)  # PostgreSQL runs as postgres and must reach its data directory under it
        self.cluster = Cluster(root / "cluster", port_base=port_base)
        self.keep, self.grids = keep, grids

    @property
    def url(self) -> str:
        return self.cluster.url

    def up(self, timeout: float = 600) -> None:
        self.cluster.up(timeout=timeout, demo=True, demo_grids=self.grids, log=lambda *a: print(*a, flush=True))

    def down(self) -> None:
        if not self.keep:
            self.cluster.down()

    def manage(self, *args: str) -> str:
        done = self.cluster.manage(*args)
        if done.returncode:
            raise RuntimeError(f"wenming {' '.join(args)[:60]} failed: {done.stderr[-2000:]}")
        return done.stdout

    @property
    def media_root(self) -> Path:
        return Path(self.cluster.media_root)

    @property
    def primary_dsn(self) -> str:
        return self.cluster.primary_dsn

    @property
    def app_urls(self) -> list[str]:
        return list(self.cluster.app_urls)

    def wait_healthy(self, timeout: float = 120) -> float:
        return self.cluster.wait_healthy(timeout)

    def wait_serving(self, timeout: float = 120) -> float:
        """Seconds until the load balancer's health check passes and a primary leads (a replica need not stream
        yet: after a failover the old primary is still down)."""
        start = time.time()
        while time.time() - start < timeout:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:  # noqa: S310 — loopback
                    if answer.status == 200 and self.cluster.primary() is not None:
                        return time.time() - start
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"the cluster did not serve again in {timeout:.0f} s")

    def pid(self, name: str) -> int:
        pid = self.cluster.pid(name)
        if pid is None:
            raise KeyError(name)
        return pid

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        self.cluster.kill(name, sig)

    def server_pids(self) -> list[int]:
        """The app nodes' gunicorn masters (their workers are counted as their children)."""
        return [pid for name in self.cluster.services if name.startswith("app") and (pid := self.cluster.pid(name))]


# -- the webhook receiver --------------------------------------------------------------------------------------

class Receiver:
    """A webhook subscriber on a loopback port: counts each delivery id it is sent, answers 200 after ``delay``
    seconds (a delivery stays in flight long enough for a worker to be killed in the middle of it)."""

    def __init__(self, port: int, delay: float = 0.02):
        self.delay = delay
        self.received: dict[str, int] = {}
        self.events: dict[str, set[str]] = {}  # event id → delivery ids that carried it
        self.in_flight = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 — the standard library's name
                with receiver.lock:
                    receiver.in_flight += 1
                try:
                    body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                    time.sleep(receiver.delay)
                    delivery = self.headers.get("X-Wenming-Delivery", "")
                    event = str(json.loads(body or b"{}").get("event", {}).get("id", ""))
                    with receiver.lock:
                        receiver.received[delivery] = receiver.received.get(delivery, 0) + 1
                        receiver.events.setdefault(event, set()).add(delivery)
                    # Counted once read: a sender killed while we waited gets no answer (and posts it again).
                    with contextlib.suppress(OSError):
                        self.send_response(200)
                        self.end_headers()
                        self.wfile.write(b"ok")
                finally:
                    with receiver.lock:
                        receiver.in_flight -= 1

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def duplicates(self) -> int:
        """Delivery ids received more than once (each extra receipt counted)."""
        with self.lock:
            return sum(n - 1 for n in self.received.values() if n > 1)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def connected_pids(port: int) -> list[int]:
    """The processes with an established TCP connection to a loopback port, from /proc (no iproute2 needed):
    the sockets' inodes in /proc/net/tcp, then the processes holding them."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "01" and int(fields[2].rsplit(":", 1)[1], 16) == port:  # ESTABLISHED, remote port
                    inodes.add(f"socket:[{fields[9]}]")
    pids = set()
    if inodes:
        for pid in filter(str.isdigit, os.listdir("/proc")):
            with contextlib.suppress(OSError):
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    with contextlib.suppress(OSError):
                        if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                            pids.add(int(pid))
    return sorted(pids)


def parent_of(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


def ancestors(pid: int, depth: int = 4) -> set[int]:
    """The process and its parents up to ``depth`` levels: RQ posts from a work horse forked by its worker, which
    the worker service started (three levels)."""
    found = {pid}
    for _ in range(depth):
        pid = parent_of(pid)
        if pid <= 1:
            break
        found.add(pid)
    return found


# -- the clients -------------------------------------------------------------------------------------------------

def photos(n: int = 24) -> list[bytes]:
    """Small distinct JPEGs (a random colour field with a few blocks), made once."""
    from PIL import Image, ImageDraw  # noqa: PLC0415 — the app's own dependency, needed only here

    rng, out = random.Random(17), []
    for _ in range(n):
        img = Image.new("RGB", (160, 120), tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(img)
        for _b in range(6):
            x, y = rng.randrange(140), rng.randrange(100)
            draw.rectangle((x, y, x + 20, y + 20), fill=tuple(rng.randrange(256) for _ in range(3)))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=80)
        out.append(buf.getvalue())
    return out


def _intake_rest(client: Client, spec: dict, rng: random.Random, keep) -> dict:
    lng, lat = rng.choice(spec["points"])
    created = client.post_json("intake REST", "/api/v1/cases/", {
        "description": f"路口流动摊贩占道经营 bench {rng.randrange(10**9)}", "category": CATEGORY, "lng": lng, "lat": lat,
    }, expect=(201,))
    keep("acked", created["number"])
    return created


def _intake_open311(client: Client, spec: dict, rng: random.Random, keep) -> None:
    lng, lat = rng.choice(spec["points"])
    fields = {"api_key": spec["keys"]["open311"], "service_code": CATEGORY, "lat": str(lat), "long": str(lng),
              "description": f"人行道乱堆杂物 bench {rng.randrange(10**9)}"}
    body = client.post_multipart("intake Open311 + photo", "/open311/v2/requests.json", fields,
                                 {"media": ("phone.jpg", rng.choice(spec["photos"]), "image/jpeg")})
    keep("acked", json.loads(body)[0]["service_request_id"])


# state → (action, the key that takes it, whether it posts a photo)
NEXT_STEP = {
    "reported": ("register", "shouli", False),
    "registered": ("dispatch", "zhiban", False),
    "dispatched": ("sign", "chengguan", False),
    "handling": ("submit", "chengguan", True),
    "submitted": ("verify", "shouli", False),
    "verified": ("close", "zhiban", False),
}


def _workflow(clients: dict[str, Client], spec: dict, rng: random.Random, keep, should_stop) -> None:
    case = _intake_rest(clients["shouli"], spec, rng, keep)
    case_id, state = case["id"], None
    for _attempt in range(20):
        if should_stop():
            return
        if state is None:  # after an intake or a failed step: read the case as the shift leader sees it
            state = json.loads(clients["zhiban"].get("case detail API", f"/api/v1/cases/{case_id}/"))["state"]
        if state not in NEXT_STEP:
            return  # closed (or somewhere this client does not drive)
        action, who, photo = NEXT_STEP[state]
        path = f"/api/v1/cases/{case_id}/{action}/"
        try:
            if photo:
                body = clients[who].post_multipart(
                    f"workflow {action}", path, {"note": "已整改"},
                    {"photos": ("after.jpg", rng.choice(spec["photos"]), "image/jpeg")})
                detail = json.loads(body)
            else:
                payload = {"note": "bench"}
                if action == "dispatch":
                    payload["unit"] = UNIT
                if action == "verify":
                    payload["passed"] = True
                detail = clients[who].post_json(f"workflow {action}", path, payload)
            keep("steps", [case_id, action])
            state = detail["state"]
        except (HTTPError, *NETWORK_ERRORS):
            state = None
            time.sleep(0.2)


def _pages(client: Client, spec: dict, rng: random.Random) -> None:
    client.get("page workbench", "/cases/")
    client.get("page case", f"/cases/{rng.choice(spec['case_ids'])}/")
    client.get("page dashboard", "/scoring/")


def faults_client(i: int, spec: dict, stats: Stats, keep, should_stop) -> None:
    """One client of the fault run; its kind by ``i`` modulo 4."""
    rng = random.Random(i * 7919 + int(time.time()))
    base, kind = spec["urls"][i % len(spec["urls"])], i % 4
    clients = {who: Client(base, stats, token=key) for who, key in spec["keys"].items() if who != "open311"}
    plain = Client(base, stats)
    session = Client(base, stats)
    logged_in = False
    while not should_stop():
        try:
            if kind == 0:
                _intake_rest(clients["shouli"], spec, rng, keep)
            elif kind == 1:
                _intake_open311(plain, spec, rng, keep)
            elif kind == 2:
                _workflow(clients, spec, rng, keep, should_stop)
            else:
                if not logged_in:
                    session.login("zhiban", PASSWORD)
                    logged_in = True
                _pages(session, spec, rng)
            time.sleep(spec["think"])
        except (HTTPError, *NETWORK_ERRORS):
            time.sleep(0.2)  # counted by the client; a moment before trying again, as a phone app would
        except ValueError:
            time.sleep(0.2)  # an answer that was not the JSON expected (a proxy's error page): counted as its step's
    for c in [*clients.values(), plain, session]:
        c.close()


# -- setup and checks --------------------------------------------------------------------------------------------

SETUP = r"""
import json, sys
from wenming.api.services.keys import api_key_issue
from wenming.cases.models import Case, Webhook
from wenming.org.models import Area, Person
keys = {}
for who, channel in (("shouli", "api"), ("zhiban", "api"), ("chengguan", "api")):
    keys[who] = api_key_issue(name=f"bench faults ({who})", person=Person.objects.get(username=who), channel=channel)[1]
keys["open311"] = api_key_issue(name="bench faults (Open311)", person=Person.objects.get(username="shouli"),
                                channel="12345")[1]
Webhook.objects.filter(name="bench faults receiver").update(is_active=False)
Webhook.objects.create(name="bench faults receiver", url=sys.argv[1], actions=[])
points = list(Area.objects.filter(level="grid").exclude(lng=None).values_list("lng", "lat")[:2000])
case_ids = list(Case.objects.order_by("-id").values_list("id", flat=True)[:500])
print("BENCHJSON" + json.dumps({"keys": keys, "points": points, "case_ids": case_ids}))
"""


def setup(target, receiver_url: str) -> dict:
    out = target.manage("shell", "-c", f"import sys; sys.argv = ['x', {receiver_url!r}]\n" + SETUP)
    line = next(x for x in out.splitlines() if x.startswith("BENCHJSON"))
    return json.loads(line[len("BENCHJSON"):])


CHECKS = {
    "cases without their report event": """
        SELECT count(*) FROM cases_case c WHERE c.id > %(since)s AND NOT EXISTS (
            SELECT 1 FROM cases_caseevent e WHERE e.case_id = c.id AND e.seq = 0 AND e.action = 'report')""",
    "event chains with a gap": """
        SELECT count(*) FROM (SELECT case_id, min(seq) AS lo, max(seq) AS hi, count(*) AS n FROM cases_caseevent
            WHERE case_id > %(since)s GROUP BY case_id) s WHERE lo <> 0 OR hi <> n - 1""",
    "cases whose state is not their last event's": """
        SELECT count(*) FROM cases_case c JOIN LATERAL (SELECT to_state FROM cases_caseevent e
            WHERE e.case_id = c.id AND e.to_state <> '' ORDER BY seq DESC LIMIT 1) last ON true
        WHERE c.id > %(since)s AND last.to_state <> c.state""",
}
DUPLICATE_CHECKS = {
    "webhook deliveries per (webhook, event) over one": """
        SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM cases_webhookdelivery
            WHERE event_id > %(since_event)s GROUP BY webhook_id, event_id) s""",
    "notifications per (recipient, channel, key) over one": """
        SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM common_notification
            WHERE id > %(since_notification)s GROUP BY recipient_id, to_phone, channel, key) s""",
}


def baseline(dsn: str) -> dict:
    import psycopg  # noqa: PLC0415

    with psycopg.connect(dsn, connect_timeout=10) as conn:
        row = conn.execute("SELECT (SELECT coalesce(max(id), 0) FROM cases_case), "
                           "(SELECT coalesce(max(id), 0) FROM cases_caseevent), "
                           "(SELECT coalesce(max(id), 0) FROM common_notification)").fetchone()
    return {"since": row[0], "since_event": row[1], "since_notification": row[2]}


def check(target, dsn: str, since: dict, acked: list[str], steps: list) -> dict:
    """The invariants after a fault, on the primary (no load running)."""
    import psycopg  # noqa: PLC0415

    result: dict = {}
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        # A case number is the report's local date and the row id (Case.number).
        found = {r[0] for r in conn.execute(
            "SELECT to_char(reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || lpad(id::text, 7, '0') "
            "FROM cases_case WHERE id = ANY(%s)", [[int(n[8:]) for n in acked]])}
        result["lost reports"] = len(set(acked) - found)
        stepped = {(r[0], r[1]) for r in conn.execute(
            "SELECT case_id, action FROM cases_caseevent WHERE case_id = ANY(%s)", [[s[0] for s in steps]])}
        # An acknowledged verify wrote verify_passed; every other step's event bears its name.
        result["lost workflow steps"] = sum(
            1 for case_id, action in steps
            if (case_id, "verify_passed" if action == "verify" else action) not in stepped)
        half = {name: conn.execute(sql, since).fetchone()[0] for name, sql in CHECKS.items()}
        files = conn.execute("SELECT file FROM cases_evidence WHERE case_id > %(since)s", since).fetchall()
        half["photo rows without their file"] = sum(1 for (name,) in files if not (target.media_root / name).exists())
        result["half-written"] = half
        result["duplicates"] = {name: conn.execute(sql, since).fetchone()[0] for name, sql in DUPLICATE_CHECKS.items()}
        result["photo rows"] = len(files)
    return result


SWEEP = ("import datetime, json\nfrom wenming.common.services.files import files_sweep\n"
         "r = files_sweep(older_than=datetime.timedelta(0), dry_run={dry})\nprint('BENCHJSON' + json.dumps(r.counts()))")


def sweep(target, *, dry_run: bool) -> dict:
    out = target.manage("shell", "-c", SWEEP.format(dry=dry_run))
    return json.loads(next(x for x in out.splitlines() if x.startswith("BENCHJSON"))[len("BENCHJSON"):])


def orphans(target) -> tuple[int, int]:
    """Orphan files now (a dry run without an age bound: the load is stopped, no request is writing), and after
    the sweep removed them."""
    before = sweep(target, dry_run=True)["orphans"]
    if before:
        sweep(target, dry_run=False)
    return before, sweep(target, dry_run=True)["orphans"]


RECOVER = ("import datetime\nfrom wenming.cases.services.webhooks import webhooks_recover\n"
           "print('BENCHJSON', webhooks_recover(older_than=datetime.timedelta(0)))")


def _deliveries(dsn: str) -> tuple[int, int]:
    import psycopg  # noqa: PLC0415

    with psycopg.connect(dsn, connect_timeout=10) as conn:
        return conn.execute(
            "SELECT count(*) FILTER (WHERE d.state = 'pending'), count(*) FILTER (WHERE d.state = 'sending') "
            "FROM cases_webhookdelivery d JOIN cases_webhook w ON w.id = d.webhook_id "
            "WHERE w.name = 'bench faults receiver' AND w.is_active").fetchone()


def wait_deliveries(target, receiver: Receiver, timeout: float) -> dict:
    """Wait until every webhook delivery is out. A worker killed mid-delivery leaves its rows 'sending' until
    ``webhooks_recover`` takes them back after the lease (WENMING_DELIVERY_LEASE_SECONDS, 120 s); once nothing else is pending or in flight,
    the recovery is run here without the bound instead of waiting, and its rows go out again."""
    result = {"left sending (recovered)": 0, "undelivered": 0}
    deadline = time.time() + timeout
    while time.time() < deadline:
        pending, sending = _deliveries(target.primary_dsn)
        if pending == 0 and receiver.in_flight == 0:
            time.sleep(1)
            pending, sending2 = _deliveries(target.primary_dsn)
            if pending == 0 and sending2 == sending and receiver.in_flight == 0:
                if sending == 0:
                    return result
                result["left sending (recovered)"] += sending
                target.manage("shell", "-c", RECOVER)
        time.sleep(1)
    result["undelivered"] = sum(_deliveries(target.primary_dsn))
    return result


class Probe:
    """A report every half second through the load balancer, from the fault on (a REST intake: the write path,
    through the app, the pooler and the primary), each with a 5 s limit. "Answers again" is the end of the first
    of three successes in a row after the first failure; 0 when none failed. Its acknowledged numbers join the
    clients' in the loss check."""

    def __init__(self, url: str, spec: dict):
        self.client = Client(url, Stats(), token=spec["keys"]["shouli"], timeout=5)
        self.spec, self.results, self.acked = spec, [], []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        rng = random.Random(5)
        while not self._stop.is_set():
            started = time.time()
            ok = True
            try:
                lng, lat = rng.choice(self.spec["points"])
                created = self.client.post_json("probe", "/api/v1/cases/", {
                    "description": f"探测 bench probe {rng.randrange(10**9)}", "category": CATEGORY, "lng": lng,
                    "lat": lat}, expect=(201,))
                self.acked.append(created["number"])
            except (HTTPError, ValueError, *NETWORK_ERRORS):
                ok = False
            self.results.append((started, time.time(), ok))
            self._stop.wait(max(0.0, 0.5 - (time.time() - started)))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.client.close()

    def recovery(self, fault_at: float) -> float:
        rows = [r for r in self.results if r[0] >= fault_at]
        first_fail = next((i for i, r in enumerate(rows) if not r[2]), None)
        if first_fail is None:
            return 0.0
        run = 0
        for _start, end, ok in rows[first_fail:]:
            run = run + 1 if ok else 0
            if run == 1:
                first_ok_end = end
            if run == 3:
                return first_ok_end - fault_at
        return float("nan")


# -- faults --------------------------------------------------------------------------------------------------

def inject(target, fault: str, receiver: Receiver, dsn: str) -> str:
    """Do the fault; return what was done."""
    if fault == "app":
        target.kill("app1")
        return "SIGKILL app1"
    if fault == "worker":
        deadline = time.time() + 90
        while time.time() < deadline:  # wait for a delivery in flight, then kill the worker that sends it
            pids = connected_pids(receiver.port)
            if pids and receiver.in_flight:
                for name in ("worker1", "worker2"):
                    try:
                        wpid = target.pid(name)
                    except (KeyError, ValueError):
                        continue
                    sender = next((p for p in pids if wpid in ancestors(p)), None)
                    if sender is not None:
                        # The process posting (the queue's worker, a child of the service) first, then the
                        # service itself, which its supervisor starts again.
                        os.kill(sender, signal.SIGKILL)
                        if sender != wpid:
                            target.kill(name)
                        return f"SIGKILL {name} (pid {sender} posting a delivery)"
            time.sleep(0.05)
        target.kill("worker1")
        return "SIGKILL worker1 (no delivery seen in flight within 90 s)"
    cluster = target.cluster
    if fault == "pgbouncer":
        cluster.stop("pgbouncer")
        cluster.start("pgbouncer")
        return "stop + start pgbouncer"
    if fault == "primary":
        name = cluster.primary()
        cluster.stop(name)
        return f"stop {name} (primary)"
    if fault == "broker":
        cluster.stop("redis")
        cluster.start("redis")
        return "stop + start redis"
    raise ValueError(fault)


def after_fault(target, fault: str, done: str) -> None:
    """Put back what the fault left down (a stopped primary rejoins as a replica)."""
    if fault == "primary":
        target.cluster.start(done.split()[1])


def run_fault(target, fault: str, spec: dict, receiver: Receiver, *, clients: int, warmup: float, settle: float,
              heal_timeout: float) -> dict:
    dsn = target.primary_dsn
    since = baseline(dsn)
    duplicates_before = receiver.duplicates()
    stop = threading.Event()
    info: dict = {"fault": FAULT_NAMES[fault]}
    # Slow answers while a worker is to be killed, so a delivery is in flight; quick ones otherwise.
    receiver.delay = 0.5 if fault == "worker" else 0.02

    def conductor():
        try:
            time.sleep(warmup)
            info["at"] = time.time()
            probe.start()
            info["done"] = inject(target, fault, receiver, dsn)
            if fault == "worker":
                # The kill is inject's last act, after waiting for a delivery in flight: the fault starts there.
                info["at"] = time.time()
            try:
                target.wait_serving(heal_timeout)
                info["healthy_s"] = time.time() - info["at"]
            except Exception as exc:  # noqa: BLE001 — reported in the table, the run goes on to the checks
                info["healthy_s"] = float("nan")
                info["heal_error"] = str(exc)
            time.sleep(settle)
        finally:
            stop.set()

    probe = Probe(target.url, spec)
    thread = threading.Thread(target=conductor, daemon=True)
    thread.start()
    started = time.time()
    outcome = run_clients(faults_client, spec, clients=clients, seconds=warmup + heal_timeout + settle + 60,
                          stop_event=stop_proxy(stop))
    elapsed = time.time() - started
    thread.join()
    probe.stop()
    after_fault(target, fault, info.get("done", ""))
    target.wait_healthy(heal_timeout)
    dsn = target.primary_dsn  # after a failover, the new primary
    receiver.delay = 0.02
    info.update(wait_deliveries(target, receiver, timeout=180))
    at = info.get("at", started)
    info["recovery_s"] = probe.recovery(at)
    info["probe"] = f"{sum(1 for r in probe.results if not r[2])} of {len(probe.results)} failed"
    # The clients' errors from the fault until the cluster serves again (the probe's recovery, or the services'
    # health when the probe saw no failure), and 3 s more.
    window = max(info["recovery_s"] if info["recovery_s"] == info["recovery_s"] else 0, info.get("healthy_s") or 0)
    info["errors_in_fault"] = outcome.stats.errors_between(at, at + window + 3)
    info["errors_total"] = sum(s.error_count() for s in outcome.stats.steps.values())
    info["requests"] = sum(len(s.latencies) for s in outcome.stats.steps.values())
    acked = outcome.kept.get("acked", []) + probe.acked
    info["acked"] = len(acked)
    info.update(check(target, dsn, since, acked, outcome.kept.get("steps", [])))
    info["duplicates"]["webhook delivery ids received twice"] = receiver.duplicates() - duplicates_before
    info["orphans"], info["orphans_after_sweep"] = orphans(target)
    info["table"] = step_table(outcome.stats, seconds=elapsed)
    return info


class stop_proxy:  # noqa: N801 — a small adapter with the Event interface the client processes poll
    """A multiprocessing Event set when the thread's Event is set (the client processes cannot see a thread's)."""

    def __new__(cls, event: threading.Event):
        import multiprocessing  # noqa: PLC0415

        mp_event = multiprocessing.get_context("fork").Event()

        def relay():
            event.wait()
            mp_event.set()

        threading.Thread(target=relay, daemon=True).start()
        return mp_event


def fault_table(results: list[dict]) -> str:
    rows = ["| fault | requests (acked reports) | lost | half-written | duplicated | orphan files (after sweep) | "
            "answers again (s) | serving again (s) | probe failures | client errors during the fault |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|"]
    for r in results:
        half = sum(r["half-written"].values())
        dup = sum(r["duplicates"].values())
        errors = ", ".join(f"{k} ×{v}" for k, v in sorted(r["errors_in_fault"].items())) or "0"
        rows.append(f"| {r['fault']} | {r['requests']} ({r['acked']}) | {r['lost reports'] + r['lost workflow steps']} | "
                    f"{half} | {dup} | {r['orphans']} ({r['orphans_after_sweep']}) | {r['recovery_s']:.1f} | "
                    f"{r['healthy_s']:.1f} | {r['probe']} | {errors} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--single", action="store_true", help="one node started here instead of the cluster")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/wt_bench_single",
                        help="--single: the database (migrated, demo-data and demo-cases loaded)")
    parser.add_argument("--port", type=int, default=15560, help="--single: the node's port")
    parser.add_argument("--receiver-port", type=int, default=15579)
    parser.add_argument("--port-base", type=int, default=15400, help="the cluster's first port")
    parser.add_argument("--root", type=Path, default=Path("/tmp/wenming-bench-faults"),
                        help="the cluster's (or the node's) files; not under a private home: PostgreSQL runs as postgres")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running at the end")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--think", type=float, default=0.05, help="seconds each client waits between its steps")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of load before each fault")
    parser.add_argument("--settle", type=float, default=10, help="seconds of load after the cluster is healthy")
    parser.add_argument("--heal-timeout", type=float, default=120)
    parser.add_argument("--faults", default=",".join(ALL_FAULTS))
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args()
    args.root.mkdir(parents=True, exist_ok=True)
    if args.single:
        target = SingleNode(database_url=args.database_url, port=args.port, root=args.root)
    else:
        target = ClusterTarget(root=args.root, port_base=args.port_base, keep=args.keep)
    faults = [f for f in args.faults.split(",") if f]
    skipped = [f for f in faults if f not in target.faults]
    receiver = Receiver(args.receiver_port)
    try:
        target.up()
        spec = setup(target, f"http://127.0.0.1:{args.receiver_port}/hook")
        time.sleep(3)  # the nodes see the new webhook within WENMING_GEO_CHECK_SECONDS (2 s by default)
        spec.update(photos=photos(), think=args.think, urls=[target.url])
        results = []
        for fault in faults:
            if fault in skipped:
                continue
            print(f"== {FAULT_NAMES[fault]}", flush=True)
            r = run_fault(target, fault, spec, receiver, clients=args.clients, warmup=args.warmup,
                          settle=args.settle, heal_timeout=args.heal_timeout)
            print(r["table"], flush=True)
            print(json.dumps({k: v for k, v in r.items() if k != "table"}, ensure_ascii=False, default=str), flush=True)
            results.append(r)
    finally:
        receiver.close()
        target.down()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n{'single node' if args.single else 'cluster'}, {args.clients} clients, {platform.node()}, "
          f"{os.cpu_count()} cores, {when}" + (f"; not applicable here: {', '.join(skipped)}" if skipped else ""))
    print(fault_table(results))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, default=str, indent=1), encoding="utf-8")


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    main()
