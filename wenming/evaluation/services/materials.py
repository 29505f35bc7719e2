"""The online materials' workflow (网报材料): the submission window, the required materials (edited one at a time
or imported from a sheet), the units' uploads and the evaluation office's review, and the reminders before a due
date.

The review is one declared table (``MATERIAL_ACTIONS``) read by the page and the API through
``material_actions_for`` and enforced by the one locked step ``material_step``: lock the requirement through the
person's scope → check the role, the version the page showed, the state and the window → change → raise the
version → append a ``MaterialEvent`` and queue its notifications, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.cases.services.actions import unit_role_paths
from wenming.common.access import locked_in_scope, restrict, scope_for
from wenming.common.errors import IllegalTransition, NotAllowed, WorkflowError
from wenming.common.files import field_file_save
from wenming.common.roles import MATERIAL_REVIEWERS, UNIT_ROLES, Role
from wenming.common.services.audit import audit_event_record
from wenming.common.services.notifications import notifications_enqueue
from wenming.common.tabular_import import (
    ImportReport,
    check_length,
    choice_lookup,
    read_rows,
    row_where,
    stop_if_errors,
)
from wenming.evaluation.models import (
    DEFAULT_FORMATS,
    Criterion,
    Edition,
    MaterialEvent,
    MaterialEventAction,
    MaterialFile,
    MaterialFormat,
    MaterialGrade,
    MaterialKind,
    MaterialRequirement,
    MaterialState,
    MaterialSubmission,
    SubmissionWindow,
)
from wenming.evaluation.services.material_checks import HARD_MAX_BYTES, MB, CheckedFile, material_file_check
from wenming.org.models import Person, Unit

S = MaterialState
E = MaterialEventAction
# The marker "a unit handler or leader of a unit that leads or shares the requirement" for ``MaterialAction.who``.
MATERIAL_UNIT = "material_unit"
MAX_FILES = 10  # Django refuses a request of more files than DATA_UPLOAD_MAX_NUMBER_FILES
REMIND_DAYS_BEFORE = 3


class StaleMaterial(IllegalTransition):
    """The page was opened on an older version of the required material."""


class WindowClosed(IllegalTransition):
    """The edition's submission window is not open."""


@dataclass(frozen=True)
class MaterialAction:
    key: str
    label: Promise
    states: frozenset[str]
    who: frozenset[str] | str  # a role group of wenming.common.roles or MATERIAL_UNIT
    event: str
    to_state: str
    note_required: bool = False
    files: bool = False  # the step uploads a new version of the submission
    grade: bool = False  # the step gives a quality grade


MATERIAL_ACTIONS: dict[str, MaterialAction] = {a.key: a for a in [
    MaterialAction("submit", gettext_lazy("Submit (报送)"), frozenset({S.MISSING}), MATERIAL_UNIT, E.SUBMITTED,
                   S.SUBMITTED, files=True),
    # A new version: after a return, or to replace what is still waiting for review.
    MaterialAction("resubmit", gettext_lazy("Upload a new version (重新报送)"),
                   frozenset({S.SUBMITTED, S.RETURNED, S.RESUBMITTED}), MATERIAL_UNIT, E.RESUBMITTED, S.RESUBMITTED,
                   files=True),
    MaterialAction("return", gettext_lazy("Return with comments (退回)"), frozenset({S.SUBMITTED, S.RESUBMITTED}),
                   MATERIAL_REVIEWERS, E.RETURNED, S.RETURNED, note_required=True),
    MaterialAction("approve", gettext_lazy("Approve with a grade (审核通过)"), frozenset({S.SUBMITTED, S.RESUBMITTED}),
                   MATERIAL_REVIEWERS, E.APPROVED, S.APPROVED, grade=True),
]}


def can_review_materials(user) -> bool:
    return bool(scope_for(user).roles & MATERIAL_REVIEWERS)


# -- who ------------------------------------------------------------------------------------------------------

def _requirement_units(requirement: MaterialRequirement) -> list[Unit]:
    """The lead unit first, then the responsible units (prefetched rows when there are some)."""
    units = [requirement.lead_unit] if requirement.lead_unit_id else []
    return units + sorted(requirement.responsible_units.all(), key=lambda u: u.path)


def submitting_unit(actor, requirement: MaterialRequirement, *, fresh: bool = True) -> Unit | None:
    """The requirement's unit this person submits for (a unit handler or leader of it or of a unit above it)."""
    paths = unit_role_paths(actor, fresh=fresh)
    if not paths:
        return None
    for unit in _requirement_units(requirement):
        if any(unit.path.startswith(path) for path in paths):
            return unit
    return None


def _who_allows(action: MaterialAction, actor, requirement: MaterialRequirement, *, fresh: bool) -> bool:
    if action.who == MATERIAL_UNIT:
        return submitting_unit(actor, requirement, fresh=fresh) is not None
    return bool(scope_for(actor).roles & action.who)


def window_of(edition_id: int) -> SubmissionWindow | None:
    return SubmissionWindow.objects.filter(edition_id=edition_id).first()


def window_open(window: SubmissionWindow | None, now: dt.datetime) -> bool:
    return window is not None and window.is_open(now)


def material_actions_for(requirement: MaterialRequirement, user, *, window: SubmissionWindow | None = None,
                         now: dt.datetime | None = None) -> list[MaterialAction]:
    """The steps this person may take on this requirement now, in the table's order (none once the window is
    closed). The caller read the requirement through the person's scope; ``material_step`` has the last word."""
    if not scope_for(user).roles:
        return []
    now = now or timezone.now()
    if window is None:
        window = window_of(requirement.edition_id)
    if not window_open(window, now):
        return []
    return [a for a in MATERIAL_ACTIONS.values()
            if requirement.state in a.states and _who_allows(a, user, requirement, fresh=False)]


# -- the one locked step ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MaterialUpload:
    name: str
    content: bytes


@dataclass
class StepResult:
    requirement: MaterialRequirement
    submission: MaterialSubmission | None
    warnings: list[str] = field(default_factory=list)


def _requirement_lock(actor, requirement_id: int) -> MaterialRequirement:
    return locked_in_scope(MaterialRequirement.objects.all(), actor, requirement_id)


def material_step(*, requirement_id: int, actor, action_key: str, expected_version: int, note: str = "",
                  grade: str = "", files: Sequence[MaterialUpload] = (),
                  now: dt.datetime | None = None) -> StepResult:
    """Take one step of the review table on a required material (raises ``DoesNotExist`` out of scope)."""
    action = MATERIAL_ACTIONS.get(action_key)
    if action is None:
        raise IllegalTransition(_("Unknown step %(key)s.") % {"key": action_key})
    now = now or timezone.now()
    note = (note or "").strip()
    if action.note_required and not note:
        raise WorkflowError(_("Comments: say what must be corrected before returning the material."))
    if action.grade and grade not in MaterialGrade.values:
        raise WorkflowError(_("Quality grade: choose 优, 良, 中 or 差."))
    checked: list[CheckedFile] = []
    if action.files:
        # The files are checked before the lock, against the requirement as the person's page showed it (a change
        # since then is refused below as stale).
        requirement = restrict(MaterialRequirement.objects.all(), actor).get(pk=requirement_id)
        if not files:
            raise WorkflowError(_("Files: choose the files to submit."))
        if len(files) > MAX_FILES:
            raise WorkflowError(_("Files: at most %(count)d in one submission.") % {"count": MAX_FILES})
        if len(files) < requirement.required_count:
            raise WorkflowError(_("Files: this material needs %(count)d files; you chose %(given)d.")
                                % {"count": requirement.required_count, "given": len(files)})
        checked = [material_file_check(name=f.name, content=f.content, requirement=requirement) for f in files]
    with transaction.atomic():
        requirement = _requirement_lock(actor, requirement_id)
        if not _who_allows(action, actor, requirement, fresh=True):
            raise NotAllowed(_("You may not take the step “%(step)s” on this material.") % {"step": action.label})
        if requirement.version != expected_version:
            raise StaleMaterial(_("Someone changed this material meanwhile: look at it again and repeat your step."))
        if requirement.state not in action.states:
            raise IllegalTransition(_("The step “%(step)s” cannot be taken on a material that is %(state)s.")
                                    % {"step": action.label, "state": requirement.get_state_display()})
        if not window_open(window_of(requirement.edition_id), now):
            raise WindowClosed(_("The submission window is closed: materials can no longer be uploaded or "
                                 "reviewed."))
        from_state = requirement.state
        warnings: list[str] = []
        if action.files:
            submission, warnings = _submission_store(requirement, actor, checked, note=note, state=action.to_state,
                                                     now=now)
            requirement.latest = submission
        else:
            submission = requirement.latest
            submission.state = action.to_state
            submission.review_note = note
            submission.grade = grade if action.grade else ""
            submission.reviewed_by, submission.reviewed_at = actor, now
            submission.save(update_fields=["state", "review_note", "grade", "reviewed_by", "reviewed_at"])
        requirement.state = action.to_state
        requirement.version += 1
        requirement.save(update_fields=["state", "latest", "version", "updated_at"])
        data = {"revision": submission.revision, "version": requirement.version}
        if action.grade:
            data["grade"] = grade
        if warnings:
            data["duplicates"] = warnings
        event = MaterialEvent.objects.create(requirement=requirement, submission=submission, action=action.event,
                                             actor=actor, from_state=from_state, to_state=action.to_state, note=note,
                                             data=data, at=now)
        _outbox(requirement, submission, event)
    return StepResult(requirement=requirement, submission=submission, warnings=warnings)


def _submission_store(requirement: MaterialRequirement, actor, checked: list[CheckedFile], *, note: str, state: str,
                      now: dt.datetime) -> tuple[MaterialSubmission, list[str]]:
    unit = submitting_unit(actor, requirement)
    revision = (requirement.latest.revision if requirement.latest_id else 0) + 1
    submission = MaterialSubmission.objects.create(requirement=requirement, revision=revision, unit=unit, state=state,
                                                   note=note, submitted_by=actor, submitted_at=now)
    # The same bytes already submitted under another criterion: stored, and shown to the reviewer.
    elsewhere: dict[str, list[dict]] = {}
    for sha, code, title in (MaterialFile.objects.filter(sha256__in=[c.sha256 for c in checked])
                             .exclude(submission__requirement__criterion_id=requirement.criterion_id)
                             .values_list("sha256", "submission__requirement__criterion__code",
                                          "submission__requirement__title").distinct().order_by()):
        found = {"criterion": code, "requirement": title}
        if found not in elsewhere.setdefault(sha, []):
            elsewhere[sha].append(found)
    warnings = []
    for position, item in enumerate(checked):
        row = MaterialFile(submission=submission, name=item.name, format=item.format, size=item.size,
                           sha256=item.sha256, pages=item.pages, width=item.width, height=item.height,
                           duplicates=elsewhere.get(item.sha256, [])[:20], sort=position)
        field_file_save(row.file, stem=f"m{requirement.pk}-v{revision}", extension=item.format, content=item.content)
        row.save()
        if row.duplicates:
            warnings.append(_("%(name)s was already submitted under %(where)s.") % {
                "name": item.name, "where": "、".join(f"{d['criterion']}「{d['requirement']}」" for d in row.duplicates)})
    return submission, warnings


def _unit_people(unit_ids: Iterable[int]) -> list[Person]:
    return list(Person.objects.filter(is_active=True, roles__role__in=UNIT_ROLES, roles__unit_id__in=list(unit_ids))
                .distinct())


def _outbox(requirement: MaterialRequirement, submission: MaterialSubmission, event: MaterialEvent) -> None:
    """Who is told of a step: the evaluation office of an upload, the submitting unit of a review."""
    link = reverse("evaluation:material", kwargs={"pk": requirement.pk})
    what = f"{requirement.criterion.code} {requirement.title}"[:150]
    if event.action in (E.SUBMITTED, E.RESUBMITTED):
        recipients = Person.objects.filter(is_active=True, roles__role=Role.EVAL_OFFICE).distinct()
        subject = _("Material to review: %(what)s") % {"what": what}
    elif event.action == E.RETURNED:
        recipients = _unit_people([submission.unit_id])
        subject = _("Material returned, correct it: %(what)s") % {"what": what}
    elif event.action == E.APPROVED:
        recipients = _unit_people([submission.unit_id])
        subject = _("Material approved: %(what)s") % {"what": what}
    else:
        return
    notifications_enqueue(recipients=recipients, key=f"material:{event.pk}", subject=subject, body=event.note,
                          link=link)


# -- the window ---------------------------------------------------------------------------------------------------

def submission_window_set(*, edition_id: int, actor, opens_at: dt.datetime, closes_at: dt.datetime,
                          expected_version: int | None) -> SubmissionWindow:
    """Open (or move) an edition's submission window; ``expected_version`` None when the page showed none."""
    if not can_review_materials(actor):
        raise NotAllowed(_("Only the evaluation office sets the submission window."))
    if closes_at <= opens_at:
        raise WorkflowError(_("Window: it must close after it opens."))
    with transaction.atomic():
        edition = restrict(Edition.objects.all(), actor).get(pk=edition_id)
        window = SubmissionWindow.objects.select_for_update().filter(edition=edition).first()
        current = window.version if window else None
        if current != expected_version:
            raise StaleMaterial(_("Someone changed the window meanwhile: look at it again and repeat your change."))
        before = {"opens_at": window.opens_at.isoformat(), "closes_at": window.closes_at.isoformat()} if window else {}
        if window is None:
            window = SubmissionWindow(edition=edition, opens_at=opens_at, closes_at=closes_at)
        window.opens_at, window.closes_at = opens_at, closes_at
        window.version += 1
        window.save()
        audit_event_record(actor=actor, action="material_window_set",
                           summary=f"{edition.code} {opens_at.isoformat()} – {closes_at.isoformat()}",
                           data={"edition": edition.code, "before": before,
                                 "after": {"opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat()}})
    return window


# -- the requirements ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RequirementValues:
    kind: str
    title: str
    due_on: dt.date
    description: str = ""
    required_count: int = 1
    formats: tuple[str, ...] = ()  # empty: the kind's defaults
    max_size_mb: int = 20
    min_side_px: int | None = None
    lead_unit_id: int | None = None  # None with no responsible units: the criterion's
    responsible_unit_ids: frozenset[int] | None = None  # None: the criterion's


def requirement_check(values: RequirementValues, window: SubmissionWindow | None) -> list[tuple[str, str]]:
    """(field, message) for every rule the values break, whichever page or file they came from."""
    errors = []
    if values.kind not in MaterialKind.values:
        errors.append((_("kind"), _("one of 图片集, 正式文件, 情况说明, 数据表格")))
    if not values.title.strip():
        errors.append((_("title"), _("required")))
    elif len(values.title) > 200:
        errors.append((_("title"), _("at most 200 characters")))
    if not 1 <= values.required_count <= MAX_FILES:
        errors.append((_("files required"), _("between 1 and %(max)d") % {"max": MAX_FILES}))
    if not 1 <= values.max_size_mb <= HARD_MAX_BYTES // MB:
        errors.append((_("largest file (MB)"), _("between 1 and %(max)d") % {"max": HARD_MAX_BYTES // MB}))
    if values.min_side_px is not None and not 1 <= values.min_side_px <= 20000:
        errors.append((_("least image resolution"), _("between 1 and 20000 pixels")))
    bad = [f for f in values.formats if f not in MaterialFormat.values]
    if bad:
        errors.append((_("allowed formats"), _("unknown: %(formats)s") % {"formats": ", ".join(bad)}))
    if window is not None:
        opens, closes = timezone.localdate(window.opens_at), timezone.localdate(window.closes_at)
        if not opens <= values.due_on <= closes:
            errors.append((_("due on"), _("inside the submission window (%(opens)s to %(closes)s)") % {
                "opens": opens.isoformat(), "closes": closes.isoformat()}))
    if values.lead_unit_id is not None and values.responsible_unit_ids and \
            values.lead_unit_id in values.responsible_unit_ids:
        errors.append((_("responsible units"), _("the lead unit is already responsible; list only the others")))
    return errors


def _apply(requirement: MaterialRequirement, criterion: Criterion, values: RequirementValues) -> list[int]:
    requirement.kind, requirement.title = values.kind, values.title.strip()
    requirement.description, requirement.due_on = values.description.strip(), values.due_on
    requirement.required_count, requirement.max_size_mb = values.required_count, values.max_size_mb
    requirement.min_side_px = values.min_side_px
    requirement.formats = list(values.formats) or list(DEFAULT_FORMATS[values.kind])
    if values.lead_unit_id is None and values.responsible_unit_ids is None:
        requirement.lead_unit_id = criterion.lead_unit_id
        return sorted(u.pk for u in criterion.responsible_units.all())
    requirement.lead_unit_id = values.lead_unit_id
    return sorted(values.responsible_unit_ids or ())


def _describe(requirement: MaterialRequirement, responsible: list[int]) -> dict:
    return {"kind": requirement.kind, "title": requirement.title, "due_on": requirement.due_on.isoformat(),
            "required_count": requirement.required_count, "formats": requirement.formats,
            "max_size_mb": requirement.max_size_mb, "min_side_px": requirement.min_side_px,
            "lead_unit": requirement.lead_unit_id, "responsible_units": responsible}


def material_requirement_save(*, actor, criterion_id: int, values: RequirementValues, requirement_id: int | None = None,
                              expected_version: int | None = None, now: dt.datetime | None = None,
                              action: str = E.EDITED) -> MaterialRequirement:
    """Add a required material to a criterion, or change one (refused when the page showed an older version)."""
    if not can_review_materials(actor):
        raise NotAllowed(_("Only the evaluation office sets the required materials."))
    now = now or timezone.now()
    with transaction.atomic():
        criterion = restrict(Criterion.objects.all(), actor).get(pk=criterion_id)
        errors = requirement_check(values, window_of(criterion.edition_id))
        if errors:
            raise WorkflowError("; ".join(f"{name}: {message}" for name, message in errors))
        if requirement_id is None:
            requirement = MaterialRequirement(edition_id=criterion.edition_id, criterion=criterion)
        else:
            requirement = _requirement_lock(actor, requirement_id)
            if requirement.version != expected_version:
                raise StaleMaterial(_("Someone changed this material meanwhile: look at it again and repeat your "
                                      "change."))
            if requirement.criterion_id != criterion.pk:
                raise WorkflowError(_("A required material stays with its criterion."))
        if MaterialRequirement.objects.filter(criterion=criterion, title=values.title.strip()).exclude(
                pk=requirement.pk).exists():
            raise WorkflowError(_("Title: the criterion already asks for a material of this title."))
        responsible = _apply(requirement, criterion, values)
        requirement.version += 1
        requirement.save()
        requirement.responsible_units.set(responsible)
        MaterialEvent.objects.create(requirement=requirement, action=action, actor=actor, at=now,
                                     data={"after": _describe(requirement, responsible),
                                           "version": requirement.version})
    return requirement


IMPORT_COLUMNS = ["criterion", "kind", "title", "required_count", "formats", "max_size_mb", "min_side_px",
                  "due_on", "lead_unit", "responsible_units", "description"]
IMPORT_ALIASES = {"测评内容编号": "criterion", "指标编号": "criterion", "材料类型": "kind", "类型": "kind",
                  "材料名称": "title", "名称": "title", "数量": "required_count", "要求数量": "required_count",
                  "格式": "formats", "允许格式": "formats", "大小上限(MB)": "max_size_mb", "大小上限": "max_size_mb",
                  "最低分辨率": "min_side_px", "截止日期": "due_on", "牵头单位": "lead_unit",
                  "责任单位": "responsible_units", "说明": "description"}
_SPLIT = str.maketrans({"，": ",", "、": ",", "；": ",", ";": ",", " ": ","})


def _int(report: ImportReport, where: str, name: str, text: str, default: int | None) -> int | None:
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        report.error(where, name, _("not a whole number"))
        return default


def material_requirements_import(*, path: Path, edition: Edition, actor, dry_run: bool = True) -> ImportReport:
    """The requirement list from a sheet (CSV or XLSX, one row per material, by criterion code and title):
    every row checked first, every problem named by row and column; written only if the whole file is right."""
    if not can_review_materials(actor):
        raise NotAllowed(_("Only the evaluation office sets the required materials."))
    report = ImportReport(dry_run=dry_run)
    rows = read_rows(path, report, IMPORT_COLUMNS, ["criterion", "kind", "title", "due_on"], IMPORT_ALIASES)
    stop_if_errors(report)
    criteria = {c.code: c for c in Criterion.objects.filter(edition=edition).prefetch_related("responsible_units")}
    units = dict(Unit.objects.values_list("code", "pk"))
    kinds = choice_lookup(MaterialKind)
    formats = choice_lookup(MaterialFormat) | {"jpeg": "jpg", "doc": "docx", "word": "docx", "excel": "xlsx"}
    window = window_of(edition.pk)
    existing = {(r.criterion_id, r.title): r for r in MaterialRequirement.objects.filter(edition=edition)}
    planned: list[tuple[Criterion, RequirementValues, MaterialRequirement | None]] = []
    seen: set[tuple[str, str]] = set()
    for number, row in rows:
        where = row_where(number, row["criterion"])
        criterion = criteria.get(row["criterion"])
        if criterion is None:
            report.error(where, "criterion", _("no criterion of %(edition)s has this code") % {"edition": edition.code})
            continue
        check_length(report, where, "title", row["title"], 200)
        if (row["criterion"], row["title"]) in seen:
            report.error(where, "title", _("the criterion lists this material twice"))
        seen.add((row["criterion"], row["title"]))
        kind = kinds.get(row["kind"].lower())
        if kind is None:
            report.error(where, "kind", _("one of 图片集, 正式文件, 情况说明, 数据表格"))
            continue
        chosen = []
        for piece in filter(None, row["formats"].translate(_SPLIT).split(",")):
            value = formats.get(piece.strip().lstrip(".").lower())
            if value is None:
                report.error(where, "formats", _("unknown format %(format)s") % {"format": piece})
            elif value not in chosen:
                chosen.append(value)
        try:
            due_on = dt.date.fromisoformat(row["due_on"][:10])
        except ValueError:
            report.error(where, "due_on", _("a date as 2026-06-30"))
            continue
        lead_id = responsible = None
        if row["lead_unit"] or row["responsible_units"]:
            lead_id = units.get(row["lead_unit"]) if row["lead_unit"] else None
            if row["lead_unit"] and lead_id is None:
                report.error(where, "lead_unit", _("no unit has the code %(code)s") % {"code": row["lead_unit"]})
            responsible = set()
            for code in filter(None, row["responsible_units"].translate(_SPLIT).split(",")):
                if code not in units:
                    report.error(where, "responsible_units", _("no unit has the code %(code)s") % {"code": code})
                else:
                    responsible.add(units[code])
            responsible = frozenset(responsible)
        values = RequirementValues(
            kind=kind, title=row["title"], due_on=due_on, description=row["description"],
            required_count=_int(report, where, "required_count", row["required_count"], 1),
            formats=tuple(chosen), max_size_mb=_int(report, where, "max_size_mb", row["max_size_mb"], 20),
            min_side_px=_int(report, where, "min_side_px", row["min_side_px"], None),
            lead_unit_id=lead_id, responsible_unit_ids=responsible)
        for name, message in requirement_check(values, window):
            report.error(where, name, message)
        current = existing.get((criterion.pk, row["title"]))
        report.change(current is not None, f"{criterion.code}", row["title"])
        planned.append((criterion, values, current))
    stop_if_errors(report)
    if dry_run:
        return report
    now = timezone.now()
    with transaction.atomic():
        for criterion, values, current in planned:
            material_requirement_save(actor=actor, criterion_id=criterion.pk, values=values,
                                      requirement_id=current.pk if current else None,
                                      expected_version=current.version if current else None, now=now,
                                      action=E.IMPORTED)
    return report


# -- reminders ----------------------------------------------------------------------------------------------------

def materials_reminders_scan(*, now: dt.datetime | None = None) -> dict:
    """Remind the lead and responsible units of a material still missing or returned, once a day from
    ``REMIND_DAYS_BEFORE`` days before its due date until it is due, while its window is open. Idempotent: the
    notification's key names the material and the day, so a second scan the same day queues nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"due": 0, "notified": 0}
    open_editions = list(SubmissionWindow.objects.filter(opens_at__lte=now, closes_at__gt=now)
                         .values_list("edition_id", flat=True))
    rows = (MaterialRequirement.objects.filter(
        edition_id__in=open_editions, state__in=[S.MISSING, S.RETURNED], due_on__gte=today,
        due_on__lte=today + dt.timedelta(days=REMIND_DAYS_BEFORE))
        .select_related("criterion").prefetch_related("responsible_units").order_by("due_on", "pk"))
    for requirement in rows.iterator(chunk_size=200):
        units = {requirement.lead_unit_id} | {u.pk for u in requirement.responsible_units.all()}
        units.discard(None)
        recipients = _unit_people(units)
        if not recipients:
            continue
        counts["due"] += 1
        with transaction.atomic():
            new = notifications_enqueue(
                recipients=recipients, key=f"material-due:{requirement.pk}:{today:%Y%m%d}",
                subject=_("Material due %(day)s: %(what)s") % {
                    "day": requirement.due_on.isoformat(),
                    "what": f"{requirement.criterion.code} {requirement.title}"[:150]},
                link=reverse("evaluation:material", kwargs={"pk": requirement.pk}))
            if new:
                counts["notified"] += new
                MaterialEvent.objects.create(requirement=requirement, action=E.REMINDED, at=now,
                                             data={"due_on": requirement.due_on.isoformat(), "recipients": new})
    return counts


def requirements_in_scope(user, edition: Edition):
    """The edition's required materials this person sees (a unit: those it leads or shares)."""
    return restrict(MaterialRequirement.objects.filter(edition=edition), user)


__all__ = ["MATERIAL_ACTIONS", "MaterialAction", "MaterialUpload", "RequirementValues", "StaleMaterial",
           "StepResult", "WindowClosed", "can_review_materials", "material_actions_for", "material_requirement_save",
           "material_requirements_import", "material_step", "materials_reminders_scan", "submission_window_set",
           "submitting_unit", "window_of", "window_open"]
