"""The one place queue events leave the queueing app.

Services call ``emit(name, ticket)`` inside their transaction; handlers run only after the
transaction commits (``transaction.on_commit``), so a rolled-back booking announces nothing.
Which service emits what: ``booked``/``cancelled``/``rescheduled`` (``services.booking``),
``walkin_issued`` (``services.walkin``), ``checked_in`` (``services.checkin``), ``reminder_due``
and ``no_show`` of a missed booking (``services.housekeeping``), ``called`` (also on recall),
``turn_near``, ``serving``, ``no_show``, ``transferred``, ``finished`` (``services.counters``). Notifications (SMS, WhatsApp, e-mail) plug in with ``subscribe``:

    from loket.queueing import events
    events.subscribe(events.BOOKED, lambda event, ticket_id: ...)

A handler receives the event name and the ticket's primary key (load a fresh row if needed).
A failing handler is logged and never breaks the request or the other handlers (``robust``).

Work that must commit or roll back together with the change — writing the notification to the
outbox (loket.notifications) — subscribes with ``subscribe_in_transaction``: such a handler runs
at once, inside the service's transaction, with the ticket itself; if it fails, the change fails.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)

BOOKED = "booked"
CANCELLED = "cancelled"
RESCHEDULED = "rescheduled"
WALKIN_ISSUED = "walkin_issued"
CHECKED_IN = "checked_in"
REMINDER_DUE = "reminder_due"  # the day before a booking (services.send_due_reminders)
TURN_NEAR = "turn_near"  # a waiting ticket has QueueSettings.turn_near_ahead or fewer before it
CALLED = "called"  # also on each recall
SERVING = "serving"
NO_SHOW = "no_show"
TRANSFERRED = "transferred"
FINISHED = "finished"
EVENTS = frozenset(
    {
        BOOKED,
        CANCELLED,
        RESCHEDULED,
        WALKIN_ISSUED,
        CHECKED_IN,
        REMINDER_DUE,
        TURN_NEAR,
        CALLED,
        SERVING,
        NO_SHOW,
        TRANSFERRED,
        FINISHED,
    }
)

Handler = Callable[[str, int], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)
_in_transaction: dict[str, list[Callable]] = defaultdict(list)


def subscribe_in_transaction(event_name: str, handler: Callable) -> None:
    """``handler(event_name, ticket)`` runs inside the transaction that emits the event."""
    if event_name not in EVENTS:
        raise ValueError(f"unknown queue event {event_name!r}")
    if handler not in _in_transaction[event_name]:
        _in_transaction[event_name].append(handler)


def unsubscribe_in_transaction(event_name: str, handler: Callable) -> None:
    if handler in _in_transaction[event_name]:
        _in_transaction[event_name].remove(handler)


def subscribe(event_name: str, handler: Handler) -> None:
    if event_name not in EVENTS:
        raise ValueError(f"unknown queue event {event_name!r}")
    if handler not in _handlers[event_name]:
        _handlers[event_name].append(handler)


def unsubscribe(event_name: str, handler: Handler) -> None:
    if handler in _handlers[event_name]:
        _handlers[event_name].remove(handler)


def handlers(event_name: str) -> list[Handler]:
    return list(_handlers[event_name])


def emit(event_name: str, ticket) -> None:
    """Announce ``event_name`` for ``ticket`` to every handler once the transaction commits."""
    if event_name not in EVENTS:
        raise ValueError(f"unknown queue event {event_name!r}")
    for handler in list(_in_transaction[event_name]):
        handler(event_name, ticket)
    ticket_id = ticket.pk
    for handler in handlers(event_name):
        transaction.on_commit(lambda h=handler: h(event_name, ticket_id), robust=True)
