"""The queue in a real browser: a citizen books on a phone; a petugas calls at the counter while the
waiting room's display board shows and speaks the number within a second."""

import datetime as dt
import re
import time

import pytest
from playwright.sync_api import expect

from loket.accounts.factories import DEFAULT_PASSWORD, CitizenFactory, OfficerFactory
from loket.catalog.factories import ServiceFactory
from loket.offices.factories import CounterFactory, OfficeFactory, add_rules
from loket.offices.models import Day
from loket.queueing import services
from loket.queueing.factories import QuotaFactory, ServiceGroupFactory
from loket.queueing.models import Ticket, TicketStatus

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Records what the board asks the browser to say (headless Chromium has no voices to hear).
CAPTURE_SPEECH = """
window.__spoken = [];
if (window.speechSynthesis) {
  window.speechSynthesis.speak = function (u) {
    window.__spoken.push(u.text);
    setTimeout(function () { if (u.onend) u.onend(); }, 10);
  };
}
"""


@pytest.fixture
def office_open_now(transactional_db):
    """An office open around the clock (two sessions a day), so the test works at any hour."""
    office = OfficeFactory(name="Kecamatan Uji Antrean")
    days = [d for d in Day if d != Day.HOLIDAY]
    add_rules(office, days, "00:00", "12:00")
    add_rules(office, days, "12:00", "00:00")
    service = ServiceFactory(office_kinds=["kecamatan"], name="Legalisir dokumen")
    group = ServiceGroupFactory(office=office, letter="A", name="Umum", services=[service])
    QuotaFactory(group=group, online_limit=20, walkin_limit=40)
    CounterFactory(office=office, number=1, name="Pendaftaran")
    return office, service, group


def wait_spoken(page, predicate, timeout=5.0) -> list[str]:
    """Poll what the page has said (``page.evaluate`` runs outside the page's CSP, unlike
    ``wait_for_function``) until ``predicate`` holds; the sentences, or [] on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        said = page.evaluate("window.__spoken")
        if predicate(said):
            return said
        page.wait_for_timeout(50)
    return []


def log_in(page, base, login, password=DEFAULT_PASSWORD):
    page.goto(base + "/akun/masuk/")
    page.locator("#id_login").fill(login)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("h1")).not_to_have_text("Masuk")


def test_citizen_books_the_earliest_place_and_sees_the_ticket(page, live_server, office_open_now):
    office, service, _ = office_open_now
    citizen = CitizenFactory()
    log_in(page, live_server.url, citizen.nik)
    page.goto(live_server.url + "/antrean/")
    page.get_by_role("link", name="Ambil nomor antrean").click()
    page.get_by_role("link", name="Legalisir dokumen").click()
    expect(page.locator("main")).to_contain_text("Tempat kosong paling awal")
    page.get_by_role("link", name="Kecamatan Uji Antrean").click()
    expect(page.locator("main")).to_contain_text("Langkah 3 dari 3")
    page.get_by_test_id("book-earliest").click()

    expect(page.get_by_test_id("ticket-code")).to_have_text("A-001")
    expect(page.locator(".messages")).to_contain_text("Nomor antrean Anda A-001")
    expect(page.locator(".ticket-qr svg")).to_be_visible()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Dipesan")
    ticket = Ticket.objects.get(citizen=citizen)
    assert ticket.status == TicketStatus.BOOKED

    # Cancel from the ticket page: the place returns.
    page.locator("summary", has_text="Batalkan tiket ini").click()
    page.get_by_role("button", name="Batalkan tiket").click()
    expect(page.locator(".messages")).to_contain_text("Tiket A-001 dibatalkan")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CANCELLED


def test_citizen_picks_a_session_on_a_phone(page, live_server, office_open_now):
    office, service, _ = office_open_now
    citizen = CitizenFactory()
    log_in(page, live_server.url, citizen.nik)
    page.goto(f"{live_server.url}/antrean/ambil/{service.slug}/{office.slug}/")
    # The second listed session: tomorrow or later, whatever the hour.
    page.locator("input[name=slot]:not([disabled])").nth(1).check()
    page.get_by_role("button", name="Pesan sesi ini").click()
    expect(page.get_by_test_id("ticket-code")).to_have_text(re.compile(r"^A-00\d$"))
    assert Ticket.objects.filter(citizen=citizen, status=TicketStatus.BOOKED).count() == 1


def test_counter_call_reaches_the_board_within_a_second_and_is_spoken(browser, live_server, office_open_now):
    office, service, group = office_open_now
    petugas = OfficerFactory(petugas=True, office=office)

    board_context = browser.new_context(viewport={"width": 1280, "height": 720})
    board_context.add_init_script(CAPTURE_SPEECH)
    board = board_context.new_page()
    desk_context = browser.new_context(viewport={"width": 1024, "height": 768})
    desk = desk_context.new_page()
    try:
        board.goto(f"{live_server.url}/antrean/papan/{office.slug}/")
        expect(board.locator("h1")).to_have_text("Kecamatan Uji Antrean")
        board.get_by_role("button", name="Nyalakan suara").click()
        expect(board.locator("[data-counters]")).to_contain_text("Pendaftaran")

        log_in(desk, live_server.url, petugas.username)
        desk.goto(f"{live_server.url}/antrean/petugas/{office.slug}/")
        desk.get_by_label("Layanan", exact=True).select_option(label="Legalisir dokumen")
        desk.get_by_test_id("walkin-form").get_by_role("button", name="Terbitkan tiket").click()
        expect(desk.get_by_test_id("last-ticket")).to_contain_text("A-001")
        expect(board.locator("[data-waiting]")).to_contain_text("1")

        desk.goto(f"{live_server.url}/antrean/petugas/{office.slug}/loket/1/")
        desk.get_by_role("button", name="Buka loket").click()
        desk.get_by_test_id("call-next").click()
        expect(desk.get_by_test_id("current-ticket")).to_contain_text("A-001")
        called = time.monotonic()
        expect(board.locator("[data-now-code]")).to_have_text("A-001", timeout=1000)
        assert time.monotonic() - called < 1.0
        expect(board.locator("[data-now-counter]")).to_contain_text("Loket 1")
        expect(board.locator("[data-recent] li").first).to_contain_text("A-001")
        assert wait_spoken(board, lambda said: "Nomor antrean A satu, silakan ke loket satu." in said)

        # A recall is announced again.
        desk.get_by_role("button", name="Panggil ulang").click()
        assert wait_spoken(board, lambda said: sum(t.startswith("Nomor antrean A satu") for t in said) == 2)
        desk.get_by_role("button", name="Pengunjung hadir: mulai layani").click()
        desk.get_by_role("button", name="Selesai").click()
        expect(desk.locator(".messages")).to_contain_text("Tiket A-001 selesai dilayani.")
    finally:
        board_context.close()
        desk_context.close()
    ticket = Ticket.objects.get(code="A-001")
    assert ticket.status == TicketStatus.DONE and ticket.recall_count == 1
    assert ticket.checked_in_at <= ticket.called_at <= ticket.serving_at <= ticket.finished_at


def test_petugas_checks_a_booking_in_by_scanning_its_qr(page, live_server, office_open_now, monkeypatch):
    office, service, _ = office_open_now
    from loket.core import clock
    from loket.offices import selectors as office_selectors

    # Book today's running session as if it were an hour before it started.
    session = office_selectors.current_session(office, clock.now())
    real_now = clock.now
    monkeypatch.setattr("loket.core.clock.now", lambda: session.start - dt.timedelta(hours=1))
    ticket = services.book_ticket(
        actor=CitizenFactory(),
        office=office,
        service=service,
        local_date=session.start.date(),
        session_start=session.start.time(),
    )
    monkeypatch.setattr("loket.core.clock.now", real_now)

    petugas = OfficerFactory(petugas=True, office=office)
    log_in(page, live_server.url, petugas.username)
    page.goto(f"{live_server.url}/antrean/petugas/{office.slug}/")
    # A 2D scanner types what the QR code carries (the ticket's status URL) and presses Enter.
    scan = page.get_by_label("Pindai kode QR atau ketik nomor tiket")
    scan.fill(f"{live_server.url}/antrean/t/{ticket.token}/")
    scan.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Tiket A-001 sudah check-in dan menunggu panggilan.")
    expect(page.locator("table.line")).to_contain_text("A-001")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CHECKED_IN
