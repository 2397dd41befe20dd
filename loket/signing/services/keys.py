"""The verbs of signer keys: issue one from the deployment CA, import a PKCS#12 file, register a key
that lives in a PKCS#11 token, change the PIN, count wrong PINs (revoking a key is in
``revocation.py``).

Each service takes keyword-only arguments including ``actor`` (None = the system, e.g. the
``signing_ca`` management command, run by whoever holds the server), checks permission, runs in one
transaction and writes an audit row. A PIN is an argument and nothing else: never logged, never in
the audit data, never stored (only the key sealed with it, ``loket.signing.sealing``).

The PIN rule (``check_pin``): at least 8 characters (digits are fine), not one character repeated.
Why 8 and not the 6 digits of a bank card: a bank card's PIN is only ever tried online, where a
lock-out stops guessing. A sealed key can also be attacked offline by someone who copied the
database; then only Argon2id's cost (~0.25 s and 64 MiB per guess) stands between them and the key:
the 10^6 six-digit PINs fall in days on a few cores, 10^8 eight-digit ones take centuries of
core-time. Longer passphrases are welcome (up to 128 characters). Online, wrong PINs count towards
the same lock-out as signing (``SIGNING_PIN_MAX_FAILURES`` in a row, default 5, then
``SIGNING_PIN_LOCK_MINUTES``, default 15), also when changing the PIN.
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loket.audit.services import record
from loket.core import clock
from loket.core.errors import DomainError, NotAllowed
from loket.signing import pki, sealing
from loket.signing.models import SignerKey, SignerKind
from loket.signing.selectors import active_key_for, signer_title
from loket.signing.services.ca import add_trusted_issuer, require_signing_admin
from loket.signing.signers.base import WrongPin

MIN_PIN_LENGTH = 8
MAX_PIN_LENGTH = 128
MAX_PKCS12_BYTES = 256 * 1024


# --- rules ------------------------------------------------------------------------------------


def max_failed_attempts() -> int:
    return int(getattr(settings, "SIGNING_PIN_MAX_FAILURES", 5))


def lock_duration() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "SIGNING_PIN_LOCK_MINUTES", 15)))


def _lock_minutes() -> int:
    return int(lock_duration().total_seconds() // 60)


def check_pin(pin: str) -> str:
    """The PIN as given, or ``DomainError`` saying what is wrong with it (see the module docstring)."""
    if not isinstance(pin, str) or len(pin) < MIN_PIN_LENGTH:
        raise DomainError(
            _("The PIN must have at least %(min)s characters.") % {"min": MIN_PIN_LENGTH}, code="pin_short"
        )
    if len(pin) > MAX_PIN_LENGTH:
        raise DomainError(_("The PIN may have at most %(max)s characters.") % {"max": MAX_PIN_LENGTH}, code="pin_long")
    if len(set(pin)) == 1:
        raise DomainError(_("The PIN may not be one character repeated."), code="pin_weak")
    return pin


def _require_owner_or_system(actor, signer_key: SignerKey) -> None:
    if actor is None:
        return
    if not (getattr(actor, "is_authenticated", False) and actor.pk == signer_key.user_id):
        raise NotAllowed(_("Only the key's owner may change its PIN."))


def _require_no_active_key(user) -> None:
    if active_key_for(user) is not None:
        raise DomainError(
            _("%(user)s already has an active signing key: revoke it first.") % {"user": user}, code="key_exists"
        )


def _cert_fields(cert: x509.Certificate) -> dict:
    return {
        "certificate_pem": pki.pem(cert),
        "certificate_serial": pki.serial_hex(cert),
        "not_after": cert.not_valid_after_utc,
    }


def key_audit_data(cert: x509.Certificate | None, signer_key: SignerKey) -> dict:
    data = {"kind": signer_key.kind, "user": signer_key.user.username}
    if cert is not None:
        data.update(
            subject=cert.subject.rfc4514_string(),
            serial=pki.serial_hex(cert),
            not_after=cert.not_valid_after_utc.isoformat(),
        )
    return data


# --- issuing and importing ----------------------------------------------------------------------


def issue_signer_key(*, actor, user, pin: str, title: str = "") -> SignerKey:
    """A new key pair for ``user`` with a certificate from the deployment CA, the private key sealed
    with ``pin``. ``title`` (the position in the certificate) defaults to the user's signer role."""
    require_signing_admin(actor)
    check_pin(pin)
    title = " ".join((title or signer_title(user)).split())
    if not title:
        raise DomainError(_("Enter the signer's position (e.g. Lurah Ciputat)."), code="title")
    authority = pki.active_authority()
    key = pki.new_private_key()
    cert = pki.issue_certificate_for_public_key(
        public_key=key.public_key(),
        name=user.full_name or user.username,
        title=title,
        nip=user.nip,
        email=user.email,
        authority=authority,
    )
    sealed = sealing.seal(pki.private_key_der(key), pin)
    with transaction.atomic():
        _require_no_active_key(user)
        signer_key = SignerKey.objects.create(
            user=user, kind=SignerKind.LOCAL, sealed_key=sealed, created_at=clock.now(), **_cert_fields(cert)
        )
        record(actor=actor, action="signing.key_issue", obj=signer_key, data=key_audit_data(cert, signer_key))
    return signer_key


def import_pkcs12(*, actor, user, data: bytes, passphrase: str, pin: str, trust_issuer: bool = False) -> SignerKey:
    """Import a key and certificate from a PKCS#12 file; the key is then sealed with ``pin``.

    The certificate must be issued by a CA this deployment knows (its own root, or an issuer an
    admin accepted earlier). With ``trust_issuer`` the certificate's direct issuer, which must be in
    the file and be a CA certificate that really signed it, is accepted as an extra trusted issuer
    (audited): the admin vouches for it. Nothing else is trusted implicitly."""
    require_signing_admin(actor)
    check_pin(pin)
    if len(data) > MAX_PKCS12_BYTES:
        raise DomainError(_("The PKCS#12 file is too large."), code="p12_size")
    try:
        key, cert, bundle = pkcs12.load_key_and_certificates(data, (passphrase or "").encode("utf-8"))
    except (ValueError, TypeError):
        raise DomainError(_("The PKCS#12 file cannot be opened: the file or its passphrase is wrong."), code="p12_open")
    if key is None or cert is None:
        raise DomainError(_("The PKCS#12 file must hold one private key and its certificate."), code="p12_content")
    pki.check_key_matches(key, cert)
    pki.check_signing_certificate(cert)
    authority = pki.active_authority()
    issuer = pki.known_issuer_of(cert, authority)
    if issuer is None:
        if not trust_issuer:
            raise DomainError(
                _(
                    "The certificate is not issued by a CA this deployment knows. "
                    "Accept its issuer explicitly (--trust-issuer) if you trust it."
                ),
                code="p12_unknown_issuer",
            )
        issuer = pki.issuer_in_bundle(cert, list(bundle or ()))
        if issuer is None:
            raise DomainError(
                _("The issuer's certificate is not in the PKCS#12 file, so it cannot be accepted."),
                code="p12_no_issuer",
            )
    sealed = sealing.seal(pki.private_key_der(key), pin)
    with transaction.atomic():
        _require_no_active_key(user)
        if pki.known_issuer_of(cert, authority) is None:
            add_trusted_issuer(authority, issuer, actor=actor)
        signer_key = SignerKey.objects.create(
            user=user, kind=SignerKind.LOCAL, sealed_key=sealed, created_at=clock.now(), **_cert_fields(cert)
        )
        data = key_audit_data(cert, signer_key)
        data.update(imported=True, issuer=issuer.subject.rfc4514_string())
        record(actor=actor, action="signing.key_import", obj=signer_key, data=data)
    return signer_key


def register_pkcs11_key(*, actor, user, token_label: str, key_label: str, certificate_pem: str) -> SignerKey:
    """Record that ``user``'s key lives in a PKCS#11 token (``token_label`` / ``key_label``) with
    ``certificate_pem``, which must come from a CA this deployment knows."""
    require_signing_admin(actor)
    token_label = (token_label or "").strip()
    key_label = (key_label or "").strip()
    if not token_label or not key_label:
        raise DomainError(_("Enter the token label and the key label."), code="pkcs11_labels")
    try:
        cert = pki.load_certificate(certificate_pem)
    except ValueError:
        raise DomainError(_("The certificate is not a PEM certificate."), code="pkcs11_cert")
    if pki.known_issuer_of(cert, pki.active_authority()) is None:
        raise DomainError(_("The certificate is not issued by a CA this deployment knows."), code="pkcs11_issuer")
    with transaction.atomic():
        _require_no_active_key(user)
        signer_key = SignerKey.objects.create(
            user=user,
            kind=SignerKind.PKCS11,
            pkcs11_token_label=token_label[:64],
            pkcs11_key_label=key_label[:64],
            created_at=clock.now(),
            **_cert_fields(cert),
        )
        data = key_audit_data(cert, signer_key)
        data.update(token=token_label, key_label=key_label)
        record(actor=actor, action="signing.key_register_pkcs11", obj=signer_key, data=data)
    return signer_key


# --- PIN --------------------------------------------------------------------------------------


def require_not_locked(signer_key: SignerKey) -> None:
    """Refuse while the key is locked after too many wrong PINs, saying for how long."""
    now = clock.now()
    if signer_key.locked_until and signer_key.locked_until > now:
        minutes = max(1, int((signer_key.locked_until - now).total_seconds() // 60) + 1)
        raise DomainError(
            ngettext(
                "Signing is locked after too many wrong PINs. Try again in %(n)s minute.",
                "Signing is locked after too many wrong PINs. Try again in %(n)s minutes.",
                minutes,
            )
            % {"n": minutes},
            code="locked",
        )


def register_wrong_pin(signer_key: SignerKey) -> DomainError:
    """Count one wrong PIN in its own committed transaction (the caller then refuses); at
    ``max_failed_attempts()`` in a row lock the key for ``lock_duration()`` (audited). Returns the
    refusal to raise, saying how many attempts are left or how long the lock lasts."""
    with transaction.atomic():
        row = SignerKey.objects.select_for_update().get(pk=signer_key.pk)
        row.failed_attempts += 1
        locked = row.failed_attempts >= max_failed_attempts()
        if locked:
            row.locked_until = clock.now() + lock_duration()
            row.failed_attempts = 0
        row.save(update_fields=["failed_attempts", "locked_until"])
        record(
            actor=row.user,
            action="signing.pin_locked" if locked else "signing.pin_wrong",
            obj=row,
            data={"minutes": _lock_minutes()} if locked else {"attempt": row.failed_attempts},
        )
    signer_key.failed_attempts, signer_key.locked_until = row.failed_attempts, row.locked_until
    if locked:
        return DomainError(
            _("Wrong PIN, %(n)s times in a row: signing is locked for %(minutes)s minutes.")
            % {"n": max_failed_attempts(), "minutes": _lock_minutes()},
            code="locked",
        )
    left = max_failed_attempts() - row.failed_attempts
    return DomainError(
        ngettext(
            "Wrong PIN. %(n)s attempt left before signing is locked.",
            "Wrong PIN. %(n)s attempts left before signing is locked.",
            left,
        )
        % {"n": left},
        code="wrong_pin",
    )


def register_right_pin(signer_key: SignerKey) -> None:
    """A right PIN ends the count of wrong ones (and a lock that has run out); audited when it did."""
    if signer_key.failed_attempts or signer_key.locked_until:
        with transaction.atomic():
            SignerKey.objects.filter(pk=signer_key.pk).update(failed_attempts=0, locked_until=None)
            record(
                actor=signer_key.user,
                action="signing.pin_reset",
                obj=signer_key,
                data={"wrong_before": signer_key.failed_attempts},
            )
        signer_key.failed_attempts, signer_key.locked_until = 0, None


def change_pin(*, actor, signer_key: SignerKey, old_pin: str, new_pin: str) -> SignerKey:
    """Re-seal a local key under ``new_pin``; ``old_pin`` is required (``WrongPin`` otherwise, counted
    towards the lock-out). Only the key's owner (or the system) may do it."""
    _require_owner_or_system(actor, signer_key)
    if signer_key.kind != SignerKind.LOCAL or not signer_key.sealed_key:
        raise DomainError(_("Only a local key has a PIN that Loket can change."), code="not_local")
    if signer_key.revoked_at is not None:
        raise DomainError(_("This key is revoked."), code="revoked")
    require_not_locked(signer_key)
    check_pin(new_pin)
    if new_pin == old_pin:
        raise DomainError(_("The new PIN must differ from the old one."), code="pin_same")
    try:
        resealed = sealing.reseal(signer_key.sealed_key, old_pin, new_pin)
    except WrongPin:
        raise register_wrong_pin(signer_key) from None
    with transaction.atomic():
        signer_key.sealed_key = resealed
        signer_key.failed_attempts = 0
        signer_key.locked_until = None
        signer_key.save(update_fields=["sealed_key", "failed_attempts", "locked_until"])
        record(actor=actor, action="signing.pin_change", obj=signer_key, data={"user": signer_key.user.username})
    return signer_key
