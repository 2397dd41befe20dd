"""``analyse_pdf``: what the public verification page says about an uploaded file."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random

import pytest
from django.utils import translation
from pyhanko.pdf_utils.generic import NameObject, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from loket.core import clock
from loket.signing import pades, services
from loket.signing.signers.local import LocalSigner
from loket.signing.tests.conftest import PIN, SIGNER_NAME
from loket.signing.tests.helpers import foreign_context_and_signer
from loket.signing.verification import Outcome, analyse_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(local_key, letter_pdf, stamp) -> bytes:
    with LocalSigner(local_key).open_session(pin=PIN) as session:
        return session.sign_pdf(letter_pdf, stamp=stamp, reason="Surat keterangan usaha", location="Ciputat").pdf


def recorded(*documents: bytes):
    table = {hashlib.sha256(document).hexdigest(): f"record-{i}" for i, document in enumerate(documents)}
    return table.get


def test_the_signed_letter_is_genuine(signed):
    analysis = analyse_pdf(signed, recorded_hashes=recorded(signed))
    assert analysis.outcome == Outcome.GENUINE and analysis.is_genuine
    assert analysis.record == "record-0"
    assert analysis.sha256 == hashlib.sha256(signed).hexdigest()
    [signature] = analysis.signatures
    assert signature.intact and signature.valid and signature.trusted and signature.ours
    assert signature.coverage == "ENTIRE_FILE" and signature.timestamp_valid
    assert signature.signer_name == SIGNER_NAME and signature.signed_at is not None
    with translation.override("id"):
        assert analysis.label == "Asli: ditandatangani dan diterbitkan di sini"
        assert "seluruh berkas" in analysis.explanation


def test_intact_and_ours_but_not_recorded_is_modified(signed):
    analysis = analyse_pdf(signed, recorded_hashes=lambda sha256: None)
    assert analysis.outcome == Outcome.MODIFIED and analysis.reason == "hash_unknown"


def test_bytes_appended_after_the_signature_are_a_modification(signed):
    analysis = analyse_pdf(signed + b"\n%%tambahan setelah tanda tangan\n", recorded_hashes=recorded(signed))
    assert analysis.outcome == Outcome.MODIFIED and analysis.reason == "not_entire_file"
    assert analysis.original_record == "record-0"  # the signed part is the letter we issued
    assert analysis.record is None


def test_an_incremental_revision_after_signing_is_a_modification(signed):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root[NameObject("/Lang")] = pdf_string("en-US")
    writer.update_root()
    writer.set_info(None)
    out = io.BytesIO()
    writer.write(out)
    changed = out.getvalue()
    assert changed.startswith(signed) and len(changed) > len(signed)
    analysis = analyse_pdf(changed, recorded_hashes=recorded(signed))
    assert analysis.outcome == Outcome.MODIFIED and analysis.reason == "not_entire_file"
    assert analysis.original_record == "record-0"


def test_an_added_annotation_is_a_modification(signed):
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page_ref = writer.find_page_for_modification(0)[0]
    page = page_ref.get_object()
    note = generic.DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(v) for v in (50, 50, 80, 80)]),
            NameObject("/Contents"): pdf_string("Sudah dibayar"),
        }
    )
    annots = page.get("/Annots", generic.ArrayObject())
    annots.append(writer.add_object(note))
    page[NameObject("/Annots")] = annots
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    assert analyse_pdf(out.getvalue(), recorded_hashes=recorded(signed)).outcome == Outcome.MODIFIED


def test_a_changed_byte_inside_the_signed_range_breaks_the_signature(signed):
    position = signed.index(b"Budi Santoso") if b"Budi Santoso" in signed else len(signed) // 4
    tampered = bytearray(signed)
    tampered[position] ^= 0x01
    analysis = analyse_pdf(bytes(tampered), recorded_hashes=recorded(signed))
    assert analysis.outcome == Outcome.MODIFIED
    assert analysis.reason in {"broken", "signature_unreadable"}


def test_a_pdf_signed_with_another_ca_is_an_unknown_certificate(letter_pdf, stamp, authority):
    context, signer, _material = foreign_context_and_signer()
    signed = pades.sign_pdf(letter_pdf, signer=signer, context=context, stamp=stamp, reason="", location="").pdf
    analysis = analyse_pdf(signed, recorded_hashes=recorded(signed))
    assert analysis.outcome == Outcome.UNKNOWN_CERTIFICATE and analysis.reason == "unknown_certificate"
    assert analysis.signatures[0].intact and not analysis.signatures[0].ours


def test_a_plain_pdf_is_not_signed(letter_pdf, plain_pdf, authority):
    assert analyse_pdf(letter_pdf, recorded_hashes=recorded()).outcome == Outcome.NOT_SIGNED
    assert analyse_pdf(plain_pdf, recorded_hashes=recorded()).outcome == Outcome.NOT_SIGNED


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"GIF89a not a pdf at all", "not_pdf"),
        (b"%PDF-1.7\n1 0 obj garbage without end", "not_pdf"),
        (bytes(random.Random(6).getrandbits(8) for _ in range(5000)), "not_pdf"),
    ],
)
def test_garbage_is_unreadable(authority, data, reason):
    analysis = analyse_pdf(data, recorded_hashes=recorded())
    assert analysis.outcome == Outcome.UNREADABLE and analysis.reason == reason


def test_too_large_is_refused_before_parsing(authority, signed, settings):
    settings.SIGNING_MAX_VERIFY_BYTES = len(signed) - 1
    analysis = analyse_pdf(signed, recorded_hashes=recorded(signed))
    assert analysis.outcome == Outcome.UNREADABLE and analysis.reason == "too_large"


def test_a_letter_signed_before_its_key_was_revoked_stays_genuine(signed, local_key, monkeypatch):
    # a minute later (a CRL says when to the second, rounded down: the same second would count as before)
    later = clock.now() + dt.timedelta(minutes=1)
    monkeypatch.setattr("loket.core.clock.now", lambda: later)
    services.revoke_signer_key(actor=None, signer_key=local_key, reason="Pindah tugas ke kecamatan")
    assert analyse_pdf(signed, recorded_hashes=recorded(signed)).outcome == Outcome.GENUINE


def test_a_letter_signed_after_revocation_is_not_genuine(local_key, letter_pdf, stamp):
    # a session opened before the revocation still holds the old CRL: the verification page uses
    # the current one, and the timestamp says the signature came after the revocation
    session = LocalSigner(local_key).open_session(pin=PIN)
    services.revoke_signer_key(actor=None, signer_key=local_key, reason="Kunci bocor, dicabut")
    signed = session.sign_pdf(letter_pdf, stamp=stamp, reason="", location="").pdf
    analysis = analyse_pdf(signed, recorded_hashes=recorded(signed))
    assert analysis.outcome == Outcome.UNKNOWN_CERTIFICATE and analysis.reason == "certificate_not_valid"


def test_hostile_mutations_never_raise(signed):
    rng = random.Random(2026)
    outcomes = set()
    for _ in range(25):
        data = bytearray(signed)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.getrandbits(8)
        if rng.random() < 0.3:
            data = data[: rng.randrange(len(data))]
        outcomes.add(analyse_pdf(bytes(data), recorded_hashes=recorded(signed)).outcome)
    assert Outcome.GENUINE not in outcomes
    assert analyse_pdf("not bytes", recorded_hashes=recorded()).outcome == Outcome.UNREADABLE  # type: ignore[arg-type]


def test_every_outcome_has_an_indonesian_label_and_explanations():
    from loket.signing.verification import EXPLANATIONS, OUTCOME_OF_REASON

    assert set(OUTCOME_OF_REASON.values()) == set(Outcome)
    assert set(EXPLANATIONS) == set(OUTCOME_OF_REASON)
    with translation.override("en"):
        english = {key: str(text) for key, text in EXPLANATIONS.items()}
    with translation.override("id"):
        labels = {str(outcome.label) for outcome in Outcome}
        assert "Diubah setelah ditandatangani" in labels
        for key, text in EXPLANATIONS.items():
            assert str(text) and str(text) != english[key]  # translated
