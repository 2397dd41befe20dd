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
    """The quota (online or walk-in) is used up; ``next_date`` is the next local date with online room."""

    def __init__(self, message, *, next_date: dt.date | None):
        super().__init__(message, code="full")
        self.next_date = next_date
