"""A real letter signed with the local signer, checked by pyHanko's validator, poppler's pdfsig
(with NSS trusting our root) and by reading the stamp back."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
import qrcode
from cryptography import x509
from pyhanko.pdf_utils.qr import PdfStreamQRImage
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore, SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from loket.letters.rendering import SIGNATURE_BOX
from loket.signing import pades, pki
from loket.signing.signers import signer_for
from loket.signing.signers.local import LocalSigner
from loket.signing.tests.conftest import PIN, SIGNER_NAME, SIGNER_NIP, SIGNER_TITLE, VERIFY_URL, make_stamp
from loket.signing.tests.helpers import appearance_text, embedded_signature, qr_streams, signature_widget

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(local_key, letter_pdf, stamp):
    session = signer_for(local_key).open_session(pin=PIN)
    try:
        return session.sign_pdf(letter_pdf, stamp=stamp, reason="Surat keterangan usaha", location="Ciputat")
    finally:
        session.close()


def our_root(authority):
    return pades.asn1_cert(pki.ca_certificate(authority))


def test_pyhanko_says_intact_valid_trusted_entire_file_with_a_valid_timestamp(signed, authority, local_key):
    embedded = embedded_signature(signed.pdf)
    assert embedded.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert embedded.md_algorithm == "sha256"
    status = validate_pdf_signature(
        embedded, ValidationContext(trust_roots=[our_root(authority)], allow_fetching=False)
    )
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact and status.timestamp_validity.valid and status.timestamp_validity.trusted
    # the trusted signing time returned is the timestamp token's
    assert signed.signed_at == status.timestamp_validity.timestamp
    assert abs(signed.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=2)
    assert signed.certificate_serial == local_key.certificate_serial
    assert f"CN={SIGNER_NAME.replace(',', chr(92) + ',')}" in signed.certificate_subject
    assert f"title={SIGNER_TITLE}" in signed.certificate_subject


def test_the_revocation_data_is_embedded_in_the_signed_revision(signed, authority):
    reader = PdfFileReader(io.BytesIO(signed.pdf))
    dss = DocumentSecurityStore.read_dss(reader)
    crls = [x509.load_der_x509_crl(ref.get_object().data) for ref in dss.crls]
    assert [crl.issuer for crl in crls] == [pki.ca_certificate(authority).subject]
    embedded_certs = {x509.load_der_x509_certificate(c.dump()).subject for c in dss.load_certs()}
    assert pki.ca_certificate(authority).subject in embedded_certs
    assert pki.tsa_certificate(authority).subject in embedded_certs
    # one revision only: the DSS went in with the signature, not after it
    assert reader.total_revisions == 2  # the letter as rendered + the signing update
    # pyHanko finds what it needs in the file itself: revocation info required, no CRL handed in
    embedded = reader.embedded_signatures[0]
    hard = {"trust_roots": [our_root(authority)], "allow_fetching": False, "revocation_mode": "require"}
    status = validate_pdf_signature(embedded, dss.as_validation_context(hard))
    assert status.bottom_line and status.trusted
    assert status.timestamp_validity.trusted
    # control: the same check without the file's DSS cannot find revocation data
    bare = validate_pdf_signature(embedded, ValidationContext(**hard, crls=[], ocsps=[]))
    assert not bare.trusted


def _pdfsig(*args: str) -> str:
    if shutil.which("pdfsig") is None:
        pytest.fail("pdfsig is missing: install Debian's poppler-utils (make browser-deps)")
    result = subprocess.run(["pdfsig", *args], capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


def test_pdfsig_says_valid_and_trusted_with_our_root_in_an_nss_db(signed, authority, tmp_path):
    if shutil.which("certutil") is None:
        pytest.fail("certutil is missing: install Debian's libnss3-tools (make browser-deps)")
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed.pdf)
    untrusted = _pdfsig(str(path))
    assert "Signature is Valid." in untrusted
    assert "Total document signed" in untrusted
    assert "Certificate is Trusted." not in untrusted  # no trust without our root

    nss = tmp_path / "nss"
    nss.mkdir()
    (tmp_path / "ca.pem").write_text(authority.ca_certificate_pem)
    subprocess.run(["certutil", "-N", "--empty-password", "-d", f"sql:{nss}"], check=True, capture_output=True)
    subprocess.run(
        ["certutil", "-A", "-n", "Loket Root CA", "-t", "CT,C,C", "-i", str(tmp_path / "ca.pem"), "-d", f"sql:{nss}"],
        check=True,
        capture_output=True,
    )
    trusted = _pdfsig("-nssdir", f"sql:{nss}", str(path))
    assert "Signature is Valid." in trusted
    assert "Certificate is Trusted." in trusted
    assert "Signature Type: ETSI.CAdES.detached" in trusted
    assert f"Signer Certificate Common Name: {SIGNER_NAME}" in trusted


def test_the_stamp_sits_in_the_signature_box_and_names_the_signer(signed):
    widget = signature_widget(signed.pdf)
    assert tuple(round(float(v)) for v in widget["/Rect"]) == SIGNATURE_BOX.as_tuple
    text = appearance_text(signed.pdf)
    assert text[0] == "Ditandatangani secara elektronik oleh"
    assert SIGNER_NAME in text and SIGNER_TITLE in text and f"NIP {SIGNER_NIP}" in text
    assert text[-1].endswith(" WIB") and " pukul " in text[-1]
    # the stamp's font is embedded (the letter stays PDF/A)
    raw = signed.pdf
    assert b"/FontFile2" in raw or b"/FontFile3" in raw


def test_stamp_lines_with_a_stand_in_wita_and_long_titles():
    moment = dt.datetime(2026, 12, 1, 8, 5, tzinfo=dt.UTC)
    stamp = make_stamp(
        signer_title="Sekretaris Kelurahan",
        on_behalf_line="a.n. LURAH GUNUNG PANGILUN",
        signer_nip="",
        time_zone="Asia/Makassar",
    )
    assert pades.stamp_lines(stamp, moment) == [
        "Ditandatangani secara elektronik oleh",
        SIGNER_NAME,
        "a.n. LURAH GUNUNG PANGILUN",
        "Sekretaris Kelurahan",
        "1 Desember 2026 pukul 16.05 WITA",
    ]
    long = make_stamp(signer_title="Kepala Dinas Kependudukan dan Pencatatan Sipil Kota Tangerang Selatan")
    lines = pades.stamp_lines(long, moment)
    assert all(len(line) <= pades.STAMP_LINE_CHARS for line in lines)
    assert pades.signing_time_text(moment, "Asia/Jayapura") == "1 Desember 2026 pukul 17.05 WIT"
    assert pades.signing_time_text(moment) == "1 Desember 2026 pukul 15.05 WIB"


def test_the_qr_code_and_a_stand_in_stamp_on_a_real_letter(local_key, letter_pdf):
    stamp = make_stamp(
        on_behalf_line="a.n. CAMAT CIPUTAT", signer_title="Sekretaris Kecamatan", time_zone="Asia/Jayapura"
    )
    with LocalSigner(local_key).open_session(pin=PIN) as session:
        signed = session.sign_pdf(letter_pdf, stamp=stamp, reason="", location="")
    text = appearance_text(signed.pdf)
    assert "a.n. CAMAT CIPUTAT" in text and text[-1].endswith(" WIT")
    # the QR code drawn is the one of the verification URL (as pyHanko draws it)
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(VERIFY_URL)
    qr.make()
    expected = qr.make_image(image_factory=PdfStreamQRImage).render_command_stream()
    assert expected in qr_streams(signed.pdf)
    embedded = embedded_signature(signed.pdf)
    assert embedded.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
