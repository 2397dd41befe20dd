"""The office kiosk on a touch screen: a visitor taps a service, the ticket prints (print page with a
print stylesheet, or ESC/POS over Web Serial), and past the walk-in cap the kiosk says so.

Nothing is frozen here: the office opens every day in a window around the real current time."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from loket.accounts.factories import OfficerFactory
from loket.catalog.factories import ServiceFactory
from loket.offices.factories import OfficeFactory, add_rules
from loket.offices.models import Day
from loket.offices.selectors import office_zone
from loket.queueing.escpos import PARTIAL_CUT
from loket.queueing.factories import QuotaFactory, ServiceGroupFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# window.print() is replaced so that the test decides when "printing" ends (the afterprint event).
STUB_PRINT = "window.__printed = 0; window.print = function () { window.__printed += 1; };"

# A serial thermal printer the petugas chose earlier: it keeps every byte written to it.
FAKE_SERIAL_PRINTER = """
window.__written = [];
(function () {
  var port = {
    writable: null,
    open: function (options) {
      window.__baud = options.baudRate;
      this.writable = new WritableStream({ write: function (chunk) { window.__written.push.apply(window.__written, Array.from(chunk)); } });
      return Promise.resolve();
    },
    close: function () { this.writable = null; window.__portClosed = true; return Promise.resolve(); }
  };
  Object.defineProperty(navigator, "serial", { configurable: true, value: {
    getPorts: function () { return Promise.resolve(window.__noPrinter ? [] : [port]); },
    requestPort: function () { return Promise.resolve(port); }
  } });
})();
"""


@pytest.fixture
def kiosk_site(live_server, client):
    """An office open every day from an hour ago to three hours ahead (any time of day: a window
    past midnight runs into the next day), one walk-in ticket per session, and its kiosk account."""
    office = OfficeFactory(name="Kantor Kecamatan Kiosk")
    local_now = timezone.now().astimezone(office_zone(office))
    opens, closes = (local_now - dt.timedelta(hours=1)), (local_now + dt.timedelta(hours=3))
    add_rules(office, list(Day), f"{opens:%H:%M}", f"{closes:%H:%M}")
    service = ServiceFactory(office_kinds=["kecamatan"], name="Surat keterangan domisili")
    group = ServiceGroupFactory(office=office, letter="A", name="Umum", services=[service])
    QuotaFactory(group=group, online_limit=20, walkin_limit=1)
    # Logged in by force_login; an unusable password keeps the factories' cached password hash
    # (and the hashers other browser tests choose) out of this test.
    client.force_login(OfficerFactory(kiosk=True, office=office, password="!force-login-only"))
    return {
        "url": live_server.url + reverse("queueing:kiosk", args=[office.slug]),
        "cookie": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "base": live_server.url,
    }


@pytest.fixture
def kiosk_page(browser, kiosk_site):
    """A portrait touch screen, logged in as the kiosk."""
    context = browser.new_context(locale="id-ID", viewport={"width": 1080, "height": 1600}, has_touch=True)
    context.set_default_timeout(10_000)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": kiosk_site["cookie"], "url": kiosk_site["base"]}]
    )
    yield context
    context.close()


def test_tap_a_service_print_the_ticket_then_the_walkin_cap_is_refused(kiosk_page, kiosk_site):
    kiosk_page.add_init_script(STUB_PRINT)
    page = kiosk_page.new_page()
    page.clock.install()
    page.goto(kiosk_site["url"])
    expect(page.locator("h1")).to_have_text("Kantor Kecamatan Kiosk")
    expect(page.get_by_role("heading", name="Ambil nomor antrean")).to_be_visible()
    expect(page.locator("[data-clock-time]")).to_have_text(re.compile(r"^\d\d\.\d\d$"))
    expect(page.get_by_text("Layanan prioritas (lansia")).to_be_visible()
    expect(page.get_by_role("heading", name="Sudah pesan online?")).to_be_visible()
    service_button = page.get_by_role("button", name="Surat keterangan domisili")
    assert service_button.bounding_box()["height"] >= 64

    # Tap: the print page shows the ticket, prints itself at once…
    service_button.tap()
    expect(page).to_have_url(re.compile(r"/cetak/\?cetak=1&lebar=58&kembali="))
    expect(page.get_by_test_id("printed-ticket")).to_contain_text("A-001")
    page.wait_for_function("window.__printed === 1")
    # …with a print stylesheet: on paper only the slip, no buttons.
    expect(page.locator(".no-print")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".no-print")).to_be_hidden()
    expect(page.get_by_test_id("printed-ticket")).to_be_visible()
    page.emulate_media(media="screen")

    # Printing done: back at the kiosk for the next visitor.
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    expect(page).to_have_url(kiosk_site["url"])

    # The one walk-in ticket of this session is gone: the refusal, in big plain Indonesian.
    page.get_by_text("Layanan prioritas (lansia").tap()
    expect(page.locator("[data-priority]")).to_be_checked()
    page.get_by_role("button", name="Surat keterangan domisili").tap()
    result = page.get_by_test_id("kiosk-result")
    expect(result).to_contain_text("Mohon maaf, nomor antrean tidak dapat diberikan")
    expect(result).to_contain_text("Seluruh 1 tiket datang langsung untuk sesi ini sudah habis.")
    expect(result).to_contain_text("Antrean online masih tersedia pada")

    # After about 15 seconds the kiosk returns to its start screen by itself.
    page.clock.run_for(16_000)
    expect(page.get_by_role("heading", name="Ambil nomor antrean")).to_be_visible()
    expect(page.locator("[data-priority]")).not_to_be_checked()


def test_escpos_printer_over_web_serial(kiosk_page, kiosk_site):
    kiosk_page.add_init_script(FAKE_SERIAL_PRINTER)
    page = kiosk_page.new_page()
    page.goto(kiosk_site["url"] + "?printer=escpos&lebar=80")
    expect(page.locator("[data-printer-status]")).to_have_text("Printer siap")
    expect(page.get_by_role("button", name="Pilih printer")).to_be_visible()

    page.get_by_role("button", name="Surat keterangan domisili").tap()

    issued = page.get_by_test_id("kiosk-issued")
    expect(issued).to_contain_text("A-001")
    expect(issued.get_by_text("Silakan ambil tiket Anda di printer.")).to_be_visible()
    expect(issued.get_by_text("Tiket Anda sedang dicetak")).to_be_hidden()
    written = bytes(page.evaluate("window.__written"))
    assert written.startswith(b"\x1b@") and written.endswith(PARTIAL_CUT)
    assert b"A-001" in written
    assert page.evaluate("window.__portClosed") is True
    assert page.url == kiosk_site["url"]  # no print page: the bytes went to the printer


def test_escpos_without_a_chosen_printer_falls_back_to_the_print_page(kiosk_page, kiosk_site):
    kiosk_page.add_init_script("window.__noPrinter = true;" + FAKE_SERIAL_PRINTER + STUB_PRINT)
    page = kiosk_page.new_page()
    page.goto(kiosk_site["url"] + "?printer=escpos")
    expect(page.locator("[data-printer-status]")).to_have_text("Printer belum dipilih")

    page.get_by_role("button", name="Surat keterangan domisili").tap()

    expect(page).to_have_url(re.compile(r"/cetak/\?cetak=1&lebar=58&kembali="))
    expect(page.get_by_test_id("printed-ticket")).to_contain_text("A-001")
    page.wait_for_function("window.__printed === 1")
