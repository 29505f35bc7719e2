"""Reports from other systems (REST and Open311): ``case_intake``, once per external id.

A system that retries a post (a timeout, a restart) must not make a second case: the database keeps one case
per (channel, external id) (the ``case_external_id_unique`` constraint), and a second post of the same id is
refused with ``DuplicateReport`` naming the case the first one made, whether it came one after the other (found
before inserting) or at the same moment (the constraint refuses the loser, which then finds the winner).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wenming.cases.models import Case
from wenming.cases.services import workflow as wf
from wenming.cases.services.errors import WorkflowError


class DuplicateReport(WorkflowError):
    code = "duplicate"

    def __init__(self, existing: Case, external_id: str):
        super().__init__(_("external_id %(id)s was already reported as case %(number)s; this report was not stored.")
                         % {"id": external_id, "number": existing.number})
        self.existing = existing
        self.external_id = external_id


def _existing(*, channel: str, external_id: str) -> Case | None:
    return Case.objects.filter(channel=channel, external_id=external_id).only("id", "reported_at").first()


def api_case_intake(*, channel: str, external_id: str = "", **intake) -> Case:
    """``case_intake`` on ``channel``; with an ``external_id`` already reported on that channel, raise
    ``DuplicateReport`` instead of storing a second case."""
    if not external_id:
        return wf.case_intake(channel=channel, **intake)
    existing = _existing(channel=channel, external_id=external_id)
    if existing is not None:
        raise DuplicateReport(existing, external_id)
    try:
        # A savepoint of its own (or a transaction): the refused insert must not break a caller's transaction,
        # which then reads the winner.
        with transaction.atomic():
            return wf.case_intake(channel=channel, external_id=external_id, **intake)
    except IntegrityError:
        existing = _existing(channel=channel, external_id=external_id)
        if existing is None:  # another constraint: not a duplicate, let it show
            raise
        raise DuplicateReport(existing, external_id) from None
