"""The registers' refusals (subclassing the project's, so views and the API treat them alike)."""

from wenming.common.errors import NotAllowed, WorkflowError


class RegistryError(WorkflowError):
    pass


class NotRegistryKeeper(NotAllowed):
    pass
