"""Faults (issue 12): ``kill -9`` of a web worker twice during a burst of intakes with photos, on PostgreSQL.

The real server (``wenming serve``: gunicorn, 3 workers) runs against this test's database and a temporary media
folder; threads post Open311 requests, each with a photo; a worker is killed twice mid-burst. Then:

- every acknowledged case (a 200 with its number) exists; a case whose answer was lost with the killed worker
  may exist too, so rows − acknowledged ≤ requests left without an answer;
- no half-written case: each has its report event, each evidence row its files on disk;
- no duplicate outbox row: one webhook delivery per event, one notification per key;
- orphan files only from requests killed in flight: a file written before a ``kill -9`` outlives its transaction
  (no rollback runs), so the originals without a row ≤ requests left without an answer, and their copies with
  them; then ``files_sweep(older_than=0)`` leaves no orphan and removes no file an evidence row names.

The figures of the run are printed (``-s`` shows them) for docs/security.md.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from wenming.common.services.files import files_sweep
from wenming.conftest import needs_postgresql, photo_bytes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

REQUESTS = 200
THREADS = 6
WORKERS = 3
KILL_AFTER = (50, 120)  # answers seen before each kill


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _wait_until_up(port: int, process: subprocess.Popen, deadline: float) -> None:
    import requests

    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/open311/v2/discovery.json", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not answer within 30 s")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")
def test_kill_9_of_a_worker_during_a_burst_leaves_nothing_half_written(committed_city, tmp_path, settings):
    needs_postgresql()
    import requests

    from wenming.api.services.keys import api_key_issue
    from wenming.cases.models import Case, CaseEvent, Evidence, Webhook, WebhookDelivery
    from wenming.common.models import Notification
    from wenming.org.models import Area, Person

    grid = Area.objects.filter(level="grid", lng__isnull=False).order_by("code").first()
    _key, raw = api_key_issue(name="fault burst", person=Person.objects.get(username="shouli"), channel="12345")
    Webhook.objects.create(name="fault burst", url="http://127.0.0.1:9/hook", actions=[])
    media = tmp_path / "media"
    media.mkdir()
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=_database_url(), WENMING_MEDIA_ROOT=str(media), WENMING_TESTING="1",
               WENMING_WORKERS=str(WORKERS), PYTHONUNBUFFERED="1")
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "wenming.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", str(WORKERS), "--threads", "2"], env=env, stdout=log, stderr=subprocess.STDOUT)
    marker = f"fault-{uuid.uuid4().hex[:8]}"
    acknowledged: set[str] = set()
    unanswered, refused, killed = [], [], []
    lock = threading.Lock()
    counter = iter(range(REQUESTS))
    started = time.monotonic()
    try:
        _wait_until_up(port, server, time.monotonic() + 30)
        photo = photo_bytes(size=(320, 240), pattern=5)

        def post_many():
            session = requests.Session()
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                try:
                    answer = session.post(
                        f"http://127.0.0.1:{port}/open311/v2/requests.json",
                        data={"api_key": raw, "service_code": "SJ0401", "lat": f"{grid.lat:.6f}",
                              "long": f"{grid.lng:.6f}", "description": f"{marker} {i} 井盖缺失"},
                        files={"media": (f"p{i}.png", photo, "image/png")}, timeout=30)
                except requests.RequestException as exc:
                    with lock:
                        unanswered.append((i, type(exc).__name__))
                    session = requests.Session()
                    continue
                with lock:
                    if answer.status_code == 200:
                        acknowledged.add(answer.json()[0]["service_request_id"])
                    else:
                        refused.append((i, answer.status_code, answer.text[:200]))

        threads = [threading.Thread(target=post_many) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for threshold in KILL_AFTER:
            while len(acknowledged) + len(refused) + len(unanswered) < threshold and any(t.is_alive() for t in threads):
                time.sleep(0.01)
            workers = _children(server.pid)
            if workers:
                os.kill(workers[-1], signal.SIGKILL)
                killed.append(workers[-1])
        for thread in threads:
            thread.join(timeout=120)
        burst = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    rows = {c.number: c for c in Case.objects.filter(description__startswith=f"{marker} ")}
    print(f"\nfault run: {REQUESTS} intakes with a photo in {burst:.1f} s from {THREADS} threads, {WORKERS} workers; "
          f"killed {len(killed)}; acknowledged {len(acknowledged)}, refused {len(refused)}, unanswered "
          f"{len(unanswered)}; case rows {len(rows)}")
    assert len(killed) == 2, "no worker to kill"
    assert not [r for r in refused if r[1] >= 500 and r[1] != 502], f"answers 5xx: {refused[:5]}"
    missing = acknowledged - set(rows)
    assert not missing, f"acknowledged but not stored: {sorted(missing)[:5]}"
    extra = set(rows) - acknowledged
    assert len(extra) <= len(unanswered), f"{len(extra)} cases stored without an answer, {len(unanswered)} unanswered"

    cases = list(rows.values())
    events = CaseEvent.objects.filter(case__in=cases)
    no_report = [c.number for c in cases if not events.filter(case=c, action="report").exists()]
    assert not no_report, f"cases without their report event: {no_report[:5]}"
    evidence = list(Evidence.objects.filter(case__in=cases))
    assert len({e.case_id for e in evidence}) == len(cases), "a case stored without its photo"
    half = [e.pk for e in evidence for f in (e.file, e.public_file, e.thumbnail) if f and not (media / f.name).is_file()]
    assert not half, f"evidence rows whose file is missing: {half[:5]}"

    deliveries = WebhookDelivery.objects.filter(event__in=events)
    assert deliveries.count() == events.count(), "one webhook delivery per event"
    assert deliveries.values("event_id").distinct().count() == deliveries.count(), "a duplicate outbox row"
    first = min((c.created_at for c in cases), default=None)
    keys = list(Notification.objects.filter(created_at__gte=first).values_list("key", "channel", "recipient_id")
                ) if first else []
    assert len(keys) == len(set(keys)), "a notification sent twice"

    def on_disk() -> tuple[set[str], set[str]]:
        owned = {f.name for e in Evidence.objects.all() for f in (e.file, e.public_file, e.thumbnail) if f}
        files = {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}
        return owned, files - owned

    owned, orphans = on_disk()
    # An intake writes its original under its case's folder and two copies (shared, thumbnail) beside the others.
    originals = [o for o in orphans if not o.startswith(("evidence/public/", "evidence/thumbs/"))]
    print(f"fault run: evidence rows {len(evidence)}, files {len(owned) + len(orphans)}, orphan files {len(orphans)} "
          f"({len(originals)} originals), webhook deliveries {deliveries.count()} for {events.count()} events")
    assert len(originals) <= len(unanswered) and len(orphans) <= 3 * len(unanswered), (
        f"{len(orphans)} files without an evidence row, {len(unanswered)} requests killed in flight: {sorted(orphans)[:5]}")

    settings.MEDIA_ROOT = media
    swept = files_sweep(older_than=dt.timedelta(0))
    owned_after, orphans_after = on_disk()
    print(f"fault run: sweep removed {swept.removed} of {swept.files} files, {len(orphans_after)} orphans left")
    assert swept.removed == len(orphans) and not orphans_after
    gone = [name for name in owned_after if not (media / name).is_file()]
    assert not gone, f"the sweep removed files evidence rows name: {gone[:5]}"
