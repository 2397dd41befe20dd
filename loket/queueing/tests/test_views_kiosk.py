"""The touch-screen kiosk of an office: walk-in tickets (priority for the kelompok rentan), the
walk-in cap with the next date that has online room, check-in by QR scan, and printing."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.catalog.factories import ServiceFactory
from loket.queueing import selectors, services
from loket.queueing.escpos import PARTIAL_CUT
from loket.queueing.models import Ticket, TicketKind, TicketStatus
from loket.queueing.tests.conftest import make_queue

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
TUESDAY, WEDNESDAY = dt.date(2026, 9, 8), dt.date(2026, 9, 9)


def wib(day, hh, mm=0):
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=WIB)


@pytest.fixture
def office_queue(freeze):
    """Mon-Fri 08-12 and 13-15, one walk-in ticket per session; Wednesday 13:30 (the last session)."""
    freeze(wib(WEDNESDAY, 13, 30))
    return make_queue(walkin=1)


@pytest.fixture
def kiosk_client(client, office_queue):
    client.force_login(OfficerFactory(kiosk=True, office=office_queue[0]))
    return client


def kiosk_url(office) -> str:
    return reverse("queueing:kiosk", args=[office.slug])


def walkin(client, office, service, **extra):
    return client.post(kiosk_url(office), {"action": "walkin", "service": service.pk, **extra})


def test_start_screen_lists_the_queued_services_the_priority_toggle_and_the_scan_field(kiosk_client, office_queue):
    office, service, _group = office_queue
    ServiceFactory(office_kinds=["kecamatan"], name="Layanan tanpa antrean")  # offered, but no queue group

    response = kiosk_client.get(kiosk_url(office))

    assert response.status_code == 200
    html = response.content.decode()
    assert office.name in html
    assert "Ambil nomor antrean" in html
    assert re.search(rf'<button type="submit" name="service" value="{service.pk}"[^>]*>Rekomendasi uji</button>', html)
    assert "Layanan tanpa antrean" not in html
    assert "Layanan prioritas (lansia" in html and "ibu hamil)" in html
    assert "Sudah pesan online?" in html
    assert re.search(r'<input id="kiosk-code" name="code"[^>]*autofocus', html)
    # Its own full-screen page (not base.html), CSP-clean: no inline script, no style attribute.
    assert "/static/queueing/kiosk.css" in html and "/static/queueing/kiosk.js" in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
    assert "style=" not in html
    assert 'data-tz="Asia/Jakarta"' in html and "13.30" in html


def test_walkin_redirects_to_the_print_page_that_prints_and_comes_back(kiosk_client, office_queue):
    office, service, _group = office_queue

    response = walkin(kiosk_client, office, service)

    ticket = Ticket.objects.get(office=office)
    assert (ticket.code, ticket.kind, ticket.status, ticket.priority) == ("A-001", TicketKind.WALKIN, "waiting", False)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("queueing:ticket_print", args=[office.slug, ticket.token])
    assert parse_qs(location.query) == {"cetak": ["1"], "lebar": ["58"], "kembali": [kiosk_url(office)]}

    page = kiosk_client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "A-001" in html and "data-autoprint" in html and f'data-back="{kiosk_url(office)}"' in html


def test_priority_toggle_makes_a_priority_ticket(kiosk_client, office_queue):
    office, service, _group = office_queue
    walkin(kiosk_client, office, service, priority="1")
    assert Ticket.objects.get(office=office).priority is True


def test_paper_width_is_a_kiosk_setting_kept_in_the_session(kiosk_client, office_queue):
    office, service, _group = office_queue
    kiosk_client.get(kiosk_url(office) + "?lebar=80")
    assert "Kertas 80 mm" in kiosk_client.get(kiosk_url(office)).content.decode()

    response = walkin(kiosk_client, office, service)
    assert parse_qs(urlsplit(response["Location"]).query)["lebar"] == ["80"]
    kiosk_client.get(kiosk_url(office) + "?lebar=99")  # not a paper width: ignored
    assert "Kertas 80 mm" in kiosk_client.get(kiosk_url(office)).content.decode()


def test_past_the_walkin_cap_the_kiosk_says_so_with_the_next_online_date(kiosk_client, office_queue):
    office, service, _group = office_queue
    walkin(kiosk_client, office, service)

    response = walkin(kiosk_client, office, service)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Mohon maaf, nomor antrean tidak dapat diberikan" in html
    assert "Seluruh 1 tiket datang langsung untuk sesi ini sudah habis." in html
    assert "Antrean online masih tersedia pada" in html
    assert re.search(r'data-testid="next-date">\s*Kamis, 10 September 2026\s*<', html)
    assert "data-return-after=" in html and "Layar ini akan kembali ke awal" in html
    assert Ticket.objects.filter(office=office).count() == 1


def test_after_the_last_session_the_refusal_names_the_next_day(kiosk_client, office_queue, freeze):
    office, service, _group = office_queue
    freeze(wib(WEDNESDAY, 16, 0))
    response = walkin(kiosk_client, office, service)
    assert response.status_code == 409
    assert "Hari ini kantor tidak ada sesi lagi." in response.content.decode()
    assert "Kamis, 10 September 2026" in response.content.decode()


def test_a_service_without_a_queue_here_is_a_plain_400(kiosk_client, office_queue):
    office, _service, _group = office_queue
    other = ServiceFactory(office_kinds=["kecamatan"])
    response = walkin(kiosk_client, office, other)
    assert response.status_code == 400
    assert "Sentuh salah satu layanan di layar." in response.content.decode()
    assert not Ticket.objects.exists()


@pytest.fixture
def booking(office_queue, freeze):
    office, service, _group = office_queue
    freeze(wib(TUESDAY, 10))
    ticket = services.book_ticket(
        actor=CitizenFactory(), office=office, service=service, local_date=WEDNESDAY, session_start=dt.time(8)
    )
    freeze(wib(WEDNESDAY, 7, 50))
    return ticket


@pytest.mark.parametrize("scanned", ["token", "url", "code"])
def test_a_booking_checks_in_by_scanning_its_qr(kiosk_client, booking, scanned):
    value = {
        "token": booking.token,
        "url": "http://testserver" + reverse("queueing:ticket_status", args=[booking.token]),
        "code": booking.code,
    }[scanned]

    response = kiosk_client.post(kiosk_url(booking.office), {"action": "checkin", "code": value})

    assert response.status_code == 200
    assert "Tiket A-001 sudah tercatat hadir. Silakan menunggu panggilan." in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == TicketStatus.CHECKED_IN
    assert booking.priority is False


def test_check_in_with_the_priority_toggle(kiosk_client, booking):
    kiosk_client.post(kiosk_url(booking.office), {"action": "checkin", "code": booking.token, "priority": "1"})
    booking.refresh_from_db()
    assert (booking.status, booking.priority) == (TicketStatus.CHECKED_IN, True)


def test_an_unknown_ticket_is_refused_in_plain_indonesian(kiosk_client, booking):
    response = kiosk_client.post(kiosk_url(booking.office), {"action": "checkin", "code": "A-099"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Mohon maaf, kehadiran tiket ini tidak dapat dicatat" in html
    assert "Tidak ada tiket A-099 untuk hari ini di kantor ini." in html


def test_escpos_mode_prints_from_the_kiosk_page_once(kiosk_client, office_queue):
    office, service, _group = office_queue
    kiosk_client.get(kiosk_url(office) + "?printer=escpos&lebar=80")

    response = walkin(kiosk_client, office, service)

    ticket = Ticket.objects.get(office=office)
    assert response.status_code == 302 and response["Location"] == kiosk_url(office)
    html = kiosk_client.get(kiosk_url(office)).content.decode()
    escpos = reverse("queueing:ticket_escpos", args=[office.slug, ticket.token])
    assert f'data-escpos-url="{escpos}?lebar=80"' in html
    assert re.search(r'data-print-url="[^"]*/cetak/\?cetak=1&amp;lebar=80&amp;kembali=', html)
    assert "A-001" in html and "Pilih printer" in html
    # A reload shows the start screen again: the ticket is not printed twice.
    again = kiosk_client.get(kiosk_url(office)).content.decode()
    assert "data-issued" not in again and "Ambil nomor antrean" in again


def test_the_kiosk_of_another_office_is_refused(client, office_queue):
    office, service, _group = office_queue
    other = make_queue()[0]
    client.force_login(OfficerFactory(kiosk=True, office=other))
    assert client.get(kiosk_url(office)).status_code == 403
    assert walkin(client, office, service).status_code == 403
    assert not Ticket.objects.exists()


def test_citizens_and_strangers_are_refused_and_unknown_offices_are_404(client, kiosk_client, office_queue):
    office = office_queue[0]
    assert kiosk_client.get(reverse("queueing:kiosk", args=["tidak-ada"])).status_code == 404
    client.logout()
    assert client.get(kiosk_url(office)).status_code == 302  # to the login page
    client.force_login(CitizenFactory())
    assert client.get(kiosk_url(office)).status_code == 403


def test_petugas_and_office_admin_may_run_the_kiosk(client, office_queue):
    office = office_queue[0]
    for officer in (OfficerFactory(petugas=True, office=office), OfficerFactory(office_admin=True, office=office)):
        client.force_login(officer)
        assert client.get(kiosk_url(office)).status_code == 200


def test_print_page_and_escpos_bytes_are_served_to_the_kiosk_and_refused_to_a_citizen(client, office_queue):
    office, service, _group = office_queue
    kiosk = OfficerFactory(kiosk=True, office=office)
    ticket = services.issue_walkin_ticket(actor=kiosk, office=office, service=service)
    print_url = reverse("queueing:ticket_print", args=[office.slug, ticket.token])
    escpos_url = reverse("queueing:ticket_escpos", args=[office.slug, ticket.token])

    client.force_login(kiosk)
    page = client.get(print_url + "?lebar=80")
    assert page.status_code == 200 and "A-001" in page.content.decode()
    for width in ("58", "80"):
        data = client.get(escpos_url + f"?lebar={width}")
        assert data.status_code == 200
        assert data["Content-Type"] == "application/octet-stream"
        assert data.content.startswith(b"\x1b@")
        assert data.content.endswith(PARTIAL_CUT) and PARTIAL_CUT == b"\x1dV\x42\x00"
        assert b"A-001" in data.content

    client.force_login(CitizenFactory())
    assert client.get(print_url).status_code == 403
    assert client.get(escpos_url).status_code == 403


def test_the_desk_links_the_kiosk_and_lists_the_same_services(client, office_queue):
    office, service, _group = office_queue
    client.force_login(OfficerFactory(petugas=True, office=office))
    html = client.get(reverse("queueing:desk", args=[office.slug])).content.decode()
    assert f'href="{kiosk_url(office)}"' in html
    assert f'<option value="{service.pk}">Rekomendasi uji</option>' in html
    assert selectors.queue_services(office) == [service]
