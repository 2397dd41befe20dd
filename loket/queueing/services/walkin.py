"""A walk-in ticket, issued at the office's desk or kiosk for the session running now.

Walk-ins fill their own cap per session (``Quota.walkin_limit``); they take a place and a number
by the same conditional updates as bookings (``counting``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.catalog.models import Service
from loket.core import clock, policy
from loket.core.errors import DomainError, NotAllowed
from loket.offices import selectors as office_selectors
from loket.offices.models import Office
from loket.offices.selectors import Session
from loket.queueing import events
from loket.queueing.models import Ticket, TicketKind, TicketStatus, format_code
from loket.queueing.selectors import group_for, is_offered, session_limits
from loket.queueing.services import counting
from loket.queueing.services.places import next_place_hint, no_place_left


def _walkin_session(office: Office) -> Session | None:
    """The session running now, or the next one starting later today (office-local)."""
    now = clock.now()
    today = office_selectors.local_today(office, now)
    current = office_selectors.current_session(office, now)
    if current is not None:
        return current
    for session in office_selectors.sessions_on(office, today):
        if session.start > now:
            return session
    return None


@transaction.atomic
def issue_walkin_ticket(*, actor, office: Office, service: Service, priority: bool = False) -> Ticket:
    """Issue a walk-in ticket at ``office`` now (petugas loket or office admin of that office).

    Walk-ins fill their own cap per session; past it the refusal names the next date with online room.
    """
    if (
        actor is None
        or not getattr(actor, "is_officer", False)
        or not policy.allows(actor, policy.HAND_OUT_TICKETS, office)
    ):
        raise NotAllowed(_("Only a counter officer of this office can issue walk-in tickets."))
    if not is_offered(office, service):
        raise DomainError(
            _("%(office)s does not serve %(service)s.") % {"office": office.name, "service": service.name},
            code="not_offered",
        )
    group = group_for(office, service)
    if group is None:
        raise DomainError(
            _("%(office)s has no queue for %(service)s yet.") % {"office": office.name, "service": service.name},
            code="not_offered",
        )
    session = _walkin_session(office)
    if session is None:
        slot, hint = next_place_hint(office, service)
        raise no_place_left(_("The office has no more sessions today.") + " " + hint, slot, office)
    local_date = session.start.date()
    start_time = session.start.time()
    limit = session_limits(group, local_date, start_time).walkin
    if not counting.take_place(group.pk, local_date, start_time, field="walkin_used", limit=limit):
        slot, hint = next_place_hint(office, service)
        raise no_place_left(
            _("All %(limit)s walk-in tickets for this session have been issued.") % {"limit": limit} + " " + hint,
            slot,
            office,
        )
    number = counting.next_number(group.pk, local_date)
    now = clock.now()
    ticket = Ticket.objects.create(
        office=office,
        group=group,
        service=service,
        citizen=None,
        local_date=local_date,
        session_start=session.start,
        session_end=session.end,
        number=number,
        code=format_code(group.letter, number),
        kind=TicketKind.WALKIN,
        priority=priority,
        status=TicketStatus.WAITING,
        created_at=now,
        checked_in_at=now,
        ready_at=max(now, session.start),
    )
    record(
        actor=actor,
        action="queueing.ticket.walkin",
        obj=ticket,
        to_state=TicketStatus.WAITING,
        office_id=office.pk,
        data={"service": service.code, "priority": priority},
    )
    events.emit(events.WALKIN_ISSUED, ticket)
    return ticket
