import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import redis
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django_tasks.base import TaskResultStatus

from wenming.campaign.tasks import scan_campaign
from wenming.cases.services.escalation import escalations_scan
from wenming.cases.services.webhooks import webhooks_deliver, webhooks_recover
from wenming.cases.tasks import deliver_webhooks, scan_escalations
from wenming.common.services.notifications import notifications_deliver, notifications_recover
from wenming.common.tasks import deliver_notifications, sweep_files
from wenming.evaluation.material_tasks import scan_material_reminders
from wenming.evaluation.tasks import scan_risks
from wenming.scoring.tasks import compute_snapshots, refresh_daily_counts
from wenming.selections.tasks import scan_vote_flags
from wenming.windows.tasks import scan_certificate_reminders

log = logging.getLogger(__name__)

# The checkout this file belongs to: the queue worker we start must run its code, not whichever one is installed.
PROJECT_ROOT = Path(__file__).resolve().parents[4]
LEASE_KEY = "wenming:worker:scheduler"

# Renew only while the value is still ours: a holder whose lease ran out (paused, cut off) must not extend the
# lease another worker has taken since.
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"


class SchedulerLease:
    """Which of several workers schedules the periodic jobs: a Redis key with a TTL that its holder renews.

    A holder killed with ``kill -9`` renews no more; its key expires after ``ttl`` seconds and the next worker to
    try takes it. A holder that cannot reach Redis counts itself out once ``ttl`` has passed since its last renewal,
    so two never schedule at once for longer than a renewal in flight. Without Redis (one server, the database
    queue) there is nobody to share with and the worker always holds it.
    """

    def __init__(self, *, url: str, ttl: float, key: str = LEASE_KEY):
        self.ttl, self.key = ttl, key
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2) if url else None
        self.renewed_at = float("-inf")

    def hold(self) -> bool:
        """Take or renew the lease; True while this worker holds it."""
        if self.client is None:
            return True
        started = time.monotonic()
        ttl_ms = int(self.ttl * 1000)
        try:
            held = bool(self.client.eval(_RENEW, 1, self.key, self.token, ttl_ms)) or bool(
                self.client.set(self.key, self.token, nx=True, px=ttl_ms))
        except redis.RedisError:
            log.warning("worker: Redis unreachable, scheduling lease not renewed", exc_info=True)
            return time.monotonic() - self.renewed_at < self.ttl
        if held:
            self.renewed_at = started
        return held

    def release(self) -> None:
        """On a clean stop: hand over at once instead of after the TTL."""
        if self.client is None:
            return
        with contextlib.suppress(redis.RedisError):  # unreachable: the TTL hands it over instead
            self.client.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
                             "else return 0 end", 1, self.key, self.token)


def _die_with_parent() -> None:
    """In the queue worker's process, before it runs: a SIGTERM when the `wenming worker` that started it dies,
    even by kill -9 (Linux's parent-death signal), so no orphan keeps working a queue nobody supervises."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _enqueue(job, waiting: dict) -> bool:
    """A periodic job onto the queue, unless the one enqueued last time still waits there (a queue worker that is
    behind, or down, must not find a pile of copies). The broker may be down or restarting: log, carry on, and the
    next round enqueues it again; the outbox rows wait in the database meanwhile."""
    previous = waiting.get(job)
    if previous is not None:
        try:
            previous.refresh()
            if previous.status == TaskResultStatus.READY:
                return True
        except Exception:  # expired, or the broker lost it in a restart: enqueue anew
            log.debug("worker: the last %s is gone from the queue", job.name, exc_info=True)
    try:
        waiting[job] = job.enqueue()
    except Exception:
        log.warning("worker: could not enqueue %s, retried next round", job.name, exc_info=True)
        return False
    return True


class Command(BaseCommand):
    help = ("Run background work: the task queue worker, and the periodic escalation, campaign and risk scans, "
            "notification and webhook retries, dashboard counts, score snapshots and the orphan-file sweep.")

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=None,
                            help="seconds between periodic scans (default WENMING_WORKER_INTERVAL, 60)")
        parser.add_argument("--once", action="store_true", help="run the periodic jobs once, in this process, and exit")
        parser.add_argument("--parent-pid", type=int, default=None,
                            help="stop when this process (the one that started us) ends; wenming serve --with-worker")

    def handle(self, *args, interval, once, parent_pid=None, **options):
        if once:
            self.stdout.write(f"escalations: {escalations_scan()}")
            self.stdout.write(f"campaign: {scan_campaign.call()}")
            self.stdout.write(f"risks: {scan_risks.call()}")
            self.stdout.write(f"materials: {scan_material_reminders.call()}")
            self.stdout.write(f"window certificates: {scan_certificate_reminders.call()}")
            self.stdout.write(f"vote flags: {scan_vote_flags.call()}")
            notifications_recover()
            self.stdout.write(f"notifications: {notifications_deliver()}")
            webhooks_recover()
            self.stdout.write(f"webhooks: {webhooks_deliver()}")
            self.stdout.write(f"daily counts: {refresh_daily_counts.call()}")
            self.stdout.write(f"snapshots: {compute_snapshots.call()}")
            self.stdout.write(f"files: {sweep_files.call()}")
            return
        interval = interval if interval is not None else settings.WENMING_WORKER_INTERVAL
        # The queue itself is worked by a child: RQ's worker on Redis, or django-tasks-db's on the database. This
        # process schedules the periodic jobs, when it holds the scheduling lease.
        if settings.WENMING_TASK_BACKEND == "rq":
            queue = ["rqworker", "default", "--job-class", "django_tasks_rq.backend.Job", "--name",
                     f"wenming-{socket.gethostname()}-{os.getpid()}"]
        else:
            queue = ["db_worker"]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])))
        child = subprocess.Popen([sys.executable, "-m", "wenming.cli", *queue], env=env, cwd=PROJECT_ROOT,
                                 preexec_fn=_die_with_parent)
        lease = SchedulerLease(url=settings.REDIS_URL, ttl=settings.WENMING_SCHEDULER_LEASE_SECONDS)
        stop = False

        def _stop(*_):
            nonlocal stop
            stop = True

        # The server that started us may be stopped by a signal to it alone (a service manager, kill): once it is
        # gone this process is re-parented, which is how we notice (also if it went before we got here).
        parent = parent_pid
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        # Slower jobs: the public vote's flag re-scan every five minutes; the dashboards' daily counts, the
        # materials' due-date reminders and the orphan-file sweep hourly, the score snapshots daily (all at start
        # too, and again when another worker's lease is taken over).
        every = {refresh_daily_counts: 3600.0, scan_material_reminders: 3600.0, compute_snapshots: 86400.0, sweep_files: 3600.0,
                 scan_certificate_reminders: 3600.0, scan_vote_flags: 300.0}
        last_run = dict.fromkeys(every, float("-inf"))
        # The lease is renewed (and the round's time checked) three times per TTL, so a short stall of its holder
        # does not hand it over; a killed holder's is taken over within TTL + one tick.
        tick = min(interval, lease.ttl / 3)
        leading, last_round = False, float("-inf")
        waiting: dict = {}  # the last result of each periodic job enqueued

        try:
            while not stop:
                now_leading = lease.hold()
                if now_leading != leading:
                    leading = now_leading
                    self._say(f"scheduler: {'leading' if leading else 'standing by'} ({lease.token})")
                    if not leading:
                        last_run = dict.fromkeys(every, float("-inf"))
                if leading and time.monotonic() - last_round >= interval:
                    last_round = time.monotonic()
                    self._round(every, last_run, waiting)
                    if options["verbosity"] >= 2:
                        self._say(f"scheduler: round ({lease.token})")
                wake = time.monotonic() + tick
                while not stop and time.monotonic() < wake:
                    time.sleep(min(0.1, tick))
                    if parent is not None and os.getppid() != parent:
                        stop = True
                    elif child.poll() is not None:
                        # The queue worker died (out of memory, a crash): start another rather than schedule for nobody.
                        log.error("worker: the queue worker exited with %s, starting another", child.returncode)
                        child = subprocess.Popen([sys.executable, "-m", "wenming.cli", *queue], env=env, cwd=PROJECT_ROOT,
                                                 preexec_fn=_die_with_parent)
        finally:
            lease.release()
            child.terminate()
            child.wait(timeout=30)

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def _round(self, every: dict, last_run: dict, waiting: dict) -> None:
        """One scheduling round: leases of dead workers handed back, every periodic job enqueued, the outbox
        delivery tasks too (what a lost 'deliver now' task, or a broker restart, left behind)."""
        # A long-lived process: a connection broken by a database failover or a PgBouncer restart is dropped
        # here and opened anew, instead of failing every round after it.
        close_old_connections()
        try:
            notifications_recover()
            webhooks_recover()
        except Exception:  # the database failing over: the next round recovers
            log.warning("worker: recovering expired delivery leases failed", exc_info=True)
        for job in (scan_escalations, scan_campaign, scan_risks, deliver_notifications, deliver_webhooks):
            _enqueue(job, waiting)
        for job, period in every.items():
            if time.monotonic() - last_run[job] >= period and _enqueue(job, waiting):
                last_run[job] = time.monotonic()
