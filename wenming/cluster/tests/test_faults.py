"""The fault script's short run (``bench/cluster_faults.py``): 8 clients of intakes with photos, workflow steps and
staff pages on the cluster while an app node is killed, a task worker is killed with a delivery in flight and
the PostgreSQL primary is stopped; after each, nothing acknowledged is lost, nothing is half-written or
duplicated, no file is orphaned, and the cluster answers again within 30 s.

The full run (16 clients, all five faults) is ``bench/cluster_faults.py``; its table is in docs/scaling.md.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from bench.cluster_faults import ClusterTarget, Receiver, photos, run_fault, setup

pytestmark = pytest.mark.cluster

PORT_BASE = 15400  # the cluster test (test_cluster.py) takes 15440
RECEIVER_PORT = 15439
TOOLS = {"patroni": "patroni", "etcd": "etcd-server", "haproxy": "haproxy", "pgbouncer": "pgbouncer",
         "redis-server": "redis-server"}
RECOVERY_BOUND_S = 30


@pytest.fixture(scope="module")
def faults_world():
    missing = [package for tool, package in TOOLS.items() if not shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin")]
    if missing or not Path("/usr/lib/postgresql/15/bin/postgres").exists():
        reason = "the fault run needs the cluster's Debian packages: apt-get install " + " ".join(missing or ["postgresql-15"])
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI must provide them: .ci/run installs them)")
        pytest.skip(reason)
    if os.environ.get("CI") == "true" and os.environ.get("DATABASE_URL"):
        pytest.skip("the cluster brings its own PostgreSQL: it runs once, in the first pass of make test")
    # Not under pytest's tmp_path: its parent is private to root and PostgreSQL runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="wenming-faults-"))
    target = ClusterTarget(root=root, port_base=PORT_BASE, keep=False, grids=120)
    receiver = Receiver(RECEIVER_PORT)
    try:
        target.up(timeout=600)
        spec = setup(target, f"http://127.0.0.1:{RECEIVER_PORT}/hook")
        spec.update(photos=photos(8), think=0.1, urls=[target.url])
        time.sleep(3)  # the nodes' routing caches see the new webhook within WENMING_GEO_CHECK_SECONDS
        yield target, spec, receiver
    finally:
        receiver.close()
        target.down()
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("fault", ["app", "worker", "primary"])
def test_nothing_acknowledged_is_lost_half_written_or_duplicated_and_the_cluster_answers_again(faults_world, fault):
    target, spec, receiver = faults_world
    result = run_fault(target, fault, spec, receiver, clients=8, warmup=4, settle=3, heal_timeout=90)
    summary = {k: v for k, v in result.items() if k != "table"}
    assert result["acked"] > 0 and result["lost reports"] == 0 and result["lost workflow steps"] == 0, summary
    assert not any(result["half-written"].values()), summary
    # At most once per (webhook, event) and per (recipient, channel, key). A delivery id posted again after its
    # worker died mid-post is the documented at-least-once retry the receiver drops by id: it can only be one
    # of the rows the dead worker left "sending".
    assert result["duplicates"]["webhook deliveries per (webhook, event) over one"] == 0, summary
    assert result["duplicates"]["notifications per (recipient, channel, key) over one"] == 0, summary
    assert result["duplicates"]["webhook delivery ids received twice"] <= result["left sending (recovered)"], summary
    assert result["undelivered"] == 0, summary
    assert result["orphans_after_sweep"] == 0, summary
    assert result["healthy_s"] <= RECOVERY_BOUND_S and result["recovery_s"] <= RECOVERY_BOUND_S, summary
