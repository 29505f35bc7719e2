"""Backups: continuous WAL archiving and full/incremental backups with pgBackRest, a point-in-time restore into a
scratch cluster, and media snapshots labelled with the database's clock.

A restore to time T needs two things that agree: the database as it was at T (the latest backup that ended before
T, then the archived WAL replayed up to T) and every file a row of that database names. Files are written before
their row commits and are never changed in place (``storage_save`` gives each a new name), so a media snapshot
*started* at or after T holds every file of every row committed by T; the snapshot to take is the earliest one
labelled at or after T. Its extra files (rows committed after T) are orphans the files sweep removes. Labels come
from the database's clock, the clock ``recovery_target_time`` is read against.

pgBackRest runs as the ``postgres`` user (the server runs ``archive-push`` itself, and the repository must stay
writable by it); from root every command goes through ``runuser -u postgres --``.

For the cluster's configuration (Patroni): ``pgbackrest_config`` writes the file once per machine, and
``archive_parameters`` gives the server settings (``restore_command`` belongs in Patroni's ``recovery_conf``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import pwd
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.apps import apps
from django.db import models

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PGBACKREST = "pgbackrest"
STANZA = "wenming"
MANIFEST = "manifest.json"
_SNAPSHOT_FORMAT = "%Y%m%dT%H%M%S.%fZ"  # sorts as it reads; the directory name is the label


class BackupError(RuntimeError):
    """A backup or restore step failed; the message carries the tool's own words."""


@dataclasses.dataclass(frozen=True)
class PgNode:
    """One PostgreSQL server pgBackRest backs up: its data directory, port and socket directory."""

    data: Path
    port: int
    socket_dir: Path = Path("/var/run/postgresql")


@dataclasses.dataclass(frozen=True)
class BackupSet:
    """One backup in the repository, as ``pgbackrest info`` lists it."""

    label: str
    kind: str  # full, diff or incr
    started: dt.datetime
    stopped: dt.datetime  # the database is consistent from here: a restore target must be later
    size: int  # the database's size
    stored: int  # bytes this backup added to the repository (compressed; an incremental's changed files only)


# -- running as postgres ---------------------------------------------------------------------------------------------

def _as_postgres(argv: Sequence[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else list(argv)


def _run(argv: Sequence[str], *, timeout: float = 3600, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(_as_postgres(argv), capture_output=True, text=True, timeout=timeout, cwd=cwd or "/")
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{argv[0]} took longer than {timeout:g} s: {' '.join(argv[1:])}") from exc
    if done.returncode != 0:
        raise BackupError(f"{' '.join(argv)} failed ({done.returncode}): {(done.stderr or done.stdout).strip()}")
    return done.stdout


def postgres_dir(path: Path, *, mode: int = 0o700) -> Path:
    """Create ``path`` (and its parents) owned by postgres, so the server and pgBackRest can write there. A folder
    that exists and holds anything is left as it is (``/etc`` must not become postgres's)."""
    if path.is_dir() and any(path.iterdir()):
        return path
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(path, user.pw_uid, user.pw_gid)
    path.chmod(mode)
    return path


# -- pgBackRest configuration ----------------------------------------------------------------------------------------

def pgbackrest_config(*, path: Path, repo: Path, nodes: Sequence[PgNode], stanza: str = STANZA,
                      retention_full: int = 2, process_max: int = 2) -> Path:
    """Write a pgBackRest configuration: one repository in a directory, one stanza over ``nodes`` (the primary and
    its replicas: a backup finds the primary among them). Its log and lock folders sit beside the file, so two
    configurations on one machine never share them. Returns ``path``.

    ``retention_full`` full backups are kept (and the WAL they need); older ones expire after each backup.
    """
    if not nodes:
        raise ValueError("at least one PostgreSQL node is needed")
    postgres_dir(path.parent, mode=0o750)
    postgres_dir(repo, mode=0o750)
    lines = [
        "[global]",
        f"repo1-path={repo}",
        f"repo1-retention-full={retention_full}",
        # lz4: a fraction of gzip's CPU for a little more space; the two cores also serve the database.
        "compress-type=lz4",
        f"process-max={process_max}",
        "start-fast=y",  # a checkpoint now rather than at the next timed one: backups start at once
        "archive-check=y",
        f"log-path={postgres_dir(path.parent / 'log')}",
        f"lock-path={postgres_dir(path.parent / 'lock')}",
        f"spool-path={postgres_dir(path.parent / 'spool')}",
        "log-level-console=warn",
        "log-level-file=info",
        "",
        f"[{stanza}]",
    ]
    for number, node in enumerate(nodes, start=1):
        lines += [f"pg{number}-path={node.data}", f"pg{number}-port={node.port}",
                  f"pg{number}-socket-path={node.socket_dir}"]
    path.write_text("\n".join(lines) + "\n")
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(path, user.pw_uid, user.pw_gid)
    path.chmod(0o640)
    return path


def archive_parameters(*, config: Path, stanza: str = STANZA, archive_timeout: int = 60,
                       pg_data: Path | None = None) -> dict[str, str]:
    """The server settings that archive every WAL segment into the stanza's repository and fetch them back.

    ``archive_timeout`` (seconds) bounds what a quiet server can lose: a segment not yet full is archived after
    it. ``restore_command`` is for a server in recovery (a restore, a replica catching up from the archive; in
    Patroni it goes under ``postgresql.recovery_conf``, the others under ``postgresql.parameters``). With several
    nodes on one machine, give each its own ``pg_data``: the commands then name that node's data directory rather
    than the configuration's first one, so a promoted replica archives as itself.
    """
    base = f"{PGBACKREST} --config={shlex.quote(str(config))} --stanza={shlex.quote(stanza)}"
    if pg_data is not None:
        base += f" --pg1-path={shlex.quote(str(pg_data))}"
    return {
        "archive_mode": "on",
        "archive_command": f"{base} archive-push %p",
        "archive_timeout": f"{archive_timeout}s",
        "restore_command": f'{base} archive-get %f "%p"',
    }


def _pgbackrest(config: Path, stanza: str, *args: str, timeout: float = 3600) -> str:
    return _run([PGBACKREST, f"--config={config}", f"--stanza={stanza}", *args], timeout=timeout)


def stanza_create(*, config: Path, stanza: str = STANZA) -> None:
    """Create the stanza in the repository (once, after the server runs with ``archive_parameters``)."""
    _pgbackrest(config, stanza, "stanza-create", timeout=300)


def archive_check(*, config: Path, stanza: str = STANZA) -> None:
    """Prove archiving works: the server switches to a new WAL segment and the old one must reach the repository.
    Also the way to make sure every commit so far is archived (before a restore to a time just past)."""
    _pgbackrest(config, stanza, "check", timeout=300)


def backup_run(*, config: Path, kind: str = "full", stanza: str = STANZA) -> BackupSet:
    """Take a backup (``full``, ``diff`` or ``incr``) while the server runs; return it as the repository lists it."""
    if kind not in ("full", "diff", "incr"):
        raise ValueError(f"unknown backup kind: {kind!r}")
    _pgbackrest(config, stanza, "backup", f"--type={kind}")
    return backup_list(config=config, stanza=stanza)[-1]


def backup_list(*, config: Path, stanza: str = STANZA) -> list[BackupSet]:
    """The stanza's backups, oldest first."""
    info = json.loads(_pgbackrest(config, stanza, "info", "--output=json", timeout=120))
    stamp = dt.datetime.fromtimestamp
    return [
        BackupSet(label=b["label"], kind=b["type"], started=stamp(b["timestamp"]["start"], dt.UTC),
                  stopped=stamp(b["timestamp"]["stop"], dt.UTC), size=b["info"]["size"],
                  stored=b["info"]["repository"]["delta"])
        for stanza_info in info for b in stanza_info.get("backup", [])
    ]


def backup_before(*, config: Path, target_time: dt.datetime, stanza: str = STANZA) -> BackupSet:
    """The latest backup the server was consistent after before ``target_time`` (the one a restore starts from)."""
    # The repository keeps whole seconds: a backup counts only when it ended a full second before the target.
    usable = [b for b in backup_list(config=config, stanza=stanza)
              if b.stopped + dt.timedelta(seconds=1) <= target_time]
    if not usable:
        raise BackupError(f"no backup ended before {target_time.isoformat()}")
    return usable[-1]


# -- servers ---------------------------------------------------------------------------------------------------------

def pg_value(*, port: int, sql: str, database: str = "postgres", host: str = "127.0.0.1") -> str:
    """One value from a server, through psql (trust authentication, as on the scratch clusters)."""
    return _run([str(PG_BIN / "psql"), "-X", "-h", host, "-p", str(port), "-U", "postgres", "-d", database,
                 "-tAc", sql], timeout=120).strip()


def pg_clock(*, port: int, host: str = "127.0.0.1") -> dt.datetime:
    """The server's clock now (``clock_timestamp()``, in UTC): the clock restore targets are read against."""
    text = pg_value(port=port, host=host,
                    sql="""SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')""")
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def pg_init(*, data: Path, port: int, socket_dir: Path, settings: dict[str, str] | None = None) -> None:
    """initdb a scratch cluster listening on 127.0.0.1:``port`` (trust authentication: loopback only), with
    ``settings`` appended to its postgresql.conf."""
    postgres_dir(data.parent, mode=0o755)
    postgres_dir(socket_dir, mode=0o755)
    _run([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
          "--locale=C.UTF-8"], timeout=300)
    conf = {"port": str(port), "listen_addresses": "'127.0.0.1'", "unix_socket_directories": f"'{socket_dir}'"}
    for key, value in (settings or {}).items():
        conf[key] = "'" + value.replace("'", "''") + "'"
    with (data / "postgresql.conf").open("a") as out:
        out.write("\n# wenming.cluster.backup\n" + "".join(f"{k} = {v}\n" for k, v in conf.items()))


def pg_start(*, data: Path, timeout: float = 300, options: str = "") -> None:
    """Start a cluster and wait until it accepts connections. Its log is ``<data>/startup.log``."""
    _run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(data / "startup.log"), "-w", "-t", str(int(timeout)),
          *(["-o", options] if options else []), "start"], timeout=timeout + 30)


def pg_stop(*, data: Path, mode: str = "fast") -> None:
    """Stop a cluster if it runs (``immediate`` for a scratch copy about to be removed)."""
    if (data / "postmaster.pid").exists():
        _run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", mode, "-w", "-t", "120", "stop"], timeout=180)


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def pg_state(*, data: Path) -> str:
    """The cluster's state from its control file ("in production", "in archive recovery", "shut down", …)."""
    for line in _run([str(PG_BIN / "pg_controldata"), str(data)], timeout=60).splitlines():
        if line.startswith("Database cluster state:"):
            return line.split(":", 1)[1].strip()
    raise BackupError(f"pg_controldata {data} named no state")


def _own_config_files(into: Path) -> str:
    """Server options that make a restored data directory use its own configuration files.

    Patroni writes postgresql.conf into the data directory with ``hba_file`` naming the source node's file: the
    copy's own is used instead. Debian's clusters keep the files in /etc/postgresql, so the backup holds none:
    an empty postgresql.conf and a pg_hba.conf for local logins by the operating system's user name (peer) and
    passwords on loopback are written, nothing looser.
    """
    if not (into / "postgresql.conf").exists():
        (into / "postgresql.conf").write_text("# written by wenming.cluster.backup: the source kept it elsewhere\n")
    if not (into / "pg_hba.conf").exists():
        (into / "pg_hba.conf").write_text("local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n")
    if not (into / "pg_ident.conf").exists():
        (into / "pg_ident.conf").write_text("")
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            os.chown(into / name, user.pw_uid, user.pw_gid)
    return f"-c hba_file={into / 'pg_hba.conf'} -c ident_file={into / 'pg_ident.conf'}"


def restore_pitr(*, target_time: dt.datetime, into: Path, port: int, config: Path, stanza: str = STANZA,
                 socket_dir: Path | None = None, timeout: float = 3600) -> BackupSet:
    """Restore the database as it was at ``target_time`` into a new data directory ``into`` and start it on
    ``port``: the latest backup that ended before the target, then the archived WAL replayed up to it
    (``--type=time``), then promoted. Returns once the server accepts connections and has left recovery, with
    the backup it started from.

    The restored server does not archive (``--archive-mode=off``): its new timeline must not mix with the
    source's WAL in the repository. Every commit up to the target must already be archived, and one after it,
    so replay knows where to stop (``archive_check`` on the source does it); otherwise the server refuses to
    open and the error carries its log.
    """
    if target_time.tzinfo is None:
        raise ValueError("target_time needs a time zone")
    if into.exists() and any(into.iterdir()):
        raise BackupError(f"{into} is not empty")
    chosen = backup_before(config=config, target_time=target_time, stanza=stanza)
    postgres_dir(into)
    target = target_time.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")
    _pgbackrest(config, stanza, "restore", f"--pg1-path={into}", f"--set={chosen.label}", "--type=time",
                f"--target={target}", "--target-action=promote", "--archive-mode=off", timeout=timeout)
    options = f"-c port={port} -c listen_addresses=127.0.0.1 {_own_config_files(into)}"
    if socket_dir is not None:
        postgres_dir(socket_dir, mode=0o755)
        options += f" -c unix_socket_directories={socket_dir}"
    deadline = time.monotonic() + timeout
    try:
        # pg_ctl -w returns once a consistent state lets clients in; replay may still run after that. The control
        # file says when it has been promoted, whatever the copied pg_hba.conf lets us log in as.
        pg_start(data=into, options=options, timeout=timeout)
        while pg_state(data=into) != "in production":
            if time.monotonic() > deadline:
                raise BackupError(f"the restored server on port {port} was still replaying after {timeout:g} s")
            time.sleep(0.2)
    except BackupError as exc:
        raise BackupError(f"{exc}\n{_log_tail(into / 'startup.log')}") from exc
    return chosen


# -- media -----------------------------------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _files(root: Path) -> Iterator[Path]:
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            yield Path(folder, name)


def media_snapshots(*, backups: Path) -> list[tuple[dt.datetime, Path]]:
    """The media snapshots under ``backups`` with their labels, oldest first (unfinished ones are not listed)."""
    found = []
    for path in sorted(backups.glob("*/" + MANIFEST)) if backups.is_dir() else []:
        try:
            label = dt.datetime.strptime(path.parent.name, _SNAPSHOT_FORMAT).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
        found.append((label, path.parent))
    return found


def media_snapshot(*, media_root: Path, backups: Path, taken_at: dt.datetime) -> Path:
    """Snapshot the media folder into ``backups/<taken_at>``: each file hard-linked (copied when ``backups`` is on
    another file system) and listed in ``manifest.json`` with its size and sha256.

    ``taken_at`` is the database's clock when the snapshot starts (``SELECT clock_timestamp()``): every file of a
    row committed before it is in the snapshot. A file unchanged since the last snapshot (same size and
    modification time) keeps its recorded digest rather than being read again.
    """
    if taken_at.tzinfo is None:
        raise ValueError("taken_at needs a time zone")
    label = taken_at.astimezone(dt.UTC).strftime(_SNAPSHOT_FORMAT)
    final = backups / label
    partial = backups / f".partial-{label}"
    if final.exists():
        raise BackupError(f"{final} exists already")
    known: dict[str, dict] = {}
    if previous := media_snapshots(backups=backups):
        known = {f["name"]: f for f in json.loads((previous[-1][1] / MANIFEST).read_text())["files"]}
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    entries = []
    for source in _files(media_root):
        name = source.relative_to(media_root).as_posix()
        copy = partial / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, copy)
        except FileNotFoundError:  # removed while we walked (a rollback's cleanup): it belongs to no row
            continue
        except OSError:
            shutil.copy2(source, copy)
        stat = copy.stat()
        seen = known.get(name)
        same = seen is not None and seen["size"] == stat.st_size and seen["mtime_ns"] == stat.st_mtime_ns
        entries.append({"name": name, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                        "sha256": seen["sha256"] if same else _sha256(copy)})
    manifest = {"taken_at": taken_at.astimezone(dt.UTC).isoformat(), "media_root": str(media_root),
                "files": entries, "bytes": sum(e["size"] for e in entries)}
    (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=0))
    partial.rename(final)  # a snapshot is listed only once whole
    return final


def media_snapshot_for(*, backups: Path, target_time: dt.datetime) -> Path:
    """The snapshot a restore to ``target_time`` takes: the earliest labelled at or after it."""
    for label, path in media_snapshots(backups=backups):
        if label >= target_time:
            return path
    raise BackupError(f"no media snapshot at or after {target_time.isoformat()}: take one, then restore")


def media_restore(*, snapshot: Path, into: Path, verify: bool = True) -> int:
    """Copy a snapshot's files into a new media folder ``into``, checking each against the manifest's size (and
    sha256 when ``verify``). Returns the number of files."""
    manifest = json.loads((snapshot / MANIFEST).read_text())
    into.mkdir(parents=True, exist_ok=True)
    for entry in manifest["files"]:
        source, target = snapshot / entry["name"], into / entry["name"]
        if source.stat().st_size != entry["size"] or (verify and _sha256(source) != entry["sha256"]):
            raise BackupError(f"{source} does not match the snapshot's manifest")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return len(manifest["files"])


def media_missing(*, limit: int | None = None) -> list[str]:
    """Stored names that some row of the connected database points to but its storage lacks: after a restore,
    the database's files that the restored media do not hold (empty when the two agree).

    Every FileField of every model is read (as the files sweep reads them), through each field's storage, so it
    works the same for a folder and for object storage.
    """
    missing: list[str] = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        if not fields:
            continue
        # The base manager: rows a manager hides (archived, soft-deleted) have files too.
        rows = model._base_manager.values_list(*(f.attname for f in fields)).iterator(chunk_size=5000)
        for row in rows:
            for field, name in zip(fields, row, strict=True):
                if name and not field.storage.exists(name):
                    missing.append(name)
                    if limit is not None and len(missing) >= limit:
                        return missing
    return missing
