from .calls import (
           Call,
           CallQuota,
           CallStatus,
           Nomination,
           NominationEvent,
           NominationPhoto,
           NominationStatus,
           NominatorKind,
           SelectionKind,
           SubjectKind,
)

__all__ = ["Call", "CallQuota", "CallStatus", "Nomination", "NominationEvent", "NominationPhoto", "NominationStatus",
           "NominatorKind", "SelectionKind", "SubjectKind"]
