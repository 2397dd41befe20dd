"""A citizen's online booking: book, cancel and move a ticket.

Each verb takes keyword-only arguments including ``actor``, runs in one transaction, checks
permission, writes an audit row and emits its event (``events.emit``, delivered on commit).

Concurrency (DESIGN.md): a place is taken by ``UPDATE session_counter SET used = used + 1 WHERE
… AND used < limit``; a row count of 0 means no place. The next number comes from ``UPDATE
day_counter SET last_number = last_number + 1`` read back in the same transaction (the row stays
locked until commit, so two bookings never read the same number). A second active booking of one
citizen for one service and day is refused — by a check first, and by the partial unique
constraint when two submits race; either way the whole transaction rolls back, so the place taken
is returned. Double submit policy: the second submit is *refused* with ``AlreadyBooked`` (its
``ticket`` is the existing booking), never a second ticket.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.catalog.models import Service
from loket.core import clock
from loket.core.errors import DomainError, NotAllowed
from loket.offices import selectors as office_selectors
from loket.offices.models import Office
from loket.offices.selectors import Session
from loket.queueing import events
from loket.queueing.errors import AlreadyBooked, NoPlaceLeft
from loket.queueing.models import ServiceGroup, SessionCounter, Ticket, TicketKind, TicketStatus, format_code
from loket.queueing.selectors import (
    active_booking,
    booking_horizon_days,
    booking_suspended_until,
    group_for,
    is_offered,
    session_limits,
)
from loket.queueing.services import counting
from loket.queueing.services.places import (
    date_text,
    new_ticket,
    next_place_hint,
    no_place_left,
    session_start_time,
    session_text,
)

# Ticket's partial unique constraint: one active online booking per citizen, service and day.
ONE_BOOKING_CONSTRAINT = "queue_one_active_booking_per_citizen_service_day"


def _require_bookable(office: Office, service: Service) -> ServiceGroup:
    if not service.allows_queue_booking or not is_offered(office, service):
        raise DomainError(
            _("%(office)s does not serve %(service)s. Choose another office.")
            % {"office": office.name, "service": service.name},
            code="not_offered",
        )
    group = group_for(office, service)
    if group is None:
        raise DomainError(
            _("%(office)s has no queue for %(service)s yet. Choose another office.")
            % {"office": office.name, "service": service.name},
            code="not_offered",
        )
    return group


def _find_session(office: Office, local_date: dt.date, session_start: dt.time) -> Session:
    schedule = office_selectors.day_schedule(office, local_date)
    if schedule.is_closed:
        why = schedule.holiday_name or schedule.exception_reason
        message = _("%(office)s is closed on %(date)s. Choose another date.") % {
            "office": office.name,
            "date": date_text(local_date),
        }
        if why:
            message = f"{message} ({why})"
        raise DomainError(message, code="closed")
    for session in schedule.sessions:
        if session.start.time() == session_start:
            return session
    raise DomainError(
        _("%(office)s has no session starting at %(time)s on %(date)s. Choose one of the listed sessions.")
        % {"office": office.name, "time": session_start.strftime("%H:%M"), "date": date_text(local_date)},
        code="no_session",
    )


def _check_date(office: Office, local_date: dt.date) -> None:
    today = office_selectors.local_today(office)
    if local_date < today:
        raise DomainError(_("That date has passed. Choose today or a later date."), code="past")
    horizon = booking_horizon_days()
    if local_date > today + dt.timedelta(days=horizon):
        raise DomainError(
            _("Bookings open at most %(days)s days ahead. Choose a date up to %(date)s.")
            % {"days": horizon, "date": date_text(today + dt.timedelta(days=horizon))},
            code="beyond_horizon",
        )


def _already_booked(ticket: Ticket) -> AlreadyBooked:
    return AlreadyBooked(
        _("You already have ticket %(code)s for this service on %(date)s. Cancel it first to book another time.")
        % {"code": ticket.code, "date": date_text(ticket.local_date)},
        ticket=ticket,
    )


def _is_one_booking_violation(exc: IntegrityError) -> bool:
    # PostgreSQL names the constraint; SQLite names its columns.
    text = str(exc)
    return ONE_BOOKING_CONSTRAINT in text or "queueing_ticket.citizen_id, queueing_ticket.service_id" in text


def _require_citizen(actor) -> None:
    if actor is None or not getattr(actor, "is_citizen", False) or not getattr(actor, "nik", None):
        raise NotAllowed(_("Only a citizen logged in with a NIK can book a queue ticket."))


def _online_slot(
    *, office: Office, service: Service, group: ServiceGroup, local_date: dt.date, session_start: dt.time
) -> tuple[Session, int]:
    """Validate a requested online slot; returns the session and its online limit."""
    _check_date(office, local_date)
    session = _find_session(office, local_date, session_start)
    if session.start <= clock.now():
        raise DomainError(
            _("The session at %(time)s has already started. Choose a later session or date.")
            % {"time": session_start.strftime("%H:%M")},
            code="started",
        )
    return session, session_limits(group, local_date, session_start).online


def _full_error(office: Office, service: Service, session: Session) -> NoPlaceLeft:
    local_date = session.start.astimezone(office_selectors.office_zone(office)).date()
    start_time = session_start_time(session.start, office)
    slot, hint = next_place_hint(office, service, after=session.start)
    return no_place_left(
        _("All online places in the session at %(time)s on %(date)s are taken.")
        % {"time": session_text(start_time, office), "date": date_text(local_date)}
        + " "
        + hint,
        slot,
        office,
    )


@transaction.atomic
def _book(*, actor, office, service, group, local_date, start_time) -> Ticket:
    session, limit = _online_slot(
        office=office, service=service, group=group, local_date=local_date, session_start=start_time
    )
    if not counting.take_place(group.pk, local_date, start_time, field="online_used", limit=limit):
        raise _full_error(office, service, session)
    ticket = new_ticket(
        office=office,
        group=group,
        service=service,
        session=session,
        local_date=local_date,
        citizen=actor,
        kind=TicketKind.ONLINE,
        status=TicketStatus.BOOKED,
        created_at=clock.now(),
    )
    record(
        actor=actor,
        action="queueing.ticket.book",
        obj=ticket,
        to_state=TicketStatus.BOOKED,
        office_id=office.pk,
        data={"service": service.code, "date": local_date.isoformat(), "session": start_time.strftime("%H:%M")},
    )
    events.emit(events.BOOKED, ticket)
    return ticket


def book_ticket(
    *, actor, office: Office, service: Service, local_date: dt.date, session_start: dt.time | dt.datetime
) -> Ticket:
    """Book an online place for citizen ``actor`` in the session of ``local_date`` (office-local)
    starting at ``session_start``. Raises ``DomainError`` (``AlreadyBooked``, ``NoPlaceLeft``, …)
    with an Indonesian message saying what to do instead."""
    _require_citizen(actor)
    group = _require_bookable(office, service)
    suspended = booking_suspended_until(actor, office, clock.now())
    if suspended is not None:
        raise DomainError(
            _(
                "Online booking at %(office)s is suspended until %(date)s because several of your bookings were "
                "missed. You can still take a walk-in ticket at the office."
            )
            % {"office": office.name, "date": date_text(suspended)},
            code="suspended",
        )
    start_time = session_start_time(session_start, office)
    existing = active_booking(actor, service, local_date)
    if existing is not None:
        raise _already_booked(existing)
    try:
        return _book(
            actor=actor, office=office, service=service, group=group, local_date=local_date, start_time=start_time
        )
    except IntegrityError as exc:
        if not _is_one_booking_violation(exc):
            raise
        existing = active_booking(actor, service, local_date)
        if existing is None:  # pragma: no cover - the racing booking was cancelled meanwhile
            raise DomainError(_("Your booking could not be saved. Please try again."), code="retry") from exc
        raise _already_booked(existing) from exc


def _require_owner(actor, ticket: Ticket) -> None:
    if actor is None or ticket.citizen_id is None or ticket.citizen_id != getattr(actor, "pk", None):
        raise NotAllowed(_("This is not your ticket."))


@transaction.atomic
def cancel_ticket(*, actor, ticket: Ticket, reason: str = "") -> Ticket:
    """Cancel a booked (not yet checked-in) online ticket of ``actor``; its place returns to the quota."""
    _require_owner(actor, ticket)
    # Read the row under lock: a reschedule may have moved it since ``ticket`` was loaded.
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.status != TicketStatus.BOOKED:
        raise DomainError(_("Only a booked ticket that has not been checked in can be cancelled."), code="not_booked")
    locked.status, locked.cancelled_at = TicketStatus.CANCELLED, clock.now()
    locked.save(update_fields=["status", "cancelled_at"])
    start = locked.session_start.astimezone(office_selectors.office_zone(locked.office)).time()
    counting.release_place(locked.group_id, locked.local_date, start, field="online_used")
    ticket = locked
    record(
        actor=actor,
        action="queueing.ticket.cancel",
        obj=ticket,
        from_state=TicketStatus.BOOKED,
        to_state=TicketStatus.CANCELLED,
        reason=reason,
        office_id=ticket.office_id,
    )
    events.emit(events.CANCELLED, ticket)
    return ticket


@transaction.atomic
def _reschedule(*, actor, ticket: Ticket, local_date: dt.date, start_time: dt.time) -> Ticket:
    office, service, group = ticket.office, ticket.service, ticket.group
    session, limit = _online_slot(
        office=office, service=service, group=group, local_date=local_date, session_start=start_time
    )
    # Lock order, shared with cancel_ticket (ticket, then counters) and booking (counters, then the
    # day counter): ticket row -> session counters by pk -> day counter. No cycle, so no deadlock.
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.status != TicketStatus.BOOKED:
        raise DomainError(_("Only a booked ticket that has not been checked in can be moved."), code="not_booked")
    old_start = locked.session_start.astimezone(office_selectors.office_zone(office)).time()
    if (locked.local_date, old_start) == (local_date, start_time):
        raise DomainError(_("Your ticket is already for that session. Choose another session or date."), code="same")
    counting.ensure_counters(group.pk, local_date, start_time)
    list(
        SessionCounter.objects.select_for_update()
        .filter(
            Q(group=group, local_date=local_date, session_start=start_time)
            | Q(group=group, local_date=locked.local_date, session_start=old_start)
        )
        .order_by("pk")
    )
    # Take the new place first; only then give back the old one.
    if not counting.take_place(group.pk, local_date, start_time, field="online_used", limit=limit):
        raise _full_error(office, service, session)
    counting.release_place(group.pk, locked.local_date, old_start, field="online_used")
    before = f"{locked.code} {locked.local_date} {old_start:%H:%M}"
    if local_date != locked.local_date:
        number = counting.next_number(group.pk, local_date)
        locked.number, locked.code = number, format_code(group.letter, number)
    locked.local_date, locked.session_start, locked.session_end = local_date, session.start, session.end
    locked.save(update_fields=["number", "code", "local_date", "session_start", "session_end"])
    record(
        actor=actor,
        action="queueing.ticket.reschedule",
        obj=locked,
        from_state=before,
        to_state=f"{locked.code} {local_date} {start_time:%H:%M}",
        office_id=office.pk,
    )
    events.emit(events.RESCHEDULED, locked)
    return locked


def reschedule_ticket(*, actor, ticket: Ticket, local_date: dt.date, session_start: dt.time | dt.datetime) -> Ticket:
    """Move ``actor``'s booked ticket to another session (same office and service). The ticket keeps
    its token (QR code); on another date it gets that day's next number. Atomic: if the new session
    is full the old booking stays as it was."""
    _require_owner(actor, ticket)
    start_time = session_start_time(session_start, ticket.office)
    if local_date != ticket.local_date:
        other = active_booking(actor, ticket.service, local_date)
        if other is not None:
            raise _already_booked(other)
    try:
        return _reschedule(actor=actor, ticket=ticket, local_date=local_date, start_time=start_time)
    except IntegrityError as exc:
        if not _is_one_booking_violation(exc):
            raise
        other = active_booking(actor, ticket.service, local_date)
        if other is None:  # pragma: no cover - the racing booking was cancelled meanwhile
            raise DomainError(_("Your booking could not be saved. Please try again."), code="retry") from exc
        raise _already_booked(other) from exc
