import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_worker_once_runs_every_periodic_job(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the file sweep must never look at a developer's own media folder
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    lines = [line.split(":")[0] for line in out.getvalue().splitlines()]
    assert lines == ["escalations", "campaign", "risks", "materials", "window certificates", "vote flags",
                     "notifications", "webhooks", "daily counts", "snapshots", "files"]


def _alive(pid: int) -> bool:
    """Running, not a zombie (a re-parented process that exited may wait for a reaper that never comes)."""
    from pathlib import Path

    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="reads /proc")
def test_the_demo_worker_stops_when_its_server_is_killed(tmp_path):
    import os
    import subprocess
    import sys
    import time

    # Its own media folder: the worker's file sweep on an empty database would take a real one for orphans.
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'w.sqlite3'}", WENMING_TESTING="1",
               WENMING_MEDIA_ROOT=str(tmp_path / "media"))
    subprocess.run([sys.executable, "-m", "wenming.cli", "migrate", "-v0"], env=env, check=True)
    # A stand-in for the server: starts the worker as `wenming serve --with-worker` does, then dies.
    parent = subprocess.run([sys.executable, "-c", (
        "import os, subprocess, sys; p = subprocess.Popen([sys.executable, '-m', 'wenming.cli', 'worker', "
        "'--parent-pid', str(os.getpid()), '--interval', '0.5'], stdout=subprocess.DEVNULL); print(p.pid)")], env=env, capture_output=True, text=True, check=True)
    pid = int(parent.stdout.strip())
    deadline = time.monotonic() + 30
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = _alive(pid)
    if alive:
        os.kill(pid, 15)
    assert not alive, "the worker outlived the process that started it"
