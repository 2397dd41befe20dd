"""The queue's messages reach the outbox in the event's own transaction (loket.notifications)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.notifications.models import Notification
from loket.offices.factories import CounterFactory
from loket.queueing import services
from loket.queueing.models import QueueSettings
from loket.queueing.services import counters

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY, WEDNESDAY = dt.date(2026, 9, 8), dt.date(2026, 9, 9)


def wib(day, hh, mm=0):
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=WIB)


def texts(citizen):
    return {n.template: n.text for n in Notification.objects.filter(recipient=citizen)}


def test_booking_reminder_turn_near_and_call_are_written_for_the_citizen(queue, petugas, freeze):
    office, service, group = queue
    QueueSettings.objects.create(office=office, turn_near_ahead=1)
    citizen = CitizenFactory()
    freeze(wib(TUESDAY, 10))
    ticket = services.book_ticket(
        actor=citizen, office=office, service=service, local_date=WEDNESDAY, session_start=dt.time(8)
    )
    booked = texts(citizen)["booking_confirmed"]
    assert "A-001" in booked and office.name in booked and "08.00-12.00 WIB" in booked and citizen.nik not in booked
    services.send_due_reminders(now=wib(TUESDAY, 18))
    assert "besok" in texts(citizen)["booking_reminder"]
    freeze(wib(WEDNESDAY, 7, 55))
    walkin = services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    services.check_in_ticket(actor=petugas, office=office, code_or_token=ticket.token)
    counter = CounterFactory(office=office, number=2)
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    freeze(wib(WEDNESDAY, 8, 1))
    first = counters.call_next(actor=petugas, counter=counter)  # the booking (ready at 08:00) or the walk-in
    assert {first.pk} <= {ticket.pk, walkin.pk}
    if first.pk == walkin.pk:
        assert "turn_near" in texts(citizen)
        counters.finish(actor=petugas, ticket=first)
        counters.call_next(actor=petugas, counter=counter)
    called = texts(citizen)["called"]
    assert "A-001" in called and "Loket 2" in called
    counters.recall(actor=petugas, ticket=type(ticket).objects.get(pk=ticket.pk))
    assert (
        Notification.objects.filter(recipient=citizen, template="called").count() == 1
    )  # a recall sends no second SMS


def test_a_refused_booking_writes_nothing(queue, freeze):
    from loket.core.errors import DomainError

    office, service, _ = queue
    citizen = CitizenFactory()
    freeze(wib(TUESDAY, 10))
    with pytest.raises(DomainError):
        services.book_ticket(
            actor=citizen, office=office, service=service, local_date=TUESDAY, session_start=dt.time(8)
        )
    assert not Notification.objects.filter(recipient=citizen).exists()


def test_walkins_have_nobody_to_write_to(queue, freeze):
    office, service, _ = queue
    freeze(wib(WEDNESDAY, 8))
    services.issue_walkin_ticket(actor=OfficerFactory(petugas=True, office=office), office=office, service=service)
    assert not Notification.objects.exists()


def test_the_sms_is_indonesian_even_for_an_english_page(queue, freeze):
    from django.utils import translation

    office, service, _ = queue
    citizen = CitizenFactory()
    freeze(wib(TUESDAY, 10))
    with translation.override("en"):
        services.book_ticket(
            actor=citizen, office=office, service=service, local_date=WEDNESDAY, session_start=dt.time(8)
        )
    assert "Rabu, 9 September 2026" in texts(citizen)["booking_confirmed"]
