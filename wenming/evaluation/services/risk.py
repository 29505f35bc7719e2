"""Negative-list risk control (负面清单 风险管控): plans, signals, risk records and the scan that feeds them.

Every change of a risk record goes through ``risk_step``: it locks the record through the person's scope (out of
scope reads as missing), checks the entry of ``risk_actions.RISK_ACTIONS`` (role or owner unit, state, further
condition, the version the person saw), changes it, raises its version, appends one ``RiskEvent`` and queues the
notifications, in one transaction. Signals (``RiskSignal``, once by kind, source and criterion) open the
criterion's one open record or feed it, raising its level only; they come from the scan (``risks_scan``: cases
created, overdue or escalated since its last run, late records, plan reviews) and, for a new case, at once from
the ``post_save`` receiver (``case_saved``) registered in the app's ``ready``.

Rules of our own, documented here:
- a case signal is 关注; near an evaluation site of the criterion's site types (within its radius, else
  ``WENMING_RISK_RADIUS_M``) 预警; an overdue linked case is 预警; an escalated one (a yellow card) 预警, a red card
  or an escalated case near a site 触发.
- a unit reporting an incident may not choose a level below what the kind implies (``INCIDENT_MIN_LEVEL``: a
  serious incident is 触发, a discipline case or a media report at least 预警); the command centre and the
  evaluation office choose freely.
- raising a record's level moves its response deadline to the new level's, if that is sooner.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.cases.models import Case, Category, SupervisionNotice
from wenming.cases.models.escalation import EscalationLevel
from wenming.cases.services.actions import unit_role_paths
from wenming.common.access import locked_in_scope, restrict, scope_for
from wenming.common.calendar import WORKING_DAYS, WORKING_HOURS, deadline_add
from wenming.common.db_router import primary_reading
from wenming.common.errors import IllegalTransition, NotAllowed, WorkflowError
from wenming.common.files import display_name, field_file_save, sniff
from wenming.common.images import ImageRefused, image_decode, image_jpeg
from wenming.common.roles import (
    FRAMEWORK_KEEPERS,
    INCIDENT_REPORTERS,
    RISK_COMMANDERS,
    UNIT_LEADERS,
    UNIT_ROLES,
)
from wenming.common.services.notifications import notifications_enqueue
from wenming.evaluation.models import (
    INCIDENT_KINDS,
    OPEN_RISK_STATES,
    Criterion,
    RiskEvent,
    RiskEvidence,
    RiskLevel,
    RiskPlan,
    RiskPlanAttachment,
    RiskPlanRevision,
    RiskRecord,
    RiskScanMark,
    RiskSignal,
    RiskState,
    SignalKind,
)
from wenming.evaluation.services.risk_actions import (
    FILES_NONE,
    FILES_REQUIRED,
    RISK_ACTIONS,
    RiskAction,
    risk_who_allows,
)
from wenming.org.models import Person, Unit
from wenming.org.spatial import get_index

L = RiskLevel

# A unit's incident report is at least this level (the command centre and the evaluation office choose freely).
INCIDENT_MIN_LEVEL = {SignalKind.SERIOUS_INCIDENT: L.TRIGGERED, SignalKind.DISCIPLINE_CASE: L.WARNING,
                      SignalKind.MEDIA_REPORT: L.WARNING}
# The response time per level when settings give none (WENMING_RISK_RESPONSE: {"watch": [5, "working_days"], …}).
RESPONSE_DEFAULT = {"watch": (5, WORKING_DAYS), "warning": (2, WORKING_DAYS), "triggered": (4, WORKING_HOURS)}
LEVEL_NAMES = {L.WATCH: "watch", L.WARNING: "warning", L.TRIGGERED: "triggered"}
MAX_TEXT = 5000
MAX_NOTE = 2000
MAX_CONTACTS = 20
MAX_FILES = 9
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PHONE = re.compile(r"^[0-9+\-() ]{3,20}$")
SCAN_KEY = "risks"


class RiskNotFound(WorkflowError):
    code = "not_found"


class StaleRisk(IllegalTransition):
    code = "stale"


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str = ""
    post: str = ""


def _now() -> dt.datetime:
    return timezone.now()


def radius_default() -> int:
    return int(getattr(settings, "WENMING_RISK_RADIUS_M", 300))


def review_remind_days() -> int:
    return int(getattr(settings, "WENMING_RISK_REVIEW_REMIND_DAYS", 7))


def response_due(level: int, start: dt.datetime) -> dt.datetime:
    """The response deadline of a record of ``level`` opened (or raised) at ``start``, on the working calendar."""
    limits = {**RESPONSE_DEFAULT, **getattr(settings, "WENMING_RISK_RESPONSE", {})}
    amount, unit = limits[LEVEL_NAMES[L(level)]]
    return deadline_add(start, amount, unit)


def _clean_text(value: str, *, field: str, limit: int, required: bool = False) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if CONTROL.search(value):
        raise WorkflowError(_("%(field)s: remove the control characters.") % {"field": field})
    if len(value) > limit:
        raise WorkflowError(_("%(field)s: at most %(n)d characters.") % {"field": field, "n": limit})
    if required and not value:
        raise WorkflowError(_("%(field)s: this is required.") % {"field": field})
    return value


def _files_checked(files: Iterable[Upload], *, field: str) -> list[tuple[Upload, str, str]]:
    """Photos (stored as copies without metadata) and PDFs; anything else, empty or too large is refused whole."""
    checked = []
    files = list(files)
    if len(files) > MAX_FILES:
        raise WorkflowError(_("%(field)s: at most %(n)d files.") % {"field": field, "n": MAX_FILES})
    for upload in files:
        shown = display_name(upload.name)
        if not upload.content:
            raise WorkflowError(_("%(field)s: %(name)s is empty.") % {"field": field, "name": shown})
        if len(upload.content) > settings.WENMING_MAX_UPLOAD_BYTES:
            raise WorkflowError(_("%(field)s: %(name)s is larger than the upload limit.") % {"field": field,
                                                                                            "name": shown})
        sniffed = sniff(upload.content[:32])
        if sniffed is None or not (sniffed[0].startswith("image/") or sniffed[0] == "application/pdf"):
            raise WorkflowError(_("%(field)s: %(name)s is not a JPEG, PNG, WebP, HEIC photo or a PDF.")
                                % {"field": field, "name": shown})
        if sniffed[0].startswith("image/"):
            try:
                decoded = image_decode(content=upload.content, name=upload.name)
            except ImageRefused as exc:
                raise WorkflowError(_("%(field)s: %(error)s") % {"field": field, "error": exc}) from None
            upload, sniffed = Upload(upload.name, image_jpeg(decoded.image)), ("image/jpeg", "jpg")
        checked.append((upload, sniffed[0], sniffed[1]))
    return checked


def _store(instance, upload: Upload, extension: str) -> None:
    digest = hashlib.sha256(upload.content).hexdigest()
    # A random part in the name, and deleted again if the transaction rolls back (no orphan files).
    field_file_save(instance.file, stem=digest, extension=extension, content=upload.content)
    instance.save()


# -- the step machinery: lock, check, change, event, outbox -------------------------------------------------

def risk_lock(*, record_id: int, actor) -> RiskRecord:
    """The record, locked, through the person's scope (the system's steps: without one)."""
    try:
        if actor is None:
            return RiskRecord.objects.select_for_update(of=("self",)).get(pk=record_id)
        return locked_in_scope(RiskRecord.objects.all(), actor, record_id)
    except RiskRecord.DoesNotExist:
        raise RiskNotFound(_("No such risk record.")) from None


def risk_check(record: RiskRecord, *, action: RiskAction, actor, expected_version: int | None = None) -> None:
    """The action table's entry, enforced on the locked record: who, then version, then state, then ``when``."""
    if not risk_who_allows(action, actor, record):
        raise NotAllowed(_("Your role may not do this on this risk record."))
    if expected_version is not None and record.version != expected_version:
        raise StaleRisk(_("Someone else changed this risk record meanwhile; reload it and try again."))
    if record.state not in action.states:
        raise IllegalTransition(_("This risk record is %(state)s; that cannot be done now.")
                                % {"state": RiskState(record.state).label})
    if action.when is not None and not action.when(record):
        raise IllegalTransition(str(action.refusal or _("That cannot be done now.")))


def _event_append(record: RiskRecord, *, action: str, actor, from_state: str, from_level: int, note: str = "",
                  data: dict | None = None, at: dt.datetime) -> RiskEvent:
    """The event of the change just saved (``seq`` is the record's new version), then its outbox."""
    event = RiskEvent.objects.create(
        record=record, seq=record.version, action=action, actor=actor, from_state=from_state, to_state=record.state,
        from_level=from_level, to_level=record.level, note=note, data=data or {}, at=at)
    _notify(record, event)
    return event


def risk_step(
    *,
    record_id: int,
    actor,
    action_key: str,
    expected_version: int | None = None,
    note: str = "",
    files: Iterable[Upload] = (),
    data: dict | None = None,
    now: dt.datetime | None = None,
) -> RiskRecord:
    """One step of the action table on one record: lock it through the person's scope, check the entry, change it
    (state, level, the dates the step sets), raise its version, append the event and store the files."""
    action = RISK_ACTIONS[action_key]
    note = _clean_text(note, field=_("Note"), limit=MAX_NOTE, required=action.note_required)
    files = list(files)
    if action.files == FILES_REQUIRED and not files:
        raise WorkflowError(_("Evidence: attach at least one photo or PDF."))
    if files and action.files == FILES_NONE:
        raise WorkflowError(_("This step takes no files."))
    checked = _files_checked(files, field=_("Evidence"))  # decoded before the lock
    with transaction.atomic():
        record = risk_lock(record_id=record_id, actor=actor)
        risk_check(record, action=action, actor=actor, expected_version=expected_version)
        now = now or _now()
        event_data = dict(data or {})
        from_state, from_level = record.state, record.level
        _mutate(record, action, now=now, data=event_data, actor=actor)
        record.version += 1
        record.save()
        event = _event_append(record, action=action.event, actor=actor, from_state=from_state, from_level=from_level,
                              note=note, data=event_data, at=now)
        for upload, content_type, extension in checked:
            _store(RiskEvidence(record=record, event=event, name=display_name(upload.name, limit=200),
                                content_type=content_type), upload, extension)
    return record


def _mutate(record: RiskRecord, action: RiskAction, *, now: dt.datetime, data: dict, actor) -> None:
    key = action.key
    if key == "reopen":
        # At most one open record per criterion: a record opened since by a new signal keeps the watch.
        if RiskRecord.objects.filter(criterion_id=record.criterion_id, state__in=OPEN_RISK_STATES).exists():
            raise IllegalTransition(_("Another risk record on this criterion is open; follow that one."))
        record.closed_at = None
        record.responded_at = None
        record.response_due = response_due(record.level, now)
        record.supervised_due = None
    if action.to_state is not None:
        record.state = action.to_state
    if action.level_step:
        _level_set(record, record.level + action.level_step, now)
    level = data.pop("level", None)
    if key == "signal" and level is not None and level > record.level:
        _level_set(record, level, now)
    if key == "respond":
        record.responded_at = now
    elif key == "close":
        record.closed_at = now
    elif key in ("supervise", "late"):
        record.supervised_count += 1
        record.supervised_at = now
        if key == "late":
            record.supervised_due = record.response_due
            data["due"] = record.response_due.isoformat() if record.response_due else None
    if key == "signal":
        record.last_signal_at = now


def _level_set(record: RiskRecord, level: int, now: dt.datetime) -> None:
    level = max(L.WATCH, min(L.TRIGGERED, level))
    if level > record.level:
        due = response_due(level, now)
        if record.responded_at is None and (record.response_due is None or due < record.response_due):
            record.response_due = due
        if level == L.TRIGGERED and record.triggered_at is None:
            record.triggered_at = now
    record.level = level


# -- notifications ------------------------------------------------------------------------------------------

def _unit_people(unit_id: int | None, role_group: frozenset[str]):
    if not unit_id:
        return []
    return list(Person.objects.filter(is_active=True, roles__role__in=role_group, roles__unit_id=unit_id).distinct())


def _notify(record: RiskRecord, event: RiskEvent) -> None:
    criterion = Criterion.objects.only("code").get(pk=record.criterion_id)
    link = f"/evaluation/risks/{record.pk}/"
    key = f"risk:{record.pk}:{event.seq}"
    opened = event.action in ("opened", "reopened")
    if opened:
        notifications_enqueue(
            recipients=_unit_people(record.owner_unit_id, UNIT_ROLES), key=key, link=link,
            subject=_("Risk %(code)s: a risk record was opened for your unit (%(level)s)")
            % {"code": criterion.code, "level": L(record.level).label}, body=event.note[:140])
    if event.action == "supervised":
        notifications_enqueue(
            recipients=_unit_people(record.owner_unit_id, UNIT_ROLES), key=key, link=link, channels=("in_app", "sms"),
            subject=_("Risk %(code)s: supervised (督办), respond now") % {"code": criterion.code},
            body=event.note[:140])
    if record.level == L.TRIGGERED and (event.from_level or 0) < L.TRIGGERED:
        # Reached 触发: the commander at once, in-app and by SMS, with the office and the lead unit's leaders.
        recipients = list(Person.objects.filter(is_active=True, roles__role__in=RISK_COMMANDERS).distinct())
        recipients += _unit_people(record.owner_unit_id, UNIT_LEADERS)
        notifications_enqueue(
            recipients=recipients, key=f"{key}:triggered", link=link, channels=("in_app", "sms"),
            subject=_("Risk %(code)s triggered (触发): act at once") % {"code": criterion.code},
            body=criterion.text[:140])


# -- signals: open or feed the criterion's one open record --------------------------------------------------

def risk_signal_record(
    *,
    criterion_id: int,
    kind: str,
    source_id: str,
    level: int,
    case_id: int | None = None,
    site_id: int | None = None,
    distance_m: float | None = None,
    lng: float | None = None,
    lat: float | None = None,
    note: str = "",
    reported_by=None,
    now: dt.datetime | None = None,
) -> RiskSignal | None:
    """Store one signal and feed it to the criterion's open record (opened at the signal's level if none is open;
    else its level is raised, never lowered). None when this signal was stored before (idempotent)."""
    now = now or _now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                signal = RiskSignal.objects.create(
                    kind=kind, source_id=str(source_id)[:64], criterion_id=criterion_id, level=level, case_id=case_id,
                    site_id=site_id, distance_m=distance_m, lng=lng, lat=lat, note=note, reported_by=reported_by,
                    at=now)
        except IntegrityError:
            return None
        record = _open_record_locked(criterion_id)
        data = {"signal": signal.pk, "kind": kind, "level": int(level)}
        if record is None:
            record = _record_open(criterion_id=criterion_id, level=level, now=now, data=data)
        else:
            record = risk_step(record_id=record.pk, actor=None, action_key="signal", data=data, now=now)
        signal.record = record
        signal.save(update_fields=["record"])
    return signal


def _open_record_locked(criterion_id: int) -> RiskRecord | None:
    return (RiskRecord.objects.select_for_update(of=("self",))
            .filter(criterion_id=criterion_id, state__in=OPEN_RISK_STATES).first())


def _record_open(*, criterion_id: int, level: int, now: dt.datetime, data: dict) -> RiskRecord:
    owner = Criterion.objects.filter(pk=criterion_id).values_list("lead_unit_id", flat=True).first()
    try:
        with transaction.atomic():
            record = RiskRecord.objects.create(
                criterion_id=criterion_id, level=level, state=RiskState.OPEN, owner_unit_id=owner, opened_at=now,
                response_due=response_due(level, now), last_signal_at=now, version=1,
                triggered_at=now if level == L.TRIGGERED else None)
    except IntegrityError:  # opened meanwhile by another signal: feed that one
        record = _open_record_locked(criterion_id)
        return risk_step(record_id=record.pk, actor=None, action_key="signal", data=data, now=now)
    _event_append(record, action="opened", actor=None, from_state="", from_level=0, data=data, at=now)
    return record


# -- case signals -------------------------------------------------------------------------------------------

_LINKED: dict = {"at": 0.0, "map": None}
LINKED_TTL = 60.0


def linked_categories_invalidate(**_kwargs) -> None:
    _LINKED["map"] = None


@primary_reading()
def linked_categories() -> dict[int, tuple[int, ...]]:
    """Category id → ids of the current edition's criteria linked to it (a linked 大类 covers its 小类). Cached in
    the process, dropped when links or the current edition change here, and at most ``LINKED_TTL`` seconds old
    (another process's change: the scan catches what was missed)."""
    cached = _LINKED["map"]
    if cached is not None and time.monotonic() - _LINKED["at"] < LINKED_TTL:
        return cached
    through = Criterion.categories.through
    pairs = list(through.objects.filter(criterion__edition__is_current=True)
                 .values_list("category_id", "criterion_id"))
    found: dict[int, set[int]] = {}
    for category_id, criterion_id in pairs:
        found.setdefault(category_id, set()).add(criterion_id)
    if found:
        for child_id, parent_id in Category.objects.filter(parent_id__in=list(found)).values_list("id", "parent_id"):
            found.setdefault(child_id, set()).update(found[parent_id])
    result = {k: tuple(sorted(v)) for k, v in found.items()}
    _LINKED.update(map=result, at=time.monotonic())
    return result


@dataclass(frozen=True)
class Near:
    site_id: int
    distance_m: float


def _criteria_info(criterion_ids: Iterable[int]) -> dict[int, tuple[int, set[int]]]:
    """Per criterion: its radius and its site type ids."""
    ids = list(criterion_ids)
    radius = dict(Criterion.objects.filter(pk__in=ids).values_list("pk", "radius_m"))
    types: dict[int, set[int]] = {pk: set() for pk in ids}
    for criterion_id, type_id in Criterion.site_types.through.objects.filter(criterion_id__in=ids).values_list(
            "criterion_id", "sitetype_id"):
        types[criterion_id].add(type_id)
    return {pk: (radius.get(pk) or radius_default(), types[pk]) for pk in ids if pk in radius}


def _near_site(case: Case, radius_m: int, type_ids: set[int]) -> Near | None:
    if not type_ids or case.lng is None or case.lat is None:
        return None
    found = get_index().sites_within(case.lng, case.lat, radius_m, type_ids=type_ids)
    return Near(found[0].id, found[0].distance_m) if found else None


def case_risk_signals(*, case: Case, kind: str = SignalKind.CASE_NEW, source_id: str | None = None,
                      red: bool = False, now: dt.datetime | None = None) -> int:
    """The signals one case gives the criteria linked to its category: a new case 关注 (预警 near a site), an
    overdue one 预警, an escalated one 预警 (触发 for a red card or near a site). How many were new."""
    criteria = linked_categories().get(case.category_id)
    if not criteria:
        return 0
    made = 0
    for criterion_id, (radius, type_ids) in _criteria_info(criteria).items():
        near = _near_site(case, radius, type_ids)
        if kind == SignalKind.CASE_NEW:
            level = L.WARNING if near else L.WATCH
        elif kind == SignalKind.CASE_OVERDUE:
            level = L.WARNING
        else:
            level = L.TRIGGERED if red or near else L.WARNING
        signal = risk_signal_record(
            criterion_id=criterion_id, kind=kind, source_id=source_id or str(case.pk), level=level, case_id=case.pk,
            site_id=near.site_id if near else None, distance_m=near.distance_m if near else None,
            lng=case.lng, lat=case.lat, note=case.description[:200], now=now)
        made += signal is not None
    return made


def case_saved(sender, instance: Case, created: bool, **kwargs) -> None:
    """The ``post_save`` receiver on cases: nothing unless a new case's category is linked (a dict lookup), then
    its signals after the intake's transaction commits."""
    if not created or instance.category_id is None or instance.category_id not in linked_categories():
        return
    case_id = instance.pk
    transaction.on_commit(lambda: case_new_signals(case_id=case_id), robust=True)


def case_new_signals(*, case_id: int) -> int:
    case = Case.objects.filter(pk=case_id).only("id", "category_id", "lng", "lat", "description").first()
    return case_risk_signals(case=case) if case is not None else 0


# -- incidents ----------------------------------------------------------------------------------------------

def risk_incident_report(*, criterion_id: int, actor, kind: str, level: int, note: str,
                         now: dt.datetime | None = None) -> RiskSignal:
    """An incident reported by a unit (on a criterion it leads or shares) or by the command centre or the
    evaluation office (any criterion): a serious incident, a discipline case or a media report."""
    if kind not in INCIDENT_KINDS:
        raise WorkflowError(_("Kind: choose a serious incident, a discipline case or a media report."))
    try:
        level = L(int(level))
    except (TypeError, ValueError):
        raise WorkflowError(_("Level: choose 关注, 预警 or 触发.")) from None
    note = _clean_text(note, field=_("What happened"), limit=MAX_NOTE, required=True)
    roles = scope_for(actor).roles
    criterion = restrict(Criterion.objects.filter(pk=criterion_id), actor).first()
    if criterion is None:
        raise RiskNotFound(_("No such criterion."))
    if not roles & INCIDENT_REPORTERS:
        if not _unit_of_criterion(actor, criterion):
            raise NotAllowed(_("Only the units that lead or share this criterion, the command centre and the "
                               "evaluation office report incidents on it."))
        least = INCIDENT_MIN_LEVEL[SignalKind(kind)]
        if level < least:
            raise WorkflowError(_("Level: a %(kind)s is at least %(level)s.")
                                % {"kind": SignalKind(kind).label, "level": least.label})
    return risk_signal_record(criterion_id=criterion.pk, kind=kind, source_id=uuid.uuid4().hex, level=level,
                              note=note, reported_by=actor, now=now)


def _unit_of_criterion(actor, criterion: Criterion) -> bool:
    paths = unit_role_paths(actor, fresh=True)
    if not paths:
        return False
    unit_paths = list(Unit.objects.filter(Q(led_criteria=criterion) | Q(shared_criteria=criterion))
                      .values_list("path", flat=True))
    return any(unit_path.startswith(path) for unit_path in unit_paths for path in paths)


# -- plans (预案) -------------------------------------------------------------------------------------------

def risk_plan_can_edit(user, criterion: Criterion) -> bool:
    """The evaluation office, and the criterion's lead unit (its handlers and leaders)."""
    if scope_for(user).roles & FRAMEWORK_KEEPERS:
        return True
    if not criterion.lead_unit_id:
        return False
    paths = unit_role_paths(user)
    lead = Unit.objects.filter(pk=criterion.lead_unit_id).values_list("path", flat=True).first() or ""
    return any(lead.startswith(p) for p in paths)


def contacts_parse(text: str) -> list[Contact]:
    """Contacts from lines "name, phone, post" (comma, Chinese comma or tab); blank lines skipped."""
    contacts = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"[,，\t]", line)]
        parts += [""] * (3 - len(parts))
        if len(parts) > 3:
            raise WorkflowError(_("Contacts, line %(n)d: give name, phone, post.") % {"n": number})
        contacts.append(Contact(name=parts[0], phone=parts[1], post=parts[2]))
    return contacts


def _contacts_checked(contacts: Iterable[Contact]) -> list[dict]:
    rows = []
    for number, c in enumerate(contacts, start=1):
        name = _clean_text(c.name, field=_("Contacts"), limit=50)
        post = _clean_text(c.post, field=_("Contacts"), limit=100)
        phone = _clean_text(c.phone, field=_("Contacts"), limit=20)
        if not name:
            raise WorkflowError(_("Contacts, line %(n)d: a name is required.") % {"n": number})
        if phone and not PHONE.match(phone):
            raise WorkflowError(_("Contacts, line %(n)d: %(phone)s is not a phone number.") % {"n": number,
                                                                                               "phone": phone})
        rows.append({"name": name, "phone": phone, "post": post})
    if len(rows) > MAX_CONTACTS:
        raise WorkflowError(_("Contacts: at most %(n)d.") % {"n": MAX_CONTACTS})
    return rows


def risk_plan_save(
    *,
    criterion_id: int,
    actor,
    expected_revision: int,
    triggers: str,
    measures: str,
    owner_unit_ids: Iterable[int] = (),
    contacts: Iterable[Contact] = (),
    review_cycle_days: int = 90,
    next_review_on: dt.date | None = None,
    files: Iterable[Upload] = (),
    note: str = "",
    now: dt.datetime | None = None,
) -> RiskPlan:
    """Save a criterion's plan as a new numbered revision (the first save makes the plan). Refuses a form from
    an older revision, a person who may not edit it, and bad input (nothing is written then)."""
    triggers = _clean_text(triggers, field=_("Triggers"), limit=MAX_TEXT, required=True)
    measures = _clean_text(measures, field=_("Measures"), limit=MAX_TEXT, required=True)
    note = _clean_text(note, field=_("Note"), limit=MAX_NOTE)
    rows = _contacts_checked(contacts)
    if not 1 <= int(review_cycle_days) <= 730:
        raise WorkflowError(_("Review cycle: between 1 and 730 days."))
    checked = _files_checked(files, field=_("Attachments"))
    now = now or _now()
    with transaction.atomic():
        try:
            criterion = locked_in_scope(Criterion.objects.all(), actor, criterion_id)
        except Criterion.DoesNotExist:
            raise RiskNotFound(_("No such criterion.")) from None
        if not risk_plan_can_edit(actor, criterion):
            raise NotAllowed(_("Only the evaluation office and the criterion's lead unit edit its plan."))
        plan = RiskPlan.objects.select_for_update().filter(criterion=criterion).first()
        if (plan.revision if plan else 0) != expected_revision:
            raise StaleRisk(_("Someone saved this plan meanwhile; look at the new revision and repeat your change."))
        units = list(Unit.objects.filter(pk__in=set(owner_unit_ids)).order_by("path"))
        if len(units) != len(set(owner_unit_ids)):
            raise WorkflowError(_("Owner units: unknown unit."))
        if plan is None:
            plan = RiskPlan(criterion=criterion)
        plan.triggers, plan.measures, plan.contacts = triggers, measures, rows
        plan.review_cycle_days = int(review_cycle_days)
        plan.next_review_on = next_review_on or (timezone.localdate(now) + dt.timedelta(days=plan.review_cycle_days))
        plan.revision += 1
        plan.updated_by = actor
        plan.save()
        plan.owner_units.set(units)
        for upload, content_type, extension in checked:
            _store(RiskPlanAttachment(plan=plan, revision=plan.revision, name=display_name(upload.name, limit=200),
                                      content_type=content_type, uploaded_by=actor, at=now), upload, extension)
        RiskPlanRevision.objects.create(
            plan=plan, number=plan.revision, triggers=triggers, measures=measures, contacts=rows,
            owner_units=[{"id": u.pk, "code": u.code, "name": u.name} for u in units],
            review_cycle_days=plan.review_cycle_days, next_review_on=plan.next_review_on,
            attachments=list(plan.attachments.values_list("pk", flat=True)), note=note, actor=actor, at=now)
    return plan


def _plan_reminders(now: dt.datetime) -> dict:
    """The owners of a plan whose review is due within ``WENMING_RISK_REVIEW_REMIND_DAYS`` days, and again once it is
    overdue: once per review date each (the notification keys)."""
    today = timezone.localdate(now)
    horizon = today + dt.timedelta(days=review_remind_days())
    counts = {"review_due": 0, "review_overdue": 0}
    plans = (RiskPlan.objects.filter(next_review_on__lte=horizon).select_related("criterion")
             .prefetch_related("owner_units"))
    for plan in plans.iterator(chunk_size=200):
        units = {u.pk for u in plan.owner_units.all()} | {plan.criterion.lead_unit_id}
        units.discard(None)
        recipients = list(Person.objects.filter(is_active=True, roles__role__in=UNIT_ROLES, roles__unit_id__in=units)
                          .distinct())
        overdue = plan.next_review_on < today
        what = "overdue" if overdue else "due"
        subject = (_("Plan of %(code)s: its review was due on %(date)s") if overdue
                   else _("Plan of %(code)s: review it by %(date)s"))
        new = notifications_enqueue(
            recipients=recipients, key=f"riskplan:{plan.pk}:{plan.next_review_on:%Y%m%d}:{what}",
            subject=subject % {"code": plan.criterion.code, "date": plan.next_review_on.isoformat()},
            link=f"/evaluation/risks/plans/{plan.criterion_id}/")
        if new:
            counts[f"review_{what}"] += 1
    return counts


# -- the scan -----------------------------------------------------------------------------------------------

def risks_scan(*, now: dt.datetime | None = None) -> dict:
    """What the worker runs: signals from the linked cases created, gone overdue or escalated since the last run
    (a watermark row), 督办 of records past their response deadline (once per deadline), plan review reminders.
    Cheap: only the categories linked to a criterion of the current edition are read. Idempotent."""
    now = now or _now()
    counts = {"new_cases": 0, "overdue_cases": 0, "escalated_cases": 0, "late_records": 0}
    mark, _created = RiskScanMark.objects.get_or_create(key=SCAN_KEY)
    since = mark.last_run_at or (now - dt.timedelta(days=int(getattr(settings, "WENMING_RISK_FIRST_SCAN_DAYS", 30))))
    linked_categories_invalidate()
    linked = linked_categories()
    top_case = Case.objects.aggregate(top=Max("pk"))["top"] or 0
    top_notice = SupervisionNotice.objects.aggregate(top=Max("pk"))["top"] or 0
    if linked:
        ids = list(linked)
        fields = ("id", "category_id", "lng", "lat", "description")
        new_cases = Case.objects.filter(pk__gt=mark.last_case_id, pk__lte=top_case, category_id__in=ids)
        if mark.last_run_at is None:
            new_cases = new_cases.filter(reported_at__gte=since)
        for case in new_cases.only(*fields).order_by("pk").iterator(chunk_size=500):
            counts["new_cases"] += case_risk_signals(case=case, now=now)
        overdue = Case.objects.filter(category_id__in=ids, stage_due__gt=since - dt.timedelta(days=1),
                                      stage_due__lte=now)
        for case in overdue.only(*fields).order_by("pk").iterator(chunk_size=500):
            counts["overdue_cases"] += case_risk_signals(case=case, kind=SignalKind.CASE_OVERDUE, now=now)
        notices = (SupervisionNotice.objects.filter(pk__gt=mark.last_notice_id, pk__lte=top_notice,
                                                    case__category_id__in=ids)
                   .select_related("case").only("id", "level", *(f"case__{f}" for f in fields)))
        if mark.last_run_at is None:
            notices = notices.filter(created_at__gte=since)
        for notice in notices.order_by("pk").iterator(chunk_size=500):
            counts["escalated_cases"] += case_risk_signals(
                case=notice.case, kind=SignalKind.CASE_ESCALATED, source_id=f"notice:{notice.pk}",
                red=notice.level >= EscalationLevel.RED, now=now)
    late = (RiskRecord.objects.filter(state__in=OPEN_RISK_STATES, responded_at__isnull=True, response_due__lt=now)
            .exclude(supervised_due=F("response_due")))
    for record_id in late.values_list("pk", flat=True):
        try:
            risk_step(record_id=record_id, actor=None, action_key="late", now=now)
        except WorkflowError:
            continue
        counts["late_records"] += 1
    counts.update(_plan_reminders(now))
    RiskScanMark.objects.filter(pk=mark.pk).update(last_case_id=max(top_case, mark.last_case_id),
                                                   last_notice_id=max(top_notice, mark.last_notice_id),
                                                   last_run_at=now)
    return counts


def risk_levels() -> list[tuple[int, str]]:
    return [(int(v), str(label)) for v, label in L.choices]


INCIDENT_LEVEL_NOTE = gettext_lazy("A unit reports a serious incident as 触发, a discipline case or a media report as "
                                   "预警 or above.")
