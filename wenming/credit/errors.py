"""The credit network's refusals (subclassing the project's, so views and the API treat them alike)."""

from wenming.common.errors import IllegalTransition, NotAllowed, WorkflowError


class CreditError(WorkflowError):
    pass


class NotCreditKeeper(NotAllowed):
    pass


class StaleRecord(IllegalTransition):
    code = "stale"


class AlreadyRepaired(IllegalTransition):
    pass
