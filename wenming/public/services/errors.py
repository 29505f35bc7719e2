class PublicError(Exception):
    """Input from the public page refused, with a message to show the citizen."""


class RateLimited(PublicError):
    """Too many requests from one network or for one phone number in the current window."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
