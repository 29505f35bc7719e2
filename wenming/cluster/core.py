"""A whole Wenming cluster on one machine, from Debian's packages: etcd, two Patroni-managed PostgreSQL nodes,
HAProxy, PgBouncer, Redis, app nodes (gunicorn) and task workers, all on 127.0.0.1 ports from ``port_base``.

One supervisor process (``wenming cluster supervise``, started detached by ``up``) is the parent of every service
and restarts whatever dies; this module is its library and the API the fault and load scripts drive. It needs no
Django settings: scripts use it from a plain interpreter.

Every node archives its WAL with pgBackRest (``wenming.cluster.backup``) into one repository under the root; ``up``
creates the stanza and takes a first full backup once the schema is in, so a point-in-time restore is possible from
the start (``wenming backup …`` with the cluster's environment, docs/backups.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from wenming.cluster import backup

PROJECT_DIR = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
DB_NAME = "wenming"
# Patroni timing: a dead primary's leader key expires after ttl, a replica notices within loop_wait, so a failover
# takes ttl + loop_wait + promotion (~15 s here). Patroni needs loop_wait + 2 * retry_timeout <= ttl.
TTL, LOOP_WAIT, RETRY_TIMEOUT = 10, 2, 4
# A service that died is started again after this delay, doubled on each quick death up to the cap (systemd's
# Restart=always with RestartSec); a run longer than BACKOFF_RESET seconds clears the count.
BACKOFF_FIRST, BACKOFF_MAX, BACKOFF_RESET = 0.5, 8.0, 30.0

# Port offsets from port_base. The app nodes take APP_OFFSET, APP_OFFSET + 1, ...
PORTS = {
    "http": 0, "primary": 1, "replica": 2, "haproxy_stats": 3, "pgbouncer": 4, "redis": 5,
    "etcd": 6, "etcd_peer": 7, "pg1": 10, "pg1_rest": 11, "pg2": 12, "pg2_rest": 13,
}
APP_OFFSET = 20
PG_NODES = ("pg1", "pg2")
# Run as the postgres user: PostgreSQL and PgBouncer refuse root, and Patroni runs PostgreSQL as itself.
AS_POSTGRES = {"pg1", "pg2", "pgbouncer"}


class ClusterError(RuntimeError):
    pass


@dataclass
class Service:
    name: str
    argv: list[str]
    port: int | None
    env: dict[str, str]
    cwd: Path
    as_postgres: bool = False


def _port_open(port: int, *, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def _http_status(url: str, *, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 — our own loopback URLs
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return None


def _http_json(url: str, *, timeout: float = 2.0) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 — our own loopback URLs
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        # Patroni answers its health endpoints with 503 and the same JSON body when the role does not match.
        with contextlib.suppress(ValueError):
            return json.loads(error.read())
    except (OSError, ValueError):
        pass
    return None


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (dead, not yet reaped by its parent) is not alive.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            return False
    return True


def _postgres_ids() -> tuple[int, int] | None:
    """The uid and gid services that refuse root run as; None when we are not root (they run as us)."""
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


class Cluster:
    """The cluster under ``root`` (configs, data, logs, state.json) on ports from ``port_base``."""

    def __init__(self, root: Path | str = PROJECT_DIR / "var" / "cluster", port_base: int | None = None, *,
                 app_nodes: int = 2, workers: int = 2, app_workers: int = 2, app_threads: int = 4):
        self.root = Path(root).resolve()
        saved = self._read_state()
        if port_base is None:
            port_base = saved.get("port_base") or int(os.environ.get("WENMING_CLUSTER_PORT_BASE", "15400"))
        self.port_base = int(port_base)
        self.app_nodes = app_nodes
        self.workers = workers
        self.app_workers = app_workers
        self.app_threads = app_threads
        self.ports = {name: self.port_base + offset for name, offset in PORTS.items()}
        for i in range(1, app_nodes + 1):
            self.ports[f"app{i}"] = self.port_base + APP_OFFSET + i - 1

    # -- addresses ------------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['http']}"

    @property
    def app_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.ports[f'app{i}']}" for i in range(1, self.app_nodes + 1)]

    @property
    def primary_dsn(self) -> str:
        """HAProxy's primary frontend: whichever node Patroni says leads."""
        return f"postgres://postgres@127.0.0.1:{self.ports['primary']}/{DB_NAME}"

    @property
    def replica_dsn(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.ports['replica']}/{DB_NAME}"

    @property
    def pgbouncer_dsn(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.ports['pgbouncer']}/{DB_NAME}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports['redis']}/0"

    @property
    def services(self) -> list[str]:
        return [
            *(f"app{i}" for i in range(1, self.app_nodes + 1)),
            *(f"worker{i}" for i in range(1, self.workers + 1)),
            "pgbouncer", "haproxy", "redis", "etcd", "pg1", "pg2", "supervisor",
        ]

    @property
    def media_root(self) -> Path:
        return self.root / "media"

    @property
    def log_dir(self) -> Path:
        return self.root / "log"

    @property
    def backup_config(self) -> Path:
        """pgBackRest's configuration: one repository (``backups/repo``) and one stanza over both nodes."""
        return self.root / "pgbackrest" / "pgbackrest.conf"

    @property
    def media_backups(self) -> Path:
        return self.root / "backups" / "media"

    @property
    def env(self) -> dict[str, str]:
        """What every app process and worker gets: one place, so the nodes cannot disagree."""
        secret_file = self.root / "secret_key"
        secret = secret_file.read_text().strip() if secret_file.exists() else ""
        return {
            "DATABASE_URL": self.pgbouncer_dsn,
            "DATABASE_REPLICA_URL": self.replica_dsn,
            # PgBouncer runs in transaction mode (docs/postgresql.md): 1.18 cannot keep protocol-level prepared
            # statements across server connections, and a named cursor would outlive its transaction's server.
            "WENMING_DB_PREPARED_STATEMENTS": "0",
            "WENMING_DB_TRANSACTION_POOLING": "1",
            # A connection per request: PgBouncer's are cheap, and one it dropped (a restart, a failover) is never
            # reused by the next request.
            "WENMING_DB_CONN_MAX_AGE": "0",
            "REDIS_URL": self.redis_url,
            "WENMING_TASK_BACKEND": "rq",
            "WENMING_MEDIA_ROOT": str(self.media_root),
            # `wenming backup full|incr|restore …` run with this environment backs this cluster up.
            "WENMING_PGBACKREST_CONFIG": str(self.backup_config),
            "WENMING_MEDIA_BACKUPS": str(self.media_backups),
            "WENMING_DATA_DIR": str(self.root / "data"),
            # The same key on every node, or a session signed by one is refused by the other.
            "SECRET_KEY": secret,
            # The demo city's logins and plain-http cookies, without DEBUG's per-query bookkeeping.
            "WENMING_DEMO": "1",
            "WENMING_DEBUG": "0",
            "WENMING_SECURE_COOKIES": "0",
            "WENMING_PORT": str(self.ports["http"]),
            "WENMING_PUBLIC_URL": self.url,
            "WENMING_BEHIND_PROXY": "1",
        }

    def _app_process_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WENMING_", "DATABASE_"))}
        env.pop("REDIS_URL", None)
        env.pop("SECRET_KEY", None)
        env.update(self.env)
        # This checkout's code, whatever the venv's editable install points at.
        env["PYTHONPATH"] = str(PROJECT_DIR)
        env["DJANGO_SETTINGS_MODULE"] = "wenming.settings"
        return env

    # -- state ----------------------------------------------------------------------------------------------------
    @property
    def state_file(self) -> Path:
        return self.root / "state.json"

    def _read_state(self) -> dict:
        try:
            return json.loads((self.root / "state.json").read_text())
        except (OSError, ValueError):
            return {}

    @contextlib.contextmanager
    def _locked_state(self):
        """Read, change and write state.json under a lock: the supervisor writes pids, the API holds services."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "state.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = self._read_state()
            yield state
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(state, indent=2, sort_keys=True))
            tmp.replace(self.state_file)

    def pid(self, name: str) -> int | None:
        if name == "supervisor":
            return self._supervisor_pid()
        pid = self._read_state().get("pids", {}).get(name)
        return pid if _alive(pid) else None

    def held(self) -> set[str]:
        return set(self._read_state().get("held", []))

    # -- configuration --------------------------------------------------------------------------------------------
    def _spec(self, name: str) -> Service:
        root, ports = self.root, self.ports
        infra_env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
        if name == "etcd":
            peer = f"http://127.0.0.1:{ports['etcd_peer']}"
            argv = ["etcd", "--name", "etcd1", "--data-dir", str(root / "etcd"),
                    "--listen-client-urls", f"http://127.0.0.1:{ports['etcd']}",
                    "--advertise-client-urls", f"http://127.0.0.1:{ports['etcd']}",
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", f"etcd1={peer}", "--initial-cluster-state", "new",
                    "--initial-cluster-token", f"wenming-{self.port_base}"]
            return Service(name, argv, ports["etcd"], infra_env, root)
        if name in PG_NODES:
            env = {**infra_env, "HOME": str(root / name)}
            return Service(name, ["patroni", str(root / name / "patroni.yml")], ports[name], env, root / name,
                           as_postgres=True)
        if name == "pgbouncer":
            return Service(name, ["pgbouncer", str(root / "pgbouncer" / "pgbouncer.ini")], ports["pgbouncer"],
                           infra_env, root / "pgbouncer", as_postgres=True)
        if name == "haproxy":
            return Service(name, ["haproxy", "-W", "-db", "-f", str(root / "haproxy.cfg")], ports["http"],
                           infra_env, root)
        if name == "redis":
            return Service(name, ["redis-server", str(root / "redis.conf")], ports["redis"], infra_env, root)
        if name.startswith("app"):
            argv = [sys.executable, "-m", "wenming.cli", "serve", "--host", "127.0.0.1", "--port", str(ports[name]),
                    "--workers", str(self.app_workers), "--threads", str(self.app_threads)]
            return Service(name, argv, ports[name], self._app_process_env(), PROJECT_DIR)
        if name.startswith("worker"):
            return Service(name, [sys.executable, "-m", "wenming.cli", "worker", "--interval", "10"], None,
                           self._app_process_env(), PROJECT_DIR)
        raise ClusterError(f"unknown service {name!r}")

    def _write_configs(self) -> None:
        root, ports = self.root, self.ports
        for sub in ("log", "media", "data", "etcd", "redis", "pgbouncer", "pg1", "pg2"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        secret_file = root / "secret_key"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(50))
            secret_file.chmod(0o600)
        for node in PG_NODES:
            (root / node / "patroni.yml").write_text(self._patroni_yml(node))
        (root / "pgbouncer" / "pgbouncer.ini").write_text(self._pgbouncer_ini())
        # trust auth still needs the user listed.
        (root / "pgbouncer" / "userlist.txt").write_text('"postgres" ""\n')
        (root / "haproxy.cfg").write_text(self._haproxy_cfg())
        backup.pgbackrest_config(path=self.backup_config, repo=root / "backups" / "repo", nodes=[
            backup.PgNode(data=root / node / "data", port=ports[node], socket_dir=root / node) for node in PG_NODES])
        self.media_backups.mkdir(parents=True, exist_ok=True)
        (root / "redis.conf").write_text(
            f"bind 127.0.0.1\nport {ports['redis']}\ndir {root / 'redis'}\ndaemonize no\nprotected-mode yes\n"
            # The queue lives here: appended to disk every second, so a restart of Redis loses at most that.
            "appendonly yes\nappendfsync everysec\nsave \"\"\n"
        )
        ids = _postgres_ids()
        if ids:
            # The root directory must be traversable by postgres; its data and sockets are its own.
            root.chmod(0o755)
            closed = [str(p) for p in root.parents if not p.stat().st_mode & 0o001]
            if closed:
                raise ClusterError(f"PostgreSQL runs as postgres and cannot reach {root}: chmod o+x {closed[0]}")
            for sub in ("pg1", "pg2", "pgbouncer"):
                for path in [root / sub, *(root / sub).rglob("*")]:
                    os.chown(path, *ids)
            os.chown(root / "media", *ids)
            (root / "media").chmod(0o777)

    def _patroni_yml(self, node: str) -> str:
        root, ports = self.root, self.ports
        archive = backup.archive_parameters(config=self.backup_config, pg_data=root / node / "data")
        # JSON is YAML: no YAML library needed here.
        config = {
            "scope": f"wenming-{self.port_base}",
            "namespace": "/wenming/",
            "name": node,
            "log": {"level": "WARNING"},
            "restapi": {"listen": f"127.0.0.1:{ports[f'{node}_rest']}",
                        "connect_address": f"127.0.0.1:{ports[f'{node}_rest']}"},
            "etcd3": {"hosts": [f"127.0.0.1:{ports['etcd']}"]},
            "bootstrap": {
                "dcs": {
                    "ttl": TTL, "loop_wait": LOOP_WAIT, "retry_timeout": RETRY_TIMEOUT,
                    "maximum_lag_on_failover": 1048576,
                    # A commit is acknowledged only once the standby has it, so a promoted standby has every
                    # acknowledged report; not strict, so the primary keeps writing when the standby is down.
                    "synchronous_mode": True,
                    "postgresql": {
                        "use_pg_rewind": True,
                        "use_slots": True,
                        "parameters": {
                            "wal_level": "replica", "hot_standby": "on", "wal_log_hints": "on",
                            "max_wal_senders": 10, "max_replication_slots": 10, "wal_keep_size": "256MB",
                            "max_connections": 200, "timezone": "UTC",
                        },
                    },
                },
                "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, "data-checksums"],
                "pg_hba": [
                    # Loopback only, trusted: the cluster on one machine. A real deployment uses scram-sha-256.
                    "local all all trust",
                    "host all all 127.0.0.1/32 trust",
                    "host replication all 127.0.0.1/32 trust",
                ],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{ports[node]}",
                "connect_address": f"127.0.0.1:{ports[node]}",
                "data_dir": str(root / node / "data"),
                "bin_dir": str(PG_BIN),
                "pgpass": str(root / node / "pgpass"),
                "use_unix_socket": False,
                "authentication": {
                    "superuser": {"username": "postgres"},
                    "replication": {"username": "postgres"},
                    "rewind": {"username": "postgres"},
                },
                "parameters": {
                    "unix_socket_directories": str(root / node),
                    "shared_buffers": "128MB",
                    # Each node names its own data directory, so a promoted replica archives as itself.
                    **{k: v for k, v in archive.items() if k != "restore_command"},
                },
                # A replica that fell behind its primary's kept WAL catches up from the archive.
                "recovery_conf": {"restore_command": archive["restore_command"]},
            },
        }
        return json.dumps(config, indent=2)

    def _pgbouncer_ini(self) -> str:
        root, ports = self.root, self.ports
        return "\n".join([
            "[databases]",
            f"* = host=127.0.0.1 port={ports['primary']}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {ports['pgbouncer']}",
            "unix_socket_dir =",
            "auth_type = trust",
            f"auth_file = {root / 'pgbouncer' / 'userlist.txt'}",
            # Transaction mode: a server connection per transaction, so many app threads share a few servers.
            "pool_mode = transaction",
            "default_pool_size = 40",
            "max_client_conn = 1000",
            # After a failover HAProxy sends new connections to the new primary; old server connections die.
            "server_check_delay = 5",
            "server_lifetime = 600",
            "server_login_retry = 1",
            "ignore_startup_parameters = extra_float_digits,options",
            "admin_users = postgres",
            "",
        ])

    def _haproxy_cfg(self) -> str:
        ports = self.ports
        apps = "\n".join(
            f"    server app{i} 127.0.0.1:{ports[f'app{i}']} check" for i in range(1, self.app_nodes + 1))

        pg = "\n".join(
            f"    server {node} 127.0.0.1:{ports[node]} check port {ports[f'{node}_rest']}" for node in PG_NODES) + "\n"

        return f"""global
    maxconn 4000

defaults
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    timeout check 2s
    # A request whose connection to a node failed goes to another node (it was never sent, so no duplicate).
    retries 3
    option redispatch

frontend web
    mode http
    bind 127.0.0.1:{ports['http']}
    option forwardfor
    default_backend app

backend app
    mode http
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    # A GET that met a node dying mid-answer is sent again; never a POST (it may have been committed).
    retry-on conn-failure empty-response response-timeout
    http-request disable-l7-retry if !METH_GET
    # A node that is dead refuses the check at once; one that is only busy answers /healthz late, behind the requests
    # queued in its threads: it must not be marked down for that (with both busy, every request would get a 503).
    timeout check 10s
    default-server inter 1s fall 3 rise 1
{apps}

# Patroni's REST API answers 200 on /primary only on the leader, on /replica only on a streaming replica.
listen primary
    mode tcp
    bind 127.0.0.1:{ports['primary']}
    option httpchk GET /primary
    http-check expect status 200
    default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions
{pg}
listen replica
    mode tcp
    bind 127.0.0.1:{ports['replica']}
    option httpchk GET /replica
    http-check expect status 200
    default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions
{pg}
listen stats
    mode http
    bind 127.0.0.1:{ports['haproxy_stats']}
    stats enable
    stats uri /
"""

    # -- processes (the supervisor's side) ------------------------------------------------------------------------
    def spawn(self, name: str) -> subprocess.Popen:
        """Start one service as a child of the calling process (the supervisor), logging to log/<name>.log."""
        spec = self._spec(name)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 — the child keeps it
        kwargs = {}
        ids = _postgres_ids()
        if spec.as_postgres and ids:
            kwargs = {"user": ids[0], "group": ids[1], "extra_groups": []}
        if name in PG_NODES:
            self._pg_clear_stale(name)
        try:
            return subprocess.Popen(spec.argv, cwd=spec.cwd, env=spec.env, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
        finally:
            log.close()

    def _postmaster_pid(self, node: str) -> int | None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.root / node / "data" / "postmaster.pid").read_text().split()[0])
            return pid if _alive(pid) else None
        return None

    def _pg_clear_stale(self, node: str) -> None:
        """A postmaster orphaned by a killed Patroni would block the new Patroni's start: stop it first."""
        pid = self._postmaster_pid(node)
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _wait_gone(pid, timeout=10)

    # -- the API ---------------------------------------------------------------------------------------------------
    def _supervisor_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            pid = int((self.root / "supervisor.pid").read_text())
            return pid if _alive(pid) else None
        return None

    def up(self, *, timeout: float = 180, demo: bool = False, demo_grids: int = 300, log=print) -> float:
        """Start everything (or whatever is missing) and wait until healthy; returns the seconds it took."""
        started = time.monotonic()
        deadline = started + timeout
        missing = [tool for tool in ("etcd", "patroni", "haproxy", "pgbouncer", "redis-server") if not shutil.which(
            tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")]
        if missing or not (PG_BIN / "postgres").exists():
            raise ClusterError("missing: " + " ".join(missing or ["postgresql-15"]) + " (make cluster installs them)")
        if not self._supervisor_pid():
            busy = [f"{name}:{port}" for name, port in self.ports.items() if _port_open(port)]
            if busy:
                raise ClusterError(f"ports already in use: {', '.join(busy)} (another cluster? wenming cluster down)")
            self._write_configs()
            with self._locked_state() as state:
                state.update(port_base=self.port_base, app_nodes=self.app_nodes, workers=self.workers,
                             app_workers=self.app_workers, app_threads=self.app_threads, ports=self.ports,
                             pids={})
                # pg2 waits for pg1 to bootstrap; the app processes for the schema.
                state["held"] = sorted({"pg2", *(s for s in self.services if s.startswith(("app", "worker")))})
            self._start_supervisor()
            log("supervisor started; waiting for pg1 to lead")
            self._wait(lambda: self.primary() is not None, deadline, "a PostgreSQL primary")
            self.start("pg2")
            self._database_create(deadline)
            log(f"database ready after {time.monotonic() - started:.1f} s; migrating")
            # The timeout is for starting processes: the schema and the demo city take what they take.
            loading = time.monotonic()
            self._check(self.manage("migrate", "--no-input", "-v", "0"))
            log(f"migrated after {time.monotonic() - started:.1f} s")
            self._backups_start()
            log(f"WAL archiving checked and a first full backup taken after {time.monotonic() - started:.1f} s")
            if demo:
                # The nodes run without DEBUG, so WhiteNoise serves collected files (one directory for all).
                self._check(self.manage("collectstatic", "--no-input", "-v", "0"))
                log(f"static files collected after {time.monotonic() - started:.1f} s; loading the demo city")
                self._check(self.manage("demo-data", "--grids", str(demo_grids), "--if-empty"))
                self._check(self.manage("demo-cases", "--if-empty"))
            deadline += time.monotonic() - loading
            for name in self.services:
                if name.startswith(("app", "worker")):
                    self.start(name)
        self.wait_healthy(timeout=max(1.0, deadline - time.monotonic()))
        return time.monotonic() - started

    def _backups_start(self) -> None:
        """The stanza (once; kept data keeps its own) and a full backup, so the archive has a base to replay from."""
        if not backup.backup_list(config=self.backup_config):
            backup.stanza_create(config=self.backup_config)
            backup.archive_check(config=self.backup_config)
            backup.backup_run(config=self.backup_config, kind="full")

    @staticmethod
    def _check(result: subprocess.CompletedProcess) -> None:
        if result.returncode:
            raise ClusterError(f"{' '.join(result.args[3:])} failed:\n{result.stdout}\n{result.stderr}")

    def _wait(self, ready, deadline: float, what: str) -> None:
        while time.monotonic() < deadline:
            if ready():
                return
            time.sleep(0.3)
        raise ClusterError(f"timed out waiting for {what} (logs in {self.log_dir})")

    def _start_supervisor(self) -> None:
        env = self._app_process_env()
        log = open(self.log_dir / "supervisor.log", "ab")  # noqa: SIM115 — the child keeps it
        with log:
            process = subprocess.Popen(
                [sys.executable, "-m", "wenming.cli", "cluster", "supervise", "--root", str(self.root)],
                cwd=PROJECT_DIR, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + 30
        while not self._supervisor_pid():
            if process.poll() is not None or time.monotonic() > deadline:
                raise ClusterError(f"the supervisor did not start: see {self.log_dir / 'supervisor.log'}")
            time.sleep(0.1)

    def _database_create(self, deadline: float) -> None:
        import psycopg  # noqa: PLC0415 — only the starting process needs it

        while True:
            try:
                with psycopg.connect(self.primary_dsn.rsplit("/", 1)[0] + "/postgres", autocommit=True,
                                     connect_timeout=3) as conn:
                    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
                        conn.execute(f'CREATE DATABASE "{DB_NAME}" ENCODING UTF8 TEMPLATE template0')
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def manage(self, *args: str, timeout: float | None = 600) -> subprocess.CompletedProcess:
        """Run a ``wenming`` command of this checkout with the cluster's environment."""
        return subprocess.run([sys.executable, "-m", "wenming.cli", *args], cwd=PROJECT_DIR,
                              env=self._app_process_env(), capture_output=True, text=True, timeout=timeout,
                              check=False)

    def primary(self) -> str | None:
        for node in PG_NODES:
            if _http_status(f"http://127.0.0.1:{self.ports[f'{node}_rest']}/primary", timeout=3) == 200:
                return node
        return None

    def patroni(self, node: str) -> dict | None:
        return _http_json(f"http://127.0.0.1:{self.ports[f'{node}_rest']}/patroni", timeout=3)

    def replica_streaming(self) -> bool:
        leader = self.primary()
        info = leader and _http_json(f"http://127.0.0.1:{self.ports[f'{leader}_rest']}/patroni", timeout=3)
        return bool(info) and any(r.get("state") == "streaming" for r in info.get("replication", []))

    def wait_healthy(self, timeout: float = 120) -> float:
        """Wait until the load balancer answers /healthz, a primary leads and a replica streams; the seconds."""
        started = time.monotonic()
        deadline = started + timeout
        while True:
            ok = (_http_status(f"{self.url}/healthz", timeout=2) == 200 and self.primary() is not None
                  and self.replica_streaming())
            if ok:
                return time.monotonic() - started
            if time.monotonic() > deadline:
                raise ClusterError(f"not healthy after {timeout:.0f} s: {json.dumps(self.status(), indent=1)}")
            time.sleep(0.3)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """A fault: signal the service (a PostgreSQL node: Patroni and its postmaster); the supervisor restarts it."""
        pid = self.pid(name)
        if pid is None:
            raise ClusterError(f"{name} is not running")
        postmaster = self._postmaster_pid(name) if name in PG_NODES else None
        os.kill(pid, sig)
        if postmaster:
            with contextlib.suppress(ProcessLookupError):
                os.kill(postmaster, sig)

    def stop(self, name: str, *, sig: int = signal.SIGKILL, timeout: float = 30) -> None:
        """Hold a service down (the supervisor leaves it) and stop it; kill -9 by default, as a crash would.
        Stopping the primary's node this way makes Patroni promote the other one once the leader key expires."""
        with self._locked_state() as state:
            state["held"] = sorted({*state.get("held", []), name})
        pid = self.pid(name)
        postmaster = self._postmaster_pid(name) if name in PG_NODES else None
        for p in (pid, postmaster):
            if p:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p, sig)
        for p in (pid, postmaster):
            if p and not _wait_gone(p, timeout=timeout):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p, signal.SIGKILL)
                _wait_gone(p, timeout=5)

    def start(self, name: str, *, wait: bool = False, timeout: float = 60) -> None:
        """Release a held service: the supervisor starts it within a second."""
        with self._locked_state() as state:
            state["held"] = sorted(set(state.get("held", [])) - {name})
        if wait:
            deadline = time.monotonic() + timeout
            port = self.ports.get(name)
            self._wait(lambda: self.pid(name) is not None and (port is None or _port_open(port)), deadline, name)

    def status(self) -> dict:
        state = self._read_state()
        held = set(state.get("held", []))
        result = {}
        for name in self.services:
            pid = self.pid(name)
            port = self.ports.get(name) if name != "haproxy" else self.ports["http"]
            if name.startswith("app"):
                healthy = _http_status(f"http://127.0.0.1:{port}/healthz", timeout=2) == 200
            elif name in PG_NODES:
                info = self.patroni(name)
                role = info.get("role") if info else None
                healthy = bool(info) and info.get("state") == "running"
            elif port:
                healthy = _port_open(port)
            else:
                healthy = pid is not None
            result[name] = {"pid": pid, "port": port, "healthy": healthy, "held": name in held}
            if name in PG_NODES:
                result[name]["role"] = role
        result["primary"] = self.primary()
        result["url"] = self.url
        return result

    def down(self, *, keep: bool = False, timeout: float = 60) -> None:
        """Stop every process (the supervisor first, so nothing comes back) and remove the root unless ``keep``."""
        sup = self._supervisor_pid()
        if sup:
            os.kill(sup, signal.SIGTERM)
            _wait_gone(sup, timeout=timeout)
        # Whatever the supervisor could not stop, or a supervisor that died: stop by pid, then the postmasters.
        pids = self._read_state().get("pids", {})
        for pid in pids.values():
            if _alive(pid):
                _stop_group(pid, timeout=15)
        for node in PG_NODES:
            pid = self._postmaster_pid(node)
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
                if not _wait_gone(pid, timeout=15):
                    os.kill(pid, signal.SIGKILL)
                    _wait_gone(pid, timeout=5)
        with contextlib.suppress(FileNotFoundError):
            (self.root / "supervisor.pid").unlink()
        if not keep and self.root.exists():
            shutil.rmtree(self.root, ignore_errors=True)


def _wait_gone(pid: int, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _stop_group(pid: int, *, timeout: float, sig: int = signal.SIGTERM) -> None:
    """``sig`` to the service's process group (gunicorn's workers, the worker's queue child), then SIGKILL."""
    try:
        pgid = os.getpgid(pid)
    except ProcessLookupError:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)
    if not _wait_gone(pid, timeout=timeout):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        _wait_gone(pid, timeout=5)
