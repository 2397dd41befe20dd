"""Citizen pages: choose a service, an office and a session; the ticket with its QR code; cancel and move."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from loket.accounts.factories import CitizenFactory
from loket.offices.factories import OfficeFactory, add_rules
from loket.offices.models import Day
from loket.queueing import services
from loket.queueing.factories import QuotaFactory, ServiceGroupFactory
from loket.queueing.models import Ticket, TicketStatus

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = dt.date(2026, 9, 8)
WEDNESDAY = dt.date(2026, 9, 9)


def wib(day, hh, mm=0):
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=WIB)


@pytest.fixture
def at_tuesday(freeze):
    freeze(wib(TUESDAY, 10))


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


def slot_url(service, office):
    return reverse("queueing:book_slot", args=[service.slug, office.slug])


def test_the_three_steps_lead_to_a_ticket_with_a_qr_code(citizen_client, queue, at_tuesday, citizen):
    office, service, _ = queue
    page = citizen_client.get(reverse("queueing:book_service")).content.decode()
    assert "Langkah 1 dari 3" in page and service.name in page
    page = citizen_client.get(reverse("queueing:book_office", args=[service.slug])).content.decode()
    assert office.name in page and "Tempat kosong paling awal: Selasa" in page
    page = citizen_client.get(slot_url(service, office)).content.decode()
    assert 'value="2026-09-09T08:00"' in page and "sisa 20 tempat" in page
    # The 08:00 session of today has started: it is not offered any more.
    assert 'value="2026-09-08T08:00"' not in page

    response = citizen_client.post(slot_url(service, office), {"action": "book", "slot": "2026-09-09T08:00"})
    ticket = Ticket.objects.get(citizen=citizen)
    assert response.status_code == 302 and response["Location"] == reverse("queueing:ticket", args=[ticket.token])
    page = citizen_client.get(response["Location"]).content.decode()
    assert "Nomor antrean Anda A-001" in page
    assert "<svg" in page and "Tunjukkan kode QR ini" in page
    assert "Rabu, 9 September 2026" in page and "08.00–12.00 WIB" in page
    assert "sekitar pukul 08.00 WIB (0 tiket sebelum Anda)" in page


def test_the_earliest_free_place_is_booked_on_request(citizen_client, queue, at_tuesday, citizen):
    office, service, _ = queue
    citizen_client.post(slot_url(service, office), {"action": "earliest"})
    ticket = Ticket.objects.get(citizen=citizen)
    assert ticket.local_date == TUESDAY and ticket.session_start == wib(TUESDAY, 13)


def test_a_full_day_names_the_next_date_and_other_offices_with_room(client, freeze, at_tuesday):
    office = OfficeFactory(region_code="36.74.04")
    other = OfficeFactory(region_code="36.74.04", name="Kecamatan Tetangga")
    from loket.catalog.factories import ServiceFactory

    service = ServiceFactory(office_kinds=["kecamatan"])
    for o, online in ((office, 1), (other, 5)):
        add_rules(o, [Day.WEDNESDAY, Day.THURSDAY], "08:00", "12:00")
        QuotaFactory(group=ServiceGroupFactory(office=o, services=[service]), online_limit=online)
    services.book_ticket(
        actor=CitizenFactory(), office=office, service=service, local_date=WEDNESDAY, session_start=dt.time(8)
    )
    client.force_login(CitizenFactory())
    response = client.post(slot_url(service, office), {"action": "book", "slot": "2026-09-09T08:00"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Kuota online sesi pukul 08.00 pada 9 September 2026 sudah penuh." in page
    assert "10 September 2026, sesi pukul 08.00" in page  # the next session with room
    assert "Kecamatan Tetangga" in page and "sisa 5 tempat" in page
    assert 'value="2026-09-09T08:00" checked' not in page  # the full session cannot be picked again


def test_a_second_booking_points_to_the_first(citizen_client, queue, at_tuesday):
    office, service, _ = queue
    citizen_client.post(slot_url(service, office), {"action": "book", "slot": "2026-09-09T08:00"})
    response = citizen_client.post(slot_url(service, office), {"action": "book", "slot": "2026-09-09T13:00"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Anda sudah punya tiket A-001" in page and "Lihat tiket saya A-001" in page


def test_a_tampered_slot_gets_a_clear_message(citizen_client, queue, at_tuesday):
    office, service, _ = queue
    response = citizen_client.post(slot_url(service, office), {"action": "book", "slot": "kemarin"})
    assert response.status_code == 400
    assert "Pilih tanggal dan sesi terlebih dahulu." in response.content.decode()
    response = citizen_client.post(slot_url(service, office), {"action": "book", "slot": "2026-09-09T09:30"})
    assert response.status_code == 400
    assert "tidak punya sesi yang mulai pukul 09:30" in response.content.decode()


def test_cancel_returns_the_place_and_lists_the_ticket_as_past(citizen_client, queue, at_tuesday, citizen):
    office, service, _ = queue
    citizen_client.post(slot_url(service, office), {"action": "book", "slot": "2026-09-09T08:00"})
    ticket = Ticket.objects.get(citizen=citizen)
    response = citizen_client.post(reverse("queueing:ticket", args=[ticket.token]), {"action": "cancel"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CANCELLED
    page = citizen_client.get(reverse("queueing:my_tickets")).content.decode()
    assert "Anda tidak punya tiket antrean yang aktif." in page and "Dibatalkan" in page
    assert "sisa 20 tempat" in citizen_client.get(slot_url(service, office)).content.decode()


def test_move_to_another_session(citizen_client, queue, at_tuesday, citizen):
    office, service, _ = queue
    citizen_client.post(slot_url(service, office), {"action": "book", "slot": "2026-09-09T08:00"})
    ticket = Ticket.objects.get(citizen=citizen)
    page = citizen_client.get(reverse("queueing:ticket", args=[ticket.token])).content.decode()
    assert 'value="2026-09-09T08:00"' not in page  # not its own session
    response = citizen_client.post(
        reverse("queueing:ticket", args=[ticket.token]), {"action": "reschedule", "slot": "2026-09-10T13:00"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.local_date, ticket.session_start) == (dt.date(2026, 9, 10), wib(dt.date(2026, 9, 10), 13))
    bad = citizen_client.post(reverse("queueing:ticket", args=[ticket.token]), {"action": "reschedule", "slot": ""})
    assert bad.status_code == 400 and "Pilih tanggal dan sesi terlebih dahulu." in bad.content.decode()


def test_another_citizens_ticket_is_not_found(client, queue, at_tuesday):
    office, service, _ = queue
    ticket = services.book_ticket(
        actor=CitizenFactory(), office=office, service=service, local_date=WEDNESDAY, session_start=dt.time(8)
    )
    client.force_login(CitizenFactory())
    assert client.get(reverse("queueing:ticket", args=[ticket.token])).status_code == 404
    assert client.post(reverse("queueing:ticket", args=[ticket.token]), {"action": "cancel"}).status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.BOOKED


def test_english_is_one_click_away(citizen_client, queue, at_tuesday):
    citizen_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = citizen_client.get(reverse("queueing:book_service")).content.decode()
    assert "Step 1 of 3" in page


def test_times_show_in_the_offices_own_zone(client, freeze):
    from loket.queueing.tests.conftest import make_queue

    office, service, _ = make_queue(wit=True)  # Jayapura: WIT, two hours ahead of Jakarta
    freeze(dt.datetime(2026, 9, 8, 10, tzinfo=ZoneInfo("Asia/Jayapura")))
    client.force_login(CitizenFactory())
    page = client.get(slot_url(service, office)).content.decode()
    assert "08.00–12.00" in page and "06.00–10.00" not in page
    client.post(slot_url(service, office), {"action": "book", "slot": "2026-09-09T08:00"})
    ticket = Ticket.objects.get(office=office)
    page = client.get(reverse("queueing:ticket", args=[ticket.token])).content.decode()
    assert "08.00–12.00 WIT" in page
