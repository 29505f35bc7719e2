"""Chinese for strings whose translations wait in ``var/po-pending/<branch>.po`` until they are merged into the
project's catalogue: tests of Chinese pages compile the pending file into a catalogue of their own, searched
before the project's. Once merged (the pending file gone), the project's catalogue answers alone."""

from __future__ import annotations

import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.test import override_settings

PENDING = Path(settings.BASE_DIR).parent / "var" / "po-pending" / "wt-store.po"
HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: zh_Hans\\n"\n\n'


@contextmanager
def pending_chinese(tmp_path: Path):
    if not PENDING.is_file() or not shutil.which("msgfmt"):
        yield
        return
    folder = tmp_path / "pending-locale" / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_text(HEADER + PENDING.read_text(encoding="utf-8"), encoding="utf-8")
    subprocess.run(["msgfmt", "-o", str(folder / "django.mo"), str(folder / "django.po")], check=True)
    with override_settings(LOCALE_PATHS=[tmp_path / "pending-locale", *settings.LOCALE_PATHS]):
        yield
