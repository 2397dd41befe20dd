"""Delivery receipts: delivered or failed by the gateway's id, idempotent, falling back on failure."""

import pytest
from django.urls import reverse

from loket.accounts.factories import CitizenFactory
from loket.notifications import services
from loket.notifications.channels.base import Receipt
from loket.notifications.management.worker import run_worker
from loket.notifications.models import PendingReceipt, Status
from loket.notifications.services import delivery
from loket.notifications.tests.helpers import enqueue_booking, run_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(clock, registry):
    row = enqueue_booking(CitizenFactory())
    assert run_once(registry) == [delivery.SENT]
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
    assert run_once(registry) == [delivery.SENT]
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


def test_a_receipt_that_comes_before_the_send_is_recorded_is_applied_then(clock, registry, fakes):
    row = enqueue_booking(CitizenFactory())
    [claimed] = delivery.claim_batch("w1", 1)
    # the gateway answers so fast that its receipt arrives while the worker is still in send()
    early = f"prov-loket-ntf-{row.pk}-whatsapp-1"
    assert services.apply_receipt(Receipt(provider_id=early, delivered=True)) is None
    assert PendingReceipt.objects.filter(provider_id=early).count() == 1
    assert delivery.process(claimed, registry) == delivery.SENT
    row.refresh_from_db()
    assert row.status == Status.DELIVERED and row.provider_id == early
    assert not PendingReceipt.objects.exists()


def test_kept_receipts_are_retried_by_the_worker_loop_and_forgotten_after_a_week(clock, sent, registry):
    # a receipt kept while its send was being committed (each missed the other)
    PendingReceipt.objects.create(provider_id=sent.provider_id, delivered=True, received_at=clock.now)
    PendingReceipt.objects.create(provider_id="not-ours", delivered=True, received_at=clock.now)
    assert services.retry_pending_receipts() == 1
    sent.refresh_from_db()
    assert sent.status == Status.DELIVERED
    assert list(PendingReceipt.objects.values_list("provider_id", flat=True)) == ["not-ours"]
    clock.advance(days=8)
    assert run_worker("w1", once=True, registry=registry) == 0
    assert not PendingReceipt.objects.exists()


def test_handle_receipt_is_the_smpp_callback(sent):
    services.handle_receipt(Receipt(provider_id=sent.provider_id, delivered=True))
    sent.refresh_from_db()
    assert sent.status == Status.DELIVERED


class WebhookChannel:
    """Stands in for the HTTP gateway channel: parses ``id:state`` lines, checks a token."""

    name = "whatsapp"
    dedupes = True

    def __init__(self, **options):
        pass

    def verify_subscription(self, params):
        return params.get("hub.challenge") if params.get("hub.verify_token") == "rahasia" else None

    def parse_webhook(self, body, headers):
        if headers.get("X-Token") != "rahasia":
            raise ValueError("wrong token")
        receipts = []
        for line in body.decode().splitlines():
            provider_id, state = line.split(":")
            receipts.append(Receipt(provider_id=provider_id, delivered=state == "delivered", error=state))
        return receipts

    def send(self, message):
        raise AssertionError("not used")

    def close(self):
        pass


def test_gateways_report_delivery_to_the_webhook(client, settings, sent):
    settings.NOTIFY_CHANNELS = {"whatsapp": {"backend": "loket.notifications.tests.test_receipts.WebhookChannel"}}
    url = reverse("notifications:receipts", kwargs={"channel": "whatsapp"})
    assert url == "/notifikasi/laporan-kirim/whatsapp/"
    assert (
        client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "rahasia", "hub.challenge": "42"}).content
        == b"42"
    )
    assert client.get(url, {"hub.verify_token": "salah", "hub.challenge": "42"}).status_code == 403
    body = f"{sent.provider_id}:delivered".encode()
    assert client.post(url, body, content_type="text/plain", headers={"X-Token": "salah"}).status_code == 403
    sent.refresh_from_db()
    assert sent.status == Status.SENT
    response = client.post(url, body, content_type="text/plain", headers={"X-Token": "rahasia"})
    assert response.status_code == 200  # no CSRF token needed: the gateway has none
    sent.refresh_from_db()
    assert sent.status == Status.DELIVERED
    assert (
        client.post(
            reverse("notifications:receipts", kwargs={"channel": "sms"}), b"", content_type="text/plain"
        ).status_code
        == 404
    )
    settings.NOTIFY_CHANNELS = {"email": {"backend": "loket.notifications.channels.django_mail.DjangoMailChannel"}}
    assert (
        client.post(
            reverse("notifications:receipts", kwargs={"channel": "email"}), b"", content_type="text/plain"
        ).status_code
        == 404
    )
