"""The events registry: handlers run after commit, never for rolled-back work."""

import pytest
from django.db import transaction

from loket.queueing import events


class Boom(Exception):
    pass


@pytest.fixture
def received():
    got = []

    def handler(name, ticket_id):
        got.append((name, ticket_id))

    events.subscribe(events.WALKIN_ISSUED, handler)
    yield got
    events.unsubscribe(events.WALKIN_ISSUED, handler)


class FakeTicket:
    pk = 42


@pytest.mark.django_db
def test_handlers_run_on_commit(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events.emit(events.WALKIN_ISSUED, FakeTicket())
        assert received == []
    assert received == [(events.WALKIN_ISSUED, 42)]


@pytest.mark.django_db(transaction=True)
def test_rolled_back_work_announces_nothing(received):
    with pytest.raises(Boom), transaction.atomic():
        events.emit(events.WALKIN_ISSUED, FakeTicket())
        raise Boom
    assert received == []
    with transaction.atomic():
        events.emit(events.WALKIN_ISSUED, FakeTicket())
    assert received == [(events.WALKIN_ISSUED, 42)]


@pytest.mark.django_db(transaction=True)
def test_a_failing_handler_does_not_stop_the_others(received):
    def broken(name, ticket_id):
        raise RuntimeError("gateway down")

    events.subscribe(events.WALKIN_ISSUED, broken)
    events._handlers[events.WALKIN_ISSUED].reverse()  # the broken one first
    try:
        with transaction.atomic():
            events.emit(events.WALKIN_ISSUED, FakeTicket())
    finally:
        events.unsubscribe(events.WALKIN_ISSUED, broken)
    assert received == [(events.WALKIN_ISSUED, 42)]


def test_unknown_events_are_rejected():
    with pytest.raises(ValueError):
        events.emit("typo", FakeTicket())
    with pytest.raises(ValueError):
        events.subscribe("typo", print)


@pytest.mark.django_db(transaction=True)
def test_in_transaction_handlers_run_inside_and_roll_back_with_the_change():
    seen = []

    def handler(name, ticket):
        from django.db import connection

        seen.append((name, ticket.pk, connection.in_atomic_block))

    events.subscribe_in_transaction(events.WALKIN_ISSUED, handler)
    try:
        with pytest.raises(Boom), transaction.atomic():
            events.emit(events.WALKIN_ISSUED, FakeTicket())
            assert seen == [(events.WALKIN_ISSUED, 42, True)]  # at once, inside the transaction
            raise Boom
    finally:
        events.unsubscribe_in_transaction(events.WALKIN_ISSUED, handler)
