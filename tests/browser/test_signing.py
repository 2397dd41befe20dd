"""Signing and verification in a real browser: a lurah signs a batch in the inbox with one PIN (a
wrong PIN first); anyone opens the QR page and uploads the signed PDF, then a tampered copy."""

import pytest
from playwright.sync_api import expect

from loket.accounts.factories import DEFAULT_PASSWORD, OfficerFactory
from loket.letters import services as letter_services
from loket.letters.factories import SIGNER, SKU_VALUES, OfficeLetterSettingsFactory, sku_service, sku_template
from loket.signing import selectors, services
from loket.signing.models import DocumentStatus

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PIN = "24681357"


@pytest.fixture
def documents(transactional_db, settings, tmp_path):
    settings.SIGNING_KDF_TEST_PARAMS = {"memory_kib": 1024, "time_cost": 1, "parallelism": 1}
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    services.init_authority(actor=None)
    office = OfficeLetterSettingsFactory().office
    lurah = OfficerFactory(
        signer=True, office=office, signer_title="Lurah Ciputat", full_name="Hendra Gunawan", nip="198507142010011002"
    )
    services.issue_signer_key(actor=None, user=lurah, pin=PIN)
    staff = OfficerFactory(verifikator=True, office=office)
    template = sku_template(sku_service())
    docs = []
    for _ in range(2):
        letter = letter_services.issue_letter(
            actor=staff, template=template, office=office, values=SKU_VALUES, signer=SIGNER, reference="uji"
        )
        docs.append(services.request_signature(actor=staff, letter=letter, signer=lurah))
    return lurah, docs


def log_in(page, base, username):
    page.goto(base + "/akun/masuk/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("h1")).not_to_have_text("Masuk")


def test_lurah_signs_a_batch_with_one_pin_and_anyone_verifies(browser, live_server, documents, tmp_path):
    lurah, docs = documents
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    try:
        log_in(page, live_server.url, lurah.username)
        page.goto(live_server.url + "/tanda-tangan/")
        form = page.get_by_test_id("sign-form")
        for document in docs:
            expect(form).to_contain_text(document.letter.number)
        page.get_by_label("PIN tanda tangan Anda").fill("salah-123")
        page.get_by_test_id("sign").click()
        expect(page.get_by_test_id("sign-error")).to_contain_text("PIN salah. Tersisa 4 kesempatan")
        page.get_by_label("PIN tanda tangan Anda").fill(PIN)
        page.get_by_test_id("sign").click()
        expect(page.locator(".messages")).to_contain_text("2 dokumen ditandatangani.")
        expect(page.locator("main")).to_contain_text("Tidak ada dokumen yang menunggu tanda tangan Anda.")
    finally:
        context.close()
    signed = [type(d).objects.get(pk=d.pk) for d in docs]
    assert all(d.status == DocumentStatus.SIGNED for d in signed)

    # Anyone (no login) checks the first one: its QR page, then the file, then a tampered copy.
    visitor = browser.new_context(viewport={"width": 390, "height": 844})
    page = visitor.new_page()
    try:
        page.goto(f"{live_server.url}/verifikasi/{signed[0].verification_token}/")
        expect(page.get_by_test_id("verdict")).to_contain_text("SAH")
        expect(page.get_by_test_id("document-facts")).to_contain_text(signed[0].letter.number)
        expect(page.get_by_test_id("document-facts")).to_contain_text("Hendra Gunawan")

        original = tmp_path / "surat.pdf"
        original.write_bytes(selectors.signed_pdf(signed[0]))
        page.goto(live_server.url + "/verifikasi/")
        page.get_by_label("Berkas PDF").set_input_files(str(original))
        page.get_by_role("button", name="Periksa").click()
        expect(page.get_by_test_id("verdict")).to_contain_text("Asli")
        expect(page.get_by_test_id("document-facts")).to_contain_text(signed[0].letter.number)

        tampered = tmp_path / "surat-diubah.pdf"
        tampered.write_bytes(original.read_bytes() + b"\n%%tambahan\n")
        page.get_by_role("link", name="Periksa berkas lain").click()
        page.get_by_label("Berkas PDF").set_input_files(str(tampered))
        page.get_by_role("button", name="Periksa").click()
        expect(page.get_by_test_id("verdict")).to_contain_text("Diubah setelah ditandatangani")
    finally:
        visitor.close()
