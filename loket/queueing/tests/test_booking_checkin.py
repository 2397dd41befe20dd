"""Checking a booked ticket in at the office: by QR token or typed code, on its day, before its session ends."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.audit.models import AuditEntry
from loket.core.errors import DomainError, NotAllowed
from loket.queueing import services
from loket.queueing.models import TicketStatus
from loket.queueing.tests.conftest import make_queue

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
WEDNESDAY = dt.date(2026, 9, 9)


def wib(day, hh, mm=0):
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=WIB)


@pytest.fixture
def booked(queue, freeze):
    office, service, _group = queue
    freeze(wib(dt.date(2026, 9, 8), 10))
    citizen = CitizenFactory()
    book = services.book_ticket
    first = book(actor=CitizenFactory(), office=office, service=service, local_date=WEDNESDAY, session_start=dt.time(8))
    ticket = book(actor=citizen, office=office, service=service, local_date=WEDNESDAY, session_start=dt.time(8))
    assert (first.code, ticket.code) == ("A-001", "A-002")
    freeze(wib(WEDNESDAY, 7, 45))
    return ticket


def test_check_in_by_qr_token(booked, petugas):
    ticket = services.check_in_ticket(actor=petugas, office=booked.office, code_or_token=booked.token)
    assert ticket.pk == booked.pk
    assert ticket.status == TicketStatus.CHECKED_IN
    assert ticket.checked_in_at == wib(WEDNESDAY, 7, 45)
    assert AuditEntry.objects.filter(action="queueing.ticket.check_in", actor=petugas).count() == 1


@pytest.mark.parametrize("typed", ["A-002", "a2", " A 002 ", "A-2"])
def test_check_in_by_typed_code(booked, petugas, typed):
    assert services.check_in_ticket(actor=petugas, office=booked.office, code_or_token=typed).pk == booked.pk


def test_unknown_code_says_what_to_check(booked, petugas):
    with pytest.raises(DomainError) as err:
        services.check_in_ticket(actor=petugas, office=booked.office, code_or_token="A-099")
    assert err.value.code == "not_found"
    assert "Periksa nomor" in str(err.value.message)


def test_token_of_another_office_is_not_found(booked):
    other_office = make_queue()[0]
    with pytest.raises(DomainError) as err:
        services.check_in_ticket(
            actor=OfficerFactory(petugas=True, office=other_office), office=other_office, code_or_token=booked.token
        )
    assert err.value.code == "not_found"


def test_a_ticket_for_another_day_is_refused(booked, petugas, freeze):
    freeze(wib(dt.date(2026, 9, 8), 11))
    with pytest.raises(DomainError) as err:
        services.check_in_ticket(actor=petugas, office=booked.office, code_or_token=booked.token)
    assert err.value.code == "other_day"
    assert "9 September 2026" in str(err.value.message)


def test_after_the_session_ends_check_in_is_refused(booked, petugas, freeze):
    freeze(wib(WEDNESDAY, 12, 0))
    with pytest.raises(DomainError) as err:
        services.check_in_ticket(actor=petugas, office=booked.office, code_or_token="A-002")
    assert err.value.code == "late"
    assert "sudah berakhir" in str(err.value.message)


def test_checking_in_twice_or_a_cancelled_ticket_is_refused(booked, petugas):
    services.check_in_ticket(actor=petugas, office=booked.office, code_or_token="A-002")
    with pytest.raises(DomainError) as err:
        services.check_in_ticket(actor=petugas, office=booked.office, code_or_token="A-002")
    assert err.value.code == "not_booked"
    assert "Sudah check-in" in str(err.value.message)
    with pytest.raises(DomainError):
        services.cancel_ticket(actor=booked.citizen, ticket=booked)


def test_only_officers_of_the_office_check_in(booked):
    with pytest.raises(NotAllowed):
        services.check_in_ticket(actor=booked.citizen, office=booked.office, code_or_token=booked.token)
    with pytest.raises(NotAllowed):
        services.check_in_ticket(actor=OfficerFactory(petugas=True), office=booked.office, code_or_token=booked.token)
