from wenming.org.management.importing import ImportCommand
from wenming.org.services.imports.people import people_import


class Command(ImportCommand):
    help = "Import people and their roles from CSV (UTF-8) or XLSX. All or nothing; --dry-run checks and lists the changes. See docs/imports.md."
    service = staticmethod(people_import)
    file_help = "a .csv (UTF-8) or .xlsx file"
    geographic = False
