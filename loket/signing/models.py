"""Electronic signatures: the deployment's own certificate authority and each signer's key.

Change them only through ``loket.signing.services`` (sealing, audit). No
private key is ever stored in the clear: the CA and TSA keys are sealed with the deployment
passphrase (env ``LOKET_CA_PASSPHRASE``), a local signer's key with the signer's own PIN
(``loket.signing.sealing``: Argon2id + AES-256-GCM); a PKCS#11 key never leaves its token and a
BSrE key never leaves BSrE.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from loket.letters.models import Letter


class SigningAuthority(models.Model):
    """The deployment's root CA, its timestamping (TSA) certificate and the current CRL.

    Exactly one row is active (``is_active``); ``signing_ca init`` creates it once. Extra trusted
    issuers accepted by ``import-p12 --trust-issuer`` are kept in ``extra_issuers_pem``.
    """

    is_active = models.BooleanField(_("active"), default=True)
    name = models.CharField(_("name"), max_length=200)
    ca_certificate_pem = models.TextField(_("CA certificate (PEM)"))
    ca_key_sealed = models.JSONField(_("CA private key (sealed)"))
    tsa_certificate_pem = models.TextField(_("TSA certificate (PEM)"))
    tsa_key_sealed = models.JSONField(_("TSA private key (sealed)"))
    crl_pem = models.TextField(_("CRL (PEM)"), blank=True)
    crl_der = models.BinaryField(_("CRL (DER)"), blank=True, default=b"")
    crl_number = models.PositiveIntegerField(_("CRL number"), default=0)
    crl_updated_at = models.DateTimeField(_("CRL updated at"), null=True, blank=True)
    extra_issuers_pem = models.TextField(
        _("extra trusted issuers (PEM)"),
        blank=True,
        help_text=_("Issuers of imported PKCS#12 certificates accepted explicitly by an admin."),
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("signing authority")
        verbose_name_plural = _("signing authorities")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="signing_one_active_authority"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SignerKind(models.TextChoices):
    LOCAL = "local", _("Local key (sealed with the PIN)")
    PKCS11 = "pkcs11", _("PKCS#11 token")
    BSRE = "bsre", _("BSrE (remote signing)")


class SignerKey(models.Model):
    """A signer's key: local (sealed with the PIN), in a PKCS#11 token, or at BSrE.

    One active key per user (``revoked_at`` empty). A revoked key stays as a record: its
    certificate's serial is in the CRL and old signatures can still be explained.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signer_keys", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SignerKind.choices)
    certificate_pem = models.TextField(_("certificate (PEM)"), blank=True)
    certificate_serial = models.CharField(_("certificate serial (hex)"), max_length=64, blank=True, db_index=True)
    not_after = models.DateTimeField(_("valid until"), null=True, blank=True)
    sealed_key = models.JSONField(_("private key (sealed with the PIN)"), null=True, blank=True)
    pkcs11_token_label = models.CharField(_("PKCS#11 token label"), max_length=64, blank=True)
    pkcs11_key_label = models.CharField(_("PKCS#11 key label"), max_length=64, blank=True)
    bsre_nik = models.CharField(_("BSrE NIK"), max_length=16, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(_("failed PIN attempts"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(_("revocation reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("signer key")
        verbose_name_plural = _("signer keys")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(revoked_at__isnull=True), name="signing_one_active_key_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.user}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def new_verification_token() -> str:
    """The token in a signed document's QR code: 192 random bits, never a sequential id."""
    return secrets.token_urlsafe(24)


def private_storage():
    return storages["private"]


def signed_path(instance, filename: str) -> str:
    return f"signed/{instance.letter.office_id}/{instance.letter.year}/{filename}"


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for signature")
    SIGNED = "signed", _("Signed")


class SignedDocument(models.Model):
    """A letter put before an official to sign, then signed: the signed PDF, its SHA-256 (what
    verification compares), the trusted signing time, and the verification token of its QR code.

    ``attempt`` guards against signing twice: it is set (and committed) before a signer is asked,
    cleared after; one left "unknown" (a remote signer whose answer was lost) blocks further
    attempts until an officer checks the document (``services.clear_unknown_attempt``).
    """

    letter = models.OneToOneField(Letter, on_delete=models.PROTECT, related_name="signature", verbose_name=_("letter"))
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="documents_to_sign", verbose_name=_("signer")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING, db_index=True
    )
    verification_token = models.CharField(max_length=64, unique=True, default=new_verification_token, editable=False)
    requested_at = models.DateTimeField(_("requested at"))
    attempt = models.CharField(_("signing attempt"), max_length=12, blank=True)
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    signed_pdf = models.FileField(_("signed PDF"), storage=private_storage, upload_to=signed_path, blank=True)
    signed_sha256 = models.CharField(_("SHA-256 of the signed PDF"), max_length=64, blank=True, db_index=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signer_kind = models.CharField(_("signed with"), max_length=10, blank=True)
    certificate_subject = models.CharField(_("certificate"), max_length=300, blank=True)
    certificate_serial = models.CharField(_("certificate serial"), max_length=64, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)

    class Meta:
        verbose_name = _("signed document")
        verbose_name_plural = _("signed documents")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.letter.number} ({self.get_status_display()})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
