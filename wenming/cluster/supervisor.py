"""The cluster's supervisor: the parent of every service, restarting whatever dies (systemd's Restart=always).

It reads which services are held (stopped on purpose through ``Cluster.stop``) from state.json at every turn
and writes the pids it starts there. A service that dies has the rest of its process group killed before it is
started again (systemd's KillMode=control-group): a gunicorn master's orphaned workers would keep its port.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from .core import BACKOFF_FIRST, BACKOFF_MAX, BACKOFF_RESET, PG_NODES, Cluster, _stop_group, _wait_gone

# Started in this order and stopped in the reverse one.
ORDER = ("etcd", "redis", "pg1", "pg2", "haproxy", "pgbouncer")


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


class Supervisor:
    def __init__(self, root: Path, *, log=print):
        state = Cluster(root)._read_state()
        self.cluster = Cluster(root, state.get("port_base"), app_nodes=state.get("app_nodes", 2),
                               workers=state.get("workers", 2), app_workers=state.get("app_workers", 2),
                               app_threads=state.get("app_threads", 4))
        self.log = log
        self.children: dict[str, subprocess.Popen] = {}
        self.started_at: dict[str, float] = {}
        self.failures: dict[str, int] = {}
        self.not_before: dict[str, float] = {}
        self.stopping = False
        names = [s for s in self.cluster.services if s != "supervisor"]
        self.names = [*(n for n in ORDER if n in names), *(n for n in names if n not in ORDER)]

    def run(self) -> None:
        pid_file = self.cluster.root / "supervisor.pid"
        pid_file.write_text(str(os.getpid()))
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        try:
            while not self.stopping:
                self.turn()
                time.sleep(0.2)
        finally:
            self.shutdown()
            with contextlib.suppress(FileNotFoundError):
                pid_file.unlink()

    def _on_signal(self, *_) -> None:
        self.stopping = True

    def turn(self) -> None:
        held = self.cluster.held()
        now = time.monotonic()
        started = {}
        for name in self.names:
            child = self.children.get(name)
            if child is not None and child.poll() is not None:
                # Dead: clean up what it left, and count a quick death towards the backoff.
                _kill_group(child.pid)
                ran = now - self.started_at.get(name, now)
                self.failures[name] = 0 if ran > BACKOFF_RESET else self.failures.get(name, 0) + 1
                delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, self.failures[name] - 1))
                self.not_before[name] = now + delay
                self.log(f"{name} (pid {child.pid}) exited with {child.returncode}"
                         + ("" if name in held else f"; restarting in {delay:.1f} s"))
                del self.children[name]
                child = None
            if child is None and name not in held and now >= self.not_before.get(name, 0) and not self.stopping:
                try:
                    child = self.cluster.spawn(name)
                except OSError as error:
                    self.log(f"{name} could not start: {error}")
                    self.failures[name] = self.failures.get(name, 0) + 1
                    self.not_before[name] = now + BACKOFF_MAX
                    continue
                self.children[name] = child
                self.started_at[name] = now
                started[name] = child.pid
                self.log(f"{name} started (pid {child.pid})")
        if started:
            with self.cluster._locked_state() as state:
                state.setdefault("pids", {}).update(started)

    def shutdown(self) -> None:
        """Stop in reverse order: the app first, PostgreSQL through Patroni (which shuts its postmaster down)."""
        for name in reversed(self.names):
            child = self.children.pop(name, None)
            if child is None:
                continue
            if name in PG_NODES:
                # Patroni alone, not its group: it stops PostgreSQL cleanly on SIGTERM.
                with contextlib.suppress(ProcessLookupError):
                    child.send_signal(signal.SIGTERM)
                if not _wait_gone(child.pid, timeout=30):
                    child.kill()
                child.poll()
            else:
                _stop_group(child.pid, timeout=15)
                child.poll()
            self.log(f"{name} stopped")
        with self.cluster._locked_state() as state:
            state["pids"] = {}
