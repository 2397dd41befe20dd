"""The citizen's messages about their queue ticket, written to the outbox (loket.notifications) in
the same transaction as the event: booked or moved (confirmation), the day before (reminder), a few
tickets before their turn, and called to a counter. Walk-in tickets have no account to write to.

Each message's event key names the ticket and what makes the event distinct (a moved booking's new
session, a new call), so retrying a service never sends the same message twice; a recall keeps the
call's time and so sends nothing new.
"""

from __future__ import annotations

from loket.notifications import services as notifications
from loket.notifications.templating import format_session
from loket.queueing import events, selectors


def _context(ticket) -> dict:
    # A date object and the session as text: the outbox writes them in Indonesian whatever the
    # language of the page that caused the event (an SMS is Indonesian).
    return {
        "nomor": ticket.code,
        "layanan": ticket.service.name,
        "kantor": ticket.office.name,
        "tanggal": ticket.local_date,
        "sesi": format_session(ticket.session_start, ticket.session_end, office=ticket.office),
    }


def _send(ticket, template: str, event_key: str, **extra) -> None:
    if ticket.citizen_id is None:
        return
    notifications.enqueue(
        event_key=event_key, template=template, recipient=ticket.citizen, context={**_context(ticket), **extra}
    )


def on_booked(event_name: str, ticket) -> None:
    key = f"queueing.{event_name}:{ticket.pk}:{ticket.local_date}:{ticket.session_start:%H%M}"
    _send(ticket, "booking_confirmed", key)


def on_reminder_due(event_name: str, ticket) -> None:
    _send(ticket, "booking_reminder", f"queueing.reminder:{ticket.pk}:{ticket.local_date}")


def on_turn_near(event_name: str, ticket) -> None:
    ahead = selectors.estimate(ticket, ticket.near_notified_at).ahead
    _send(ticket, "turn_near", f"queueing.turn_near:{ticket.pk}:{ticket.local_date}", sisa=str(ahead))


def on_called(event_name: str, ticket) -> None:
    counter = ticket.counter
    _send(
        ticket,
        "called",
        f"queueing.called:{ticket.pk}:{ticket.called_at:%Y%m%d%H%M%S}",
        loket=str(counter) if counter else "",
    )


def register() -> None:
    """Subscribe the handlers (``QueueingConfig.ready``)."""
    events.subscribe_in_transaction(events.BOOKED, on_booked)
    events.subscribe_in_transaction(events.RESCHEDULED, on_booked)
    events.subscribe_in_transaction(events.REMINDER_DUE, on_reminder_due)
    events.subscribe_in_transaction(events.TURN_NEAR, on_turn_near)
    events.subscribe_in_transaction(events.CALLED, on_called)
