import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from wenming.common.services.files import SWEEP_AGE, files_sweep

MAX_MINUTES = 10**7  # 19 years


class Command(BaseCommand):
    help = ("Remove stored files that no row points to (left by a worker killed mid-request, or by a database "
            "restored from an older backup than the media folder), once they are older than --older-than-minutes.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than-minutes", type=int, default=int(SWEEP_AGE.total_seconds() // 60),
                            help="remove only orphans older than this (default 60): a request may still be writing "
                                 "the row of a newer file")
        parser.add_argument("--dry-run", action="store_true", help="count and list the orphans, remove nothing")

    def handle(self, *args, older_than_minutes, dry_run, verbosity, **options):
        if not 0 <= older_than_minutes <= MAX_MINUTES:  # a bound keeps the cutoff a date
            raise CommandError(_("--older-than-minutes must be between 0 and %(max)d.") % {"max": MAX_MINUTES})
        result = files_sweep(older_than=dt.timedelta(minutes=older_than_minutes), dry_run=dry_run)
        if dry_run or verbosity >= 2:
            for name in result.sample:
                self.stdout.write(name)
            if result.orphans > len(result.sample):
                self.stdout.write(_("… and %(n)d more.") % {"n": result.orphans - len(result.sample)})
        summary = _(
            "%(files)d files in %(folders)s: %(referenced)d referenced, %(young)d without a row but newer than "
            "%(minutes)d minutes (kept), %(orphans)d orphans; %(removed)d removed (%(size)s), %(failed)d could "
            "not be removed."
        ) % {"files": result.files, "folders": ", ".join(result.folders), "referenced": result.referenced,
             "young": result.young, "minutes": older_than_minutes, "orphans": result.orphans,
             "removed": result.removed, "size": filesizeformat(result.bytes_removed), "failed": result.failed}
        if dry_run:
            summary = _("Dry run, nothing removed: %(summary)s") % {"summary": summary}
        elif result.no_rows and result.orphans:
            summary = _("No row names any stored file: is this the database these files belong to? Nothing "
                        "removed: %(summary)s") % {"summary": summary}
        warn = result.failed or (result.no_rows and result.orphans)
        self.stdout.write(self.style.WARNING(summary) if warn else self.style.SUCCESS(summary))
