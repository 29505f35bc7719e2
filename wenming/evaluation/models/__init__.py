from .framework import (
    METHOD_ORDER,
    Clause,
    Criterion,
    CriterionEvent,
    CriterionEventAction,
    CriterionKind,
    Domain,
    DomainKind,
    Edition,
    Indicator,
    Method,
)
from .ledger import (
    AssessmentPeriod,
    LedgerEntry,
    LedgerEvent,
    LedgerEventAction,
    LedgerEvidence,
    LedgerStatus,
    ReviewEvent,
    ReviewEventAction,
    ReviewItem,
    ReviewRound,
    RoundState,
)

__all__ = ["METHOD_ORDER", "Clause", "Criterion", "CriterionEvent", "CriterionEventAction", "CriterionKind", "Domain",
           "DomainKind", "Edition", "Indicator", "Method",
           "AssessmentPeriod", "LedgerEntry", "LedgerEvent", "LedgerEventAction", "LedgerEvidence", "LedgerStatus",
           "ReviewEvent", "ReviewEventAction", "ReviewItem", "ReviewRound", "RoundState"]
