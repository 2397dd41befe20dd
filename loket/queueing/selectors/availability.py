"""Where and when a place can be booked: which group queues a service, the places left per
session, the earliest free place, the other offices with room, and whether a citizen may book."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from loket.catalog.models import Service
from loket.catalog.selectors import is_service_offered_at, services_offered_at
from loket.core import clock
from loket.offices import selectors as office_selectors
from loket.offices.models import Office
from loket.offices.selectors import Session
from loket.queueing.models import Quota, ServiceGroup, SessionCounter, Ticket, TicketKind, TicketStatus
from loket.queueing.selectors.config import queue_settings

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


def service_by_id(pk) -> Service | None:
    """Any service by its id, as a form posted it (the service that uses it says whether the office
    queues it, with a message naming the office)."""
    return Service.objects.filter(pk=pk).first()


def service_by_slug(slug: str) -> Service | None:
    """Any service by its slug, active or not (the API answers for what it is asked)."""
    return Service.objects.filter(slug=slug).first()


def bookable_service(slug: str) -> Service | None:
    """An active service by its slug that citizens may book a queue place for; None otherwise."""
    return Service.objects.filter(slug=slug, is_active=True, allows_queue_booking=True).first()


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


# --- Who may book ---


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
