"""Shared client code for the load scripts (``bench/cluster_faults.py``, ``bench/city_day.py``): keep-alive HTTP
clients on the standard library, per-step latency and error counts, percentiles, and CPU read from /proc.

Not a test and not imported by the app. No third-party dependency: wrk is not installed everywhere, and the
clients here must log in, keep a session, post multipart photos and remember the case numbers they were given,
which a fixed-request tool cannot do.

Clients run as threads in a few processes (``run_clients``): a thread per client keeps each client's steps in
order, and the processes keep the generator's own CPU (mostly JSON and the GIL) from being the bottleneck on a
small machine. Each process returns its ``Stats`` and whatever its clients kept (``Outcome.kept``).
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import math
import multiprocessing
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

NETWORK_ERRORS = (OSError, http.client.HTTPException)
IDLE_REOPEN_S = 1.5


# -- statistics ------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Step:
    """One kind of request: its latencies (seconds, successes and failures alike) and its errors by kind."""

    latencies: list[float] = dataclasses.field(default_factory=list)
    ok: int = 0
    errors: dict[str, int] = dataclasses.field(default_factory=dict)
    # (time the request started, seconds it took, whether it failed): for errors and latency inside a window.
    timeline: list[tuple[float, float, bool]] = dataclasses.field(default_factory=list)

    def error_count(self) -> int:
        return sum(self.errors.values())


class Stats:
    """Per-step figures of one process's clients (thread-safe); merged across processes with ``merge``."""

    def __init__(self) -> None:
        self.steps: dict[str, Step] = {}
        self._lock = threading.Lock()

    def record(self, name: str, started: float, seconds: float, error: str | None) -> None:
        with self._lock:
            step = self.steps.setdefault(name, Step())
            step.latencies.append(seconds)
            step.timeline.append((started, seconds, error is not None))
            if error is None:
                step.ok += 1
            else:
                step.errors[error] = step.errors.get(error, 0) + 1

    def merge(self, other: Stats) -> None:
        for name, step in other.steps.items():
            mine = self.steps.setdefault(name, Step())
            mine.latencies += step.latencies
            mine.timeline += step.timeline
            mine.ok += step.ok
            for kind, n in step.errors.items():
                mine.errors[kind] = mine.errors.get(kind, 0) + n

    def __getstate__(self):
        return {"steps": self.steps}

    def __setstate__(self, state):
        self.steps, self._lock = state["steps"], threading.Lock()

    def errors_between(self, start: float, end: float) -> dict[str, int]:
        """Failed requests per step that started inside [start, end)."""
        found = {}
        for name, step in self.steps.items():
            n = sum(1 for t, _s, failed in step.timeline if failed and start <= t < end)
            if n:
                found[name] = n
        return found

    def requests_between(self, start: float, end: float) -> int:
        return sum(1 for step in self.steps.values() for t, _s, _f in step.timeline if start <= t < end)


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (p in 0-100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


# -- CPU from /proc --------------------------------------------------------------------------------------------

def cpu_of(pids: list[int]) -> float:
    """User + system CPU seconds of these processes and their children (gunicorn's workers are children of
    its master; a worker that exited is counted in the master's cutime/cstime)."""
    seen, total, tick = set(), 0, os.sysconf("SC_CLK_TCK")
    pending = list(pids)
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        pending += [int(c) for c in children]
    return total / tick


def cpu_matching(match: Callable[[str], bool]) -> float:
    """CPU seconds of every process whose command line ``match`` accepts (PostgreSQL's backends, say)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if match(cmd):
            pids.append(int(pid))
    return cpu_of(pids) if pids else 0.0


def postgres_cpu() -> float:
    return cpu_matching(lambda cmd: cmd.startswith("postgres:") or ("bin/postgres" in cmd and " -D " in cmd))


# -- the client ------------------------------------------------------------------------------------------------

class HTTPError(Exception):
    def __init__(self, status: int, body: bytes):
        super().__init__(f"HTTP {status}")
        self.status, self.body = status, body


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type (files: field → (file name, bytes, content type))."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, ctype) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {ctype}\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Client:
    """One keep-alive connection to one base URL, with a cookie jar (session and CSRF) and an optional API key.
    Every request is timed and recorded in ``stats`` under its step name; a failure (network error, timeout,
    a status outside ``expect``) is recorded as an error and raised as ``HTTPError`` or the network error."""

    def __init__(self, base_url: str, stats: Stats, *, token: str = "", timeout: float = 30.0):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.stats, self.token, self.timeout = stats, token, timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.last_used = 0.0

    def _connection(self) -> http.client.HTTPConnection:
        # A connection idle longer than the server's keep-alive (gunicorn's is 2 s) may be closed under us: the
        # request would fail with a broken pipe that says nothing about the server. Open a fresh one instead.
        if self.conn is not None and time.monotonic() - self.last_used > IDLE_REOPEN_S:
            self.close()
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, step: str, method: str, path: str, *, body: bytes | None = None, ctype: str = "",
                expect: tuple[int, ...] = (200,), headers: dict | None = None) -> tuple[int, bytes]:
        sent = {"Host": f"{self.host}:{self.port}", "Accept-Language": "zh-hans"}
        if self.token:
            sent["Authorization"] = f"Token {self.token}"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if "csrftoken" in self.cookies and method != "GET":
                sent["X-CSRFToken"] = self.cookies["csrftoken"]
                sent["Referer"] = f"http://{self.host}:{self.port}/"
        if ctype:
            sent["Content-Type"] = ctype
        sent.update(headers or {})
        started, wall = time.time(), time.perf_counter()
        error = None
        try:
            conn = self._connection()
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _sep, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            if response.status not in expect:
                error = f"HTTP {response.status}"
                raise HTTPError(response.status, data)
            return response.status, data
        except NETWORK_ERRORS as exc:
            self.close()  # a broken keep-alive connection is opened afresh by the next request
            error = error or type(exc).__name__
            raise
        finally:
            self.last_used = time.monotonic()
            self.stats.record(step, started, time.perf_counter() - wall, error)

    def get(self, step: str, path: str, **kw) -> bytes:
        return self.request(step, "GET", path, **kw)[1]

    def post_json(self, step: str, path: str, payload: dict, **kw) -> dict:
        _status, data = self.request(step, "POST", path, body=json.dumps(payload, ensure_ascii=False).encode(),
                                     ctype="application/json", **kw)
        return json.loads(data)

    def post_form(self, step: str, path: str, fields: dict, **kw) -> bytes:
        return self.request(step, "POST", path, body=urlencode(fields).encode(),
                            ctype="application/x-www-form-urlencoded", **kw)[1]

    def post_multipart(self, step: str, path: str, fields: dict, files: dict, **kw) -> bytes:
        body, ctype = multipart(fields, files)
        return self.request(step, "POST", path, body=body, ctype=ctype, **kw)[1]

    def login(self, username: str, password: str) -> None:
        """A staff session through the login page, as a browser gets one (CSRF cookie, then the form)."""
        page = self.get("login", "/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        fields = {"username": username, "password": password,
                  "csrfmiddlewaretoken": match.group(1).decode() if match else ""}
        self.post_form("login", "/login/", fields, expect=(302,))


# -- running many clients --------------------------------------------------------------------------------------

@dataclasses.dataclass
class Outcome:
    stats: Stats
    kept: dict  # whatever the clients kept, merged by list concatenation per key


def _process_main(worker: Callable, spec: dict, client_ids: list[int], stop_at: float, stop_event, queue) -> None:
    stats, kept, lock = Stats(), {}, threading.Lock()

    def keep(key: str, value) -> None:
        with lock:
            kept.setdefault(key, []).append(value)

    def should_stop() -> bool:
        return time.time() >= stop_at or stop_event.is_set()

    threads = [threading.Thread(target=worker, args=(i, spec, stats, keep, should_stop), daemon=True)
               for i in client_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put(Outcome(stats=stats, kept=kept))


def run_clients(worker: Callable, spec: dict, *, clients: int, seconds: float, processes: int = 2,
                stop_event=None) -> Outcome:
    """Run ``clients`` copies of ``worker(client_id, spec, stats, keep, should_stop)`` for ``seconds`` (or until
    ``stop_event`` is set), as threads spread over ``processes`` processes; return the merged outcome.
    ``worker`` must be a module-level function (it crosses into the processes)."""
    ctx = multiprocessing.get_context("fork")
    queue, stop_event = ctx.Queue(), stop_event or ctx.Event()
    stop_at = time.time() + seconds
    procs = []
    for p in range(processes):
        ids = list(range(p, clients, processes))
        if ids:
            proc = ctx.Process(target=_process_main, args=(worker, spec, ids, stop_at, stop_event, queue), daemon=True)
            proc.start()
            procs.append(proc)
    total = Outcome(stats=Stats(), kept={})
    for _ in procs:
        part = queue.get()
        total.stats.merge(part.stats)
        for key, values in part.kept.items():
            total.kept.setdefault(key, []).extend(values)
    for proc in procs:
        proc.join()
    return total


def step_table(stats: Stats, *, seconds: float, cpu: dict[str, float] | None = None) -> str:
    """A Markdown table of every step: requests, rate, p50/p95/p99 in ms, errors by kind, and CPU ms per
    request of the measured processes (``cpu``: name → seconds over the run, spread over all requests by their
    share of the total latency, a proxy for the time each step held a server thread)."""
    total_busy = sum(sum(s.latencies) for s in stats.steps.values()) or 1.0
    head = "| step | requests | per s | p50 ms | p95 ms | p99 ms | errors |"
    line = "|---|--:|--:|--:|--:|--:|---|"
    if cpu:
        head += "".join(f" {name} CPU ms/req |" for name in cpu)
        line += "--:|" * len(cpu)
    rows = [head, line]
    for name in sorted(stats.steps):
        step = stats.steps[name]
        n = len(step.latencies)
        errors = ", ".join(f"{k} ×{v}" for k, v in sorted(step.errors.items())) or "0"
        row = (f"| {name} | {n} | {n / seconds:.1f} | {percentile(step.latencies, 50) * 1000:.0f} | "
               f"{percentile(step.latencies, 95) * 1000:.0f} | {percentile(step.latencies, 99) * 1000:.0f} | {errors} |")
        if cpu:
            share = sum(step.latencies) / total_busy
            row += "".join(f" {secs * share / n * 1000:.1f} |" for secs in cpu.values())
        rows.append(row)
    return "\n".join(rows)
