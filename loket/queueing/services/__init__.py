"""The verbs of the queue: the only code that changes its state. One module per group of verbs:

- ``booking``: a citizen books, cancels and moves an online ticket;
- ``walkin`` and ``checkin``: at the office (desk or kiosk), a walk-in ticket is issued and a
  booking is checked in;
- ``housekeeping``: the timed work (missed bookings become no-shows, the day-before reminders);
- ``counters``: a petugas opens a counter, calls, recalls, serves, skips, transfers, finishes and
  closes (the calling order is documented there);
- ``config``: an office admin's service groups, quota rows and queue rules;
- ``counting`` (the conditional updates behind quotas and ticket numbers), ``places`` (what
  booking and walk-ins share) and ``notify`` (the citizen's messages, written to the outbox in
  the event's transaction) serve the verbs above.

Callers use the names below (``services.book_ticket(…)``).
"""

from loket.queueing.services.booking import book_ticket, cancel_ticket, reschedule_ticket
from loket.queueing.services.checkin import check_in_ticket
from loket.queueing.services.config import (
    delete_quota,
    delete_service_group,
    save_quota,
    save_service_group,
    update_queue_settings,
)
from loket.queueing.services.counters import (
    call_next,
    close_counter,
    finish,
    open_counter,
    recall,
    skip,
    start_serving,
    transfer,
)
from loket.queueing.services.housekeeping import expire_missed_bookings, send_due_reminders
from loket.queueing.services.walkin import issue_walkin_ticket

__all__ = [
    "book_ticket",
    "call_next",
    "cancel_ticket",
    "check_in_ticket",
    "close_counter",
    "delete_quota",
    "delete_service_group",
    "expire_missed_bookings",
    "finish",
    "issue_walkin_ticket",
    "open_counter",
    "recall",
    "reschedule_ticket",
    "save_quota",
    "save_service_group",
    "send_due_reminders",
    "skip",
    "start_serving",
    "transfer",
    "update_queue_settings",
]
