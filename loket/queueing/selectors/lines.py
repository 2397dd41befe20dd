"""The queue in the office today: counters and their shifts, the waiting line in calling order,
where a ticket stands, the live status per group, the display board's calls and the day's figures.
(The calling order itself is documented in ``services/counters.py``.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from loket.offices import selectors as office_selectors
from loket.offices.models import Counter, Office
from loket.queueing.models import Call, CounterShift, ServiceGroup, Ticket, TicketStatus
from loket.queueing.selectors.config import service_groups

WAITING_STATUSES = ("checked_in", "waiting")
WAITING_OR_BOOKED = ("booked", "checked_in", "waiting")
HISTORY_SIZE = 30
HISTORY_MINIMUM = 5


# --- Counters ---


def active_counters(office: Office) -> list[Counter]:
    """The counters of ``office`` in use, by number."""
    return [c for c in office.counters.all() if c.is_active]


def active_counter(office: Office, number: int) -> Counter | None:
    """The counter in use with ``number`` at ``office``, with its office."""
    return Counter.objects.filter(office=office, number=number, is_active=True).select_related("office").first()


def office_counter(office: Office, pk) -> Counter | None:
    """A counter of ``office`` by its id, as a form posted it (in use or not: the service says)."""
    return Counter.objects.filter(office=office, pk=pk).first()


def open_shift(counter) -> CounterShift | None:
    """The open shift of ``counter`` (None: the counter is closed)."""
    return CounterShift.objects.filter(counter=counter, closed_at__isnull=True).select_related("counter").first()


def shift_groups(shift: CounterShift | None) -> list[ServiceGroup]:
    """The service groups ``shift``'s counter was opened for (none while it is closed)."""
    return list(shift.groups.all()) if shift else []


def called_at_counter(counter) -> Ticket | None:
    """The ticket currently called or being served at ``counter``."""
    return Ticket.objects.filter(counter=counter, status__in=("called", "serving")).order_by("-called_at").first()


def counter_states(office: Office) -> list[tuple[Counter, CounterShift | None, Ticket | None]]:
    """Each counter of ``office`` in use, with its open shift and the ticket at it (the desk's list)."""
    return [(c, open_shift(c), called_at_counter(c)) for c in active_counters(office)]


def callable_tickets(shift: CounterShift, instant: dt.datetime) -> QuerySet[Ticket]:
    """Tickets ``shift``'s counter may call at ``instant``: today's (office-local) waiting tickets of
    its groups (checked-in bookings and walk-ins) whose session has started, not transferred to
    another counter. Each carries ``ready_at``, set at check-in (see ``services.check_in_ticket``).
    Unordered; ``services.call_next`` applies the order."""
    office = shift.counter.office
    today = office_selectors.local_today(office, instant)
    return (
        Ticket.objects.filter(
            office=office,
            local_date=today,
            status__in=WAITING_STATUSES,
            group__in=shift.groups.all(),
        )
        .filter(session_start__lte=instant)
        .filter(Q(assigned_counter__isnull=True) | Q(assigned_counter=shift.counter))
    )


def last_calls_priority(counter: Counter, local_date: dt.date, count: int) -> list[bool]:
    """Whether each of the last ``count`` tickets ``counter`` called on ``local_date`` was a priority
    ticket, newest first (the fairness rule of ``services.call_next``)."""
    return list(
        Ticket.objects.filter(counter=counter, local_date=local_date, called_at__isnull=False)
        .order_by("-called_at", "-id")
        .values_list("priority", flat=True)[:count]
    )


def now_serving(office: Office) -> list[Ticket]:
    """Per counter of ``office`` the ticket it called last today (called or being served)."""
    today = office_selectors.local_today(office)
    return list(
        Ticket.objects.filter(office=office, local_date=today, status__in=("called", "serving"))
        .select_related("counter")
        .order_by("counter__number")
    )


# --- Waiting line, estimates, live status ---


def service_minutes(group: ServiceGroup) -> float:
    """Minutes a visitor of ``group`` spends at the counter: the mean of the last ``HISTORY_SIZE``
    finished visits once ``HISTORY_MINIMUM`` exist, else the group's configured value."""
    rows = list(
        Ticket.objects.filter(group=group, status=TicketStatus.DONE, serving_at__isnull=False)
        .order_by("-finished_at")
        .values_list("serving_at", "finished_at")[:HISTORY_SIZE]
    )
    if len(rows) < HISTORY_MINIMUM:
        return float(group.avg_service_minutes)
    total = sum((end - start).total_seconds() for start, end in rows)
    return max(total / len(rows) / 60, 0.5)


def open_counters_for(group: ServiceGroup) -> int:
    return CounterShift.objects.filter(closed_at__isnull=True, groups=group).count()


def waiting_line(office: Office, group: ServiceGroup, instant: dt.datetime) -> list[Ticket]:
    """Today's checked-in and walk-in tickets of ``group`` in the order counters call them
    (transferred first, then priority, then by ready time and number; the priority streak rule of
    ``services.call_next`` is left out, so a position is at most a call or two optimistic)."""
    today = office_selectors.local_today(office, instant)
    tickets = list(Ticket.objects.filter(office=office, group=group, local_date=today, status__in=WAITING_STATUSES))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    tickets.sort(
        key=lambda t: (
            t.transferred_at is None,
            t.transferred_at or far,
            not t.priority,
            t.ready_at or t.session_start,
            t.number,
            t.pk,
        )
    )
    return tickets


def waiting_lines(office: Office, instant: dt.datetime, *, limit: int) -> list[tuple[ServiceGroup, list[Ticket]]]:
    """Each service group of ``office`` (by letter) with the first ``limit`` tickets of its line."""
    return [(g, waiting_line(office, g, instant)[:limit]) for g in service_groups(office)]


def waiting_count(office: Office, groups: list[ServiceGroup], instant: dt.datetime) -> int:
    """How many tickets wait today in ``groups`` (what a counter opened for them may call)."""
    return sum(len(waiting_line(office, g, instant)) for g in groups)


@dataclass(frozen=True)
class Estimate:
    """Where a ticket stands: tickets before it and the estimated time it is called (aware)."""

    ahead: int
    expected_at: dt.datetime | None


def _spread(ahead: int, minutes: float, counters: int) -> dt.timedelta:
    return dt.timedelta(minutes=ahead * minutes / max(counters, 1))


def estimate(ticket: Ticket, instant: dt.datetime) -> Estimate:
    """Estimated time ``ticket`` is called at ``instant``.

    - waiting (checked in or walk-in): its place in ``waiting_line`` times the minutes per visitor,
      shared by the counters open for the group (at least one), from now or its session start;
    - booked, not yet here: the active tickets of its group numbered before it in the same session,
      from its session start;
    - called, served, done or cancelled: no estimate (``expected_at`` None)."""
    group = ticket.group
    minutes = service_minutes(group)
    counters = open_counters_for(group)
    if ticket.status in WAITING_STATUSES:
        line = waiting_line(ticket.office, group, instant)
        ahead = next((i for i, t in enumerate(line) if t.pk == ticket.pk), len(line))
        start = max(instant, ticket.session_start)
        return Estimate(ahead, start + _spread(ahead, minutes, counters))
    if ticket.status == TicketStatus.BOOKED:
        ahead = Ticket.objects.filter(
            group=group,
            local_date=ticket.local_date,
            status__in=WAITING_OR_BOOKED,
            session_start=ticket.session_start,
            number__lt=ticket.number,
        ).count()
        start = max(instant, ticket.session_start)
        return Estimate(ahead, start + _spread(ahead, minutes, counters or 1))
    return Estimate(0, None)


@dataclass(frozen=True)
class GroupStatus:
    group: ServiceGroup
    waiting: int
    booked_not_arrived: int
    open_counters: int
    wait_minutes: int
    now_serving: list[str]


def office_queue_status(office: Office, instant: dt.datetime) -> list[GroupStatus]:
    """Per service group of ``office`` today: people waiting, bookings not here yet, open counters,
    the estimated wait for someone joining now, and the numbers at the counters."""
    today = office_selectors.local_today(office, instant)
    out = []
    for group in service_groups(office):
        tickets = Ticket.objects.filter(office=office, group=group, local_date=today)
        waiting = tickets.filter(status__in=WAITING_STATUSES).count()
        booked = tickets.filter(status=TicketStatus.BOOKED).count()
        serving = list(
            tickets.filter(status__in=("called", "serving")).order_by("counter__number").values_list("code", flat=True)
        )
        counters = open_counters_for(group)
        wait = _spread(waiting, service_minutes(group), counters).total_seconds() / 60
        out.append(GroupStatus(group, waiting, booked, counters, round(wait), serving))
    return out


def recent_calls(office: Office, *, after: int = 0, limit: int = 10) -> list[Call]:
    """The latest calls at ``office`` today (newest first), only those with id > ``after`` if given."""
    today = office_selectors.local_today(office)
    zone = office_selectors.office_zone(office)
    start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    calls = Call.objects.filter(office=office, at__gte=start, id__gt=after).select_related("counter")
    return list(calls.order_by("-id")[:limit])


# --- The day's figures ---


@dataclass(frozen=True)
class DayStatistics:
    issued: int
    served: int
    no_shows: int
    cancelled: int
    avg_wait_minutes: float | None  # ready -> first call
    avg_service_minutes: float | None  # service start -> finish


def _mean_minutes(pairs) -> float | None:
    spans = [(end - start).total_seconds() / 60 for start, end in pairs if start and end and end >= start]
    return round(sum(spans) / len(spans), 1) if spans else None


def day_statistics(office: Office, local_date: dt.date) -> DayStatistics:
    """Today's figures for the desk: tickets issued, served, no-shows, cancelled, and the average
    waiting and service time of the tickets served (from the times recorded on every ticket)."""
    tickets = list(
        Ticket.objects.filter(office=office, local_date=local_date).values(
            "status", "ready_at", "called_at", "serving_at", "finished_at"
        )
    )
    done = [t for t in tickets if t["status"] == TicketStatus.DONE]
    return DayStatistics(
        issued=sum(1 for t in tickets if t["status"] != TicketStatus.CANCELLED),
        served=len(done),
        no_shows=sum(1 for t in tickets if t["status"] == TicketStatus.NO_SHOW),
        cancelled=sum(1 for t in tickets if t["status"] == TicketStatus.CANCELLED),
        avg_wait_minutes=_mean_minutes((t["ready_at"], t["called_at"]) for t in done),
        avg_service_minutes=_mean_minutes((t["serving_at"], t["finished_at"]) for t in done),
    )
