"""The task queue on a broker (RQ on Redis), with real `wenming worker` processes against this test's PostgreSQL
database and Redis database 7:

- two workers: only the holder of the scheduling lease schedules; after a ``kill -9`` of the holder the other
  takes over within the lease's TTL plus one tick;
- a worker killed with ``kill -9`` in the middle of a webhook post: every delivery arrives, and the receiver, which
  de-duplicates on ``X-Wenming-Delivery``, applies each exactly once; the post in flight at the kill is sent again
  (at least once) and counted as "redelivered, deduplicated"; before that, a request that enqueued while the
  broker was unreachable succeeded, and its outbox row is delivered once the broker is back; a task enqueued on RQ
  is run by the worker.

The figures are printed (``-s`` shows them) for docs/redis.md.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.test import override_settings

from wenming.conftest import REDIS_TEST_URL, needs_postgresql, needs_redis

pytestmark = [pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[3]
CLOSED_PORT_URL = "redis://127.0.0.1:15539/7"  # nothing listens there: the broker is down
LEASE_TTL = 2.0  # the scheduling lease in these tests (30 s by default)
DELIVERY_LEASE = 3.0  # a delivery's lease (600 s by default)
RQ_SETTINGS = {"TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}}


def _rq_queues(url: str) -> dict:
    return {"default": {"URL": f"{url}?socket_connect_timeout=2", "DEFAULT_TIMEOUT": 600}}


@pytest.fixture
def broker(django_db_setup):
    """PostgreSQL (the workers are other processes: they share the test's database) and Redis database 7, empty
    before and after."""
    needs_postgresql()

    client = needs_redis()
    client.flushdb()
    yield client
    client.flushdb()


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """A real `wenming worker` on the RQ backend, in its own process group (so kill -9 takes its queue worker and
    the job it is running too, as when a machine dies)."""

    def __init__(self, tmp_path: Path, name: str, **env):
        self.log_path = tmp_path / f"{name}.log"
        self.started = time.monotonic()
        full_env = dict(os.environ, DATABASE_URL=_database_url(), WENMING_TESTING="1", WENMING_TASK_BACKEND="rq",
                        REDIS_URL=REDIS_TEST_URL, WENMING_MEDIA_ROOT=str(tmp_path / "media"), PYTHONUNBUFFERED="1",
                        PYTHONPATH=str(ROOT), WENMING_SCHEDULER_LEASE_SECONDS=str(LEASE_TTL),
                        WENMING_DELIVERY_LEASE_SECONDS=str(DELIVERY_LEASE), WENMING_WEBHOOK_TIMEOUT="1.5", **env)
        with self.log_path.open("w") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "wenming.cli", "worker", "--interval", "0.5", "-v", "2"],
                                            cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def tree(self) -> list[int]:
        """This worker's processes: itself, RQ's worker, and the work horse RQ forks per job (which leaves the
        process group: RQ puts it in a session of its own)."""
        pids, found = [self.process.pid], []
        while pids:
            pid = pids.pop()
            found.append(pid)
            try:
                for task in Path(f"/proc/{pid}/task").iterdir():
                    pids.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
        return found

    def kill(self) -> None:
        """kill -9 of every process of the worker at once, as when its machine dies."""
        if self.process.poll() is None:
            for pid in self.tree():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(name: str, **env) -> Worker:
        worker = Worker(tmp_path, name, **env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def _wait(condition, *, within: float, what: str, workers=()):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    logs = "\n".join(f"--- {w.log_path.name}\n{w.output()[-3000:]}" for w in workers)
    raise AssertionError(f"not within {within} s: {what}\n{logs}")


class Receiver:
    """A webhook receiver that takes its time (``delay`` seconds per post) and applies each delivery id once."""

    def __init__(self, delay: float):
        self.seen: list[int] = []  # every post, in order
        self.applied: collections.Counter = collections.Counter()  # what the receiver's own system did, per id
        self.entered = threading.Semaphore(0)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                self.rfile.read(int(self.headers["Content-Length"]))
                delivery = int(self.headers["X-Wenming-Delivery"])
                receiver.seen.append(delivery)
                receiver.entered.release()
                if delivery not in receiver.applied:  # the de-duplication docs/webhooks.md asks receivers for
                    receiver.applied[delivery] += 1
                time.sleep(delay)
                try:
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the sender was killed while we slept
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _intake(*, how_many: int, marker: str) -> list:
    """Cases taken in through the workflow service: each writes its 'report' event and, with it, one webhook
    delivery per receiver (the outbox), and asks the queue to deliver after the commit."""
    from wenming.cases.models import Category
    from wenming.cases.services import workflow as wf
    from wenming.org.models import Area, Person

    grid = Area.objects.filter(level="grid", lng__isnull=False).order_by("code").first()
    actor = Person.objects.get(username="shouli")
    category = Category.objects.get(code="SJ0401")
    return [wf.case_intake(channel="hotline", description=f"{marker} {i} 占道经营", lng=grid.lng, lat=grid.lat,
                           category=category, actor=actor) for i in range(how_many)]


def test_only_one_of_two_workers_schedules_and_the_other_takes_over_after_a_kill_9(broker, workers):
    """No rows needed (the workers' periodic jobs run on whatever the test database holds), so no flush after."""
    from wenming.site.management.commands.worker import LEASE_KEY

    first, second = workers("first"), workers("second")
    both = [first, second]
    _wait(lambda: broker.get(LEASE_KEY) is not None and any("scheduler: round" in w.output() for w in both),
          within=30, what="a worker takes the scheduling lease", workers=both)
    # Let both run a while: rounds (every 0.5 s) come from the holder only.
    time.sleep(3 * LEASE_TTL)
    holder_pid = int(broker.get(LEASE_KEY).decode().split(":")[1])
    holder, other = (first, second) if first.process.pid == holder_pid else (second, first)
    assert holder.process.pid == holder_pid
    assert holder.output().count("scheduler: round") >= 3
    assert "scheduler: round" not in other.output(), "both workers scheduled"

    holder.kill()
    killed_at = time.monotonic()
    _wait(lambda: "scheduler: leading" in other.output(), within=LEASE_TTL + 15,
          what="the other worker takes the lease over", workers=both)
    took_over = time.monotonic() - killed_at
    _wait(lambda: "scheduler: round" in other.output(), within=10, what="the new holder schedules", workers=both)
    print(f"\nscheduler takeover after kill -9: {took_over:.1f} s (lease TTL {LEASE_TTL:g} s)")
    # The bound: the TTL, plus one tick (TTL/3), plus the polling here and a loaded machine's slack.
    assert took_over <= LEASE_TTL + LEASE_TTL / 3 + 3


@pytest.mark.django_db(transaction=True)
def test_the_outbox_survives_the_broker_down_and_a_worker_killed_mid_delivery(broker, committed_city, workers, client,
                                                                              caplog):
    """One scenario, so the city is committed (and flushed) once: a request while the broker is down, then cases
    while it is up, then a worker killed with kill -9 in the middle of a post, then a second worker."""
    from wenming.api.services.keys import api_key_issue
    from wenming.cases.models import Webhook, WebhookDelivery
    from wenming.cases.services.webhooks import _enqueue_delivery
    from wenming.common.tasks import deliver_notifications
    from wenming.org.models import Area, Person

    receiver = Receiver(delay=0.4)
    try:
        hook = Webhook.objects.create(name="queue faults", url=receiver.url, actions=["report"])
        grid = Area.objects.filter(level="grid", lng__isnull=False).order_by("code").first()
        _key, raw = api_key_issue(name="queue faults", person=Person.objects.get(username="shouli"), channel="12345")

        # 1. The broker is down: the request's after-commit enqueue fails, is logged, and the request succeeds with
        # its outbox row written.
        with override_settings(**RQ_SETTINGS, RQ_QUEUES=_rq_queues(CLOSED_PORT_URL)):
            started = time.monotonic()
            answer = client.post("/open311/v2/requests.json", {
                "api_key": raw, "service_code": "SJ0401", "lat": grid.lat, "long": grid.lng, "description": "broker down"})
            took = time.monotonic() - started
            started = time.monotonic()
            _enqueue_delivery()  # what the broker being down costs a request: one refused connection, logged
            enqueue_took = time.monotonic() - started
        assert answer.status_code == 200, answer.content[:300]
        assert "the task queue refused the delivery task" in caplog.text
        assert enqueue_took < 1
        while_down = WebhookDelivery.objects.get(webhook=hook)
        assert while_down.state == WebhookDelivery.State.PENDING

        # 2. The broker is back: more cases, each with its delivery and a task on RQ.
        with override_settings(**RQ_SETTINGS, RQ_QUEUES=_rq_queues(REDIS_TEST_URL)):
            _intake(how_many=8, marker="kill-9")
        ids = set(WebhookDelivery.objects.filter(webhook=hook).values_list("pk", flat=True))
        assert len(ids) == 9

        # 3. A worker posts; when the third post is in flight (the receiver sleeps in it), all its processes die.
        first = workers("first")
        for _ in range(3):
            assert receiver.entered.acquire(timeout=45), first.output()[-3000:]
        first.kill()
        killed_at = time.monotonic()
        in_flight = receiver.seen[-1]

        # 4. Another worker: the dead one's lease on the row in flight runs out, the sweep hands it back, all arrive.
        second = workers("second")
        _wait(lambda: WebhookDelivery.objects.filter(pk__in=ids, state=WebhookDelivery.State.DELIVERED).count() == 9,
              within=60, what="every delivery is delivered after the kill", workers=[first, second])
        recovered_in = time.monotonic() - killed_at
        posts = collections.Counter(receiver.seen)
        redelivered = sum(n - 1 for n in posts.values())
        assert set(posts) == ids
        assert all(n == 1 for n in receiver.applied.values()) and set(receiver.applied) == ids
        # At least once: only the post in flight at the kill may go out twice (same id, dropped by the receiver).
        assert {i for i, n in posts.items() if n > 1} <= {in_flight}

        # 5. A task enqueued on RQ is run by the worker's RQ worker (its result is read back from Redis).
        with override_settings(**RQ_SETTINGS, RQ_QUEUES=_rq_queues(REDIS_TEST_URL)):
            result = deliver_notifications.enqueue()

            def finished():
                result.refresh()
                return result.status == "SUCCESSFUL"

            _wait(finished, within=30, what="the RQ worker runs the enqueued task", workers=[second])
        print(f"\nbroker down: the request answered {answer.status_code} in {took * 1000:.0f} ms (the failed enqueue: "
              f"{enqueue_took * 1000:.0f} ms), its webhook delivered after the broker came back"
              f"\nkill -9 mid-delivery: {len(ids)} deliveries, {len(receiver.seen)} posts, {redelivered} redelivered "
              f"(deduplicated by the receiver), 0 applied twice; all delivered {recovered_in:.1f} s after the kill "
              f"(delivery lease {DELIVERY_LEASE:g} s, the second worker's cold start included)")
    finally:
        receiver.close()


