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
from .review import (
    CallEvent,
    ConflictDeclaration,
    ExpertScore,
    Objection,
    ObjectionStatus,
    PanelMember,
    QualificationResult,
    ScoreItem,
)
from .votes import FlagReason, FlagState, Vote, VoteEvent, VoteFlag, VoteState  # the public vote

__all__ = ["CallEvent", "ConflictDeclaration", "ExpertScore", "Objection", "ObjectionStatus", "PanelMember",
           "QualificationResult", "ScoreItem",
           "Call", "CallQuota", "CallStatus", "Nomination", "NominationEvent", "NominationPhoto", "NominationStatus",
           "NominatorKind", "SelectionKind", "SubjectKind",
           "FlagReason", "FlagState", "Vote", "VoteEvent", "VoteFlag", "VoteState"]
