from .rounds import Assignment, AssignmentKind, Result, Round, RoundEvent, RoundEventAction, RoundState
from .schemes import Outcome, Scheme, SchemeItem

__all__ = ["Assignment", "AssignmentKind", "Outcome", "Result", "Round", "RoundEvent", "RoundEventAction",
           "RoundState", "Scheme", "SchemeItem"]
from .patrols import (  # noqa: E402
    Patrol,
    PatrolCheckin,
    PatrolEvent,
    PatrolEventAction,
    PatrolFinding,
    PatrolPeriod,
    PatrolRule,
    PatrolState,
)

__all__ += ["Patrol", "PatrolCheckin", "PatrolEvent", "PatrolEventAction", "PatrolFinding", "PatrolPeriod",
            "PatrolRule", "PatrolState"]
