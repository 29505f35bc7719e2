from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wenming.common.tabular_import import ImportFailed
from wenming.evaluation.models import Edition
from wenming.evaluation.services.imports import edition_import, responsibility_import


class Command(BaseCommand):
    help = ("Import an edition of the evaluation framework from its XLSX workbook (with its 责任分工 sheet if it has "
            "one), or with --responsibility-for CODE only the 责任分工 sheet for an edition already loaded. "
            "All or nothing; --dry-run checks and writes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--responsibility-for", metavar="CODE", help="the code of a loaded edition")

    def handle(self, *args, path, dry_run, responsibility_for, **options):
        try:
            if responsibility_for:
                edition = Edition.objects.filter(code=responsibility_for).first()
                if edition is None:
                    raise CommandError(f"no edition has the code {responsibility_for}")
                report = responsibility_import(path=path, edition=edition, dry_run=dry_run)
            else:
                report = edition_import(path=path, dry_run=dry_run)
        except ImportFailed as exc:
            raise CommandError("nothing was written:\n" + "\n".join(exc.report.error_lines())) from exc
        for line in report.warnings:
            self.stdout.write(self.style.WARNING(line))
        self.stdout.write(self.style.SUCCESS(report.summary()))
