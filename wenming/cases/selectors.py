"""Reads for the workbenches: queues by role, filters, overdue computed in SQL from the due fields."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case as When_
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.cases.models import OPEN_STATES, Case, CaseState
from wenming.common.access import restrict, scope_for

S = CaseState


def overdue_q(now: dt.datetime) -> Q:
    """Open and past the deadline of the stage it is in (shelved cases are paused, never overdue)."""
    return (
        Q(state=S.REPORTED, register_due__lt=now)
        | Q(state=S.REGISTERED, dispatch_due__lt=now)
        | Q(state=S.DISPATCHED, sign_due__lt=now)
        | Q(state__in=[S.HANDLING, S.RETURN_REQUESTED], handle_due__lt=now)
        | Q(state=S.SUBMITTED, verify_due__lt=now)
    )


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    roles: frozenset[str]


COMMAND = frozenset({"intake", "shift_leader", "dispatcher", "admin"})
UNIT = frozenset({"unit_handler", "unit_leader"})
AREA = frozenset({"area_leader", "grid_worker", "inspector"})

QUEUES = [
    Queue("reported", _("To register (待受理)"), COMMAND),
    Queue("to_dispatch", _("To dispatch (待派遣)"), COMMAND),
    Queue("returns", _("Return requests (退回审批)"), COMMAND),
    Queue("requests", _("Extension and shelving requests"), COMMAND),
    Queue("to_verify", _("To verify (待核查)"), COMMAND | {"inspector"}),
    Queue("to_close", _("To close (待结案)"), COMMAND),
    Queue("to_sign", _("To sign (待签收)"), UNIT),
    Queue("handling", _("In hand (处置中)"), UNIT),
    Queue("due_soon", _("Due within a day"), UNIT),
    Queue("returned", _("Asked to return"), UNIT),
    Queue("overdue", _("Overdue (超期)"), COMMAND | UNIT | AREA),
    Queue("all", _("Everything in my scope"), COMMAND | UNIT | AREA),
]


def queues_for(user) -> list[Queue]:
    roles = scope_for(user).roles
    return [q for q in QUEUES if q.roles & roles]


def case_queue(*, user, queue: str, filters: dict | None = None, now: dt.datetime | None = None) -> QuerySet[Case]:
    now = now or timezone.now()
    qs = restrict(Case.objects.select_related("category", "unit", "grid"), user)
    conditions = {
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
    }
    qs = qs.filter(conditions.get(queue, Q()))
    qs = apply_filters(qs, filters or {})
    if queue == "all":
        # Overdue first, then the newest.
        qs = qs.annotate(late=When_(When(overdue_q(now), then=Value(0)), default=Value(1), output_field=IntegerField()))
        return qs.order_by("late", "-reported_at", "-id")
    if queue in {"overdue", "handling", "due_soon", "to_sign"}:
        return qs.order_by("handle_due", "id")
    return qs.order_by("reported_at", "id")


def apply_filters(qs: QuerySet[Case], f: dict) -> QuerySet[Case]:
    if f.get("state"):
        qs = qs.filter(state=f["state"])
    if f.get("category"):
        qs = qs.filter(Q(category=f["category"]) | Q(category__parent=f["category"]))
    if f.get("channel"):
        qs = qs.filter(channel=f["channel"])
    if f.get("unit"):
        qs = qs.filter(unit=f["unit"])
    if f.get("reported_from"):
        qs = qs.filter(reported_at__date__gte=f["reported_from"])
    if f.get("reported_to"):
        qs = qs.filter(reported_at__date__lte=f["reported_to"])
    if f.get("q"):
        q = f["q"].strip()
        qs = qs.filter(Q(description__contains=q) | Q(address__contains=q) | Q(tracking_code=q.upper()))
    return qs


def open_states() -> frozenset[str]:
    return OPEN_STATES
