"""BSrE's error table and the messages a signer shows for each failure (Indonesian through Django's
translations): ``ERROR_CODES`` and ``CERTIFICATE_STATUSES`` are the one table, ``refusal`` turns an
entry into the exception. See ``loket.signing.signers.bsre`` for which codes are assumptions."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.utils.translation import gettext as _

from loket.signing.signers.base import (
    CertificateInactive,
    SignerError,
    SignerUnavailable,
    SigningFailed,
    SigningOutcomeUnknown,
    WrongPin,
)


class Refusal(enum.Enum):
    """What a BSrE refusal means for us; ``refusal`` turns one into the exception."""

    WRONG_PASSPHRASE = enum.auto()
    NOT_REGISTERED = enum.auto()
    EXPIRED = enum.auto()
    REVOKED = enum.auto()
    SUSPENDED = enum.auto()
    LOCKED = enum.auto()
    NOT_ACTIVE = enum.auto()
    DOCUMENT_REFUSED = enum.auto()


@dataclass(frozen=True)
class ErrorCode:
    code: int
    name: str
    refusal: Refusal
    meaning: str
    seen_in_clients: bool  # False: an assumption, to be confirmed with BSrE at onboarding


ERROR_CODES: dict[int, ErrorCode] = {
    entry.code: entry
    for entry in (
        ErrorCode(2011, "NIK_NOT_REGISTERED", Refusal.NOT_REGISTERED, "no BSrE account for this NIK", True),
        ErrorCode(2021, "CERTIFICATE_EXPIRED", Refusal.EXPIRED, "the certificate has expired", False),
        ErrorCode(2022, "CERTIFICATE_REVOKED", Refusal.REVOKED, "the certificate was revoked", False),
        ErrorCode(2023, "CERTIFICATE_SUSPENDED", Refusal.SUSPENDED, "the certificate is suspended", False),
        ErrorCode(2024, "CERTIFICATE_NOT_ACTIVE", Refusal.NOT_ACTIVE, "issued, not (yet) active", False),
        ErrorCode(2031, "WRONG_PASSPHRASE", Refusal.WRONG_PASSPHRASE, "'Passphrase anda salah'", True),
        ErrorCode(2032, "PASSPHRASE_LOCKED", Refusal.LOCKED, "blocked after too many wrong passphrases", False),
        ErrorCode(2041, "DOCUMENT_INVALID", Refusal.DOCUMENT_REFUSED, "the PDF could not be read", False),
        ErrorCode(2042, "SIGNATURE_PROPERTIES_INVALID", Refusal.DOCUMENT_REFUSED, "bad page, box or image", False),
        ErrorCode(2051, "SIGNING_REFUSED", Refusal.DOCUMENT_REFUSED, "BSrE could not sign; nothing signed", False),
    )
}

# ``user/check/status``: "ISSUE" is the one active status; any other one (listed or not) is inactive.
ACTIVE_STATUS = "ISSUE"
CERTIFICATE_STATUSES: dict[str, Refusal] = {
    "EXPIRED": Refusal.EXPIRED,
    "REVOKED": Refusal.REVOKED,
    "SUSPEND": Refusal.SUSPENDED,
    "SUSPENDED": Refusal.SUSPENDED,
    "NOT_REGISTERED": Refusal.NOT_REGISTERED,
}


def refusal(refusal: Refusal, *, status: str = "", code: int | None = None) -> SignerError:
    if refusal is Refusal.WRONG_PASSPHRASE:
        return WrongPin(_("The BSrE passphrase is wrong. Check it and try again."))
    if refusal is Refusal.DOCUMENT_REFUSED:
        return SigningFailed(
            _("BSrE refused to sign this document (code %(code)s). Nothing was signed. Please tell the system admin.")
            % {"code": code if code is not None else "-"}
        )
    messages = {
        Refusal.NOT_REGISTERED: _(
            "The signer's NIK is not registered at BSrE, so there is no electronic certificate to sign with. "
            "The signer must register with BSrE first."
        ),
        Refusal.EXPIRED: _(
            "The signer's electronic certificate at BSrE has expired. "
            "It must be renewed at BSrE before it can be used to sign."
        ),
        Refusal.REVOKED: _(
            "The signer's electronic certificate at BSrE has been revoked and can no longer be used to sign. "
            "A new certificate must be requested from BSrE."
        ),
        Refusal.SUSPENDED: _(
            "The signer's electronic certificate at BSrE is suspended. It can be used again once BSrE reactivates it."
        ),
        Refusal.LOCKED: _(
            "BSrE has blocked the signer's certificate after too many wrong passphrases. Contact BSrE to unblock it."
        ),
    }
    if refusal in messages:
        return CertificateInactive(messages[refusal])
    return CertificateInactive(
        _(
            "The signer's electronic certificate at BSrE is not active (status: %(status)s), so it cannot be used to sign."
        )
        % {"status": status or "-"}
    )


def unreachable() -> SignerUnavailable:
    return SignerUnavailable(
        _("The BSrE signing service cannot be reached. Nothing was signed; please try again in a few minutes.")
    )


def busy() -> SignerUnavailable:
    return SignerUnavailable(
        _(
            "The BSrE signing service is busy or under maintenance. "
            "Nothing was signed; please try again in a few minutes."
        )
    )


def access_refused() -> SignerUnavailable:
    # Not "SigningFailed": nothing was signed and nothing about the document is wrong; the
    # deployment's client id/secret (or its IP allowlist at BSrE) must be fixed by an admin.
    return SignerUnavailable(
        _(
            "BSrE refused this application's access (client ID or secret). Nothing was signed. Please tell the system admin."
        )
    )


def not_understood() -> SignerUnavailable:
    return SignerUnavailable(
        _(
            "The BSrE signing service gave an answer Loket does not understand. Nothing was signed; please tell the system admin."
        )
    )


def outcome_unknown() -> SigningOutcomeUnknown:
    return SigningOutcomeUnknown(
        _(
            "The document was sent to BSrE but no answer came back, so it is unknown whether it was signed. "
            "Do not sign it again until the system admin has checked it with BSrE."
        )
    )


def bad_answer() -> SigningFailed:
    return SigningFailed(
        _(
            "BSrE's answer is not a correctly signed copy of this document, so it was not accepted. "
            "Please tell the system admin before trying again."
        )
    )


def error_code(data: dict) -> int | None:
    for key in ("status_code", "code", "errorCode"):
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
    return None
