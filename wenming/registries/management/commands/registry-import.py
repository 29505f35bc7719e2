import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wenming.common.errors import WorkflowError
from wenming.registries.models import Registry, RegistryImport, RegistryKind
from wenming.registries.services.imports import registry_import


class Command(BaseCommand):
    help = ("Import a police export into a register (ebike or dog): a full snapshot of records, or --counts per "
            "area. Streams the file (a million rows in flat memory); the same service as the import page. See "
            "docs/registries.md.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=RegistryKind.values, help="the register")
        parser.add_argument("file", help="a UTF-8 .csv file or an .xlsx workbook (its first sheet)")
        parser.add_argument("--as-of", required=True, help="the date the export stands for, YYYY-MM-DD")
        parser.add_argument("--counts", action="store_true", help="the file holds counts per area, not records")

    def handle(self, *args, kind, file, as_of, counts, **options):
        registry = Registry.objects.filter(kind=kind).first()
        if registry is None:
            raise CommandError(f"no register of kind {kind!r}")
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError as exc:
            raise CommandError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from exc
        path = Path(file)
        try:
            job = registry_import(registry_id=registry.pk, path=path, as_of=day,
                                  kind=RegistryImport.Kind.COUNTS if counts else RegistryImport.Kind.RECORDS)
        except WorkflowError as exc:
            raise CommandError(str(exc)) from exc
        for line in job.errors:
            self.stderr.write(line)
        summary = (f"{job.get_status_display()}: {job.rows_read} read, {job.rows_written} written, "
                   f"{job.rows_refused} refused, {job.deactivated} no longer listed")
        if job.status != RegistryImport.Status.DONE:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
