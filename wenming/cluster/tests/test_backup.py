"""Backups end to end on a real PostgreSQL 15 with pgBackRest: a scratch cluster archiving its WAL, Wenming migrated
into it with cases and photos, a full and an incremental backup with media snapshots, a point-in-time restore into a
second scratch cluster through ``wenming backup restore``, the counts at the chosen moment compared exactly, and the
files check passing on the snapshot taken after that moment (and failing on the one taken before it).

Ports 15540-15549; everything lives in one temporary folder the postgres user may enter, removed at the end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from wenming.cluster import backup

ROOT = Path(__file__).resolve().parents[3]
PORT = 15541

# A child of this checkout connected to the scratch cluster, running the steps named on its command line.
CHILD = r"""
import io, json, sys, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection, transaction
from PIL import Image, ImageDraw
from bench.seed_cases import EVENTS, SQL
from wenming.cases.models import Case, CaseEvent
from wenming.cases.services.evidence import evidence_add
from wenming.demo.city import LATTICE, demo_city_build

def photo(i):
    image = Image.new("RGB", (64, 48), (180, 40, i % 255))
    ImageDraw.Draw(image).rectangle([i % 50, i % 30, i % 50 + 10, i % 30 + 15], fill=(20, 90, 200))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()

for step in sys.argv[1:]:
    name, _, arg = step.partition(":")
    if name == "migrate":
        call_command("migrate", "--no-input", verbosity=0)
        demo_city_build(grids=60, seed=7, layout=LATTICE)
    elif name == "cases":  # cases:N:P — N cases with their report events, P of them with a photo
        count, photos = (int(x) for x in arg.split(":"))
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT coalesce(max(id), 0) FROM cases_case")
            after = cur.fetchone()[0]
            cur.execute(SQL, {"start": after + 1, "stop": after + count})
            cur.execute(EVENTS, {"after": after})
        for case in Case.objects.filter(id__gt=after).order_by("id")[:photos]:
            evidence_add(case=case, kind="before", name="photo.png", content=photo(case.id))
    elif name == "sleep":
        time.sleep(float(arg))
    elif name == "backup":
        call_command("backup", arg)
    elif name == "mark":  # the moment to restore to, on the database's clock, and the counts then
        with connection.cursor() as cur:
            cur.execute("SELECT clock_timestamp()")
            at = cur.fetchone()[0]
        print(json.dumps({"time": at.isoformat(), "cases": Case.objects.count(), "events": CaseEvent.objects.count()}))
"""


def test_archive_parameters_quote_the_paths_they_name():
    params = backup.archive_parameters(config=Path("/etc/wen ming/pgbackrest.conf"), pg_data=Path("/srv/pg 2"),
                                       archive_timeout=30)
    assert params == {
        "archive_mode": "on",
        "archive_command": "pgbackrest --config='/etc/wen ming/pgbackrest.conf' --stanza=wenming "
                           "--pg1-path='/srv/pg 2' archive-push %p",
        "archive_timeout": "30s",
        "restore_command": "pgbackrest --config='/etc/wen ming/pgbackrest.conf' --stanza=wenming "
                           "--pg1-path='/srv/pg 2' archive-get %f \"%p\"",
    }


def test_media_snapshots_are_chosen_at_or_after_the_moment_and_checked_on_restore(tmp_path):
    media, backups = tmp_path / "media", tmp_path / "backups"
    (media / "evidence" / "1").mkdir(parents=True)
    (media / "evidence" / "1" / "a.png").write_bytes(b"first photo")
    noon = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
    first = backup.media_snapshot(media_root=media, backups=backups, taken_at=noon)
    (media / "evidence" / "1" / "b.png").write_bytes(b"second photo")
    second = backup.media_snapshot(media_root=media, backups=backups, taken_at=noon + dt.timedelta(hours=1))
    (backups / ".partial-20261206T140000.000000Z").mkdir()  # an unfinished snapshot is never chosen

    manifest = json.loads((second / backup.MANIFEST).read_text())
    assert [(f["name"], f["size"]) for f in manifest["files"]] == [("evidence/1/a.png", 11), ("evidence/1/b.png", 12)]
    assert manifest["files"][1]["sha256"] == hashlib.sha256(b"second photo").hexdigest()
    assert [label for label, _path in backup.media_snapshots(backups=backups)] == [noon, noon + dt.timedelta(hours=1)]
    assert backup.media_snapshot_for(backups=backups, target_time=noon) == first
    assert backup.media_snapshot_for(backups=backups, target_time=noon + dt.timedelta(minutes=1)) == second
    with pytest.raises(backup.BackupError):
        backup.media_snapshot_for(backups=backups, target_time=noon + dt.timedelta(hours=2))

    assert backup.media_restore(snapshot=second, into=tmp_path / "restored") == 2
    assert (tmp_path / "restored" / "evidence" / "1" / "b.png").read_bytes() == b"second photo"
    (second / "evidence" / "1" / "a.png").unlink()  # a snapshot damaged since: the restore refuses it
    (second / "evidence" / "1" / "a.png").write_bytes(b"other photo")
    with pytest.raises(backup.BackupError, match="does not match"):
        backup.media_restore(snapshot=second, into=tmp_path / "again")


def _tools_missing() -> str | None:
    if shutil.which("pgbackrest") is None:
        return "pgbackrest (apt-get install pgbackrest)"
    if not (backup.PG_BIN / "initdb").exists():
        return "PostgreSQL 15's server binaries (apt-get install postgresql-15)"
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != "postgres":
        return "root or the postgres user, to run the scratch clusters as postgres"
    return None


@pytest.fixture
def scratch():
    """A folder the postgres user may enter; every cluster started under it is stopped, and it is removed."""
    if missing := _tools_missing():
        if os.environ.get("CI") == "true":
            pytest.fail(f"this test needs {missing} (CI must provide it)")
        pytest.skip(f"needs {missing}")
    if os.environ.get("WENMING_PG_PASS_FOLLOWS") == "1":
        # It needs no Django database of its own: once per `make test` is enough, in the PostgreSQL pass.
        pytest.skip("runs in the PostgreSQL pass that follows")
    base = Path(tempfile.mkdtemp(prefix="wenming-test-backup-"))
    base.chmod(0o755)
    yield base
    for data in (base / "pg").glob("*"):
        with contextlib.suppress(backup.BackupError):  # one that never started
            backup.pg_stop(data=data, mode="immediate")
    shutil.rmtree(base, ignore_errors=True)


def _run(argv: list[str], env: dict, *, timeout: float = 180) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{argv[-3:]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


def test_point_in_time_restore_brings_back_the_counts_and_files_of_the_moment(scratch):
    source = backup.PgNode(data=scratch / "pg" / "source", port=PORT, socket_dir=scratch / "sock")
    config = backup.pgbackrest_config(path=scratch / "pgbackrest" / "pgbackrest.conf", repo=scratch / "repo",
                                      nodes=[source])
    params = backup.archive_parameters(config=config)
    assert params["archive_mode"] == "on" and "archive-push %p" in params["archive_command"]
    assert f"--config={config}" in params["restore_command"] and "archive-get %f" in params["restore_command"]
    del params["restore_command"]  # for a server in recovery only
    # fsync off: a test cluster need not survive a power cut, and it saves seconds on a loaded machine.
    backup.pg_init(data=source.data, port=PORT, socket_dir=source.socket_dir, settings={**params, "fsync": "off"})
    backup.pg_start(data=source.data)
    backup.pg_value(port=PORT, sql="CREATE DATABASE wenming")
    backup.stanza_create(config=config)

    media_backups = scratch / "media-backups"
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PORT}/wenming", "WENMING_DEMO": "1",
           "WENMING_MEDIA_ROOT": str(scratch / "media"), "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE":
           "wenming.settings", "WENMING_PGBACKREST_CONFIG": str(config), "WENMING_MEDIA_BACKUPS": str(media_backups)}
    env.pop("WENMING_TESTING", None)
    child = [sys.executable, "-c", CHILD]
    # Before the moment: a full backup and its snapshot, more cases, an incremental backup (the restore starts
    # from it: the latest that ended before the moment; the repository keeps whole seconds), more cases.
    # After it: more cases with photos, and a snapshot (the one a restore to the moment takes).
    marked = _run([*child, "migrate", "cases:40:3", "backup:full", "cases:40:3", "backup:incr", "sleep:1.2",
                   "cases:40:3", "mark", "cases:30:2", "backup:media"], env, timeout=300)
    at = json.loads(next(line for line in marked.stdout.splitlines() if line.startswith("{")))
    target = dt.datetime.fromisoformat(at["time"])
    assert at["cases"] == 120 and at["events"] == 120
    backup.archive_check(config=config)  # every commit so far is archived, one after the moment included
    assert int(backup.pg_value(port=PORT, database="wenming", sql="SELECT count(*) FROM cases_case")) == 150
    snapshots = backup.media_snapshots(backups=media_backups)
    assert len(snapshots) == 3 and snapshots[1][0] < target < snapshots[2][0]
    assert backup.media_snapshot_for(backups=media_backups, target_time=target) == snapshots[2][1]
    manifest = json.loads((snapshots[2][1] / backup.MANIFEST).read_text())
    assert len(manifest["files"]) == 3 * 11  # 11 photos, each with its shared copy and thumbnail
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in manifest["files"])

    start_from = backup.backup_before(config=config, target_time=target)
    assert start_from.kind == "incr"  # the latest backup that ended before the moment
    restored = scratch / "pg" / "restored"
    # The command fails unless the files check it runs on the restored database and media passes.
    done = _run([sys.executable, "-m", "wenming.cli", "backup", "restore", "--time", target.isoformat(),
                 "--into", str(restored), "--port", str(PORT + 1), "--media-into", str(scratch / "media-restored")],
                env, timeout=300)
    assert start_from.label in done.stdout

    def count(table: str) -> int:
        return int(backup.pg_value(port=PORT + 1, database="wenming", sql=f"SELECT count(*) FROM {table}"))

    assert (count("cases_case"), count("cases_caseevent")) == (at["cases"], at["events"])
    assert count("cases_evidence") == 9
    assert backup.pg_value(port=PORT + 1, sql="SELECT pg_is_in_recovery()") == "f"

    # The snapshot taken before the moment lacks the photos added since: the check names them and fails.
    early = scratch / "media-early"
    assert backup.media_restore(snapshot=snapshots[1][1], into=early) == 6 * 3
    check = subprocess.run([sys.executable, "-m", "wenming.cli", "backup", "check", "--files-only"], cwd=ROOT,
                           env={**env, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PORT + 1}/wenming",
                                "WENMING_MEDIA_ROOT": str(early)}, capture_output=True, text=True, timeout=120)
    assert check.returncode == 1
    assert len([line for line in check.stderr.splitlines() if line.startswith("evidence/")]) == 3 * 3


def test_one_stanza_over_a_primary_and_its_replica_keeps_archiving_after_a_failover(scratch):
    """The cluster's shape: both nodes in one configuration, each archiving as itself; after the primary stops
    and the replica is promoted, WAL still reaches the repository and a backup finds the new primary."""
    sock = scratch / "sock"
    first = backup.PgNode(data=scratch / "pg" / "first", port=PORT + 2, socket_dir=sock)
    second = backup.PgNode(data=scratch / "pg" / "second", port=PORT + 3, socket_dir=sock)
    config = backup.pgbackrest_config(path=scratch / "pgbackrest" / "pgbackrest.conf", repo=scratch / "repo",
                                      nodes=[first, second])
    params = backup.archive_parameters(config=config, pg_data=first.data)
    assert f"--pg1-path={first.data}" in params["archive_command"]
    del params["restore_command"]
    backup.pg_init(data=first.data, port=first.port, socket_dir=sock, settings={**params, "fsync": "off"})
    with (first.data / "pg_hba.conf").open("a") as hba:
        hba.write("host replication postgres 127.0.0.1/32 trust\n")
    backup.pg_start(data=first.data)
    backup.stanza_create(config=config)
    backup._run([str(backup.PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(first.port), "-U", "postgres",
                 "-D", str(second.data), "-R", "-X", "stream"], timeout=120)
    own = backup.archive_parameters(config=config, pg_data=second.data)
    with (second.data / "postgresql.auto.conf").open("a") as auto:
        auto.write(f"port = {second.port}\n" + "".join(f"{k} = '{v.replace(chr(39), chr(39) * 2)}'\n"
                                                       for k, v in own.items() if k != "archive_mode"))
    backup.pg_start(data=second.data)
    assert backup.pg_value(port=second.port, sql="SELECT pg_is_in_recovery()") == "t"
    full = backup.backup_run(config=config, kind="full")

    backup.pg_stop(data=first.data, mode="immediate")
    backup._run([str(backup.PG_BIN / "pg_ctl"), "-D", str(second.data), "-w", "promote"], timeout=120)
    backup.pg_value(port=second.port, sql="CREATE TABLE after_failover AS SELECT 1 AS x")
    backup.archive_check(config=config)  # the promoted replica's WAL reaches the repository
    incr = backup.backup_run(config=config, kind="incr")
    assert incr.kind == "incr" and incr.label.startswith(full.label)
    assert [b.label for b in backup.backup_list(config=config)] == [full.label, incr.label]
