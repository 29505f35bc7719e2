"""The shared shape of the four import commands: run a service, print its report, fail with its errors."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wenming.common.tabular_import import ImportFailed


class ImportCommand(BaseCommand):
    service = None  # an ``<entity>_import`` service
    file_help = ""
    geographic = False  # GeoJSON/Shapefile imports take --crs

    def add_arguments(self, parser):
        parser.add_argument("file", help=self.file_help)
        if self.geographic:
            parser.add_argument(
                "--crs", default="wgs84", choices=["wgs84", "gcj02", "bd09"],
                help="coordinate system of the file: wgs84 (GPS, CGCS2000), gcj02 (AMap, Tencent) or bd09 (Baidu)",
            )
        parser.add_argument("--dry-run", action="store_true", help="check the file and list what would change; write nothing")

    def handle(self, *args, file, dry_run, **options):
        extra = {"crs": options["crs"]} if self.geographic else {}
        try:
            report = self.service(path=file, dry_run=dry_run, **extra)
        except ImportFailed as exc:
            raise CommandError("\n".join([_("%(file)s: nothing imported.") % {"file": file}, *exc.report.error_lines()])) from exc
        for line in report.warnings:
            self.stderr.write(self.style.WARNING(line))
        if dry_run:
            for line in report.change_lines():
                self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(report.summary()))
