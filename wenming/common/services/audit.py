"""The audit log: who changed what, when. Configuration changes record each field's old and new value.

Secrets (password hashes, API key hashes, webhook signing secrets) are never copied into the log: only the
fact that they changed. Large values (an area's outline) are recorded by their length and digest.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid

from django.db import models

from wenming.common.models import AuditEvent

REDACTED = "[redacted]"
# A field whose name holds one of these is a secret, on every model, including ones added later.
_SECRET_WORDS = ("password", "secret", "hash", "token")
# Longer values are summarised: the log keeps what changed, not a second copy of a city's geometry.
_MAX_VALUE_CHARS = 1000


def audit_event_record(*, actor=None, action: str, summary: str, data: dict | None = None) -> AuditEvent:
    return AuditEvent.objects.create(actor=actor, action=action, summary=summary[:500], data=data or {})


def is_secret_field(name: str) -> bool:
    return any(word in name.lower() for word in _SECRET_WORDS)


def _plain(value):
    """A JSON-safe copy of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "name") and hasattr(value, "storage"):  # a file field's value
        return value.name or ""
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _recorded(name: str, value):
    if is_secret_field(name):
        return REDACTED if value not in (None, "") else value
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if len(text) > _MAX_VALUE_CHARS:
        return {"length": len(text), "sha256": hashlib.sha256(text.encode()).hexdigest()}
    return value


def _stored(field, value):
    """The value as the database keeps it: a decimal typed as 9 is stored, and read back, as 9.00."""
    if isinstance(field, models.DecimalField) and isinstance(value, decimal.Decimal) and value.is_finite():
        return value.quantize(decimal.Decimal(1).scaleb(-field.decimal_places))
    return value


def audit_values(obj: models.Model) -> dict:
    """Every stored field of ``obj``, JSON-safe (relations by primary key, many-to-many as a sorted list read
    from the database). Secrets included: compare these in memory, record only ``audit_changes``."""
    # "Last updated" stamps change with every save: they are the audit entry's own time, not a change.
    values = {f.attname: _plain(_stored(f, getattr(obj, f.attname))) for f in obj._meta.concrete_fields
              if not getattr(f, "auto_now", False)}
    if obj.pk is not None:
        for f in obj._meta.many_to_many:
            values[f.name] = sorted(getattr(obj, f.name).values_list("pk", flat=True))
    return values


def audit_changes(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that differ, as the log keeps them: a secret that changed shows as
    ``[redacted]``, a large value as its length and digest. An addition is ``({}, values)``, a deletion
    ``(values, {})``."""
    return {
        name: [_recorded(name, before.get(name)), _recorded(name, after.get(name))]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def audit_object_change(
    *, actor, verb: str, obj: models.Model, changes: dict, related: list | None = None,
    object_pk=None, object_repr: str | None = None,
) -> AuditEvent:
    """Record one configuration change: ``verb`` is add, change or delete. ``changes`` maps fields to
    [old, new]; ``related`` lists the rows changed with it (inline rows), each with its own changes."""
    label = obj._meta.label_lower
    pk = obj.pk if object_pk is None else object_pk
    shown = str(obj) if object_repr is None else object_repr
    fields = sorted(changes) + sorted({f"{r['model']}.{r['verb']}" for r in related or []})
    summary = f"{verb} {label} #{pk} {shown}"
    if fields:
        summary += ": " + ", ".join(fields)
    return audit_event_record(
        actor=actor if getattr(actor, "pk", None) else None,
        action=f"admin.{verb}",
        summary=summary,
        data={"model": label, "object": _plain(pk), "repr": shown[:200], "changes": changes, "related": related or []},
    )
