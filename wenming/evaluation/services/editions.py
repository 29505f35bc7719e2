"""Which edition the city works against now."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from wenming.common.access import locked_in_scope
from wenming.common.errors import NotAllowed
from wenming.common.services.audit import audit_event_record
from wenming.evaluation.models import Edition
from wenming.evaluation.services.responsibility import can_keep_framework


def edition_make_current(*, edition_id: int, actor) -> Edition:
    """Mark one edition current ("my criteria" and the readiness pages read it); the one before stops being so."""
    if not can_keep_framework(actor):
        raise NotAllowed(_("Only the evaluation office chooses the current edition."))
    with transaction.atomic():
        edition = locked_in_scope(Edition.objects.all(), actor, edition_id)
        before = list(Edition.objects.select_for_update().filter(is_current=True).exclude(pk=edition.pk)
                      .values_list("code", flat=True))
        Edition.objects.filter(code__in=before).update(is_current=False)
        if not edition.is_current:
            edition.is_current = True
            edition.save(update_fields=["is_current", "updated_at"])
        audit_event_record(actor=actor, action="evaluation.edition_current", summary=edition.code,
                           data={"edition": edition.code, "before": before})
    return edition
