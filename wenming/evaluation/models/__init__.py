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

__all__ = ["METHOD_ORDER", "Clause", "Criterion", "CriterionEvent", "CriterionEventAction", "CriterionKind", "Domain",
           "DomainKind", "Edition", "Indicator", "Method"]
