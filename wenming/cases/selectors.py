"""Reads for the workbenches and exports: queues by role, filters, overdue computed in SQL from the due fields.

Every list starts from ``restrict()``; the queue and the filters only ever narrow it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case as Cond
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.cases.models import (
    Case,
    CaseEvent,
    CaseState,
    Category,
    EventAction,
    FollowUp,
    SupervisionNotice,
)
from wenming.cases.models.case import STAGE_DUE_FIELDS, channels_for
from wenming.cases.services.actions import RATED_CHANNELS
from wenming.common.access import restrict, scope_for
from wenming.common.input import DATE_MAX, DATE_MIN, ID_MAX
from wenming.common.roles import (
    COMMAND_OR_ADMIN,
    FIELD_REPORTERS,
    HOTLINE_OPERATORS,
    NOTICE_FOLLOWERS,
    UNIT_ROLES,
    Role,
    roles,
)

S = CaseState
STAGE_DUE = STAGE_DUE_FIELDS


def overdue_q(now: dt.datetime) -> Q:
    """Open and past the deadline of the stage it is in (``stage_due`` is NULL when no clock runs)."""
    return Q(stage_due__lt=now)


SMALL = 2000  # a filtered remainder this small is picked by id, then ordered
SELECTED = ("category", "unit", "grid", "public_report")  # the public-report marker rides along


class OverdueFirst:
    """A scope's cases with the overdue first (the most overdue on top), then the rest, newest first.

    Sorting a whole scope by a computed key reads every row; as two ordered, indexed queries a page costs
    the same over a thousand cases or a million. Behaves as a read-only sequence for the paginator and
    the exports: ``count()``, slicing, ``iterator()``.
    """

    ordered = True

    def __init__(self, qs: QuerySet[Case], now: dt.datetime) -> None:
        self.scope = qs
        self.late = qs.filter(overdue_q(now)).order_by("stage_due", "id")
        self.rest = qs.filter(Q(stage_due__gte=now) | Q(stage_due__isnull=True)).order_by("-reported_at", "-id")
        self._counts: tuple[int, int] | None = None

    def _split(self) -> tuple[int, int]:
        """How many are late and how many are not: the scope is counted whole, the cheaper count."""
        if self._counts is None:
            late = self.late.count()
            self._counts = (late, self.scope.count() - late)
        return self._counts

    def count(self) -> int:
        return sum(self._split())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return list(self[index:index + 1])[0]
        start, stop = index.start or 0, index.stop
        late, _rest = self._split()
        rows: list[Case] = []
        if start < late:
            rows += list(self.late[start:min(stop, late) if stop is not None else late])
        if stop is None or stop > late:
            rest_start = max(start - late, 0)
            rows += list(self._rest_ordered()[rest_start:(stop - late) if stop is not None else None])
        return rows

    def _rest_ordered(self) -> QuerySet[Case]:
        """The rest, newest first. When a filter leaves few rows (a text search), ordering them through the
        report-time index would walk the whole table looking for matches; picking the few ids first (through
        whatever index the filter uses) and ordering those is what stays fast."""
        if self._split()[1] <= SMALL:
            ids = list(self.rest.order_by().values_list("pk", flat=True)[: SMALL + 1])
            return self.rest.model.objects.filter(pk__in=ids).select_related(*SELECTED).order_by("-reported_at", "-id")
        return self.rest

    def iterator(self, chunk_size: int = 2000):
        yield from self.late.iterator(chunk_size=chunk_size)
        yield from self.rest.iterator(chunk_size=chunk_size)


@dataclass(frozen=True)
class Queue:
    key: str
    label: str


_Q = {
    "reported": Queue("reported", _("To register (待受理)")),
    "to_dispatch": Queue("to_dispatch", _("To dispatch (待派遣)")),
    "returns": Queue("returns", _("Return requests (退回审批)")),
    "requests": Queue("requests", _("Extension and shelving requests")),
    "to_verify": Queue("to_verify", _("To verify (待核查)")),
    "to_close": Queue("to_close", _("To close (待结案)")),
    "not_fixed": Queue("not_fixed", _("Citizen says not fixed (回访未解决)")),
    "to_call_back": Queue("to_call_back", _("To call back (待回访)")),
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
    (COMMAND_OR_ADMIN, ["reported", "to_dispatch", "returns", "requests", "to_verify", "to_close", "not_fixed"]),
    (HOTLINE_OPERATORS, ["to_call_back"]),  # 电话回访: who makes the calls (the action table's ``callback``)
    (COMMAND_OR_ADMIN, ["overdue", "all"]),
    (UNIT_ROLES, ["to_sign", "handling", "due_soon", "overdue", "returned", "all"]),
    (roles(Role.INSPECTOR), ["to_verify", "all"]),
    (roles(Role.AREA_LEADER, Role.GRID_WORKER), ["all", "overdue"]),
    # The evaluation office follows the cases of its criteria's categories from the criterion pages (in its scope).
    (roles(Role.EVAL_OFFICE), ["all", "overdue"]),
]


def queues_for(user) -> list[Queue]:
    held = scope_for(user).roles
    keys: list[str] = []
    for group, queue_keys in ROLE_QUEUES:
        if held & group:
            keys += [k for k in queue_keys if k not in keys]
    return [_Q[k] for k in keys]


def queue_for(user, key: str | None) -> str | None:
    """The queue ``key`` if the person has it, else the person's first one (None: no workbench at all)."""
    keys = [q.key for q in queues_for(user)]
    if not keys:
        return None
    return key if key in keys else keys[0]


def _callback_due_q() -> Q:
    """电话回访 due: closed public cases with a reporter's phone, not rated for this closing, with fewer failed
    calls since it closed than ``WENMING_CALLBACK_ATTEMPTS`` (``actions.callback_refusal``, as one condition)."""
    rated = FollowUp.objects.filter(case=OuterRef("pk"), round=OuterRef("reopen_count"))
    failed = (CaseEvent.objects.filter(case=OuterRef("pk"), action=EventAction.CALLBACK_UNREACHED,
                                       created_at__gte=OuterRef("closed_at"))
              .order_by().values("case").annotate(n=Count("pk")).values("n"))
    return (Q(state=S.CLOSED, channel__in=RATED_CHANNELS) & ~Q(reporter_phone="") & ~Q(Exists(rated))
            & Q(LessThan(Coalesce(Subquery(failed), 0), settings.WENMING_CALLBACK_ATTEMPTS)))


def queue_condition(queue: str, now: dt.datetime) -> Q:
    return {
        "reported": Q(state=S.REPORTED),
        "to_dispatch": Q(state=S.REGISTERED),
        "returns": Q(state=S.RETURN_REQUESTED),
        "requests": Q(state=S.HANDLING) & ~Q(pending_request=""),
        "to_verify": Q(state=S.SUBMITTED),
        "to_close": Q(state=S.VERIFIED),
        # 回访: the reporter says the closed case is not fixed and nobody has decided yet (this closing only).
        "not_fixed": Q(state=S.CLOSED, follow_ups__fixed=False, follow_ups__decision="",
                       follow_ups__round=F("reopen_count")),
        "to_call_back": _callback_due_q(),
        "to_sign": Q(state=S.DISPATCHED),
        "handling": Q(state=S.HANDLING),
        "due_soon": Q(state=S.HANDLING, handle_due__gte=now, handle_due__lt=now + dt.timedelta(hours=24)),
        "returned": Q(state=S.RETURN_REQUESTED),
        "overdue": overdue_q(now),
        "all": Q(),
    }[queue]


def case_queue(
    *, user, queue: str, filters: dict | None = None, now: dt.datetime | None = None
) -> QuerySet[Case] | OverdueFirst:
    """The cases of one queue the person may see, filtered and in the queue's order.

    Rows carry their category, unit and grid (a fixed number of queries for any page size).
    """
    now = now or timezone.now()
    qs = restrict(Case.objects.select_related(*SELECTED), user)
    qs = apply_filters(qs.filter(queue_condition(queue, now)), filters or {})
    if queue == "all":
        return OverdueFirst(qs, now)
    if queue == "overdue":
        return qs.order_by("stage_due", "id")
    if queue in {"handling", "due_soon", "requests"}:
        return qs.order_by("handle_due", "id")
    if queue == "to_sign":
        return qs.order_by("sign_due", "id")
    if queue == "to_call_back":
        return qs.order_by("closed_at", "id")  # the longest waiting first
    return qs.order_by("reported_at", "id")


def queue_counts(*, user, queues: list[Queue], filters: dict | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """How many cases each tab holds, with the same filters: one indexed count per queue, none for "all"
    (the whole scope; its page shows its own total)."""
    now = now or timezone.now()
    scope = apply_filters(restrict(Case.objects.all(), user), filters or {})
    return {q.key: scope.filter(queue_condition(q.key, now)).count() for q in queues if q.key != "all"}


MAP_LIMIT = 2000


def case_points(rows: QuerySet[Case] | OverdueFirst, *, limit: int | None = None) -> tuple[list[dict], bool]:
    """The located cases of a queue for the map, in the queue's order (the overdue first in "all"), at most
    ``limit``; and whether there were more. Plain values: one query per part, never a row per case."""
    limit = limit or MAP_LIMIT
    parts = [rows.late, rows.rest] if isinstance(rows, OverdueFirst) else [rows]
    fields = ("pk", "lng", "lat", "state", "reported_at", "stage_due", "category__name", "unit__name", "urgency")
    points: list[dict] = []
    more = False
    for part in parts:
        room = limit + 1 - len(points)
        if room <= 0:
            break
        points += list(part.exclude(lng=None).values(*fields)[:room])
    if len(points) > limit:
        points, more = points[:limit], True
    return points, more


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def apply_filters(qs: QuerySet[Case], f: dict) -> QuerySet[Case]:
    """State, category (a 大类 takes its 小类), channel, unit, area (and what lies inside it), reporting dates (local
    days) and text."""
    if f.get("state"):
        qs = qs.filter(state=f["state"])
    if f.get("category"):
        # The 小类 ids first (a tiny query), so the case filter is one indexed IN list, not a join.
        category = f["category"]
        ids = [category.pk, *Category.objects.filter(parent=category).values_list("pk", flat=True)]
        qs = qs.filter(category_id__in=ids)
    if f.get("channel"):
        qs = qs.filter(channel=f["channel"])
    if f.get("unit"):
        qs = qs.filter(unit=f["unit"])
    if f.get("area"):
        qs = qs.filter(area_path__startswith=f["area"].path)
    # Day bounds as datetimes, so the index on reported_at is used. The forms refuse dates outside DATE_MIN..DATE_MAX
    # (where the arithmetic overflows: 9999-12-31 has no day after); for any other caller no case lies there, so
    # such a bound is no bound, or nothing.
    start, end = f.get("reported_from"), f.get("reported_to")
    if (start and start > DATE_MAX) or (end and end < DATE_MIN):
        return qs.none()
    if start and start >= DATE_MIN:
        qs = qs.filter(reported_at__gte=_day_start(start))
    if end and end <= DATE_MAX:
        qs = qs.filter(reported_at__lt=_day_start(end + dt.timedelta(days=1)))
    text = (f.get("q") or "").strip()
    if text:
        match = Q(description__contains=text) | Q(address__contains=text) | Q(tracking_code=text.upper())
        pk = case_pk_from_number(text)
        if pk is not None:
            match |= Q(pk=pk)
        qs = qs.filter(match)
    return qs


def case_pk_from_number(text: str) -> int | None:
    """The row id inside a case number (report date, then the id in 7 digits): 202611280000001 → 1.

    Decimal digits only (``isdigit`` also takes "²", which ``int`` refuses); any script's (full-width ０-９ as an
    input method types them), as ``int`` reads them; an id larger than the database holds is no number."""
    if len(text) >= 15 and text.isdecimal():
        pk = int(text[8:])
        return pk if pk <= ID_MAX else None
    return None


# -- supervision notices (督办单) ----------------------------------------------------------------------------

def notices_follows(user) -> bool:
    """Whether the person follows up open notices (the list page, its nav and home links)."""
    return bool(scope_for(user).roles & NOTICE_FOLLOWERS)


def notices_open(*, user, now: dt.datetime) -> QuerySet[SupervisionNotice]:
    """The notices issued and not closed in the person's scope: unanswered past their answer date first (the
    longest overdue on top), then by answer date; each with ``late`` set."""
    late = Q(state=SupervisionNotice.State.ISSUED, answer_due__lt=now)
    return (restrict(SupervisionNotice.objects.exclude(state=SupervisionNotice.State.CLOSED), user)
            .select_related("case", "unit", "issued_by")
            .annotate(late=Cond(When(late, then=Value(True)), default=Value(False)),
                      late_rank=Cond(When(late, then=Value(0)), default=Value(1), output_field=IntegerField()))
            .order_by("late_rank", "answer_due", "pk"))


# -- a field reporter's own reports (我的上报) -----------------------------------------------------------------

def field_channels(user) -> list[str]:
    """The channels this person reports on as field staff (a grid worker's patrol, an inspector's 暗访): the phone
    report page, 我的上报 and their home and nav links are theirs. None for everyone else, whose intake is the
    command centre's form."""
    return channels_for(scope_for(user).roles & FIELD_REPORTERS)


def reports_mine(*, user) -> QuerySet[Case]:
    """The cases this person reported, newest first, through the access path: ``restrict`` lets a person see what
    they reported even outside their scope (``Rule.reporter_lookups``), so a report from beyond her grid is here."""
    return (restrict(Case.objects.filter(reported_by=user), user)
            .select_related("category", "unit").defer("routing").order_by("-reported_at", "-id"))
