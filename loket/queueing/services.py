"""The verbs of the queue: book, cancel, reschedule, issue a walk-in ticket, check in, and the
housekeeping that runs on a timer (expire missed bookings, reminders).

Each service takes keyword-only arguments including ``actor``, runs in one transaction, checks
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
import re

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.catalog.models import Service
from loket.core import clock, policy
from loket.core.errors import DomainError, NotAllowed
from loket.offices import selectors as office_selectors
from loket.offices.models import Office
from loket.offices.selectors import Session
from loket.queueing import counting, events
from loket.queueing.errors import AlreadyBooked, NoPlaceLeft
from loket.queueing.models import (
    ACTIVE_STATUSES,
    LatePolicy,
    ServiceGroup,
    SessionCounter,
    Ticket,
    TicketKind,
    TicketStatus,
    format_code,
)
from loket.queueing.selectors import (
    SlotAvailability,
    booking_horizon_days,
    booking_suspended_until,
    earliest_available,
    group_for,
    is_offered,
    next_place_after,
    queue_settings,
    session_limits,
)

# The kiosk (a device account) issues walk-in tickets and checks bookings in by their QR code.
ONE_BOOKING_CONSTRAINT = "queue_one_active_booking_per_citizen_service_day"


def _date_text(day: dt.date) -> str:
    return formats.date_format(day, "j F Y")


def _session_text(session_start: dt.datetime | dt.time, office: Office) -> str:
    return _session_start_time(session_start, office).strftime("%H.%M")


def _next_place_hint(
    office: Office, service: Service, after: dt.datetime | None = None
) -> tuple[SlotAvailability | None, str]:
    """The next session with an online place after ``after`` (the full session's start; now if
    omitted), or failing that the earliest one from now: named with its date and time, because a
    full morning session often leaves the afternoon free."""
    slot = None
    if after is not None and after > clock.now():
        slot = next_place_after(office, service, after)
    slot = slot or earliest_available(office, service, clock.now())
    if slot is None:
        return None, _("There is no free place within the booking period.")
    return slot, _("The nearest free place is on %(date)s, in the session at %(time)s.") % {
        "date": _date_text(slot.local_date),
        "time": _session_text(slot.session.start, office),
    }


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
            "date": _date_text(local_date),
        }
        if why:
            message = f"{message} ({why})"
        raise DomainError(message, code="closed")
    for session in schedule.sessions:
        if session.start.time() == session_start:
            return session
    raise DomainError(
        _("%(office)s has no session starting at %(time)s on %(date)s. Choose one of the listed sessions.")
        % {"office": office.name, "time": session_start.strftime("%H:%M"), "date": _date_text(local_date)},
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
            % {"days": horizon, "date": _date_text(today + dt.timedelta(days=horizon))},
            code="beyond_horizon",
        )


def _active_booking(citizen, service: Service, local_date: dt.date) -> Ticket | None:
    return Ticket.objects.filter(
        citizen=citizen, service=service, local_date=local_date, kind=TicketKind.ONLINE, status__in=ACTIVE_STATUSES
    ).first()


def _already_booked(ticket: Ticket) -> AlreadyBooked:
    return AlreadyBooked(
        _("You already have ticket %(code)s for this service on %(date)s. Cancel it first to book another time.")
        % {"code": ticket.code, "date": _date_text(ticket.local_date)},
        ticket=ticket,
    )


def _is_one_booking_violation(exc: IntegrityError) -> bool:
    # PostgreSQL names the constraint; SQLite names its columns.
    text = str(exc)
    return ONE_BOOKING_CONSTRAINT in text or "queueing_ticket.citizen_id, queueing_ticket.service_id" in text


def _require_citizen(actor) -> None:
    if actor is None or not getattr(actor, "is_citizen", False) or not getattr(actor, "nik", None):
        raise NotAllowed(_("Only a citizen logged in with a NIK can book a queue ticket."))


def _session_start_time(session_start: dt.time | dt.datetime, office: Office) -> dt.time:
    if isinstance(session_start, dt.datetime):
        return session_start.astimezone(office_selectors.office_zone(office)).time()
    return session_start


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


def _no_place_left(message: str, slot: SlotAvailability | None, office: Office) -> NoPlaceLeft:
    if slot is None:
        return NoPlaceLeft(message, next_date=None)
    start = _session_start_time(slot.session.start, office)
    return NoPlaceLeft(message, next_date=slot.local_date, next_session_start=start)


def _full_error(office: Office, service: Service, session: Session) -> NoPlaceLeft:
    local_date = session.start.astimezone(office_selectors.office_zone(office)).date()
    start_time = _session_start_time(session.start, office)
    slot, hint = _next_place_hint(office, service, after=session.start)
    return _no_place_left(
        _("All online places in the session at %(time)s on %(date)s are taken.")
        % {"time": _session_text(start_time, office), "date": _date_text(local_date)}
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
    number = counting.next_number(group.pk, local_date)
    ticket = Ticket.objects.create(
        office=office,
        group=group,
        service=service,
        citizen=actor,
        local_date=local_date,
        session_start=session.start,
        session_end=session.end,
        number=number,
        code=format_code(group.letter, number),
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
            % {"office": office.name, "date": _date_text(suspended)},
            code="suspended",
        )
    start_time = _session_start_time(session_start, office)
    existing = _active_booking(actor, service, local_date)
    if existing is not None:
        raise _already_booked(existing)
    try:
        return _book(
            actor=actor, office=office, service=service, group=group, local_date=local_date, start_time=start_time
        )
    except IntegrityError as exc:
        if not _is_one_booking_violation(exc):
            raise
        existing = _active_booking(actor, service, local_date)
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
    start_time = _session_start_time(session_start, ticket.office)
    if local_date != ticket.local_date:
        other = _active_booking(actor, ticket.service, local_date)
        if other is not None:
            raise _already_booked(other)
    try:
        return _reschedule(actor=actor, ticket=ticket, local_date=local_date, start_time=start_time)
    except IntegrityError as exc:
        if not _is_one_booking_violation(exc):
            raise
        other = _active_booking(actor, ticket.service, local_date)
        if other is None:  # pragma: no cover - the racing booking was cancelled meanwhile
            raise DomainError(_("Your booking could not be saved. Please try again."), code="retry") from exc
        raise _already_booked(other) from exc


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
        slot, hint = _next_place_hint(office, service)
        raise _no_place_left(_("The office has no more sessions today.") + " " + hint, slot, office)
    local_date = session.start.date()
    start_time = session.start.time()
    limit = session_limits(group, local_date, start_time).walkin
    if not counting.take_place(group.pk, local_date, start_time, field="walkin_used", limit=limit):
        slot, hint = _next_place_hint(office, service)
        raise _no_place_left(
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


_CODE = re.compile(r"^([A-Z]{1,3})-?0*(\d{1,6})$")


def _find_ticket_for_check_in(office: Office, code_or_token: str, today: dt.date) -> Ticket | None:
    text = (code_or_token or "").strip()
    if "/" in text:  # a scanner reads the QR code's whole URL: …/antrean/t/<token>/
        text = next((part for part in reversed(text.split("?")[0].split("/")) if part), "")
    by_token = Ticket.objects.filter(office=office, token=text).first() if text else None
    if by_token is not None:
        return by_token
    match = _CODE.match(text.upper().replace(" ", ""))
    if not match:
        return None
    letter, number = match.group(1), int(match.group(2))
    return Ticket.objects.filter(
        office=office, local_date=today, group__letter=letter, number=number, kind=TicketKind.ONLINE
    ).first()


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


@transaction.atomic
def check_in_ticket(*, actor, office: Office, code_or_token: str, priority: bool = False) -> Ticket:
    """Check in a booked ticket at ``office`` by its QR token (or the URL the QR carries) or its typed
    code (``A-012``, ``a12``); ``priority`` marks a visitor of the kelompok rentan (elderly, disabled,
    pregnant), as seen by the petugas.

    Allowed on the ticket's local date until its session ends (petugas loket, office admin or the
    kiosk). Its place in the line follows the office's late rule (``_ready_time``).
    """
    if (
        actor is None
        or not getattr(actor, "is_officer", False)
        or not policy.allows(actor, policy.HAND_OUT_TICKETS, office)
    ):
        raise NotAllowed(_("Only a counter officer of this office can check tickets in."))
    now = clock.now()
    today = office_selectors.local_today(office, now)
    found = _find_ticket_for_check_in(office, code_or_token, today)
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
            % {"code": ticket.code, "date": _date_text(ticket.local_date)},
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


# --- Housekeeping (``manage.py queue_housekeeping``, run every few minutes) ---


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
    """Emit ``reminder_due`` once for every booking of the next office-local day (the day before).
    ``reminder_sent_at`` is set by a conditional update, so overlapping runs remind once."""
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
                events.emit(events.REMINDER_DUE, ticket)
                sent += 1
    return sent
