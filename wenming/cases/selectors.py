"""Reads for the workbenches and exports: queues by role, filters, overdue computed in SQL from the due fields.

Every list starts from ``restrict()``; the queue and the filters only ever narrow it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Case as SqlCase
from django.db.models import DateTimeField, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.cases.models import Case, CaseState
from wenming.common.access import restrict, scope_for

S = CaseState

# The deadline of the stage each open state is in (the same table as ``Case.current_due``). Shelved cases
# are paused and verified ones wait for closing: neither has a running clock, so neither is ever overdue.
STAGE_DUE = {
    S.REPORTED: "register_due",
    S.REGISTERED: "dispatch_due",
    S.DISPATCHED: "sign_due",
    S.RETURN_REQUESTED: "handle_due",
    S.HANDLING: "handle_due",
    S.SUBMITTED: "verify_due",
}


def overdue_q(now: dt.datetime) -> Q:
    """Open and past the deadline of the stage it is in."""
    return reduce(or_, (Q(state=state, **{f"{field}__lt": now}) for state, field in STAGE_DUE.items()))


def current_due_expression() -> SqlCase:
    """The current stage's deadline as an SQL expression, for ordering by how late a case is."""
    return SqlCase(*(When(state=state, then=F(field)) for state, field in STAGE_DUE.items()), output_field=DateTimeField())


@dataclass(frozen=True)
class Queue:
    key: str
    label: str


COMMAND = frozenset({"intake", "shift_leader", "dispatcher", "admin"})
UNIT = frozenset({"unit_handler", "unit_leader"})
AREA = frozenset({"area_leader", "grid_worker"})
INSPECTOR = frozenset({"inspector"})

_Q = {
    "reported": Queue("reported", _("To register (待受理)")),
    "to_dispatch": Queue("to_dispatch", _("To dispatch (待派遣)")),
    "returns": Queue("returns", _("Return requests (退回审批)")),
    "requests": Queue("requests", _("Extension and shelving requests")),
    "to_verify": Queue("to_verify", _("To verify (待核查)")),
    "to_close": Queue("to_close", _("To close (待结案)")),
    "to_sign": Queue("to_sign", _("To sign (待签收)")),
    "handling": Queue("handling", _("In hand (处置中)")),
    "due_soon": Queue("due_soon", _("Due within a day")),
    "returned": Queue("returned", _("Asked to return")),
    "overdue": Queue("overdue", _("Overdue (超期)")),
    "all": Queue("all", _("Everything in my scope")),
}
QUEUES = list(_Q.values())

# Each role group's tabs, in order; the first is where the workbench opens. A person with several roles
# gets the union, in this order. Area leaders open on everything in their area, the overdue first.
ROLE_QUEUES = [
    (COMMAND, ["reported", "to_dispatch", "returns", "requests", "to_verify", "to_close", "overdue", "all"]),
    (UNIT, ["to_sign", "handling", "due_soon", "overdue", "returned", "all"]),
    (INSPECTOR, ["to_verify", "all"]),
    (AREA, ["all", "overdue"]),
]


def queues_for(user) -> list[Queue]:
    roles = scope_for(user).roles
    keys: list[str] = []
    for group, queue_keys in ROLE_QUEUES:
        if roles & group:
            keys += [k for k in queue_keys if k not in keys]
    return [_Q[k] for k in keys]


def queue_for(user, key: str | None) -> str | None:
    """The queue ``key`` if the person has it, else the person's first one (None: no workbench at all)."""
    keys = [q.key for q in queues_for(user)]
    if not keys:
        return None
    return key if key in keys else keys[0]


def queue_condition(queue: str, now: dt.datetime) -> Q:
    return {
        "reported": Q(state=S.REPORTED),
        "to_dispatch": Q(state=S.REGISTERED),
        "returns": Q(state=S.RETURN_REQUESTED),
        "requests": Q(state=S.HANDLING) & ~Q(pending_request=""),
        "to_verify": Q(state=S.SUBMITTED),
        "to_close": Q(state=S.VERIFIED),
        "to_sign": Q(state=S.DISPATCHED),
        "handling": Q(state=S.HANDLING),
        "due_soon": Q(state=S.HANDLING, handle_due__gte=now, handle_due__lt=now + dt.timedelta(hours=24)),
        "returned": Q(state=S.RETURN_REQUESTED),
        "overdue": overdue_q(now),
        "all": Q(),
    }[queue]


def case_queue(*, user, queue: str, filters: dict | None = None, now: dt.datetime | None = None) -> QuerySet[Case]:
    """The cases of one queue the person may see, filtered and in the queue's order.

    Rows carry their category, unit and grid (one query for any page size).
    """
    now = now or timezone.now()
    qs = restrict(Case.objects.select_related("category", "unit", "grid"), user)
    qs = apply_filters(qs.filter(queue_condition(queue, now)), filters or {})
    if queue == "all":
        # Overdue first (the most overdue on top), then the newest.
        qs = qs.annotate(
            late=SqlCase(When(overdue_q(now), then=Value(0)), default=Value(1), output_field=IntegerField()),
            stage_due=current_due_expression(),
        )
        return qs.order_by("late", F("stage_due").asc(nulls_last=True), "-reported_at", "-id")
    if queue == "overdue":
        return qs.annotate(stage_due=current_due_expression()).order_by("stage_due", "id")
    if queue in {"handling", "due_soon", "requests"}:
        return qs.order_by("handle_due", "id")
    if queue == "to_sign":
        return qs.order_by("sign_due", "id")
    return qs.order_by("reported_at", "id")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def apply_filters(qs: QuerySet[Case], f: dict) -> QuerySet[Case]:
    """State, category (a 大类 takes its 小类), channel, unit, reporting dates (local days) and text."""
    if f.get("state"):
        qs = qs.filter(state=f["state"])
    if f.get("category"):
        qs = qs.filter(Q(category=f["category"]) | Q(category__parent=f["category"]))
    if f.get("channel"):
        qs = qs.filter(channel=f["channel"])
    if f.get("unit"):
        qs = qs.filter(unit=f["unit"])
    # Day bounds as datetimes, so the index on reported_at is used.
    if f.get("reported_from"):
        qs = qs.filter(reported_at__gte=_day_start(f["reported_from"]))
    if f.get("reported_to"):
        qs = qs.filter(reported_at__lt=_day_start(f["reported_to"] + dt.timedelta(days=1)))
    text = (f.get("q") or "").strip()
    if text:
        match = Q(description__contains=text) | Q(address__contains=text) | Q(tracking_code=text.upper())
        pk = case_pk_from_number(text)
        if pk is not None:
            match |= Q(pk=pk)
        qs = qs.filter(match)
    return qs


def case_pk_from_number(text: str) -> int | None:
    """The row id inside a case number (report date, then the id in 7 digits): 202611280000001 → 1."""
    if len(text) >= 15 and text.isdigit():
        return int(text[8:])
    return None
