"""The ``wenming`` console command: Django's management commands under one name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")
    from django.core.management import execute_from_command_line  # noqa: PLC0415 — after DJANGO_SETTINGS_MODULE is set

    execute_from_command_line(["wenming", *sys.argv[1:]])


if __name__ == "__main__":
    main()
