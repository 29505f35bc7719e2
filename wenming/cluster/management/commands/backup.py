"""``wenming backup``: pgBackRest backups with media snapshots, a point-in-time restore, and the checks.

    wenming backup full|incr        a backup of the database, then a media snapshot labelled with the database's clock
    wenming backup media            a media snapshot only (between database backups: the WAL covers the database)
    wenming backup restore --time T --into DIR --port P [--media-into DIR]
    wenming backup check            archiving works, and every file the database names is in the media storage
    wenming backup list             the backups and media snapshots

The pgBackRest configuration comes from --config (default ``$WENMING_PGBACKREST_CONFIG``), the media snapshots
live in --media-backups (default ``$WENMING_MEDIA_BACKUPS``). See docs/backups.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from wenming.cluster import backup

ROOT = Path(__file__).resolve().parents[4]  # the checkout this command belongs to: a restore's check runs it


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


class Command(BaseCommand):
    help = "pgBackRest backups with media snapshots, a point-in-time restore into a scratch cluster, and checks."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["full", "incr", "media", "restore", "check", "list"])
        parser.add_argument("--config", type=Path, default=_path(os.environ.get("WENMING_PGBACKREST_CONFIG")),
                            help="pgBackRest configuration (default $WENMING_PGBACKREST_CONFIG)")
        parser.add_argument("--stanza", default=os.environ.get("WENMING_PGBACKREST_STANZA", backup.STANZA))
        parser.add_argument("--media-backups", type=Path, default=_path(os.environ.get("WENMING_MEDIA_BACKUPS")),
                            help="folder of the media snapshots (default $WENMING_MEDIA_BACKUPS)")
        parser.add_argument("--time", help="restore: the moment to restore, ISO 8601 (in TIME_ZONE when it names "
                                           "none)")
        parser.add_argument("--into", type=Path, help="restore: a new, empty data directory")
        parser.add_argument("--port", type=int, help="restore: the port the restored server listens on")
        parser.add_argument("--socket-dir", type=Path, help="restore: its socket directory (default: the source's)")
        parser.add_argument("--media-into", type=Path, help="restore: a new media folder for the snapshot at or "
                                                            "after --time; then the files check runs against both")
        parser.add_argument("--files-only", action="store_true", help="check: only the files, not the archiving")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _config(self, options) -> Path:
        if options["config"] is None:
            raise CommandError(_("Give --config or set WENMING_PGBACKREST_CONFIG."))
        return options["config"]

    def _media_backups(self, options) -> Path:
        if options["media_backups"] is None:
            raise CommandError(_("Give --media-backups or set WENMING_MEDIA_BACKUPS."))
        return options["media_backups"]

    def _full(self, **options):
        self._backup("full", options)

    def _incr(self, **options):
        self._backup("incr", options)

    def _backup(self, kind: str, options) -> None:
        media_backups = self._media_backups(options)  # refused before the backup, not after it
        try:
            taken = backup.backup_run(config=self._config(options), kind=kind, stanza=options["stanza"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("Backup %(label)s (%(kind)s): %(size)d bytes of the database, %(stored)d stored.")
                          % {"label": taken.label, "kind": taken.kind, "size": taken.size, "stored": taken.stored})
        self._snapshot(media_backups)

    def _media(self, **options):
        self._snapshot(self._media_backups(options))

    def _snapshot(self, media_backups: Path) -> None:
        # The database's clock, read before the walk starts: every row committed before it has its file inside.
        with connection.cursor() as cur:
            cur.execute("SELECT clock_timestamp()")
            taken_at = cur.fetchone()[0]
        path = backup.media_snapshot(media_root=Path(settings.MEDIA_ROOT), backups=media_backups, taken_at=taken_at)
        self.stdout.write(_("Media snapshot %(path)s.") % {"path": path})

    def _restore(self, **options):
        for name in ("time", "into", "port"):
            if not options[name]:
                raise CommandError(_("restore needs --%(name)s.") % {"name": name})
        target = parse_datetime(options["time"])
        if target is None:
            raise CommandError(_("--time is not a date and time: %(value)s") % {"value": options["time"]})
        if timezone.is_naive(target):
            target = timezone.make_aware(target)
        media_into = options["media_into"]
        # The snapshot is found before the long restore, so a missing one stops it at once.
        snapshot = backup.media_snapshot_for(backups=self._media_backups(options), target_time=target) \
            if media_into else None
        try:
            used = backup.restore_pitr(target_time=target, into=options["into"], port=options["port"],
                                       config=self._config(options), stanza=options["stanza"],
                                       socket_dir=options["socket_dir"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("Restored to %(time)s from backup %(label)s, listening on port %(port)d.")
                          % {"time": target.isoformat(), "label": used.label, "port": options["port"]})
        if snapshot is None:
            return
        files = backup.media_restore(snapshot=snapshot, into=media_into)
        self.stdout.write(_("Media snapshot %(path)s: %(n)d files into %(into)s.")
                          % {"path": snapshot, "n": files, "into": media_into})
        # The check reads the restored database and media: a process of this checkout connected to them.
        db = connection.settings_dict
        url = f"postgres://{quote(db['USER'] or 'postgres')}@127.0.0.1:{options['port']}/{quote(db['NAME'])}"
        env = {**os.environ, "DATABASE_URL": url, "WENMING_MEDIA_ROOT": str(media_into), "PYTHONPATH": str(ROOT)}
        check = subprocess.run([sys.executable, "-m", "wenming.cli", "backup", "check", "--files-only"],
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
        self.stdout.write(check.stdout.rstrip())
        if check.returncode != 0:
            raise CommandError(check.stderr.strip() or _("The files check failed."))

    def _check(self, *, files_only, **options):
        if not files_only:
            try:
                backup.archive_check(config=self._config(options), stanza=options["stanza"])
            except backup.BackupError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(_("WAL archiving works."))
        missing = backup.media_missing(limit=100)
        if missing:
            for name in missing:
                self.stderr.write(name)
            raise CommandError(_("%(n)d or more files the database names are missing from the media storage.")
                               % {"n": len(missing)})
        self.stdout.write(_("Every file the database names is in the media storage."))

    def _list(self, **options):
        try:
            sets = backup.backup_list(config=self._config(options), stanza=options["stanza"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for taken in sets:
            self.stdout.write(f"{taken.label}\t{taken.kind}\t{taken.started.isoformat()}\t"
                              f"{taken.stopped.isoformat()}\t{taken.size}\t{taken.stored}")
        if options["media_backups"] is not None:
            for label, path in backup.media_snapshots(backups=options["media_backups"]):
                self.stdout.write(f"media\t{label.isoformat()}\t{path}")
