"""The BSrE remote signer against a BSrE-compatible server on 127.0.0.1 that really signs
(testpeers.bsre): a real letter signed and validated, the certificate statuses,
wrong passphrase, wrong client credentials, an unreachable service, retries before processing,
and the cases where the outcome is unknown and nothing is retried (never signed twice)."""

# The fixtures come from bsre_fixtures (imported below), so test arguments share their names.
# ruff: noqa: F811

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
import socket
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from loket.letters.rendering import SIGNATURE_BOX
from loket.signing.signers import bsre
from loket.signing.signers.base import (
    CertificateInactive,
    SignedPdf,
    SignerUnavailable,
    SigningFailed,
    WrongPin,
)
from loket.signing.signers.bsre import SIGN_PATH, STATUS_PATH, SigningOutcomeUnknown
from loket.signing.tests.bsre_fixtures import (  # noqa: F401 - fixtures
    ACTIVE_NIK,
    ACTIVE_PASSPHRASE,
    EXPIRED_NIK,
    RENEWING_NIK,
    REVOKED_NIK,
    SIGNER_NAME,
    SUSPENDED_NIK,
    UNREGISTERED_NIK,
    bsre_server,
    letter,
    make_signer,
    server,
    sleeps,
)
from testpeers.bsre import BsrePki

# django_db on the module also makes pytest-django create the test database the module-scoped
# ``letter`` fixture needs (without a django_db test in the run it would not be set up).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("bsre")]

REASON = "Surat Keterangan Usaha 500/001/Kel.Cpt/XII/2026"
LOCATION = "Tangerang Selatan"


def sign(session, letter):
    pdf, stamp = letter
    return session.sign_pdf(pdf, stamp=stamp, reason=REASON, location=LOCATION)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- a real letter ------------------------------------------------------------------------------


def test_a_real_letter_is_signed_and_validates_with_the_test_ca(server, make_signer, letter, sleeps):
    pdf, stamp = letter
    assert b"/OutputIntents" in pdf and b"pdfaid:part" in pdf  # the PDF/A-2b letter issue_letter stored
    session = make_signer().open_session(pin=ACTIVE_PASSPHRASE)
    result = sign(session, letter)
    session.close()

    assert isinstance(result, SignedPdf)
    assert server.signed_count == 1 and server.requests[SIGN_PATH] == 1 and sleeps == []
    assert result.pdf.startswith(pdf) and len(result.pdf) > len(pdf)  # an incremental update on our letter

    reader = PdfFileReader(io.BytesIO(result.pdf))
    (embedded,) = reader.embedded_regular_signatures
    status = validate_pdf_signature(
        embedded, ValidationContext(trust_roots=[server.ca_certificate], allow_fetching=False)
    )
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE" and status.bottom_line
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert result.signed_at == status.timestamp_validity.timestamp  # the time of the timestamp token
    assert result.signed_at.utcoffset().total_seconds() == 0
    assert embedded.sig_object["/Reason"] == REASON and embedded.sig_object["/Location"] == LOCATION

    user_certificate = embedded.signer_cert
    assert result.certificate_serial == format(user_certificate.serial_number, "x")
    assert "CN=Hendra Gunawan\\, S.Sos." in result.certificate_subject and "C=ID" in result.certificate_subject

    # The visible field lies at SIGNATURE_BOX on the last page and shows the stamp image.
    pages = list(PdfReader(io.BytesIO(result.pdf)).pages)
    widgets = [a.get_object() for a in pages[-1].get("/Annots", []) if a.get_object().get("/FT") == "/Sig"]
    assert len(widgets) == 1
    x0, y0, x1, y1 = (float(v) for v in widgets[0]["/Rect"])
    assert (x0, y0, x1, y1) == pytest.approx(
        (SIGNATURE_BOX.x0, SIGNATURE_BOX.y0, SIGNATURE_BOX.x1, SIGNATURE_BOX.y1), abs=1.0
    )
    appearance = widgets[0]["/AP"]["/N"].get_object()
    assert "/XObject" in appearance["/Resources"]  # the stamp image, not an empty box


def test_the_request_carries_the_stamp_on_the_last_page_at_the_box(server, make_signer, letter):
    pdf, stamp = letter
    sign(make_signer().open_session(pin=ACTIVE_PASSPHRASE), letter)
    (properties,) = server.last_signature_properties
    assert properties["tampilan"] == "VISIBLE"
    assert properties["page"] == len(PdfReader(io.BytesIO(pdf)).pages)  # 1-based: the last page
    x0, y0, x1, y1 = stamp.box
    assert (properties["originX"], properties["originY"]) == (x0, y0)
    assert (properties["width"], properties["height"]) == (x1 - x0, y1 - y0)
    assert (properties["reason"], properties["location"]) == (REASON, LOCATION)
    image = Image.open(io.BytesIO(base64.b64decode(properties["imageBase64"])))
    assert image.format == "PNG" and image.mode == "RGB"
    assert image.size == (round((x1 - x0) * 300 / 72), round((y1 - y0) * 300 / 72))


def test_stamp_lines_name_the_signer_in_indonesian(letter):
    _pdf, stamp = letter
    moment = dt.datetime(2026, 12, 1, 9, 3, tzinfo=dt.UTC)
    assert bsre.stamp_lines(stamp, moment) == [
        "Ditandatangani secara elektronik oleh",
        "Hendra Gunawan, S.Sos.",
        "Lurah Ciputat",
        "NIP 198507142010011002",
        "1 Desember 2026 pukul 16.03 WIB",
    ]
    in_jayapura = replace(stamp, time_zone="Asia/Jayapura", on_behalf_line="a.n. CAMAT CIPUTAT")
    assert bsre.stamp_lines(in_jayapura, moment)[2:] == [
        "a.n. CAMAT CIPUTAT",
        "Lurah Ciputat",
        "NIP 198507142010011002",
        "1 Desember 2026 pukul 18.03 WIT",
    ]


def test_with_trust_roots_the_signer_must_chain_to_them(server, make_signer, letter):
    trusted = make_signer(trust_roots=[server.ca_certificate_pem]).open_session(pin=ACTIVE_PASSPHRASE)
    assert sign(trusted, letter).pdf

    other_root = BsrePki().ca.certificate.public_bytes(Encoding.DER)  # another CA of the same name
    untrusting = make_signer(trust_roots=[other_root]).open_session(pin=ACTIVE_PASSPHRASE)
    with pytest.raises(SigningFailed) as err:
        sign(untrusting, letter)
    assert not isinstance(err.value, SigningOutcomeUnknown)
    assert "bukan salinan dokumen ini yang ditandatangani dengan benar" in err.value.message


# --- certificate status -------------------------------------------------------------------------


def test_an_active_certificate_opens_a_session(server, make_signer):
    session = make_signer().open_session(pin=ACTIVE_PASSPHRASE)
    assert isinstance(session, bsre.BsreSession)
    assert server.requests[STATUS_PATH] == 1 and server.signed_count == 0


@pytest.mark.parametrize(
    ("nik", "words"),
    [
        (EXPIRED_NIK, "sudah kedaluwarsa"),
        (REVOKED_NIK, "telah dicabut"),
        (SUSPENDED_NIK, "sedang ditangguhkan"),
        (UNREGISTERED_NIK, "belum terdaftar di BSrE"),
        (RENEWING_NIK, "tidak aktif (status: RENEW)"),
    ],
)
def test_an_inactive_or_unknown_certificate_is_refused_in_indonesian(make_signer, nik, words):
    with pytest.raises(CertificateInactive) as err:
        make_signer(nik=nik).open_session(pin="apa saja")
    assert words in err.value.message
    assert nik not in err.value.message


def test_a_certificate_revoked_after_the_session_opened_is_refused_at_signing(server, make_signer, letter):
    session = make_signer().open_session(pin=ACTIVE_PASSPHRASE)
    server.set_status(ACTIVE_NIK, "REVOKED")
    try:
        with pytest.raises(CertificateInactive) as err:
            sign(session, letter)
    finally:
        server.set_status(ACTIVE_NIK, "ISSUE")
    assert "telah dicabut" in err.value.message and server.signed_count == 0


# --- wrong passphrase, wrong client credentials -------------------------------------------------


def test_a_wrong_passphrase_is_a_wrong_pin(server, make_signer, letter, sleeps):
    session = make_signer().open_session(pin="bukan-passphrase-nya")  # the API cannot check it earlier
    with pytest.raises(WrongPin) as err:
        sign(session, letter)
    assert err.value.message == "Passphrase BSrE salah. Periksa kembali, lalu coba lagi."
    assert server.signed_count == 0 and server.requests[SIGN_PATH] == 1 and sleeps == []


def test_wrong_client_credentials_make_the_service_unavailable_without_retrying(server, make_signer, sleeps):
    # SignerUnavailable: nothing was signed and the document is fine; an admin must fix the
    # deployment's client id/secret, and open_session's contract names this error for it.
    with pytest.raises(SignerUnavailable) as err:
        make_signer(client_secret="salah").open_session(pin=ACTIVE_PASSPHRASE)
    assert "BSrE menolak akses aplikasi ini" in err.value.message and "admin sistem" in err.value.message
    assert server.requests[STATUS_PATH] == 1 and sleeps == []


def test_wrong_client_credentials_at_signing(server, make_signer, letter):
    session = bsre.BsreSession(make_signer(client_id="lain"), ACTIVE_PASSPHRASE)
    with pytest.raises(SignerUnavailable):
        sign(session, letter)
    assert server.signed_count == 0


# --- unreachable, busy: retried, nothing signed -------------------------------------------------


def test_nothing_listening_is_unavailable_after_the_retries(make_signer, monkeypatch, sleeps, letter):
    attempts = []
    connect = socket.create_connection  # how the client's transport opens each connection
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: attempts.append(1) or connect(*a, **k))
    signer = make_signer(base_url=f"http://127.0.0.1:{free_port()}", retries=2, backoff=0.05)

    with pytest.raises(SignerUnavailable) as err:
        signer.open_session(pin=ACTIVE_PASSPHRASE)
    assert len(attempts) == 3 and sleeps == [0.05, 0.1]
    assert "tidak dapat dihubungi" in err.value.message and "belum ditandatangani" in err.value.message

    attempts.clear()
    sleeps.clear()
    with pytest.raises(SignerUnavailable):
        sign(bsre.BsreSession(signer, ACTIVE_PASSPHRASE), letter)
    assert len(attempts) == 3 and sleeps == [0.05, 0.1]


def test_an_unknown_host_is_unavailable(make_signer, sleeps):
    with pytest.raises(SignerUnavailable):
        make_signer(base_url="http://bsre.invalid", retries=1).open_session(pin=ACTIVE_PASSPHRASE)
    assert sleeps == [0.05]


def test_503_twice_then_ok_signs_once(server, make_signer, letter, sleeps):
    session = make_signer().open_session(pin=ACTIVE_PASSPHRASE)
    server.fail_next(SIGN_PATH, count=2, status=503)
    result = sign(session, letter)
    assert result.pdf.startswith(letter[0])
    assert server.requests[SIGN_PATH] == 3 and server.signed_count == 1
    assert sleeps == [0.05, 0.1]


def test_retry_after_is_honoured_up_to_a_limit(server, make_signer, letter, sleeps):
    session = make_signer().open_session(pin=ACTIVE_PASSPHRASE)
    server.fail_next(SIGN_PATH, count=1, status=429, retry_after=3)
    server.fail_next(SIGN_PATH, count=1, status=503, retry_after=3600)
    sign(session, letter)
    assert sleeps == [3.0, bsre.MAX_RETRY_AFTER] and server.signed_count == 1


def test_busy_beyond_the_retries_is_unavailable(server, make_signer, letter, sleeps):
    session = make_signer().open_session(pin=ACTIVE_PASSPHRASE)
    server.fail_next(SIGN_PATH, count=3, status=503)
    with pytest.raises(SignerUnavailable) as err:
        sign(session, letter)
    assert "sedang sibuk" in err.value.message
    assert server.requests[SIGN_PATH] == 3 and server.signed_count == 0


def test_the_read_only_status_check_is_retried_on_gateway_errors_and_timeouts(server, make_signer, sleeps):
    server.fail_next(STATUS_PATH, count=1, status=504)
    server.delay_next(STATUS_PATH, 3.0)
    make_signer(read_timeout=0.3).open_session(pin=ACTIVE_PASSPHRASE)
    assert server.requests[STATUS_PATH] == 3 and len(sleeps) == 2


# --- sent, outcome unknown: never retried -------------------------------------------------------


def test_a_read_timeout_after_sending_is_unknown_and_not_retried(server, make_signer, letter, sleeps):
    session = make_signer(read_timeout=0.4).open_session(pin=ACTIVE_PASSPHRASE)
    server.delay_next(SIGN_PATH, 3.0)  # the server signs, then answers too late
    with pytest.raises(SigningOutcomeUnknown) as err:
        sign(session, letter)
    assert isinstance(err.value, SigningFailed)
    assert "tidak diketahui apakah dokumen sudah ditandatangani" in err.value.message
    assert "Jangan menandatangani ulang" in err.value.message
    assert server.wait_signed(1)  # the server goes on signing after the client gave up
    assert server.requests[SIGN_PATH] == 1 and server.signed_count == 1  # BSrE signed; we did not again
    assert sleeps == []


@pytest.mark.parametrize("process", [True, False])
def test_a_connection_dropped_after_the_body_is_unknown_and_not_retried(server, make_signer, letter, sleeps, process):
    session = make_signer().open_session(pin=ACTIVE_PASSPHRASE)
    server.drop_next(SIGN_PATH, process=process)
    with pytest.raises(SigningOutcomeUnknown):
        sign(session, letter)
    assert server.requests[SIGN_PATH] == 1 and server.signed_count == (1 if process else 0) <= 1
    assert sleeps == []


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_server_or_gateway_error_while_signing_is_unknown_and_not_retried(
    server, make_signer, letter, sleeps, status
):
    session = make_signer().open_session(pin=ACTIVE_PASSPHRASE)
    server.fail_next(SIGN_PATH, count=1, status=status)
    with pytest.raises(SigningOutcomeUnknown):
        sign(session, letter)
    assert server.requests[SIGN_PATH] == 1 and sleeps == []


# --- answers that are not our letter signed -----------------------------------------------------


@pytest.mark.parametrize("mode", ["not_pdf", "not_extending", "no_signature", "tampered"])
def test_an_answer_that_is_not_our_letter_signed_is_refused(server, make_signer, letter, sleeps, mode):
    session = make_signer().open_session(pin=ACTIVE_PASSPHRASE)
    server.corrupt_next(SIGN_PATH, mode)
    with pytest.raises(SigningFailed) as err:
        sign(session, letter)
    assert not isinstance(err.value, SigningOutcomeUnknown)
    assert "bukan salinan dokumen ini yang ditandatangani dengan benar" in err.value.message
    assert server.requests[SIGN_PATH] == 1 and sleeps == []


def test_a_refusal_without_a_known_code_names_the_code(server, make_signer, letter, sleeps):
    session = make_signer().open_session(pin=ACTIVE_PASSPHRASE)
    server.fail_next(SIGN_PATH, count=1, status=400)
    with pytest.raises(SigningFailed) as err:
        sign(session, letter)
    assert "BSrE menolak menandatangani dokumen ini (kode 400)" in err.value.message
    assert sleeps == []


def test_the_input_must_be_a_pdf(server, make_signer, letter):
    session = make_signer().open_session(pin=ACTIVE_PASSPHRASE)
    with pytest.raises(SigningFailed):
        session.sign_pdf(b"not a pdf", stamp=letter[1], reason=REASON, location=LOCATION)
    assert server.requests[SIGN_PATH] == 0


def test_a_closed_session_does_not_sign(make_signer, letter):
    session = make_signer().open_session(pin=ACTIVE_PASSPHRASE)
    session.close()
    with pytest.raises(RuntimeError):
        sign(session, letter)


# --- secrets ------------------------------------------------------------------------------------


def test_neither_the_nik_nor_the_passphrase_is_logged_or_shown(server, make_signer, letter, caplog):
    caplog.set_level(logging.DEBUG)
    signer = make_signer()
    session = signer.open_session(pin=ACTIVE_PASSPHRASE)
    sign(session, letter)
    errors = []
    server.delay_next(SIGN_PATH, 3.0)
    with pytest.raises(SigningFailed) as unknown:
        sign(bsre.BsreSession(make_signer(read_timeout=0.3), ACTIVE_PASSPHRASE), letter)
    errors.append(unknown.value)
    with pytest.raises(WrongPin) as wrong:
        sign(bsre.BsreSession(signer, "passphrase-keliru-123"), letter)
    errors.append(wrong.value)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "3674********0001" in logged
    for secret in (ACTIVE_NIK, ACTIVE_PASSPHRASE, "passphrase-keliru-123"):
        assert secret not in logged
        assert all(secret not in str(error) for error in errors)
        assert secret not in repr(signer) and secret not in repr(session)


# --- the table and helpers ----------------------------------------------------------------------


@pytest.mark.parametrize("entry", list(bsre.ERROR_CODES.values()), ids=lambda e: e.name)
def test_every_error_code_maps_to_its_exception(entry):
    expected = {
        bsre.Refusal.WRONG_PASSPHRASE: WrongPin,
        bsre.Refusal.DOCUMENT_REFUSED: SigningFailed,
    }.get(entry.refusal, CertificateInactive)
    error = bsre.BsreSigner(
        base_url="http://127.0.0.1:9", client_id="a", client_secret="b", nik=ACTIVE_NIK
    )._refusal_in({"status_code": entry.code, "error": f"pesan untuk {ACTIVE_NIK}"})
    assert type(error) is expected and error.message


def test_mask_nik():
    assert bsre.mask_nik("3674041708900001") == "3674********0001"
    assert bsre.mask_nik("12345") == "*****"


def test_coordinates_and_pages():
    assert bsre.bsre_rectangle((298, 111, 538, 195)) == {
        "originX": 298.0,
        "originY": 111.0,
        "width": 240.0,
        "height": 84.0,
    }
    assert bsre.bsre_page(-1, 3) == 3 and bsre.bsre_page(0, 3) == 1
    with pytest.raises(ValueError):
        bsre.bsre_page(3, 3)
    with pytest.raises(ValueError):
        bsre.bsre_rectangle((10, 10, 5, 20))


def test_the_stamp_name_appears_in_the_image_request(server, make_signer, letter):
    # A long position still fits the box: the text wraps rather than running out of the image.
    pdf, stamp = letter
    long_title = replace(
        stamp,
        signer_title="Kepala Dinas Kependudukan dan Pencatatan Sipil Kota Tangerang Selatan",
        on_behalf_line="a.n. WALI KOTA TANGERANG SELATAN",
    )
    png = bsre.render_stamp_png(long_title)
    assert Image.open(io.BytesIO(png)).size == Image.open(io.BytesIO(bsre.render_stamp_png(stamp))).size
    assert SIGNER_NAME in bsre.stamp_lines(long_title, dt.datetime.now(dt.UTC))
