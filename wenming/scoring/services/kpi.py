"""KPIs of DESIGN.md section 3, computed from case events for any period, with the evidence behind them.

The events of each case are replayed in order into *stints*: the time one unit held the case, from a
dispatch (or re-dispatch) to the next. A stint ended by an approved return, or by the command centre's recall
(撤回) or re-dispatch (改派), does not count for the unit (the case was rightly not theirs, or was taken from
them); a re-dispatch opens the new unit's stint like a dispatch; a stint still shelved at the cutoff leaves the denominators (挂账 cases
leave the denominator). Only events before the cutoff (the end of the period) count, so a figure computed
again later is the same unless the past changed (late-synced events, a reorganised district, a formula
fix) — which is exactly what a correction shows.

Unit (key: unit id)
  按时签收率 ``sign_on_time_rate``   stints dispatched in the period and signed on time (the sign event's
                                      ``on_time``) / stints dispatched in the period
  处置率 ``handled_rate``            stints due in the period (handling deadline in the period) that the unit
                                      reported done (a submit not sent back for rework) / due
  按期处置率 ``handled_on_time_rate`` of those, the last submit was on time / due
  结案率 ``closed_rate``             due stints whose case was closed / due
  返工率 ``rework_rate``             stints closed in the period that had a rework / stints closed in the period
  超期数 ``overdue_count``           due stints not handled on time
  满意率 ``satisfaction_rate``       follow-up (回访) events in the period rated satisfied or basically satisfied /
                                      follow-up events in the period, for the unit that held the case when it closed
District (key: county area code; a case belongs to the county its grid lies in)
  结案率, 按期结案率                 as for units, over the stints of the district's cases
  监督举报率 ``public_report_rate``  cases registered in the period that came from the public / registered
Inspector (key: person id of a grid worker or inspector; volume: reports and verifications)
  有效上报率 ``valid_report_rate``   their reports in the period that were registered / their reports
  按时核查率 ``verify_on_time_rate`` their verifications in the period done by the verification deadline /
                                      their verifications

The handling deadline of a stint: the ``handle_due`` the events recorded (extension granted, resumed after
shelving, or on dispatch/rework when the workflow records it), else the category's time limit from the
dispatch or rework, as the workflow set it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.cases.models import SATISFIED_RATINGS, Case, CaseEvent, Category, Channel, EventAction, Stage
from wenming.cases.services.deadlines import stage_due
from wenming.common.roles import FIELD_REPORTERS
from wenming.org.models import Area, Person, Unit

E = EventAction
PUBLIC_CHANNELS = frozenset({Channel.CITIZEN, Channel.HOTLINE, Channel.HOTLINE_12345, Channel.MEDIA})
# Cases whose current handling deadline lies in the period or up to this margin after it are replayed too:
# one handled early has no events in the period but is due in it, and extensions, rework and reopening only
# ever move a deadline later.
DUE_MARGIN = dt.timedelta(days=14)
CHUNK = 5000
# Events that move a case's stored handling or verification deadline.
DEADLINE_ACTIONS = (E.DISPATCH, E.REWORK, E.REQUEST_GRANTED, E.RESUME, E.REOPEN, E.RETURN_APPROVED, E.SUBMIT,
                    E.RECALL, E.REDISPATCH)
# The command centre's recall (撤回) and re-dispatch (改派): the holding unit's stint ends like an approved return.
TAKEN_FROM_UNIT = (E.RECALL, E.REDISPATCH)

INDICATORS: dict[str, dict[str, object]] = {
    "sign_on_time_rate": {"label": _("On-time acknowledgement rate (按时签收率)"), "kind": "rate"},
    "handled_rate": {"label": _("Handling rate (处置率)"), "kind": "rate"},
    "handled_on_time_rate": {"label": _("On-time handling rate (按期处置率)"), "kind": "rate"},
    "closed_rate": {"label": _("Closing rate (结案率)"), "kind": "rate"},
    "closed_on_time_rate": {"label": _("On-time closing rate (按期结案率)"), "kind": "rate"},
    "rework_rate": {"label": _("Rework rate (返工率)"), "kind": "rate", "negative": True},
    "overdue_count": {"label": _("Overdue cases (超期数)"), "kind": "count", "negative": True},
    "satisfaction_rate": {"label": _("Satisfaction rate (满意率)"), "kind": "rate"},
    "public_report_rate": {"label": _("Public report rate (监督举报率)"), "kind": "rate"},
    "valid_report_rate": {"label": _("Valid report rate (有效上报率)"), "kind": "rate"},
    "verify_on_time_rate": {"label": _("On-time verification rate (按时核查率)"), "kind": "rate"},
    "volume": {"label": _("Volume"), "kind": "count"},
    # Not from case events: the mean inspection score (services/inspection_index.py), 0–100, taken as score / 100.
    "inspection_score": {"label": _("Inspection score (暗访得分)"), "kind": "score"},
    # Not from case events either: the campaign's tasks and progress reports (services/task_index.py). Weighed
    # only by a version that names them, so the figures of older versions stay exactly as published.
    "task_report_on_time_rate": {"label": _("Progress reports on time (进度报送及时率)"), "kind": "task"},
    "tasks_lagging_rate": {"label": _("Tasks behind or overdue (任务滞后率)"), "kind": "task", "negative": True},
}
# Not an indicator: the stints left out of the denominators (returned to the centre, shelved).
EXCLUDED = "excluded"
SUBJECT_INDICATORS = {
    "unit": ["sign_on_time_rate", "handled_rate", "handled_on_time_rate", "closed_rate", "rework_rate",
             "overdue_count", "satisfaction_rate", "inspection_score", "task_report_on_time_rate",
             "tasks_lagging_rate"],
    "district": ["closed_rate", "closed_on_time_rate", "public_report_rate", "inspection_score"],
    "inspector": ["valid_report_rate", "verify_on_time_rate"],
}


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=local_tz())


@dataclass
class Tally:
    """One indicator of one subject: the cases in the denominator, and which of them are in the numerator."""

    # What is counted (a stint, a report, a verification) → {"case": id, "num": bool, "events": [event ids]}.
    items: dict[object, dict] = field(default_factory=dict)

    def add(self, key, *, case_id: int, num: bool, events) -> None:
        item = self.items.setdefault(key, {"case": case_id, "num": False, "events": []})
        item["num"] = item["num"] or num
        item["events"] = sorted(set(item["events"]) | {e for e in events if e is not None})

    @property
    def den(self) -> int:
        return len(self.items)

    @property
    def num(self) -> int:
        return sum(1 for item in self.items.values() if item["num"])


@dataclass
class SubjectKpis:
    key: str
    name: str
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))

    def figures(self, codes) -> dict:
        out = {}
        for code in codes:
            tally = self.tallies.get(code) or Tally()
            if INDICATORS[code]["kind"] in ("score", "task"):
                out[code] = {"num": None, "den": None, "value": None}  # filled in by the index's component
            elif INDICATORS[code]["kind"] == "count":
                out[code] = {"num": tally.num, "den": None, "value": tally.num}
            else:
                out[code] = {"num": tally.num, "den": tally.den,
                             "value": round(tally.num / tally.den, 6) if tally.den else None}
        return out


@dataclass
class Stint:
    unit_id: int
    dispatch: dict
    due: dt.datetime | None
    due_from: dt.datetime | None = None  # when ``due`` is still to be set by the time limit from this moment
    sign: dict | None = None
    last_submit: dict | None = None
    submit_pending: bool = False  # a submit not (yet) sent back for rework
    reworks: list = field(default_factory=list)
    returned: dict | None = None
    shelved: bool = False
    close: dict | None = None
    ratings: list = field(default_factory=list)  # follow-up (回访) events after the stint's closing
    events: list = field(default_factory=list)


def _parse(value) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _recorded_due(event: dict) -> dt.datetime | None:
    recorded = event["data"].get("handle_due") if isinstance(event["data"], dict) else None
    if isinstance(recorded, list):
        recorded = recorded[-1]
    return _parse(recorded) if recorded else None


def _limit_due(case_info: dict, start: dt.datetime) -> dt.datetime:
    return stage_due(category=case_info["category"], urgency=case_info["urgency"], stage=Stage.HANDLE, start=start)


def _replay(case_info: dict, events: list[dict]) -> list[Stint]:
    """The case's stints, from its events in order."""
    stints: list[Stint] = []
    current: Stint | None = None
    for event in events:
        action, at = event["action"], event["created_at"]
        if action in TAKEN_FROM_UNIT:
            # 撤回/改派: the unit's stint ends as if its return had been approved (it is not scored for the case);
            # a re-dispatch then opens the new unit's stint, as a dispatch does.
            if current is not None:
                current.events.append(event["id"])
                current.returned = event
            current = None
            if action == E.RECALL:
                continue
        if action in (E.DISPATCH, E.REDISPATCH):
            recorded = _recorded_due(event)
            current = Stint(unit_id=event["data"].get("unit"), dispatch=event, due=recorded,
                            due_from=None if recorded else at)
            stints.append(current)
        if current is None:
            continue
        current.events.append(event["id"])
        if action == E.SIGN:
            current.sign = event
        elif action == E.RETURN_APPROVED:
            current.returned = event
            current = None
        elif action == E.REQUEST_GRANTED and event["data"].get("handle_due"):
            current.due, current.due_from = _parse(event["data"]["handle_due"][-1]), None
            if event["data"].get("request") == "shelving":
                current.shelved = True
        elif action == E.REQUEST_GRANTED and event["data"].get("request") == "shelving":
            current.shelved = True
        elif action == E.RESUME:
            current.shelved = False
            if event["data"].get("handle_due") and event["data"]["handle_due"][-1]:
                current.due, current.due_from = _parse(event["data"]["handle_due"][-1]), None
        elif action == E.SUBMIT:
            current.last_submit, current.submit_pending = event, True
        elif action == E.REWORK:
            current.reworks.append(event)
            current.submit_pending = False
            recorded = _recorded_due(event)
            current.due, current.due_from = recorded, None if recorded else at
        elif action == E.CLOSE:
            current.close = event
        elif action == E.FOLLOW_UP:
            current.ratings.append(event)
        elif action == E.REOPEN:
            current = None
    # Deadlines still to be set: the case's stored one is the last stint's when nothing moved it after the
    # cutoff (the usual case, and exact); otherwise the category's time limit, as the workflow set it.
    for stint in stints:
        if stint.due_from is None:
            continue
        if stint is stints[-1] and current is stint and case_info["handle_due"] and not case_info["later"]:
            stint.due = case_info["handle_due"]
        else:
            stint.due = _limit_due(case_info, stint.due_from)
        stint.due_from = None
    return stints


@dataclass
class Period:
    start: dt.date
    end: dt.date  # the day after the last

    @property
    def start_at(self) -> dt.datetime:
        return day_start(self.start)

    @property
    def end_at(self) -> dt.datetime:
        return day_start(self.end)

    def holds(self, instant: dt.datetime | None) -> bool:
        return instant is not None and self.start_at <= instant < self.end_at


def _chunks(ids, size=CHUNK):
    ids = list(ids)
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _load(period: Period, cutoff: dt.datetime):
    """The cases that can count in the period, their facts, and their events before the cutoff."""
    # The cases that matter: something happened to them in the period, or a handling deadline of theirs lies
    # near it (a case dispatched earlier and left untouched is still due, and overdue, in the period). Two
    # indexed lookups, then rows by id in chunks (one query with an OR of both plans badly on PostgreSQL).
    ids = set(CaseEvent.objects.filter(created_at__gte=period.start_at, created_at__lt=cutoff)
              .order_by().values_list("case_id", flat=True).distinct())
    ids |= set(Case.objects.filter(handle_due__gte=period.start_at, handle_due__lt=period.end_at + DUE_MARGIN)
               .order_by().values_list("id", flat=True))
    cases, events = {}, defaultdict(list)
    for chunk in _chunks(sorted(ids)):
        for row in Case.objects.filter(pk__in=chunk).order_by().values(
            "id", "category_id", "urgency", "area_path", "channel", "reported_by_id", "reported_at", "handle_due",
            "verify_due",
        ):
            row["later"] = set()
            cases[row["id"]] = row
        for event in (
            CaseEvent.objects.filter(case_id__in=chunk, created_at__lt=cutoff).order_by("case_id", "seq")
            .values("id", "case_id", "seq", "action", "actor_id", "from_state", "to_state", "data", "created_at")
        ):
            events[event["case_id"]].append(event)
        # What changed the case's stored deadlines after the cutoff: without it they are the replay's own.
        for case_id, action in (CaseEvent.objects.filter(case_id__in=chunk, created_at__gte=cutoff,
                                                         action__in=DEADLINE_ACTIONS)
                                .order_by().values_list("case_id", "action").distinct()):
            cases[case_id]["later"].add(action)
    categories = Category.objects.in_bulk({row["category_id"] for row in cases.values() if row["category_id"]})
    for row in cases.values():
        row["category"] = categories.get(row["category_id"])
    return cases, events


def _districts() -> list[tuple[str, str, str]]:
    return list(Area.objects.filter(level="county").values_list("path", "code", "name").order_by("-path"))


def _district_of(area_path: str, districts) -> tuple[str, str] | None:
    for path, code, name in districts:
        if area_path.startswith(path):
            return code, name
    return None


_shared = threading.local()


@contextmanager
def shared_loads():
    """Within this block the subjects of one period share one load of its cases and events."""
    _shared.loads = {}
    try:
        yield
    finally:
        _shared.loads = None


def compute_kpis(*, subject: str, start: dt.date, end: dt.date, cutoff: dt.datetime | None = None) -> dict[str, SubjectKpis]:
    """Every subject's tallies for the period [start, end), from events before ``cutoff`` (default: the end)."""
    period = Period(start, end)
    if cutoff is None:
        cutoff = min(period.end_at, timezone.now())
    shared = getattr(_shared, "loads", None)
    key = (start, end, cutoff)
    if shared is not None and key in shared:
        cases, events = shared[key]
    else:
        cases, events = _load(period, cutoff)
        if shared is not None:
            shared.clear()  # one period at a time: the subjects of a period share it
            shared[key] = (cases, events)
    if subject == "unit":
        return _units(period, cutoff, cases, events)
    if subject == "district":
        return _districts_kpis(period, cutoff, cases, events)
    if subject == "inspector":
        return _inspectors(period, cutoff, cases, events)
    raise ValueError(subject)


def _stint_due_facts(tallies: dict[str, Tally], case_id: int, stint: Stint, period: Period, cutoff: dt.datetime, *,
                     district: bool) -> None:
    if stint.returned is not None or stint.shelved:
        # Left out of the denominators; the explanation lists them with the event that took them out.
        if period.holds(stint.dispatch["created_at"]) or period.holds(stint.due):
            reason = stint.returned["id"] if stint.returned else next(
                (e for e in reversed(stint.events) if e is not None), None)
            tallies[EXCLUDED].add(stint.dispatch["id"], case_id=case_id, num=False, events=[stint.dispatch["id"], reason])
        return
    if not period.holds(stint.due):
        return
    handled = stint.submit_pending and stint.last_submit is not None
    if not handled and stint.due >= cutoff:
        return  # not done, but not due yet either
    on_time = handled and bool(stint.last_submit["data"].get("on_time"))
    evidence = [stint.dispatch["id"], stint.last_submit["id"] if stint.last_submit else None,
                *(r["id"] for r in stint.reworks)]
    closed = stint.close is not None
    closing = [*evidence, stint.close["id"] if closed else None]
    key = stint.dispatch["id"]
    tallies["closed_rate"].add(key, case_id=case_id, num=closed, events=closing)
    tallies["volume"].add(key, case_id=case_id, num=True, events=[key])
    if district:
        tallies["closed_on_time_rate"].add(key, case_id=case_id, num=closed and on_time, events=closing)
        return
    tallies["handled_rate"].add(key, case_id=case_id, num=handled, events=evidence)
    tallies["handled_on_time_rate"].add(key, case_id=case_id, num=on_time, events=evidence)
    if not on_time:
        tallies["overdue_count"].add(key, case_id=case_id, num=True, events=evidence)


def _units(period, cutoff, cases, events) -> dict[str, SubjectKpis]:
    out: dict[str, SubjectKpis] = {}

    def subject(unit_id) -> SubjectKpis:
        key = str(unit_id)
        if key not in out:
            out[key] = SubjectKpis(key=key, name="")
        return out[key]

    for case_id, case_events in events.items():
        for stint in _replay(cases[case_id], case_events):
            if stint.unit_id is None:
                continue
            tallies = subject(stint.unit_id).tallies
            if period.holds(stint.dispatch["created_at"]) and stint.returned is None:
                tallies["sign_on_time_rate"].add(
                    stint.dispatch["id"], case_id=case_id, num=bool(stint.sign and stint.sign["data"].get("on_time")),
                    events=[stint.dispatch["id"], stint.sign["id"] if stint.sign else None],
                )
            _stint_due_facts(tallies, case_id, stint, period, cutoff, district=False)
            for rating in stint.ratings:
                if period.holds(rating["created_at"]):
                    tallies["satisfaction_rate"].add(rating["id"], case_id=case_id,
                                                     num=rating["data"].get("rating") in SATISFIED_RATINGS,
                                                     events=[stint.close["id"] if stint.close else None, rating["id"]])
            if stint.close is not None and period.holds(stint.close["created_at"]):
                tallies["rework_rate"].add(stint.dispatch["id"], case_id=case_id, num=bool(stint.reworks),
                                           events=[stint.close["id"], *(r["id"] for r in stint.reworks)])
    names = dict(Unit.objects.filter(pk__in=[int(k) for k in out]).values_list("pk", "name"))
    for key, kpis in out.items():
        kpis.name = names.get(int(key), key)
    return out


def _districts_kpis(period, cutoff, cases, events) -> dict[str, SubjectKpis]:
    districts = _districts()
    out = {code: SubjectKpis(key=code, name=name) for _path, code, name in districts}
    for case_id, case_events in events.items():
        place = _district_of(cases[case_id]["area_path"], districts)
        if place is None:
            continue
        tallies = out[place[0]].tallies
        for stint in _replay(cases[case_id], case_events):
            _stint_due_facts(tallies, case_id, stint, period, cutoff, district=True)
        for event in case_events:
            if event["action"] == E.REGISTER and period.holds(event["created_at"]):
                tallies["public_report_rate"].add(
                    event["id"], case_id=case_id, num=cases[case_id]["channel"] in PUBLIC_CHANNELS, events=[event["id"]]
                )
    return out


def _inspectors(period, cutoff, cases, events) -> dict[str, SubjectKpis]:
    people = {
        p.pk: p
        for p in Person.objects.filter(roles__role__in=FIELD_REPORTERS).distinct()
    }
    out = {str(pk): SubjectKpis(key=str(pk), name=p.display_name or p.username) for pk, p in people.items()}
    for case_id, case_events in events.items():
        info = cases[case_id]
        report = case_events[0] if case_events and case_events[0]["action"] == E.REPORT else None
        if report and report["actor_id"] in people and period.holds(report["created_at"]):
            registered = next((e for e in case_events if e["action"] == E.REGISTER), None)
            out[str(report["actor_id"])].tallies["valid_report_rate"].add(
                report["id"], case_id=case_id, num=registered is not None, events=[report["id"], registered["id"] if registered else None]
            )
            out[str(report["actor_id"])].tallies["volume"].add(report["id"], case_id=case_id, num=True,
                                                               events=[report["id"]])
        last_submit = None
        for event in case_events:
            if event["action"] == E.SUBMIT:
                last_submit = event
            elif event["action"] in (E.VERIFY_PASSED, E.REWORK) and event["actor_id"] in people and last_submit:
                if not period.holds(event["created_at"]):
                    continue
                last_of_case = event["action"] == E.VERIFY_PASSED and E.SUBMIT not in info["later"] and not any(
                    e["action"] == E.SUBMIT and e["seq"] > event["seq"] for e in case_events)
                due = info["verify_due"] if last_of_case and info["verify_due"] else stage_due(
                    category=info["category"], urgency=info["urgency"], stage=Stage.VERIFY, start=last_submit["created_at"])
                out[str(event["actor_id"])].tallies["verify_on_time_rate"].add(
                    event["id"], case_id=case_id, num=event["created_at"] <= due, events=[last_submit["id"], event["id"]]
                )
                out[str(event["actor_id"])].tallies["volume"].add(event["id"], case_id=case_id, num=True,
                                                                  events=[event["id"]])
    return out
