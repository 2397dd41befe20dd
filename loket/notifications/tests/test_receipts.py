"""Delivery receipts: delivered or failed by the gateway's id, idempotent, falling back on failure."""

import pytest

from loket.accounts.factories import CitizenFactory
from loket.notifications import services, worker
from loket.notifications.channels.base import Receipt
from loket.notifications.models import Status
from loket.notifications.tests.helpers import enqueue_booking, run_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(clock, registry):
    row = enqueue_booking(CitizenFactory())
    assert run_once(registry) == [worker.SENT]
    row.refresh_from_db()
    return row


def test_a_delivered_receipt_marks_the_message_delivered_once(clock, sent):
    clock.advance(seconds=20)
    row = services.apply_receipt(Receipt(provider_id=sent.provider_id, delivered=True))
    assert row.pk == sent.pk and row.status == Status.DELIVERED and row.delivered_at == clock.now
    at = clock.now
    clock.advance(seconds=20)
    again = services.apply_receipt(Receipt(provider_id=sent.provider_id, delivered=True))
    assert again.delivered_at == at
    # a late failure report changes nothing
    assert services.apply_receipt(Receipt(provider_id=sent.provider_id, delivered=False)).status == Status.DELIVERED


def test_a_failed_receipt_falls_back_to_the_next_channel(clock, sent, registry, fakes):
    row = services.apply_receipt(Receipt(provider_id=sent.provider_id, delivered=False, error="UNDELIV"))
    assert row.status == Status.PENDING and row.channel == "sms"
    assert row.last_error == "Tidak terkirim (WhatsApp): UNDELIV"
    # the same receipt again: nothing more
    assert services.apply_receipt(Receipt(provider_id=sent.provider_id, delivered=False)).channel == "sms"
    assert run_once(registry) == [worker.SENT]
    row.refresh_from_db()
    assert row.status == Status.SENT and row.channel == "sms" and len(fakes["sms"].calls) == 1


def test_a_failed_receipt_on_the_last_channel_fails_the_message(clock, sent, registry):
    services.apply_receipt(Receipt(provider_id=sent.provider_id, delivered=False, error="EXPIRED"))
    run_once(registry)
    sent.refresh_from_db()
    row = services.apply_receipt(Receipt(provider_id=sent.provider_id, delivered=False, error="REJECTD"))
    assert row.status == Status.FAILED and row.last_error == "Tidak terkirim (SMS): REJECTD"


def test_a_delivered_receipt_after_a_failed_one_wins(clock, sent):
    services.apply_receipt(Receipt(provider_id=sent.provider_id, delivered=False, error="?"))
    row = services.apply_receipt(Receipt(provider_id=sent.provider_id, delivered=True))
    assert row.status == Status.DELIVERED  # the fall-back is not sent


def test_a_receipt_for_an_unknown_id_is_ignored(sent):
    assert services.apply_receipt(Receipt(provider_id="nobody", delivered=True)) is None
    assert services.apply_receipt(Receipt(provider_id="", delivered=True)) is None
