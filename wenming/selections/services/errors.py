"""The selection workflow's refusals (views show the message; the API maps ``code``)."""

from wenming.common.errors import IllegalTransition, NotAllowed, WorkflowError


class SelectionError(WorkflowError):
    code = "selection_refused"


class StaleSelection(WorkflowError):
    code = "stale"


__all__ = ["IllegalTransition", "NotAllowed", "SelectionError", "StaleSelection", "WorkflowError"]
