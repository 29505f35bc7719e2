from wenming.org.management.importing import ImportCommand
from wenming.org.services.imports.units import units_import


class Command(ImportCommand):
    help = "Import units from CSV (UTF-8) or XLSX. All or nothing; --dry-run checks and lists the changes. See docs/imports.md."
    service = staticmethod(units_import)
    file_help = "a .csv (UTF-8) or .xlsx file"
    geographic = False
