"""The PKCS#11 signer: the key never leaves the token (a hardware token or HSM, or SoftHSM2 in
development and tests); the certificate is kept in ``SignerKey`` (issued by the deployment CA for
the token's public key, ``pki.issue_certificate_for_public_key``).

``open_session(pin=…)`` loads the module and logs in to the token once; every ``sign_pdf`` of the
session asks the token to sign; ``close`` logs out. A wrong PIN is ``WrongPin`` (the token counts
too, and may lock itself); no module, no token or a locked token is ``SignerUnavailable``.
"""

from __future__ import annotations

import logging

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from django.conf import settings
from django.utils.translation import gettext as _
from pkcs11 import ObjectClass
from pkcs11 import exceptions as p11_errors
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.general import SigningError
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

from loket.signing import pades, pki
from loket.signing.models import SignerKey, SignerKind
from loket.signing.signers.base import SignedPdf, SignerUnavailable, Stamp, WrongPin

logger = logging.getLogger(__name__)


def _asn1(cert) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    if isinstance(cert, x509.Certificate):
        return pades.asn1_cert(cert)
    return pades.asn1_cert(pki.load_certificate(cert))


class Pkcs11Session:
    def __init__(self, session, signer: PKCS11Signer, context: pades.PadesContext):
        self._session = session
        self._signer = signer
        self._context = context

    def sign_pdf(self, pdf: bytes, *, stamp: Stamp, reason: str, location: str) -> SignedPdf:
        if self._session is None:
            raise RuntimeError("the signing session is closed")
        return pades.sign_pdf(
            pdf, signer=self._signer, context=self._context, stamp=stamp, reason=reason, location=location
        )

    def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            try:
                session.close()
            except p11_errors.PKCS11Error:
                logger.warning("Closing the PKCS#11 session failed", exc_info=True)

    def __enter__(self) -> Pkcs11Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Pkcs11Signer:
    kind = SignerKind.PKCS11.value

    def __init__(self, module_path: str, token_label: str, key_label: str, cert):
        self.module_path = module_path
        self.token_label = token_label
        self.key_label = key_label
        self.cert = _asn1(cert)

    @classmethod
    def from_signer_key(cls, signer_key: SignerKey) -> Pkcs11Signer:
        from loket.signing.signers.local import check_certificate_active

        return cls(
            module_path=settings.SIGNING_PKCS11_MODULE,
            token_label=signer_key.pkcs11_token_label,
            key_label=signer_key.pkcs11_key_label,
            cert=check_certificate_active(signer_key),
        )

    def open_session(self, *, pin: str) -> Pkcs11Session:
        context = pades.PadesContext.load()
        try:
            session = open_pkcs11_session(
                self.module_path, token_criteria=TokenCriteria(label=self.token_label), user_pin=pin
            )
        except (p11_errors.PinIncorrect, p11_errors.PinInvalid, p11_errors.PinLenRange):
            raise WrongPin(_("The PIN is wrong.")) from None
        except p11_errors.PinLocked:
            raise SignerUnavailable(_("The token is locked after too many wrong PINs.")) from None
        except p11_errors.PKCS11Error as exc:
            logger.warning("PKCS#11 token %r unavailable: %s", self.token_label, exc)
            raise SignerUnavailable(_("The signing token cannot be reached; nothing was signed.")) from exc
        try:
            # pyHanko looks the key up lazily, at the first signature: check now, so that a missing
            # key is "unavailable" at the start of the batch, not halfway through it.
            session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=self.key_label)
            signer = PKCS11Signer(
                session,
                key_label=self.key_label,
                signing_cert=self.cert,
                other_certs_to_pull=None,
                ca_chain=context.trust_roots,
            )
        except (SigningError, p11_errors.PKCS11Error) as exc:
            session.close()
            logger.warning("PKCS#11 key %r not usable: %s", self.key_label, exc)
            raise SignerUnavailable(_("The signing key is not in the token.")) from exc
        return Pkcs11Session(session, signer, context)


def signer_for_key(signer_key: SignerKey) -> Pkcs11Signer:
    """The registry's factory (``loket.signing.signers``)."""
    return Pkcs11Signer.from_signer_key(signer_key)
