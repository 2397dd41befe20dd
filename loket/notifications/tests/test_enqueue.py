"""enqueue: written with the event's transaction, once per event and person, rendered at once,
never with an identity number, on the channels that can reach the citizen."""

import pytest
from django.db import transaction

from loket.accounts.factories import CitizenFactory
from loket.notifications import services
from loket.notifications.models import ContactPreference, MessageTemplate, Notification, Status
from loket.notifications.tests.helpers import BOOKING, enqueue_booking

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_enqueue_in_a_transaction_that_rolls_back_leaves_nothing():
    citizen = CitizenFactory()
    with pytest.raises(Boom), transaction.atomic():
        assert services.enqueue(
            event_key="queueing.booked:ticket:1", template="booking_confirmed", recipient=citizen, context=BOOKING
        )
        raise Boom
    assert not Notification.objects.exists()


def test_a_committed_enqueue_leaves_one_pending_row_rendered_now(clock):
    citizen = CitizenFactory()
    row = enqueue_booking(citizen)
    assert Notification.objects.count() == 1
    assert row.status == Status.PENDING and row.next_attempt_at == clock.now
    assert row.text == (
        "Loket: tiket A-012 untuk KTP-el di Kecamatan Ciputat, Rabu, 9 Sep 2026 sesi 08.00-12.00 WIB. "
        "Tunjukkan kode QR di kantor."
    )
    assert len(row.text) <= 160
    assert row.subject == "Tiket antrean A-012 - Kecamatan Ciputat"
    assert row.channels == ["whatsapp", "sms"]  # no verified e-mail
    assert row.channel == "whatsapp" and row.to_phone == citizen.phone
    assert row.recipient_key == f"user:{citizen.pk}"
    # the text is fixed at the event: a later edit of the template does not change it
    MessageTemplate.objects.filter(key="booking_confirmed").update(text="Lain {{ nomor }}")
    row.refresh_from_db()
    assert row.text.startswith("Loket: tiket A-012")


def test_enqueue_twice_for_the_same_event_and_person_gives_one_row():
    citizen = CitizenFactory()
    first = enqueue_booking(citizen)
    second = enqueue_booking(citizen)
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    # another person, another template or another event: other rows
    enqueue_booking(CitizenFactory())
    enqueue_booking(citizen, event_key="queueing.booked:ticket:43")
    assert Notification.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused_and_a_committed_one_stays():
    citizen = CitizenFactory()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        services.enqueue(event_key="x:1", template="booking_confirmed", recipient=citizen, context=BOOKING)
    assert not Notification.objects.exists()
    with transaction.atomic():
        services.enqueue(event_key="x:1", template="booking_confirmed", recipient=citizen, context=BOOKING)
    assert Notification.objects.filter(event_key="x:1", status=Status.PENDING).count() == 1


@pytest.mark.parametrize(
    "written",
    ["3674041311870001", "3674 0413 1187 0001", "3674.0413.1187.0001", "3674-0413-1187-0001", "197001012000031001"],
)
def test_an_identity_number_in_the_context_never_reaches_the_text(written, caplog):
    """Replaced by *** (not refused: refusing would roll back the rejection it is about)."""
    citizen = CitizenFactory()
    with transaction.atomic():
        row = services.enqueue(
            event_key="permohonan.rejected:permohonan:7",
            template="request_rejected",
            recipient=citizen,
            context={"kode_permohonan": "PMH-7K3Q-9XTA", "layanan": "SKTM", "alasan": f"NIK {written} tidak sesuai KK"},
        )
    assert row.text == "Loket: permohonan PMH-7K3Q-9XTA (SKTM) ditolak. Alasan: NIK *** tidak sesuai KK"
    digits = written.replace(" ", "").replace(".", "").replace("-", "")
    assert digits not in row.text.replace(" ", "")
    assert written not in caplog.text and "identity number" in caplog.text


def test_a_phone_number_or_a_ticket_number_is_not_masked():
    citizen = CitizenFactory()
    with transaction.atomic():
        row = services.enqueue(
            event_key="permohonan.returned:permohonan:8",
            template="request_returned",
            recipient=citizen,
            context={"kode_permohonan": "PMH-1", "layanan": "SKU", "alasan": "hubungi 0812 3456 7890, 2026-09-09"},
        )
    assert "0812 3456 7890, 2026-09-09" in row.text


def test_a_context_missing_a_variable_is_a_programming_error():
    citizen = CitizenFactory()
    with pytest.raises(ValueError, match="sesi"), transaction.atomic():
        services.enqueue(
            event_key="x:2",
            template="booking_confirmed",
            recipient=citizen,
            context={k: v for k, v in BOOKING.items() if k != "sesi"},
        )


def test_channels_follow_the_preference_and_the_addresses():
    citizen = CitizenFactory(email="warga@contoh.id")
    ContactPreference.objects.create(user=citizen, channels=["email", "sms"])
    assert enqueue_booking(citizen, event_key="e:1").channels == ["sms"]  # e-mail not verified
    ContactPreference.objects.filter(user=citizen).update(
        verified_email=citizen.email, email_verified_at="2026-09-01T00:00Z"
    )
    row = enqueue_booking(citizen, event_key="e:2")
    assert row.channels == ["email", "sms"] and row.to_email == "warga@contoh.id"


def test_an_address_without_an_account():
    row = enqueue_booking(to_phone="+6281299990000", event_key="queueing.walkin:ticket:9")
    assert row.recipient is None and row.recipient_key == "phone:+6281299990000"
    assert row.channels == ["whatsapp", "sms"]
    row = enqueue_booking(to_email="tamu@contoh.id", event_key="queueing.walkin:ticket:10")
    assert row.channels == ["email"]


def test_nothing_is_written_when_nobody_can_be_reached():
    landline = CitizenFactory(phone="+62217470123")
    assert enqueue_booking(landline) is None  # a landline gets no SMS; no verified e-mail
    inactive = CitizenFactory(is_active=False)
    assert enqueue_booking(inactive) is None
    assert not Notification.objects.exists()


def test_a_switched_off_kind_of_message_is_not_written():
    services.ensure_default_templates()
    MessageTemplate.objects.filter(key="turn_near").update(active=False)
    with transaction.atomic():
        row = services.enqueue(
            event_key="queueing.turn_near:ticket:1",
            template="turn_near",
            recipient=CitizenFactory(),
            context={"nomor": "A-001", "kantor": "Kantor", "sisa": 3},
        )
    assert row is None


def test_an_edited_template_is_used_for_new_messages():
    services.ensure_default_templates()
    MessageTemplate.objects.filter(key="called").update(text="Nomor {{ nomor }}: ke {{ loket }} sekarang.")
    with transaction.atomic():
        row = services.enqueue(
            event_key="queueing.called:ticket:1",
            template="called",
            recipient=CitizenFactory(),
            context={"nomor": "B-007", "loket": "Loket 2", "kantor": "Kelurahan Sawah"},
        )
    assert row.text == "Nomor B-007: ke Loket 2 sekarang."


def test_a_phone_number_for_an_address_is_normalised_and_a_bad_one_ignored():
    row = enqueue_booking(to_phone="0812 9999 0000", event_key="queueing.walkin:ticket:11")
    assert row.to_phone == "+6281299990000" and row.recipient_key == "phone:+6281299990000"
    assert enqueue_booking(to_phone="12345", event_key="queueing.walkin:ticket:12") is None
