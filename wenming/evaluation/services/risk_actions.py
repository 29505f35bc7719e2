"""The risk record's actions, declared once: who may take each, from which states, what event it writes, what it
needs (a note, evidence files).

``RISK_ACTIONS`` is the rulebook, as ``cases.services.actions.CASE_ACTIONS`` is for cases: ``risk_step`` enforces an
entry (role or owner unit, state, ``when``, version) under the record's lock, and the record page and the REST API
ask ``risk_actions_for`` what to offer. The scan's own steps (a signal feeding the record, 督办 of a late record)
are entries of the system (``SYSTEM``): never offered to a person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wenming.cases.services.actions import unit_role_paths
from wenming.common.access import scope_for
from wenming.common.roles import RISK_OFFICE
from wenming.evaluation.models import RiskEventAction, RiskLevel, RiskRecord, RiskState
from wenming.org.models import Unit

S = RiskState
E = RiskEventAction

# "A unit handler or leader of the record's owner unit (the criterion's lead unit) or of a unit above it."
OWNER_UNIT = "owner_unit"
# The scan and the signals: no person; never offered.
SYSTEM = "system"

NOTE_OPTIONAL, NOTE_REQUIRED = "optional", "required"
FILES_NONE, FILES_OPTIONAL, FILES_REQUIRED = "none", "optional", "required"


@dataclass(frozen=True)
class RiskAction:
    key: str
    label: Promise
    states: frozenset[str]
    who: frozenset[str] | str  # a role group of wenming.common.roles, OWNER_UNIT or SYSTEM
    event: str
    to_state: str | None = None  # None: unchanged
    owner_too: bool = False  # beside ``who``'s roles, the owner unit may take it as well
    note: str = NOTE_OPTIONAL
    files: str = FILES_NONE
    level_step: int = 0  # +1 raises the level, -1 lowers it
    when: Callable[[RiskRecord], bool] | None = None
    refusal: Promise | None = None

    @property
    def note_required(self) -> bool:
        return self.note == NOTE_REQUIRED


def _below_top(record: RiskRecord) -> bool:
    return record.level < RiskLevel.TRIGGERED


def _above_bottom(record: RiskRecord) -> bool:
    return record.level > RiskLevel.WATCH


def _not_acknowledged(record: RiskRecord) -> bool:
    return record.state == S.OPEN


_OPEN = frozenset({S.OPEN, S.RESPONDING})

RISK_ACTIONS: dict[str, RiskAction] = {a.key: a for a in [
    # -- the owner unit ----------------------------------------------------------------------------------------
    RiskAction("acknowledge", _("Acknowledge (认领)"), frozenset({S.OPEN}), OWNER_UNIT, E.ACKNOWLEDGED, S.RESPONDING,
               when=_not_acknowledged),
    RiskAction("respond", _("Report the measures taken (报告处置措施)"), _OPEN, OWNER_UNIT, E.RESPONDED,
               S.RESPONDING, note=NOTE_REQUIRED, files=FILES_OPTIONAL),
    # -- the shift leaders and the evaluation office (and the owner unit, for closing) ------------------------
    RiskAction("raise_level", _("Raise the level"), _OPEN, RISK_OFFICE, E.RAISED, note=NOTE_REQUIRED, level_step=1,
               when=_below_top, refusal=_("This record is already at the highest level (触发).")),
    RiskAction("lower_level", _("Lower the level"), _OPEN, RISK_OFFICE, E.LOWERED, note=NOTE_REQUIRED, level_step=-1,
               when=_above_bottom, refusal=_("This record is already at the lowest level (关注).")),
    RiskAction("supervise", _("Supervise (督办)"), _OPEN, RISK_OFFICE, E.SUPERVISED, note=NOTE_REQUIRED),
    RiskAction("close", _("Close with evidence"), frozenset({S.RESPONDING}), RISK_OFFICE, E.CLOSED, S.CLOSED,
               owner_too=True, note=NOTE_REQUIRED, files=FILES_REQUIRED),
    RiskAction("reopen", _("Reopen"), frozenset({S.CLOSED}), RISK_OFFICE, E.REOPENED, S.OPEN, note=NOTE_REQUIRED),
    # -- the system: signals and the scan ----------------------------------------------------------------------
    RiskAction("signal", _("New signal"), _OPEN, SYSTEM, E.SIGNAL),
    RiskAction("late", _("Supervised: past the response deadline"), _OPEN, SYSTEM, E.SUPERVISED),
]}


def risk_action(key: str) -> RiskAction:
    return RISK_ACTIONS[key]


def _owner_path(record: RiskRecord) -> str:
    unit = record._state.fields_cache.get("owner_unit") if record.owner_unit_id else None
    if unit is not None and unit.pk == record.owner_unit_id:
        return unit.path
    return Unit.objects.filter(pk=record.owner_unit_id).values_list("path", flat=True).first() or ""


def risk_owner_member(actor, record: RiskRecord, *, fresh: bool = True) -> bool:
    """A unit handler or leader of the record's owner unit (or of a unit above it)."""
    if record.owner_unit_id is None:
        return False
    paths = unit_role_paths(actor, fresh=fresh)
    if not paths:
        return False
    owner = _owner_path(record)
    return any(owner.startswith(path) for path in paths)


def risk_who_allows(action: RiskAction, actor, record: RiskRecord, *, fresh: bool = True) -> bool:
    if action.who == SYSTEM:
        return actor is None
    if actor is None:
        return False
    if action.who == OWNER_UNIT:
        return risk_owner_member(actor, record, fresh=fresh)
    if scope_for(actor).roles & action.who:
        return True
    return action.owner_too and risk_owner_member(actor, record, fresh=fresh)


def risk_actions_for(record: RiskRecord, user) -> list[RiskAction]:
    """The actions this person may take on this record now, in the table's order (the caller has the record from
    the person's scope). Offering is a convenience: ``risk_step`` checks again under the lock."""
    if not scope_for(user).roles:
        return []
    found = []
    for action in RISK_ACTIONS.values():
        if action.who == SYSTEM or record.state not in action.states:
            continue
        if action.when is not None and not action.when(record):
            continue
        if risk_who_allows(action, user, record, fresh=False):
            found.append(action)
    return found
