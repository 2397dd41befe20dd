"""Read-only questions about signatures: an official's inbox, a document by its QR token or hash,
signers' keys and the revoked certificates a CRL lists."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from loket.accounts.models import OfficerRole
from loket.core import policy
from loket.signing import pki
from loket.signing.models import DocumentStatus, SignedDocument, SignerKey, SigningAuthority


def inbox_for(user) -> QuerySet[SignedDocument]:
    """Documents waiting for ``user``'s signature, oldest first."""
    return (
        SignedDocument.objects.filter(signer=user, status=DocumentStatus.PENDING)
        .select_related("letter", "letter__office", "letter__service")
        .order_by("requested_at", "pk")
    )


def signed_by(user, limit: int = 50) -> list[SignedDocument]:
    return list(
        SignedDocument.objects.filter(signer=user, status=DocumentStatus.SIGNED)
        .select_related("letter", "letter__office")
        .order_by("-signed_at")[:limit]
    )


def document_for(user, pk: int) -> SignedDocument | None:
    """Document ``pk`` if ``user`` may open it: its signer, or staff who issue the office's letters."""
    document = SignedDocument.objects.select_related("letter", "letter__office").filter(pk=pk).first()
    if document is None:
        return None
    if document.signer_id != user.pk and not policy.allows(user, policy.ISSUE_LETTERS, document.letter.office):
        return None
    return document


def pending_documents_of(signer, documents) -> list[SignedDocument]:
    """Those of ``documents`` still waiting for ``signer``, oldest request first, read afresh."""
    return list(
        SignedDocument.objects.filter(pk__in=[d.pk for d in documents], signer=signer, status=DocumentStatus.PENDING)
        .select_related("letter", "letter__office")
        .order_by("requested_at", "pk")
    )


def document_by_token(token: str) -> SignedDocument | None:
    """A signed document by the token of its QR code (pending ones are not shown to the public)."""
    if not token or len(token) > 64:
        return None
    return (
        SignedDocument.objects.filter(verification_token=token, status=DocumentStatus.SIGNED)
        .select_related("letter", "letter__office", "letter__service")
        .first()
    )


def document_by_hash(sha256: str) -> SignedDocument | None:
    return (
        SignedDocument.objects.filter(signed_sha256=sha256, status=DocumentStatus.SIGNED)
        .select_related("letter", "letter__office")
        .first()
    )


def signed_pdf(document: SignedDocument) -> bytes:
    with document.signed_pdf.open("rb") as handle:
        return handle.read()


def document_for_letter(letter) -> SignedDocument | None:
    return SignedDocument.objects.filter(letter=letter).first()


# --- keys -----------------------------------------------------------------------------------------


def active_key_for(user) -> SignerKey | None:
    return SignerKey.objects.filter(user=user, revoked_at__isnull=True).first()


def signer_title(user) -> str:
    """The position a user signs as: the title of their active penandatangan role, if any."""
    role = (
        OfficerRole.objects.filter(user=user, role__in=policy.SIGN.office_roles, is_active=True)
        .exclude(title="")
        .order_by("id")
        .first()
    )
    return role.title if role else ""


def revoked_certificates(authority: SigningAuthority) -> list[tuple[int, dt.datetime]]:
    """(serial, revoked at) of every revoked signer certificate ``authority``'s root issued."""
    ca_cert = pki.ca_certificate(authority)
    revoked = []
    rows = SignerKey.objects.filter(revoked_at__isnull=False).exclude(certificate_pem="")
    for row in rows.only("certificate_pem", "revoked_at"):
        cert = pki.load_certificate(row.certificate_pem)
        if cert.issuer == ca_cert.subject:
            revoked.append((cert.serial_number, row.revoked_at))
    return sorted(revoked)
