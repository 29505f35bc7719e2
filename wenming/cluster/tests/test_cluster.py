"""The cluster on one machine, brought up once for the module (real etcd, Patroni, PostgreSQL, HAProxy, PgBouncer,
Redis, gunicorn and workers on ports from 15440): a case driven across both app nodes, intake through PgBouncer,
an app node killed under traffic and brought back by the supervisor, and ``down`` leaving nothing behind."""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import pytest
import requests

from wenming.cluster import Cluster
from wenming.cluster.core import _port_open
from wenming.conftest import photo_bytes
from wenming.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.cluster

PORT_BASE = 15440
TOOLS = {"patroni": "patroni", "etcd": "etcd-server", "haproxy": "haproxy", "pgbouncer": "pgbouncer",
         "redis-server": "redis-server"}
API = "/api/v1"
# Run as a separate process of the cluster's code: API keys for the staff who take the case along, and a grid
# where a 井盖 (SJ0401) problem routes to 城管 桃城分局 (the tests' lattice city).
SETUP = """
import json
from wenming.api.services.keys import api_key_issue
from wenming.cases.tests.test_views import routed_grid
from wenming.org.models import Person
keys = {u: api_key_issue(name=f"cluster test {u}", person=Person.objects.get(username=u))[1]
        for u in ("shouli", "paiqian", "chengguan", "anfang", "zhiban")}
grid = routed_grid("SJ0401", "CGJ-131102", "131102")
print(json.dumps({"keys": keys, "lng": grid.lng, "lat": grid.lat}))
"""


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (CI must provide it: .ci/run installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def world():
    missing = [package for tool, package in TOOLS.items() if not shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin")]
    if missing or not Path("/usr/lib/postgresql/15/bin/postgres").exists():
        _skip_or_fail("the cluster needs Debian packages: apt-get install " + " ".join(missing or ["postgresql-15"]))
    if os.environ.get("CI") == "true" and os.environ.get("DATABASE_URL"):
        pytest.skip("the cluster brings its own PostgreSQL: it runs once, in the first pass of make test")
    # Not under pytest's tmp_path: its parent is private to root and PostgreSQL runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="wenming-cluster-"))
    root.chmod(0o755)
    cluster = Cluster(root / "cluster", port_base=PORT_BASE)
    try:
        cluster.up(timeout=300)
        built = cluster.manage("demo-data", "--grids", "240", "--seed", "7", "--layout", "lattice")
        assert built.returncode == 0, built.stderr
        made = cluster.manage("shell", "-c", SETUP)
        assert made.returncode == 0, made.stderr
        yield cluster, json.loads(made.stdout.strip().splitlines()[-1])
    finally:
        cluster.down()
        shutil.rmtree(root, ignore_errors=True)


def token(world, username: str) -> dict:
    return {"Authorization": f"Token {world[1]['keys'][username]}"}


def act(base: str, world, username: str, case_id: int, action: str, data=None, files=None) -> dict:
    response = requests.post(f"{base}{API}/cases/{case_id}/{action}/", data=data or {}, files=files,
                             headers=token(world, username), timeout=60)
    assert response.status_code == 200, (action, response.status_code, response.text[:500])
    return response.json()


def intake(base: str, world, description: str) -> requests.Response:
    body = {"description": description, "category": "SJ0401", "lng": world[1]["lng"], "lat": world[1]["lat"],
            "reporter_phone": "13900001111"}
    return requests.post(f"{base}{API}/cases/", json=body, headers=token(world, "shouli"), timeout=60)


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{base}/login/", timeout=30)
    answer = session.post(f"{base}/login/", data={"username": username, "password": DEMO_PASSWORD,
                                                  "csrfmiddlewaretoken": session.cookies["csrftoken"]}, timeout=30)
    assert answer.status_code == 200 and "sessionid" in session.cookies, answer.text[:300]
    return session


def test_a_case_across_both_nodes_and_the_load_balancer(world):
    cluster = world[0]
    app1, app2 = cluster.app_urls
    created = intake(app1, world, "集群测试 井盖缺失")
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    # Every step on the other node: the case, its version and its events come from the shared database.
    act(app2, world, "shouli", case_id, "register", {"urgency": "normal"})
    act(app2, world, "paiqian", case_id, "dispatch", {"unit": "CGJ-131102"})
    act(app2, world, "chengguan", case_id, "sign")
    submitted = act(app2, world, "chengguan", case_id, "submit", {"note": "已整改"},
                    files={"photos": ("after.png", photo_bytes(pattern=3), "image/png")})
    assert submitted["state"] == "submitted"
    assert act(app2, world, "anfang", case_id, "verify", {"passed": "true"})["state"] == "verified"

    seen = requests.get(f"{cluster.url}{API}/cases/{case_id}/", headers=token(world, "zhiban"), timeout=30).json()
    assert seen["state"] == "verified"
    assert [e["action"] for e in seen["events"]] == ["report", "register", "dispatch", "sign", "submit",
                                                     "verify_passed"]
    # The after-photo, written by app2 into the shared media directory, served by app1.
    with psycopg.connect(cluster.primary_dsn) as conn:
        (evidence_id,) = conn.execute("SELECT id FROM cases_evidence WHERE case_id = %s AND kind = 'after'",
                                      [case_id]).fetchone()
    photo = login(app1, "zhiban").get(f"{app1}/cases/evidence/{evidence_id}/shared/", timeout=30)
    assert photo.status_code == 200 and photo.headers["Content-Type"].startswith("image/")
    assert photo.content[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1", b"\xff\xd8\xff\xdb")


def test_intake_through_pgbouncer_in_transaction_mode(world):
    cluster = world[0]
    env = cluster.env
    assert env["DATABASE_URL"] == cluster.pgbouncer_dsn and env["WENMING_DB_PREPARED_STATEMENTS"] == "0"
    shown = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(cluster.ports["pgbouncer"]), "-U", "postgres",
                            "-Atc", "SHOW CONFIG", "pgbouncer"], capture_output=True, text=True, timeout=30)
    assert "pool_mode|transaction" in shown.stdout, shown.stdout + shown.stderr
    # Many intakes at once on both nodes: server connections are shared between transactions, and the intake's
    # statement (sent unprepared here) must not meet another client's session state.
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: intake(cluster.app_urls[i % 2], world, f"集群 并发上报 {i}"), range(24)))
    assert [a.status_code for a in answers] == [201] * 24, [a.text[:200] for a in answers if a.status_code != 201]
    with psycopg.connect(cluster.primary_dsn) as conn:
        (count,) = conn.execute("SELECT count(*) FROM cases_case WHERE description LIKE '集群 并发上报 %%'").fetchone()
    assert count == 24


def test_the_cluster_archives_its_wal_and_took_a_first_full_backup(world):
    from wenming.cluster import backup

    cluster = world[0]
    backups = backup.backup_list(config=cluster.backup_config)
    assert [b.kind for b in backups][:1] == ["full"]
    backup.archive_check(config=cluster.backup_config)  # a WAL switch on the primary reaches the repository
    # `wenming backup incr` with the cluster's environment: an incremental on top, and a media snapshot.
    made = cluster.manage("backup", "incr")
    assert made.returncode == 0, made.stderr
    assert [b.kind for b in backup.backup_list(config=cluster.backup_config)][-1] == "incr"
    assert backup.media_snapshots(backups=cluster.media_backups)


def test_kill_an_app_node_the_load_balancer_keeps_answering_and_it_comes_back(world):
    cluster = world[0]
    before = cluster.pid("app1")
    statuses: list[tuple[float, int]] = []  # (when the request started, its status; 0 = no answer)
    stop = threading.Event()

    def traffic():
        while not stop.is_set():
            started = time.monotonic()
            try:
                status = requests.get(f"{cluster.url}{API}/categories/", headers=token(world, "zhiban"),
                                      timeout=30).status_code
            except requests.RequestException:
                status = 0
            statuses.append((started, status))

    threads = [threading.Thread(target=traffic) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1)
    cluster.kill("app1")
    killed_at = time.monotonic()
    deadline = killed_at + 60
    while not (cluster.pid("app1") not in (None, before) and _port_open(cluster.ports["app1"])):
        assert time.monotonic() < deadline, "the supervisor did not bring app1 back"
        time.sleep(0.2)
    back_after = time.monotonic() - killed_at
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join()
    # A GET app1 was already answering when it died is lost with it (HAProxy retries a connection that failed or
    # an answer that never began, not one cut off half-sent): at most one per client thread, in flight at the kill.
    # Every request started after it must be answered.
    in_flight = [s for started, s in statuses if started < killed_at and s != 200]
    errors = [s for started, s in statuses if started >= killed_at and s != 200]
    assert len(statuses) > 20 and not errors, f"{len(errors)} errors of {len(statuses)}: {errors[:10]}"
    assert len(in_flight) <= len(threads), in_flight
    assert requests.get(f"{cluster.app_urls[0]}/healthz", timeout=30).status_code == 200
    print(f"app1 back after {back_after:.1f} s; {len(statuses)} requests through the load balancer, 0 errors after "
          f"the kill ({len(in_flight)} cut off in flight)")


def test_down_leaves_no_process_and_no_port(world):
    cluster = world[0]
    pids = [cluster.pid(name) for name in cluster.services]
    cluster.down()
    assert not [name for name, port in cluster.ports.items() if _port_open(port)]
    for pid in filter(None, pids):
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    assert not cluster.root.exists()
    cluster.down()  # idempotent
