from .action import Action, ActionKind, Campaign
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
    "TargetKind", "Task", "TaskEvent", "TaskEventAction", "TaskForce", "TaskKind", "TaskStatus",
]
