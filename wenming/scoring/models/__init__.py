from .accountability import (
    AccountabilityFollowUp,
    AccountabilityKind,
    AccountabilityRecord,
    AccountabilityStatus,
)
from .dashboard import DailyEventCount, DailyEventCountDay
from .index import Grade, IndexVersion, Subject
from .snapshot import BoardStatus, Period, RedBlackList, ScoreCorrection, ScoreSnapshot, SnapshotStatus

__all__ = [
    "AccountabilityFollowUp", "AccountabilityKind", "AccountabilityRecord", "AccountabilityStatus", "BoardStatus",
    "DailyEventCount", "DailyEventCountDay", "Grade", "IndexVersion", "Period", "RedBlackList", "ScoreCorrection", "ScoreSnapshot", "SnapshotStatus", "Subject",
]
