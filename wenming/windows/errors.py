"""The window service's refusals: subclasses of the shared ones, so pages and the API answer them alike."""

from wenming.common.errors import IllegalTransition, NotAllowed, WorkflowError

__all__ = ["IllegalTransition", "NotAllowed", "WindowError", "WorkflowError"]


class WindowError(WorkflowError):
    """Bad input or a step the window's state does not allow."""
