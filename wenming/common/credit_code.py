"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters of a 31-letter alphabet, the last a
check character. Shared by every importer that reads one (storefront duties, the credit network) and the forms
that take one."""

from __future__ import annotations

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_VALUES = {c: i for i, c in enumerate(CREDIT_ALPHABET)}


def credit_code_normalise(raw: str) -> str:
    """As offices type it: spaces dropped, upper case, full-width letters and digits made half-width."""
    text = "".join((raw or "").split()).upper()
    if not text.isascii():
        text = "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in text)
    return text


def credit_code_valid(code: str) -> bool:
    """Whether ``code`` is a unified social credit code (统一社会信用代码) with a correct check character."""
    if len(code) != 18 or any(c not in _VALUES for c in code):
        return False
    total = sum(_VALUES[c] * w for c, w in zip(code[:17], CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31] == code[17]


def credit_code_complete(first17: str) -> str:
    """The 18-character code whose first 17 characters are given (for test data and the demo)."""
    total = sum(_VALUES[c] * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return first17 + CREDIT_ALPHABET[(31 - total % 31) % 31]
