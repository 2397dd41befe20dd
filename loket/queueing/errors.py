"""Queue-specific domain errors (user-facing messages, like ``loket.core.errors``)."""

from __future__ import annotations

import datetime as dt

from loket.core.errors import DomainError


class AlreadyBooked(DomainError):
    """The citizen already holds an active booking for this service on that day (``ticket``)."""

    def __init__(self, message, *, ticket):
        super().__init__(message, code="already_booked")
        self.ticket = ticket


class NoPlaceLeft(DomainError):
    """The quota (online or walk-in) is used up; ``next_date`` and ``next_session_start`` (office-local)
    name the next session with online room, or are None when there is none in the booking period."""

    def __init__(self, message, *, next_date: dt.date | None, next_session_start: dt.time | None = None):
        super().__init__(message, code="full")
        self.next_date = next_date
        self.next_session_start = next_session_start
