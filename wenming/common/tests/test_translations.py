"""Every interface string has its Chinese translation, and the compiled catalogue matches the source."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_no_string_is_left_untranslated_or_fuzzy():
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    entries = re.findall(r'\nmsgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', text)
    untranslated = [mid for mid, mstr in entries if "".join(re.findall(r'"(.*)"', mid)) and not "".join(re.findall(r'"(.*)"', mstr))]
    assert untranslated == []
    assert len(entries) > 300


def test_compiled_catalogue_is_current(tmp_path):
    if not shutil.which("msgfmt"):
        pytest.skip("needs gettext's msgfmt (apt-get install gettext)")
    out = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(out), str(LOCALE / "django.po")], check=True)
    assert out.read_bytes() == (LOCALE / "django.mo").read_bytes(), "run: make messages"
