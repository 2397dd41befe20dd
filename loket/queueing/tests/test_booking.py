"""Booking rules: the office's local day, closures, sessions, horizon, quotas, one booking per citizen."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.audit.models import AuditEntry
from loket.catalog.factories import OfficeServiceFactory, ServiceFactory
from loket.core.errors import DomainError, NotAllowed
from loket.offices.factories import HolidayFactory, OfficeFactory, ScheduleExceptionFactory
from loket.offices.models import Day
from loket.queueing import events, selectors, services
from loket.queueing.errors import AlreadyBooked, NoPlaceLeft
from loket.queueing.factories import QuotaFactory, ServiceGroupFactory
from loket.queueing.models import DayCounter, SessionCounter, Ticket, TicketKind, TicketStatus
from loket.queueing.tests.conftest import make_queue

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
WIT = ZoneInfo("Asia/Jayapura")
TUESDAY = dt.date(2026, 9, 8)
WEDNESDAY = dt.date(2026, 9, 9)
MORNING = dt.time(8, 0)
AFTERNOON = dt.time(13, 0)


def wib(day, hh, mm=0):
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=WIB)


@pytest.fixture(autouse=True)
def _tuesday_morning(freeze):
    freeze(wib(TUESDAY, 10))


def book(citizen, office, service, day=WEDNESDAY, start=MORNING):
    return services.book_ticket(actor=citizen, office=office, service=service, local_date=day, session_start=start)


# --- a successful booking -----------------------------------------------------------------


def test_booking_gets_a_numbered_ticket_for_the_session(queue, citizen, django_capture_on_commit_callbacks):
    office, service, group = queue
    seen = []

    def handler(name, ticket_id):
        seen.append((name, ticket_id))

    events.subscribe(events.BOOKED, handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = book(citizen, office, service)
    finally:
        events.unsubscribe(events.BOOKED, handler)
    assert ticket.code == "A-001"
    assert ticket.number == 1
    assert ticket.status == TicketStatus.BOOKED
    assert ticket.kind == TicketKind.ONLINE
    assert ticket.citizen == citizen
    assert ticket.session_start == wib(WEDNESDAY, 8)
    assert ticket.session_end == wib(WEDNESDAY, 12)
    assert len(ticket.token) >= 32
    assert seen == [(events.BOOKED, ticket.pk)]
    entry = AuditEntry.objects.get(action="queueing.ticket.book")
    assert entry.actor == citizen
    assert entry.object_id == str(ticket.pk)
    assert entry.office_id == office.pk


def test_numbers_run_per_office_day_and_group_across_sessions(queue):
    office, service, group = queue
    other_service = ServiceFactory(office_kinds=["kecamatan"])
    group_b = ServiceGroupFactory(office=office, letter="B", services=[other_service])
    QuotaFactory(group=group_b)
    first = book(CitizenFactory(), office, service, start=MORNING)
    second = book(CitizenFactory(), office, service, start=AFTERNOON)
    in_b = book(CitizenFactory(), office, other_service)
    next_day = book(CitizenFactory(), office, service, day=dt.date(2026, 9, 10))
    assert [first.code, second.code, in_b.code, next_day.code] == ["A-001", "A-002", "B-001", "A-001"]


def test_session_start_may_be_given_as_an_aware_datetime(queue, citizen):
    office, service, _group = queue
    ticket = book(citizen, office, service, start=wib(WEDNESDAY, 13).astimezone(dt.UTC))
    assert ticket.session_start == wib(WEDNESDAY, 13)


# --- refusals -----------------------------------------------------------------------------


def test_service_not_offered_at_the_office_is_refused(queue, citizen):
    office, service, _group = queue
    OfficeServiceFactory(office=office, service=service, is_offered=False)
    with pytest.raises(DomainError) as err:
        book(citizen, office, service)
    assert "tidak melayani" in str(err.value.message)
    assert not Ticket.objects.exists()


def test_service_without_a_queue_group_is_refused(citizen):
    office = OfficeFactory(with_weekday_hours=True)
    service = ServiceFactory(office_kinds=["kecamatan"])
    with pytest.raises(DomainError) as err:
        book(citizen, office, service, start=MORNING)
    assert err.value.code == "not_offered"
    assert "belum membuka antrean" in str(err.value.message)


def test_holiday_closes_booking(queue, citizen):
    office, service, _group = queue
    HolidayFactory(date=WEDNESDAY, name="Hari Jadi Kota Uji", region=office.region)
    with pytest.raises(DomainError) as err:
        book(citizen, office, service)
    assert err.value.code == "closed"
    assert "tutup" in str(err.value.message)
    assert "Hari Jadi Kota Uji" in str(err.value.message)


def test_schedule_exception_closes_booking(queue, citizen):
    office, service, _group = queue
    ScheduleExceptionFactory(office=office, date=WEDNESDAY, is_closed=True, reason="Rapat dinas")
    with pytest.raises(DomainError) as err:
        book(citizen, office, service)
    assert err.value.code == "closed"


def test_weekend_is_closed(queue, citizen):
    office, service, _group = queue
    with pytest.raises(DomainError) as err:
        book(citizen, office, service, day=dt.date(2026, 9, 12))
    assert err.value.code == "closed"


def test_unknown_session_time_is_refused(queue, citizen):
    office, service, _group = queue
    with pytest.raises(DomainError) as err:
        book(citizen, office, service, start=dt.time(9, 0))
    assert err.value.code == "no_session"
    assert "09:00" in str(err.value.message)


def test_a_session_that_has_started_cannot_be_booked(queue, citizen, freeze):
    office, service, _group = queue
    freeze(wib(WEDNESDAY, 8, 0))
    with pytest.raises(DomainError) as err:
        book(citizen, office, service, start=MORNING)
    assert err.value.code == "started"
    assert "sudah dimulai" in str(err.value.message)
    assert book(citizen, office, service, start=AFTERNOON).code == "A-001"


def test_past_dates_are_refused(queue, citizen):
    office, service, _group = queue
    with pytest.raises(DomainError) as err:
        book(citizen, office, service, day=dt.date(2026, 9, 7))
    assert err.value.code == "past"


def test_booking_horizon_from_settings(queue, citizen, settings):
    office, service, _group = queue
    settings.QUEUE_BOOKING_HORIZON_DAYS = 3
    assert book(citizen, office, service, day=dt.date(2026, 9, 11)).code == "A-001"
    with pytest.raises(DomainError) as err:
        book(CitizenFactory(), office, service, day=dt.date(2026, 9, 14))
    assert err.value.code == "beyond_horizon"
    assert "3 hari" in str(err.value.message)


def test_default_horizon_is_fourteen_days(queue, citizen):
    office, service, _group = queue
    assert book(citizen, office, service, day=dt.date(2026, 9, 22)).code == "A-001"
    with pytest.raises(DomainError) as err:
        book(CitizenFactory(), office, service, day=dt.date(2026, 9, 23))
    assert err.value.code == "beyond_horizon"


def test_officers_cannot_book_online(queue):
    office, service, _group = queue
    with pytest.raises(NotAllowed):
        book(OfficerFactory(petugas=True, office=office), office, service)


def test_full_session_is_refused_with_the_next_date_that_has_room(citizen):
    office, service, group = make_queue(online=1)
    QuotaFactory(group=group, date=TUESDAY, online_limit=0, walkin_limit=5)
    QuotaFactory(group=group, date=dt.date(2026, 9, 10), online_limit=0, walkin_limit=5)
    book(CitizenFactory(), office, service, start=MORNING)
    book(CitizenFactory(), office, service, start=AFTERNOON)
    with pytest.raises(NoPlaceLeft) as err:
        book(citizen, office, service, start=MORNING)
    assert err.value.next_date == dt.date(2026, 9, 11)
    assert err.value.next_session_start == MORNING
    assert "penuh" in str(err.value.message)
    assert "11 September 2026" in str(err.value.message)
    assert Ticket.objects.count() == 2
    counter = SessionCounter.objects.get(local_date=WEDNESDAY, session_start=MORNING)
    assert counter.online_used == 1
    assert DayCounter.objects.get(local_date=WEDNESDAY).last_number == 2


def test_no_quota_row_means_no_online_places(citizen):
    office, service, group = make_queue()
    group.quotas.all().delete()
    with pytest.raises(NoPlaceLeft):
        book(citizen, office, service)


# --- one booking per citizen, service and day ---------------------------------------------


def test_double_submit_is_refused_and_names_the_existing_ticket(queue, citizen):
    office, service, _group = queue
    first = book(citizen, office, service)
    with pytest.raises(AlreadyBooked) as err:
        book(citizen, office, service, start=AFTERNOON)
    assert err.value.ticket == first
    assert "A-001" in str(err.value.message)
    assert Ticket.objects.count() == 1
    assert not SessionCounter.objects.filter(session_start=AFTERNOON, online_used__gt=0).exists()


def test_the_database_refuses_a_second_active_booking(queue, citizen):
    office, service, _group = queue
    first = book(citizen, office, service)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.create(
            office=office,
            group=first.group,
            service=service,
            citizen=citizen,
            local_date=first.local_date,
            session_start=first.session_start,
            session_end=first.session_end,
            number=99,
            code="A-099",
            kind=TicketKind.ONLINE,
            status=TicketStatus.BOOKED,
            created_at=first.created_at,
        )


def test_the_database_refuses_a_duplicate_number(queue):
    office, service, _group = queue
    first = book(CitizenFactory(), office, service)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.create(
            office=office,
            group=first.group,
            service=service,
            citizen=None,
            local_date=first.local_date,
            session_start=first.session_start,
            session_end=first.session_end,
            number=1,
            code="A-001",
            kind=TicketKind.WALKIN,
            status=TicketStatus.WAITING,
            created_at=first.created_at,
        )


def test_same_citizen_may_book_other_days_and_other_services(queue, citizen):
    office, service, group = queue
    other = ServiceFactory(office_kinds=["kecamatan"])
    group.services.add(other)
    book(citizen, office, service)
    book(citizen, office, service, day=dt.date(2026, 9, 10))
    assert book(citizen, office, other).code == "A-002"


# --- the office's local day (WIT) ---------------------------------------------------------


def test_wit_office_counts_its_own_local_date(citizen, freeze):
    office, service, _group = make_queue(wit=True)
    # 23:30 UTC on Tuesday is 08:30 on Wednesday in Jayapura.
    freeze(dt.datetime(2026, 9, 8, 23, 30, tzinfo=dt.UTC))
    with pytest.raises(DomainError) as err:
        book(citizen, office, service, day=TUESDAY, start=AFTERNOON)
    assert err.value.code == "past"
    with pytest.raises(DomainError) as err:
        book(citizen, office, service, day=WEDNESDAY, start=MORNING)
    assert err.value.code == "started"
    ticket = book(citizen, office, service, day=WEDNESDAY, start=AFTERNOON)
    assert ticket.session_start == dt.datetime.combine(WEDNESDAY, AFTERNOON, tzinfo=WIT)
    assert ticket.local_date == WEDNESDAY


# --- cancel -------------------------------------------------------------------------------


def test_cancel_returns_the_place_to_the_quota(citizen, django_capture_on_commit_callbacks):
    office, service, _group = make_queue(online=1)
    ticket = book(citizen, office, service)
    seen = []

    def handler(name, ticket_id):
        seen.append(ticket_id)

    events.subscribe(events.CANCELLED, handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            cancelled = services.cancel_ticket(actor=citizen, ticket=ticket, reason="berhalangan")
    finally:
        events.unsubscribe(events.CANCELLED, handler)
    assert cancelled.status == TicketStatus.CANCELLED
    assert cancelled.cancelled_at is not None
    assert seen == [ticket.pk]
    assert AuditEntry.objects.filter(action="queueing.ticket.cancel", reason="berhalangan").count() == 1
    other = book(CitizenFactory(), office, service)
    assert other.code == "A-002"
    # and the citizen may book the same service that day again
    assert book(citizen, office, service, start=AFTERNOON).status == TicketStatus.BOOKED


def test_cancelling_twice_does_not_return_two_places(citizen):
    office, service, _group = make_queue(online=2)
    ticket = book(citizen, office, service)
    book(CitizenFactory(), office, service)
    services.cancel_ticket(actor=citizen, ticket=ticket)
    with pytest.raises(DomainError) as err:
        services.cancel_ticket(actor=citizen, ticket=ticket)
    assert err.value.code == "not_booked"
    assert SessionCounter.objects.get(session_start=MORNING).online_used == 1


def test_only_the_owner_cancels(queue, citizen):
    office, service, _group = queue
    ticket = book(citizen, office, service)
    with pytest.raises(NotAllowed) as err:
        services.cancel_ticket(actor=CitizenFactory(), ticket=ticket)
    assert "bukan tiket Anda" in str(err.value.message)


# --- reschedule ---------------------------------------------------------------------------


def test_reschedule_moves_the_place_and_keeps_the_token(citizen, django_capture_on_commit_callbacks):
    office, service, _group = make_queue(online=1)
    ticket = book(citizen, office, service)
    token = ticket.token
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.reschedule_ticket(
            actor=citizen, ticket=ticket, local_date=dt.date(2026, 9, 10), session_start=AFTERNOON
        )
    assert moved.pk == ticket.pk
    assert moved.token == token
    assert moved.local_date == dt.date(2026, 9, 10)
    assert moved.session_start == wib(dt.date(2026, 9, 10), 13)
    assert moved.code == "A-001"
    assert SessionCounter.objects.get(local_date=WEDNESDAY, session_start=MORNING).online_used == 0
    assert SessionCounter.objects.get(local_date=dt.date(2026, 9, 10), session_start=AFTERNOON).online_used == 1
    assert AuditEntry.objects.filter(action="queueing.ticket.reschedule").count() == 1
    # the freed place is bookable again
    assert book(CitizenFactory(), office, service).local_date == WEDNESDAY


def test_reschedule_to_a_full_session_leaves_the_booking_as_it_was(citizen):
    office, service, _group = make_queue(online=1)
    ticket = book(citizen, office, service)
    book(CitizenFactory(), office, service, start=AFTERNOON)
    with pytest.raises(NoPlaceLeft):
        services.reschedule_ticket(actor=citizen, ticket=ticket, local_date=WEDNESDAY, session_start=AFTERNOON)
    ticket.refresh_from_db()
    assert ticket.session_start == wib(WEDNESDAY, 8)
    assert ticket.status == TicketStatus.BOOKED
    assert SessionCounter.objects.get(local_date=WEDNESDAY, session_start=MORNING).online_used == 1
    assert SessionCounter.objects.get(local_date=WEDNESDAY, session_start=AFTERNOON).online_used == 1


def test_reschedule_within_the_day_keeps_the_number(queue, citizen):
    office, service, _group = queue
    ticket = book(citizen, office, service)
    moved = services.reschedule_ticket(actor=citizen, ticket=ticket, local_date=WEDNESDAY, session_start=AFTERNOON)
    assert moved.code == "A-001"
    assert moved.session_end == wib(WEDNESDAY, 15)


def test_reschedule_of_a_cancelled_ticket_is_refused(queue, citizen):
    office, service, _group = queue
    ticket = book(citizen, office, service)
    services.cancel_ticket(actor=citizen, ticket=ticket)
    with pytest.raises(DomainError) as err:
        services.reschedule_ticket(actor=citizen, ticket=ticket, local_date=WEDNESDAY, session_start=AFTERNOON)
    assert err.value.code == "not_booked"
    assert not SessionCounter.objects.filter(online_used__gt=0).exists()


def test_reschedule_onto_a_day_already_booked_is_refused(queue, citizen):
    office, service, _group = queue
    ticket = book(citizen, office, service)
    book(citizen, office, service, day=dt.date(2026, 9, 10))
    with pytest.raises(AlreadyBooked):
        services.reschedule_ticket(actor=citizen, ticket=ticket, local_date=dt.date(2026, 9, 10), session_start=MORNING)


# --- walk-in ------------------------------------------------------------------------------


def test_walkin_ticket_shares_the_day_series_and_waits_at_once(queue, citizen, petugas, freeze):
    office, service, _group = queue
    book(citizen, office, service)
    freeze(wib(WEDNESDAY, 9))
    ticket = services.issue_walkin_ticket(actor=petugas, office=office, service=service, priority=True)
    assert ticket.code == "A-002"
    assert ticket.kind == TicketKind.WALKIN
    assert ticket.citizen is None
    assert ticket.priority is True
    assert ticket.status == TicketStatus.WAITING
    assert ticket.session_start == wib(WEDNESDAY, 8)
    assert AuditEntry.objects.filter(action="queueing.ticket.walkin", actor=petugas).count() == 1


def test_walkin_before_opening_goes_to_the_first_session(queue, petugas, freeze):
    office, service, _group = queue
    freeze(wib(WEDNESDAY, 6, 30))
    assert services.issue_walkin_ticket(actor=petugas, office=office, service=service).session_start == wib(
        WEDNESDAY, 8
    )


def test_walkin_cap_refuses_with_the_next_date_with_online_room(petugas, freeze):
    office, service, group = make_queue(walkin=2, online=0)
    QuotaFactory(group=group, date=dt.date(2026, 9, 10), online_limit=5, walkin_limit=2)
    petugas = OfficerFactory(petugas=True, office=office)
    freeze(wib(WEDNESDAY, 9))
    services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    with pytest.raises(NoPlaceLeft) as err:
        services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    assert err.value.next_date == dt.date(2026, 9, 10)
    assert "10 September 2026" in str(err.value.message)
    assert Ticket.objects.filter(kind=TicketKind.WALKIN).count() == 2


def test_walkin_after_the_last_session_is_refused(queue, petugas, freeze):
    office, service, _group = queue
    freeze(wib(WEDNESDAY, 15, 30))
    with pytest.raises(NoPlaceLeft) as err:
        services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    assert "tidak ada sesi lagi" in str(err.value.message)


def test_walkin_needs_a_counter_officer_of_that_office(queue, citizen, freeze):
    office, service, _group = queue
    freeze(wib(WEDNESDAY, 9))
    with pytest.raises(NotAllowed):
        services.issue_walkin_ticket(actor=citizen, office=office, service=service)
    with pytest.raises(NotAllowed):
        services.issue_walkin_ticket(actor=OfficerFactory(petugas=True), office=office, service=service)


# --- quotas -------------------------------------------------------------------------------


def test_quota_rows_most_specific_wins(queue):
    _office, _service, group = queue
    QuotaFactory(group=group, weekday=Day.WEDNESDAY, online_limit=7, walkin_limit=1)
    QuotaFactory(group=group, weekday=Day.WEDNESDAY, session_start=AFTERNOON, online_limit=3, walkin_limit=1)
    QuotaFactory(group=group, date=WEDNESDAY, online_limit=5, walkin_limit=1)
    assert selectors.session_limits(group, WEDNESDAY, MORNING).online == 5
    assert selectors.session_limits(group, dt.date(2026, 9, 16), MORNING).online == 7
    assert selectors.session_limits(group, dt.date(2026, 9, 16), AFTERNOON).online == 3
    assert selectors.session_limits(group, dt.date(2026, 9, 17), MORNING).online == 20


# --- selectors ----------------------------------------------------------------------------


def test_availability_lists_each_session_with_places_left(citizen):
    office, service, _group = make_queue(online=2)
    book(citizen, office, service)
    slots = selectors.availability(office, service, WEDNESDAY, 3)
    assert [(s.local_date, s.session.start.time(), s.online_remaining) for s in slots] == [
        (WEDNESDAY, MORNING, 1),
        (WEDNESDAY, AFTERNOON, 2),
        (dt.date(2026, 9, 10), MORNING, 2),
        (dt.date(2026, 9, 10), AFTERNOON, 2),
        (dt.date(2026, 9, 11), MORNING, 2),
        (dt.date(2026, 9, 11), AFTERNOON, 2),
    ]


def test_earliest_available_skips_started_and_full_sessions(citizen, freeze):
    office, service, group = make_queue(online=1)
    freeze(wib(WEDNESDAY, 9))
    QuotaFactory(group=group, date=dt.date(2026, 9, 10), online_limit=0, walkin_limit=0)
    book(citizen, office, service, start=AFTERNOON)
    slot = selectors.earliest_available(office, service, wib(WEDNESDAY, 9))
    assert (slot.local_date, slot.session.start.time()) == (dt.date(2026, 9, 11), MORNING)


def test_alternatives_are_nearby_offices_with_room_same_kecamatan_first(citizen):
    office, service, group = make_queue(online=1)
    book(citizen, office, service)
    book(CitizenFactory(), office, service, start=AFTERNOON)
    near = make_queue()[0]
    city = make_queue(region_code="36.74.06")[0]
    full = make_queue(online=0)[0]
    far = make_queue(region_code="32.75.01")[0]
    for other in (near, city, full, far):
        other.service_groups.get().services.set([service])
    result = selectors.alternatives(office, service, WEDNESDAY)
    assert [(a.office, a.same_kecamatan) for a in result] == [(near, True), (city, False)]
    assert result[0].online_remaining == 40


def test_tickets_for_scopes_to_the_actor(queue, citizen, petugas):
    office, service, _group = queue
    mine = book(citizen, office, service)
    other_office, other_service, _ = make_queue()
    theirs = book(CitizenFactory(), other_office, other_service)
    assert list(selectors.tickets_for(citizen)) == [mine]
    assert list(selectors.tickets_for(petugas)) == [mine]
    assert set(selectors.tickets_for(OfficerFactory(system_admin=True))) == {mine, theirs}
    assert list(selectors.tickets_for(OfficerFactory())) == []
    assert list(selectors.tickets_for(None)) == []


def test_a_rush_on_a_full_session_reuses_its_hint_for_a_few_seconds(settings):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.QUEUE_HINT_CACHE_SECONDS = 5
    cache.clear()
    office, service, _group = make_queue(online=1)
    book(CitizenFactory(), office, service, start=MORNING)

    def refused_hint():
        with CaptureQueriesContext(connection) as queries, pytest.raises(NoPlaceLeft) as err:
            book(CitizenFactory(), office, service, start=MORNING)
        return (err.value.next_date, err.value.next_session_start), len(queries)

    first, first_queries = refused_hint()
    assert first == (WEDNESDAY, AFTERNOON)
    second, second_queries = refused_hint()
    assert second == first and second_queries < first_queries  # the schedule was not read again
    book(CitizenFactory(), office, service, start=AFTERNOON)  # the afternoon fills up meanwhile
    assert refused_hint()[0] == (WEDNESDAY, AFTERNOON)  # advice up to 5 s old...
    with pytest.raises(NoPlaceLeft):  # ...while booking what it names is decided in the database
        book(CitizenFactory(), office, service, start=AFTERNOON)
    cache.clear()  # the 5 seconds are over
    assert refused_hint()[0] == (dt.date(2026, 9, 10), MORNING)
    cache.clear()
