"""The round actions, declared once: who may take each, from which states, what event it writes.

The services in ``rounds`` look their entry up and ``round_step`` enforces it under the round's lock; the round
page asks ``actions_for`` what to offer. Recording results is not here: it is the assigned inspector's, checked
per assignment (``results.result_record``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wenming.common.access import scope_for
from wenming.common.roles import INSPECTION_PLANNERS
from wenming.inspections.models import Round, RoundEventAction, RoundState

S = RoundState


@dataclass(frozen=True)
class RoundAction:
    key: str
    label: Promise
    states: frozenset[str]
    who: frozenset[str]
    event: RoundEventAction


ROUND_ACTIONS: dict[str, RoundAction] = {a.key: a for a in (
    # 通报: the findings are released; the round becomes visible to the units and districts.
    RoundAction("release", _("Release the findings"), frozenset({S.PLANNED}), INSPECTION_PLANNERS,
                RoundEventAction.RELEASED),
    # 跟踪督办: a 督办单 for every late finding in one action (each through the cases app's notice service).
    RoundAction("notices", _("Issue supervision notices for late findings"), frozenset({S.PLANNED, S.RELEASED}),
                INSPECTION_PLANNERS, RoundEventAction.NOTICES),
    # 复查: assign findings to be checked again after their deadline.
    RoundAction("reinspect", _("Assign re-inspections"), frozenset({S.PLANNED, S.RELEASED}), INSPECTION_PLANNERS,
                RoundEventAction.REINSPECTION),
    # A refused (conflicting) result settled: the first result kept, or its item re-inspected.
    RoundAction("settle", _("Settle a sync conflict"), frozenset({S.PLANNED, S.RELEASED}), INSPECTION_PLANNERS,
                RoundEventAction.SETTLED),
)}


def action_allowed(action: RoundAction, user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or scope_for(user).roles & action.who)


def actions_for(round_: Round, user) -> list[RoundAction]:
    """The actions this person may take on this round now (the page offers these)."""
    return [a for a in ROUND_ACTIONS.values() if round_.state in a.states and action_allowed(a, user)]


def can_plan(user) -> bool:
    """Whether this person plans rounds (and sees them before release)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or scope_for(user).roles & INSPECTION_PLANNERS)
