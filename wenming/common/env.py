"""Reading settings from the environment: a bad value stops the start with the variable's name. Plain Python,
no Django app: settings import it, and so may a management command."""

import math
import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


def _bad(name: str, raw: str, wanted: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name}={raw!r} is not valid: {wanted}.")


def env_bool(name: str, default: bool) -> bool:
    """A yes/no setting; a value that is neither (a typo like "ture") is refused rather than read as no."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word not in TRUE | FALSE:
        raise _bad(name, value, "use 1, true, yes or on; 0, false, no or off")
    return word in TRUE


def _bounded(name: str, raw: str, value, lo, hi):
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        span = " and ".join(part for part in (f"at least {lo}" if lo is not None else "",
                                              f"at most {hi}" if hi is not None else "") if part)
        raise _bad(name, raw, f"it must be {span}")
    return value


def env_int(name: str, default: int, *, min: int | None = None, max: int | None = None) -> int:
    """A whole number from the environment, within its bounds; anything else stops the start with the name."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise _bad(name, raw, "it must be a whole number") from None
    return _bounded(name, raw, value, min, max)


def env_float(name: str, default: float, *, min: float | None = None, max: float | None = None) -> float:
    """A number from the environment, finite and within its bounds."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise _bad(name, raw, "it must be a number") from None
    if not math.isfinite(value):
        raise _bad(name, raw, "it must be a finite number")
    return _bounded(name, raw, value, min, max)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_url(name: str, default: str) -> str:
    """An absolute http(s) address (a site's public root), without a trailing slash; a value without a scheme or
    a host, or with a query or fragment, stops the start with the name (a link in an SMS must work as sent)."""
    raw = os.environ.get(name)
    value = default if raw is None or raw.strip() == "" else raw.strip()
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise _bad(name, value, "use an absolute address like https://wenming.example.gov.cn")
    return value.rstrip("/")
