"""Read-only questions about the queue: which group serves a service, places left, tickets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.functions import Greatest

from loket.catalog.models import Service
from loket.catalog.selectors import services_offered_at
from loket.core import clock
from loket.offices import selectors as office_selectors
from loket.offices.models import Office
from loket.offices.selectors import Session
from loket.queueing.models import CounterShift, Quota, ServiceGroup, SessionCounter, Ticket

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
    return service.is_active and any(s.pk == service.pk for s in services_offered_at(office))


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


def tickets_for(actor) -> QuerySet[Ticket]:
    """Tickets ``actor`` may see: a citizen their own; an officer those of offices where they hold a
    role (every office for a system admin); nobody else any."""
    base = Ticket.objects.select_related("office", "service", "group")
    if actor is None or not getattr(actor, "is_authenticated", False):
        return base.none()
    if getattr(actor, "is_citizen", False):
        return base.filter(citizen=actor).order_by("-local_date", "-session_start", "-number")
    roles = actor.active_roles() if hasattr(actor, "active_roles") else []
    if any(r.role == "system_admin" for r in roles):
        return base.order_by("-local_date", "group", "number")
    office_ids = [r.office_id for r in roles if r.office_id]
    return base.filter(office_id__in=office_ids).order_by("-local_date", "group", "number")


# --- Counters (see loket/queueing/counters.py for the calling order) ---

WAITING_STATUSES = ("checked_in", "waiting")


def open_shift(counter) -> CounterShift | None:
    """The open shift of ``counter`` (None: the counter is closed)."""
    return CounterShift.objects.filter(counter=counter, closed_at__isnull=True).select_related("counter").first()


def callable_tickets(shift: CounterShift, instant: dt.datetime) -> QuerySet[Ticket]:
    """Tickets ``shift``'s counter may call at ``instant``: today's (office-local) waiting tickets of
    its groups (checked-in bookings and walk-ins) whose session has started, not transferred to
    another counter. Annotated with ``ready_at``: the later of session start and check-in (a walk-in
    is checked in when issued). Unordered; ``counters.call_next`` applies the order."""
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
        .annotate(ready_at=Greatest("session_start", "checked_in_at"))
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
