"""The issue's demo, end to end on the demo data: a citizen requests a surat keterangan usaha at
Kelurahan Gunung Pangilun (returned once, fixed, resubmitted) and, in Ciputat, a kecamatan service
that needs the kelurahan's surat pengantar; staff verify and process; the letters come out
numbered and rendered. The lurah and the camat sign with the PIN the demo printed once; the letters verify; a tampered copy
is detected; a revoked one says so."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from loket.accounts.models import User
from loket.catalog.models import Requirement, Service
from loket.demo import data
from loket.letters.selectors import letter_pdf
from loket.offices.models import Office
from loket.permohonan import services
from loket.permohonan.factories import IDENTITY, pdf_upload
from loket.permohonan.models import Status

WIB = ZoneInfo("Asia/Jakarta")
PREFIX_ARGS = [arg for prefix in data.DEMO_REGION_PREFIXES for arg in ("--region-prefix", prefix)]
TUESDAY = dt.datetime(2026, 11, 24, 9, 0, tzinfo=WIB)


@pytest.fixture
def demo(db, settings, monkeypatch, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SIGNING_KDF_TEST_PARAMS = {"memory_kib": 1024, "time_cost": 1, "parallelism": 1}
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    monkeypatch.setattr("loket.core.clock.now", lambda: TUESDAY)
    out = io.StringIO()
    call_command("load_demo", *PREFIX_ARGS, stdout=out)
    return pins_from(out.getvalue())


def pins_from(output: str) -> dict[str, str]:
    """The signing PINs load_demo printed once (the table after the passwords)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "PIN" in line and line.startswith("| "))
    rows = [line.split("|") for line in lines[start + 1 :] if line.startswith("| ")]
    return {cells[1].strip(): cells[5].strip() for cells in rows}


def sign(username, p, pin):
    from loket.signing import services as signing

    document = p.letter.signature
    result = signing.sign_documents(actor=user(username), documents=[document], pin=pin, base_url="https://loket.test/")
    assert len(result.signed) == 1, result.failed
    document.refresh_from_db()
    return document


def user(username):
    return User.objects.get(username=username)


def pdf_text(letter) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(letter_pdf(letter))).pages)


def fill_and_submit(citizen, service, office, values, steps=None):
    p = services.start_request(actor=citizen, service=service, office=office)
    assert services.save_draft(actor=citizen, permohonan=p, identity=IDENTITY, values=values, step_offices=steps) == {}
    for requirement in services.upload_requirements(service):
        if requirement.is_mandatory:
            services.attach_upload(actor=citizen, permohonan=p, requirement=requirement, uploaded=pdf_upload())
    return services.submit(actor=citizen, permohonan=p)


def signer_role(username):
    return user(username).roles.get(role="penandatangan")


def test_sku_at_gunung_pangilun_returned_once_then_numbered(demo):
    citizen = user(data.DEMO_CITIZEN_NIK)
    office = Office.objects.get(slug="kelurahan-gunung-pangilun")
    sku = Service.objects.get(code="KEL-SKU")
    staff = user("verifikator.gunungpangilun")
    p = fill_and_submit(
        citizen,
        sku,
        office,
        {"nama_usaha": "Rumah Makan Sederhana", "jenis_usaha": "Warung makan", "alamat_usaha": "Jl. Gajah Mada 5"},
    )
    assert p.status == Status.DIAJUKAN and p.fee == 0
    services.return_to_citizen(actor=staff, permohonan=p, reason="Foto KK terpotong, mohon unggah ulang lengkap.")
    kk = Requirement.objects.get(service=sku, name="Kartu Keluarga (KK)")
    services.attach_upload(actor=citizen, permohonan=p, requirement=kk, uploaded=pdf_upload("kk-lengkap.pdf"))
    p = services.submit(actor=citizen, permohonan=p)
    p = services.start_processing(actor=staff, permohonan=services.verify(actor=staff, permohonan=p))
    p = services.send_for_signature(actor=staff, permohonan=p, signer_role=signer_role("lurah.gunungpangilun"))
    assert p.status == Status.MENUNGGU_TANDA_TANGAN
    assert p.letter.number == "500/001/Kel.GP/XI/2026"
    text = pdf_text(p.letter)
    assert "PEMERINTAH KOTA PADANG" in text and "KELURAHAN GUNUNG PANGILUN" in text
    assert "SURAT KETERANGAN USAHA" in text and "Rumah Makan Sederhana" in text and "Yusrizal" in text

    # The lurah signs with the PIN shown once by the demo; the request is done and downloadable.
    document = sign("lurah.gunungpangilun", p, demo["lurah.gunungpangilun"])
    p.refresh_from_db()
    assert p.status == Status.SELESAI
    from loket.signing.selectors import document_by_hash, document_by_token, signed_pdf
    from loket.signing.verification import Outcome, analyse_pdf

    assert document_by_token(document.verification_token) == document
    signed = signed_pdf(document)
    assert analyse_pdf(signed, recorded_hashes=document_by_hash).outcome == Outcome.GENUINE
    assert analyse_pdf(signed + b"%tampered", recorded_hashes=document_by_hash).outcome == Outcome.MODIFIED


def test_ciputat_kecamatan_service_with_the_kelurahan_pengantar(demo):
    citizen = user(data.DEMO_CITIZEN_NIK)
    kecamatan = Office.objects.get(slug="kecamatan-ciputat")
    sawah = Office.objects.get(slug="kelurahan-sawah")
    ahli_waris = Service.objects.get(code="KEC-AHLI-WARIS")
    pengantar = Service.objects.get(code="KEL-PENGANTAR")
    p = fill_and_submit(
        citizen,
        ahli_waris,
        kecamatan,
        {"nama_pewaris": "H. Abdul Karim", "tanggal_meninggal": "2026-10-02", "ahli_waris": "Budi Santoso, anak"},
        steps={pengantar.code: sawah.slug},
    )
    assert p.status == Status.MENUNGGU_PENGANTAR
    step = p.steps.get()
    kel_staff = user("verifikator.sawah")
    step = services.start_processing(actor=kel_staff, permohonan=services.verify(actor=kel_staff, permohonan=step))
    step = services.send_for_signature(actor=kel_staff, permohonan=step, signer_role=signer_role("lurah.sawah"))
    assert step.letter.number == "470/001/Kel.Swh/XI/2026"
    assert "KELURAHAN SAWAH" in pdf_text(step.letter)
    sign("lurah.sawah", step, demo["lurah.sawah"])  # the lurah signs with the PIN
    step.refresh_from_db()
    p.refresh_from_db()
    assert step.status == Status.SELESAI
    assert p.status == Status.DIAJUKAN  # on to the kecamatan by itself; the citizen carried no paper
    kec_staff = user("verifikator.ciputat")
    p = services.start_processing(actor=kec_staff, permohonan=services.verify(actor=kec_staff, permohonan=p))
    p = services.send_for_signature(actor=kec_staff, permohonan=p, signer_role=signer_role("camat.ciputat"))
    assert p.letter.number == "593/001/Kec.Cpt/XI/2026"
    text = pdf_text(p.letter)
    assert "KECAMATAN CIPUTAT" in text and "H. Abdul Karim" in text and "Drs. Bambang Sutrisno" in text
    document = sign("camat.ciputat", p, demo["camat.ciputat"])
    p.refresh_from_db()
    assert p.status == Status.SELESAI

    # A revoked letter says so on its QR page.
    from django.test import Client

    from loket.signing import services as signing

    signing.revoke_document(actor=user("camat.ciputat"), document=document, reason="Ahli waris belum lengkap.")
    page = Client().get(f"/verifikasi/{document.verification_token}/").content.decode()
    assert "DICABUT" in page and p.letter.number in page
