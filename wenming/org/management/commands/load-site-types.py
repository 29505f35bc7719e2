from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wenming.org.services.site_types import DEFAULT_FILE, SiteTypeDataError, site_types_load


class Command(BaseCommand):
    help = ("Create the site types (点位类型) the campaign needs from a JSON file (default: the shipped one) and rename "
            "existing ones by code. Idempotent; never deletes. See docs/facility-registers.md.")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE))
        parser.add_argument("--dry-run", action="store_true", help="list what would change; write nothing")

    def handle(self, *args, file, dry_run, **options):
        try:
            result = site_types_load(path=Path(file), dry_run=dry_run)
        except SiteTypeDataError as exc:
            raise CommandError(str(exc)) from exc
        for code in result.created:
            self.stdout.write(f"+ {code}")
        for code in result.renamed:
            self.stdout.write(f"~ {code}")
        self.stdout.write(self.style.SUCCESS(result.summary() + (" (dry run)" if dry_run else "")))
