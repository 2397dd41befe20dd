"""Revoking: a signed document (verification then says revoked, with the date), or a signer's key
(it signs nothing more and its certificate goes into a new CRL)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from loket.audit.services import record
from loket.core import clock, policy
from loket.core.errors import DomainError, NotAllowed
from loket.signing import pki
from loket.signing.models import DocumentStatus, SignedDocument, SignerKey
from loket.signing.services.ca import manages_signing, regenerate_crl
from loket.signing.services.keys import key_audit_data


@transaction.atomic
def revoke_document(*, actor, document: SignedDocument, reason: str) -> SignedDocument:
    """Revoke a signed document: the signer or an admin of the issuing office, with a reason."""
    row = SignedDocument.objects.select_for_update().select_related("letter__office").get(pk=document.pk)
    office = row.letter.office
    if actor is None or not (row.signer_id == actor.pk or policy.allows(actor, policy.MANAGE_OFFICE, office)):
        raise NotAllowed(_("Only the signer or an admin of %(office)s can revoke this document.") % {"office": office})
    if row.status != DocumentStatus.SIGNED:
        raise DomainError(_("Only a signed document can be revoked."), code="not_signed")
    if row.revoked_at:
        raise DomainError(_("This document is already revoked."), code="revoked")
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise DomainError(_("Write the reason for revoking in at least 10 characters."), code="reason")
    row.revoked_at, row.revoked_by, row.revoke_reason = clock.now(), actor, reason[:1000]
    row.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    record(
        actor=actor,
        action="signing.revoke",
        obj=row,
        from_state="valid",
        to_state="revoked",
        reason=row.revoke_reason,
        office_id=office.pk,
    )
    return row


def revoke_signer_key(*, actor, signer_key: SignerKey, reason: str) -> SignerKey:
    """Revoke the key: it signs nothing more and its certificate's serial goes into a new CRL.
    Signatures made before keep validating (their timestamp is older than the revocation)."""
    if not (manages_signing(actor) or getattr(actor, "pk", None) == signer_key.user_id):
        raise NotAllowed(_("Only a system admin or the key's owner may revoke it."))
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise DomainError(_("Give the reason for revoking (at least 5 characters)."), code="reason")
    with transaction.atomic():
        signer_key = SignerKey.objects.select_for_update().get(pk=signer_key.pk)
        if signer_key.revoked_at is not None:
            raise DomainError(_("This key is already revoked."), code="revoked")
        signer_key.revoked_at = clock.now()
        signer_key.revocation_reason = reason[:200]
        signer_key.sealed_key = None  # nothing left to unseal: the key is gone for good
        signer_key.save(update_fields=["revoked_at", "revocation_reason", "sealed_key"])
        cert = pki.load_certificate(signer_key.certificate_pem) if signer_key.certificate_pem else None
        data = key_audit_data(cert, signer_key)
        record(actor=actor, action="signing.key_revoke", obj=signer_key, reason=reason, data=data)
        if cert is not None:
            authority = pki.active_authority()
            if cert.issuer == pki.ca_certificate(authority).subject:
                regenerate_crl(authority=authority, actor=actor)
    return signer_key
