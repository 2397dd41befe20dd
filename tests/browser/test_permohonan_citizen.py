"""Online requests in a real browser: a citizen on a phone asks the kelurahan for a surat keterangan
usaha, fills in the form, uploads a PDF, forgets a field (the message appears beside it and nothing
typed is lost), then sends it and sees the tracking code and the fee statement."""

import pytest
from playwright.sync_api import expect

from loket.accounts.factories import DEFAULT_PASSWORD, CitizenFactory
from loket.offices.factories import WEEKDAYS, OfficeFactory, add_rules
from loket.permohonan.factories import pdf_bytes, sku_service
from loket.permohonan.models import Permohonan, Status

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def kelurahan_sku(transactional_db):
    office = OfficeFactory(kelurahan=True, name="Kelurahan Uji Permohonan", address="Jl. Aria Putra No. 1")
    add_rules(office, WEEKDAYS, "08:00", "16:00")
    return office, sku_service()


def log_in(page, base, login, password=DEFAULT_PASSWORD):
    page.goto(base + "/akun/masuk/")
    page.locator("#id_login").fill(login)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("h1")).not_to_have_text("Masuk")


def test_citizen_requests_a_surat_keterangan_usaha_on_a_phone(page, live_server, kelurahan_sku, tmp_path):
    office, service = kelurahan_sku
    ktp, kk = (service.requirements.get(name=n) for n in ("KTP-el pemohon", "Kartu Keluarga (KK)"))
    scan = tmp_path / "ktp-saya.pdf"
    scan.write_bytes(pdf_bytes())
    kk_scan = tmp_path / "kk-saya.pdf"
    kk_scan.write_bytes(pdf_bytes())
    citizen = CitizenFactory()
    log_in(page, live_server.url, citizen.nik)

    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Permohonan").click()
    expect(page.locator("h1")).to_have_text("Permohonan saya")
    page.get_by_role("link", name="Ajukan permohonan online").click()
    page.get_by_role("link", name="Surat keterangan usaha (SKU)").click()
    expect(page.locator("main")).to_contain_text("Langkah 2 dari 3")
    page.get_by_role("button", name="Kelurahan Uji Permohonan").click()

    expect(page.locator("h1")).to_have_text("Surat keterangan usaha (SKU)")
    # Date of birth and sex come from the NIK already.
    expect(page.locator("#id_identity_tanggal_lahir")).to_have_value("1987-11-01")
    expect(page.locator("#id_identity_jenis_kelamin")).to_have_value("Laki-laki")
    page.locator("#id_identity_tempat_lahir").fill("Padang")
    page.locator("#id_identity_agama").select_option("Islam")
    page.locator("#id_identity_pekerjaan").fill("Wiraswasta")
    page.locator("#id_identity_alamat").fill("Jl. Gajah Mada No. 5, RT 02/RW 04")
    page.locator("#id_nama_usaha").fill("Warung Nasi Padang Sederhana")
    # jenis_usaha forgotten
    page.locator(f"#id_upload_{ktp.pk}").set_input_files(str(scan))
    page.locator(f"#id_upload_{kk.pk}").set_input_files(str(kk_scan))
    page.get_by_role("button", name="Kirim permohonan").click()

    expect(page.get_by_test_id("form-error")).to_contain_text("Beberapa isian perlu diperbaiki")
    expect(page.get_by_test_id("error-jenis_usaha")).to_have_text("Wajib diisi.")
    expect(page.locator("#id_nama_usaha")).to_have_value("Warung Nasi Padang Sederhana")
    expect(page.locator("#id_identity_pekerjaan")).to_have_value("Wiraswasta")
    expect(page.get_by_test_id(f"uploaded-{ktp.pk}")).to_contain_text("ktp-saya.pdf")
    expect(page.get_by_test_id(f"uploaded-{kk.pk}")).to_contain_text("kk-saya.pdf")

    page.locator("#id_jenis_usaha").fill("Rumah makan")
    page.get_by_role("button", name="Kirim permohonan").click()

    p = Permohonan.objects.get(citizen=citizen)
    expect(page.get_by_test_id("tracking-code")).to_have_text(p.code)
    expect(page.locator(".messages")).to_contain_text(f"Kode permohonan Anda {p.code}")
    expect(page.get_by_test_id("request-status")).to_have_text("Diajukan")
    expect(page.get_by_test_id("fee")).to_contain_text("Gratis — Rp 0")
    p.refresh_from_db()
    assert p.status == Status.DIAJUKAN and p.values["jenis_usaha"] == "Rumah makan"
    assert sorted(u.original_name for u in p.uploads.all()) == ["kk-saya.pdf", "ktp-saya.pdf"]
