"""The 实地考察 (field inspection) evidence, read from the inspections app without importing it: the ledger's
per-criterion results and the mock evaluation's pass-rate strata and rounds.

The inspections app imports evaluation (its checklist items cite 测评标准 clauses), so evaluation cannot import
it back; it registers one ``FieldSource`` here in its ``AppConfig.ready()`` instead. Without one (an installation
without inspections) the ledger shows no field results and the forecast counts field criteria as unknown.
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


@dataclass(frozen=True)
class FieldStratum:
    """One site type's results for the items linked to one clause in one round."""

    clause_id: int
    site_type: str  # the site type's name
    round_code: str
    passed: float  # Σ weight of 符合 results
    applicable: float  # Σ weight of results not 不适用
    sites: int  # sites visited with an applicable result (the sample size)


@dataclass(frozen=True)
class RoundSpan:
    """A released round, for the backtest."""

    id: int
    code: str
    starts_on: dt.date
    ends_on: dt.date


@dataclass(frozen=True)
class FieldSource:
    # (clause_ids, as_of, round_id) → the strata of the latest released round per clause × site type (or of round_id)
    strata: Callable[..., list[FieldStratum]]
    # (as_of) → the released rounds, oldest first
    rounds: Callable[..., list[RoundSpan]]
    # (criterion_ids, starts_on, ends_on) → {criterion id: FieldResult} of the rounds released in the period
    by_criterion: Callable[..., dict[int, FieldResult]] | None = None


_source: FieldSource | None = None


def field_source_register(source: FieldSource) -> None:
    global _source  # noqa: PLW0603 - one provider, set once at start-up
    _source = source


def field_source() -> FieldSource | None:
    return _source


def field_results_for(*, criterion_ids: Iterable[int], starts_on: dt.date, ends_on: dt.date) -> dict[int, FieldResult]:
    """{criterion id: FieldResult} for the rounds released from ``starts_on`` to ``ends_on`` (both included)."""
    if _source is None or _source.by_criterion is None:
        return {}
    return _source.by_criterion(criterion_ids=list(criterion_ids), starts_on=starts_on, ends_on=ends_on)
