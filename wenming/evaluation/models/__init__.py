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
from .materials import (
    DEFAULT_FORMATS,
    IMAGE_FORMATS,
    MaterialEvent,
    MaterialEventAction,
    MaterialFile,
    MaterialFormat,
    MaterialGrade,
    MaterialKind,
    MaterialRequirement,
    MaterialState,
    MaterialSubmission,
    SubmissionWindow,
)

__all__ = ["METHOD_ORDER", "Clause", "Criterion", "CriterionEvent", "CriterionEventAction", "CriterionKind", "Domain",
           "DomainKind", "Edition", "Indicator", "Method",
           "DEFAULT_FORMATS", "IMAGE_FORMATS", "MaterialEvent", "MaterialEventAction", "MaterialFile", "MaterialFormat",
           "MaterialGrade", "MaterialKind", "MaterialRequirement", "MaterialState", "MaterialSubmission",
           "SubmissionWindow"]
