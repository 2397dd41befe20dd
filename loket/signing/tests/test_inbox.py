"""The signing inbox: documents put before an official, signed in a batch with one PIN, wrong PINs
counted and locked, the public verification page and the upload, revocation."""

import datetime as dt

import pytest
from django.urls import reverse

from loket.accounts.factories import OfficerFactory
from loket.audit.models import AuditEntry
from loket.core.errors import DomainError
from loket.letters import services as letter_services
from loket.letters.factories import SIGNER, SKU_VALUES, OfficeLetterSettingsFactory, sku_service, sku_template
from loket.signing import events, selectors, services
from loket.signing.models import DocumentStatus
from loket.signing.tests.conftest import PIN, SIGNER_NAME, SIGNER_NIP, SIGNER_TITLE

pytestmark = pytest.mark.django_db

BASE = "https://loket.example.go.id/"


@pytest.fixture(autouse=True)
def _private_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


@pytest.fixture
def office(authority):
    return OfficeLetterSettingsFactory().office


@pytest.fixture
def lurah(office, authority):
    user = OfficerFactory(
        username="lurah.ciputat",
        full_name=SIGNER_NAME,
        nip=SIGNER_NIP,
        signer=True,
        signer_title=SIGNER_TITLE,
        office=office,
    )
    services.issue_signer_key(actor=None, user=user, pin=PIN)
    return user


@pytest.fixture
def staff(office):
    return OfficerFactory(verifikator=True, office=office)


def put_before(lurah, staff, office, n=1):
    from loket.letters.models import LetterTemplate

    service = sku_service()
    template = LetterTemplate.objects.filter(service=service, office=None).first() or sku_template(service)
    documents = []
    for _ in range(n):
        letter = letter_services.issue_letter(
            actor=staff, template=template, office=office, values=SKU_VALUES, signer=SIGNER, reference="test"
        )
        documents.append(services.request_signature(actor=staff, letter=letter, signer=lurah))
    return documents


def test_a_batch_is_signed_with_one_pin_and_each_gets_its_own_qr(lurah, staff, office):
    documents = put_before(lurah, staff, office, n=3)
    assert list(selectors.inbox_for(lurah)) == documents
    seen = []
    events.on_signed(seen.append)
    try:
        result = services.sign_documents(actor=lurah, documents=documents, pin=PIN, base_url=BASE)
    finally:
        events.off_signed(seen.append)
    assert len(result.signed) == 3 and result.failed == []
    assert [d.pk for d in seen] == [d.pk for d in documents]
    assert list(selectors.inbox_for(lurah)) == []
    first = result.signed[0]
    assert first.status == DocumentStatus.SIGNED and len(first.signed_sha256) == 64 and first.signed_at
    assert len(first.verification_token) >= 32  # ≥ 128 bits (24 random bytes)
    pdf = selectors.signed_pdf(first)
    assert pdf.startswith(b"%PDF") and selectors.document_by_hash(first.signed_sha256) == first
    assert AuditEntry.objects.filter(action="signing.sign").count() == 3
    # each attempt was audited when it was marked, before the signer was asked
    attempts = AuditEntry.objects.filter(action="signing.attempt", actor=lurah).order_by("pk")
    assert [(e.object_id, e.from_state, e.to_state) for e in attempts] == [
        (str(d.pk), "", "running") for d in documents
    ]
    assert all(PIN not in str(e.data) and PIN not in e.reason for e in AuditEntry.objects.all())


def test_the_stamp_names_the_signer_and_carries_the_verification_url(lurah, staff, office, monkeypatch):
    from loket.letters.rendering import SIGNATURE_BOX
    from loket.signing import pades

    [document] = put_before(lurah, staff, office)
    stamps = []
    real = pades.sign_pdf
    monkeypatch.setattr(pades, "sign_pdf", lambda pdf, **kw: stamps.append(kw["stamp"]) or real(pdf, **kw))
    services.sign_documents(actor=lurah, documents=[document], pin=PIN, base_url=BASE)
    document.refresh_from_db()
    [stamp] = stamps
    assert stamp.verify_url == f"{BASE}verifikasi/{document.verification_token}/"
    assert (stamp.signer_name, stamp.signer_title, stamp.box) == (SIGNER.name, SIGNER.title, SIGNATURE_BOX.as_tuple)
    assert stamp.time_zone == office.timezone


def test_wrong_pins_are_counted_and_lock_after_five(lurah, staff, office, freeze):
    [document] = put_before(lurah, staff, office)
    from loket.core import clock

    now = clock.now() + dt.timedelta(hours=1)  # the certificate is valid from now on
    freeze(now)
    for attempt in range(1, 5):
        with pytest.raises(DomainError) as err:
            services.sign_documents(actor=lurah, documents=[document], pin="00000000", base_url=BASE)
        assert err.value.code == "wrong_pin" and f"{5 - attempt} " in str(err.value.message)
    with pytest.raises(DomainError) as err:
        services.sign_documents(actor=lurah, documents=[document], pin="00000000", base_url=BASE)
    assert err.value.code == "locked" and "15" in str(err.value.message)
    assert AuditEntry.objects.filter(action="signing.pin_locked").count() == 1
    with pytest.raises(DomainError) as err:  # even the right PIN waits
        services.sign_documents(actor=lurah, documents=[document], pin=PIN, base_url=BASE)
    assert err.value.code == "locked"
    freeze(now + dt.timedelta(minutes=16))
    assert len(services.sign_documents(actor=lurah, documents=[document], pin=PIN, base_url=BASE).signed) == 1
    assert AuditEntry.objects.filter(action="signing.pin_reset", actor=lurah).count() == 1  # the lock ended


def test_lockout_limits_are_settings(lurah, staff, office, settings):
    settings.SIGNING_PIN_MAX_FAILURES = 2
    [document] = put_before(lurah, staff, office)
    with pytest.raises(DomainError):
        services.sign_documents(actor=lurah, documents=[document], pin="11111111", base_url=BASE)
    with pytest.raises(DomainError) as err:
        services.sign_documents(actor=lurah, documents=[document], pin="11111111", base_url=BASE)
    assert err.value.code == "locked"


def test_only_the_chosen_signer_of_the_office(lurah, staff, office):
    [document] = put_before(lurah, staff, office)
    other = OfficerFactory(signer=True, office=office)
    services.issue_signer_key(actor=None, user=other, pin=PIN)
    with pytest.raises(DomainError) as err:
        services.sign_documents(actor=other, documents=[document], pin=PIN, base_url=BASE)
    assert err.value.code == "nothing"
    stranger = OfficerFactory(signer=True)
    letter = letter_services.issue_letter(
        actor=staff,
        template=sku_template(sku_service(code="KEL-SKU-2")),
        office=office,
        values=SKU_VALUES,
        signer=SIGNER,
        reference="x",
    )
    with pytest.raises(DomainError) as err:
        services.request_signature(actor=staff, letter=letter, signer=stranger)
    assert err.value.code == "not_a_signer"


def test_a_lost_remote_answer_is_never_retried_automatically(lurah, staff, office, monkeypatch):
    from loket.signing.signers.base import SigningOutcomeUnknown

    [document] = put_before(lurah, staff, office)
    real = services.documents.signer_for

    def flaky(key):
        signer = real(key)

        class Session:
            def __init__(self, inner):
                self.inner = inner

            def sign_pdf(self, *a, **kw):
                raise SigningOutcomeUnknown("unknown outcome")

            def close(self):
                self.inner.close()

        class Wrapped:
            kind = signer.kind

            def open_session(self, *, pin):
                return Session(signer.open_session(pin=pin))

        return Wrapped()

    monkeypatch.setattr(services.documents, "signer_for", flaky)
    result = services.sign_documents(actor=lurah, documents=[document], pin=PIN, base_url=BASE)
    assert result.signed == [] and len(result.failed) == 1
    document.refresh_from_db()
    assert document.attempt == services.documents.UNKNOWN
    lost = AuditEntry.objects.filter(action="signing.attempt", object_id=str(document.pk)).latest("pk")
    assert (lost.from_state, lost.to_state, lost.reason) == ("running", "unknown", "unknown outcome")
    monkeypatch.setattr(services.documents, "signer_for", real)
    result = services.sign_documents(actor=lurah, documents=[document], pin=PIN, base_url=BASE)
    assert result.signed == [] and "diperiksa" in result.failed[0][1]
    admin = OfficerFactory(office_admin=True, office=office)
    services.clear_unknown_attempt(actor=admin, document=document, reason="Dicek di portal: belum ditandatangani.")
    assert len(services.sign_documents(actor=lurah, documents=[document], pin=PIN, base_url=BASE).signed) == 1


# --- verification pages ---


def test_the_qr_page_shows_what_the_document_is_and_no_personal_data(client, lurah, staff, office):
    [document] = put_before(lurah, staff, office)
    services.sign_documents(actor=lurah, documents=[document], pin=PIN, base_url=BASE)
    document.refresh_from_db()
    page = client.get(reverse("signing:verify", args=[document.verification_token])).content.decode()
    assert "SAH" in page and document.letter.number in page and SIGNER_NAME in page and office.name in page
    assert SKU_VALUES["nik"] not in page and "Budi Santoso" not in page


@pytest.mark.parametrize("token", ["1", "a" * 32, "PMH-0000-0000", "..", "x" * 200, "%3Cscript%3E"])
def test_unknown_tokens_get_the_same_answer(client, token):
    response = client.get(f"/verifikasi/{token}/")
    assert response.status_code == 404
    assert "Tidak ada dokumen layanan ini dengan kode tersebut." in response.content.decode()


def test_upload_genuine_then_tampered_then_revoked(client, lurah, staff, office):
    [document] = put_before(lurah, staff, office)
    services.sign_documents(actor=lurah, documents=[document], pin=PIN, base_url=BASE)
    document.refresh_from_db()
    pdf = selectors.signed_pdf(document)

    def check(data: bytes) -> str:
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("surat.pdf", data, content_type="application/pdf")
        return client.post(reverse("signing:verify_upload"), {"document": upload}).content.decode()

    page = check(pdf)
    assert "Asli" in page and document.letter.number in page
    assert "Diubah setelah ditandatangani" in check(pdf + b"\n% appended\n")
    services.revoke_document(actor=lurah, document=document, reason="Salah ketik nama usaha pada surat.")
    page = check(pdf)
    assert "DICABUT" in page
    qr_page = client.get(reverse("signing:verify", args=[document.verification_token])).content.decode()
    assert "DICABUT" in qr_page and "tidak berlaku lagi" in qr_page


def test_revoke_needs_the_signer_or_an_admin_and_a_reason(lurah, staff, office):
    [document] = put_before(lurah, staff, office)
    services.sign_documents(actor=lurah, documents=[document], pin=PIN, base_url=BASE)
    document.refresh_from_db()
    with pytest.raises(DomainError):
        services.revoke_document(actor=staff, document=document, reason="Tidak berwenang mencabut.")
    with pytest.raises(DomainError) as err:
        services.revoke_document(actor=lurah, document=document, reason="salah")
    assert err.value.code == "reason"
    revoked = services.revoke_document(actor=lurah, document=document, reason="Diganti surat nomor baru.")
    assert revoked.revoked_at and AuditEntry.objects.filter(action="signing.revoke").exists()


def test_inbox_page_signs_the_ticked_documents(client, lurah, staff, office):
    documents = put_before(lurah, staff, office, n=2)
    client.force_login(lurah)
    page = client.get(reverse("signing:inbox")).content.decode()
    assert documents[0].letter.number in page and documents[1].letter.number in page
    response = client.post(reverse("signing:inbox"), {"documents": [documents[0].pk], "pin": "salah-pin"})
    assert response.status_code == 400 and "PIN salah" in response.content.decode()
    client.post(reverse("signing:inbox"), {"documents": [documents[0].pk], "pin": PIN})
    page = client.get(reverse("signing:inbox")).content.decode()
    assert "1 dokumen ditandatangani." in page
    documents[0].refresh_from_db()
    documents[1].refresh_from_db()
    assert documents[0].status == DocumentStatus.SIGNED and documents[1].status == DocumentStatus.PENDING
    assert client.get(reverse("signing:preview", args=[documents[0].pk])).content.startswith(b"%PDF")
    client.force_login(OfficerFactory(signer=True))
    assert client.get(reverse("signing:preview", args=[documents[0].pk])).status_code == 404


def test_the_official_changes_their_pin_on_the_page(client, lurah, staff, office):
    client.force_login(lurah)
    url = reverse("signing:change_pin")
    response = client.post(url, {"old_pin": PIN, "new_pin": "13572468", "new_pin_again": "13572460"})
    assert response.status_code == 400 and "berbeda" in response.content.decode()
    response = client.post(url, {"old_pin": "salah-lama", "new_pin": "13572468", "new_pin_again": "13572468"})
    assert response.status_code == 400 and "PIN salah" in response.content.decode()
    client.post(url, {"old_pin": PIN, "new_pin": "13572468", "new_pin_again": "13572468"})
    [document] = put_before(lurah, staff, office)
    with pytest.raises(DomainError):
        services.sign_documents(actor=lurah, documents=[document], pin=PIN, base_url=BASE)
    assert len(services.sign_documents(actor=lurah, documents=[document], pin="13572468", base_url=BASE).signed) == 1


def test_a_cut_off_local_attempt_is_retried_and_a_remote_one_waits_for_a_check(lurah, staff, office, freeze):
    from loket.core import clock

    [document] = put_before(lurah, staff, office)
    start = clock.now() + dt.timedelta(hours=1)
    type(document).objects.filter(pk=document.pk).update(attempt=services.documents.RUNNING, attempt_started_at=start)
    freeze(start + dt.timedelta(minutes=5))  # still running (maybe): not touched
    assert services.sign_documents(actor=lurah, documents=[document], pin=PIN, base_url=BASE).signed == []
    freeze(start + dt.timedelta(minutes=11))  # cut off: a local signer may try again
    assert len(services.sign_documents(actor=lurah, documents=[document], pin=PIN, base_url=BASE).signed) == 1
    [other] = put_before(lurah, staff, office)
    type(other).objects.filter(pk=other.pk).update(attempt=services.documents.RUNNING, attempt_started_at=start)
    assert services.documents._start_attempt(other, local=False) is False  # remote: needs a check
    other.refresh_from_db()
    assert other.attempt == services.documents.UNKNOWN
    cut_off = AuditEntry.objects.filter(action="signing.attempt", object_id=str(other.pk)).latest("pk")
    assert (cut_off.from_state, cut_off.to_state, cut_off.reason) == ("running", "unknown", "cut off")


def test_a_batch_signs_at_most_the_configured_number(lurah, staff, office, settings):
    settings.SIGNING_MAX_BATCH = 2
    documents = put_before(lurah, staff, office, n=3)
    result = services.sign_documents(actor=lurah, documents=documents, pin=PIN, base_url=BASE)
    assert len(result.signed) == 2 and result.remaining == 1
    assert list(selectors.inbox_for(lurah)) == documents[2:]
