from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wenming.org.services.imports import ImportFailed, sites_import


class Command(BaseCommand):
    help = "Import sites from a file; all or nothing. See docs/imports.md."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, write nothing")
        parser.add_argument("--crs", default="wgs84", choices=["wgs84", "gcj02", "bd09"])

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        if not path.exists():
            raise CommandError(f"{file}: no such file")
        extra = {"crs": options["crs"]} if "crs" in options else {}
        try:
            report = sites_import(path=path, dry_run=dry_run, **extra)
        except ImportFailed as exc:
            raise CommandError("\n".join([f"{path.name}: nothing imported.", *exc.report.errors])) from exc
        self.stdout.write(self.style.SUCCESS(report.summary()))
