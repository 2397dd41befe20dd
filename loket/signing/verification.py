"""What an uploaded PDF is: genuine and issued here, changed after signing, signed by a certificate
this deployment does not know, not signed, or not a readable PDF. The public verification page
shows the outcome and its explanation; anyone may upload anything, so nothing here raises on
hostile input (every failure is an outcome) and the size is capped (``SIGNING_MAX_VERIFY_BYTES``).

GENUINE needs all of:

1. every signature is intact (the signed bytes hash to the digest in the CMS) and cryptographically
   valid, and its signature timestamp, when there is one, is valid and trusted;
2. the signer's certificate chains to a CA of this deployment (its own root, or an issuer an admin
   accepted explicitly for imported PKCS#12 keys) and was good at the signing time: the signer
   context is evaluated at the time in the timestamp token, so a certificate that expired or was
   revoked *after* signing does not spoil an old letter; a revocation before it does;
3. the last signature covers the entire file (``SignatureCoverageLevel.ENTIRE_FILE``): bytes
   appended after it, or any incremental update (a new revision, an annotation, new metadata),
   make a file that is not what was signed — even when pyHanko's diff policy would call the change
   harmless, a citizen's copy of a letter has no business being changed;
4. the SHA-256 of the whole file is one recorded at signing (``recorded_hashes``): the exact
   bytes this deployment handed out.

The trust roots are the deployment's own (``pki.trusted_issuers``), never the operating system's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography import x509
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore, SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from loket.signing import pades, pki

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class Outcome(models.TextChoices):
    GENUINE = "genuine", _("Genuine: signed and issued here")
    MODIFIED = "modified", _("Changed after signing")
    UNKNOWN_CERTIFICATE = "unknown_certificate", _("Signed with a certificate this service does not know")
    NOT_SIGNED = "not_signed", _("Not signed electronically")
    UNREADABLE = "unreadable", _("Not a readable PDF")


EXPLANATIONS = {
    "genuine": _(
        "The electronic signature is intact, was made with a certificate issued by this service, covers "
        "the whole file, and this exact file was recorded when it was signed."
    ),
    "broken": _(
        "The file has a signature, but the signed content no longer matches it: the document was changed "
        "after signing. Ask the issuing office for the original."
    ),
    "timestamp_invalid": _(
        "The signature's timestamp is damaged or not trusted, so the signing time cannot be confirmed. "
        "Treat the document as changed."
    ),
    "not_entire_file": _(
        "Something was added to the file after it was signed (extra data or a new revision, such as a "
        "note or changed properties). The signed part may be genuine, but this file is not the one "
        "that was issued. Ask the issuing office for the original."
    ),
    "hash_unknown": _(
        "The signature is intact and made with our certificate, but this exact file was not recorded "
        "when documents were signed here. Ask the issuing office to confirm it."
    ),
    "signature_unreadable": _(
        "The file has a signature that cannot be read: the document was damaged or changed after signing."
    ),
    "unknown_certificate": _(
        "The signature is intact, but its certificate was not issued by this service. This service cannot "
        "vouch for it; check it with the issuer of that certificate."
    ),
    "certificate_not_valid": _(
        "The signature is intact and its certificate comes from this service, but the certificate was not "
        "valid when it signed (revoked or expired). The document is not valid."
    ),
    "not_signed": _("The file is a PDF without an electronic signature."),
    "too_large": _("The file is too large to check."),
    "empty": _("The file is empty."),
    "not_pdf": _("The file is not a PDF, or it is too damaged to read."),
}

OUTCOME_OF_REASON = {
    "genuine": Outcome.GENUINE,
    "broken": Outcome.MODIFIED,
    "timestamp_invalid": Outcome.MODIFIED,
    "not_entire_file": Outcome.MODIFIED,
    "hash_unknown": Outcome.MODIFIED,
    "signature_unreadable": Outcome.MODIFIED,
    "unknown_certificate": Outcome.UNKNOWN_CERTIFICATE,
    "certificate_not_valid": Outcome.UNKNOWN_CERTIFICATE,
    "not_signed": Outcome.NOT_SIGNED,
    "too_large": Outcome.UNREADABLE,
    "empty": Outcome.UNREADABLE,
    "not_pdf": Outcome.UNREADABLE,
}


@dataclass(frozen=True)
class SignatureInfo:
    """One signature as found in the file (for the page's details)."""

    field_name: str
    signer_subject: str
    signer_name: str
    certificate_serial: str
    intact: bool
    valid: bool
    trusted: bool
    ours: bool
    coverage: str
    signed_at: dt.datetime | None  # the timestamp token's time, when there is one
    timestamp_valid: bool | None


@dataclass(frozen=True)
class Analysis:
    outcome: Outcome
    reason: str  # finer than the outcome: a key of EXPLANATIONS
    sha256: str
    record: object | None = None  # the signed-document record of this exact file (GENUINE)
    original_record: object | None = None  # the record of the signed revision, when bytes were added after it
    signatures: tuple[SignatureInfo, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return str(self.outcome.label)

    @property
    def explanation(self) -> str:
        return str(EXPLANATIONS[self.reason])

    @property
    def is_genuine(self) -> bool:
        return self.outcome == Outcome.GENUINE


def _result(reason: str, sha256: str, **kwargs) -> Analysis:
    return Analysis(outcome=OUTCOME_OF_REASON[reason], reason=reason, sha256=sha256, **kwargs)


def max_bytes() -> int:
    return int(getattr(settings, "SIGNING_MAX_VERIFY_BYTES", DEFAULT_MAX_BYTES) or DEFAULT_MAX_BYTES)


def _common_name(cert) -> str:
    try:
        names = x509.load_der_x509_certificate(cert.dump()).subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    except ValueError:
        return ""
    return str(names[0].value) if names else ""


class _Trust:
    """The deployment's trust anchors and revocation data, loaded once per analysis."""

    def __init__(self):
        # an external TSA's CA (SIGNING_TSA_CA_FILE) is trusted for timestamps, never for signers
        try:
            self.tsa_roots = pades.external_tsa_certs()
        except (OSError, ValueError):
            logger.error("SIGNING_TSA_CA_FILE cannot be read: external timestamps are not trusted", exc_info=True)
            self.tsa_roots = []
        try:
            authority = pki.active_authority()
        except pki.AuthorityMissing:
            self.issuers, self.crls = [], []
            return
        self.issuers = pki.trusted_issuers(authority)
        self.crls = [pades.asn1_crl_of(x509.load_der_x509_crl(bytes(authority.crl_der)))] if authority.crl_der else []

    def issuer_of(self, asn1_cert) -> int | None:
        """The index of the deployment issuer that signed ``asn1_cert`` (0 = our own root), or None."""
        try:
            cert = x509.load_der_x509_certificate(asn1_cert.dump())
        except ValueError:
            return None
        for index, issuer in enumerate(self.issuers):
            if pki.issued_by(cert, issuer):
                return index
        return None

    def context(
        self,
        *,
        dss: DocumentSecurityStore | None,
        moment: dt.datetime | None,
        require_revinfo: bool = False,
        for_timestamps: bool = False,
    ) -> ValidationContext:
        # Our certificates carry no CRL distribution point, so "soft-fail" (check if declared) would
        # never look at a CRL: for a certificate of our own root, whose CRL we always have (embedded
        # at signing, and the current one), revocation information is required instead.
        kwargs = {
            "trust_roots": [pades.asn1_cert(c) for c in self.issuers + (self.tsa_roots if for_timestamps else [])],
            "crls": list(self.crls),
            "allow_fetching": False,
            "revocation_mode": "require" if require_revinfo else "soft-fail",
            "retroactive_revinfo": True,
        }
        if moment is not None:
            kwargs["moment"] = moment
        if dss is not None:
            return dss.as_validation_context(kwargs)
        return ValidationContext(**kwargs)


def _signed_prefix_end(embedded) -> int | None:
    try:
        byte_range = [int(x) for x in embedded.byte_range]
        return byte_range[2] + byte_range[3]
    except (TypeError, ValueError, IndexError):
        return None


def _check_signature(embedded, trust: _Trust, dss) -> tuple[str, SignatureInfo]:
    """(reason, info) for one embedded signature; the reason is 'genuine' when all is well so far."""
    signed_at = pades.timestamp_time(embedded.signer_info)
    signer_cert = embedded.signer_cert
    issuer = trust.issuer_of(signer_cert)
    ours = issuer is not None
    status = validate_pdf_signature(
        embedded,
        signer_validation_context=trust.context(dss=dss, moment=signed_at, require_revinfo=issuer == 0),
        ts_validation_context=trust.context(dss=dss, moment=None, for_timestamps=True),
    )
    tst = status.timestamp_validity
    info = SignatureInfo(
        field_name=str(embedded.field_name or ""),
        signer_subject=pades.certificate_subject(signer_cert),
        signer_name=_common_name(signer_cert),
        certificate_serial=format(signer_cert.serial_number, "x"),
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        ours=ours,
        coverage=status.coverage.name if status.coverage is not None else "",
        signed_at=signed_at,
        timestamp_valid=None if tst is None else bool(tst.intact and tst.valid and tst.trusted),
    )
    if not (status.intact and status.valid):
        return "broken", info
    if not ours:
        return "unknown_certificate", info  # its timestamp is then someone else's too
    if tst is not None and not info.timestamp_valid:
        return "timestamp_invalid", info
    if not status.trusted:
        return "certificate_not_valid", info
    return "genuine", info


def analyse_pdf(data: bytes, *, recorded_hashes: Callable[[str], object | None]) -> Analysis:
    """The outcome for ``data`` (see the module docstring). ``recorded_hashes(sha256_hex)`` returns
    the signed-document record with that SHA-256, or None."""
    if not isinstance(data, bytes | bytearray | memoryview):
        return _result("not_pdf", "")
    data = bytes(data)
    if len(data) > max_bytes():
        return _result("too_large", "")
    sha256 = hashlib.sha256(data).hexdigest()
    if not data:
        return _result("empty", sha256)
    if b"%PDF-" not in data[:1024]:
        return _result("not_pdf", sha256)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        reader.root  # noqa: B018 - parse the trailer and catalogue now, inside the try
    except Exception:  # noqa: BLE001 - hostile input: any parser failure is "unreadable"
        logger.info("Verification: unreadable PDF %s", sha256, exc_info=True)
        return _result("not_pdf", sha256)
    try:
        embedded_signatures = list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001
        logger.info("Verification: unreadable signature in %s", sha256, exc_info=True)
        return _result("signature_unreadable", sha256)
    if not embedded_signatures:
        return _result("not_signed", sha256)
    try:
        return _analyse_signed(data, sha256, embedded_signatures, reader, recorded_hashes)
    except Exception:  # noqa: BLE001
        logger.info("Verification: signature check failed on %s", sha256, exc_info=True)
        return _result("signature_unreadable", sha256)


def _analyse_signed(data, sha256, embedded_signatures, reader, recorded_hashes) -> Analysis:
    trust = _Trust()
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:  # noqa: BLE001 - no DSS (or a broken one): validate without it
        dss = None
    infos = []
    reasons = []
    for embedded in embedded_signatures:
        reason, info = _check_signature(embedded, trust, dss)
        reasons.append(reason)
        infos.append(info)
    signatures = tuple(infos)
    last = embedded_signatures[-1]
    original = None
    end = _signed_prefix_end(last)
    if end is not None and 0 < end < len(data):
        original = recorded_hashes(hashlib.sha256(data[:end]).hexdigest())
    for reason in ("broken", "unknown_certificate", "timestamp_invalid", "certificate_not_valid"):
        if reason in reasons:
            return _result(reason, sha256, signatures=signatures, original_record=original)
    if last.evaluate_signature_coverage() != SignatureCoverageLevel.ENTIRE_FILE:
        return _result("not_entire_file", sha256, signatures=signatures, original_record=original)
    record = recorded_hashes(sha256)
    if record is None:
        return _result("hash_unknown", sha256, signatures=signatures)
    return _result("genuine", sha256, signatures=signatures, record=record)
