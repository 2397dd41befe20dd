"""A verifikator works a request in a real browser: finds it in the worklist, returns it once with a
reason, verifies the fixed one, processes it, previews the letter and sends it numbered for signature."""

import pytest
from playwright.sync_api import expect

from loket.accounts.factories import DEFAULT_PASSWORD, CitizenFactory, OfficerFactory
from loket.letters.factories import LetterTemplateFactory, OfficeLetterSettingsFactory
from loket.offices.factories import OfficeFactory, add_rules
from loket.offices.models import Day
from loket.permohonan import services
from loket.permohonan.factories import filled_draft, pdf_upload, sku_service
from loket.permohonan.models import Permohonan, Status

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def private_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


@pytest.fixture
def submitted(transactional_db, private_tmp):
    office = OfficeFactory(kelurahan=True, name="Kelurahan Gunung Pangilun", slug="kelurahan-gunung-pangilun")
    add_rules(office, [d for d in Day if d != Day.HOLIDAY], "00:00", "23:59")
    service = sku_service()
    OfficeLetterSettingsFactory(
        office=office,
        unit_code="Kel.GP",
        government_line="PEMERINTAH KOTA PADANG",
        unit_lines="KECAMATAN PADANG UTARA\nKELURAHAN GUNUNG PANGILUN",
        place_name="Padang",
    )
    LetterTemplateFactory(
        service=service,
        title="SURAT KETERANGAN USAHA",
        classification_code="500",
        body="Nama : {{ nama }}\nNIK : {{ nik }}\n\nMenjalankan usaha {{ nama_usaha }}.",
    )
    OfficerFactory(signer=True, office=office, signer_title="Lurah Gunung Pangilun", full_name="Yusrizal")
    citizen = CitizenFactory(full_name="Budi Santoso")
    p = services.submit(actor=citizen, permohonan=filled_draft(citizen, service, office))
    return p, office, citizen


def log_in(page, base, username):
    page.goto(base + "/akun/masuk/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("h1")).not_to_have_text("Masuk")


def test_verifikator_returns_verifies_processes_and_sends_for_signature(page, live_server, submitted):
    p, office, citizen = submitted
    staff = OfficerFactory(verifikator=True, office=office, full_name="Rahmi Yanti")
    log_in(page, live_server.url, staff.username)
    page.goto(live_server.url + "/permohonan/kerja/")
    worklist = page.get_by_test_id("worklist")
    expect(worklist).to_contain_text("Budi Santoso")
    expect(worklist).to_contain_text("hari kerja lagi")
    page.get_by_role("link", name=p.code).click()
    expect(page.get_by_test_id("staff-status")).to_have_text("Diajukan")

    # Return once: a too-short reason is refused and kept, then a real one.
    page.locator("summary", has_text="Kembalikan ke pemohon").click()
    page.get_by_label("Apa yang harus diperbaiki pemohon?").fill("buram")
    page.get_by_test_id("return").click()
    expect(page.get_by_test_id("action-error")).to_contain_text("paling sedikit 10 karakter")
    expect(page.get_by_label("Apa yang harus diperbaiki pemohon?")).to_have_value("buram")
    page.get_by_label("Apa yang harus diperbaiki pemohon?").fill("Foto KK terpotong, mohon unggah ulang.")
    page.get_by_test_id("return").click()
    expect(page.get_by_test_id("staff-status")).to_have_text("Dikembalikan untuk diperbaiki")

    # The citizen fixes it (their pages are tested in test_permohonan_citizen.py).
    kk = p.service.requirements.get(name="Kartu Keluarga (KK)")
    services.attach_upload(actor=citizen, permohonan=p, requirement=kk, uploaded=pdf_upload("kk.pdf"))
    services.submit(actor=citizen, permohonan=p)

    page.reload()
    expect(page.get_by_test_id("staff-status")).to_have_text("Diajukan")
    page.get_by_test_id("verify").click()
    expect(page.locator(".messages")).to_contain_text("Diverifikasi: dokumen lengkap dan benar.")
    page.get_by_test_id("process").click()
    expect(page.get_by_test_id("staff-status")).to_have_text("Diproses")

    with page.expect_popup() as popup:
        page.get_by_test_id("preview").click()
    preview = popup.value
    preview.wait_for_load_state()
    assert "/pratinjau/" in preview.url
    preview.close()

    page.get_by_test_id("send").click()
    expect(page.locator(".messages")).to_contain_text("500/001/Kel.GP/")
    expect(page.get_by_test_id("staff-status")).to_have_text("Menunggu tanda tangan")
    expect(page.get_by_test_id("letter")).to_contain_text("menunggu tanda tangan Yusrizal")
    p = Permohonan.objects.get(pk=p.pk)
    assert p.status == Status.MENUNGGU_TANDA_TANGAN and p.letter.number.startswith("500/001/Kel.GP/")
