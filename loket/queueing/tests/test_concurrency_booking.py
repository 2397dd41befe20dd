"""Real races on PostgreSQL: many threads, each with its own connection, book the same office-day.

Skipped only on a local SQLite run (CI unset); under CI=true they must run on PostgreSQL and fail
otherwise (see conftest.py).
"""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.core.errors import DomainError
from loket.offices.selectors import local_today, sessions_on
from loket.queueing import services
from loket.queueing.errors import AlreadyBooked, NoPlaceLeft
from loket.queueing.models import SessionCounter, Ticket, TicketKind, TicketStatus
from loket.queueing.tests.conftest import IN_CI, make_queue

pytestmark = [
    pytest.mark.pg_concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("pg-concurrency"),
]

THREADS = 40
QUOTA = 10


@pytest.fixture(autouse=True)
def _postgres_in_ci():
    if IN_CI:
        assert connection.vendor == "postgresql", "concurrency tests must run on PostgreSQL in CI"


def race(n: int, work) -> list:
    """Run ``work(i)`` in ``n`` threads released together; each thread closes its connection."""
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait(timeout=30)
            return work(i)
        except DomainError as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def tomorrow_session(office):
    day = local_today(office) + dt.timedelta(days=1)
    return day, sessions_on(office, day)[0].start.time()


def test_forty_citizens_racing_for_ten_places_get_exactly_ten_numbers():
    office, service, group = make_queue(online=QUOTA, every_day=True)
    citizens = [CitizenFactory() for _ in range(THREADS)]
    day, start = tomorrow_session(office)

    def book(i):
        return services.book_ticket(
            actor=citizens[i], office=office, service=service, local_date=day, session_start=start
        )

    results = race(THREADS, book)
    granted = [r for r in results if isinstance(r, Ticket)]
    refused = [r for r in results if isinstance(r, NoPlaceLeft)]
    assert len(granted) == QUOTA
    assert len(refused) == THREADS - QUOTA
    tickets = Ticket.objects.filter(office=office, local_date=day)
    assert tickets.count() == QUOTA
    assert sorted(tickets.values_list("number", flat=True)) == list(range(1, QUOTA + 1))
    assert len(set(tickets.values_list("citizen", flat=True))) == QUOTA
    assert SessionCounter.objects.get(group=group, local_date=day, session_start=start).online_used == QUOTA


def test_double_submits_of_one_citizen_give_one_ticket():
    office, service, group = make_queue(online=QUOTA, every_day=True)
    citizen = CitizenFactory()
    day, start = tomorrow_session(office)
    second_start = sessions_on(office, day)[1].start.time()

    def book(i):
        return services.book_ticket(
            actor=citizen,
            office=office,
            service=service,
            local_date=day,
            session_start=start if i % 2 else second_start,
        )

    results = race(20, book)
    granted = [r for r in results if isinstance(r, Ticket)]
    assert len(granted) == 1
    others = [r for r in results if r is not granted[0]]
    assert all(isinstance(r, AlreadyBooked) for r in others), [
        type(r).__name__ + ":" + str(r)[:80] for r in others if not isinstance(r, AlreadyBooked)
    ]
    assert Ticket.objects.filter(citizen=citizen, status=TicketStatus.BOOKED).count() == 1
    used = sum(SessionCounter.objects.filter(group=group, local_date=day).values_list("online_used", flat=True))
    assert used == 1


def test_mixed_bookings_cancels_and_walkins_keep_numbers_unique():
    office, service, group = make_queue(online=QUOTA, walkin=QUOTA, every_day=True)
    petugas = OfficerFactory(petugas=True, office=office)
    citizens = [CitizenFactory() for _ in range(THREADS)]
    # Walk-ins go to today's current or next session; book the same local date so both share one series.
    today = local_today(office)
    day, start = tomorrow_session(office)

    def work(i):
        if i % 4 == 0:
            return services.issue_walkin_ticket(actor=petugas, office=office, service=service)
        ticket = services.book_ticket(
            actor=citizens[i], office=office, service=service, local_date=day, session_start=start
        )
        if i % 4 == 1:
            services.cancel_ticket(actor=citizens[i], ticket=ticket)
        return ticket

    race(THREADS, work)
    for local_date in {today, day}:
        numbers = list(Ticket.objects.filter(office=office, local_date=local_date).values_list("number", flat=True))
        assert len(numbers) == len(set(numbers))
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    booked = Ticket.objects.filter(local_date=day, kind=TicketKind.ONLINE, status=TicketStatus.BOOKED).count()
    counter = SessionCounter.objects.get(group=group, local_date=day, session_start=start)
    assert counter.online_used == booked <= QUOTA


def test_swapping_reschedules_and_cancels_race_without_deadlock_or_lost_places():
    office, service, group = make_queue(online=QUOTA, every_day=True)
    day, first = tomorrow_session(office)
    second = sessions_on(office, day)[1].start.time()
    citizens = [CitizenFactory() for _ in range(8)]
    tickets = [
        services.book_ticket(
            actor=c, office=office, service=service, local_date=day, session_start=first if i % 2 else second
        )
        for i, c in enumerate(citizens)
    ]

    def work(i):
        ticket = tickets[i % 8]
        if i >= 8:  # a cancel racing the same ticket's reschedule
            return services.cancel_ticket(actor=ticket.citizen, ticket=ticket)
        target = second if i % 2 else first
        return services.reschedule_ticket(actor=ticket.citizen, ticket=ticket, local_date=day, session_start=target)

    results = race(16, work)
    assert not [r for r in results if not isinstance(r, Ticket | DomainError)]
    for start in (first, second):
        booked = Ticket.objects.filter(local_date=day, status=TicketStatus.BOOKED, session_start__time=start).count()
        assert SessionCounter.objects.get(group=group, local_date=day, session_start=start).online_used == booked
    assert (
        Ticket.objects.filter(status=TicketStatus.CANCELLED).count()
        + Ticket.objects.filter(status=TicketStatus.BOOKED).count()
        == 8
    )
