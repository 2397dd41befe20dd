"""Read-only questions about the queue: which group serves a service, places left, tickets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet

from loket.catalog.models import Service
from loket.catalog.selectors import is_service_offered_at, services_offered_at
from loket.core import clock, policy
from loket.offices import selectors as office_selectors
from loket.offices.models import Office
from loket.offices.selectors import Session
from loket.queueing.models import (
    Call,
    CounterShift,
    QueueSettings,
    Quota,
    ServiceGroup,
    SessionCounter,
    Ticket,
    TicketKind,
    TicketStatus,
)

DEFAULT_HORIZON_DAYS = 14


def booking_horizon_days() -> int:
    """How many local days ahead a citizen may book (setting ``QUEUE_BOOKING_HORIZON_DAYS``)."""
    return int(getattr(settings, "QUEUE_BOOKING_HORIZON_DAYS", DEFAULT_HORIZON_DAYS))


@dataclass(frozen=True)
class Limits:
    online: int
    walkin: int


@dataclass(frozen=True)
class SlotAvailability:
    """One session of one local date and how many online places are left in it."""

    local_date: dt.date
    session: Session
    online_limit: int
    online_remaining: int


@dataclass(frozen=True)
class Alternative:
    office: Office
    online_remaining: int
    same_kecamatan: bool


def group_for(office: Office, service: Service) -> ServiceGroup | None:
    """The service group of ``office`` that queues ``service`` (None: not bookable there)."""
    return ServiceGroup.objects.filter(office=office, services=service).order_by("letter").first()


def is_offered(office: Office, service: Service) -> bool:
    return is_service_offered_at(office, service)


def queue_services(office: Office) -> list[Service]:
    """Services of ``office`` that have a queue group there and are offered (what a walk-in ticket
    can be for), by name."""
    offered = {s.pk for s in services_offered_at(office)}
    queued = {
        s.pk: s
        for g in ServiceGroup.objects.filter(office=office).prefetch_related("services")
        for s in g.services.all()
        if s.is_active and s.pk in offered
    }
    return sorted(queued.values(), key=lambda s: s.name)


def limits_for(quotas: list[Quota], local_date: dt.date, session_start: dt.time) -> Limits:
    """The most specific quota row for a session (see ``Quota``); no row -> no places."""
    best = None
    for q in quotas:
        if q.date is not None and q.date != local_date:
            continue
        if q.weekday is not None and q.weekday != local_date.weekday():
            continue
        if q.session_start is not None and q.session_start != session_start:
            continue
        if best is None or q.specificity() > best.specificity():
            best = q
    if best is None:
        return Limits(online=0, walkin=0)
    return Limits(online=best.online_limit, walkin=best.walkin_limit)


def session_limits(group: ServiceGroup, local_date: dt.date, session_start: dt.time) -> Limits:
    return limits_for(list(group.quotas.all()), local_date, session_start)


def _slots(office: Office, group: ServiceGroup, from_date: dt.date, days: int) -> list[SlotAvailability]:
    if days <= 0:
        return []
    end = from_date + dt.timedelta(days=days - 1)
    quotas = list(group.quotas.all())
    used = {
        (c.local_date, c.session_start): c.online_used
        for c in SessionCounter.objects.filter(group=group, local_date__gte=from_date, local_date__lte=end)
    }
    out = []
    for day in office_selectors.week_schedule(office, from_date, days):
        for session in day.sessions:
            start = session.start.time()
            limit = limits_for(quotas, day.date, start).online
            remaining = max(limit - used.get((day.date, start), 0), 0)
            out.append(SlotAvailability(day.date, session, limit, remaining))
    return out


def availability(office: Office, service: Service, from_date: dt.date, days: int) -> list[SlotAvailability]:
    """Per local date and session from ``from_date``: online places left (empty if not bookable)."""
    group = group_for(office, service)
    if group is None or not is_offered(office, service):
        return []
    return _slots(office, group, from_date, days)


def earliest_available(office: Office, service: Service, from_instant: dt.datetime) -> SlotAvailability | None:
    """The first session starting after ``from_instant`` within the booking horizon with an online place."""
    group = group_for(office, service)
    if group is None or not is_offered(office, service):
        return None
    today = office_selectors.local_today(office, from_instant)
    for slot in _slots(office, group, today, booking_horizon_days() + 1):
        if slot.session.start > from_instant and slot.online_remaining > 0:
            return slot
    return None


# --- the hints of a refusal, cached -------------------------------------------------------------
#
# When booking opens, hundreds of citizens may ask for the same full session within seconds, and
# each refusal would compute the same hints: the next free place (a schedule of the booking
# horizon) and the other offices of the city with room (a schedule per office). They are kept for
# QUEUE_HINT_CACHE_SECONDS (5; 0: not cached) in Django's cache (per process unless CACHES is
# shared). A hint may be that old; it is advice, and booking the place it names is decided in the
# database as always.

_MISSING = object()


def _hint_seconds() -> float:
    return float(getattr(settings, "QUEUE_HINT_CACHE_SECONDS", 5))


def _cached(key: str, compute):
    seconds = _hint_seconds()
    if seconds <= 0:
        return compute()
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        found = compute()
        cache.set(key, found, seconds)
    return found


def next_place_after(office: Office, service: Service, session_start: dt.datetime) -> SlotAvailability | None:
    """The first session with an online place after the (future) session ``session_start``: the
    hint of a refusal for that session, cached."""
    key = f"queueing:next:{office.pk}:{service.pk}:{int(session_start.timestamp())}"
    return _cached(key, lambda: earliest_available(office, service, session_start))


def alternatives_hint(office: Office, service: Service, local_date: dt.date) -> list[Alternative]:
    """``alternatives`` for a refusal's answer, cached."""
    key = f"queueing:alternatives:{office.pk}:{service.pk}:{local_date.isoformat()}"
    return _cached(key, lambda: alternatives(office, service, local_date))


def _kecamatan_code(office: Office) -> str:
    return ".".join(office.region_id.split(".")[:3])


def _city_code(office: Office) -> str:
    return ".".join(office.region_id.split(".")[:2])


def alternatives(office: Office, service: Service, local_date: dt.date) -> list[Alternative]:
    """Other offices in the same kecamatan, then the same kabupaten/kota, that offer ``service`` and
    still have an online place on ``local_date`` in a session that has not started yet."""
    now = clock.now()
    candidates = (
        office_selectors.offices_in_region(_city_code(office))
        .exclude(pk=office.pk)
        .filter(kind__in=list(service.office_kinds))
    )
    found = []
    for other in candidates:
        group = group_for(other, service)
        if group is None or not is_offered(other, service):
            continue
        remaining = sum(s.online_remaining for s in _slots(other, group, local_date, 1) if s.session.start > now)
        if remaining > 0:
            same = _kecamatan_code(other) == _kecamatan_code(office)
            found.append(Alternative(office=other, online_remaining=remaining, same_kecamatan=same))
    found.sort(key=lambda a: (not a.same_kecamatan, a.office.name))
    return found


def offices_for(actor, permission) -> list[Office]:
    """The active offices where ``actor`` holds ``permission`` (e.g. the desks they may work), by name."""
    condition = policy.office_scope(actor, permission).office_q()
    if condition is None:
        return []
    return list(Office.objects.filter(condition, is_active=True).select_related("region").order_by("name"))


def tickets_for(actor) -> QuerySet[Ticket]:
    """Tickets ``actor`` may see: a citizen their own; an officer those of offices where they hold a
    role (every office for a system admin); nobody else any."""
    base = Ticket.objects.select_related("office", "service", "group")
    if actor is None or not getattr(actor, "is_authenticated", False):
        return base.none()
    if getattr(actor, "is_citizen", False):
        return base.filter(citizen=actor).order_by("-local_date", "-session_start", "-number")
    condition = policy.office_scope(actor, policy.SEE_TICKETS).office_q(prefix="office__")
    if condition is None:
        return base.none()
    return base.filter(condition).order_by("-local_date", "group", "number")


# --- Counters (see loket/queueing/counters.py for the calling order) ---

WAITING_STATUSES = ("checked_in", "waiting")


def open_shift(counter) -> CounterShift | None:
    """The open shift of ``counter`` (None: the counter is closed)."""
    return CounterShift.objects.filter(counter=counter, closed_at__isnull=True).select_related("counter").first()


def callable_tickets(shift: CounterShift, instant: dt.datetime) -> QuerySet[Ticket]:
    """Tickets ``shift``'s counter may call at ``instant``: today's (office-local) waiting tickets of
    its groups (checked-in bookings and walk-ins) whose session has started, not transferred to
    another counter. Each carries ``ready_at``, set at check-in (see ``services.check_in_ticket``).
    Unordered; ``counters.call_next`` applies the order."""
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


def called_at_counter(counter) -> Ticket | None:
    """The ticket currently called or being served at ``counter``."""
    return Ticket.objects.filter(counter=counter, status__in=("called", "serving")).order_by("-called_at").first()


def now_serving(office: Office) -> list[Ticket]:
    """Per counter of ``office`` the ticket it called last today (called or being served)."""
    today = office_selectors.local_today(office)
    return list(
        Ticket.objects.filter(office=office, local_date=today, status__in=("called", "serving"))
        .select_related("counter")
        .order_by("counter__number")
    )


# --- Office rules ---


def queue_settings(office: Office) -> QueueSettings:
    """The office's queue rules; the defaults (an unsaved row) when it has set none."""
    found = QueueSettings.objects.filter(office=office).first()
    return found if found is not None else QueueSettings(office=office)


def booking_suspended_until(citizen, office: Office, instant: dt.datetime) -> dt.date | None:
    """The office-local date until which ``citizen`` may not book online at ``office`` because of
    missed bookings (no-shows), or None. Rule (``QueueSettings``): ``noshow_limit`` no-shows within
    ``noshow_window_days`` suspend online booking for ``noshow_block_days`` after the last one."""
    rules = queue_settings(office)
    if not rules.noshow_limit:
        return None
    since = instant - dt.timedelta(days=rules.noshow_window_days)
    missed = list(
        Ticket.objects.filter(
            citizen=citizen, office=office, kind=TicketKind.ONLINE, status=TicketStatus.NO_SHOW, finished_at__gte=since
        )
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)[: rules.noshow_limit]
    )
    if len(missed) < rules.noshow_limit:
        return None
    until = office_selectors.local_today(office, missed[0]) + dt.timedelta(days=rules.noshow_block_days)
    return until if until > office_selectors.local_today(office, instant) else None


# --- Waiting line, estimates, live status ---

WAITING_OR_BOOKED = ("booked", "checked_in", "waiting")
HISTORY_SIZE = 30
HISTORY_MINIMUM = 5


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
    ``counters.call_next`` is left out, so a position is at most a call or two optimistic)."""
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
    for group in ServiceGroup.objects.filter(office=office).order_by("letter"):
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


# --- Choosing where to book ---


def bookable_services() -> list[Service]:
    """Active services a citizen can book a queue place for: some active office queues them."""
    return list(
        Service.objects.filter(is_active=True, allows_queue_booking=True, queue_groups__office__is_active=True)
        .distinct()
        .order_by("category", "name")
    )


@dataclass(frozen=True)
class OfficeChoice:
    office: Office
    earliest: SlotAvailability | None
    nearness: int  # 0: the citizen's kecamatan (by NIK), 1: their kabupaten/kota, 2: elsewhere


def _nik_region(citizen) -> tuple[str, str]:
    nik = getattr(citizen, "nik", "") or ""
    if len(nik) < 6:
        return "", ""
    return f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}", f"{nik[0:2]}.{nik[2:4]}"


def offices_with_queue_for(service: Service, *, citizen, instant: dt.datetime) -> list[OfficeChoice]:
    """Offices where ``service`` can be booked, each with its earliest free session; offices in the
    citizen's kecamatan first, then their kabupaten/kota (the region a NIK was issued in)."""
    kecamatan, city = _nik_region(citizen)
    offices = {
        g.office_id: g.office
        for g in ServiceGroup.objects.filter(services=service, office__is_active=True).select_related("office")
    }
    choices = []
    for office in offices.values():
        if not is_offered(office, service):
            continue
        code = office.region_id
        if kecamatan and (code == kecamatan or code.startswith(kecamatan + ".")):
            nearness = 0
        elif city and (code == city or code.startswith(city + ".")):
            nearness = 1
        else:
            nearness = 2
        choices.append(OfficeChoice(office, earliest_available(office, service, instant), nearness))
    choices.sort(key=lambda c: (c.nearness, c.office.name))
    return choices


@dataclass(frozen=True)
class DayStatistics:
    issued: int
    served: int
    no_shows: int
    cancelled: int
    avg_wait_minutes: float | None  # ready -> first call
    avg_service_minutes: float | None  # service start -> finish


def day_statistics(office: Office, local_date: dt.date) -> DayStatistics:
    """Today's figures for the desk: tickets issued, served, no-shows, cancelled, and the average
    waiting and service time of the tickets served (from the times recorded on every ticket)."""
    tickets = list(
        Ticket.objects.filter(office=office, local_date=local_date).values(
            "status", "ready_at", "called_at", "serving_at", "finished_at"
        )
    )
    done = [t for t in tickets if t["status"] == TicketStatus.DONE]

    def mean_minutes(pairs) -> float | None:
        spans = [(end - start).total_seconds() / 60 for start, end in pairs if start and end and end >= start]
        return round(sum(spans) / len(spans), 1) if spans else None

    return DayStatistics(
        issued=sum(1 for t in tickets if t["status"] != TicketStatus.CANCELLED),
        served=len(done),
        no_shows=sum(1 for t in tickets if t["status"] == TicketStatus.NO_SHOW),
        cancelled=sum(1 for t in tickets if t["status"] == TicketStatus.CANCELLED),
        avg_wait_minutes=mean_minutes((t["ready_at"], t["called_at"]) for t in done),
        avg_service_minutes=mean_minutes((t["serving_at"], t["finished_at"]) for t in done),
    )
