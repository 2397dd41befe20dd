"""Domain errors: raised by services with a message meant for the person using the UI."""


class DomainError(Exception):
    """A rule of the domain refused the action. ``message`` is user-facing (translated)."""

    def __init__(self, message, *, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.code = code


class NotAllowed(DomainError):
    """The actor's role or office does not allow this action."""

    def __init__(self, message, *, code: str = "not_allowed"):
        super().__init__(message, code=code)
