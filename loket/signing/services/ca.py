"""The verbs of the deployment's CA (``pki`` has the cryptography): store a new authority, accept
an extra issuer, re-sign the CRL.

``actor`` None is the system: the ``signing_ca`` management command, run by whoever holds the
server. Each verb runs in one transaction and writes its audit row.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from django.db import transaction
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core import clock, policy
from loket.core.errors import DomainError, NotAllowed
from loket.signing import pki, sealing, selectors
from loket.signing.models import SigningAuthority


def manages_signing(actor) -> bool:
    """The deployment's signing set-up (the CA, signers' keys) is a system admin's, or the system's."""
    return actor is None or policy.manages_system(actor)


def require_signing_admin(actor) -> None:
    if not manages_signing(actor):
        raise NotAllowed(_("Only a system admin may manage signing keys."))


@transaction.atomic
def save_material(material: pki.AuthorityMaterial, *, actor=None) -> SigningAuthority:
    """Store ``material`` as the active authority, keys sealed, with a first (empty) CRL."""
    require_signing_admin(actor)
    passphrase = pki.ca_passphrase()
    now = clock.now()
    authority = SigningAuthority.objects.create(
        is_active=True,
        name=material.ca_certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
        ca_certificate_pem=pki.pem(material.ca_certificate),
        ca_key_sealed=sealing.seal(pki.private_key_der(material.ca_key), passphrase),
        tsa_certificate_pem=pki.pem(material.tsa_certificate),
        tsa_key_sealed=sealing.seal(pki.private_key_der(material.tsa_key), passphrase),
        created_at=now,
    )
    _write_crl(authority, material.ca_key, now=now)
    record(
        actor=actor,
        action="signing.ca_init",
        obj=authority,
        data={
            "ca_subject": material.ca_certificate.subject.rfc4514_string(),
            "ca_serial": pki.serial_hex(material.ca_certificate),
            "ca_sha256": material.ca_certificate.fingerprint(hashes.SHA256()).hex(),
            "tsa_serial": pki.serial_hex(material.tsa_certificate),
        },
    )
    return authority


def init_authority(*, actor=None) -> tuple[SigningAuthority, bool]:
    """The active authority, made now if there is none (``created`` says which). Idempotent."""
    require_signing_admin(actor)
    with transaction.atomic():
        existing = SigningAuthority.objects.select_for_update().filter(is_active=True).first()
        if existing is not None:
            return existing, False
        return save_material(pki.build_material(), actor=actor), True


@transaction.atomic
def add_trusted_issuer(authority: SigningAuthority, issuer: x509.Certificate, *, actor=None) -> None:
    """Accept ``issuer`` (a CA certificate, explicitly, by an admin) for imported certificates."""
    require_signing_admin(actor)
    if not pki.is_ca_certificate(issuer):
        raise DomainError(_("The issuer certificate is not a CA certificate."), code="issuer_not_ca")
    if any(existing == issuer for existing in pki.trusted_issuers(authority)):
        return
    authority.extra_issuers_pem = authority.extra_issuers_pem + pki.pem(issuer)
    authority.save(update_fields=["extra_issuers_pem"])
    record(
        actor=actor,
        action="signing.trust_issuer",
        obj=authority,
        data={"issuer": issuer.subject.rfc4514_string(), "sha256": issuer.fingerprint(hashes.SHA256()).hex()},
    )


# --- the CRL ------------------------------------------------------------------------------------


def _write_crl(authority: SigningAuthority, ca_key, *, now: dt.datetime) -> None:
    number = authority.crl_number + 1
    crl = pki.build_crl(authority, ca_key, number=number, revoked=selectors.revoked_certificates(authority), now=now)
    authority.crl_der = crl.public_bytes(serialization.Encoding.DER)
    authority.crl_pem = crl.public_bytes(serialization.Encoding.PEM).decode("ascii")
    authority.crl_number = number
    authority.crl_updated_at = now
    authority.save(update_fields=["crl_der", "crl_pem", "crl_number", "crl_updated_at"])


def regenerate_crl(*, authority: SigningAuthority | None = None, actor=None) -> SigningAuthority:
    """Sign a new CRL now (after a revocation, or by ``signing_ca crl``).

    No permission check: a new CRL only publishes revocations already made, and whoever was
    allowed to revoke (a key's owner too) must get them published."""
    with transaction.atomic():
        authority = SigningAuthority.objects.select_for_update().get(pk=(authority or pki.active_authority()).pk)
        _write_crl(authority, pki.unseal_ca_key(authority), now=clock.now())
        record(actor=actor, action="signing.crl", obj=authority, data={"crl_number": authority.crl_number})
    return authority


def current_crl(authority: SigningAuthority) -> x509.CertificateRevocationList:
    """The CRL to embed in a signature now: re-signed first when it is older than a day.

    ``pades`` asks this through ``pades.use_crl_source`` (registered in apps.py): it sits below
    the services and cannot import them, but re-signing writes the authority row and an audit row."""
    if pki.crl_is_stale(authority):
        authority = regenerate_crl(authority=authority)
    return pki.stored_crl(authority)
