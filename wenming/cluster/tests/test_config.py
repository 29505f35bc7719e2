"""The cluster's configuration as written, without starting anything (fast; the live cluster is test_cluster)."""

from __future__ import annotations

import json

from wenming.cluster import Cluster
from wenming.cluster.core import LOOP_WAIT, RETRY_TIMEOUT, TTL


def test_ports_follow_the_base_and_stay_in_their_range(tmp_path):
    cluster = Cluster(tmp_path, port_base=15440)
    assert cluster.url == "http://127.0.0.1:15440"
    assert cluster.app_urls == ["http://127.0.0.1:15460", "http://127.0.0.1:15461"]
    assert len(set(cluster.ports.values())) == len(cluster.ports)
    assert max(cluster.ports.values()) - 15440 < 40
    assert cluster.services == ["app1", "app2", "worker1", "worker2", "pgbouncer", "haproxy", "redis", "etcd",
                                "pg1", "pg2", "supervisor"]


def test_every_app_process_gets_one_environment(tmp_path):
    cluster = Cluster(tmp_path, port_base=15440)
    (tmp_path / "secret_key").write_text("k" * 50)
    env = cluster.env
    assert env["DATABASE_URL"] == cluster.pgbouncer_dsn and ":15444/" in env["DATABASE_URL"]
    assert ":15442/" in env["DATABASE_REPLICA_URL"] and env["REDIS_URL"] == "redis://127.0.0.1:15445/0"
    assert env["WENMING_DB_PREPARED_STATEMENTS"] == "0" and env["WENMING_DB_TRANSACTION_POOLING"] == "1"
    assert env["WENMING_MEDIA_ROOT"] == str(tmp_path / "media") and env["SECRET_KEY"] == "k" * 50
    assert env["WENMING_TASK_BACKEND"] == "rq"


def test_patroni_timing_and_safety(tmp_path):
    config = json.loads(Cluster(tmp_path, port_base=15440)._patroni_yml("pg2"))
    dcs = config["bootstrap"]["dcs"]
    # Patroni's own rule, and a failover well inside the 30 s target.
    assert LOOP_WAIT + 2 * RETRY_TIMEOUT <= TTL <= 15
    assert (dcs["ttl"], dcs["loop_wait"], dcs["retry_timeout"]) == (TTL, LOOP_WAIT, RETRY_TIMEOUT)
    assert dcs["synchronous_mode"] is True and dcs["postgresql"]["use_pg_rewind"] is True
    assert config["postgresql"]["listen"] == "127.0.0.1:15452" and config["restapi"]["listen"] == "127.0.0.1:15453"


def test_haproxy_checks_and_retries(tmp_path):
    cfg = Cluster(tmp_path, port_base=15440)._haproxy_cfg()
    assert "option redispatch" in cfg and "option httpchk GET /healthz" in cfg
    assert "server app1 127.0.0.1:15460 check" in cfg and "server app2 127.0.0.1:15461 check" in cfg
    assert "option httpchk GET /primary" in cfg and "option httpchk GET /replica" in cfg
    assert "server pg1 127.0.0.1:15450 check port 15451" in cfg
    assert "disable-l7-retry if !METH_GET" in cfg


def test_pgbouncer_runs_in_transaction_mode_at_the_primary_frontend(tmp_path):
    ini = Cluster(tmp_path, port_base=15440)._pgbouncer_ini()
    assert "pool_mode = transaction" in ini and "port=15441" in ini and "listen_port = 15444" in ini


def test_healthz_answers_without_the_database(client):
    # No django_db mark: a query would raise.
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"
    assert client.post("/healthz").status_code == 405
