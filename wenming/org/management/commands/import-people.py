from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wenming.org.services.imports import ImportFailed, people_import


class Command(BaseCommand):
    help = "Import people and their roles from CSV (UTF-8) or XLSX. All or nothing; --dry-run checks and lists the changes. See docs/imports.md."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and list what would change; write nothing")

    def handle(self, *args, file, dry_run, **options):
        try:
            report = people_import(path=file, dry_run=dry_run)
        except ImportFailed as exc:
            raise CommandError("\n".join([_("%(file)s: nothing imported.") % {"file": file}, *exc.report.error_lines()])) from exc
        for line in report.warnings:
            self.stderr.write(self.style.WARNING(line))
        if dry_run:
            for line in report.change_lines():
                self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(report.summary()))
