"""The deployment's public-key infrastructure: its root CA, its timestamping (TSA) certificate, the
certificates of local and PKCS#11 signers, and the CRL — the cryptography, and where it is kept.

Why a CA of our own: a letter signed by a lurah must validate in tools that know nothing of Loket
(poppler's ``pdfsig``, pyHanko, Adobe with the root imported) and keep validating after the lurah
has left office. A certificate chain ending at one root that the deployment publishes does that,
and revocation (a CRL signed by that root, embedded in every signature) says which keys stopped
being good and when. BSrE-signed letters chain to BSrE's CA instead (``signers/bsre.py``).

What is made (``signing_ca init``, once; idempotent):

- root CA: RSA 3072, 20 years, ``CN=Loket Root CA <LOKET_DEPLOYMENT_NAME>, O=<LOKET_CA_ORGANISATION>,
  C=ID``, basicConstraints CA (path length 0: it issues end-entity certificates only), keyUsage
  keyCertSign + cRLSign;
- TSA certificate issued by it: RSA 3072, 10 years, EKU timeStamping (critical, as RFC 3161
  requires). Its key makes the signature timestamps (the trusted signing time) unless an external
  TSA is configured (``SIGNING_TSA_URL``, see ``pades.timestamper``);
- signer certificates: RSA 3072, 2 years, keyUsage digitalSignature + nonRepudiation, EKU
  id-kp-documentSigning (1.3.6.1.5.5.7.3.36, RFC 9336) and emailProtection (what Adobe and NSS look
  for in a document signer), subject CN = name, title = position, serialNumber = NIP when any;
- a CRL, valid 7 days, re-signed when a certificate is revoked and before signing when it is older
  than a day (so the CRL embedded in a signature was issued shortly before it).

The CA and TSA private keys are stored sealed (``loket.signing.sealing``) with the deployment
passphrase from the environment (``LOKET_CA_PASSPHRASE``, required in production; development and
tests use ``DEV_CA_PASSPHRASE``, which says what it is). The unsealed TSA key is kept in process
memory after first use (it signs every timestamp); the CA key is unsealed for each use (rare).

This module changes nothing: storing the authority, trusting an issuer and re-signing the CRL are
the verbs of ``services/ca.py``. It reads the active authority itself (``active_authority``)
because ``pades`` and ``verification``, helpers like it, need it and sit below the selectors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from loket.core import clock
from loket.core.errors import DomainError
from loket.signing import sealing
from loket.signing.models import SigningAuthority

# Marked as what it is; ca_passphrase() refuses to use it in production.
DEV_CA_PASSPHRASE = "DEVELOPMENT-ONLY loket CA passphrase - set LOKET_CA_PASSPHRASE in production"  # noqa: S105
KEY_SIZE = 3072
CA_VALIDITY = dt.timedelta(days=20 * 365 + 5)
TSA_VALIDITY = dt.timedelta(days=10 * 365 + 2)
SIGNER_VALIDITY = dt.timedelta(days=2 * 365)
CRL_VALIDITY = dt.timedelta(days=7)
CRL_REFRESH_AFTER = dt.timedelta(days=1)
BACKDATE = dt.timedelta(minutes=5)  # clocks of validators may be a little behind ours
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning, RFC 9336


class AuthorityMissing(DomainError):
    """No CA yet: ``manage.py signing_ca init`` has not been run."""


def ca_passphrase() -> str:
    """The passphrase sealing the CA and TSA keys (never logged, never stored)."""
    passphrase = getattr(settings, "LOKET_CA_PASSPHRASE", "")
    if passphrase:
        return passphrase
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "LOKET_CA_PASSPHRASE must be set in production: it seals the signing CA and TSA keys"
        )
    return DEV_CA_PASSPHRASE


# --- names and material ---------------------------------------------------------------------------


def organisation() -> str:
    return getattr(settings, "LOKET_CA_ORGANISATION", "") or "Pemerintah Daerah (Loket)"


def _with_deployment(prefix: str) -> str:
    name = (getattr(settings, "LOKET_DEPLOYMENT_NAME", "") or "").strip()
    return f"{prefix} {name}"[:64] if name else prefix


def _name(common_name: str, *extra: x509.NameAttribute) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
            *extra,
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation()[:64]),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        ]
    )


def new_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


def private_key_der(key) -> bytes:
    """PKCS#8 DER, unencrypted: only ever handed to ``sealing.seal``."""
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private_key(der: bytes):
    return serialization.load_der_private_key(der, password=None)


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def display_name(name: x509.Name) -> str:
    """``CN=…, O=…, C=ID``: the order the name was written in (RFC 4514 strings read backwards)."""
    return ", ".join(attribute.rfc4514_string() for attribute in name)


def serial_hex(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "x")


def load_certificate(pem_text: str | bytes) -> x509.Certificate:
    data = pem_text.encode("ascii") if isinstance(pem_text, str) else pem_text
    return x509.load_pem_x509_certificate(data)


def load_certificates(pem_text: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem_text.encode("ascii")) if pem_text.strip() else []


def _key_usage(*, signature: bool = False, non_repudiation: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signature,
        content_commitment=non_repudiation,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True)
class AuthorityMaterial:
    """A fresh CA and TSA, keys in the clear: only between ``build_material`` and sealing."""

    ca_certificate: x509.Certificate
    ca_key: rsa.RSAPrivateKey
    tsa_certificate: x509.Certificate
    tsa_key: rsa.RSAPrivateKey


def build_material(*, now: dt.datetime | None = None) -> AuthorityMaterial:
    """Make the root CA and the TSA certificate (pure cryptography, nothing stored)."""
    now = now or clock.now()
    ca_key = new_private_key()
    ca_name = _name(_with_deployment("Loket Root CA"))
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    tsa_key = new_private_key()
    tsa_cert = (
        _leaf_builder(ca_cert, tsa_key.public_key(), _name(_with_deployment("Loket TSA")), now, TSA_VALIDITY)
        .add_extension(_key_usage(signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return AuthorityMaterial(ca_certificate=ca_cert, ca_key=ca_key, tsa_certificate=tsa_cert, tsa_key=tsa_key)


def _leaf_builder(
    ca_cert: x509.Certificate,
    public_key: CertificateIssuerPublicKeyTypes,
    subject: x509.Name,
    now: dt.datetime,
    validity: dt.timedelta,
) -> x509.CertificateBuilder:
    not_after = min(now + validity, ca_cert.not_valid_after_utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            ),
            critical=False,
        )
    )


# --- the stored authority ---------------------------------------------------------------------


def active_authority() -> SigningAuthority:
    authority = SigningAuthority.objects.filter(is_active=True).first()
    if authority is None:
        raise AuthorityMissing(
            _("Electronic signing is not set up yet: the system admin must run 'manage.py signing_ca init'."),
            code="no_ca",
        )
    return authority


def ca_certificate(authority: SigningAuthority) -> x509.Certificate:
    return load_certificate(authority.ca_certificate_pem)


def tsa_certificate(authority: SigningAuthority) -> x509.Certificate:
    return load_certificate(authority.tsa_certificate_pem)


def extra_issuers(authority: SigningAuthority) -> list[x509.Certificate]:
    return load_certificates(authority.extra_issuers_pem)


def trusted_issuers(authority: SigningAuthority) -> list[x509.Certificate]:
    """The issuers this deployment knows: its own root and those an admin accepted explicitly."""
    return [ca_certificate(authority), *extra_issuers(authority)]


def unseal_ca_key(authority: SigningAuthority):
    """The CA's private key, unsealed for one use (issuing a certificate, signing a CRL)."""
    return load_private_key(sealing.unseal(authority.ca_key_sealed, ca_passphrase()))


_tsa_lock = threading.Lock()
_tsa_keys: dict[str, object] = {}


def tsa_private_key(authority: SigningAuthority):
    """The TSA key, unsealed once per process (it signs every signature timestamp)."""
    cache_key = hashlib.sha256(authority.tsa_certificate_pem.encode("ascii")).hexdigest()
    with _tsa_lock:
        key = _tsa_keys.get(cache_key)
        if key is None:
            key = _tsa_keys[cache_key] = load_private_key(sealing.unseal(authority.tsa_key_sealed, ca_passphrase()))
    return key


def signer_subject(*, name: str, title: str = "", nip: str = "") -> x509.Name:
    extra = []
    if title:
        extra.append(x509.NameAttribute(NameOID.TITLE, title[:64]))
    if nip:
        extra.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, nip[:64]))
    return _name(name, *extra)


def issue_certificate_for_public_key(
    *,
    public_key: CertificateIssuerPublicKeyTypes,
    name: str,
    title: str = "",
    nip: str = "",
    email: str = "",
    authority: SigningAuthority | None = None,
    now: dt.datetime | None = None,
) -> x509.Certificate:
    """A signer certificate for ``public_key`` (a local key or one that stays in a token)."""
    authority = authority or active_authority()
    now = now or clock.now()
    ca_cert = ca_certificate(authority)
    builder = (
        _leaf_builder(ca_cert, public_key, signer_subject(name=name, title=title, nip=nip), now, SIGNER_VALIDITY)
        .add_extension(_key_usage(signature=True, non_repudiation=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
    )
    if email:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
    return builder.sign(unseal_ca_key(authority), hashes.SHA256())


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when ``issuer``'s key signed ``cert`` (not just matching names)."""
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def known_issuer_of(cert: x509.Certificate, authority: SigningAuthority) -> x509.Certificate | None:
    for issuer in trusted_issuers(authority):
        if issued_by(cert, issuer):
            return issuer
    return None


def is_ca_certificate(cert: x509.Certificate) -> bool:
    """Whether ``cert`` says it is a CA (basicConstraints CA), as an accepted issuer must."""
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


# --- the CRL ------------------------------------------------------------------------------------


def build_crl(
    authority: SigningAuthority, ca_key, *, number: int, revoked: list[tuple[int, dt.datetime]], now: dt.datetime
) -> x509.CertificateRevocationList:
    """The CRL number ``number`` of ``authority``'s root, listing ``revoked`` (serial, revoked at)."""
    ca_cert = ca_certificate(authority)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - BACKDATE)
        .next_update(now + CRL_VALIDITY)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            ),
            critical=False,
        )
    )
    for serial, revoked_at in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at).build()
        )
    return builder.sign(ca_key, hashes.SHA256())


def crl_is_stale(authority: SigningAuthority) -> bool:
    """No CRL yet, or one older than ``CRL_REFRESH_AFTER``: re-sign it before it goes into a signature."""
    updated = authority.crl_updated_at
    return not authority.crl_der or updated is None or clock.now() - updated > CRL_REFRESH_AFTER


def stored_crl(authority: SigningAuthority) -> x509.CertificateRevocationList:
    return x509.load_der_x509_crl(bytes(authority.crl_der))


# --- checking an imported key and certificate (PKCS#12) ---------------------------------------------


def check_key_matches(key, cert: x509.Certificate) -> None:
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise DomainError(_("The key in the PKCS#12 file must be RSA or EC."), code="p12_key_type")
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < 2048:
        raise DomainError(_("The RSA key in the PKCS#12 file is too short (at least 2048 bits)."), code="p12_key_size")
    if key.public_key().public_numbers() != cert.public_key().public_numbers():
        raise DomainError(_("The key in the PKCS#12 file does not belong to its certificate."), code="p12_mismatch")


def check_signing_certificate(cert: x509.Certificate) -> None:
    now = clock.now()
    if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
        raise DomainError(_("The certificate in the PKCS#12 file is expired or not valid yet."), code="p12_expired")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise DomainError(_("The certificate in the PKCS#12 file may not be used for signing."), code="p12_usage")


def issuer_in_bundle(cert: x509.Certificate, bundle: list[x509.Certificate]) -> x509.Certificate | None:
    """The certificate in ``bundle`` (a PKCS#12 file's extra certificates) whose key signed ``cert``."""
    for candidate in bundle:
        if issued_by(cert, candidate):
            return candidate
    return None
