"""Results: an inspector records what they found, item by item, at the sites assigned to them; every 不符合 /
严重不合格 becomes a case on the 暗访 channel through the cases app's intake (routed as usual; the inspector is the
reporter, whom the case page, the API, exports and notifications never name to a unit).

Exactly once: each result carries an id the client made (a UUID). ``results_sync`` takes a batch and stores each
result in a transaction of its own, so a batch that breaks off keeps what was stored before the break and a batch
sent again answers "duplicate" for those. A result for a site and item already recorded under another client id
is a conflict: the FIRST result stored stands (its case may already be with a unit), the late one is refused with
the server's version in the answer and kept in the round's log, which the round page lists.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.cases.services import workflow as wf
from wenming.common.errors import WorkflowError
from wenming.common.input import strip_controls
from wenming.common.roles import Role
from wenming.inspections.models import (
    Assignment,
    AssignmentKind,
    Result,
    RoundEvent,
    RoundEventAction,
    SchemeItem,
)
from wenming.inspections.models.schemes import FAILING, Outcome

CREATED, DUPLICATE, CONFLICT, ERROR = "created", "duplicate", "conflict", "error"
MAX_BATCH = 200
MAX_NOTE = 500
# How far an observation may lie in the future (a phone's clock running ahead), and in the past.
CLOCK_SKEW = dt.timedelta(minutes=10)
MAX_AGE = dt.timedelta(days=62)


@dataclass(frozen=True)
class Observation:
    """One result as the client sends it."""

    client_id: str
    assignment_id: int
    item_code: str
    outcome: str
    observed_at: dt.datetime | None
    note: str = ""
    lng: float | None = None
    lat: float | None = None
    photo: wf.Upload | None = None


@dataclass
class Answer:
    client_id: str
    status: str
    result_id: int | None = None
    case_number: str = ""
    message: str = ""
    server: dict = field(default_factory=dict)  # the stored version, on a conflict

    def as_dict(self) -> dict:
        out = {"client_id": self.client_id, "status": self.status}
        if self.result_id is not None:
            out["id"] = self.result_id
        if self.case_number:
            out["case"] = self.case_number
        if self.message:
            out["message"] = self.message
        if self.server:
            out["server"] = self.server
        return out


def photo_from_base64(text: str, *, name: str = "photo.jpg") -> wf.Upload:
    """A photo sent as base64 (a data: URL or bare), size-checked before decoding; the picture itself is checked
    by the case evidence's reader (``common.images``)."""
    if "," in text[:100] and text.startswith("data:"):
        text = text.split(",", 1)[1]
    limit = settings.WENMING_MAX_UPLOAD_BYTES
    if len(text) > (limit * 4) // 3 + 8:
        raise WorkflowError(_("The photo is larger than %(limit)d bytes.") % {"limit": limit})
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise WorkflowError(_("The photo is not valid base64.")) from None
    return wf.Upload(name=name, content=content)


def _server_version(result: Result) -> dict:
    return {"id": result.pk, "client_id": str(result.client_id), "outcome": result.outcome,
            "note": result.note, "observed_at": result.observed_at.isoformat(),
            "case": result.case.number if result.case_id else ""}


def _check(obs: Observation, assignment: Assignment, items: dict, now: dt.datetime):
    """The item of the assignment's scheme (``items``: by code), after the checks every result must pass."""
    if obs.outcome not in Outcome.values:
        raise WorkflowError(_("Unknown result %(value)s.") % {"value": obs.outcome[:20]})
    item = items.get(obs.item_code)
    if item is None:
        raise WorkflowError(_("No item %(code)s in this site's checklist.") % {"code": obs.item_code[:40]})
    if assignment.kind == AssignmentKind.REINSPECT and item.pk != assignment.finding.item_id:
        raise WorkflowError(_("A re-inspection checks the finding's item only."))
    if obs.observed_at is None:
        raise WorkflowError(_("Give the time of the observation."))
    if not now - MAX_AGE <= obs.observed_at <= now + CLOCK_SKEW:
        raise WorkflowError(_("The time of the observation is out of range."))
    if obs.outcome in FAILING:
        if obs.photo is None:
            raise WorkflowError(_("A failed item needs a photo."))
        if obs.lng is None or obs.lat is None:
            raise WorkflowError(_("A failed item needs the GPS position."))
    if (obs.lng is None) != (obs.lat is None):
        raise WorkflowError(_("Give both longitude and latitude, or neither."))
    if obs.lng is not None and not (-180 <= obs.lng <= 180 and -90 <= obs.lat <= 90):
        raise WorkflowError(_("The GPS position is out of range."))
    if len(obs.note) > MAX_NOTE:
        raise WorkflowError(_("The note is longer than %(limit)d characters.") % {"limit": MAX_NOTE})
    return item


def _description(assignment: Assignment, item, note: str) -> str:
    text = f"{item.code} {item.text}"
    if assignment.kind == AssignmentKind.REINSPECT and assignment.finding.case_id:
        text = _("Re-inspection: still not fixed (case %(number)s). %(text)s") % {
            "number": assignment.finding.case.number, "text": text}
    return f"{text}\n{note}".strip() if note else text


@dataclass
class _Batch:
    """What one sync reads once for all its results: the inspector's assignments named in it with their checklists,
    the results already stored for them, and the client ids already known. Each result is still stored in a
    transaction of its own; the unique constraints (client id; assignment and item) settle any race with another
    request, so nothing read here needs a lock."""

    actor: object
    is_inspector: bool
    assignments: dict[int, Assignment]
    items: dict[int, dict]  # assignment id → {item code: item}
    by_site_item: dict[tuple[int, int], Result]
    by_client: dict[uuid.UUID, Result]

    @classmethod
    def load(cls, *, actor, observations: list[Observation]) -> _Batch:
        client_ids = []
        for obs in observations:
            try:
                client_ids.append(uuid.UUID(str(obs.client_id)))
            except ValueError:
                continue
        assignment_ids = {obs.assignment_id for obs in observations if isinstance(obs.assignment_id, int)}
        # Found by its inspector, not through the scope: an assignment is its inspector's alone, whatever their area.
        assignments = {a.pk: a for a in Assignment.objects.filter(pk__in=assignment_ids, assignee=actor)
                       .select_related("round", "site", "scheme", "finding__case").order_by()}
        items: dict[int, dict] = {}
        schemes = {a.scheme_id for a in assignments.values()}
        by_scheme: dict[int, dict] = {sid: {} for sid in schemes}
        for item in SchemeItem.objects.filter(scheme_id__in=schemes).select_related("category").order_by():
            by_scheme[item.scheme_id][item.code] = item
        for a in assignments.values():
            items[a.pk] = by_scheme[a.scheme_id]
        stored = Result.objects.filter(Q(client_id__in=client_ids) | Q(assignment_id__in=list(assignments)))
        by_site_item, by_client = {}, {}
        for result in stored.select_related("case").order_by():
            by_client[result.client_id] = result
            if result.assignment_id in assignments:
                by_site_item[(result.assignment_id, result.item_id)] = result
        return cls(actor=actor, is_inspector=actor.roles.filter(role=Role.INSPECTOR).exists(),
                   assignments=assignments, items=items, by_site_item=by_site_item, by_client=by_client)

    def remember(self, result: Result) -> None:
        self.by_client[result.client_id] = result
        self.by_site_item[(result.assignment_id, result.item_id)] = result


def _known(key: str, stored: Result, actor) -> Answer:
    if stored.recorded_by_id != actor.pk:
        return Answer(key, ERROR, message=_("This client id belongs to another result."))
    return Answer(key, DUPLICATE, result_id=stored.pk, case_number=stored.case.number if stored.case_id else "")


def _same_item(key: str, existing: Result, obs: Observation, assignment: Assignment, item, actor) -> Answer:
    """A result for a site and item recorded already under another client id: the same outcome is a duplicate, a
    different one a conflict (the first stands; the late one is logged on the round)."""
    if existing.outcome == obs.outcome:
        return Answer(key, DUPLICATE, result_id=existing.pk,
                      case_number=existing.case.number if existing.case_id else "")
    RoundEvent.objects.create(round=assignment.round, action=RoundEventAction.CONFLICT, actor=actor, data={
        "client_id": key, "site": assignment.site.code, "item": item.code, "outcome": obs.outcome,
        "observed_at": obs.observed_at.isoformat(), "kept": existing.pk, "kept_outcome": existing.outcome})
    return Answer(key, CONFLICT, result_id=existing.pk, server=_server_version(existing),
                  message=_("This item was recorded for this site already; the first result stands."))


def _record(batch: _Batch, obs: Observation, now: dt.datetime) -> Answer:
    actor = batch.actor
    try:
        client_id = uuid.UUID(str(obs.client_id))
    except ValueError:
        return Answer(str(obs.client_id)[:40], ERROR, message=_("The client id is not a UUID."))
    key = str(client_id)
    if client_id in batch.by_client:
        return _known(key, batch.by_client[client_id], actor)
    assignment = batch.assignments.get(obs.assignment_id)
    if assignment is None or not batch.is_inspector:
        return Answer(key, ERROR, message=_("No such assignment of yours."))
    obs = Observation(**{**obs.__dict__, "note": strip_controls(obs.note or "").strip()})
    try:
        item = _check(obs, assignment, batch.items[assignment.pk], now)
    except WorkflowError as exc:
        return Answer(key, ERROR, message=str(exc))
    existing = batch.by_site_item.get((assignment.pk, item.pk))
    if existing is not None:
        return _same_item(key, existing, obs, assignment, item, actor)
    try:
        with transaction.atomic():
            result = Result.objects.create(
                round=assignment.round, assignment=assignment, item=item, outcome=obs.outcome, note=obs.note,
                lng=obs.lng, lat=obs.lat, observed_at=obs.observed_at, client_id=client_id, recorded_by=actor)
            if obs.outcome in FAILING:
                result.case = wf.case_intake(
                    channel="inspection", description=_description(assignment, item, obs.note), lng=obs.lng,
                    lat=obs.lat, crs="wgs84", category=item.category,
                    urgency="urgent" if obs.outcome == Outcome.SEVERE else "normal",
                    address=assignment.site.address or assignment.site.name, site=assignment.site,
                    reporter_name=assignment.round.firm_name, actor=actor, photos=[obs.photo],
                    source={"form": "inspection"},
                )
                result.save(update_fields=["case"])
    except IntegrityError:
        # Another request stored the same client id, or the same site and item, since the batch was read: answer
        # as if this one came second.
        stored = Result.objects.filter(client_id=client_id).select_related("case").first()
        if stored is not None:
            return _known(key, stored, actor)
        existing = (Result.objects.filter(assignment=assignment, item=item).select_related("case").order_by()
                    .first())
        if existing is not None:
            batch.remember(existing)
            return _same_item(key, existing, obs, assignment, item, actor)
        return Answer(key, ERROR, message=_("Stored meanwhile by another request: send it again."))
    except WorkflowError as exc:
        return Answer(key, ERROR, message=str(exc))
    batch.remember(result)
    return Answer(key, CREATED, result_id=result.pk, case_number=result.case.number if result.case else "")


def result_record(*, actor, observation: Observation) -> Answer:
    """Store one result exactly once, in its own transaction (see the module's docstring)."""
    return _record(_Batch.load(actor=actor, observations=[observation]), observation, timezone.now())


def results_sync(*, actor, observations: list[Observation]) -> list[Answer]:
    """A batch of results, each stored on its own transaction (a batch that breaks off keeps what was stored
    before the break), answered item by item in order. What every result needs is read once for the batch."""
    if len(observations) > MAX_BATCH:
        raise WorkflowError(_("At most %(count)d results per batch.") % {"count": MAX_BATCH})
    batch = _Batch.load(actor=actor, observations=observations)
    now = timezone.now()
    answers = [_record(batch, obs, now) for obs in observations]
    created = [a for a in answers if a.status == CREATED]
    if created:
        rounds = {r.round_id for r in batch.by_client.values() if str(r.client_id) in {a.client_id for a in created}}
        for round_id in rounds:
            RoundEvent.objects.create(round_id=round_id, action=RoundEventAction.RESULTS, actor=actor,
                                      data={"created": len(created)})
    return answers
