from .action import Action, ActionKind, Campaign
from .targets import (
    AREA_RULES,
    EVIDENCE_RULES,
    OK_STATUSES,
    TargetEvidence,
    TargetLine,
    TargetLineStatus,
    TargetRule,
)
from .task import (
    Measure,
    Meeting,
    Milestone,
    ProgressEvidence,
    ProgressReport,
    TargetKind,
    Task,
    TaskEvent,
    TaskEventAction,
    TaskForce,
    TaskKind,
    TaskStatus,
)

__all__ = [
    "Action", "ActionKind", "Campaign", "Measure", "Meeting", "Milestone", "ProgressEvidence", "ProgressReport",
    "AREA_RULES", "EVIDENCE_RULES", "OK_STATUSES", "TargetEvidence", "TargetLine", "TargetLineStatus", "TargetRule",
    "TargetKind", "Task", "TaskEvent", "TaskEventAction", "TaskForce", "TaskKind", "TaskStatus",
]
