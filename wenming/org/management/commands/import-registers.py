from django.core.management.base import CommandError

from wenming.org.management.importing import ImportCommand
from wenming.org.services.imports.registers import REGISTER_IMPORTS


class Command(ImportCommand):
    help = ("Import a street register from XLSX (first sheet) or CSV: roads with their road chiefs (路长), storefront "
            "duties (门前五包) or facilities (部件). All or nothing; --dry-run checks and lists the changes. See "
            "docs/imports.md.")
    file_help = "an .xlsx workbook (its first sheet) or a UTF-8 .csv file"
    geographic = True

    def add_arguments(self, parser):
        parser.add_argument("register", help="what the file holds: " + ", ".join(sorted(REGISTER_IMPORTS)))
        super().add_arguments(parser)

    def handle(self, *args, register, **options):
        if register not in REGISTER_IMPORTS:
            raise CommandError(f"unknown register {register!r}: use one of {', '.join(sorted(REGISTER_IMPORTS))}")
        self.service = REGISTER_IMPORTS[register].service
        return super().handle(*args, **options)
