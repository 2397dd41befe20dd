"""Real races on PostgreSQL: counters calling at the same instant never get the same ticket.

Marked like test_concurrency_booking.py: skipped only on a local SQLite run (CI unset).
"""

import datetime as dt
import threading
from collections import Counter as Tally
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from loket.accounts.factories import OfficerFactory
from loket.offices.factories import CounterFactory
from loket.queueing import services
from loket.queueing.models import Ticket, TicketStatus
from loket.queueing.services import counters
from loket.queueing.tests.conftest import IN_CI, make_queue

pytestmark = [
    pytest.mark.pg_concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("pg-concurrency"),
]

WIB = ZoneInfo("Asia/Jakarta")
WEDNESDAY = dt.date(2026, 9, 9)
COUNTERS = 4
TICKETS = 20


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
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


@pytest.fixture
def hall(freeze):
    """An office at 08:05 WIB with TICKETS walk-ins waiting and COUNTERS open counters."""
    office, service, group = make_queue(walkin=TICKETS + 10)
    issuer = OfficerFactory(petugas=True, office=office)
    freeze(dt.datetime.combine(WEDNESDAY, dt.time(8, 1), tzinfo=WIB))
    tickets = [services.issue_walkin_ticket(actor=issuer, office=office, service=service) for _ in range(TICKETS)]
    desks = []
    for number in range(1, COUNTERS + 1):
        petugas = OfficerFactory(petugas=True, office=office)
        counter = CounterFactory(office=office, number=number)
        counters.open_counter(actor=petugas, counter=counter, groups=[group])
        desks.append((petugas, counter))
    freeze(dt.datetime.combine(WEDNESDAY, dt.time(8, 5), tzinfo=WIB))
    return tickets, desks


def test_counters_calling_at_once_get_different_tickets(hall):
    tickets, desks = hall

    def call_once(i):
        petugas, counter = desks[i]
        return counters.call_next(actor=petugas, counter=counter).pk

    called = race(COUNTERS, call_once)
    assert len(set(called)) == COUNTERS
    # the first COUNTERS in line were called, each by one counter
    assert sorted(called) == sorted(t.pk for t in tickets[:COUNTERS])
    rows = Ticket.objects.filter(pk__in=called)
    assert sorted(rows.values_list("counter__number", flat=True)) == list(range(1, COUNTERS + 1))


def test_every_ticket_called_exactly_once_when_counters_drain_the_queue(hall):
    tickets, desks = hall

    def drain(i):
        petugas, counter = desks[i]
        mine = []
        while (ticket := counters.call_next(actor=petugas, counter=counter)) is not None:
            mine.append(ticket.pk)
            counters.finish(actor=petugas, ticket=ticket)
        return mine

    per_counter = race(COUNTERS, drain)
    tally = Tally(pk for mine in per_counter for pk in mine)
    assert sorted(tally) == sorted(t.pk for t in tickets)
    assert set(tally.values()) == {1}
    assert Ticket.objects.filter(pk__in=tally, status=TicketStatus.DONE).count() == TICKETS
    assert Ticket.objects.filter(pk__in=tally, status__in=[TicketStatus.WAITING, TicketStatus.CALLED]).count() == 0
