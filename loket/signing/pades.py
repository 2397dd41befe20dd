"""PAdES signing, shared by the local and the PKCS#11 signer: one pyHanko ``PdfSigner`` call per
document that adds, in ONE incremental update,

- a new signature field on ``stamp.page`` at ``stamp.box`` (``loket.letters.rendering.SIGNATURE_BOX``)
  whose appearance is the visible stamp: a QR code of ``stamp.verify_url`` and, in Indonesian, who
  signed electronically, in what capacity (with the a.n./Plt. line), the NIP and when, in the
  office's zone (WIB/WITA/WIT);
- the CMS signature (subfilter ETSI.CAdES.detached, SHA-256) with a signature timestamp token from
  the timestamper (the trusted signing time, PAdES B-T);
- the validation data (the CA and TSA certificates, the signer's, and the CRL) in the document
  security store (DSS), so the signature can be checked later without asking us (B-LT).

Why the DSS goes in before the signature: pyHanko's default writes the DSS in an incremental update
*after* the signature. The signature then no longer covers the whole file (coverage
``ENTIRE_REVISION``, not ``ENTIRE_FILE``), and the verification page would have to tell a harmless
DSS update from any other change made after signing. With
``DSSContentSettings(placement=TOGETHER_WITH_SIGNATURE, include_vri=False)`` pyHanko writes the DSS
into the same revision as the signature, before computing the digest: the byte range covers
everything, ``coverage == ENTIRE_FILE`` right after signing, and any later byte (an appended
revision, garbage at the end) shows. The price is the VRI dictionary (keyed by the hash of the
signature, which does not exist yet): it is deprecated in current PAdES and no validator needs it.
The tests check both ENTIRE_FILE and that pyHanko validates with only the embedded DSS as the
source of revocation data (hard-fail).

The timestamper: by default the deployment's own TSA certificate (``pki.py``) with pyHanko's
``DummyTimeStamper``, which builds a genuine RFC 3161 token signed with that key in-process (the
name says "dummy" because it does not run as a network service; the token is the same). Its time is
this server's clock, as trustworthy as the server. With ``SIGNING_TSA_URL`` set, an external RFC 3161
service is asked instead (pyHanko's ``HTTPTimeStamper``); its CA certificates go in
``SIGNING_TSA_CA_FILE`` (PEM) so that the token validates and its chain is embedded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import logging
import os
import textwrap
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from asn1crypto import cms, keys
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.basic import SimpleFontEngineFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import QRStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from loket.letters.indonesian import format_date
from loket.signing import pki
from loket.signing.signers.base import SignedPdf, SignerUnavailable, SigningFailed, Stamp

logger = logging.getLogger(__name__)

DEFAULT_TIME_ZONE = "Asia/Jakarta"
ZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
FIELD_PREFIX = "TandaTanganElektronik"
STAMP_FONT_SIZE = 7
STAMP_LINE_CHARS = 40  # fits 7 pt DejaVu Sans beside the QR code in the 85 mm x 30 mm box
STAMP_MAX_LINES = 8
SIGNATURE_SIZE = 32 * 1024  # room for the CMS with its certificates and the timestamp token


class _QuietNoFetching(logging.Filter):
    """pyHanko warns on every signature that fetching is off; here that is the design (everything
    it needs is handed to it), not a problem."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_QuietNoFetching())


def asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def asn1_crl_of(crl: x509.CertificateRevocationList) -> asn1_crl.CertificateList:
    return asn1_crl.CertificateList.load(crl.public_bytes(serialization.Encoding.DER))


def external_tsa_certs() -> list[x509.Certificate]:
    """The external TSA's CA certificates (``SIGNING_TSA_CA_FILE``), trusted for timestamps."""
    path = getattr(settings, "SIGNING_TSA_CA_FILE", "")
    if not path:
        return []
    with open(path, "rb") as handle:
        return x509.load_pem_x509_certificates(handle.read())


class PreloadedKeySigner(signers.SimpleSigner):
    """pyHanko's ``SimpleSigner`` with the private key parsed once per session, not per document.

    ``SimpleSigner.sign_raw`` re-parses the DER key for every signature, and cryptography checks an
    RSA 3072 key's consistency on each parse (~0.25 s here): in a batch of letters that would cost
    more than the signing. RSA PKCS#1 v1.5 and ECDSA (what our CA issues and PKCS#12 imports carry)
    use the parsed key; anything else falls back to pyHanko's own path."""

    def __init__(self, *, signing_cert, private_key, cert_registry):
        super().__init__(
            signing_cert=signing_cert,
            signing_key=keys.PrivateKeyInfo.load(pki.private_key_der(private_key)),
            cert_registry=cert_registry,
        )
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            name = mechanism.signature_algo
        except ValueError:
            name = mechanism["algorithm"].native
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if name == "rsassa_pkcs1v15" and isinstance(self._private_key, rsa.RSAPrivateKey):
            return self._private_key.sign(data, PKCS1v15(), hash_algo)
        if name == "ecdsa" and isinstance(self._private_key, ec.EllipticCurvePrivateKey):
            return self._private_key.sign(data, ec.ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)


class InternalTimeStamper(timestamps.DummyTimeStamper):
    """The deployment's own timestamping authority: pyHanko's ``DummyTimeStamper`` builds a genuine
    RFC 3161 token (TSTInfo with the message imprint, serial and nonce, signed as CMS with the TSA
    certificate's key, certificate embedded). "Dummy" only means it runs in-process instead of as a
    network service. The override signs with the key parsed once (see ``PreloadedKeySigner``);
    the signed attributes are the same as pyHanko's (content type, signing time, signing
    certificate, message digest)."""

    def __init__(self, *, tsa_cert, private_key, certs_to_embed):
        super().__init__(
            tsa_cert=tsa_cert,
            tsa_key=keys.PrivateKeyInfo.load(pki.private_key_der(private_key)),
            certs_to_embed=certs_to_embed,
        )
        self._private_key = private_key

    # The token's time is the deployment's one clock (``loket.core.clock``: real time in production,
    # frozen in tests), so a timestamp and the CRL it is validated against agree.
    @property
    def fixed_dt(self):
        from loket.core import clock

        self.last_time = clock.now()  # the time of the token just made (read by sign_pdf)
        return self.last_time

    @fixed_dt.setter
    def fixed_dt(self, value) -> None:
        pass  # pyHanko's __init__ assigns it; the clock decides

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt):  # noqa: ANN001 - pyHanko's names
        from asn1crypto import core
        from pyhanko.sign.general import as_signing_certificate, simple_cms_attribute

        hash_algo = get_pyca_cryptography_hash(md_algorithm)
        digest = hashes.Hash(hash_algo)
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute("signing_certificate", as_signing_certificate(self.tsa_cert)),
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        signature = self._private_key.sign(
            signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
        )
        return signature, signed_attrs


def timestamper(authority) -> timestamps.TimeStamper:
    """The signature timestamper: an external RFC 3161 TSA when ``SIGNING_TSA_URL`` is set, else our
    own TSA key through ``InternalTimeStamper`` (a real RFC 3161 token, made in-process)."""
    url = getattr(settings, "SIGNING_TSA_URL", "")
    if url:
        return timestamps.HTTPTimeStamper(url, timeout=10)
    return InternalTimeStamper(
        tsa_cert=asn1_cert(pki.tsa_certificate(authority)),
        private_key=pki.tsa_private_key(authority),
        certs_to_embed=SimpleCertificateStore.from_certs([asn1_cert(pki.ca_certificate(authority))]),
    )


# Where the CRL to embed comes from. Re-signing a CRL older than a day writes the authority row and
# an audit row, which is the services' work (``services.ca.current_crl``); pades sits below them, so
# they register it here when the app is ready (apps.py). Until then: the CRL as stored.
_crl_sources: list[Callable] = []


def use_crl_source(source: Callable) -> None:
    """Make ``source(authority)`` give the CRL that signatures embed (``SigningConfig.ready``)."""
    _crl_sources[:] = [source]


def _crl_of(authority) -> x509.CertificateRevocationList:
    return _crl_sources[0](authority) if _crl_sources else pki.stored_crl(authority)


@dataclass
class PadesContext:
    """What every signature of a session needs from the deployment, loaded once per session: the
    trusted issuers, the current CRL, the TSA certificate and the timestamper."""

    trust_roots: list[asn1_x509.Certificate]
    other_certs: list[asn1_x509.Certificate]
    crls: list[asn1_crl.CertificateList]
    timestamper: timestamps.TimeStamper

    @classmethod
    def load(cls) -> PadesContext:
        authority = pki.active_authority()
        external = [asn1_cert(cert) for cert in external_tsa_certs()]
        return cls(
            trust_roots=[asn1_cert(cert) for cert in pki.trusted_issuers(authority)] + external,
            other_certs=[asn1_cert(pki.tsa_certificate(authority))],
            crls=[asn1_crl_of(_crl_of(authority))],
            timestamper=timestamper(authority),
        )

    def validation_context(self) -> ValidationContext:
        # soft-fail: our CRL is handed over (and embedded); an accepted external issuer's CA may
        # publish none we know. A revoked certificate still fails: revocation found is revocation.
        return ValidationContext(
            trust_roots=self.trust_roots,
            other_certs=self.other_certs,
            crls=self.crls,
            allow_fetching=False,
            revocation_mode="soft-fail",
        )


# --- the visible stamp ------------------------------------------------------------------------


def zone_label(time_zone: str) -> str:
    return ZONE_LABELS.get(time_zone) or dt.datetime.now(zoneinfo.ZoneInfo(time_zone)).tzname() or time_zone


def signing_time_text(moment: dt.datetime, time_zone: str = DEFAULT_TIME_ZONE) -> str:
    """``1 Desember 2026 pukul 16.03 WIB``: the office's wall clock, as Indonesian letters write it."""
    local = moment.astimezone(zoneinfo.ZoneInfo(time_zone))
    return f"{format_date(local.date())} pukul {local:%H.%M} {zone_label(time_zone)}"


def stamp_lines(stamp: Stamp, moment: dt.datetime) -> list[str]:
    """The words of the stamp (always Indonesian, as the letter), wrapped to fit beside the QR."""
    lines = ["Ditandatangani secara elektronik oleh", stamp.signer_name]
    if stamp.on_behalf_line:
        lines.append(stamp.on_behalf_line)
    lines.append(stamp.signer_title)
    if stamp.signer_nip:
        lines.append(f"NIP {stamp.signer_nip}")
    lines.append(signing_time_text(moment, getattr(stamp, "time_zone", "") or DEFAULT_TIME_ZONE))
    wrapped: list[str] = []
    for line in lines:
        text = " ".join(str(line).split())
        if text:
            wrapped.extend(textwrap.wrap(text, STAMP_LINE_CHARS, break_long_words=True) or [""])
    if len(wrapped) > STAMP_MAX_LINES:
        wrapped = wrapped[: STAMP_MAX_LINES - 1] + [wrapped[-1]]  # never drop the time
    return wrapped


# What the stamp may need to write: Latin with Indonesian names' accents, dashes and quotes.
_STAMP_CODEPOINTS = [*range(0x20, 0x250), 0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026]


@functools.lru_cache(maxsize=2)
def _stamp_font_bytes(path: str) -> bytes:
    """The stamp font, subset to Latin and scaled to 1000 units per em, once per process.

    Why scaled: pyHanko's OpenType engine writes glyph widths (/W) and TJ adjustments in the font's
    own units, which PDF reads as thousandths of an em. For a 1000-unit font (most CFF fonts) that
    is right; DejaVu Sans has 2048 units, and unscaled the glyphs come out twice as far apart. The
    subset keeps the scaling fast (~1 s) and the embedded font small."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(path)
    options = subset.Options()
    options.layout_features = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.drop_tables += ["FFTM"]  # FontForge's timestamp table, which fontTools cannot subset
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_STAMP_CODEPOINTS)
    subsetter.subset(font)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


class StampFontFactory(FontEngineFactory):
    """DejaVu Sans (``settings.SIGNING_STAMP_FONT``), embedded as a subset: the signed letter stays
    PDF/A (every font in it embedded)."""

    def __init__(self, font_bytes: bytes):
        self.font_bytes = font_bytes

    def create_font_engine(self, writer, obj_stream=None):
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer, font_handle=io.BytesIO(self.font_bytes), font_size=STAMP_FONT_SIZE, obj_stream=obj_stream
        )


def _font_factory() -> FontEngineFactory:
    """The embedded stamp font; without the font file, pyHanko's Courier (not embedded, so the PDF
    is then not PDF/A) with a warning in the log."""
    path = getattr(settings, "SIGNING_STAMP_FONT", "")
    if path and os.path.exists(path):
        return StampFontFactory(_stamp_font_bytes(path))
    logger.warning("Stamp font %r missing: the stamp uses Courier, not embedded (the PDF is then not PDF/A)", path)
    return SimpleFontEngineFactory.default_factory()


def stamp_style(line_count: int) -> QRStampStyle:
    placeholders = "\n".join(f"%(line{i})s" for i in range(line_count))
    return QRStampStyle(
        stamp_text=placeholders,
        text_box_style=TextBoxStyle(font=_font_factory(), font_size=STAMP_FONT_SIZE, leading=STAMP_FONT_SIZE + 1),
        border_width=0,
        innsep=2,
        background=None,
    )


# --- signing ----------------------------------------------------------------------------------


def _field_name(reader: PdfFileReader) -> str:
    existing: set[str] = set()
    with contextlib.suppress(PdfError, KeyError, TypeError):
        existing = {name for name, _value, _ref in fields.enumerate_sig_fields(reader)}
    number = 1
    while f"{FIELD_PREFIX}{number}" in existing:
        number += 1
    return f"{FIELD_PREFIX}{number}"


def _page_index(reader: PdfFileReader, page: int) -> int:
    count = int(reader.root["/Pages"]["/Count"])
    index = count + page if page < 0 else page
    if not 0 <= index < count:
        raise SigningFailed(_("The stamp's page is not in the document."))
    return index


def timestamp_time(signer_info: cms.SignerInfo) -> dt.datetime | None:
    """The time in the signature timestamp token (unsigned attribute), or None."""
    unsigned = signer_info["unsigned_attrs"]
    if unsigned.native is None:
        return None
    for attribute in unsigned:
        if attribute["type"].native == "signature_time_stamp_token":
            token = attribute["values"][0]
            tst_info = token["content"]["encap_content_info"]["content"].parsed
            return tst_info["gen_time"].native
    return None


_NAME_LABELS = {NameOID.TITLE: "title", NameOID.SERIAL_NUMBER: "serialNumber"}


def certificate_subject(cert: asn1_x509.Certificate) -> str:
    """RFC 4514, with title and serialNumber by name rather than as OIDs."""
    return x509.load_der_x509_certificate(cert.dump()).subject.rfc4514_string(_NAME_LABELS)


def sign_pdf(
    pdf: bytes,
    *,
    signer: signers.Signer,
    context: PadesContext,
    stamp: Stamp,
    reason: str,
    location: str,
    now: dt.datetime | None = None,
) -> SignedPdf:
    """Sign ``pdf`` with ``signer`` (a pyHanko signer holding the key and certificate): see the
    module docstring for what goes into the file. Raises ``SigningFailed`` (the PDF cannot be
    signed) or ``SignerUnavailable`` (the timestamp service cannot be reached)."""
    from loket.core import clock

    now = now or clock.now()
    writer, field_name, page = _open_for_signing(pdf, stamp)
    lines = stamp_lines(stamp, now)
    pdf_signer = _pdf_signer(
        signer, context, field_name=field_name, page=page, box=stamp.box, lines=lines, reason=reason, location=location
    )
    params = {"url": stamp.verify_url, **{f"line{i}": line for i, line in enumerate(lines)}}
    try:
        out = pdf_signer.sign_pdf(writer, appearance_text_params=params, bytes_reserved=SIGNATURE_SIZE)
    except TimestampRequestError as exc:
        logger.warning("Timestamp service failed: %s", exc)
        raise SignerUnavailable(_("The timestamp service cannot be reached; nothing was signed.")) from exc
    except (SigningError, PdfError, ValueError) as exc:
        logger.exception("PAdES signing failed")
        raise SigningFailed(_("The document could not be signed.")) from exc
    return _signed_pdf(out.getvalue(), signer=signer, timestamper=context.timestamper, now=now)


def _open_for_signing(pdf: bytes, stamp: Stamp) -> tuple[IncrementalPdfFileWriter, str, int]:
    """(the writer of the incremental update, the new signature field's name, the stamp's page)."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        return writer, _field_name(writer.prev), _page_index(writer.prev, stamp.page)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        logger.warning("Cannot open the PDF to sign: %s", exc)
        raise SigningFailed(_("The document is not a PDF that can be signed.")) from exc


def _pdf_signer(
    signer: signers.Signer,
    context: PadesContext,
    *,
    field_name: str,
    page: int,
    box,
    lines: list[str],
    reason: str,
    location: str,
) -> signers.PdfSigner:
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        location=location or None,
        embed_validation_info=True,
        validation_context=context.validation_context(),
        # the DSS in the signed revision, so that the signature covers the whole file (module docstring)
        dss_settings=DSSContentSettings(placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False),
    )
    return signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=context.timestamper,
        stamp_style=stamp_style(len(lines)),
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=page, box=tuple(box)),
    )


def _signed_pdf(signed: bytes, *, signer: signers.Signer, timestamper, now: dt.datetime) -> SignedPdf:
    """What the caller stores of a signature: the file, the trusted signing time, the certificate."""
    if isinstance(timestamper, InternalTimeStamper) and getattr(timestamper, "last_time", None):
        # Our own TSA: the token's time and the certificate are known; re-reading the signed file
        # only to find them again costs about a quarter of a signature.
        cert, signed_at = signer.signing_cert, timestamper.last_time
    else:
        embedded = PdfFileReader(io.BytesIO(signed)).embedded_signatures[-1]
        cert, signed_at = embedded.signer_cert, timestamp_time(embedded.signer_info) or now
    return SignedPdf(
        pdf=signed,
        signed_at=signed_at,
        certificate_subject=certificate_subject(cert),
        certificate_serial=format(cert.serial_number, "x"),
    )
