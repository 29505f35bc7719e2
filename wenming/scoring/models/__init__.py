from .accountability import (
    AccountabilityFollowUp,
    AccountabilityKind,
    AccountabilityRecord,
    AccountabilityStatus,
)
from .index import Grade, IndexVersion, Subject
from .snapshot import BoardStatus, Period, RedBlackList, ScoreCorrection, ScoreSnapshot, SnapshotStatus

__all__ = [
    "AccountabilityFollowUp", "AccountabilityKind", "AccountabilityRecord", "AccountabilityStatus", "BoardStatus", "Grade",
    "IndexVersion", "Period", "RedBlackList", "ScoreCorrection", "ScoreSnapshot", "SnapshotStatus", "Subject",
]
