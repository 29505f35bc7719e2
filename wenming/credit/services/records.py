"""Writing the credit network one record at a time: a pushed record (REST), a record a department decides from a
信用提示 candidate, a repair (信用修复), a joint-discipline acknowledgement. Each is one transaction that locks the
row through the person's scope, checks, changes and appends a ``CreditEvent``.

The action table: who may take each step on a record (the page and the API read it through
``record_actions_for``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.credit.errors import AlreadyRepaired, CreditError, NotCreditKeeper, StaleRecord
from wenming.credit.models import (
    CreditEvent,
    CreditRecord,
    CreditSource,
    CreditSubject,
    JointAck,
    JointMeasure,
    RecordKind,
    effective_q,
)
from wenming.credit.selectors import measures_acted_by, sources_kept
from wenming.credit.services.rows import RecordInput, field_label, record_read
from wenming.org.models import StorefrontDuty, Unit

REASON_MAX = 2000


@dataclass(frozen=True)
class RecordAction:
    action: str
    label: str
    event: str
    needs_note: bool


# One table: the action, who may (a keeper of the record's source), the event written, its label, whether a note
# (the reason) is needed. Only a record not yet repaired can be repaired.
RECORD_ACTIONS = (
    RecordAction("repair", gettext_lazy("Credit repair (信用修复)"), CreditEvent.Action.REPAIR, True),
)


def record_actions_for(record: CreditRecord, user) -> list[RecordAction]:
    if record.repaired_on or not sources_kept(user).filter(pk=record.source_id).exists():
        return []
    return list(RECORD_ACTIONS)


def _subject(item: RecordInput) -> CreditSubject:
    subject, created = CreditSubject.objects.get_or_create(
        key=item.subject_key, defaults={"credit_code": item.credit_code, "name": item.name, "kind": item.subject_kind})
    if created:
        subjects_link(subject_ids=[subject.pk])
    elif subject.name != item.name:
        subject.name = item.name
        subject.save(update_fields=["name"])
    return subject


FIELDS = ("kind", "decided_by", "decided_on", "reason", "effective_from", "effective_until", "public")


def credit_record_push(*, source: CreditSource, data: dict[str, str], actor) -> tuple[CreditRecord, bool]:
    """Store one record a department's system sent (the cells by canonical name), idempotent by its record id: the
    same record twice is stored once (``created`` False the second time; a changed one is updated). A repair in the
    data is applied as a repair. Refuses with the problems named by field."""
    if actor is not None and not sources_kept(actor).filter(pk=source.pk).exists():
        raise NotCreditKeeper(_("Only the department that keeps this source sends its records."))
    item, problems = record_read(data, kinds=list(source.kinds))
    if item is None:
        raise CreditError("; ".join(f"{field_label(f)}({f}): {m}" for f, m in problems))
    with transaction.atomic():
        subject = _subject(item)
        values = {name: getattr(item, name) for name in FIELDS}
        record = (CreditRecord.objects.select_for_update()
                  .filter(source=source, source_record_id=item.record_id).first())
        created = record is None
        if created:
            try:
                with transaction.atomic():  # a savepoint: a concurrent push of the same record may win the insert
                    record = CreditRecord.objects.create(source=source, source_record_id=item.record_id,
                                                         subject=subject, **values)
            except IntegrityError:
                record = (CreditRecord.objects.select_for_update()
                          .get(source=source, source_record_id=item.record_id))
                created = False
        if created:
            changed = ["created"]
        else:
            changed = [n for n, v in values.items() if getattr(record, n) != v]
            if record.subject_id != subject.pk:
                changed.append("subject")
            if changed:
                for name, value in values.items():
                    setattr(record, name, value)
                record.subject = subject
                record.version += 1
                record.updated_at = timezone.now()
                record.save()
        if item.repaired_on and not record.repaired_on:
            _repair(record, actor=actor, repaired_on=item.repaired_on, reason=item.repair_reason)
        elif changed:
            CreditEvent.objects.create(source=source, record=record, actor=actor,
                                       action=CreditEvent.Action.PUSH, data={"changed": changed})
    return record, created


def _repair(record: CreditRecord, *, actor, repaired_on: dt.date, reason: str) -> None:
    record.repaired_on, record.repair_reason = repaired_on, reason
    record.version += 1
    record.updated_at = timezone.now()
    record.save(update_fields=["repaired_on", "repair_reason", "version", "updated_at"])
    CreditEvent.objects.create(source_id=record.source_id, record=record, actor=actor, action=CreditEvent.Action.REPAIR,
                               data={"repaired_on": repaired_on.isoformat(), "reason": reason})


def credit_record_repair(*, record: CreditRecord, by, repaired_on: dt.date, reason: str,
                         version: int | None = None) -> CreditRecord:
    """End the record's effect (信用修复) on ``repaired_on`` for ``reason``: its subject's 失信 no longer counts it,
    the public query no longer shows it. Only the source's department (or an administrator); once; a form opened
    before another change (``version``) is refused."""
    reason = (reason or "").strip()
    if not reason:
        raise CreditError(_("Reason: give the reason of the repair."))
    if len(reason) > REASON_MAX:
        raise CreditError(_("Reason: longer than %(limit)d characters.") % {"limit": REASON_MAX})
    today = timezone.localdate()
    with transaction.atomic():
        # The lock goes through the person's sources: a record of another department is not found, as if missing.
        try:
            locked = (CreditRecord.objects.select_for_update().filter(source__in=sources_kept(by).values("pk"))
                      .get(pk=record.pk))
        except CreditRecord.DoesNotExist:
            raise NotCreditKeeper(_("Only the department that keeps this source repairs its records.")) from None
        if locked.repaired_on:
            raise AlreadyRepaired(_("This record was repaired on %(day)s already.") % {
                "day": locked.repaired_on.isoformat()})
        if version is not None and version != locked.version:
            raise StaleRecord(_("The record changed since you opened it: reload the page and try again."))
        if repaired_on > today:
            raise CreditError(_("Repaired on: the date lies in the future."))
        if locked.decided_on and repaired_on < locked.decided_on:
            raise CreditError(_("Repaired on: the date lies before the decision (%(day)s).") % {
                "day": locked.decided_on.isoformat()})
        _repair(locked, actor=by, repaired_on=repaired_on, reason=reason)
    return locked


def joint_acknowledge(*, record: CreditRecord, measure: JointMeasure, by, note: str) -> JointAck:
    """The department acting under ``measure`` says it has acted on the effective ``record``: once per record and
    measure (a second acknowledgement is refused, the first stands)."""
    note = (note or "").strip()
    if not note or len(note) > 500:
        raise CreditError(_("Note: say what your department did (at most 500 characters)."))
    with transaction.atomic():
        try:
            measure = measures_acted_by(by).select_for_update(of=("self",)).get(pk=measure.pk)
        except JointMeasure.DoesNotExist:
            raise NotCreditKeeper(_("Only the department this measure names acknowledges it.")) from None
        today = timezone.localdate()
        if not CreditRecord.objects.filter(effective_q(today), pk=record.pk, kind=measure.kind).exists():
            raise CreditError(_("This record is no longer in effect: there is nothing to act on."))
        if JointAck.objects.filter(record=record, measure=measure).exists():
            raise CreditError(_("Your department acknowledged this record already."))
        ack = JointAck.objects.create(record=record, measure=measure, acknowledged_by=by,
                                      acknowledged_at=timezone.now(), note=note)
        CreditEvent.objects.create(source_id=record.source_id, record=record, actor=by, action=CreditEvent.Action.ACK,
                                   data={"measure": measure.pk, "unit": measure.unit_id})
    return ack


def credit_record_decide(*, source: CreditSource, by, shop: StorefrontDuty, kind: str, decided_on: dt.date,
                         reason: str, effective_until: dt.date | None = None) -> CreditRecord:
    """A department turns a 信用提示 candidate (a shop repeatedly failing its storefront duties) into a record it
    decides on: the shop's subject (by its licence number, its credit code) gets the record."""
    if kind not in (RecordKind.DISHONEST, RecordKind.PENALTY):
        raise CreditError(_("Kind: a 信用提示 becomes a penalty or a 失信 record."))
    if not shop.licence_no:
        raise CreditError(_("The shop has no unified social credit code on its storefront duty: add it there first."))
    number = timezone.now().strftime("%Y%m%d%H%M%S%f")
    with transaction.atomic():  # the record, its event and the shop's link together, or nothing
        record, _created = credit_record_push(source=source, actor=by, data={
            "record_id": f"TS-{shop.code}-{number}"[:64], "kind": kind, "credit_code": shop.licence_no,
            "name": shop.shop_name, "decided_by": source.owner_unit.name, "decided_on": decided_on.isoformat(),
            "reason": reason, "effective_until": effective_until.isoformat() if effective_until else ""})
        if CreditSubject.objects.filter(pk=record.subject_id, storefront=None).update(storefront=shop):
            CreditEvent.objects.create(source=source, record=record, actor=by, action=CreditEvent.Action.CREATE,
                                       data={"storefront": shop.pk, "subject": record.subject_id})
    return record


def subjects_link(*, subject_ids: list[int] | None = None) -> int:
    """Link subjects to the platform's storefront duties (by licence number = credit code) and units (by exact name),
    where not linked yet. Returns how many links were made."""
    linked = 0
    shops = dict(StorefrontDuty.objects.exclude(licence_no="").values_list("licence_no", "pk"))
    subjects = CreditSubject.objects.filter(storefront=None).exclude(credit_code="")
    if subject_ids is not None:
        subjects = subjects.filter(pk__in=subject_ids)
    codes = list(shops)
    for start in range(0, len(codes), 500):
        batch = list(subjects.filter(credit_code__in=codes[start:start + 500]))
        for subject in batch:
            subject.storefront_id = shops[subject.credit_code]
        linked += CreditSubject.objects.bulk_update(batch, ["storefront"]) or 0
    units = dict(Unit.objects.values_list("name", "pk"))
    unlinked = CreditSubject.objects.filter(unit=None).exclude(credit_code="")
    if subject_ids is not None:
        unlinked = unlinked.filter(pk__in=subject_ids)
    names = list(units)
    for start in range(0, len(names), 500):
        batch = list(unlinked.filter(name__in=names[start:start + 500]))
        for subject in batch:
            subject.unit_id = units[subject.name]
        linked += CreditSubject.objects.bulk_update(batch, ["unit"]) or 0
    return linked
