"""Refusals from case services, each with a message for the person who tried. The shared ones live in
``wenming.common.errors`` and are re-exported here for the case services."""

from wenming.common.errors import IllegalTransition, NotAllowed, WorkflowError

__all__ = ["CaseNotFound", "EvidenceError", "IllegalTransition", "NotAllowed", "StaleCase", "WorkflowError"]


class CaseNotFound(WorkflowError):
    code = "not_found"


class StaleCase(WorkflowError):
    code = "stale"


class EvidenceError(WorkflowError):
    code = "bad_evidence"
