"""Counters: open/close, the calling order, priority fairness, recall, skip, transfer, finish, times, audit."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.audit.models import AuditEntry
from loket.catalog.factories import ServiceFactory
from loket.core.errors import DomainError, NotAllowed
from loket.offices.factories import CounterFactory
from loket.queueing import events, selectors, services
from loket.queueing.factories import QuotaFactory, ServiceGroupFactory
from loket.queueing.models import CounterShift, QueueSettings, TicketStatus
from loket.queueing.services import counters
from loket.queueing.tests.conftest import make_queue

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = dt.date(2026, 9, 8)
WEDNESDAY = dt.date(2026, 9, 9)


def wib(day, hh, mm=0):
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=WIB)


@pytest.fixture
def desk(queue, petugas):
    office, _service, group = queue
    counter = CounterFactory(office=office, number=1)
    return counter, group


def book(office, service, hour, freeze):
    freeze(wib(TUESDAY, 10))
    return services.book_ticket(
        actor=CitizenFactory(), office=office, service=service, local_date=WEDNESDAY, session_start=dt.time(hour)
    )


def check_in(ticket, petugas, freeze, hh, mm):
    freeze(wib(WEDNESDAY, hh, mm))
    return services.check_in_ticket(actor=petugas, office=ticket.office, code_or_token=ticket.token)


def walkin(office, service, petugas, freeze, hh, mm, priority=False):
    freeze(wib(WEDNESDAY, hh, mm))
    return services.issue_walkin_ticket(actor=petugas, office=office, service=service, priority=priority)


def serve_all(petugas, counter, freeze, start):
    """Call and finish (a minute each) from ``start`` until nobody waits; the codes in calling order."""
    codes = []
    now = start
    freeze(now)
    while (ticket := counters.call_next(actor=petugas, counter=counter)) is not None:
        codes.append(ticket.code)
        now += dt.timedelta(minutes=1)
        freeze(now)
        counters.finish(actor=petugas, ticket=ticket)
    return codes


def test_open_counter_is_audited_and_only_once(desk, petugas, freeze):
    counter, group = desk
    freeze(wib(WEDNESDAY, 7, 55))
    shift = counters.open_counter(actor=petugas, counter=counter, groups=[group])
    assert shift.officer == petugas and list(shift.groups.all()) == [group]
    assert AuditEntry.objects.filter(action="queueing.counter.open", actor=petugas).count() == 1
    with pytest.raises(DomainError) as err:
        counters.open_counter(actor=petugas, counter=counter, groups=[group])
    assert err.value.code == "already_open"
    assert "sudah dibuka" in str(err.value.message)


def test_database_allows_one_open_shift_per_counter(desk, petugas, freeze):
    counter, group = desk
    freeze(wib(WEDNESDAY, 7, 55))
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    with pytest.raises(IntegrityError), transaction.atomic():
        CounterShift.objects.create(counter=counter, officer=petugas, opened_at=wib(WEDNESDAY, 8))


def test_close_then_reopen(desk, petugas, freeze):
    counter, group = desk
    freeze(wib(WEDNESDAY, 7, 55))
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    counters.close_counter(actor=petugas, counter=counter)
    with pytest.raises(DomainError) as err:
        counters.call_next(actor=petugas, counter=counter)
    assert err.value.code == "closed"
    assert counters.open_counter(actor=petugas, counter=counter, groups=[group]).closed_at is None


def test_petugas_of_another_office_is_refused(desk, queue, freeze):
    counter, group = desk
    stranger = OfficerFactory(petugas=True, office=make_queue()[0])
    freeze(wib(WEDNESDAY, 7, 55))
    with pytest.raises(NotAllowed) as err:
        counters.open_counter(actor=stranger, counter=counter, groups=[group])
    assert "petugas loket kantor ini" in str(err.value.message)
    with pytest.raises(NotAllowed):
        counters.call_next(actor=CitizenFactory(), counter=counter)


def test_groups_of_another_office_are_refused(desk, petugas, freeze):
    counter, _group = desk
    other_group = make_queue()[2]
    with pytest.raises(DomainError) as err:
        counters.open_counter(actor=petugas, counter=counter, groups=[other_group])
    assert err.value.code == "other_office"


def test_calling_order_bookings_and_walkins_by_ready_time(queue, desk, petugas, freeze):
    office, service, group = queue
    counter, _ = desk
    QueueSettings.objects.create(office=office, late_grace_minutes=5)  # 08:10 is late
    b1 = book(office, service, 8, freeze)
    b2 = book(office, service, 8, freeze)
    afternoon = book(office, service, 13, freeze)  # A-003, session at 13:00
    not_checked_in = book(office, service, 8, freeze)  # A-004, never arrives
    check_in(b2, petugas, freeze, 7, 40)
    check_in(b1, petugas, freeze, 7, 50)
    check_in(afternoon, petugas, freeze, 7, 52)
    early_walkin = walkin(office, service, petugas, freeze, 7, 55)  # ready at 08:00
    late_walkin = walkin(office, service, petugas, freeze, 8, 5)
    late_booking = check_in(not_checked_in, petugas, freeze, 8, 10)
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    assert serve_all(petugas, counter, freeze, wib(WEDNESDAY, 8, 20)) == [
        b1.code,
        b2.code,
        early_walkin.code,
        late_walkin.code,
        late_booking.code,
    ]
    # the afternoon booking waits for its session
    assert serve_all(petugas, counter, freeze, wib(WEDNESDAY, 13, 0)) == [afternoon.code]


def test_only_todays_tickets_of_the_counters_groups(queue, desk, petugas, freeze):
    office, service, group = queue
    counter, _ = desk
    other_service = ServiceFactory(office_kinds=["kecamatan"], name="Layanan B")
    group_b = ServiceGroupFactory(office=office, letter="B", name="B", services=[other_service])
    QuotaFactory(group=group_b)
    b_ticket = walkin(office, other_service, petugas, freeze, 8, 0)
    a_ticket = walkin(office, service, petugas, freeze, 8, 1)
    freeze(wib(TUESDAY, 9))
    yesterday = services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    assert yesterday.status == TicketStatus.WAITING
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    assert serve_all(petugas, counter, freeze, wib(WEDNESDAY, 8, 30)) == [a_ticket.code]
    assert b_ticket.code == "B-001"


def test_priority_first_but_at_most_two_in_a_row(queue, desk, petugas, freeze):
    office, service, group = queue
    counter, _ = desk
    regular1 = walkin(office, service, petugas, freeze, 8, 0)
    regular2 = walkin(office, service, petugas, freeze, 8, 1)
    p = [walkin(office, service, petugas, freeze, 8, 2 + i, priority=True) for i in range(5)]
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    expected = [p[0], p[1], regular1, p[2], p[3], regular2, p[4]]
    assert serve_all(petugas, counter, freeze, wib(WEDNESDAY, 8, 30)) == [t.code for t in expected]


def test_nobody_waiting_returns_none(desk, petugas, freeze):
    counter, group = desk
    freeze(wib(WEDNESDAY, 8, 30))
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    assert counters.call_next(actor=petugas, counter=counter) is None


def test_times_counter_and_audit_recorded(queue, desk, petugas, freeze):
    office, service, group = queue
    counter, _ = desk
    ticket = walkin(office, service, petugas, freeze, 8, 0)
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    freeze(wib(WEDNESDAY, 8, 10))
    called = counters.call_next(actor=petugas, counter=counter)
    assert called.pk == ticket.pk
    assert (called.status, called.counter, called.called_at) == (TicketStatus.CALLED, counter, wib(WEDNESDAY, 8, 10))
    freeze(wib(WEDNESDAY, 8, 12))
    serving = counters.start_serving(actor=petugas, ticket=called)
    assert (serving.status, serving.serving_at) == (TicketStatus.SERVING, wib(WEDNESDAY, 8, 12))
    freeze(wib(WEDNESDAY, 8, 25))
    done = counters.finish(actor=petugas, ticket=serving)
    assert (done.status, done.finished_at) == (TicketStatus.DONE, wib(WEDNESDAY, 8, 25))
    assert done.called_at - done.checked_in_at == dt.timedelta(minutes=10)  # waiting
    assert done.finished_at - done.serving_at == dt.timedelta(minutes=13)  # service
    actions = list(AuditEntry.objects.filter(object_id=str(ticket.pk)).order_by("id").values_list("action", flat=True))
    assert actions[-3:] == ["queueing.ticket.call", "queueing.ticket.serve", "queueing.ticket.finish"]


def test_finish_straight_from_called_counts_service_from_the_call(queue, desk, petugas, freeze):
    office, service, group = queue
    counter, _ = desk
    walkin(office, service, petugas, freeze, 8, 0)
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    freeze(wib(WEDNESDAY, 8, 10))
    called = counters.call_next(actor=petugas, counter=counter)
    freeze(wib(WEDNESDAY, 8, 20))
    assert counters.finish(actor=petugas, ticket=called).serving_at == wib(WEDNESDAY, 8, 10)


def test_counter_must_finish_before_calling_next(queue, desk, petugas, freeze):
    office, service, group = queue
    counter, _ = desk
    walkin(office, service, petugas, freeze, 8, 0)
    walkin(office, service, petugas, freeze, 8, 1)
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    freeze(wib(WEDNESDAY, 8, 10))
    first = counters.call_next(actor=petugas, counter=counter)
    with pytest.raises(DomainError) as err:
        counters.call_next(actor=petugas, counter=counter)
    assert err.value.code == "busy" and first.code in str(err.value.message)
    with pytest.raises(DomainError):
        counters.close_counter(actor=petugas, counter=counter)


def test_recall_keeps_the_ticket_and_announces_again(queue, desk, petugas, freeze, django_capture_on_commit_callbacks):
    office, service, group = queue
    counter, _ = desk
    walkin(office, service, petugas, freeze, 8, 0)
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    freeze(wib(WEDNESDAY, 8, 10))
    called = counters.call_next(actor=petugas, counter=counter)
    heard = []

    def handler(event, ticket_id):
        heard.append((event, ticket_id))

    events.subscribe(events.CALLED, handler)
    try:
        freeze(wib(WEDNESDAY, 8, 11))
        with django_capture_on_commit_callbacks(execute=True):
            again = counters.recall(actor=petugas, ticket=called)
    finally:
        events.unsubscribe(events.CALLED, handler)
    assert (again.status, again.counter, again.called_at) == (TicketStatus.CALLED, counter, wib(WEDNESDAY, 8, 10))
    assert again.recall_count == 1
    assert heard == [(events.CALLED, called.pk)]
    assert AuditEntry.objects.filter(action="queueing.ticket.recall", object_id=str(called.pk)).exists()


def test_skip_makes_a_no_show_and_calls_on(queue, desk, petugas, freeze):
    office, service, group = queue
    counter, _ = desk
    first = walkin(office, service, petugas, freeze, 8, 0)
    second = walkin(office, service, petugas, freeze, 8, 1)
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    freeze(wib(WEDNESDAY, 8, 10))
    called = counters.call_next(actor=petugas, counter=counter)
    skipped = counters.skip(actor=petugas, ticket=called)
    assert skipped.pk == first.pk and skipped.status == TicketStatus.NO_SHOW
    assert AuditEntry.objects.filter(action="queueing.ticket.no_show", object_id=str(first.pk)).exists()
    assert counters.call_next(actor=petugas, counter=counter).pk == second.pk
    with pytest.raises(DomainError) as err:
        counters.recall(actor=petugas, ticket=skipped)
    assert "Tidak hadir" in str(err.value.message)


def test_transfer_to_another_counter_goes_to_the_front_there_only(queue, desk, petugas, freeze):
    office, service, group = queue
    counter, _ = desk
    counter2 = CounterFactory(office=office, number=2)
    waiting = [walkin(office, service, petugas, freeze, 8, i) for i in range(3)]
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    counters.open_counter(actor=OfficerFactory(petugas=True, office=office), counter=counter2, groups=[group])
    freeze(wib(WEDNESDAY, 8, 10))
    called = counters.call_next(actor=petugas, counter=counter)
    moved = counters.transfer(actor=petugas, ticket=called, to_counter=counter2)
    assert (moved.status, moved.assigned_counter, moved.counter) == (TicketStatus.WAITING, counter2, None)
    assert AuditEntry.objects.filter(action="queueing.ticket.transfer", object_id=str(called.pk)).exists()
    # counter 1 never gets it back; counter 2 calls it before the others who waited longer
    assert counters.call_next(actor=petugas, counter=counter).pk == waiting[1].pk
    assert counters.call_next(actor=petugas, counter=counter2).pk == waiting[0].pk


def test_transfer_to_a_service_of_another_group_gets_its_number_at_the_front(queue, desk, petugas, freeze):
    office, service, group = queue
    counter, _ = desk
    other_service = ServiceFactory(office_kinds=["kecamatan"], name="Layanan B")
    group_b = ServiceGroupFactory(office=office, letter="B", name="B", services=[other_service])
    QuotaFactory(group=group_b)
    waiting_b = walkin(office, other_service, petugas, freeze, 8, 0)  # B-001
    walkin(office, service, petugas, freeze, 8, 1)
    counter_b = CounterFactory(office=office, number=2)
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    counters.open_counter(actor=petugas, counter=counter_b, groups=[group_b])
    freeze(wib(WEDNESDAY, 8, 10))
    called = counters.call_next(actor=petugas, counter=counter)
    moved = counters.transfer(actor=petugas, ticket=called, to_service=other_service)
    assert (moved.code, moved.service, moved.group) == ("B-002", other_service, group_b)
    assert counters.call_next(actor=petugas, counter=counter_b).pk == moved.pk
    assert waiting_b.code == "B-001"


def test_transfer_needs_a_target_of_this_office(queue, desk, petugas, freeze):
    office, service, group = queue
    counter, _ = desk
    walkin(office, service, petugas, freeze, 8, 0)
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    freeze(wib(WEDNESDAY, 8, 10))
    called = counters.call_next(actor=petugas, counter=counter)
    with pytest.raises(DomainError) as err:
        counters.transfer(actor=petugas, ticket=called)
    assert err.value.code == "no_target"
    with pytest.raises(DomainError) as err:
        counters.transfer(actor=petugas, ticket=called, to_counter=CounterFactory())
    assert err.value.code == "other_office"


def test_priority_only_queue_is_served_without_waiting_for_others(queue, desk, petugas, freeze):
    office, service, group = queue
    counter, _ = desk
    p = [walkin(office, service, petugas, freeze, 8, i, priority=True) for i in range(3)]
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    assert serve_all(petugas, counter, freeze, wib(WEDNESDAY, 8, 30)) == [t.code for t in p]


def test_booking_not_checked_in_is_never_called(queue, desk, petugas, freeze):
    office, service, group = queue
    counter, _ = desk
    absent = book(office, service, 8, freeze)
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    assert serve_all(petugas, counter, freeze, wib(WEDNESDAY, 9, 0)) == []
    absent.refresh_from_db()
    assert absent.status == TicketStatus.BOOKED


def test_now_serving_lists_each_counters_ticket(queue, desk, petugas, freeze):
    office, service, group = queue
    counter, _ = desk
    counter2 = CounterFactory(office=office, number=2)
    first = walkin(office, service, petugas, freeze, 8, 0)
    second = walkin(office, service, petugas, freeze, 8, 1)
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    counters.open_counter(actor=petugas, counter=counter2, groups=[group])
    freeze(wib(WEDNESDAY, 8, 10))
    counters.call_next(actor=petugas, counter=counter)
    counters.start_serving(actor=petugas, ticket=counters.call_next(actor=petugas, counter=counter2))
    shown = [(t.counter.number, t.code, t.status) for t in selectors.now_serving(office)]
    assert shown == [(1, first.code, TicketStatus.CALLED), (2, second.code, TicketStatus.SERVING)]
    assert selectors.called_at_counter(counter2).pk == second.pk
    assert selectors.open_shift(counter).counter == counter
