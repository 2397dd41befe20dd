"""The selectors the pages ask for one row: each finds only what the asker's office or account owns."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.offices.factories import CounterFactory
from loket.queueing import selectors, services
from loket.queueing.factories import QuotaFactory
from loket.queueing.tests.conftest import make_queue

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = dt.date(2026, 9, 8)
WEDNESDAY = dt.date(2026, 9, 9)


@pytest.fixture(autouse=True)
def _tuesday_morning(freeze):
    freeze(dt.datetime(2026, 9, 8, 10, tzinfo=WIB))


def test_own_ticket_is_only_the_citizens_own(queue, citizen):
    office, service, _ = queue
    ticket = services.book_ticket(
        actor=citizen, office=office, service=service, local_date=WEDNESDAY, session_start=dt.time(8)
    )
    assert selectors.own_ticket(citizen, ticket.token) == ticket
    assert selectors.own_ticket(CitizenFactory(), ticket.token) is None
    # Staff of the office may see the ticket, but it is not theirs.
    officer = OfficerFactory(petugas=True, office=office)
    assert selectors.tickets_for(officer).filter(pk=ticket.pk).exists()
    assert selectors.own_ticket(officer, ticket.token) is None
    assert list(selectors.own_tickets(officer)) == []


def test_office_ticket_is_only_the_offices_own(queue, petugas):
    office, service, _ = queue
    ticket = services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    other_office = make_queue()[0]
    assert selectors.office_ticket(office, ticket.token) == ticket
    assert selectors.office_ticket(other_office, ticket.token) is None
    assert selectors.office_ticket(office, None) is None
    assert selectors.office_ticket(office, "") is None


def test_an_offices_groups_and_quota_rows_are_found_only_there(queue):
    office, _, group = queue
    other_office, _, other_group = make_queue()
    quota = QuotaFactory(group=group, weekday=0, online_limit=5, walkin_limit=5)
    assert selectors.office_group(office, group.pk) == group
    assert selectors.office_group(office, other_group.pk) is None
    assert selectors.office_groups(office, [str(group.pk), str(other_group.pk)]) == [group]
    assert selectors.office_quota(office, quota.pk) == quota
    assert selectors.office_quota(other_office, quota.pk) is None


def test_counters_of_an_office(queue):
    office, _, _ = queue
    in_use = CounterFactory(office=office, number=1)
    CounterFactory(office=office, number=2, is_active=False)
    other = CounterFactory(office=make_queue()[0], number=1)
    assert selectors.active_counters(office) == [in_use]
    assert selectors.active_counter(office, 1) == in_use
    assert selectors.active_counter(office, 2) is None
    assert selectors.office_counter(office, other.pk) is None
    assert selectors.counter_states(office) == [(in_use, None, None)]
