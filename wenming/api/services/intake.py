"""Reports from other systems (REST and Open311): ``case_intake``, once per external id.

A system that retries a post (a timeout, a restart) must not make a second case: the database keeps one case
per (channel, external id) (the ``case_external_id_unique`` constraint), and a second post of the same id is
refused with ``DuplicateReport`` naming the case the first one made. The constraint is the one check, whether
the posts came one after the other or at the same moment: a new report (nearly every post) reads nothing first.
"""

from __future__ import annotations

from contextlib import nullcontext

from django.db import IntegrityError, connection, transaction
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


def api_case_intake(*, channel: str, external_id: str = "", **intake) -> Case:
    """``case_intake`` on ``channel``; with an ``external_id`` already reported on that channel, raise
    ``DuplicateReport`` instead of storing a second case."""
    if not external_id:
        return wf.case_intake(channel=channel, **intake)
    try:
        # Inside a caller's transaction, a savepoint keeps the refused insert from breaking it (the winner is read
        # next); outside one, the insert is its own transaction and a savepoint would only add round trips.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            return wf.case_intake(channel=channel, external_id=external_id, **intake)
    except IntegrityError:
        existing = Case.objects.filter(channel=channel, external_id=external_id).only("id", "reported_at").first()
        if existing is None:  # another constraint: not a duplicate, let it show
            raise
        raise DuplicateReport(existing, external_id) from None
