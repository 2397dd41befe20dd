"""Checking a booking in at the office (desk or kiosk), by its QR code or its typed code."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core import clock, policy
from loket.core.errors import DomainError
from loket.offices import selectors as office_selectors
from loket.offices.models import Office
from loket.queueing import events
from loket.queueing.models import LatePolicy, Ticket, TicketStatus
from loket.queueing.selectors import queue_settings, ticket_for_check_in
from loket.queueing.services.checks import require_staff
from loket.queueing.services.places import date_text


def _ready_time(ticket: Ticket, now: dt.datetime) -> dt.datetime:
    """Where a booking checked in at ``now`` joins the line (the office's late rule, ``QueueSettings``):
    early or within the grace it keeps its place (its session start); later, it waits from its
    arrival like a walk-in, or — if the office refuses late bookings — it is turned away."""
    rules = queue_settings(ticket.office)
    if now <= ticket.session_start + dt.timedelta(minutes=rules.late_grace_minutes):
        return ticket.session_start
    if rules.late_policy == LatePolicy.REFUSE:
        raise DomainError(
            _(
                "Ticket %(code)s has lapsed: it is more than %(minutes)s minutes after the start of its session. "
                "Please take a walk-in ticket."
            )
            % {"code": ticket.code, "minutes": rules.late_grace_minutes},
            code="late",
        )
    return now


def _shown_ticket(office: Office, code_or_token: str, now: dt.datetime) -> Ticket:
    """The booking the visitor shows, locked, if it can be checked in now: today's, still booked,
    and its session not over; otherwise the refusal that says why."""
    today = office_selectors.local_today(office, now)
    found = ticket_for_check_in(office, code_or_token, today)
    if found is None:
        raise DomainError(
            _("No ticket %(code)s for today at this office. Check the number on the ticket.")
            % {"code": (code_or_token or "").strip()[:12]},
            code="not_found",
        )
    ticket = Ticket.objects.select_for_update().get(pk=found.pk)
    if ticket.local_date != today:
        raise DomainError(
            _("Ticket %(code)s is for %(date)s, not today.")
            % {"code": ticket.code, "date": date_text(ticket.local_date)},
            code="other_day",
        )
    if ticket.status != TicketStatus.BOOKED:
        raise DomainError(
            _("Ticket %(code)s cannot be checked in: its status is %(status)s.")
            % {"code": ticket.code, "status": ticket.get_status_display()},
            code="not_booked",
        )
    if now >= ticket.session_end:
        raise DomainError(
            _("The session of ticket %(code)s has ended. Please book again or take a walk-in ticket.")
            % {"code": ticket.code},
            code="late",
        )
    return ticket


@transaction.atomic
def check_in_ticket(*, actor, office: Office, code_or_token: str, priority: bool = False) -> Ticket:
    """Check in a booked ticket at ``office`` by its QR token (or the URL the QR carries) or its typed
    code (``A-012``, ``a12``); ``priority`` marks a visitor of the kelompok rentan (elderly, disabled,
    pregnant), as seen by the petugas.

    Allowed on the ticket's local date until its session ends (petugas loket, office admin or the
    kiosk). Its place in the line follows the office's late rule (``_ready_time``).
    """
    require_staff(
        actor, office, policy.HAND_OUT_TICKETS, _("Only a counter officer of this office can check tickets in.")
    )
    now = clock.now()
    ticket = _shown_ticket(office, code_or_token, now)
    ticket.ready_at = _ready_time(ticket, now)
    ticket.status, ticket.checked_in_at = TicketStatus.CHECKED_IN, now
    ticket.priority = ticket.priority or priority
    ticket.save(update_fields=["status", "checked_in_at", "ready_at", "priority"])
    record(
        actor=actor,
        action="queueing.ticket.check_in",
        obj=ticket,
        from_state=TicketStatus.BOOKED,
        to_state=TicketStatus.CHECKED_IN,
        office_id=office.pk,
        data={"priority": ticket.priority, "late": ticket.ready_at != ticket.session_start},
    )
    events.emit(events.CHECKED_IN, ticket)
    return ticket
