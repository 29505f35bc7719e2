"""Escalation (督办): how late a case is, read exactly at the moment it is asked, and supervision notices.

Levels use working time against the deadline of the stage the case is in: a reminder when less than
the policy's margin is left, yellow and red once it is overdue by the city's thresholds.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.models import Case, CaseState, EscalationLevel, EscalationPolicy, SupervisionNotice
from wenming.cases.services.actions import CASE_ACTIONS, unit_role_paths
from wenming.cases.services.errors import CaseNotFound, IllegalTransition, NotAllowed, WorkflowError
from wenming.cases.services.workflow import case_step
from wenming.common.calendar import WORKING_HOURS, deadline_add, working_time_between
from wenming.common.roles import LATE_CASE_WATCHERS, UNIT_ROLES
from wenming.common.services.notifications import notifications_enqueue
from wenming.org.models import Person

S = CaseState
# Who issues and closes notices: the action table's entry (kept under this name for the pages that ask).
ISSUERS = CASE_ACTIONS["notice"].who
# A notice's answer time, in working hours: at most 60 working days of 8 hours (the working calendar the deadline
# is computed on stops at three years). The form offers the same bounds.
NOTICE_HOURS_MIN, NOTICE_HOURS_MAX = Decimal("0.5"), Decimal(480)


def escalation_policy() -> EscalationPolicy:
    policy, _created = EscalationPolicy.objects.get_or_create(pk=1)
    return policy


def escalation_level(case: Case, *, now: dt.datetime | None = None, policy: EscalationPolicy | None = None) -> int:
    due = case.current_due()
    if due is None or not case.is_open:
        return EscalationLevel.NONE
    now = now or timezone.now()
    policy = policy or escalation_policy()
    hours = Decimal(working_time_between(due, now).total_seconds()) / 3600  # positive once overdue
    if now > due:
        if hours >= policy.red_after_hours:
            return EscalationLevel.RED
        if hours >= policy.yellow_after_hours:
            return EscalationLevel.YELLOW
        return EscalationLevel.NONE
    if -hours <= policy.remind_before_hours:
        return EscalationLevel.REMINDER
    return EscalationLevel.NONE


# The levels a notice is issued at: a 黄牌 or a 红牌 督办单.
NOTICE_LEVELS = (EscalationLevel.YELLOW, EscalationLevel.RED)


def notice_level_default(case: Case, *, now: dt.datetime | None = None) -> int:
    """The level a notice on this case is offered at: the case's own escalation level, at least yellow."""
    return max(int(escalation_level(case, now=now)), int(EscalationLevel.YELLOW))


def notice_issue(*, case_id: int, actor, demand: str, answer_within_hours: Decimal | float = 4,
                 level: int | None = None) -> SupervisionNotice:
    """Issue a 督办单 on any open case to its unit; the answer is due in working hours. ``level``: yellow or red
    card; by default the case's escalation level when issued, at least yellow. The unit is told (the outbox)."""
    if not demand.strip():
        raise WorkflowError(_("Say what the unit must do."))
    if level is not None and level not in NOTICE_LEVELS:
        raise WorkflowError(_("A supervision notice is a yellow or a red card."))
    hours = notice_hours_check(answer_within_hours)
    made: list[SupervisionNotice] = []

    def mutate(case: Case, now):
        chosen = notice_level_default(case, now=now) if level is None else int(level)
        notice = SupervisionNotice.objects.create(
            case=case, unit_id=case.unit_id, level=chosen, demand=demand.strip(), issued_by=actor,
            answer_due=deadline_add(now, hours, WORKING_HOURS),
        )
        made.append(notice)
        return {"notice": notice.pk, "level": chosen, "answer_due": notice.answer_due.isoformat()}

    case_step(case_id=case_id, actor=actor, action_key="notice", note=demand.strip(), mutate=mutate)
    return made[0]


def notice_hours_check(hours: Decimal | float | str) -> Decimal:
    """The answer time as a Decimal, or WorkflowError naming the field when it is no number or out of bounds."""
    try:
        value = Decimal(str(hours))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or not NOTICE_HOURS_MIN <= value <= NOTICE_HOURS_MAX:
        raise WorkflowError(_("Answer within (working hours): from %(min)s to %(max)s.")
                            % {"min": NOTICE_HOURS_MIN, "max": NOTICE_HOURS_MAX})
    return value


def _notice_case_id(notice_id: int) -> int:
    case_id = SupervisionNotice.objects.filter(pk=notice_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise CaseNotFound(_("No such case."))
    return case_id


def _notice_locked(notice_id: int) -> SupervisionNotice:
    # After its case: every step locks the case first, so two steps on one case queue in one order.
    return SupervisionNotice.objects.select_for_update().select_related("unit").get(pk=notice_id)


def notice_answer(*, notice_id: int, actor, answer: str) -> SupervisionNotice:
    """The unit answers the notice (what it did, by when): a member of the unit the notice went to."""
    if not answer.strip():
        raise WorkflowError(_("Write the answer."))
    notices: list[SupervisionNotice] = []

    def mutate(case: Case, now):
        notice = _notice_locked(notice_id)
        if not any(notice.unit.path.startswith(path) for path in unit_role_paths(actor, fresh=True)):
            raise NotAllowed(_("Your role may not do this on this case."))
        if notice.state != SupervisionNotice.State.ISSUED:
            raise IllegalTransition(_("This notice has already been answered."))
        notice.state, notice.answer, notice.answered_at, notice.answered_by = (
            SupervisionNotice.State.ANSWERED, answer.strip(), now, actor,
        )
        notice.save()
        notices.append(notice)
        return {"notice": notice.pk, "on_time": notice.answered_at <= notice.answer_due}

    case_step(case_id=_notice_case_id(notice_id), actor=actor, action_key="answer", note=answer.strip(), mutate=mutate)
    return notices[0]


def notice_close(*, notice_id: int, actor, note: str = "") -> SupervisionNotice:
    """The centre accepts the answer."""
    notices: list[SupervisionNotice] = []

    def mutate(case: Case, now):
        notice = _notice_locked(notice_id)
        if notice.state != SupervisionNotice.State.ANSWERED:
            raise IllegalTransition(_("Only an answered notice can be closed."))
        notice.state = SupervisionNotice.State.CLOSED
        notice.save(update_fields=["state", "updated_at"])
        notices.append(notice)
        return {"notice": notice.pk}

    case_step(case_id=_notice_case_id(notice_id), actor=actor, action_key="notice_close", note=note, mutate=mutate)
    return notices[0]


def escalations_scan(*, now: dt.datetime | None = None) -> dict:
    """Notify, once per stage deadline and level, the people who must see a late case.

    Reminder → the unit; yellow → the unit and its leaders; red → also the area leaders and the
    command centre. The level itself is never stored: it is computed from the deadline when read.
    """
    now = now or timezone.now()
    policy = escalation_policy()
    horizon = deadline_add(now, policy.remind_before_hours, WORKING_HOURS)
    counts = {L.label: 0 for L in EscalationLevel if L}
    open_states = [S.REPORTED, S.REGISTERED, S.DISPATCHED, S.HANDLING, S.SUBMITTED, S.RETURN_REQUESTED]
    candidates = Case.objects.filter(state__in=open_states).filter(
        models.Q(register_due__lte=horizon, state=S.REPORTED)
        | models.Q(dispatch_due__lte=horizon, state=S.REGISTERED)
        | models.Q(sign_due__lte=horizon, state=S.DISPATCHED)
        | models.Q(handle_due__lte=horizon, state__in=[S.HANDLING, S.RETURN_REQUESTED])
        | models.Q(verify_due__lte=horizon, state=S.SUBMITTED)
    )
    for case in candidates.iterator(chunk_size=500):
        level = escalation_level(case, now=now, policy=policy)
        if not level:
            continue
        recipients = set()
        if case.unit_id:
            recipients |= set(Person.objects.filter(is_active=True, roles__role__in=UNIT_ROLES, roles__unit_id=case.unit_id))
        if level == EscalationLevel.RED or case.unit_id is None:
            for person in Person.objects.filter(is_active=True, roles__role__in=LATE_CASE_WATCHERS).prefetch_related("roles__area"):
                if any(r.area and case.area_path.startswith(r.area.path) for r in person.roles.all()):
                    recipients.add(person)
        due = case.current_due()
        label = EscalationLevel(level).label
        new = notifications_enqueue(
            recipients=recipients, key=f"esc:{case.pk}:{due:%Y%m%d%H%M%S}:{level}",
            channels=("in_app", "sms") if level >= EscalationLevel.YELLOW else ("in_app",),
            subject=_("Case %(number)s: %(level)s") % {"number": case.number, "level": label},
            body=case.description[:140], link=f"/cases/{case.pk}/",
        )
        if new:
            counts[label] += 1
    return counts
