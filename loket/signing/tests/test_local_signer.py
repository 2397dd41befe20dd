"""The local signer: one unseal per session for a whole batch, and the refusals (wrong PIN, revoked
or expired certificate, closed session); the signer registry."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.files.storage import FileSystemStorage
from pyhanko.sign.validation import SignatureCoverageLevel

from loket.core import clock
from loket.letters import selectors, services
from loket.letters.factories import SIGNER, SKU_VALUES, OfficeLetterSettingsFactory, sku_service, sku_template
from loket.letters.models import Letter
from loket.signing import pki, sealing
from loket.signing import services as signing
from loket.signing import signers as registry
from loket.signing.signers.base import CertificateInactive, SignerUnavailable, WrongPin
from loket.signing.signers.local import LocalSigner
from loket.signing.tests.conftest import PIN, make_stamp
from loket.signing.tests.helpers import embedded_signature
from loket.signing.verification import analyse_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def letters(tmp_path, monkeypatch):
    monkeypatch.setattr(Letter._meta.get_field("pdf"), "storage", FileSystemStorage(location=str(tmp_path)))
    office = OfficeLetterSettingsFactory().office
    template = sku_template(sku_service())

    def issue(count: int) -> list[Letter]:
        return [
            services.issue_letter(
                actor=None,
                template=template,
                office=office,
                values={**SKU_VALUES, "kode_permohonan": f"PMH-BATCH-{n:04d}"},
                signer=SIGNER,
                reference=f"permohonan:PMH-BATCH-{n:04d}",
            )
            for n in range(count)
        ]

    return issue


def test_one_session_signs_twenty_letters_with_one_unseal(local_key, authority, letters, monkeypatch):
    batch = letters(20)
    pki.tsa_private_key(authority)  # the TSA key is unsealed once per process, not per session
    calls = []
    real = sealing.derive_key
    monkeypatch.setattr(sealing, "derive_key", lambda *args: calls.append(1) or real(*args))

    session = LocalSigner(local_key).open_session(pin=PIN)
    signed = [
        session.sign_pdf(
            selectors.letter_pdf(letter),
            stamp=make_stamp(verify_url=f"https://loket.example.go.id/verifikasi/{letter.pk}"),
            reason=f"Surat {letter.number}",
            location="Ciputat",
        )
        for letter in batch
    ]
    session.close()
    assert len(calls) == 1  # one Argon2id derivation for the whole batch
    assert len({result.pdf for result in signed}) == 20
    for result in signed:
        assert embedded_signature(result.pdf).evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
    last = signed[-1].pdf
    assert analyse_pdf(last, recorded_hashes={hashlib.sha256(last).hexdigest(): 1}.get).is_genuine
    with pytest.raises(RuntimeError, match="closed"):
        session.sign_pdf(selectors.letter_pdf(batch[0]), stamp=make_stamp(), reason="", location="")


def test_wrong_pin(local_key):
    with pytest.raises(WrongPin):
        LocalSigner(local_key).open_session(pin="salah-salah")


def test_a_revoked_key_does_not_open(local_key):
    signing.revoke_signer_key(actor=None, signer_key=local_key, reason="Dicabut untuk uji")
    local_key.refresh_from_db()
    with pytest.raises(CertificateInactive):
        LocalSigner(local_key).open_session(pin=PIN)


def test_an_expired_certificate_does_not_open(local_key, monkeypatch):
    after = local_key.not_after + dt.timedelta(days=1)
    monkeypatch.setattr("loket.core.clock.now", lambda: after)
    with pytest.raises(CertificateInactive, match="kedaluwarsa"):
        LocalSigner(local_key).open_session(pin=PIN)


def test_a_stale_crl_is_re_signed_before_signing(local_key, authority, letter_pdf, monkeypatch):
    number = authority.crl_number
    later = clock.now() + dt.timedelta(days=2)
    monkeypatch.setattr("loket.core.clock.now", lambda: later)
    with LocalSigner(local_key).open_session(pin=PIN) as session:
        session.sign_pdf(letter_pdf, stamp=make_stamp(), reason="", location="")
    authority.refresh_from_db()
    assert authority.crl_number == number + 1 and authority.crl_updated_at == later


def test_the_registry(local_key, settings):
    assert isinstance(registry.signer_for(local_key), LocalSigner)
    local_key.kind = "kertas"
    with pytest.raises(SignerUnavailable):
        registry.signer_for(local_key)
    settings.SIGNING_SIGNERS = {"kertas": "loket.signing.signers.local.signer_for_key"}
    assert isinstance(registry.signer_for(local_key), LocalSigner)
    settings.SIGNING_SIGNERS = {"kertas": "loket.signing.signers.tidak_ada.signer_for_key"}
    with pytest.raises(SignerUnavailable):
        registry.signer_for(local_key)
    marker = object()
    registry.register("kertas", lambda signer_key: marker)
    try:
        assert registry.signer_for(local_key) is marker
    finally:
        registry._registry.pop("kertas")
