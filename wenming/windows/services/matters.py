"""Matters (办件): accepted at a window, due on the working calendar at acceptance (the business item's committed
limit), completed later. Recorded at the counter, imported from the window's own system's export (CSV/XLSX) or
pushed by that system over the API; imports and pushes are idempotent by the system's number (``external_id``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from wenming.common.access import locked_in_scope, restrict
from wenming.common.calendar import deadline_add
from wenming.common.input import strip_controls
from wenming.common.tabular_import import ImportReport, read_rows
from wenming.windows.errors import WindowError
from wenming.windows.models import (
    BusinessItem,
    CompetitionPeriod,
    Matter,
    MatterSource,
    RankingState,
    ServiceWindow,
    WindowEventKind,
)
from wenming.windows.services.records import event_append, keeper_require

# Accepted or completed further than this from now is a typing slip (or a clock gone wrong), not a matter.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
FUTURE_SLACK = dt.timedelta(hours=1)
MAX_BATCH = 5000  # rows of one file or one push
IMPORT_COLUMNS = ["external_id", "item", "accepted_at", "completed_at"]
IMPORT_ALIASES = {"办件编号": "external_id", "编号": "external_id", "事项编码": "item", "事项": "item",
                  "受理时间": "accepted_at", "办结时间": "completed_at"}


def matter_due(*, item: BusinessItem, accepted_at: dt.datetime) -> dt.datetime:
    """When a matter of ``item`` accepted at ``accepted_at`` must be completed: the committed limit on the working
    calendar (weekends and the national holidays skipped, the city's working hours counted)."""
    return deadline_add(accepted_at, item.commitment_limit, item.limit_unit)


def _instant(value, *, field_name: str, now: dt.datetime) -> dt.datetime:
    if isinstance(value, str):
        text = strip_controls(value).strip()
        try:
            parsed = parse_datetime(text.replace("/", "-")) if text else None
        except ValueError:  # well formed but impossible, like month 13 or 25 o'clock
            parsed = None
        if parsed is None:
            raise WindowError(_("%(field)s: give a date and time like 2026-10-09 10:30.") % {"field": field_name})
        value = parsed
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    if not EARLIEST <= value <= now + FUTURE_SLACK:
        raise WindowError(_("%(field)s: the time must lie between 2000 and now.") % {"field": field_name})
    return value


def _external_id(value: str) -> str:
    value = strip_controls(value or "").strip()
    if not value:
        raise WindowError(_("Number: this field is required."))
    if len(value) > 64:
        raise WindowError(_("Number: at most 64 characters."))
    return value


@dataclass
class MatterRow:
    """One matter as a window's system sends it."""

    external_id: str
    item: str  # the business item's code
    accepted_at: dt.datetime | str
    completed_at: dt.datetime | str | None = None


@dataclass
class MatterBatch:
    """The outcome of one batch. ``problems`` are (row, message) pairs, the row ``None`` for a whole-file problem;
    ``errors`` formats them in the language active when it is read (the page's, the API caller's)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[tuple[int | None, str]] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [message if row is None else _("row %(number)d: %(error)s") % {"number": row, "error": message}
                for row, message in self.problems]


def _iso(instant: dt.datetime) -> str:
    return timezone.localtime(instant).isoformat()


def _ranked_spans() -> list[tuple[dt.date, dt.date]]:
    """The periods whose ranking has been computed (and not withdrawn): their matters' times are evidence."""
    return list(CompetitionPeriod.objects.filter(computed_at__isnull=False).exclude(state=RankingState.WITHDRAWN)
                .values_list("start", "end"))


def _in_spans(instant: dt.datetime, spans: list[tuple[dt.date, dt.date]]) -> bool:
    day = timezone.localtime(instant).date()
    return any(start <= day <= end for start, end in spans)


def _upsert(window: ServiceWindow, row: MatterRow, *, items: dict[str, BusinessItem], source: str, now,
            existing: dict[str, Matter], ranked: list[tuple[dt.date, dt.date]] = ()) -> str:
    """Create or bring one matter up to date; 'created', 'updated' or 'unchanged'. Raises ``WindowError``."""
    external_id = _external_id(row.external_id)
    item = items.get(strip_controls(row.item or "").strip())
    if item is None:
        raise WindowError(_("Business item: unknown code %(code)s.") % {"code": row.item})
    accepted = _instant(row.accepted_at, field_name=_("Accepted at"), now=now)
    completed = (_instant(row.completed_at, field_name=_("Completed at"), now=now)
                 if row.completed_at not in (None, "") else None)
    if completed is not None and completed < accepted:
        raise WindowError(_("Completed at: before the matter was accepted."))
    matter = existing.get(external_id)
    if matter is None:
        matter = Matter.objects.create(window=window, item=item, external_id=external_id, accepted_at=accepted,
                                       due_at=matter_due(item=item, accepted_at=accepted), completed_at=completed,
                                       source=source)
        existing[external_id] = matter
        return "created"
    if (matter.item_id, matter.accepted_at, matter.completed_at) == (item.pk, accepted, completed):
        return "unchanged"
    if matter.completed_at is not None:
        # A completed matter's record is final: its times decide 限时办结 and the competition's rankings.
        raise WindowError(_("Number %(number)s: already completed; its record can no longer be changed.")
                          % {"number": external_id})
    if (matter.item_id != item.pk or matter.accepted_at != accepted) and any(
            _in_spans(instant, ranked) for instant in (matter.accepted_at, matter.due_at, accepted)):
        raise WindowError(_("Number %(number)s: it counts in a competition period already ranked; its acceptance "
                            "can no longer be changed.") % {"number": external_id})
    old = {"item": matter.item.code, "accepted_at": _iso(matter.accepted_at), "completed_at": None,
           "due_at": _iso(matter.due_at)}
    if matter.item_id != item.pk or matter.accepted_at != accepted:
        matter.due_at = matter_due(item=item, accepted_at=accepted)
    matter.item, matter.accepted_at, matter.completed_at = item, accepted, completed
    matter.version += 1
    matter.save()
    new = {"item": item.code, "accepted_at": _iso(accepted), "completed_at": _iso(completed) if completed else None,
           "due_at": _iso(matter.due_at)}
    event_append(window, kind=WindowEventKind.MATTER_CHANGED, at=now, source=source, matter=matter.pk,
                 number=external_id, old={k: v for k, v in old.items() if v != new[k]},
                 new={k: v for k, v in new.items() if v != old[k]})
    return "updated"


def matters_sync(*, window_id: int, actor, rows: list[MatterRow], source: str = MatterSource.API) -> MatterBatch:
    """Create or update the window's matters from its system, by number. All or nothing: any bad row refuses the
    whole batch, each error naming its row (1 = the first)."""
    keeper_require(actor)
    if len(rows) > MAX_BATCH:
        raise WindowError(_("At most %(max)d matters at a time.") % {"max": MAX_BATCH})
    now = timezone.now()
    batch = MatterBatch()
    with transaction.atomic():
        window = locked_in_scope(ServiceWindow.objects.all(), actor, window_id)
        if not window.is_active:
            raise WindowError(_("This window is closed."))
        items = {i.code: i for i in BusinessItem.objects.filter(is_active=True)}
        numbers = {strip_controls(r.external_id or "").strip() for r in rows}
        existing = {m.external_id: m for m in window.matters.filter(external_id__in=numbers)}
        seen: set[str] = set()
        ranked = _ranked_spans()
        for position, row in enumerate(rows, 1):
            try:
                number = _external_id(row.external_id)
                if number in seen:
                    raise WindowError(_("Number: %(number)s appears twice.") % {"number": number})
                seen.add(number)
                outcome = _upsert(window, row, items=items, source=source, now=now, existing=existing,
                                  ranked=ranked)
            except WindowError as exc:
                batch.problems.append((position, str(exc)))
                continue
            setattr(batch, outcome, getattr(batch, outcome) + 1)
        if batch.problems:
            transaction.set_rollback(True)
            return MatterBatch(problems=batch.problems)
        event_append(window, kind=WindowEventKind.MATTERS_IMPORTED, actor=actor, at=now, source=source,
                     created=batch.created, updated=batch.updated, unchanged=batch.unchanged)
    return batch


def matters_import(*, window_id: int, actor, path: Path, file_name: str = "") -> tuple[MatterBatch, ImportReport]:
    """A CSV or XLSX export of the window's system (办件编号, 事项编码, 受理时间, 办结时间): read through the shared
    reader (its row numbers: the header is row 1), then synced as one batch."""
    report = ImportReport()
    rows = read_rows(path, report, IMPORT_COLUMNS, ["external_id", "item", "accepted_at"], IMPORT_ALIASES)
    if report.errors:
        return MatterBatch(problems=[(None, line) for line in report.error_lines()]), report
    if len(rows) > MAX_BATCH:
        return MatterBatch(problems=[(None, _("At most %(max)d matters at a time.") % {"max": MAX_BATCH})]), report
    batch = matters_sync(window_id=window_id, actor=actor, source=MatterSource.IMPORT, rows=[
        MatterRow(external_id=r["external_id"], item=r["item"], accepted_at=r["accepted_at"],
                  completed_at=r["completed_at"] or None) for _n, r in rows])
    if batch.problems:
        # The batch numbers rows from 1; the file's rows start at 2 under the header.
        numbers = [n for n, _r in rows]
        batch.problems = [(numbers[row - 1] if row is not None and 1 <= row <= len(numbers) else row, message)
                          for row, message in batch.problems]
    return batch, report


def matter_accept(*, window_id: int, actor, item_id: int, external_id: str = "",
                  accepted_at: dt.datetime | None = None) -> Matter:
    """受理 at the counter: the matter is due at once on the working calendar."""
    keeper_require(actor)
    now = timezone.now()
    accepted = _instant(accepted_at or now, field_name=_("Accepted at"), now=now)
    with transaction.atomic():
        window = locked_in_scope(ServiceWindow.objects.all(), actor, window_id)
        if not window.is_active:
            raise WindowError(_("This window is closed."))
        item = BusinessItem.objects.filter(pk=item_id, is_active=True).first()
        if item is None:
            raise WindowError(_("Business item: choose one of the list."))
        number = _external_id(external_id) if external_id else f"W{now:%Y%m%d%H%M%S}{window.pk:04d}{now:%f}"[:64]
        if window.matters.filter(external_id=number).exists():
            raise WindowError(_("Number: %(number)s is already recorded at this window.") % {"number": number})
        matter = Matter.objects.create(window=window, item=item, external_id=number, accepted_at=accepted,
                                       due_at=matter_due(item=item, accepted_at=accepted),
                                       source=MatterSource.COUNTER)
        event_append(window, kind=WindowEventKind.MATTER_ACCEPTED, actor=actor, at=now, matter=matter.pk,
                     number=number, due=matter.due_at.isoformat())
    return matter


def matter_complete(*, matter_id: int, actor, completed_at: dt.datetime | None = None,
                    expected_version: int | None = None) -> Matter:
    """办结: refused twice, before acceptance, or on a stale page."""
    keeper_require(actor)
    now = timezone.now()
    completed = _instant(completed_at or now, field_name=_("Completed at"), now=now)
    with transaction.atomic():
        matter = locked_in_scope(Matter.objects.all(), actor, matter_id)
        if expected_version is not None and expected_version != matter.version:
            raise WindowError(_("This matter changed since you opened it; reload the page."))
        if matter.completed_at is not None:
            raise WindowError(_("This matter is already completed."))
        if completed < matter.accepted_at:
            raise WindowError(_("Completed at: before the matter was accepted."))
        matter.completed_at = completed
        matter.version += 1
        matter.save(update_fields=["completed_at", "version"])
        event_append(matter.window, kind=WindowEventKind.MATTER_COMPLETED, actor=actor, at=now, matter=matter.pk,
                     number=matter.external_id, late=completed > matter.due_at)
    return matter


def windows_of(actor):
    """The windows this person keeps (in scope), for the API's window lookups."""
    return restrict(ServiceWindow.objects.all(), actor)
