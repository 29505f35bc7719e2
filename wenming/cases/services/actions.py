"""The case actions, declared once: who may take each, from which states, what event it writes.

``CASE_ACTIONS`` is the rulebook. The services in ``workflow``, ``escalation`` and ``followup`` look their entry
up and ``case_step`` enforces it (role, state, ``when``) under the case's lock; the case page, the workbench's
batch actions and the REST API ask ``actions_for`` what to offer and keep only their own form or serializer.
A new step is a new entry here plus the service that calls ``case_step`` with its key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from wenming.cases.models import Case, CaseEvent, CaseState, Channel, EventAction
from wenming.common.access import scope_for
from wenming.common.roles import (
    COMMAND,
    DISPATCHERS,
    HOTLINE_OPERATORS,
    NOTICE_ISSUERS,
    SHIFT_LEADERS,
    UNIT_ROLES,
    VERIFIERS,
)
from wenming.org.models import Unit

S = CaseState
E = EventAction

# The marker "a member of the case's unit" (a unit handler or leader of the case's unit or of a unit above it),
# for ``CaseAction.who`` beside the role groups of ``wenming.common.roles``.
CASE_UNIT = "case_unit"
# The reporter, known by the tracking code only (the follow-up rating): no staff role, no scope.
REPORTER = "reporter"

# Whether a step needs a note (its reason): never, always, or only for the second outcome of a decision.
NOTE_OPTIONAL, NOTE_REQUIRED, NOTE_IF_REFUSED = "optional", "required", "if_refused"
# Whether a step takes photos: none, optional or mandatory ones.
PHOTOS_NONE, PHOTOS_OPTIONAL, PHOTOS_REQUIRED = "none", "optional", "required"
# Where a step is offered: as an action form on the case page and a REST endpoint; beside the duplicates (merge);
# on each supervision notice; on the public and follow-up pages. ``actions_for`` lists the first two.
ON_CASE, ON_DUPLICATES, ON_NOTICE, ELSEWHERE = "case", "duplicates", "notice", "elsewhere"


@dataclass(frozen=True)
class CaseAction:
    key: str
    label: Promise
    states: frozenset[str]
    who: frozenset[str] | str  # a role group of wenming.common.roles, CASE_UNIT or REPORTER
    events: tuple[EventAction, ...]  # the event written; a decision's two: (approved, refused)
    to_state: str | None = None  # None: unchanged, or the service's change decides (decisions)
    note: str = NOTE_OPTIONAL
    photos: str = PHOTOS_NONE
    when: Callable[[Case], bool] | None = None  # a further condition on the case, refused with ``refusal``
    refusal: Promise | None = None
    state_refusal: Promise | None = None  # what a case in another state is told, when the generic line says too little
    offered: str = ON_CASE
    batch: bool = False  # also offered on the workbench for the ticked rows

    def event(self, approved: bool = True) -> EventAction:
        return self.events[0] if approved else self.events[-1]

    def note_required(self, approved: bool = True) -> bool:
        return self.note == NOTE_REQUIRED or (self.note == NOTE_IF_REFUSED and not approved)


def _no_request(case: Case) -> bool:
    return not case.pending_request


def _request(case: Case) -> bool:
    return bool(case.pending_request)


def _has_unit(case: Case) -> bool:
    return case.unit_id is not None


# Channels through which a member of the public reports, and is asked for a rating (回访) when it closes.
RATED_CHANNELS = frozenset({Channel.CITIZEN, Channel.HOTLINE, Channel.HOTLINE_12345, Channel.MEDIA})


def callback_refusal(case: Case) -> str | None:
    """Why the hotline may not call this closed case's reporter back now (None: a callback is due).

    12345 practice: every public report is called back once per closing; a call that does not reach the citizen
    is logged and tried again, up to ``WENMING_CALLBACK_ATTEMPTS`` calls. A rating already given (on the web page
    the closing SMS links to, or by an earlier call) ends it: one rating per closing. One query, for closed cases
    only (the case page and the API detail ask once per case; the workbench never asks for closed ones)."""
    if case.channel not in RATED_CHANNELS:
        return gettext_now("Only cases reported by the public are rated.")
    if not case.reporter_phone:
        return gettext_now("The reporter left no phone number to call back.")
    since = CaseEvent.objects.filter(case_id=case.pk, action__in=[E.FOLLOW_UP, E.CALLBACK_UNREACHED])
    if case.closed_at is not None:
        since = since.filter(created_at__gte=case.closed_at)
    actions = list(since.values_list("action", flat=True))
    if E.FOLLOW_UP in actions:
        return gettext_now("This case has already been rated.")
    attempts = settings.WENMING_CALLBACK_ATTEMPTS
    if actions.count(E.CALLBACK_UNREACHED) >= attempts:
        return gettext_now("The citizen was not reached in %(n)d calls; this closing gets no more callbacks.") % {
            "n": attempts}
    return None


def _callback_due(case: Case) -> bool:
    return callback_refusal(case) is None


_ANY_STATE = frozenset(S.values)
# A dispatched case its unit has not yet finished with: what the centre may recall or re-dispatch.
_HELD_BY_UNIT = frozenset({S.DISPATCHED, S.HANDLING, S.RETURN_REQUESTED})
_BUSY = _("A request is already waiting for a decision.")

CASE_ACTIONS: dict[str, CaseAction] = {a.key: a for a in [
    # -- the command centre ----------------------------------------------------------------------------------
    CaseAction("register", _("Register (立案)"), frozenset({S.REPORTED}), COMMAND, (E.REGISTER,), S.REGISTERED),
    CaseAction("reject", _("Reject (不予受理)"), frozenset({S.REPORTED}), COMMAND, (E.REJECT,), S.REJECTED,
               note=NOTE_REQUIRED),
    CaseAction("dispatch", _("Dispatch (派遣)"), frozenset({S.REGISTERED}), DISPATCHERS, (E.DISPATCH,), S.DISPATCHED,
               batch=True),
    CaseAction("void", _("Void (作废)"), frozenset({S.REGISTERED}), SHIFT_LEADERS, (E.VOID,), S.VOIDED,
               note=NOTE_REQUIRED),
    CaseAction("decide_return", _("Decide the return request"), frozenset({S.RETURN_REQUESTED}), SHIFT_LEADERS,
               (E.RETURN_APPROVED, E.RETURN_REFUSED)),
    # 撤回 / 改派: the centre takes a dispatched case back from its unit (an absent or wrong unit), to dispatch it
    # again later or at once to another unit. The shift leader's, like the decisions on returns and requests that
    # they overrule (a pending request is dropped); a dispatcher asks the shift leader.
    CaseAction("recall", _("Recall from the unit (撤回)"), _HELD_BY_UNIT, SHIFT_LEADERS, (E.RECALL,), S.REGISTERED,
               note=NOTE_REQUIRED),
    CaseAction("redispatch", _("Re-dispatch to another unit (改派)"), _HELD_BY_UNIT, SHIFT_LEADERS, (E.REDISPATCH,),
               S.DISPATCHED, note=NOTE_REQUIRED),
    # -- the unit ---------------------------------------------------------------------------------------------
    CaseAction("sign", _("Sign for it (签收)"), frozenset({S.DISPATCHED}), CASE_UNIT, (E.SIGN,), S.HANDLING),
    CaseAction("request_return", _("Ask to return it (申请退回)"), frozenset({S.DISPATCHED}), CASE_UNIT,
               (E.RETURN_REQUEST,), S.RETURN_REQUESTED, note=NOTE_REQUIRED),
    CaseAction("request_extension", _("Ask for more time (申请延期)"), frozenset({S.HANDLING}), CASE_UNIT,
               (E.EXTENSION_REQUEST,), note=NOTE_REQUIRED, when=_no_request, refusal=_BUSY),
    CaseAction("request_shelving", _("Ask to shelve it (申请挂账)"), frozenset({S.HANDLING}), CASE_UNIT,
               (E.SHELVING_REQUEST,), note=NOTE_REQUIRED, when=_no_request, refusal=_BUSY),
    CaseAction("submit", _("Report it done (反馈)"), frozenset({S.HANDLING}), CASE_UNIT, (E.SUBMIT,), S.SUBMITTED,
               photos=PHOTOS_REQUIRED, when=_no_request, refusal=_("A request is still waiting for a decision.")),
    # -- decisions and checks ----------------------------------------------------------------------------------
    CaseAction("decide_request", _("Decide the request"), frozenset({S.HANDLING}), SHIFT_LEADERS,
               (E.REQUEST_GRANTED, E.REQUEST_REFUSED), when=_request,
               refusal=_("There is no pending request on this case.")),
    CaseAction("resume", _("Resume (恢复)"), frozenset({S.SHELVED}), SHIFT_LEADERS, (E.RESUME,), S.HANDLING),
    CaseAction("verify", _("Verify (核查)"), frozenset({S.SUBMITTED}), VERIFIERS, (E.VERIFY_PASSED, E.REWORK),
               note=NOTE_IF_REFUSED, photos=PHOTOS_OPTIONAL),
    CaseAction("close", _("Close (结案)"), frozenset({S.VERIFIED}), DISPATCHERS, (E.CLOSE,), S.CLOSED),
    CaseAction("reopen", _("Reopen (重新立案)"), frozenset({S.CLOSED}), SHIFT_LEADERS, (E.REOPEN,), S.REGISTERED,
               note=NOTE_REQUIRED),
    # A notice goes to the unit that holds the case: once dispatched, while it is the unit's to act on.
    CaseAction("notice", _("Issue a supervision notice (督办单)"), frozenset({S.DISPATCHED, S.HANDLING}),
               NOTICE_ISSUERS, (E.NOTICE_ISSUED,), when=_has_unit,
               refusal=_("Only an open case with a responsible unit can be supervised.")),
    # -- offered elsewhere than as an action form ----------------------------------------------------------------
    # A new report merged into an open case about the same problem (that case's "me too" event is written too).
    CaseAction("merge", _("Merge into this case"), frozenset({S.REPORTED}), COMMAND, (E.MERGE,), S.MERGED,
               offered=ON_DUPLICATES),
    # The steps on a notice: the case's state does not matter, the notice's does (the service checks it).
    CaseAction("answer", _("Answer"), _ANY_STATE, CASE_UNIT, (E.NOTICE_ANSWERED,), offered=ON_NOTICE),
    CaseAction("notice_close", _("Accept the answer"), _ANY_STATE, NOTICE_ISSUERS, (E.NOTICE_CLOSED,),
               offered=ON_NOTICE),
    # 回访: the reporter's rating, then the command centre's answer to "not fixed" (reopen or confirm closed).
    CaseAction("follow_up", _("Follow-up rating (回访)"), frozenset({S.CLOSED}), REPORTER, (E.FOLLOW_UP,),
               offered=ELSEWHERE, state_refusal=_("A case can be rated only once it is closed.")),
    CaseAction("follow_up_decide", _("Decide the follow-up"), frozenset({S.CLOSED}), SHIFT_LEADERS,
               (E.FOLLOW_UP_REOPEN, E.FOLLOW_UP_CONFIRMED), note=NOTE_REQUIRED, offered=ELSEWHERE),
    # 电话回访: the hotline calls the reporter of a closed case back and records the rating as the reporter's own
    # (the same follow-up, so the same 满意率 and the same "not fixed" decision); a call that does not reach the
    # citizen is logged (the second event) and may be tried again.
    CaseAction("callback", _("Phone callback (电话回访)"), frozenset({S.CLOSED}), HOTLINE_OPERATORS,
               (E.FOLLOW_UP, E.CALLBACK_UNREACHED), when=_callback_due,
               refusal=_("No callback is due on this case."),
               state_refusal=_("Only a closed case is called back.")),
]}

# The actions ``actions_for`` offers: the case page's forms, the duplicates' merge and the REST endpoints.
OFFERED = frozenset({ON_CASE, ON_DUPLICATES})


def case_action(key: str) -> CaseAction:
    return CASE_ACTIONS[key]


# -- who ------------------------------------------------------------------------------------------------------

def unit_role_paths(actor, *, fresh: bool = False) -> tuple[str, ...]:
    """The paths of the units where the person is a unit handler or leader, cached on the user object (like the
    scope) for the pages that ask per row; the services ask fresh, under the case's lock."""
    if not scope_for(actor).roles & UNIT_ROLES:
        return ()
    cached = None if fresh else getattr(actor, "_wenming_unit_role_paths", None)
    if cached is None:
        cached = tuple(actor.roles.filter(role__in=UNIT_ROLES, unit__isnull=False).values_list("unit__path", flat=True))
        actor._wenming_unit_role_paths = cached
    return cached


def _case_unit_path(case: Case) -> str:
    # The unit row is usually loaded with the case (select_related on every page); else one query.
    unit = case._state.fields_cache.get("unit") if case.unit_id else None
    if unit is not None and unit.pk == case.unit_id:
        return unit.path
    return Unit.objects.filter(pk=case.unit_id).values_list("path", flat=True).first() or ""


def case_unit_member(actor, case: Case, *, fresh: bool = True) -> bool:
    """A unit handler or leader of the case's unit (or of a unit above it)."""
    if case.unit_id is None:
        return False
    paths = unit_role_paths(actor, fresh=fresh)
    if not paths:
        return False
    unit_path = _case_unit_path(case)
    return any(unit_path.startswith(path) for path in paths)


def action_who_allows(action: CaseAction, actor, case: Case, *, fresh: bool = True) -> bool:
    """Whether the person holds the role the action asks for (``CASE_UNIT``: on this case's unit)."""
    if action.who == CASE_UNIT:
        return case_unit_member(actor, case, fresh=fresh)
    if action.who == REPORTER:
        return True  # the tracking code was the key; the service has no person to check
    return bool(scope_for(actor).roles & action.who)


def actions_for(case: Case, user, *, offered: frozenset[str] = OFFERED) -> list[CaseAction]:
    """The actions this person may take on this case now, in the table's order.

    The caller has the case from the person's scope (``get_or_404``/``restrict``); this checks state, ``when`` and
    role only, with no query for command roles and at most one per person for the unit roles (cached), so the
    workbench may ask per row. Offering is a convenience: ``case_step`` checks again and has the last word.
    """
    if not scope_for(user).roles:
        return []
    found = []
    for action in CASE_ACTIONS.values():
        if action.offered not in offered or case.state not in action.states:
            continue
        if action.when is not None and not action.when(case):
            continue
        if action_who_allows(action, user, case, fresh=False):
            found.append(action)
    return found
