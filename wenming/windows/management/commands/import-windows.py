from wenming.org.management.importing import ImportCommand
from wenming.windows.services.imports import windows_import


class Command(ImportCommand):
    help = ("Import service windows from CSV (UTF-8) or XLSX (窗口编码, 点位编码, 单位编码, 窗口名称, 窗口号, 是否启用), "
            "matched by window code. All or nothing; --dry-run checks and lists the changes. See docs/windows.md.")
    service = staticmethod(windows_import)
    file_help = "a .csv (UTF-8) or .xlsx file"
    geographic = False
