"""Staff pages: the worklist with its filters and overdue marks, a request's actions, the handover."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from loket.accounts.factories import CitizenFactory, OfficerFactory
from loket.offices.factories import WEEKDAYS, OfficeFactory, add_rules
from loket.permohonan import services
from loket.permohonan.factories import filled_draft, sku_service
from loket.permohonan.models import Permohonan, Status

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
MONDAY = dt.date(2026, 9, 7)


def wib(day, hh=9):
    return dt.datetime.combine(day, dt.time(hh), tzinfo=WIB)


@pytest.fixture
def kelurahan():
    office = OfficeFactory(kelurahan=True, name="Kelurahan Gunung Pangilun")
    add_rules(office, WEEKDAYS, "08:00", "16:00")
    return office


@pytest.fixture
def request_submitted(kelurahan, freeze):
    freeze(wib(MONDAY))
    citizen = CitizenFactory(full_name="Budi Santoso")
    return services.submit(actor=citizen, permohonan=filled_draft(citizen, sku_service(), kelurahan))


@pytest.fixture
def staff_client(client, kelurahan):
    officer = OfficerFactory(verifikator=True, office=kelurahan, full_name="Agus Verifikator")
    client.force_login(officer)
    client.officer = officer
    return client


def detail_url(p):
    return reverse("permohonan:staff_detail", args=[p.code])


def test_worklist_shows_the_countdown_and_marks_overdue(staff_client, kelurahan, request_submitted, freeze):
    url = reverse("permohonan:worklist", args=[kelurahan.slug])
    page = staff_client.get(url).content.decode()
    assert request_submitted.code in page and "Budi Santoso" in page and "2 hari kerja lagi" in page
    assert "3674" in page and request_submitted.citizen.nik not in page  # the NIK is masked in lists
    freeze(wib(dt.date(2026, 9, 14)))
    page = staff_client.get(url).content.decode()
    assert "3 hari kerja terlambat" in page and 'class="overdue"' in page
    assert "1 permohonan melewati waktu standar pelayanan." in page
    assert request_submitted.code in staff_client.get(url, {"lewat": "1"}).content.decode()
    assert request_submitted.code not in staff_client.get(url, {"saya": "1"}).content.decode()


def test_verify_then_process_through_the_page(staff_client, request_submitted):
    response = staff_client.post(detail_url(request_submitted), {"action": "verify"})
    assert response.status_code == 302
    page = staff_client.get(detail_url(request_submitted)).content.decode()
    assert "Diverifikasi: dokumen lengkap dan benar." in page
    staff_client.post(detail_url(request_submitted), {"action": "process"})
    request_submitted.refresh_from_db()
    assert request_submitted.status == Status.DIPROSES and request_submitted.assigned_to == staff_client.officer


def test_return_without_a_reason_keeps_the_page_and_says_why(staff_client, request_submitted):
    response = staff_client.post(detail_url(request_submitted), {"action": "return", "reason": "buram"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "paling sedikit 10 karakter" in page and ">buram</textarea>" in page
    staff_client.post(detail_url(request_submitted), {"action": "return", "reason": "Foto KTP buram, unggah ulang."})
    request_submitted.refresh_from_db()
    assert request_submitted.status == Status.DIKEMBALIKAN


def test_staff_of_another_office_cannot_open_or_act(client, request_submitted):
    client.force_login(OfficerFactory(verifikator=True, office=OfficeFactory(kelurahan=True)))
    assert client.get(detail_url(request_submitted)).status_code == 404
    assert client.post(detail_url(request_submitted), {"action": "verify"}).status_code == 404
    request_submitted.refresh_from_db()
    assert request_submitted.status == Status.DIAJUKAN


def test_citizens_are_kept_out_of_staff_pages(client, request_submitted, kelurahan):
    client.force_login(request_submitted.citizen)
    assert client.get(detail_url(request_submitted)).status_code == 403
    assert client.get(reverse("permohonan:worklist", args=[kelurahan.slug])).status_code == 403


def test_handover_by_scanning_the_pickup_qr(staff_client, request_submitted, kelurahan):
    p = request_submitted
    staff_client.post(detail_url(p), {"action": "verify"})
    staff_client.post(detail_url(p), {"action": "process"})
    staff_client.post(detail_url(p), {"action": "pickup", "pickup_office": kelurahan.pk, "pickup_note": "Loket 1"})
    Permohonan.objects.filter(pk=p.pk).update(status=Status.MENUNGGU_TANDA_TANGAN)
    services.record_signed(actor=None, permohonan=p)
    url = reverse("permohonan:handover", args=[kelurahan.slug])
    assert p.code in staff_client.get(url).content.decode()
    staff_client.post(url, {"token": "http://testserver" + reverse("permohonan:pickup", args=[p.pickup_token])})
    p.refresh_from_db()
    assert p.status == Status.DIAMBIL
    page = staff_client.get(url).content.decode()
    assert f"Permohonan {p.code}" in page and "diserahkan kepada Budi Santoso" in page


def test_the_pickup_qr_opens_the_handover_for_staff_and_the_request_for_its_citizen(
    client, staff_client, request_submitted
):
    url = reverse("permohonan:pickup", args=[request_submitted.pickup_token])
    assert "Serahkan sekarang" in staff_client.get(url).content.decode()
    client.force_login(request_submitted.citizen)
    assert client.get(url)["Location"] == reverse("permohonan:detail", args=[request_submitted.code])
    client.force_login(CitizenFactory())
    assert client.get(url).status_code == 404


def test_preview_and_send_the_letter_from_the_page(staff_client, request_submitted, kelurahan):
    from loket.letters.factories import LetterTemplateFactory, OfficeLetterSettingsFactory

    p = request_submitted
    OfficeLetterSettingsFactory(office=kelurahan, unit_code="Kel.GP")
    LetterTemplateFactory(
        service=p.service, classification_code="500", body="Nama : {{ nama }}\n\nUsaha {{ nama_usaha }}."
    )
    lurah = OfficerFactory(signer=True, office=kelurahan, signer_title="Lurah Gunung Pangilun", full_name="Yusrizal")
    role = lurah.roles.get(role="penandatangan")
    staff_client.post(detail_url(p), {"action": "verify"})
    staff_client.post(detail_url(p), {"action": "process"})
    page = staff_client.get(detail_url(p)).content.decode()
    assert "Yusrizal — Lurah Gunung Pangilun" in page
    preview = staff_client.get(reverse("permohonan:letter_preview", args=[p.code]), {"signer": role.pk})
    assert preview["Content-Type"] == "application/pdf" and preview.content.startswith(b"%PDF")
    staff_client.post(detail_url(p), {"action": "send", "signer": role.pk})
    p.refresh_from_db()
    assert p.status == Status.MENUNGGU_TANDA_TANGAN and p.letter.number.startswith("500/001/Kel.GP/")
    page = staff_client.get(detail_url(p)).content.decode()
    assert f"Surat {p.letter.number}" in page and "menunggu tanda tangan Yusrizal" in page
    letter = staff_client.get(reverse("permohonan:letter_file", args=[p.code]))
    assert letter.content.startswith(b"%PDF")


def test_the_lurah_signs_in_the_inbox_and_the_citizen_downloads_the_signed_letter(
    client, staff_client, request_submitted, kelurahan, settings
):
    """Through the real signing app: the request moves on when the letter is signed."""
    from loket.letters.factories import LetterTemplateFactory, OfficeLetterSettingsFactory
    from loket.signing import pki, services

    settings.SIGNING_KDF_TEST_PARAMS = {"memory_kib": 1024, "time_cost": 1, "parallelism": 1}
    services.save_material(pki.build_material())
    p = request_submitted
    OfficeLetterSettingsFactory(office=kelurahan)
    LetterTemplateFactory(service=p.service, body="Nama : {{ nama }}")
    lurah = OfficerFactory(signer=True, office=kelurahan, signer_title="Lurah")
    services.issue_signer_key(actor=None, user=lurah, pin="24681357")
    role = lurah.roles.get(role="penandatangan")
    for action in ("verify", "process"):
        staff_client.post(detail_url(p), {"action": action})
    staff_client.post(detail_url(p), {"action": "send", "signer": role.pk})
    client.force_login(p.citizen)
    url = reverse("permohonan:letter", args=[p.code])
    assert client.get(url).status_code == 404  # not signed yet
    client.force_login(lurah)
    [document] = lurah.documents_to_sign.all()
    client.post(reverse("signing:inbox"), {"documents": [document.pk], "pin": "24681357"})
    p.refresh_from_db()
    assert p.status == Status.SELESAI  # moved on in the same transaction as the signature
    client.force_login(p.citizen)
    page = client.get(reverse("permohonan:detail", args=[p.code])).content.decode()
    assert "Unduh surat (PDF)" in page
    response = client.get(url)
    document.refresh_from_db()
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    import hashlib

    assert hashlib.sha256(response.content).hexdigest() == document.signed_sha256  # the signed file itself
    client.force_login(CitizenFactory())
    assert client.get(url).status_code == 404
