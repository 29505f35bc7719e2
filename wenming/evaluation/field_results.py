"""The ledger's 实地考察 (field inspection) results, read from the inspections app without importing it.

The inspections app imports evaluation (its checklist items cite 测评标准 clauses), so evaluation cannot import
it back; it registers its reader here in its ``AppConfig.ready()`` instead. Without a reader (an installation
without inspections) the ledger simply shows no field results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class FieldResult:
    """The first-visit results of released rounds on the items that check one criterion, over a period."""

    applicable_weight: Decimal = Decimal(0)
    passed_weight: Decimal = Decimal(0)
    items: int = 0  # results other than 不适用
    findings: int = 0  # 不符合 + 严重不合格
    severe: int = 0
    sites: set = field(default_factory=set)
    rounds: dict = field(default_factory=dict)  # round id → "code name"

    @property
    def pass_rate(self) -> Decimal | None:
        """Σ weight of the 符合 items / Σ weight of the applicable items, in per cent."""
        if not self.applicable_weight:
            return None
        return (Decimal(100) * self.passed_weight / self.applicable_weight).quantize(Decimal("0.1"))


Reader = Callable[..., dict[int, FieldResult]]
_readers: list[Reader] = []


def field_results_register(reader: Reader) -> None:
    if reader not in _readers:
        _readers.append(reader)


def field_results_for(*, criterion_ids: Iterable[int], starts_on: dt.date, ends_on: dt.date) -> dict[int, FieldResult]:
    """{criterion id: FieldResult} for the rounds released from ``starts_on`` to ``ends_on`` (both included)."""
    ids = list(criterion_ids)
    out: dict[int, FieldResult] = {}
    for reader in _readers:
        out.update(reader(criterion_ids=ids, starts_on=starts_on, ends_on=ends_on))
    return out
