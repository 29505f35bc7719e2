from .rounds import Assignment, AssignmentKind, Result, Round, RoundEvent, RoundEventAction, RoundState
from .schemes import Outcome, Scheme, SchemeItem

__all__ = ["Assignment", "AssignmentKind", "Outcome", "Result", "Round", "RoundEvent", "RoundEventAction",
           "RoundState", "Scheme", "SchemeItem"]
from .storefront import (  # noqa: E402 (appended: storefront checks, 门前五包)
    CheckKind,
    NoticeState,
    ServedHow,
    StorefrontCheck,
    StorefrontCheckItem,
    StorefrontEvent,
    StorefrontEventAction,
    StorefrontNotice,
)

__all__ += ["CheckKind", "NoticeState", "ServedHow", "StorefrontCheck", "StorefrontCheckItem", "StorefrontEvent",
            "StorefrontEventAction", "StorefrontNotice"]
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
