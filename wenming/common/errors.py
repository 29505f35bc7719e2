"""Refusals any app's services raise, each with a message for the person who tried (views show it, the API maps
``code``). Errors of one app's own stay in that app, subclassing these (cases: CaseNotFound, StaleCase, …)."""


class WorkflowError(Exception):
    code = "refused"


class NotAllowed(WorkflowError):
    code = "not_allowed"


class IllegalTransition(WorkflowError):
    code = "illegal_transition"
