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
from .votes import FlagReason, FlagState, Vote, VoteEvent, VoteFlag, VoteState  # the public vote

__all__ = ["Call", "CallQuota", "CallStatus", "Nomination", "NominationEvent", "NominationPhoto", "NominationStatus",
           "NominatorKind", "SelectionKind", "SubjectKind",
           "FlagReason", "FlagState", "Vote", "VoteEvent", "VoteFlag", "VoteState"]
