"""Which signer signs for a ``SignerKey``: a registry of kind -> factory(signer_key) -> Signer.

Built in: ``local`` (``signers/local.py``) and ``pkcs11`` (``signers/pkcs11.py``). ``bsre`` is
found at ``loket.signing.signers.bsre.signer_for_key`` once that module exists (BSrE's client is
written separately); until then a BSrE key is ``SignerUnavailable``. A deployment may replace or add
kinds with ``settings.SIGNING_SIGNERS = {"kind": "dotted.path.to.factory"}``, and code may call
``register(kind, factory)``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from loket.signing.signers.base import Signer, SignerUnavailable

SignerFactory = Callable[[object], Signer]

BUILT_IN: dict[str, str] = {
    "local": "loket.signing.signers.local.signer_for_key",
    "pkcs11": "loket.signing.signers.pkcs11.signer_for_key",
    "bsre": "loket.signing.signers.bsre.signer_for_key",
}

_registry: dict[str, SignerFactory] = {}


def register(kind: str, factory: SignerFactory) -> None:
    """Make ``factory(signer_key)`` the signer of ``kind`` (wins over settings and built-ins)."""
    _registry[kind] = factory


def factory_for(kind: str) -> SignerFactory:
    if kind in _registry:
        return _registry[kind]
    path = {**BUILT_IN, **getattr(settings, "SIGNING_SIGNERS", {})}.get(kind)
    if not path:
        raise SignerUnavailable(_("There is no signer for keys of this kind."))
    try:
        return import_string(path)
    except ImportError:
        raise SignerUnavailable(_("The signer for keys of this kind is not installed.")) from None


def signer_for(signer_key) -> Signer:
    """The signer for ``signer_key`` (its ``kind`` picks the factory)."""
    return factory_for(signer_key.kind)(signer_key)
