"""Counters (loket): open, call next, recall, skip (no-show), transfer, start serving, finish, close.

Every service takes keyword-only arguments including ``actor`` (a petugas loket or office admin of
the counter's office), runs in one transaction, writes an audit row and emits its event
(``events.emit``, delivered on commit).

Which ticket ``call_next`` calls
--------------------------------
Candidates (``selectors.callable_tickets``): tickets of today (the office's local date) in one of
the groups the counter was opened for, status *checked in* (bookings) or *waiting* (walk-ins),
whose session has started, and not transferred to another counter. Each has a **ready time**
(``ready_at``, set at check-in): a booking that arrives before its session starts, or within the
office's grace (``QueueSettings.late_grace_minutes``), is ready at its session start and keeps its
number order; a later booking waits from its arrival (or is refused, if the office says so); a
walk-in is ready when issued (or at the start of the session it was issued for). One line, first
ready, first called.

Each call and recall is also written as a ``Call`` row: the display board shows and speaks those.

Order, first match wins:

1. **Transferred** tickets (to this counter, or to a service of its groups) — front of the queue,
   in the order they were transferred.
2. **Priority** (kelompok rentan: elderly, disabled, pregnant) — by ready time, then number;
   but fairly: after ``PRIORITY_STREAK`` (2) priority calls in a row at this counter, a waiting
   non-priority ticket is called next, then priority again.
3. **Everyone else** — by ready time, then ticket number, then id.

Times: ``called_at`` (last call), ``serving_at`` (service started; a ticket finished straight from
*called* starts at its call), ``finished_at`` (done or no-show), with ``checked_in_at`` these give
waiting, calling and service time of every ticket. ``counter`` is the counter that called it.

Concurrency: the calls of one office take turns on its office row (``FOR NO KEY UPDATE``, which
bookings' and walk-ins' ticket inserts do not wait for: they take only ``KEY SHARE`` on it). Without
the turn, a call that had just locked the next few waiting tickets to tell them "your turn is near"
made a second counter's ``SKIP LOCKED`` pass over them, and a later ticket was called before an
earlier one. Within its turn a call reads the chosen row with ``SELECT … FOR UPDATE SKIP LOCKED``
(PostgreSQL), passing over a ticket that a cancellation or a check-in is changing at that moment;
the status change is a conditional update (``WHERE status IN waiting``) checked again. On SQLite
the single writer gives the same guarantee.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.catalog.models import Service
from loket.core import clock, policy
from loket.core.errors import DomainError
from loket.offices import selectors as office_selectors
from loket.offices.models import Counter, Office
from loket.queueing import events
from loket.queueing.models import Call, CounterShift, ServiceGroup, Ticket, TicketStatus, format_code
from loket.queueing.selectors import (
    WAITING_STATUSES,
    callable_tickets,
    called_at_counter,
    group_for,
    is_offered,
    last_calls_priority,
    open_shift,
    queue_settings,
    waiting_line,
)
from loket.queueing.services import counting
from loket.queueing.services.checks import require_staff

PRIORITY_STREAK = 2


def _require_officer(actor, office) -> None:
    require_staff(
        actor, office, policy.CALL_TICKETS, _("Only a counter officer of this office can operate its counters.")
    )


def _require_shift(counter: Counter) -> CounterShift:
    shift = open_shift(counter)
    if shift is None:
        raise DomainError(_("%(counter)s is not open. Open the counter first.") % {"counter": counter}, code="closed")
    return shift


@transaction.atomic
def open_counter(*, actor, counter: Counter, groups: list[ServiceGroup]) -> CounterShift:
    """Open ``counter`` for ``groups`` (service groups of its office) with ``actor`` at it."""
    _require_officer(actor, counter.office)
    if not counter.is_active:
        raise DomainError(_("%(counter)s is not in use. Choose another counter.") % {"counter": counter})
    groups = list(groups)
    if not groups:
        raise DomainError(_("Choose at least one service for the counter."), code="no_groups")
    if any(g.office_id != counter.office_id for g in groups):
        raise DomainError(_("Choose services of this office only."), code="other_office")
    if open_shift(counter) is not None:
        raise DomainError(_("%(counter)s is already open.") % {"counter": counter}, code="already_open")
    try:
        with transaction.atomic():
            shift = CounterShift.objects.create(counter=counter, officer=actor, opened_at=clock.now())
    except IntegrityError as exc:  # another petugas opened it at the same instant
        raise DomainError(_("%(counter)s is already open.") % {"counter": counter}, code="already_open") from exc
    shift.groups.set(groups)
    record(
        actor=actor,
        action="queueing.counter.open",
        obj=shift,
        to_state="open",
        office_id=counter.office_id,
        data={"counter": counter.number, "groups": sorted(g.letter for g in groups)},
    )
    return shift


@transaction.atomic
def close_counter(*, actor, counter: Counter) -> CounterShift:
    """Close the open shift of ``counter``. A ticket still called or served there must be finished first."""
    _require_officer(actor, counter.office)
    shift = _require_shift(counter)
    current = called_at_counter(counter)
    if current is not None:
        raise DomainError(
            _("Ticket %(code)s is still at %(counter)s. Finish or skip it first.")
            % {"code": current.code, "counter": counter},
            code="busy",
        )
    shift.closed_at = clock.now()
    shift.save(update_fields=["closed_at"])
    record(
        actor=actor,
        action="queueing.counter.close",
        obj=shift,
        from_state="open",
        to_state="closed",
        office_id=counter.office_id,
    )
    return shift


def _ordered_attempts(shift: CounterShift, counter: Counter, now) -> list[QuerySet[Ticket]]:
    base = callable_tickets(shift, now)
    attempts = [base.filter(transferred_at__isnull=False).order_by("transferred_at", "id")]
    today = office_selectors.local_today(counter.office, now)
    last = last_calls_priority(counter, today, PRIORITY_STREAK)
    regular = base.filter(priority=False).order_by("ready_at", "number", "id")
    priority = base.filter(priority=True).order_by("ready_at", "number", "id")
    if len(last) == PRIORITY_STREAK and all(last):
        attempts += [regular, priority]
    else:
        attempts += [priority, regular]
    return attempts


@transaction.atomic
def call_next(*, actor, counter: Counter) -> Ticket | None:
    """Call the next ticket for ``counter`` (order: module docstring); None when nobody waits."""
    _require_officer(actor, counter.office)
    shift = _require_shift(counter)
    current = called_at_counter(counter)
    if current is not None:
        raise DomainError(
            _("Ticket %(code)s is still at this counter. Finish, skip or transfer it before calling the next one.")
            % {"code": current.code},
            code="busy",
        )
    _take_turn_to_call(counter)
    now = clock.now()
    for attempt in _ordered_attempts(shift, counter, now):
        while True:
            ticket = attempt.select_for_update(skip_locked=True, of=("self",)).first()
            if ticket is None:
                break
            taken = Ticket.objects.filter(pk=ticket.pk, status__in=WAITING_STATUSES).update(
                status=TicketStatus.CALLED, called_at=now, counter=counter, assigned_counter=None, transferred_at=None
            )
            if taken:
                ticket.refresh_from_db()
                Call.objects.create(office=counter.office, ticket=ticket, counter=counter, code=ticket.code, at=now)
                record(
                    actor=actor,
                    action="queueing.ticket.call",
                    obj=ticket,
                    to_state=TicketStatus.CALLED,
                    office_id=counter.office_id,
                    data={"counter": counter.number},
                )
                events.emit(events.CALLED, ticket)
                _announce_turn_near(ticket, now)
                return ticket
    return None


def _take_turn_to_call(counter: Counter) -> None:
    """Wait until no other counter of the office is in the middle of a call (module docstring)."""
    Office.objects.select_for_update(no_key=True).filter(pk=counter.office_id).values_list("pk").first()


def _announce_turn_near(called: Ticket, now) -> None:
    """After a call, tell the waiting tickets of the same group that are now at most
    ``turn_near_ahead`` places from the counter — each ticket once (conditional update), with an
    audit row each."""
    ahead = queue_settings(called.office).turn_near_ahead
    near = [t.pk for t in waiting_line(called.office, called.group, now)[:ahead] if t.near_notified_at is None]
    # SKIP LOCKED: a ticket another counter is calling right now is left alone (never waited for,
    # so two counters cannot deadlock); if it is still waiting, the next call announces it.
    free = Ticket.objects.select_for_update(skip_locked=True).filter(pk__in=near, near_notified_at__isnull=True)
    for ticket in free:
        ticket.near_notified_at = now
        ticket.save(update_fields=["near_notified_at"])
        # The system tells the citizen (actor None): the petugas only called the ticket before.
        record(
            actor=None,
            action="queueing.ticket.turn_near",
            obj=ticket,
            office_id=ticket.office_id,
            data={"after_call": called.code},
        )
        events.emit(events.TURN_NEAR, ticket)


def _locked(ticket: Ticket, allowed: tuple[str, ...], message: str) -> Ticket:
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.status not in allowed:
        raise DomainError(message % {"code": locked.code, "status": locked.get_status_display()}, code="bad_status")
    return locked


@transaction.atomic
def recall(*, actor, ticket: Ticket) -> Ticket:
    """Announce a called ticket again; it stays called at the same counter."""
    _require_officer(actor, ticket.office)
    locked = _locked(ticket, (TicketStatus.CALLED,), _("Ticket %(code)s is not being called (status: %(status)s)."))
    locked.recall_count += 1
    locked.save(update_fields=["recall_count"])
    Call.objects.create(
        office=locked.office, ticket=locked, counter=locked.counter, code=locked.code, at=clock.now(), is_recall=True
    )
    record(
        actor=actor,
        action="queueing.ticket.recall",
        obj=locked,
        to_state=TicketStatus.CALLED,
        office_id=locked.office_id,
        data={"recall": locked.recall_count},
    )
    events.emit(events.CALLED, locked)
    return locked


def _answer_call(*, actor, ticket: Ticket, status: str, stamp: str, action: str, event: str) -> Ticket:
    """Move a called ticket on to ``status`` (the visitor came, or did not), noting the time in
    the field ``stamp``."""
    _require_officer(actor, ticket.office)
    locked = _locked(ticket, (TicketStatus.CALLED,), _("Ticket %(code)s is not being called (status: %(status)s)."))
    locked.status = status
    setattr(locked, stamp, clock.now())
    locked.save(update_fields=["status", stamp])
    record(
        actor=actor,
        action=action,
        obj=locked,
        from_state=TicketStatus.CALLED,
        to_state=status,
        office_id=locked.office_id,
    )
    events.emit(event, locked)
    return locked


@transaction.atomic
def start_serving(*, actor, ticket: Ticket) -> Ticket:
    """The visitor has come to the counter: service starts now."""
    return _answer_call(
        actor=actor,
        ticket=ticket,
        status=TicketStatus.SERVING,
        stamp="serving_at",
        action="queueing.ticket.serve",
        event=events.SERVING,
    )


@transaction.atomic
def skip(*, actor, ticket: Ticket) -> Ticket:
    """The called visitor did not come: the ticket becomes a no-show."""
    return _answer_call(
        actor=actor,
        ticket=ticket,
        status=TicketStatus.NO_SHOW,
        stamp="finished_at",
        action="queueing.ticket.no_show",
        event=events.NO_SHOW,
    )


no_show = skip


@transaction.atomic
def finish(*, actor, ticket: Ticket) -> Ticket:
    """Service done. Finished straight from *called*, the service counts from the call."""
    _require_officer(actor, ticket.office)
    locked = _locked(
        ticket,
        (TicketStatus.CALLED, TicketStatus.SERVING),
        _("Ticket %(code)s is not at a counter (status: %(status)s)."),
    )
    before = locked.status
    locked.status, locked.finished_at = TicketStatus.DONE, clock.now()
    locked.serving_at = locked.serving_at or locked.called_at
    locked.save(update_fields=["status", "finished_at", "serving_at"])
    record(
        actor=actor,
        action="queueing.ticket.finish",
        obj=locked,
        from_state=before,
        to_state=TicketStatus.DONE,
        office_id=locked.office_id,
    )
    events.emit(events.FINISHED, locked)
    return locked


@transaction.atomic
def transfer(*, actor, ticket: Ticket, to_counter: Counter | None = None, to_service: Service | None = None) -> Ticket:
    """Send a called or served ticket to another counter and/or service of the same office; it waits
    again at the front of that queue. A service of another group gives the ticket that group's next
    number (the visitor is called by the new number)."""
    _require_officer(actor, ticket.office)
    if to_counter is None and to_service is None:
        raise DomainError(_("Choose the counter or the service to transfer the ticket to."), code="no_target")
    locked = _locked(
        ticket,
        (TicketStatus.CALLED, TicketStatus.SERVING),
        _("Ticket %(code)s is not at a counter (status: %(status)s)."),
    )
    office = locked.office
    before = f"{locked.code} {locked.service.code} {locked.counter or ''}".strip()
    if to_counter is not None:
        if to_counter.office_id != office.pk or not to_counter.is_active:
            raise DomainError(_("Choose an active counter of this office."), code="other_office")
        if to_counter.pk == locked.counter_id and to_service is None:
            raise DomainError(_("The ticket is already at this counter. Choose another counter."), code="same")
    fields = ["status", "assigned_counter", "transferred_at", "counter"]
    if to_service is not None:
        group = group_for(office, to_service) if is_offered(office, to_service) else None
        if group is None:
            raise DomainError(
                _("%(office)s has no queue for %(service)s. Choose another service.")
                % {"office": office.name, "service": to_service.name},
                code="not_offered",
            )
        if group.pk != locked.group_id:
            number = counting.next_number(group.pk, locked.local_date)
            locked.group, locked.number, locked.code = group, number, format_code(group.letter, number)
            fields += ["group", "number", "code"]
        locked.service = to_service
        fields.append("service")
    locked.status = TicketStatus.WAITING
    locked.assigned_counter = to_counter
    locked.transferred_at = clock.now()
    locked.counter = None
    locked.save(update_fields=fields)
    record(
        actor=actor,
        action="queueing.ticket.transfer",
        obj=locked,
        from_state=before,
        to_state=f"{locked.code} {locked.service.code} {to_counter or ''}".strip(),
        office_id=office.pk,
    )
    events.emit(events.TRANSFERRED, locked)
    return locked
