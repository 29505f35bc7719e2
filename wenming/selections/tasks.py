"""The selections' periodic task (the worker's schedule runs it every few minutes; idempotent)."""

from django_tasks import task

from wenming.selections.services.votes import vote_flags_rescan


@task()
def scan_vote_flags() -> int:
    """Re-scan the calls in their public vote for vote patterns over their limits that no vote flagged."""
    return vote_flags_rescan()
