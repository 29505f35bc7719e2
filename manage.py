#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")
    # manage.py is the developer's entry point in a checkout; servers use the `wenming` command, which keeps
    # the production rule that SECRET_KEY must be set.
    if not os.environ.get("SECRET_KEY"):
        os.environ.setdefault("WENMING_DEMO", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
