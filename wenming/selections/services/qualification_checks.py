"""The checks a nominee's record goes through (资格审查), registered by the apps that hold the record.

Selections does not import the apps whose records it reads beside its own layer's (the credit network imports
selections, not the other way round), so each source registers a check here from its ``AppConfig.ready()``:
``qualification_check_register(name, check, refuses_integrity=…)``. A check reads one nomination and returns its
findings; an empty list means the nominee is clear on that source. A check registered with
``refuses_integrity=True`` (the credit network's 失信) also runs when someone nominates for an integrity (诚信) title,
and a blocking finding refuses the nomination outright.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wenming.selections.models import Nomination


@dataclass(frozen=True)
class Finding:
    """One reason on a nominee's record: what it is (shown to the reviewers), whether it holds the nominee back,
    and where it came from (``source``: the registered check's name; ``ref``: the record's id there)."""

    source: str
    label: str
    blocking: bool = True
    ref: str = ""
    detail: dict = field(default_factory=dict)


Check = Callable[["Nomination"], list[Finding]]


@dataclass(frozen=True)
class RegisteredCheck:
    name: str
    check: Check
    refuses_integrity: bool


_CHECKS: dict[str, RegisteredCheck] = {}


def qualification_check_register(name: str, check: Check, *, refuses_integrity: bool = False) -> None:
    """Add (or replace, by name) a check every nominee's qualification runs."""
    _CHECKS[name] = RegisteredCheck(name=name, check=check, refuses_integrity=refuses_integrity)


def qualification_checks() -> list[RegisteredCheck]:
    return list(_CHECKS.values())
