"""The queue's timed work (``manage.py queue_housekeeping``, run every few minutes): missed
bookings become no-shows, and the bookings of the next day get their reminder. Both are
idempotent: each ticket changes by a conditional update, so overlapping runs change it once."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from loket.audit.services import record
from loket.core import clock
from loket.offices import selectors as office_selectors
from loket.queueing import events
from loket.queueing.models import Ticket, TicketStatus


def expire_missed_bookings(*, now: dt.datetime | None = None) -> int:
    """Bookings whose session has ended without a check-in become no-shows (they count towards the
    office's suspension rule). Returns how many. Each ticket changes in its own transaction, by a
    conditional update, so a check-in racing the expiry wins or loses cleanly."""
    now = now or clock.now()
    expired = 0
    for ticket_id in Ticket.objects.filter(status=TicketStatus.BOOKED, session_end__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            if not Ticket.objects.filter(pk=ticket_id, status=TicketStatus.BOOKED).update(
                status=TicketStatus.NO_SHOW, finished_at=now
            ):
                continue
            ticket = Ticket.objects.get(pk=ticket_id)
            record(
                actor=None,
                action="queueing.ticket.expire",
                obj=ticket,
                from_state=TicketStatus.BOOKED,
                to_state=TicketStatus.NO_SHOW,
                reason="session ended without check-in",
                office_id=ticket.office_id,
            )
            events.emit(events.NO_SHOW, ticket)
            expired += 1
    return expired


def send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """Emit ``reminder_due`` once for every booking of the next office-local day (the day before),
    with an audit row per ticket reminded. ``reminder_sent_at`` is set by a conditional update, so
    overlapping runs remind once."""
    now = now or clock.now()
    sent = 0
    horizon = now + dt.timedelta(days=2)
    candidates = Ticket.objects.filter(
        status=TicketStatus.BOOKED, reminder_sent_at__isnull=True, session_start__gt=now, session_start__lt=horizon
    ).select_related("office")
    for ticket in candidates:
        tomorrow = office_selectors.local_today(ticket.office, now) + dt.timedelta(days=1)
        if ticket.local_date != tomorrow:
            continue
        with transaction.atomic():
            if Ticket.objects.filter(pk=ticket.pk, reminder_sent_at__isnull=True).update(reminder_sent_at=now):
                record(
                    actor=None,
                    action="queueing.ticket.remind",
                    obj=ticket,
                    office_id=ticket.office_id,
                    data={"date": ticket.local_date.isoformat()},
                )
                events.emit(events.REMINDER_DUE, ticket)
                sent += 1
    return sent
