"""The one signer interface. Three implementations: ``local`` (a key sealed with the signer's PIN,
certificate from the deployment's own CA), ``pkcs11`` (the key stays in a hardware or software
token) and ``bsre`` (BSrE's remote signing service, API v2 form).

A signing session is opened once per batch with the PIN (or passphrase): the local signer unseals
its key once, the token is logged in once, the remote signer checks the account once. Then
``sign_pdf`` is called per document and returns the signed PDF bytes (PAdES, with the visible
stamp described by ``Stamp``). The caller (``loket.signing.services``) counts wrong PINs, locks,
audits and stores; a signer never logs or keeps the PIN.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


class SignerError(Exception):
    """Base of the errors a signer raises; ``message`` is for the person signing (translated)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class WrongPin(SignerError):
    """The PIN or passphrase is wrong (counted towards the lock-out)."""


class CertificateInactive(SignerError):
    """The signer's certificate is expired, revoked or not (yet) active."""


class SignerUnavailable(SignerError):
    """The token or remote service cannot be reached; nothing was signed."""


class SigningFailed(SignerError):
    """The signer answered but did not return a valid signed document (or the outcome is unknown:
    then the message says so and nothing is retried automatically)."""


class SigningOutcomeUnknown(SigningFailed):
    """The request reached the signer but no usable answer came back (a remote signer): the
    document may be signed there. Never retried automatically; it must be checked first."""


@dataclass(frozen=True)
class Stamp:
    """The visible e-signature stamp: a QR code of ``verify_url`` and the words saying who signed
    electronically, in what capacity, and when. ``box`` is (x0, y0, x1, y1) in PDF points on page
    ``page`` (-1 = the last page): ``loket.letters.rendering.SIGNATURE_BOX``. ``time_zone`` is the
    office's zone (Asia/Jakarta, Asia/Makassar, Asia/Jayapura): the stamp says the time in WIB/WITA/WIT."""

    signer_name: str
    signer_title: str
    verify_url: str
    page: int
    box: tuple[int, int, int, int]
    on_behalf_line: str = ""
    signer_nip: str = ""
    time_zone: str = "Asia/Jakarta"


@dataclass(frozen=True)
class SignedPdf:
    pdf: bytes
    signed_at: dt.datetime  # the trusted signing time (from the timestamp token when there is one)
    certificate_subject: str
    certificate_serial: str


class SigningSession(Protocol):
    def sign_pdf(self, pdf: bytes, *, stamp: Stamp, reason: str, location: str) -> SignedPdf: ...

    def close(self) -> None: ...


class Signer(Protocol):
    kind: str

    def open_session(self, *, pin: str) -> SigningSession:
        """Unseal / log in / check the account with ``pin``; raises ``WrongPin``,
        ``CertificateInactive``, ``SignerUnavailable``."""
        ...
