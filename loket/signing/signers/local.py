"""The local signer: the signer's key is sealed with their PIN in the database (``SignerKey``,
``loket.signing.sealing``) and their certificate comes from the deployment CA (or an accepted
PKCS#12 import).

``open_session(pin=…)`` unseals the key ONCE (one Argon2id derivation, ~0.25 s) and returns a
session whose ``sign_pdf`` signs any number of PDFs with the key held in memory; ``close`` drops
it. The PIN itself is not kept: after unsealing it is not needed any more.
"""

from __future__ import annotations

from asn1crypto import x509 as asn1_x509
from django.utils.translation import gettext as _
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from loket.core import clock
from loket.signing import pades, pki, sealing
from loket.signing.models import SignerKey, SignerKind
from loket.signing.signers.base import CertificateInactive, SignedPdf, Stamp


def check_certificate_active(signer_key: SignerKey) -> asn1_x509.Certificate:
    """The key's certificate, or ``CertificateInactive`` when revoked, expired or not yet valid."""
    if signer_key.revoked_at is not None:
        raise CertificateInactive(_("This signing key has been revoked."))
    if not signer_key.certificate_pem:
        raise CertificateInactive(_("This signing key has no certificate."))
    cert = pki.load_certificate(signer_key.certificate_pem)
    now = clock.now()
    if now < cert.not_valid_before_utc:
        raise CertificateInactive(_("The signing certificate is not valid yet."))
    if now > cert.not_valid_after_utc:
        raise CertificateInactive(_("The signing certificate has expired: ask for a new one."))
    return pades.asn1_cert(cert)


class LocalSession:
    """One unsealed key, many documents."""

    def __init__(self, signer: signers.SimpleSigner, context: pades.PadesContext):
        self._signer: signers.SimpleSigner | None = signer
        self._context = context

    def sign_pdf(self, pdf: bytes, *, stamp: Stamp, reason: str, location: str) -> SignedPdf:
        if self._signer is None:
            raise RuntimeError("the signing session is closed")
        return pades.sign_pdf(
            pdf, signer=self._signer, context=self._context, stamp=stamp, reason=reason, location=location
        )

    def close(self) -> None:
        self._signer = None

    def __enter__(self) -> LocalSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LocalSigner:
    kind = SignerKind.LOCAL.value

    def __init__(self, signer_key: SignerKey):
        self.signer_key = signer_key

    def open_session(self, *, pin: str) -> LocalSession:
        signer_key = self.signer_key
        cert = check_certificate_active(signer_key)
        if not signer_key.sealed_key:
            raise CertificateInactive(_("This signing key has no private key stored."))
        context = pades.PadesContext.load()
        der = sealing.unseal(signer_key.sealed_key, pin)  # WrongPin on a wrong PIN
        signer = pades.PreloadedKeySigner(
            signing_cert=cert,
            private_key=pki.load_private_key(der),
            cert_registry=SimpleCertificateStore.from_certs(context.trust_roots),
        )
        return LocalSession(signer, context)


def signer_for_key(signer_key: SignerKey) -> LocalSigner:
    """The registry's factory (``loket.signing.signers``)."""
    return LocalSigner(signer_key)
