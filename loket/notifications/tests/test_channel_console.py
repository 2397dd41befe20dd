"""The demo phone (make run): messages through the real outbox and worker, written to the terminal."""

import io

import pytest
from django.core.exceptions import ImproperlyConfigured

from loket.accounts.factories import CitizenFactory
from loket.notifications.channels.base import OutgoingMessage
from loket.notifications.channels.console import ConsoleChannel
from loket.notifications.channels.registry import build_registry
from loket.notifications.models import ContactPreference, Notification, Status
from loket.notifications.services import delivery as worker
from loket.notifications.tests.helpers import enqueue_booking, run_once

CONSOLE = {
    name: {"backend": "loket.notifications.channels.console.ConsoleChannel", "name": name}
    for name in ("sms", "whatsapp", "email")
}


def test_an_sms_is_written_with_its_number_id_and_parts():
    out = io.StringIO()
    channel = ConsoleChannel(name="sms", stream=out)
    text = "Kode verifikasi nomor HP di Loket: 461557. " * 5  # 215 GSM-7 characters: two parts
    result = channel.send(OutgoingMessage(id="loket-ntf-7-sms", channel="sms", to="6281234567890", text=text))
    printed = out.getvalue()
    assert "--- Loket demo: SMS to +6281234567890 (loket-ntf-7-sms, 2 SMS) ---" in printed
    assert text in printed
    assert result.provider_id == "console-loket-ntf-7-sms" and result.segments == 2


def test_an_email_shows_its_subject_and_whatsapp_does_not():
    out = io.StringIO()
    message = {"id": "loket-ntf-8", "to": "warga@contoh.id", "text": "Isi", "subject": "Antrean Anda"}
    ConsoleChannel(name="email", stream=out).send(OutgoingMessage(channel="email", **message))
    assert "E-mail to warga@contoh.id" in out.getvalue() and "Subject: Antrean Anda" in out.getvalue()
    out = io.StringIO()
    ConsoleChannel(name="whatsapp", stream=out).send(
        OutgoingMessage(id="loket-ntf-9", channel="whatsapp", to="6281234567890", text="Isi", subject="Antrean Anda")
    )
    assert "WhatsApp to +6281234567890" in out.getvalue() and "Subject" not in out.getvalue()


def test_it_cannot_be_built_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured, match="development"):
        build_registry(CONSOLE)


@pytest.mark.django_db
def test_the_worker_sends_a_booking_message_to_the_demo_phone(clock, settings, capsys):
    settings.NOTIFY_CHANNELS = CONSOLE
    citizen = CitizenFactory(phone="+6281234567890")
    ContactPreference.objects.create(
        user=citizen, channels=["sms"], verified_phone=citizen.phone, phone_verified_at=clock.now
    )
    row = enqueue_booking(citizen)
    assert run_once(build_registry()) == [worker.SENT]
    printed = capsys.readouterr().out
    assert "SMS to +6281234567890" in printed
    assert "A-012" in printed and "Kecamatan Ciputat" in printed
    row = Notification.objects.get(pk=row.pk)
    assert row.status == Status.SENT and row.provider_id == f"console-loket-ntf-{row.pk}-sms"
