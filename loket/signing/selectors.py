"""Read-only questions about signatures: an official's inbox, a document by its QR token or hash."""

from __future__ import annotations

from django.db.models import QuerySet

from loket.signing.models import DocumentStatus, SignedDocument


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
