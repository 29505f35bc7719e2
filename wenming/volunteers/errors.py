from wenming.common.errors import WorkflowError


class VolunteerError(WorkflowError):
    """A volunteer step refused: the message says what was wrong (field, state, place or time)."""


class StaleRecord(VolunteerError):
    """Someone changed the row since the page was read."""
