"""Refusals from case services, each with a message for the person who tried."""


class WorkflowError(Exception):
    code = "refused"


class CaseNotFound(WorkflowError):
    code = "not_found"


class NotAllowed(WorkflowError):
    code = "not_allowed"


class IllegalTransition(WorkflowError):
    code = "illegal_transition"


class StaleCase(WorkflowError):
    code = "stale"


class EvidenceError(WorkflowError):
    code = "bad_evidence"
