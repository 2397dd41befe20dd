"""Petugas pages: the desk (walk-in, check-in) and the counter console; the board's JSON; the
public status pages; printing."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.audit.models import AuditEntry
from loket.offices.factories import CounterFactory
from loket.queueing import services
from loket.queueing.models import Ticket, TicketStatus
from loket.queueing.services import counters

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY = dt.date(2026, 9, 8)
WEDNESDAY = dt.date(2026, 9, 9)


def wib(day, hh, mm=0):
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=WIB)


@pytest.fixture
def desk_client(client, petugas, queue, freeze):
    freeze(wib(WEDNESDAY, 8, 5))
    CounterFactory(office=queue[0], number=1, name="Pendaftaran")
    CounterFactory(office=queue[0], number=2, name="Adminduk")
    client.force_login(petugas)
    return client


def desk_url(office):
    return reverse("queueing:desk", args=[office.slug])


def counter_url(office, number=1):
    return reverse("queueing:counter", args=[office.slug, number])


def test_desk_issues_a_priority_walkin_with_a_print_link(desk_client, queue):
    office, service, _ = queue
    response = desk_client.post(desk_url(office), {"action": "walkin", "service": service.pk, "priority": "1"})
    assert response.status_code == 302
    ticket = Ticket.objects.get(kind="walkin")
    assert ticket.priority
    page = desk_client.get(desk_url(office)).content.decode()
    assert "Tiket datang langsung A-001 diterbitkan." in page
    assert reverse("queueing:ticket_print", args=[office.slug, ticket.token]) in page
    assert "1 menunggu" in page


def test_desk_checks_a_booking_in_by_typed_code(desk_client, queue, freeze):
    office, service, _ = queue
    freeze(wib(TUESDAY, 10))
    ticket = services.book_ticket(
        actor=CitizenFactory(), office=office, service=service, local_date=WEDNESDAY, session_start=dt.time(8)
    )
    freeze(wib(WEDNESDAY, 8, 5))
    desk_client.post(desk_url(office), {"action": "checkin", "code": "a1"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CHECKED_IN
    assert "Tiket A-001 sudah check-in dan menunggu panggilan." in desk_client.get(desk_url(office)).content.decode()


def test_desk_shows_refusals_in_indonesian(desk_client, queue):
    office, _service, _ = queue
    desk_client.post(desk_url(office), {"action": "checkin", "code": "Z-999"})
    assert "Tidak ada tiket Z-999 untuk hari ini" in desk_client.get(desk_url(office)).content.decode()
    desk_client.post(desk_url(office), {"action": "walkin", "service": ""})
    assert "Pilih layanan untuk tiket datang langsung." in desk_client.get(desk_url(office)).content.decode()


def test_a_petugas_of_another_office_is_refused(client, queue):
    client.force_login(OfficerFactory(petugas=True))
    assert client.get(desk_url(queue[0])).status_code == 403
    assert client.post(desk_url(queue[0]), {"action": "walkin"}).status_code == 403


def test_counter_console_open_call_serve_finish(desk_client, queue, petugas):
    office, service, group = queue
    walkin = services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    page = desk_client.get(counter_url(office)).content.decode()
    assert "Buka loket ini" in page
    desk_client.post(counter_url(office), {"action": "open", "groups": [group.pk]})
    page = desk_client.get(counter_url(office)).content.decode()
    assert "Loket 1 – Pendaftaran dibuka." in page and "1 tiket menunggu loket ini." in page
    desk_client.post(counter_url(office), {"action": "call"})
    walkin.refresh_from_db()
    assert walkin.status == TicketStatus.CALLED and walkin.counter.number == 1
    assert "A-001" in desk_client.get(counter_url(office)).content.decode()
    desk_client.post(counter_url(office), {"action": "recall", "ticket": walkin.pk})
    desk_client.post(counter_url(office), {"action": "serve", "ticket": walkin.pk})
    desk_client.post(counter_url(office), {"action": "finish", "ticket": walkin.pk})
    walkin.refresh_from_db()
    assert walkin.status == TicketStatus.DONE and walkin.recall_count == 1
    assert "Tiket A-001 selesai dilayani." in desk_client.get(counter_url(office)).content.decode()
    desk_client.post(counter_url(office), {"action": "call"})
    assert "Tidak ada yang menunggu untuk loket ini." in desk_client.get(counter_url(office)).content.decode()
    desk_client.post(counter_url(office), {"action": "close"})
    assert "Buka loket ini" in desk_client.get(counter_url(office)).content.decode()


def test_a_stale_screen_does_not_act_on_the_wrong_ticket(desk_client, queue, petugas):
    office, service, group = queue
    first = services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    desk_client.post(counter_url(office), {"action": "open", "groups": [group.pk]})
    desk_client.post(counter_url(office), {"action": "call"})
    counters.finish(actor=petugas, ticket=first)  # another tab finished it
    counters.call_next(actor=petugas, counter=office.counters.get(number=1))  # and called A-002
    desk_client.post(counter_url(office), {"action": "skip", "ticket": first.pk})  # the old screen
    assert Ticket.objects.get(code="A-002").status == TicketStatus.CALLED
    page = desk_client.get(counter_url(office)).content.decode()
    assert "Tiket di layar Anda sudah tidak berada di loket ini." in page


def test_skip_and_transfer_from_the_console(desk_client, queue, petugas):
    office, service, group = queue
    a = services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    b = services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    desk_client.post(counter_url(office), {"action": "open", "groups": [group.pk]})
    desk_client.post(counter_url(office), {"action": "call"})
    desk_client.post(counter_url(office), {"action": "skip", "ticket": a.pk})
    desk_client.post(counter_url(office), {"action": "call"})
    second = Ticket.objects.get(pk=b.pk)
    to_counter = office.counters.get(number=2)
    desk_client.post(counter_url(office), {"action": "transfer", "ticket": b.pk, "to_counter": to_counter.pk})
    a.refresh_from_db()
    second.refresh_from_db()
    assert a.status == TicketStatus.NO_SHOW
    assert second.status == TicketStatus.WAITING and second.assigned_counter == to_counter
    assert AuditEntry.objects.filter(action="queueing.ticket.transfer").count() == 1


def test_board_data_shows_counters_calls_and_the_sentence_to_speak(client, queue, petugas, freeze):
    office, service, group = queue
    counter = CounterFactory(office=office, number=3)
    freeze(wib(WEDNESDAY, 8, 5))
    for _ in range(12):
        services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    counters.open_counter(actor=petugas, counter=counter, groups=[group])
    for _ in range(12):
        ticket = counters.call_next(actor=petugas, counter=counter)
        counters.finish(actor=petugas, ticket=ticket)
    services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    last = counters.call_next(actor=petugas, counter=counter)
    data = client.get(reverse("queueing:board_data", args=[office.slug])).json()
    assert data["counters"] == [{"number": 3, "name": "", "code": "A-013"}]
    newest = data["calls"][0]
    assert newest["code"] == last.code == "A-013" and newest["counter"] == 3
    assert newest["text"] == "Nomor antrean A tiga belas, silakan ke loket tiga."
    assert len(data["calls"]) == 8  # the last few only
    after = client.get(reverse("queueing:board_data", args=[office.slug]), {"after": newest["id"]}).json()
    assert not any(c["new"] for c in after["calls"])
    assert client.get(reverse("queueing:board_data", args=[office.slug]), {"after": "x"}).status_code == 200


def test_public_status_pages_show_no_personal_data(client, queue, petugas, freeze):
    office, service, _ = queue
    freeze(wib(TUESDAY, 10))
    citizen = CitizenFactory(full_name="Siti Aminah")
    booked = services.book_ticket(
        actor=citizen, office=office, service=service, local_date=WEDNESDAY, session_start=dt.time(8)
    )
    freeze(wib(WEDNESDAY, 8, 5))
    services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    page = client.get(reverse("queueing:ticket_status", args=[booked.token])).content.decode()
    assert "Tiket antrean A-001" in page and "Siti Aminah" not in page and citizen.nik not in page
    assert client.get(reverse("queueing:ticket_status", args=["1"])).status_code == 404
    status = client.get(reverse("queueing:office_status", args=[office.slug])).content.decode()
    assert "Antrean saat ini di" in status and "belum ada loket yang buka" in status
    assert "Siti Aminah" not in status


def test_print_page_and_escpos_for_a_walkin(desk_client, queue, petugas):
    office, service, _ = queue
    ticket = services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    page = desk_client.get(reverse("queueing:ticket_print", args=[office.slug, ticket.token]), {"lebar": "80"})
    html = page.content.decode()
    assert page.status_code == 200 and "A-001" in html and "paper-80" in html and "<svg" in html
    raw = desk_client.get(reverse("queueing:ticket_escpos", args=[office.slug, ticket.token]))
    assert raw["Content-Type"] == "application/octet-stream"
    assert raw.content.startswith(b"\x1b@") and b"A-001" in raw.content and raw.content.endswith(b"\x1dVB\x00")


@pytest.mark.parametrize("back", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_the_print_page_returns_only_to_a_path_on_this_site(desk_client, queue, petugas, back):
    office, service, _ = queue
    ticket = services.issue_walkin_ticket(actor=petugas, office=office, service=service)
    url = reverse("queueing:ticket_print", args=[office.slug, ticket.token])
    html = desk_client.get(url, {"cetak": "1", "kembali": back}).content.decode()
    assert "data-back" not in html
    html = desk_client.get(url, {"cetak": "1", "kembali": "/antrean/kiosk/x/"}).content.decode()
    assert 'data-back="/antrean/kiosk/x/"' in html
