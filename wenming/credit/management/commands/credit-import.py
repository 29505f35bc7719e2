from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wenming.common.errors import WorkflowError
from wenming.credit.models import CreditImport, CreditSource
from wenming.credit.services.imports import credit_import, credit_import_check


class Command(BaseCommand):
    help = ("Import a department's credit export (CSV UTF-8 or XLSX) into its credit source: idempotent by the "
            "source's record id, all or nothing, streamed (a million rows in flat memory). The same service as the "
            "import page. See docs/credit.md.")

    def add_arguments(self, parser):
        parser.add_argument("source", help="the source's code (e.g. scjg)")
        parser.add_argument("file", help="a UTF-8 .csv file or an .xlsx workbook (its first sheet)")
        parser.add_argument("--dry-run", action="store_true", help="check every line, write nothing")

    def handle(self, *args, source, file, dry_run, **options):
        row = CreditSource.objects.filter(code=source).first()
        if row is None:
            raise CommandError(f"no credit source with the code {source!r}")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        try:
            job = (credit_import_check(source_id=row.pk, path=path) if dry_run
                   else credit_import(source_id=row.pk, path=path))
        except WorkflowError as exc:
            raise CommandError(str(exc)) from exc
        for line in job.errors:
            self.stderr.write(line)
        summary = (f"{'dry run, ' if dry_run else ''}{job.get_status_display()}: {job.rows_read} read, "
                   f"{job.rows_written} written, {job.rows_refused} refused")
        if job.status != CreditImport.Status.DONE:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
