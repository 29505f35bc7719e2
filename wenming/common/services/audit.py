from wenming.common.models import AuditEvent


def audit_event_record(*, actor=None, action: str, summary: str, data: dict | None = None) -> AuditEvent:
    return AuditEvent.objects.create(actor=actor, action=action, summary=summary[:500], data=data or {})
