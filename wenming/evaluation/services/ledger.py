"""The ledger (台账) and the 回头看 rounds: assessment periods, each criterion's assessment per period with its
evidence, the rounds that re-check a whole edition (or a domain) and turn each item not met into a dated measure,
and the ledger as the offices' workbook.

Every change is one transaction: lock through the scoped queryset → check → change → raise the version → append
the event. Who may: the evaluation office (``FRAMEWORK_KEEPERS``) assesses any criterion, opens, records and closes
rounds; a criterion's lead unit (its handlers and leaders) may self-assess its own criterion, recorded as a
self-assessment until the office records its own (which confirms or corrects it). A unit never replaces the
office's assessment, and never touches another unit's criterion (not found, as if missing).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from wenming.campaign.models import Campaign, Task
from wenming.campaign.services.tasks import task_create
from wenming.cases.models import Case
from wenming.common.access import locked_in_scope, scope_for
from wenming.common.errors import IllegalTransition, NotAllowed, WorkflowError
from wenming.common.files import display_name, field_file_save, sniff
from wenming.common.images import ImageRefused, image_decode, image_jpeg
from wenming.common.input import CONTROLS, DATE_MAX, DATE_MIN
from wenming.common.roles import FRAMEWORK_KEEPERS, UNIT_ROLES
from wenming.common.tabular import xlsx_row
from wenming.evaluation.models import (
    AssessmentPeriod,
    Criterion,
    Domain,
    Edition,
    LedgerEntry,
    LedgerEvent,
    LedgerEventAction,
    LedgerEvidence,
    LedgerStatus,
    ReviewEvent,
    ReviewEventAction,
    ReviewItem,
    ReviewRound,
    RoundState,
)
from wenming.evaluation.services.responsibility import Responsibility, responsibilities_write

MAX_NOTE = 2000
MAX_CASES = 50


class StaleEntry(IllegalTransition):
    """The assessment was made on an older version of the entry (or round item)."""


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


@dataclass(frozen=True)
class ItemResult:
    """A round item's result as the bulk form posts it, with the version the form was filled in on."""

    status: str
    expected_version: int
    note: str = ""
    due_on: dt.date | None = None


def can_keep_ledger(user) -> bool:
    return bool(scope_for(user).roles & FRAMEWORK_KEEPERS)


def leads_criterion(user, criterion: Criterion) -> bool:
    """Whether the person holds a unit role for the criterion's lead unit (or a unit above it)."""
    if criterion.lead_unit_id is None or not scope_for(user).roles & UNIT_ROLES:
        return False
    path = criterion.lead_unit.path
    return any(path.startswith(p) for p in user.roles.filter(role__in=UNIT_ROLES, unit__isnull=False)
               .values_list("unit__path", flat=True))


def _text(value: str, *, field: str, limit: int = MAX_NOTE) -> str:
    value = (value or "").strip()
    if CONTROLS.search(value):
        raise WorkflowError(_("%(field)s: remove the control characters.") % {"field": field})
    if len(value) > limit:
        raise WorkflowError(_("%(field)s: at most %(n)d characters.") % {"field": field, "n": limit})
    return value


def _status(value: str) -> str:
    if value not in LedgerStatus.values:
        raise WorkflowError(_("Status: choose met, partly met, not met or not applicable."))
    return value


def _date(value: dt.date | None, *, field: str) -> dt.date | None:
    if value is not None and not DATE_MIN <= value <= DATE_MAX:
        raise WorkflowError(_("%(field)s: enter a date between %(min)s and %(max)s.")
                            % {"field": field, "min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()})
    return value


# -- periods ------------------------------------------------------------------------------------------------------

def period_create(*, edition_id: int, actor, name: str, starts_on: dt.date, ends_on: dt.date) -> AssessmentPeriod:
    """An assessment period of an edition (the office's); names are unique within the edition."""
    if not can_keep_ledger(actor):
        raise NotAllowed(_("Only the evaluation office sets assessment periods."))
    name = _text(name, field=_("Name"), limit=50)
    if not name:
        raise WorkflowError(_("Name: give the period a name, e.g. 2026年第四季度."))
    _date(starts_on, field=_("Starts on"))
    _date(ends_on, field=_("Ends on"))
    if ends_on < starts_on:
        raise WorkflowError(_("Ends on: the period ends before it starts."))
    with transaction.atomic():
        edition = Edition.objects.select_for_update().get(pk=edition_id)
        if AssessmentPeriod.objects.filter(edition=edition, name=name).exists():
            raise WorkflowError(_("Name: the edition already has a period %(name)s.") % {"name": name})
        return AssessmentPeriod.objects.create(edition=edition, name=name, starts_on=starts_on, ends_on=ends_on)


# -- assessing one criterion ----------------------------------------------------------------------------------

def _evidence_checked(files: Iterable[Upload]) -> list[tuple[str, str, str, bytes]]:
    """(shown name, content type, extension, bytes) for each file, or a refusal naming the file: a PDF kept as it
    is, a photo decoded safely and written again as a JPEG without its metadata (no GPS, no camera)."""
    files = list(files)
    if len(files) > settings.WENMING_MAX_PHOTOS:
        raise WorkflowError(_("Evidence: at most %(n)d files at once; %(given)d were chosen.")
                            % {"n": settings.WENMING_MAX_PHOTOS, "given": len(files)})
    checked = []
    for upload in files:
        shown = display_name(upload.name)
        if len(upload.content) > settings.WENMING_MAX_UPLOAD_BYTES:
            raise WorkflowError(_("Evidence: %(name)s is larger than the limit.") % {"name": shown})
        sniffed = sniff(upload.content[:32])
        if sniffed and sniffed[0] == "application/pdf":
            checked.append((shown, "application/pdf", "pdf", upload.content))
            continue
        try:
            decoded = image_decode(content=upload.content, name=upload.name)
        except ImageRefused as exc:
            raise WorkflowError(_("Evidence: %(error)s (a PDF or a photo is taken)") % {"error": exc}) from None
        checked.append((shown, "image/jpeg", "jpg", image_jpeg(decoded.image)))
    return checked


def _case_numbers(numbers: Iterable[int]) -> list[int]:
    numbers = sorted(set(numbers))
    if len(numbers) > MAX_CASES:
        raise WorkflowError(_("Linked cases: at most %(n)d.") % {"n": MAX_CASES})
    found = set(Case.objects.filter(pk__in=numbers).values_list("pk", flat=True))
    missing = [n for n in numbers if n not in found]
    if missing:
        raise WorkflowError(_("Linked cases: no case has the number %(numbers)s.")
                            % {"numbers": "、".join(str(n) for n in missing)})
    return numbers


def _entry_write(*, criterion: Criterion, period: AssessmentPeriod, entry: LedgerEntry | None, actor, status: str,
                 note: str, action: str, now: dt.datetime, review_round: ReviewRound | None = None,
                 case_numbers: list[int] | None = None, inspection_results: str | None = None,
                 files: list | None = None) -> LedgerEntry:
    """The one writer of an entry: set it (create it the first time), raise its version, attach the evidence,
    append the event. The caller holds the locks."""
    before = entry.status if entry else ""
    if entry is None:
        entry = LedgerEntry(criterion=criterion, period=period, version=0)
    entry.status, entry.note, entry.assessed_by, entry.assessed_at = status, note, actor, now
    entry.self_assessed = action == LedgerEventAction.SELF_ASSESSED
    entry.review_round = review_round
    if case_numbers is not None:
        entry.case_numbers = case_numbers
    if inspection_results is not None:
        entry.inspection_results = inspection_results
    entry.version += 1
    entry.save()
    saved = []
    for shown, content_type, extension, content in files or []:
        evidence = LedgerEvidence(entry=entry, name=shown, content_type=content_type, uploaded_by=actor,
                                  uploaded_at=now)
        field_file_save(evidence.file, stem=f"ledger-{entry.pk}", extension=extension, content=content)
        evidence.save()
        saved.append(evidence.pk)
    LedgerEvent.objects.create(
        criterion=criterion, period=period, entry=entry, review_round=review_round, action=action,
        status_before=before, status=status, note=note, actor=actor, at=now,
        data={"version": entry.version, "evidence": saved, "cases": entry.case_numbers},
    )
    return entry


def ledger_entry_assess(*, criterion_id: int, period_id: int, actor, status: str, expected_version: int,
                        note: str = "", case_numbers: Iterable[int] = (), inspection_results: str = "",
                        files: Iterable[Upload] = (), now: dt.datetime | None = None) -> LedgerEntry:
    """Assess one criterion for one period. ``expected_version`` is the entry's version the form showed (0: no
    entry yet); an older one is refused. The evaluation office's assessment is final; the lead unit's is a
    self-assessment, refused once the office has assessed the criterion for the period."""
    status = _status(status)
    note = _text(note, field=_("Note"))
    inspection_results = _text(inspection_results, field=_("Inspection results"))
    numbers = _case_numbers(case_numbers)
    checked = _evidence_checked(files)
    now = now or timezone.now()
    with transaction.atomic():
        criterion = locked_in_scope(Criterion.objects.select_related("lead_unit"), actor, criterion_id)
        if can_keep_ledger(actor):
            action = LedgerEventAction.ASSESSED
        elif leads_criterion(actor, criterion):
            action = LedgerEventAction.SELF_ASSESSED
        else:
            raise NotAllowed(_("Only the evaluation office, or the criterion's lead unit for its own criterion, "
                               "assesses it."))
        period = AssessmentPeriod.objects.get(pk=period_id, edition_id=criterion.edition_id)
        entry = LedgerEntry.objects.select_for_update().filter(criterion=criterion, period=period).first()
        if (entry.version if entry else 0) != expected_version:
            raise StaleEntry(_("Someone assessed this criterion meanwhile: look at it again and repeat your "
                               "assessment."))
        if action == LedgerEventAction.SELF_ASSESSED and entry is not None and not entry.self_assessed:
            raise NotAllowed(_("The evaluation office has assessed this criterion for the period; ask the office "
                               "to change it."))
        return _entry_write(criterion=criterion, period=period, entry=entry, actor=actor, status=status, note=note,
                            action=action, now=now, case_numbers=numbers, inspection_results=inspection_results,
                            files=checked)


# -- 回头看 rounds --------------------------------------------------------------------------------------------

def review_round_open(*, edition_id: int, period_id: int, actor, name: str, campaign_id: int,
                      measure_due_on: dt.date, domain_id: int | None = None, include_partly: bool = False,
                      now: dt.datetime | None = None) -> ReviewRound:
    """Open a round over every criterion of the edition (or of one domain), one item each, for the office to
    record. The measures its closing creates go into ``campaign_id``, due on ``measure_due_on`` unless an item
    says otherwise."""
    if not can_keep_ledger(actor):
        raise NotAllowed(_("Only the evaluation office opens 回头看 rounds."))
    name = _text(name, field=_("Name"), limit=100)
    if not name:
        raise WorkflowError(_("Name: give the round a name."))
    now = now or timezone.now()
    if measure_due_on is None or _date(measure_due_on, field=_("Deadline of the measures")) < timezone.localdate(now):
        raise WorkflowError(_("Deadline of the measures: a day from today on."))
    with transaction.atomic():
        edition = Edition.objects.get(pk=edition_id)
        period = AssessmentPeriod.objects.filter(pk=period_id, edition=edition).first()
        if period is None:
            raise WorkflowError(_("Period: choose a period of the edition."))
        domain = Domain.objects.filter(pk=domain_id, edition=edition).first() if domain_id else None
        if domain_id and domain is None:
            raise WorkflowError(_("Domain: choose a domain of the edition."))
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is None:
            raise WorkflowError(_("Campaign: choose the campaign the measures belong to."))
        criteria = Criterion.objects.filter(edition=edition)
        if domain:
            criteria = criteria.filter(domain=domain)
        ids = list(criteria.order_by("kind", "sort", "code").values_list("pk", flat=True))
        if not ids:
            raise WorkflowError(_("Scope: no criterion to re-check."))
        review_round = ReviewRound.objects.create(
            edition=edition, period=period, domain=domain, name=name, campaign=campaign,
            measure_due_on=measure_due_on, include_partly=include_partly, opened_by=actor)
        ReviewItem.objects.bulk_create([ReviewItem(review_round=review_round, criterion_id=pk) for pk in ids])
        ReviewEvent.objects.create(review_round=review_round, action=ReviewEventAction.OPENED, actor=actor, at=now,
                                   data={"items": len(ids), "domain": domain.code if domain else None,
                                         "period": period.name, "due": measure_due_on.isoformat()})
    return review_round


def _round_locked(actor, round_id: int) -> ReviewRound:
    if not can_keep_ledger(actor):
        raise NotAllowed(_("Only the evaluation office records and closes 回头看 rounds."))
    return locked_in_scope(ReviewRound.objects.all(), actor, round_id)


def review_results_record(*, round_id: int, actor, results: dict[int, ItemResult], note: str = "",
                          now: dt.datetime | None = None) -> int:
    """Record the results of some items of an open round (a domain's bulk form): each item checked against the
    version its form showed, all or none; each result also becomes the ledger's entry for the round's period (a
    ``round_result`` event in the criterion's history). Items whose result, note and deadline are unchanged are
    left alone. The number of items changed."""
    now = now or timezone.now()
    cleaned = {}
    for item_id, result in results.items():
        if not result.status:
            continue
        cleaned[item_id] = ItemResult(status=_status(result.status), expected_version=result.expected_version,
                                      note=_text(result.note, field=_("Note")),
                                      due_on=_date(result.due_on, field=_("Deadline of the measure")))
    with transaction.atomic():
        review_round = _round_locked(actor, round_id)
        if review_round.state != RoundState.OPEN:
            raise IllegalTransition(_("The round is closed; its results can no longer change."))
        items = {i.pk: i for i in ReviewItem.objects.select_for_update(of=("self",))
                 .filter(review_round=review_round, pk__in=sorted(cleaned)).select_related("criterion")
                 .order_by("pk")}
        if set(items) != set(cleaned):
            raise WorkflowError(_("Some results are not items of this round."))
        stale = [items[pk].criterion.code for pk, r in cleaned.items() if items[pk].version != r.expected_version]
        if stale:
            raise StaleEntry(_("Someone recorded %(codes)s meanwhile: look at the round again and repeat your "
                               "results.") % {"codes": "、".join(sorted(stale))})
        entries = {e.criterion_id: e for e in LedgerEntry.objects.select_for_update()
                   .filter(period_id=review_round.period_id, criterion_id__in=[i.criterion_id for i in items.values()])}
        changed = []
        for pk in sorted(cleaned):
            item, result = items[pk], cleaned[pk]
            if (item.status, item.note, item.due_on) == (result.status, result.note, result.due_on):
                continue
            item.status, item.note, item.due_on = result.status, result.note, result.due_on
            item.recorded_by, item.recorded_at = actor, now
            item.version += 1
            item.save(update_fields=["status", "note", "due_on", "recorded_by", "recorded_at", "version"])
            _entry_write(criterion=item.criterion, period=review_round.period, entry=entries.get(item.criterion_id),
                         actor=actor, status=result.status, note=result.note, action=LedgerEventAction.ROUND_RESULT,
                         now=now, review_round=review_round)
            changed.append(item.criterion.code)
        if changed:
            review_round.version += 1
            review_round.save(update_fields=["version", "updated_at"])
            ReviewEvent.objects.create(review_round=review_round, action=ReviewEventAction.RECORDED, actor=actor,
                                       at=now, note=_text(note, field=_("Note")), data={"criteria": changed})
    return len(changed)


def measure_statuses(review_round: ReviewRound) -> tuple[str, ...]:
    """The results that get a measure when the round closes."""
    return (LedgerStatus.NOT_MET, LedgerStatus.PARTLY) if review_round.include_partly else (LedgerStatus.NOT_MET,)


def _measure_code(review_round: ReviewRound, n: int) -> str:
    return f"HTK{review_round.pk}-{n:03d}"


def review_round_close(*, round_id: int, actor, now: dt.datetime | None = None) -> list[Task]:
    """Close a round: every item must have its result; each item not met (and partly met, if the round says so)
    gets a measure — a campaign task in the round's campaign, owned by the criterion's lead unit with its
    responsible units cooperating and its task force, due on the item's deadline or the round's, titled by the
    criterion's code, and linked to the criterion (``Criterion.tasks``, an event in its history). All or nothing;
    closing a closed round creates nothing and returns the measures it created."""
    now = now or timezone.now()
    with transaction.atomic():
        review_round = _round_locked(actor, round_id)
        items = list(ReviewItem.objects.filter(review_round=review_round)
                     .select_related("criterion", "criterion__lead_unit", "task")
                     .prefetch_related("criterion__responsible_units", "criterion__tasks").order_by("pk"))
        if review_round.state == RoundState.CLOSED:
            return [i.task for i in items if i.task_id]
        missing = [i.criterion.code for i in items if not i.status]
        if missing:
            raise IllegalTransition(_("%(n)d criteria have no result yet (%(codes)s…): record them first.")
                                    % {"n": len(missing), "codes": "、".join(missing[:5])})
        wanted = measure_statuses(review_round)
        created: list[Task] = []
        links: dict[int, Responsibility] = {}
        with translation.override(settings.LANGUAGE_CODE):  # the task's title is stored: in the city's language
            for n, item in enumerate(items, start=1):
                if item.status not in wanted or item.task_id:
                    continue
                criterion = item.criterion
                task = task_create(
                    campaign_id=review_round.campaign_id, actor=actor, code=_measure_code(review_round, n),
                    title=_("%(code)s rectification measures") % {"code": criterion.code},
                    description="\n".join(x for x in (criterion.text, f"{review_round.name} · {item.get_status_display()}",
                                                      item.note) if x),
                    lead_unit_id=criterion.lead_unit_id,
                    cooperating_unit_ids=[u.pk for u in criterion.responsible_units.all()],
                    task_force_id=criterion.task_force_id, due_on=item.due_on or review_round.measure_due_on,
                    data={"review_round": review_round.pk, "criterion": criterion.code}, now=now,
                )
                item.task = task
                item.save(update_fields=["task"])
                links[criterion.pk] = Responsibility(
                    task_ids=frozenset(t.pk for t in criterion.tasks.all()) | {task.pk}, fields=frozenset({"task_ids"}))
                created.append(task)
        if links:
            responsibilities_write(criteria=links, actor=actor, now=now,
                                   note=_("Measure of the 回头看 round %(name)s") % {"name": review_round.name})
        review_round.state, review_round.closed_by, review_round.closed_at = RoundState.CLOSED, actor, now
        review_round.version += 1
        review_round.save(update_fields=["state", "closed_by", "closed_at", "version", "updated_at"])
        ReviewEvent.objects.create(review_round=review_round, action=ReviewEventAction.CLOSED, actor=actor, at=now,
                                   data={"tasks": [t.code for t in created]})
    return created


# -- the ledger as the offices' workbook ---------------------------------------------------------------------------

def ledger_columns() -> list[str]:
    return [_("No. (序号)"), _("Domain / project (领域/测评项目)"), _("Indicator (指标)"), _("Content (测评内容)"),
            _("Standards (测评标准)"), _("Lead unit (牵头单位)"), _("Responsible units (责任单位)"),
            _("City leader in charge (包联领导)"), _("Status (状态)"), _("Evidence (佐证材料)"),
            _("Measures (整改措施)"), _("Deadline (完成时限)"), _("Assessed by (评估人)"), _("Assessed at (评估时间)")]


WIDTHS = (6, 20, 20, 50, 60, 16, 24, 14, 12, 30, 30, 12, 12, 18)


def ledger_workbook_bytes(*, rows: list[Criterion], period: AssessmentPeriod) -> bytes:
    """The ledger in the offices' layout (已达标项目和未达标项目台账): one row per criterion, a sheet of the criteria
    met, one of those not met or partly met, one of the others (not applicable, not assessed yet). ``rows`` as
    ``ledger_selectors.ledger_rows`` gives them (entry, clauses, units, tasks read). Text made formula-safe."""
    sheets = {"met": (_("Met (已达标)"), []), "not_met": (_("Not met (未达标)"), []),
              "other": (_("Other (不适用、未评估)"), [])}
    for c in rows:
        entry = c.entry
        status = entry.status if entry else ""
        key = ("met" if status == LedgerStatus.MET else
               "not_met" if status in (LedgerStatus.NOT_MET, LedgerStatus.PARTLY) else "other")
        sheets[key][1].append(c)
    book = Workbook(write_only=True)
    for title, criteria in sheets.values():
        ws = book.create_sheet("".join("、" if ch in "[]:*?/\\" else ch for ch in title)[:31])
        for position, width in enumerate(WIDTHS):
            ws.column_dimensions[chr(ord("A") + position)].width = width
        ws.append(xlsx_row(ws, [f"{period.edition.name} · {period.name}"]))
        ws.append(xlsx_row(ws, ledger_columns()))
        for n, c in enumerate(criteria, start=1):
            entry = c.entry
            evidence = [e.name for e in entry.evidence.all()] if entry else []
            if entry and entry.case_numbers:
                evidence.append(_("cases %(numbers)s") % {"numbers": "、".join(str(x) for x in entry.case_numbers)})
            if entry and entry.inspection_results:
                evidence.append(entry.inspection_results)
            tasks = list(c.tasks.all())
            dues = sorted(t.due_on for t in tasks if t.due_on)
            ws.append(xlsx_row(ws, [
                n, f"{c.domain.code} {c.domain.name}", f"{c.indicator.code} {c.indicator.name}" if c.indicator else "",
                f"{c.code} {c.text}", "\n".join(f"{cl.number}. {cl.text}" for cl in c.clauses.all()),
                c.lead_unit.name if c.lead_unit else "", "、".join(u.name for u in c.responsible_units.all()),
                c.leader_name, entry.get_status_display() if entry else _("not assessed"), "；".join(evidence),
                "；".join(f"{t.code} {t.title}" for t in tasks), dues[-1] if dues else None,
                (str(entry.assessed_by) if entry.assessed_by else "") if entry else "",
                timezone.localtime(entry.assessed_at).strftime("%Y-%m-%d %H:%M") if entry else "",
            ]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

