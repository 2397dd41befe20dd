"""What the BSrE signer checks before and after it sends a document: the input is a readable PDF
(its page count and signatures), and the answer is our document plus exactly one sound signature.

The signed file must be a PDF with exactly one more signature than ours, that signature
mathematically sound and covering its revision (later revisions: long-term-validation updates
only), and our unsigned bytes must be a prefix of it: BSrE added an incremental update on top of
our letter and changed nothing of it. With trust roots the signer's certificate must also chain
to one of them.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import logging
from collections.abc import Sequence

from django.utils.translation import gettext as _

from loket.core import clock
from loket.signing.signers.base import SignedPdf, SigningFailed
from loket.signing.signers.bsre_errors import bad_answer

# The signer's logger, as before the split: log configurations name it.
logger = logging.getLogger("loket.signing.signers.bsre")


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return len(PdfReader(io.BytesIO(pdf)).pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise SigningFailed(_("The document to sign is not a readable PDF.")) from exc


def input_signature_count(pdf: bytes) -> int:
    from pyhanko.pdf_utils.misc import PdfError

    try:
        return len(signatures_of(pdf))
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise SigningFailed(_("The document to sign is not a readable PDF.")) from exc


def signatures_of(pdf: bytes) -> list:
    """The ``/Sig`` signatures of ``pdf`` (pyHanko ``EmbeddedPdfSignature``), in signing order."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    return list(PdfFileReader(io.BytesIO(pdf), strict=False).embedded_regular_signatures)


def load_certificates(blobs: Sequence[bytes]) -> list:
    from asn1crypto import pem, x509

    certificates = []
    for blob in blobs:
        if pem.detect(blob):
            certificates.extend(x509.Certificate.load(der) for _kind, _headers, der in pem.unarmor(blob, multiple=True))
        else:
            certificates.append(x509.Certificate.load(blob))
    return certificates


_ACCEPTED_COVERAGE = frozenset({"ENTIRE_FILE", "ENTIRE_REVISION"})
_ACCEPTED_LATER_CHANGES = frozenset({"NONE", "LTA_UPDATES"})  # e.g. BSrE adding a DSS or a document timestamp


def _sound(embedded) -> tuple[dt.datetime | None, str]:
    """Without trust roots: the signature matches the bytes it covers and its certificate's key, it
    covers its whole revision; the time is the signature timestamp's (its imprint must match the
    signature) or the self-reported one. Returns (signing time, problem or "")."""
    from pyhanko.sign.diff_analysis import DiffResult
    from pyhanko.sign.validation.generic_cms import (
        extract_tst_data_iter,
        message_imprint_checker,
        validate_sig_integrity,
    )

    embedded.compute_integrity_info()
    if embedded.coverage is None or embedded.coverage.name not in _ACCEPTED_COVERAGE:
        return None, f"signature coverage {embedded.coverage}"
    if embedded.coverage.name == "ENTIRE_REVISION":  # revisions after the signature: LTA updates only
        diff = embedded.diff_result
        if not isinstance(diff, DiffResult) or diff.modification_level.name not in _ACCEPTED_LATER_CHANGES:
            return None, "changes after the signature"
    intact, valid = validate_sig_integrity(
        embedded.signer_info,
        embedded.signer_cert,
        expected_content_type="data",
        actual_digest=embedded.compute_digest(),
    )
    if not (intact and valid):
        return None, "signature not intact or not valid"
    imprint_of = message_imprint_checker(embedded.signer_info)
    for token in extract_tst_data_iter(embedded.signer_info, signed=False):
        tst_info = token["encap_content_info"]["content"].parsed
        imprint = tst_info["message_imprint"]
        if imprint["hashed_message"].native == imprint_of(imprint["hash_algorithm"]["algorithm"].native):
            return tst_info["gen_time"].native, ""
    return embedded.self_reported_timestamp, ""


def _validated(embedded, trust_roots: list) -> tuple[dt.datetime | None, str]:
    """With trust roots: pyHanko's full validation (no fetching; revocation soft-fail), the signer's
    certificate chaining to one of the roots; the time from a trusted signature timestamp if any."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=trust_roots, allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(embedded, context)
    if not (status.intact and status.valid):
        return None, "signature not intact or not valid"
    if status.coverage is None or status.coverage.name not in _ACCEPTED_COVERAGE:
        return None, f"signature coverage {status.coverage}"
    if status.coverage.name == "ENTIRE_REVISION" and (
        status.modification_level is None or status.modification_level.name not in _ACCEPTED_LATER_CHANGES
    ):
        return None, "changes after the signature"
    if not status.trusted:
        return None, "signer certificate does not chain to the configured BSrE roots"
    timestamp = status.timestamp_validity
    if timestamp is not None and timestamp.intact and timestamp.valid and timestamp.trusted:
        return timestamp.timestamp, ""
    return embedded.self_reported_timestamp, ""


def decoded_file(data: dict | None) -> bytes | None:
    files = data.get("file") if data else None
    if not isinstance(files, list) or len(files) != 1 or not isinstance(files[0], str):
        return None
    try:
        return base64.b64decode(files[0], validate=True)
    except (binascii.Error, ValueError):
        return None


def checked_signed_pdf(
    pdf: bytes, signed: bytes | None, signatures_before: int, *, trust_roots: list | None, request_id: str
) -> SignedPdf:
    """``SignedPdf`` if ``signed`` is ``pdf`` plus one sound signature, else ``SigningFailed``."""
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from pyhanko.pdf_utils.misc import PdfError

    def refuse(why: str) -> SigningFailed:
        logger.error("BSrE answer refused: %s request=%s", why, request_id)
        return bad_answer()

    if signed is None or not signed.startswith(b"%PDF-"):
        raise refuse("not a PDF")
    if len(signed) <= len(pdf) or not signed.startswith(pdf):
        raise refuse("does not extend our document")
    try:
        signatures = signatures_of(signed)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise refuse(f"unreadable PDF ({type(exc).__name__})") from exc
    if len(signatures) != signatures_before + 1:
        raise refuse(f"{len(signatures)} signatures, expected {signatures_before + 1}")
    embedded = signatures[-1]
    try:
        if trust_roots:
            signed_at, problem = _validated(embedded, trust_roots)
        else:
            signed_at, problem = _sound(embedded)
    except Exception as exc:  # pyHanko raises many kinds of errors on malformed signatures
        raise refuse(f"signature not verifiable ({type(exc).__name__})") from exc
    if problem:
        raise refuse(problem)
    if signed_at is None:
        logger.warning("BSrE signature carries no signing time; using now request=%s", request_id)
        signed_at = clock.now()
    if signed_at.tzinfo is None:
        signed_at = signed_at.replace(tzinfo=dt.UTC)
    certificate: asn1_x509.Certificate = embedded.signer_cert
    subject = x509.load_der_x509_certificate(certificate.dump()).subject.rfc4514_string()
    return SignedPdf(
        pdf=signed,
        signed_at=signed_at.astimezone(dt.UTC),
        certificate_subject=subject,
        certificate_serial=format(certificate.serial_number, "x"),
    )
