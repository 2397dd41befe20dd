"""Citizen pages of requests: choose a service and an office, fill in the form with its uploads,
send it; the status page (timeline, deadline, fee, steps, pickup QR, withdraw); files for the
citizen and the staff of the handling office only."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.audit.models import AuditEntry
from loket.catalog.factories import ServiceFactory
from loket.offices.factories import WEEKDAYS, OfficeFactory, add_rules
from loket.permohonan import services
from loket.permohonan.factories import IDENTITY, chained_services, filled_draft, pdf_bytes, pdf_upload, sku_service
from loket.permohonan.models import Permohonan, Status

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
MONDAY = dt.date(2026, 9, 7)
FREE_TEXT = "Gratis — Rp 0. Layanan ini tidak dipungut biaya; jangan membayar siapa pun."


def wib(day, hh=9, mm=0):
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=WIB)


@pytest.fixture(autouse=True)
def at_monday(freeze):
    freeze(wib(MONDAY))


@pytest.fixture
def kelurahan():
    office = OfficeFactory(kelurahan=True, name="Kelurahan Ciputat", address="Jl. Ki Hajar Dewantara No. 3")
    add_rules(office, WEEKDAYS, "08:00", "16:00")
    return office


@pytest.fixture
def sku(kelurahan):
    return sku_service()


@pytest.fixture
def citizen():
    return CitizenFactory()


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


@pytest.fixture
def chain():
    main, pengantar = chained_services()
    kecamatan = OfficeFactory(name="Kecamatan Ciputat")
    add_rules(kecamatan, WEEKDAYS, "08:00", "16:00")
    kel = OfficeFactory(kelurahan=True, name="Kelurahan Sawah")
    add_rules(kel, WEEKDAYS, "08:00", "16:00")
    return main, pengantar, kecamatan, kel


def identity_post(**changes):
    return {f"identity.{key}": value for key, value in {**IDENTITY, **changes}.items()}


def requirement(service, name):
    return service.requirements.get(name=name)


def fill_url(p):
    return reverse("permohonan:fill", args=[p.code])


def detail_url(p):
    return reverse("permohonan:detail", args=[p.code])


def text(response) -> str:
    return response.content.decode()


def exe_upload(name="ktp.pdf"):
    """A Windows program renamed to .pdf and declared as a PDF by the browser."""
    return SimpleUploadedFile(name, b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, content_type="application/pdf")


def test_three_steps_lead_to_a_submitted_sku_request(citizen_client, citizen, sku, kelurahan):
    page = text(citizen_client.get(reverse("permohonan:choose_service")))
    assert "Langkah 1 dari 3" in page and sku.name in page and "Gratis" in page
    assert reverse("permohonan:choose_office", args=[sku.slug]) in page

    page = text(citizen_client.get(reverse("permohonan:choose_office", args=[sku.slug])))
    assert "Kelurahan Ciputat" in page and "kecamatan Anda" in page
    response = citizen_client.post(reverse("permohonan:choose_office", args=[sku.slug]), {"office": kelurahan.slug})
    p = Permohonan.objects.get(citizen=citizen)
    assert response.status_code == 302 and response["Location"] == fill_url(p)
    assert p.status == Status.DRAFT

    page = text(citizen_client.get(fill_url(p)))
    assert 'name="identity.agama"' in page and '<option value="Khonghucu">' in page
    assert 'type="date"' in page and 'name="nama_usaha"' in page
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in page and 'Foto tempat usaha <span class="muted">(opsional)' in page
    ktp, kk = requirement(sku, "KTP-el pemohon"), requirement(sku, "Kartu Keluarga (KK)")
    response = citizen_client.post(
        fill_url(p),
        {
            **identity_post(),
            "nama_usaha": "Warung Nasi Padang Sederhana",
            "jenis_usaha": "Rumah makan",
            "mulai_usaha": "2019-03-01",
            f"upload.{ktp.pk}": pdf_upload("ktp.pdf"),
            f"upload.{kk.pk}": pdf_upload("kk.pdf"),
            "action": "submit",
        },
    )
    assert response.status_code == 302 and response["Location"] == detail_url(p)
    p.refresh_from_db()
    assert p.status == Status.DIAJUKAN and p.values["nama_usaha"] == "Warung Nasi Padang Sederhana"
    page = text(citizen_client.get(response["Location"]))
    assert f"Kode permohonan Anda {p.code}" in page
    assert p.code in page and "Diajukan" in page and "Kelurahan Ciputat" in page
    assert "Rabu, 9 September 2026" in page and "2 hari kerja lagi" in page
    assert FREE_TEXT in page and "SP4N-LAPOR!" in page and "Ombudsman" in page
    assert "ktp.pdf" in page and "kk.pdf" in page
    assert "Batalkan permohonan ini" in page  # still withdrawable
    # the list of my requests shows it with its deadline
    page = text(citizen_client.get(reverse("permohonan:my_requests")))
    assert p.code in page and sku.name in page and "Kelurahan Ciputat" in page and "9 September 2026" in page


def test_save_as_draft_keeps_everything_and_says_so(citizen_client, citizen, sku, kelurahan):
    p = services.start_request(actor=citizen, service=sku, office=kelurahan)
    response = citizen_client.post(fill_url(p), {**identity_post(), "nama_usaha": "Toko Makmur", "action": "save"})
    assert response.status_code == 302 and response["Location"] == fill_url(p)
    page = text(citizen_client.get(fill_url(p)))
    assert "Tersimpan sebagai draf" in page and 'value="Toko Makmur"' in page
    p.refresh_from_db()
    assert p.status == Status.DRAFT


def test_a_bad_file_gets_its_own_message_and_loses_nothing(citizen_client, citizen, sku, kelurahan):
    p = services.start_request(actor=citizen, service=sku, office=kelurahan)
    ktp, kk = requirement(sku, "KTP-el pemohon"), requirement(sku, "Kartu Keluarga (KK)")
    response = citizen_client.post(
        fill_url(p),
        {
            **identity_post(),
            "nama_usaha": "Bengkel Jaya Motor",
            "jenis_usaha": "Bengkel motor",
            f"upload.{ktp.pk}": exe_upload(),
            f"upload.{kk.pk}": pdf_upload("kk.pdf"),
            "action": "submit",
        },
    )
    assert response.status_code == 400
    page = text(response)
    assert f'data-testid="error-upload.{ktp.pk}">Berkas ini bukan PDF, JPEG, atau PNG.' in page
    assert f'data-testid="error-upload.{kk.pk}"' not in page
    assert 'value="Bengkel Jaya Motor"' in page and 'value="Bengkel motor"' in page  # typed values kept
    assert "kk.pdf" in page  # the good upload is stored and shown
    p.refresh_from_db()
    assert p.status == Status.DRAFT and p.values["nama_usaha"] == "Bengkel Jaya Motor"
    assert [u.requirement_id for u in p.uploads.all()] == [kk.pk]


def test_missing_fields_answer_400_with_the_messages_beside_them(citizen_client, citizen, sku, kelurahan):
    p = services.start_request(actor=citizen, service=sku, office=kelurahan)
    response = citizen_client.post(
        fill_url(p),
        {**identity_post(pekerjaan="", agama="Lainnya"), "jenis_usaha": "Katering", "action": "submit"},
    )
    assert response.status_code == 400
    page = text(response)
    assert "Beberapa isian perlu diperbaiki" in page
    assert 'data-testid="error-identity.agama">Pilih salah satu pilihan.' in page
    assert 'value="Katering"' in page
    p.refresh_from_db()
    assert p.status == Status.DRAFT and p.values["jenis_usaha"] == "Katering"

    # The values are now valid but incomplete: submit names each missing field.
    response = citizen_client.post(
        fill_url(p), {**identity_post(pekerjaan=""), "jenis_usaha": "Katering", "action": "submit"}
    )
    assert response.status_code == 400
    page = text(response)
    for key in ("identity.pekerjaan", "nama_usaha", f"upload.{requirement(sku, 'KTP-el pemohon').pk}"):
        assert f'data-testid="error-{key}"' in page, key
    assert 'data-testid="error-identity.pekerjaan">Wajib diisi.' in page
    assert 'data-testid="error-mulai_usaha"' not in page  # optional
    assert 'aria-invalid="true" aria-describedby="id_nama_usaha_error"' in page
    assert 'value="Katering"' in page
    p.refresh_from_db()
    assert p.status == Status.DRAFT


def test_a_returned_request_shows_the_reason_and_can_be_fixed_and_resubmitted(citizen_client, citizen, sku, kelurahan):
    p = services.submit(actor=citizen, permohonan=filled_draft(citizen, sku, kelurahan))
    staff = OfficerFactory(verifikator=True, office=kelurahan)
    reason = "Foto KTP buram, mohon unggah ulang yang jelas."
    services.return_to_citizen(actor=staff, permohonan=p, reason=reason)

    page = text(citizen_client.get(detail_url(p)))
    assert reason in page and "Dikembalikan untuk diperbaiki" in page and "Ubah / lengkapi" in page
    page = text(citizen_client.get(fill_url(p)))
    assert 'data-testid="return-reason"' in page and reason in page
    ktp = requirement(sku, "KTP-el pemohon")
    values = {f.key: p.values.get(f.key, "") for f in sku.fields.all()}
    response = citizen_client.post(
        fill_url(p),
        {**identity_post(), **values, f"upload.{ktp.pk}": pdf_upload("ktp-jelas.pdf"), "action": "submit"},
    )
    assert response.status_code == 302 and response["Location"] == detail_url(p)
    p.refresh_from_db()
    assert p.status == Status.DIAJUKAN
    assert p.uploads.get(requirement=ktp).original_name == "ktp-jelas.pdf"
    page = text(citizen_client.get(detail_url(p)))
    assert "Ubah / lengkapi" not in page


def test_a_request_that_is_not_editable_sends_the_form_to_the_status_page(citizen_client, citizen, sku, kelurahan):
    p = services.submit(actor=citizen, permohonan=filled_draft(citizen, sku, kelurahan))
    response = citizen_client.get(fill_url(p))
    assert response.status_code == 302 and response["Location"] == detail_url(p)


def test_the_status_page_states_the_fee(citizen_client, citizen, kelurahan):
    free = sku_service()
    p = services.submit(actor=citizen, permohonan=filled_draft(citizen, free, kelurahan))
    assert FREE_TEXT in text(citizen_client.get(detail_url(p)))

    paid = ServiceFactory(name="Izin keramaian", fee=25000)
    p = services.submit(actor=citizen, permohonan=filled_draft(citizen, paid, kelurahan))
    page = text(citizen_client.get(detail_url(p)))
    assert "Rp 25.000" in page and "jangan membayar" in page and "Gratis — Rp 0" not in page


def test_the_timeline_shows_status_changes_in_office_time_and_nothing_internal(citizen_client, citizen):
    makassar = OfficeFactory(kelurahan=True, wita=True, region_code="73.71.01.1001", name="Kelurahan Mariso")
    add_rules(makassar, WEEKDAYS, "08:00", "16:00")
    p = services.submit(actor=citizen, permohonan=filled_draft(citizen, sku_service(), makassar))
    staff = OfficerFactory(verifikator=True, office=makassar, username="petugas-rahasia")
    services.assign(actor=staff, permohonan=p, officer=staff)
    services.verify(actor=staff, permohonan=p)
    page = text(citizen_client.get(detail_url(p)))
    assert 'data-testid="timeline"' in page
    wita = ZoneInfo("Asia/Makassar")
    for entry in AuditEntry.objects.filter(object_id=str(p.pk), action__in=["permohonan.submit", "permohonan.verify"]):
        label = Status(entry.to_state).label
        assert f"{entry.at.astimezone(wita):%H.%M} WITA</time> — {label}" in page
    assert "Diajukan" in page and "Diverifikasi" in page
    assert "petugas-rahasia" not in page  # the assignment is internal


def test_a_chained_service_asks_for_the_step_office_and_shows_the_step(citizen_client, citizen, chain):
    main, pengantar, kecamatan, kel = chain
    page = text(citizen_client.get(reverse("permohonan:choose_office", args=[main.slug])))
    assert "Kecamatan Ciputat" in page
    citizen_client.post(reverse("permohonan:choose_office", args=[main.slug]), {"office": kecamatan.slug})
    p = Permohonan.objects.get(citizen=citizen)
    page = text(citizen_client.get(fill_url(p)))
    assert f'name="step.{pengantar.code}"' in page and f'value="{kel.slug}"' in page
    assert "Surat pengantar dari kelurahan Anda diminta otomatis oleh Loket — Anda tidak perlu membawa kertas" in page
    # the KTP the kelurahan needs is asked here too
    ktp, akta = requirement(pengantar, "KTP-el pemohon"), requirement(main, "Akta kematian pewaris")
    assert f'name="upload.{ktp.pk}"' in page and f'name="upload.{akta.pk}"' in page

    data = {
        **identity_post(),
        "nama_pewaris": "H. Ahmad Sulaiman",
        f"upload.{ktp.pk}": pdf_upload("ktp.pdf"),
        f"upload.{akta.pk}": pdf_upload("akta.pdf"),
        "action": "submit",
    }
    response = citizen_client.post(fill_url(p), {**data, f"step.{pengantar.code}": ""})
    assert response.status_code == 400
    assert f'data-testid="error-step.{pengantar.code}">Pilih kantornya.' in text(response)

    assert p.uploads.count() == 2  # the files were kept though the office was missing
    fixed = {k: v for k, v in data.items() if not k.startswith("upload.")}
    response = citizen_client.post(fill_url(p), {**fixed, f"step.{pengantar.code}": kel.slug})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == Status.MENUNGGU_PENGANTAR
    step = p.steps.get()
    page = text(citizen_client.get(detail_url(p)))
    assert 'data-testid="steps"' in page and "Kelurahan Sawah" in page and step.code in page
    assert "Menunggu surat pengantar" in page and "Diajukan" in page
    # the step's own page names the request it is for
    page = text(citizen_client.get(detail_url(step)))
    assert 'data-testid="parent"' in page and p.code in page


def test_another_citizen_gets_404_everywhere(client, citizen, sku, kelurahan):
    p = filled_draft(citizen, sku, kelurahan)
    upload = p.uploads.first()
    client.force_login(CitizenFactory())
    assert client.get(detail_url(p)).status_code == 404
    assert client.get(fill_url(p)).status_code == 404
    assert client.post(fill_url(p), {**identity_post(), "action": "save"}).status_code == 404
    assert client.post(detail_url(p), {"action": "withdraw"}).status_code == 404
    assert client.get(reverse("permohonan:upload_file", args=[p.code, upload.pk])).status_code == 404
    p.refresh_from_db()
    assert p.status == Status.DRAFT


def test_unknown_codes_and_services_are_404(citizen_client):
    assert citizen_client.get(reverse("permohonan:detail", args=["PMH-0000-0000"])).status_code == 404
    assert citizen_client.get(reverse("permohonan:fill", args=["PMH-0000-0000"])).status_code == 404
    assert citizen_client.get(reverse("permohonan:choose_office", args=["tidak-ada"])).status_code == 404
    offline = ServiceFactory(allows_online_request=False)
    assert citizen_client.get(reverse("permohonan:choose_office", args=[offline.slug])).status_code == 404


def test_the_office_list_puts_the_citizens_kecamatan_first_and_refuses_others(citizen_client, sku, kelurahan):
    far = OfficeFactory(kelurahan=True, region_code="32.75.01.1001", name="Kelurahan Aren Jaya")
    page = text(citizen_client.get(reverse("permohonan:choose_office", args=[sku.slug])))
    assert page.index("Kelurahan Ciputat") < page.index("Kelurahan Aren Jaya")
    kecamatan = OfficeFactory(name="Kecamatan Lain")
    response = citizen_client.post(reverse("permohonan:choose_office", args=[sku.slug]), {"office": kecamatan.slug})
    assert response.status_code == 400 and "Pilih salah satu kantor yang tercantum." in text(response)
    assert not Permohonan.objects.exists()
    assert far.pk


def test_files_are_served_to_the_owner_and_the_handling_office_only(client, citizen, sku, kelurahan):
    p = services.submit(actor=citizen, permohonan=filled_draft(citizen, sku, kelurahan))
    upload = p.uploads.order_by("pk").first()
    url = reverse("permohonan:upload_file", args=[p.code, upload.pk])

    client.force_login(citizen)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"

    client.force_login(OfficerFactory(verifikator=True, office=kelurahan))
    assert client.get(url).status_code == 200
    client.force_login(OfficerFactory(verifikator=True, office=OfficeFactory(kelurahan=True)))
    assert client.get(url).status_code == 404
    client.force_login(citizen)
    other = filled_draft(citizen, sku, kelurahan)  # an upload reached through another request: 404
    assert client.get(reverse("permohonan:upload_file", args=[other.code, upload.pk])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_the_kelurahan_of_a_step_sees_the_main_requests_files(client, citizen, chain):
    main, pengantar, kecamatan, kel = chain
    draft = filled_draft(citizen, main, kecamatan, steps={pengantar.code: kel.slug})
    p = services.submit(actor=citizen, permohonan=draft)
    upload = p.uploads.get(requirement__service=main)
    client.force_login(OfficerFactory(verifikator=True, office=kel))
    assert client.get(reverse("permohonan:upload_file", args=[p.code, upload.pk])).status_code == 200
    step_upload = p.steps.get().uploads.get()
    assert client.get(reverse("permohonan:upload_file", args=[p.code, step_upload.pk])).status_code == 404
    step_url = reverse("permohonan:upload_file", args=[p.steps.get().code, step_upload.pk])
    assert client.get(step_url).status_code == 200


def test_withdraw(citizen_client, citizen, sku, kelurahan):
    p = services.submit(actor=citizen, permohonan=filled_draft(citizen, sku, kelurahan))
    response = citizen_client.post(detail_url(p), {"action": "withdraw", "reason": "Sudah tidak diperlukan."})
    assert response.status_code == 302 and response["Location"] == detail_url(p)
    p.refresh_from_db()
    assert p.status == Status.DIBATALKAN
    page = text(citizen_client.get(detail_url(p)))
    assert f"Permohonan {p.code} dibatalkan" in page and "Batalkan permohonan ini" not in page
    # once withdrawn, a second try is refused with the workflow's message
    response = citizen_client.post(detail_url(p), {"action": "withdraw"})
    assert response.status_code == 400 and 'data-testid="detail-error"' in text(response)


def test_withdraw_is_not_offered_once_verified(citizen_client, citizen, sku, kelurahan):
    p = services.submit(actor=citizen, permohonan=filled_draft(citizen, sku, kelurahan))
    services.verify(actor=OfficerFactory(verifikator=True, office=kelurahan), permohonan=p)
    page = text(citizen_client.get(detail_url(p)))
    assert "Diverifikasi" in page and "Batalkan permohonan ini" not in page


def test_ready_for_pickup_shows_where_and_the_qr_code(citizen_client, citizen, sku, kelurahan):
    p = services.submit(actor=citizen, permohonan=filled_draft(citizen, sku, kelurahan))
    Permohonan.objects.filter(pk=p.pk).update(status=Status.SIAP_DIAMBIL, pickup_note="Loket 2, bawa KTP-el asli")
    page = text(citizen_client.get(detail_url(p)))
    assert 'data-testid="pickup"' in page and "Jl. Ki Hajar Dewantara No. 3" in page
    assert "Loket 2, bawa KTP-el asli" in page and "<svg" in page
    assert "Tunjukkan kode QR ini kepada petugas saat mengambil dokumen" in page


def test_the_header_and_the_catalogue_link_to_requests(citizen_client, sku):
    page = text(citizen_client.get(reverse("catalog:detail", args=[sku.slug])))
    assert reverse("permohonan:my_requests") in page
    assert f'href="{reverse("permohonan:choose_office", args=[sku.slug])}"' in page and "Ajukan online" in page
    offline = ServiceFactory(allows_online_request=False)
    page = text(citizen_client.get(reverse("catalog:detail", args=[offline.slug])))
    assert "Ajukan online" not in page


def test_bekasi_kecamatan_are_marked_as_open_to_any_citizen_of_the_city(client):
    from loket.permohonan.models import CityPolicy

    service = ServiceFactory(office_kinds=["kecamatan"], name="Rekomendasi kecamatan")
    bekasi = OfficeFactory(region_code="32.75.01", name="Kecamatan Bekasi Timur")
    ciputat = OfficeFactory(name="Kecamatan Ciputat")
    CityPolicy.objects.create(region_id="32.75", any_kecamatan=True)
    client.force_login(CitizenFactory())
    page = client.get(reverse("permohonan:choose_office", args=[service.slug])).content.decode()
    assert "boleh di kecamatan mana pun di kota ini" in page
    items = {name: next(li for li in page.split("<li") if name in li) for name in (bekasi.name, ciputat.name)}
    assert "mana pun" in items[bekasi.name] and "mana pun" not in items[ciputat.name]
