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
from loket.core.errors import DomainError
from loket.offices import selectors as office_selectors
from loket.offices.models import Office
from loket.offices.selectors import Session
from loket.queueing import events
from loket.queueing.models import ServiceGroup, Ticket, TicketKind, TicketStatus
from loket.queueing.selectors import group_for, is_offered, session_limits
from loket.queueing.services import counting
from loket.queueing.services.checks import require_staff
from loket.queueing.services.places import new_ticket, next_place_hint, no_place_left


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


def _queue_of(office: Office, service: Service) -> ServiceGroup:
    """The group that queues ``service`` at ``office``; a refusal naming both if there is none."""
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
    return group


def _take_walkin_place(office: Office, service: Service, group: ServiceGroup) -> Session:
    """Take a walk-in place in the session running now (or next today) and return that session;
    past the session's walk-in cap, the refusal names the next date with online room."""
    session = _walkin_session(office)
    if session is None:
        slot, hint = next_place_hint(office, service)
        raise no_place_left(_("The office has no more sessions today.") + " " + hint, slot, office)
    local_date, start_time = session.start.date(), session.start.time()
    limit = session_limits(group, local_date, start_time).walkin
    if not counting.take_place(group.pk, local_date, start_time, field="walkin_used", limit=limit):
        slot, hint = next_place_hint(office, service)
        raise no_place_left(
            _("All %(limit)s walk-in tickets for this session have been issued.") % {"limit": limit} + " " + hint,
            slot,
            office,
        )
    return session


@transaction.atomic
def issue_walkin_ticket(*, actor, office: Office, service: Service, priority: bool = False) -> Ticket:
    """Issue a walk-in ticket at ``office`` now (petugas loket, office admin or the office's kiosk).

    Walk-ins fill their own cap per session; past it the refusal names the next date with online room.
    """
    require_staff(
        actor, office, policy.HAND_OUT_TICKETS, _("Only a counter officer of this office can issue walk-in tickets.")
    )
    group = _queue_of(office, service)
    session = _take_walkin_place(office, service, group)
    now = clock.now()
    ticket = new_ticket(
        office=office,
        group=group,
        service=service,
        session=session,
        local_date=session.start.date(),
        kind=TicketKind.WALKIN,
        status=TicketStatus.WAITING,
        priority=priority,
        created_at=now,
        checked_in_at=now,
        # A walk-in issued before its session starts waits from the start, like a booking.
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
