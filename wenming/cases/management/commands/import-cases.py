from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wenming.cases.models import CaseImportMapping
from wenming.cases.services.case_imports import CaseImportRefused, cases_import


class Command(BaseCommand):
    help = "Import cases exported by the provincial supervision platform or a 12345 system (CSV or XLSX)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv (UTF-8) or .xlsx export")
        parser.add_argument("--mapping", required=True, help="the name of a case import mapping, e.g. \"12345 热线\"")
        parser.add_argument("--dry-run", action="store_true", help="check every row and report; import nothing")
        parser.add_argument("--strict", action="store_true", help="refuse the whole file if any row is refused")

    def handle(self, *args, file, mapping, dry_run, strict, **options):
        try:
            chosen = CaseImportMapping.objects.get(name=mapping, is_active=True)
        except CaseImportMapping.DoesNotExist:
            names = ", ".join(CaseImportMapping.objects.filter(is_active=True).values_list("name", flat=True))
            raise CommandError(_("No active mapping named %(name)s. Mappings: %(names)s") % {"name": mapping, "names": names}) from None
        try:
            result = cases_import(path=Path(file), mapping=chosen, actor=None, dry_run=dry_run, strict=strict)
        except CaseImportRefused as exc:
            raise CommandError("\n".join([_("%(file)s: nothing imported.") % {"file": file}, *exc.errors])) from exc
        for row in result.rows:
            if row["status"] != "accepted":
                self.stdout.write(f"{_('row')} {row['row']} {row['external_id']}: {row['status']} {row['reason']}".rstrip())
        summary = _("%(accepted)d accepted, %(skipped)d already imported, %(refused)d refused.") % {
            "accepted": result.accepted, "skipped": result.skipped, "refused": result.refused}
        if dry_run:
            summary = _("Dry run, nothing written: %(summary)s") % {"summary": summary}
        self.stdout.write(self.style.SUCCESS(summary) if not result.refused else self.style.WARNING(summary))
        if result.refused and strict and not dry_run:
            raise CommandError(_("Nothing imported: with --strict one refused row refuses the file."))
