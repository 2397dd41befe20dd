"""Office rules of the queue: late arrivals, priority at check-in, no-show suspension, expiry of
missed bookings, reminders, 'your turn is near', the call log of the board, estimates, the kiosk."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.audit.models import AuditEntry
from loket.core.errors import DomainError
from loket.offices.factories import CounterFactory
from loket.queueing import events, selectors, services
from loket.queueing.models import Call, LatePolicy, QueueSettings, Ticket, TicketStatus
from loket.queueing.services import counters

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
MONDAY = dt.date(2026, 9, 7)
TUESDAY = dt.date(2026, 9, 8)
WEDNESDAY = dt.date(2026, 9, 9)


def wib(day, hh, mm=0):
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=WIB)


@pytest.fixture
def received():
    """Every queue event emitted (run on commit), as (name, ticket id)."""
    got = []

    def handler(name, ticket_id):
        got.append((name, ticket_id))

    for name in events.EVENTS:
        events.subscribe(name, handler)
    yield got
    for name in events.EVENTS:
        events.unsubscribe(name, handler)


def book(queue, freeze, citizen=None, *, day=WEDNESDAY, hour=8):
    office, service, _group = queue
    freeze(wib(TUESDAY, 10))
    return services.book_ticket(
        actor=citizen or CitizenFactory(), office=office, service=service, local_date=day, session_start=dt.time(hour)
    )


def check_in(ticket, petugas, freeze, hh, mm, **kw):
    freeze(wib(WEDNESDAY, hh, mm))
    return services.check_in_ticket(actor=petugas, office=ticket.office, code_or_token=ticket.token, **kw)


# --- late arrivals ---


def test_a_booking_within_the_grace_keeps_its_place(queue, petugas, freeze):
    ticket = book(queue, freeze)
    late = check_in(ticket, petugas, freeze, 8, 14)  # default grace: 15 minutes
    assert late.ready_at == wib(WEDNESDAY, 8)


def test_a_booking_after_the_grace_waits_from_its_arrival(queue, petugas, freeze):
    QueueSettings.objects.create(office=queue[0], late_grace_minutes=10)
    ticket = book(queue, freeze)
    late = check_in(ticket, petugas, freeze, 8, 25)
    assert late.ready_at == wib(WEDNESDAY, 8, 25)
    assert late.status == TicketStatus.CHECKED_IN
    entry = AuditEntry.objects.get(action="queueing.ticket.check_in")
    assert entry.data["late"] is True


def test_an_office_may_refuse_late_bookings(queue, petugas, freeze):
    QueueSettings.objects.create(office=queue[0], late_grace_minutes=10, late_policy=LatePolicy.REFUSE)
    ticket = book(queue, freeze)
    with pytest.raises(DomainError) as err:
        check_in(ticket, petugas, freeze, 8, 11)
    assert err.value.code == "late"
    assert "tiket datang langsung" in str(err.value.message)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.BOOKED


def test_early_arrival_is_ready_at_the_session_start(queue, petugas, freeze):
    ticket = book(queue, freeze)
    assert check_in(ticket, petugas, freeze, 7, 30).ready_at == wib(WEDNESDAY, 8)


def test_a_walkin_before_the_session_is_ready_at_its_start(queue, petugas, freeze):
    office, service, _ = queue
    freeze(wib(WEDNESDAY, 7, 40))
    ticket = services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    assert ticket.ready_at == wib(WEDNESDAY, 8)


# --- priority and the QR URL at check-in ---


def test_petugas_marks_a_booking_as_priority_at_check_in(queue, petugas, freeze):
    ticket = book(queue, freeze)
    assert check_in(ticket, petugas, freeze, 7, 50, priority=True).priority is True


def test_check_in_by_the_url_the_qr_code_carries(queue, petugas, freeze):
    ticket = book(queue, freeze)
    freeze(wib(WEDNESDAY, 7, 50))
    url = f"https://loket.example.go.id/antrean/t/{ticket.token}/"
    done = services.check_in_ticket(actor=petugas, office=ticket.office, code_or_token=url)
    assert done.pk == ticket.pk and done.status == TicketStatus.CHECKED_IN


# --- the kiosk device account ---


def test_the_kiosk_issues_walkins_and_checks_bookings_in(queue, freeze):
    office, service, _ = queue
    kiosk = OfficerFactory(kiosk=True, office=office)
    ticket = book(queue, freeze)
    freeze(wib(WEDNESDAY, 8, 5))
    walkin = services.issue_walkin_ticket(actor=kiosk, office=office, service=service, priority=True)
    assert walkin.priority and walkin.status == TicketStatus.WAITING
    assert services.check_in_ticket(actor=kiosk, office=office, code_or_token=ticket.token).status == "checked_in"
    desk = CounterFactory(office=office, number=1)
    with pytest.raises(DomainError):  # a kiosk cannot work a counter
        counters.open_counter(actor=kiosk, counter=desk, groups=[queue[2]])


# --- no-shows ---


def _missed(citizen, queue, freeze, day):
    office, service, _ = queue
    freeze(wib(day - dt.timedelta(days=1), 10))
    ticket = services.book_ticket(
        actor=citizen, office=office, service=service, local_date=day, session_start=dt.time(8)
    )
    assert services.expire_missed_bookings(now=wib(day, 15, 1)) == 1
    return ticket


def test_missed_bookings_become_no_shows_when_the_day_ends(queue, freeze, received, django_capture_on_commit_callbacks):
    ticket = book(queue, freeze)
    assert services.expire_missed_bookings(now=wib(WEDNESDAY, 11, 59)) == 0  # session runs to 12:00
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_missed_bookings(now=wib(WEDNESDAY, 12, 0)) == 1
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NO_SHOW
    assert (events.NO_SHOW, ticket.pk) in received
    assert AuditEntry.objects.get(action="queueing.ticket.expire").actor is None
    assert services.expire_missed_bookings(now=wib(WEDNESDAY, 13, 0)) == 0  # once


def test_repeated_no_shows_suspend_online_booking(queue, freeze):
    office, service, _ = queue
    QueueSettings.objects.create(office=office, noshow_limit=2, noshow_window_days=30, noshow_block_days=7)
    citizen = CitizenFactory()
    _missed(citizen, queue, freeze, MONDAY)
    _missed(citizen, queue, freeze, TUESDAY)
    freeze(wib(TUESDAY, 16))
    with pytest.raises(DomainError) as err:
        services.book_ticket(
            actor=citizen, office=office, service=service, local_date=WEDNESDAY, session_start=dt.time(8)
        )
    assert err.value.code == "suspended"
    assert "15 September 2026" in str(err.value.message)  # 7 days after the last no-show
    # Someone else books as usual; the suspension ends by itself.
    book(queue, freeze)
    freeze(wib(dt.date(2026, 9, 15), 7))
    assert selectors.booking_suspended_until(citizen, office, wib(dt.date(2026, 9, 15), 7)) is None


def test_no_show_limit_zero_never_suspends(queue, freeze):
    QueueSettings.objects.create(office=queue[0], noshow_limit=0)
    citizen = CitizenFactory()
    _missed(citizen, queue, freeze, MONDAY)
    assert selectors.booking_suspended_until(citizen, queue[0], wib(TUESDAY, 9)) is None


# --- reminders ---


def test_reminder_is_due_once_the_day_before(queue, freeze, received, django_capture_on_commit_callbacks):
    tomorrow = book(queue, freeze, day=WEDNESDAY)
    later = book(queue, freeze, day=dt.date(2026, 9, 10))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_reminders(now=wib(TUESDAY, 18)) == 1
        assert services.send_due_reminders(now=wib(TUESDAY, 18, 5)) == 0
    assert [e for e in received if e[0] == events.REMINDER_DUE] == [(events.REMINDER_DUE, tomorrow.pk)]
    later.refresh_from_db()
    assert later.reminder_sent_at is None


def test_each_reminder_leaves_one_audit_row_by_the_system(queue, freeze):
    tomorrow = book(queue, freeze, day=WEDNESDAY)
    book(queue, freeze, day=dt.date(2026, 9, 10))
    services.send_due_reminders(now=wib(TUESDAY, 18))
    services.send_due_reminders(now=wib(TUESDAY, 18, 5))
    entry = AuditEntry.objects.get(action="queueing.ticket.remind")
    assert (entry.object_id, entry.actor, entry.office_id) == (str(tomorrow.pk), None, tomorrow.office_id)


# --- calls, recalls and 'your turn is near' ---


@pytest.fixture
def open_desk(queue, petugas, freeze):
    counter = CounterFactory(office=queue[0], number=3)
    freeze(wib(WEDNESDAY, 7, 55))
    counters.open_counter(actor=petugas, counter=counter, groups=[queue[2]])
    return counter


def test_each_call_and_recall_is_logged_for_the_board(queue, petugas, open_desk, freeze):
    office, service, _ = queue
    ticket = services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    freeze(wib(WEDNESDAY, 8, 1))
    counters.call_next(actor=petugas, counter=open_desk)
    freeze(wib(WEDNESDAY, 8, 2))
    counters.recall(actor=petugas, ticket=ticket)
    calls = selectors.recent_calls(office)
    assert [(c.code, c.counter.number, c.is_recall) for c in calls] == [("A-001", 3, True), ("A-001", 3, False)]
    assert selectors.recent_calls(office, after=calls[0].id) == []
    # yesterday's calls are not on today's board
    Call.objects.filter(pk=calls[1].pk).update(at=wib(TUESDAY, 9))
    assert len(selectors.recent_calls(office)) == 1


def test_turn_near_is_announced_once_per_ticket(
    queue, petugas, open_desk, freeze, received, django_capture_on_commit_callbacks
):
    office, service, _ = queue
    QueueSettings.objects.create(office=office, turn_near_ahead=2)
    tickets = [services.issue_walkin_ticket(actor=petugas, office=office, service=service) for _ in range(5)]
    freeze(wib(WEDNESDAY, 8, 1))
    with django_capture_on_commit_callbacks(execute=True):
        first = counters.call_next(actor=petugas, counter=open_desk)
        counters.finish(actor=petugas, ticket=first)
        counters.call_next(actor=petugas, counter=open_desk)
    near = [tid for name, tid in received if name == events.TURN_NEAR]
    # after the first call are near; after the second, A-004 too
    assert near == [tickets[1].pk, tickets[2].pk, tickets[3].pk]
    audited = AuditEntry.objects.filter(action="queueing.ticket.turn_near").order_by("id")
    assert [(e.object_id, e.actor) for e in audited] == [(str(t.pk), None) for t in tickets[1:4]]


# --- estimates and live status ---


def test_estimates_use_the_configured_minutes_and_open_counters(queue, petugas, open_desk, freeze):
    office, service, group = queue
    group.avg_service_minutes = 6
    group.save()
    tickets = [services.issue_walkin_ticket(actor=petugas, office=office, service=service) for _ in range(4)]
    now = wib(WEDNESDAY, 8, 0)
    third = selectors.estimate(tickets[2], now)
    assert (third.ahead, third.expected_at) == (2, wib(WEDNESDAY, 8, 12))
    second_desk = CounterFactory(office=office, number=4)
    counters.open_counter(actor=petugas, counter=second_desk, groups=[group])
    assert selectors.estimate(tickets[2], now).expected_at == wib(WEDNESDAY, 8, 6)
    [status] = selectors.office_queue_status(office, now)
    assert (status.waiting, status.open_counters, status.wait_minutes) == (4, 2, 12)


def test_estimates_learn_from_finished_visits(queue, petugas, open_desk, freeze):
    office, service, group = queue
    for i in range(selectors.HISTORY_MINIMUM):
        freeze(wib(WEDNESDAY, 8, 10 * i))
        ticket = services.issue_walkin_ticket(actor=petugas, office=office, service=service)
        counters.call_next(actor=petugas, counter=open_desk)
        counters.start_serving(actor=petugas, ticket=ticket)
        freeze(wib(WEDNESDAY, 8, 10 * i + 4))
        counters.finish(actor=petugas, ticket=ticket)
    assert selectors.service_minutes(group) == pytest.approx(4.0)


def test_a_booking_estimate_counts_the_bookings_before_it(queue, freeze):
    tickets = [book(queue, freeze) for _ in range(3)]
    estimate = selectors.estimate(tickets[2], wib(TUESDAY, 12))
    assert (estimate.ahead, estimate.expected_at) == (2, wib(WEDNESDAY, 8, 20))
    done = Ticket.objects.get(pk=tickets[0].pk)
    done.status = TicketStatus.CANCELLED
    done.save()
    assert selectors.estimate(tickets[2], wib(TUESDAY, 12)).ahead == 1


def test_housekeeping_command_expires_and_reminds(queue, freeze):
    from io import StringIO

    from django.core.management import call_command

    missed = book(queue, freeze, day=TUESDAY, hour=13)
    tomorrow = book(queue, freeze, day=WEDNESDAY)
    freeze(wib(TUESDAY, 16))
    out = StringIO()
    call_command("queue_housekeeping", stdout=out)
    assert out.getvalue().strip() == "queue housekeeping: expired=1 reminders=1"
    missed.refresh_from_db()
    tomorrow.refresh_from_db()
    assert missed.status == TicketStatus.NO_SHOW and tomorrow.reminder_sent_at == wib(TUESDAY, 16)


def test_day_statistics_from_the_recorded_times(queue, petugas, open_desk, freeze):
    office, service, _ = queue
    a = services.issue_walkin_ticket(actor=petugas, office=office, service=service)  # 07:55, ready 08:00
    services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    freeze(wib(WEDNESDAY, 8, 10))
    counters.call_next(actor=petugas, counter=open_desk)
    counters.start_serving(actor=petugas, ticket=a)
    freeze(wib(WEDNESDAY, 8, 16))
    counters.finish(actor=petugas, ticket=a)
    b = counters.call_next(actor=petugas, counter=open_desk)
    counters.skip(actor=petugas, ticket=b)
    stats = selectors.day_statistics(office, WEDNESDAY)
    assert (stats.issued, stats.served, stats.no_shows, stats.cancelled) == (2, 1, 1, 0)
    assert (stats.avg_wait_minutes, stats.avg_service_minutes) == (10.0, 6.0)
